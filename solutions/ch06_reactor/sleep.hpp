// ch06_reactor/sleep.hpp: ch06::sleep_for, a timer served by the reactor.
//
// Contract:
// - `co_await ch06::sleep_for(d)` completes once at least `d` has passed
//   since its first poll. It costs one entry in the reactor's timer heap,
//   no thread: the reactor's epoll_wait sleeps until the earliest deadline,
//   so timers and sockets are served by the same loop (chapter 2 had a
//   thread per timer; core::sleep_for a thread of its own).
// - `d` may be in any unit: the constructor saturates it (core::clamp_sleep,
//   at most about 30 years), so `now + duration` cannot overflow and "sleep
//   forever" (duration::max()) pends forever.
// - The first poll finds the reactor of the polling thread
//   (Reactor::current()); outside a runtime it throws std::logic_error.
// - The waker is replaced when a later poll brings a different one.
// - Dropping a Sleep cancels it: the heap holds it weakly.
//
// The class, its data and sleep_for: sleep_class.hpp (given).
//
// Rust counterpart: tokio::time::sleep, driven by the runtime's time driver.
#pragma once

#include <memory>
#include <mutex>

#include "ch06_reactor/reactor.hpp"
#include "ch06_reactor/sleep_class.hpp"
#include "core/poll.hpp"
#include "core/waker.hpp"

namespace ch06 {

// [book:sleep_poll]
inline core::Poll<void> Sleep::poll(core::Context& cx) {
    if (!slot_) {  // first poll: start the clock, then register
        auto deadline = Clock::now() + duration_;
        if (duration_ <= Clock::duration::zero()) return core::Poll<void>::ready();
        reactor_ = Reactor::current();
        slot_ = std::make_shared<detail::TimerSlot>();
        slot_->waker = cx.waker();  // before add_timer: it may fire at once
        reactor_->add_timer(deadline, slot_);
        return core::Poll<void>::pending();
    }
    std::lock_guard lock(slot_->mutex);
    if (slot_->fired) return core::Poll<void>::ready();
    if (!slot_->waker.will_wake(cx.waker())) slot_->waker = cx.waker();
    return core::Poll<void>::pending();
}
// [/book:sleep_poll]

}  // namespace ch06
