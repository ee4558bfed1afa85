// ch06_reactor/reactor.hpp: one turn of the reactor, and the whole Reactor in one include.
//
// YOUR PART: turn, on_event.
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
#include "core/todo.hpp"
#include "core/waker.hpp"

namespace ch06 {

inline bool Reactor::turn() {
    // Which of the steps below may run under the registry lock, and
    // which must not? Where does epoll_wait's timeout come from?
    core::todo("Reactor::turn: epoll_wait until an event or the earliest deadline (false once "
               "stopping_; EINTR is a turn with no events, never an error), then, under the registry "
               "lock, note each event in its IoSlot and collect the wakers and the due timers; wake "
               "them after unlocking; see book/ch06_reactor.md#one-turn-of-the-reactor");
}

inline void Reactor::on_event(const epoll_event& ev, std::vector<core::Waker>& to_wake) {
    // The eventfd (poke_) is an event too. An fd that is no longer in the
    // registry can still be in a batch epoll_wait returned. Which event
    // bits make a direction ready (a hang-up? an error?)
    (void)ev, (void)to_wake;
    core::todo("Reactor::on_event (registry lock held): for a registered fd, bump its tick and the "
               "event count, mark each direction the event reports ready, and move its waker out to "
               "`to_wake`; see book/ch06_reactor.md#one-turn-of-the-reactor");
}

}  // namespace ch06
