// ch06_reactor/registry.hpp: the reactor's registry, from each fd to the task waiting on it.
//
// YOUR PART: register_source, deregister_source, poll_ready,
// clear_readiness, drop_interest.
//
// Contract:
// - The registry maps each registered fd to an IoSlot: for each direction
//   (read, write), "is it ready?" and the waker of the task waiting on it.
//   Readiness is edge-triggered (EPOLLET): the kernel reports a change once,
//   and the slot remembers it until a syscall on the fd says EAGAIN.
// - register_source adds a fresh slot (ready both ways) and the fd to epoll,
//   for both directions, once; it refuses an fd that is still registered.
// - poll_ready answers Ready(tick) when the direction is ready; otherwise it
//   stores the caller's waker (replacing an older one) and answers Pending.
//   clear_readiness(tick) forgets the readiness after EAGAIN, unless an event
//   newer than `tick` arrived meanwhile.
// - deregister_source removes the fd from epoll and from the registry before
//   its owner closes it, and drops its wakers: no event for a later fd with
//   the same number can reach them. drop_interest forgets the waiter of one
//   direction (its future was dropped).
// - A waker that leaves a slot is destroyed after the registry lock is
//   released: it may own a task, whose destruction may take that lock again.
//
// The class, its data and the given parts: reactor_class.hpp (given).
//
// Rust counterpart: tokio's ScheduledIo and Registration (poll_ready,
// clear_readiness), mio's Registry::register / deregister.
#pragma once

#include <sys/epoll.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include "ch06_reactor/fd.hpp"
#include "ch06_reactor/reactor_class.hpp"
#include "ch06_reactor/slots.hpp"
#include "core/poll.hpp"
#include "core/todo.hpp"
#include "core/waker.hpp"

namespace ch06 {

inline std::shared_ptr<detail::IoSlot> Reactor::register_source(int fd) {
    // Who else could already have an entry for this fd number, and what
    // would its wakers do to the new socket? Which epoll flags make one
    // registration serve both directions for the socket's whole life?
    (void)fd;
    core::todo("Reactor::register_source: add the fd to the registry (a fresh IoSlot, ready both ways) "
               "and to epoll, for reading and writing, edge-triggered, once; refuse an fd that is "
               "still registered; see book/ch06_reactor.md#the-registry-and-its-lifetimes");
}

inline void Reactor::deregister_source(detail::IoSlot& slot) {
    // The waker of a task may be the last owner of that task: where must
    // it be destroyed, relative to the registry lock?
    (void)slot;
    core::todo("Reactor::deregister_source: remove the fd from epoll and from the registry and drop its "
               "wakers (after the lock), before the owner closes it; see book/ch06_reactor.md#the-registry-and-its-lifetimes");
}

inline core::Poll<std::uint64_t> Reactor::poll_ready(detail::IoSlot& slot, Interest interest, core::Context& cx) {
    // What if this future was polled by another task since it last
    // stored a waker?
    (void)slot, (void)interest, (void)cx;
    core::todo("Reactor::poll_ready: Ready(tick) if the direction is ready; otherwise keep this poll's "
               "waker (replacing a different one, which must die after the lock) and return Pending; "
               "see book/ch06_reactor.md#readiness-eagain-and-the-tick");
}

inline void Reactor::clear_readiness(detail::IoSlot& slot, Interest interest, std::uint64_t tick) {
    // What if an event arrived after the poll_ready that handed out `tick`?
    (void)slot, (void)interest, (void)tick;
    core::todo("Reactor::clear_readiness: after EAGAIN, mark the direction not ready, unless an event "
               "newer than `tick` arrived meanwhile; see book/ch06_reactor.md#readiness-eagain-and-the-tick");
}

inline void Reactor::drop_interest(detail::IoSlot& slot, Interest interest) {
    (void)slot, (void)interest;
    core::todo("Reactor::drop_interest: forget the waker waiting in this direction (its future was "
               "dropped), destroying it outside the lock; see book/ch06_reactor.md#the-registry-and-its-lifetimes");
}

}  // namespace ch06
