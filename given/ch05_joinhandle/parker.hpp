// ch05_joinhandle/parker.hpp: Parker, block_on's waker (given; chapter 2's, again).
//
// Contract:
// - wake() from any thread leaves a token and wakes a thread parked here.
// - park() returns at once if a token is there, else sleeps until one is;
//   either way it takes the token. So an unpark that comes before the park
//   is not lost, and many wakes before one park count once.
// - Held by shared_ptr: the waker (core::Waker::from) owns it too.
//
// It notifies under the lock, like chapter 2's: here the waker that calls
// wake() owns the Parker (a shared_ptr), so notifying after unlocking would
// be safe too (the rule in CONTRIBUTING.md), but one habit in both chapters
// needs no such argument.
//
// Rust counterpart: std::thread::park / Thread::unpark (futures' block_on
// parks with these), here behind a Waker.
#pragma once

#include <condition_variable>
#include <mutex>

#include "core/waker.hpp"

namespace ch05::detail {

class Parker : public core::Wake {
public:
    void wake() override {
        std::lock_guard lock(mutex_);
        token_ = true;
        cv_.notify_one();
    }
    void park() {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return token_; });
        token_ = false;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool token_ = false;
};

}  // namespace ch05::detail
