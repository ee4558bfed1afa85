// ch06_reactor/registry.hpp: the reactor's registry, from each fd to the task waiting on it.
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
#include "core/waker.hpp"

namespace ch06 {

// [book:register]
inline std::shared_ptr<detail::IoSlot> Reactor::register_source(int fd) {
    auto slot = std::make_shared<detail::IoSlot>(fd);
    std::lock_guard lock(mutex_);
    // An entry already there means an owner closed its fd without
    // deregistering: its wakers would answer for the new socket.
    if (!sources_.try_emplace(fd, slot).second)
        throw std::logic_error("ch06::Reactor: fd " + std::to_string(fd) +
                               " is still in the registry: a source was closed without deregistering");
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;  // both ways, edge-triggered, once
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) {
        int error = errno;
        sources_.erase(fd);
        throw_errno("epoll_ctl(ADD, fd " + std::to_string(fd) + ")", error);
    }
    return slot;
}

inline void Reactor::deregister_source(detail::IoSlot& slot) {
    core::Waker dropped[2];  // destroyed after the lock: a waker may own a task
    std::lock_guard lock(mutex_);
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, slot.fd, nullptr);
    sources_.erase(slot.fd);
    for (int i : {0, 1}) dropped[i] = std::exchange(slot.waiter[i], core::Waker());
}
// [/book:register]

// [book:poll_ready]
inline core::Poll<std::uint64_t> Reactor::poll_ready(detail::IoSlot& slot, Interest interest, core::Context& cx) {
    const int i = detail::index(interest);
    core::Waker replaced;  // dies after the lock: a waker may own a task
    std::lock_guard lock(mutex_);
    if (slot.ready[i]) return slot.tick;
    // Not ready: this poll's waker is the one to wake. A future polled
    // by a different task since last time must not leave the old one.
    if (!slot.waiter[i].will_wake(cx.waker())) replaced = std::exchange(slot.waiter[i], cx.waker());
    return core::Poll<std::uint64_t>::pending();
}

inline void Reactor::clear_readiness(detail::IoSlot& slot, Interest interest, std::uint64_t tick) {
    std::lock_guard lock(mutex_);
    // An event that arrived after the poll_ready that gave `tick` is news
    // the failed syscall did not see: keep it, or its edge is lost.
    if (slot.tick == tick) slot.ready[detail::index(interest)] = false;
}

inline void Reactor::drop_interest(detail::IoSlot& slot, Interest interest) {
    core::Waker dropped;
    std::lock_guard lock(mutex_);
    dropped = std::exchange(slot.waiter[detail::index(interest)], core::Waker());
}
// [/book:poll_ready]

}  // namespace ch06
