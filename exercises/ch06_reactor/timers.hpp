// ch06_reactor/timers.hpp: timers served by the reactor's own loop.
//
// YOUR PART: add_timer, ms_until_next_timer, take_due_timers.
//
// Contract:
// - The reactor keeps a min-heap of deadlines, each holding its Sleep's
//   TimerSlot weakly: a dropped Sleep is forgotten, and its stale entry
//   disappears at its deadline.
// - add_timer (the thread polling a Sleep) pushes a deadline; if it is the
//   new earliest, it pokes the reactor thread, which may be asleep in
//   epoll_wait with a longer timeout.
// - The turn (registry lock held) asks ms_until_next_timer for epoll_wait's
//   timeout: -1 without timers, else the time to the earliest deadline,
//   rounded up to whole ms. take_due_timers pops every passed deadline and
//   collects the sleeps still alive; the turn fires them after unlocking.
//
// The class, its data, fire and poke: reactor_class.hpp (given).
//
// Rust counterpart: tokio's time driver (a hierarchical wheel), parked
// through the I/O driver with the wheel's next deadline as timeout.
#pragma once

#include <chrono>
#include <climits>
#include <memory>
#include <mutex>
#include <vector>

#include "ch06_reactor/reactor_class.hpp"
#include "ch06_reactor/slots.hpp"
#include "core/todo.hpp"

namespace ch06 {

inline void Reactor::add_timer(Clock::time_point deadline, const std::shared_ptr<detail::TimerSlot>& slot) {
    // The reactor thread may be asleep in epoll_wait with a timeout
    // computed before this deadline existed. What wakes it? (poke())
    (void)deadline, (void)slot;
    core::todo("Reactor::add_timer: push the deadline (holding the slot weakly) on the heap, and make "
               "the reactor thread recompute its timeout if this is the new earliest; see book/ch06_reactor.md#timers-in-the-same-loop");
}

// Your turn() calls the two functions below from step 1 on, before you
// write the timers (step 2): until then, a reactor with no timer gets the
// answers "no timeout" and "nothing due" here, and only a timer says TODO.

inline int Reactor::ms_until_next_timer() const {
    if (timers_.empty()) return -1;  // (step 1 needs no more)
    core::todo("Reactor::ms_until_next_timer (registry lock held): epoll_wait's timeout, -1 without "
               "timers, rounded up to whole ms; see book/ch06_reactor.md#timers-in-the-same-loop");
}

inline void Reactor::take_due_timers(std::vector<std::shared_ptr<detail::TimerSlot>>& due) {
    if (timers_.empty()) return;  // (step 1 needs no more)
    (void)due;
    core::todo("Reactor::take_due_timers (registry lock held): pop every deadline that has passed and "
               "collect the sleeps still alive; see book/ch06_reactor.md#timers-in-the-same-loop");
}

}  // namespace ch06
