// ch07_work_stealing/parker.hpp: Parker, where an idle worker sleeps (given).
//
// Contract: park_until(deadline) returns once unpark() was called (before or
// during the park: the token keeps an early unpark), or at the deadline
// (time_point::max() means no deadline). Each unpark is consumed by one
// park. Chapter 2's parker, with a timeout so the worker that sleeps can
// also drive the timers.
//
// Notify after unlocking is safe here only because every caller of unpark()
// holds a reference that keeps the runtime's state (and so this parker)
// alive until unpark() returns: a worker (its runtime joins it before the
// release), Runtime::close (the Runtime's own), a Sleep (counted), a wake
// (the waker's reference to its task, which counts the runtime), and
// block_on's parker (a shared_ptr). The wake is the subtle one: a wake by
// value gives its reference away, and had it given it to the queue entry, a
// shutdown draining the queue could free the task and the runtime before
// schedule() reached notify_parked(). So the state gives the queue entry a
// reference of its own, and Header::wake_by_val drops the waker's only after
// schedule() has returned.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace ch07 {

class Parker {
public:
    using Clock = std::chrono::steady_clock;

    void unpark() {
        {
            std::lock_guard lock(mutex_);
            token_ = true;
        }
        cv_.notify_one();
    }

    void park_until(Clock::time_point deadline) {
        std::unique_lock lock(mutex_);
        if (deadline == Clock::time_point::max()) {
            cv_.wait(lock, [&] { return token_; });
        } else {
            cv_.wait_until(lock, deadline, [&] { return token_; });
        }
        token_ = false;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool token_ = false;
};

}  // namespace ch07
