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
// Rust counterpart: std::thread::park / Thread::unpark (futures' block_on
// parks with these), or the parking crate's Parker / Unparker (futures-lite's
// block_on).
//
// Why not std::binary_semaphore? Its release() on a semaphore that is already
// 1 breaks a precondition (two wakes before a park would be a bug), and
// libstdc++'s implementation has reported lost wakeups. The book has the details.
#pragma once

#include <condition_variable>
#include <mutex>

#include "core/todo.hpp"

namespace ch02 {

class Parker {
public:
    void park() {
        core::todo("ch02::Parker::park: block until a token is there, then consume it; return at once if an "
                   "unpark came first; never return on a spurious wake-up; see "
                   "book/ch02_waker.md#the-parkers-contract");
    }

    void unpark() {
        core::todo("ch02::Parker::unpark: make one token available (many unparks make one token) and wake a "
                   "parked thread, without ever losing the unpark or touching a parker that may be gone; see "
                   "book/ch02_waker.md#the-parkers-contract and #notify-under-the-lock-or-after-it");
    }

private:
    // TODO: what does a token need to be guarded by, and what does a thread
    // sleep on until it arrives?
};

}  // namespace ch02
