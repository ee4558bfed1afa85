// ch06_reactor/reactor.hpp: one turn of the reactor, and the whole Reactor in one include.
//
// Contract:
// - The reactor thread runs turn() in a loop (run, given) until the
//   destructor sets stopping_; turn() returns false then.
// - One turn: epoll_wait, without the registry lock, until an event or the
//   earliest timer deadline; then, under the lock, note each event in its
//   IoSlot (on_event: the tick, the event count, the directions it makes
//   ready, the wakers to wake) and take the due timers; then, after the
//   lock, wake those wakers and fire those timers.
// - on_event drains the reactor's own eventfd (poke_), skips an fd that is
//   no longer registered, and treats a hang-up or an error as "ready" both
//   ways: the next syscall reports it.
// - Every wake is delivered after the registry lock is released: a waker may
//   run any code, which may take that lock again.
//
// The class, its data and the given parts (start, run, poke, release, fire,
// current/Enter): reactor_class.hpp. The registry: registry.hpp; the
// timers: timers.hpp. Include this file for the whole reactor.
//
// Why a thread of its own: chapter 5's workers park on a condition variable
// in the scheduler, and we keep the runtime as it was. The price is one
// thread and one cross-thread wake per event. tokio instead lets a worker
// that has nothing to run park *in* epoll_wait (its I/O driver), so an event
// is handled with no thread hop; the book's last section says what that
// takes.
//
// Rust counterpart: the turn of tokio's I/O driver (runtime/io/driver.rs);
// its ScheduledIo::wake collects the wakers in a WakeList and wakes them
// after releasing its lock.
#pragma once

#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "ch06_reactor/fd.hpp"
#include "ch06_reactor/reactor_class.hpp"
#include "ch06_reactor/registry.hpp"
#include "ch06_reactor/timers.hpp"
#include "core/waker.hpp"

namespace ch06 {

// [book:turn]
// One turn: wait for events or the earliest deadline, note what became
// ready under the registry lock, then wake outside it. False: stop.
inline bool Reactor::turn() {
    std::array<epoll_event, 128> events;
    int timeout_ms;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return false;
        timeout_ms = ms_until_next_timer();
    }
    int n = ::epoll_wait(epoll_.get(), events.data(), int(events.size()), timeout_ms);
    if (n < 0 && errno != EINTR) throw_errno("epoll_wait");
    std::vector<core::Waker> to_wake;
    std::vector<std::shared_ptr<detail::TimerSlot>> due;
    {
        std::lock_guard lock(mutex_);
        for (int k = 0; k < n; ++k) on_event(events[k], to_wake);
        take_due_timers(due);
    }
    // The registry lock is released: now wake. A woken task may be
    // polled on a worker at once and call poll_ready, which locks.
    for (auto& waker : to_wake) waker.wake();
    for (auto& timer : due) fire(*timer);
    return true;
}

inline void Reactor::on_event(const epoll_event& ev, std::vector<core::Waker>& to_wake) {
    if (ev.data.fd == poke_.get()) {
        std::uint64_t count;
        [[maybe_unused]] auto r = ::read(poke_.get(), &count, sizeof count);
        return;
    }
    auto it = sources_.find(ev.data.fd);
    if (it == sources_.end()) return;  // deregistered after epoll_wait returned
    detail::IoSlot& slot = *it->second;
    ++slot.tick;
    ++events_;
    // A hang-up or an error makes both directions "ready": the next
    // syscall reports it (0 from read, EPIPE or ECONNRESET from write).
    const bool readable = ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
    const bool writable = ev.events & (EPOLLOUT | EPOLLHUP | EPOLLERR);
    for (auto [i, yes] : {std::pair{0, readable}, std::pair{1, writable}}) {
        if (!yes) continue;
        slot.ready[i] = true;
        to_wake.push_back(std::exchange(slot.waiter[i], core::Waker()));
    }
}
// [/book:turn]

}  // namespace ch06
