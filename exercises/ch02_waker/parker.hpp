// ch02_waker/parker.hpp: Parker, a one-token "sleep until someone says so".
//
// Contract (token semantics, like Rust's std::thread::park / unpark):
// - unpark() makes one token available. It never blocks and may be called
//   from any thread, any number of times.
// - park() blocks until a token is available, then consumes it.
// - An unpark() that comes before the park() is not lost: the token waits,
//   and the park() returns at once. Several unparks before a park collapse to
//   ONE token: the first park() returns, a second one blocks.
// - A park() may never return "for no reason": condition-variable spurious
//   wake-ups are absorbed by the loop around the wait.
//
// Rust counterpart: std::thread::park / Thread::unpark (and the parking crate's
// Parker / Unparker, which futures' block_on uses).
//
// Why not std::binary_semaphore? Its release() on a semaphore that is already
// 1 is undefined behaviour (two wakes before a park would be a bug), and the
// libstdc++ 12 implementation has lost-wakeup bugs. The book has the details.
#pragma once

#include <condition_variable>
#include <mutex>

#include "core/todo.hpp"

namespace ch02 {

class Parker {
public:
    void park() {
        core::todo("Parker::park in exercises/ch02_waker/parker.hpp: "
                   "lock a std::mutex, wait on a std::condition_variable until the token is there, "
                   "then consume it (token_ = false)");
    }

    void unpark() {
        core::todo("Parker::unpark in exercises/ch02_waker/parker.hpp: "
                   "under the lock set the token (a bool: many unparks make one token) and notify_one()");
    }

private:
    // TODO: std::mutex mutex_;  std::condition_variable cv_;  bool token_ = false;
};

}  // namespace ch02
