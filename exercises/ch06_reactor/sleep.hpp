// ch06_reactor/sleep.hpp: ch06::sleep_for, a timer served by the reactor.
//
// YOUR PART: Sleep::poll.
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
#include "core/todo.hpp"
#include "core/waker.hpp"

namespace ch06 {

inline core::Poll<void> Sleep::poll(core::Context& cx) {
    // When does the clock start? What must be in the slot before the
    // reactor can see it? What if a later poll brings another waker?
    (void)cx, (void)duration_;
    core::todo("Sleep::poll: on the first poll, find Reactor::current(), make the TimerSlot with this "
               "poll's waker and add_timer the deadline; later, Ready once fired, else replace a "
               "changed waker; see book/ch06_reactor.md#timers-in-the-same-loop");
}

}  // namespace ch06
