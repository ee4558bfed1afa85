// ch06_reactor/slots.hpp: what the reactor keeps per socket and per timer (given).
//
// - Interest: a direction, read or write; index() makes it 0 or 1.
// - IoSlot: one registered fd, as the registry sees it: for each direction,
//   "is it ready?" and the waker of the task waiting on it, and the tick
//   (readiness events so far). The reactor's registry lock guards it.
// - TimerSlot: what a Sleep shares with the reactor's timer heap, under a
//   mutex of its own: fired yet? and the waker to wake.
//
// Rust counterpart: tokio's ScheduledIo (readiness and tick in one atomic
// word, a reader and a writer waker) and its timer entries.
#pragma once

#include <cstdint>
#include <mutex>

#include "core/waker.hpp"

namespace ch06 {

enum class Interest : int { read = 0, write = 1 };

namespace detail {

// [book:io_slot]
// One registered source, as the registry sees it. Every field is guarded by
// the reactor's registry mutex.
struct IoSlot {
    explicit IoSlot(int f) : fd(f) {}
    const int fd;
    // Optimistic: a new source counts as ready both ways, so the first poll
    // tries the syscall, and only an EAGAIN makes it wait for the kernel.
    bool ready[2] = {true, true};
    std::uint64_t tick = 0;  // readiness events delivered to this source so far
    core::Waker waiter[2];   // who waits to read / to write (no-op: nobody)
};
// [/book:io_slot]

// What a Sleep shares with the reactor's timer heap.
struct TimerSlot {
    std::mutex mutex;
    bool fired = false;
    core::Waker waker;
};

inline int index(Interest i) { return static_cast<int>(i); }

}  // namespace detail

}  // namespace ch06
