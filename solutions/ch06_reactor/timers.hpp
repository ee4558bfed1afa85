// ch06_reactor/timers.hpp: timers served by the reactor's own loop.
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

namespace ch06 {

// [book:add_timer]
inline void Reactor::add_timer(Clock::time_point deadline, const std::shared_ptr<detail::TimerSlot>& slot) {
    bool earliest;
    {
        std::lock_guard lock(mutex_);
        timers_.push(TimerEntry{deadline, slot});
        earliest = timers_.top().slot.lock() == slot;
    }
    // The reactor thread may be in epoll_wait with a longer timeout.
    if (earliest) poke();
}
// [/book:add_timer]

// [book:timers]
inline int Reactor::ms_until_next_timer() const {
    if (timers_.empty()) return -1;  // no timer: sleep until an event or a poke
    auto left = timers_.top().deadline - Clock::now();
    if (left <= Clock::duration::zero()) return 0;
    // Round up: waking a little early would find nothing due and spin.
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return ms > INT_MAX ? INT_MAX : int(ms);
}

inline void Reactor::take_due_timers(std::vector<std::shared_ptr<detail::TimerSlot>>& due) {
    const auto now = Clock::now();
    while (!timers_.empty() && timers_.top().deadline <= now) {
        if (auto slot = timers_.top().slot.lock()) due.push_back(std::move(slot));
        timers_.pop();
    }
}
// [/book:timers]

}  // namespace ch06
