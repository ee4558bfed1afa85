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

namespace ch02 {

// [book:parker]
class Parker {
public:
    void park() {
        std::unique_lock lock(mutex_);
        // The predicate is re-checked after every wake-up of the condition
        // variable, so a spurious wake-up just waits again. If the token is
        // already there (an unpark came first), we do not wait at all.
        cv_.wait(lock, [this] { return token_; });
        token_ = false;  // consume it: the next park() waits for a new unpark()
    }

    void unpark() {
        std::lock_guard lock(mutex_);
        token_ = true;  // a bool, not a counter: many unparks make one token
        // Notify while still holding the lock. Once the lock is released, the
        // parked thread may return and destroy the Parker; a notify after the
        // unlock could then touch a dead condition variable.
        cv_.notify_one();
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool token_ = false;  // guarded by mutex_
};
// [/book:parker]

}  // namespace ch02
