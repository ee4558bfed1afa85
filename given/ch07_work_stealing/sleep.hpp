// ch07_work_stealing/sleep.hpp: ch07::sleep_for, a timer the runtime's workers fire (given).
//
// Contract:
// - `co_await ch07::sleep_for(d)` inside a ch07 runtime (a task, or block_on's
//   future) completes once at least `d` has passed since its first poll.
//   Polled outside any ch07 runtime it throws std::logic_error. `d` may be
//   in any unit: the constructor saturates it (core::clamp_sleep, at most
//   about 30 years), so `now + d` cannot overflow and "sleep forever"
//   (duration::max()) pends forever.
// - The timer's entry lives inside the Sleep: registering costs no
//   allocation, and dropping the Sleep removes it at once.
// - A Sleep must not move after its first poll (the timer holds its
//   address); inside a coroutine frame it never does. Moving one that was
//   polled is a std::logic_error.
// - core::sleep_for still works in ch07 tasks (it has its own thread);
//   ch07::sleep_for is the one that scales: no thread, no lock per poll.
//
// Rust counterpart: tokio::time::sleep (which also needs a runtime).
#pragma once

#include <chrono>
#include <stdexcept>

#include "ch07_work_stealing/scheduler.hpp"
#include "ch07_work_stealing/timer.hpp"
#include "core/deadline.hpp"
#include "core/poll.hpp"
#include "core/waker.hpp"

namespace ch07 {

class [[nodiscard]] Sleep {
public:
    using Output = void;
    using Clock = std::chrono::steady_clock;

    template <class Rep, class Period>
    explicit Sleep(std::chrono::duration<Rep, Period> d) : duration_(core::clamp_sleep(d)) {}
    static Sleep until(Clock::time_point deadline) {
        Sleep s(Clock::duration::zero());
        s.deadline_ = deadline;
        return s;
    }
    Sleep(Sleep&& other) : duration_(other.duration_), deadline_(other.deadline_) {
        if (other.shared_) throw std::logic_error("ch07::Sleep moved after its first poll (the timer holds its address)");
    }
    Sleep& operator=(Sleep&&) = delete;
    ~Sleep() {
        if (!shared_) return;
        shared_->timer.remove(&entry_);
        shared_->release();
    }

    core::Poll<void> poll(core::Context& cx) {
        if (!shared_) {
            auto now = Clock::now();
            auto deadline = deadline_ != Clock::time_point() ? deadline_ : now + duration_;
            if (deadline <= now) return core::Poll<void>::ready();
            Shared* shared = detail::current_shared;
            if (!shared)
                throw std::logic_error(
                    "ch07::sleep_for polled outside a ch07 runtime: use it in a task or in Runtime::block_on "
                    "(or use core::sleep_for)");
            entry_.deadline = deadline;
            entry_.waker = cx.waker();
            shared->retain();
            shared_ = shared;
            if (Parker* driver = shared->timer.add(&entry_)) driver->unpark();
            return core::Poll<void>::pending();
        }
        if (entry_.fired.load(std::memory_order_acquire)) return core::Poll<void>::ready();
        if (!shared_->timer.update_waker(&entry_, cx.waker())) return core::Poll<void>::ready();
        return core::Poll<void>::pending();
    }

private:
    Clock::duration duration_;
    Clock::time_point deadline_{};  // set by until(); else the clock starts at the first poll
    Shared* shared_ = nullptr;  // set at the first poll; counted
    TimerEntry entry_;
};

template <class Rep, class Period>
Sleep sleep_for(std::chrono::duration<Rep, Period> d) {
    return Sleep(d);
}
inline Sleep sleep_until(Sleep::Clock::time_point deadline) { return Sleep::until(deadline); }

}  // namespace ch07
