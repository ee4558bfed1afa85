// ch07_work_stealing/parker.hpp: Parker, where an idle worker sleeps (given).
//
// Contract: park_until(deadline) returns once unpark() was called (before or
// during the park: the token keeps an early unpark), or at the deadline
// (time_point::max() means no deadline). Each unpark is consumed by one
// park. Chapter 2's parker, with a timeout so the worker that sleeps can
// also drive the timers.
//
// Notify after unlocking is safe here: every caller of unpark() holds a
// reference that keeps the runtime's state (and so this parker) alive.
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
