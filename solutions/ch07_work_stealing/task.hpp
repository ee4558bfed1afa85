// ch07_work_stealing/task.hpp: Header and Cell<F>, a task in one allocation.
//
// Contract:
// - A spawned task is ONE heap block, a Cell<F>: the Header (state word with
//   the reference count, a table of three functions, the runtime pointer,
//   the queue and live-list links), the join handle's waker and the outcome
//   slot, and the future itself. No shared_ptr, no separate join slot.
// - The waker of a task is a core::RawWaker over its Header: clone is a
//   reference increment, drop a decrement, wake schedules the task. During a
//   poll the task LENDS that waker (core::WakerRef): nothing is counted
//   unless the future keeps a copy.
// - The Header's table erases F: a worker runs any task through
//   vtable->poll, the runtime's destructor shuts any task down through
//   vtable->shutdown, and the last reference frees it through vtable->dealloc.
// - The future is freed as soon as the task finishes (Ready, threw, aborted,
//   shut down), by the thread that finishes it, before the outcome is
//   published: a join that sees the outcome can rely on the future's
//   destructor having run. A destructor that throws becomes the outcome
//   (unless the poll threw first), as in chapter 5.
// - The outcome is destroyed when the JoinHandle takes it or goes away, or
//   at once if the handle was already gone (detached). An exception nobody
//   will ever see (a detached task threw) is reported once on stderr.
//
// Given: the Header and the waker table's declarations (header.hpp), Cell<F>
// (cell.hpp). Yours here: the four Header functions and the waker table.
//
// Rust counterpart: tokio's runtime/task/{core.rs (Cell, Header), raw.rs
// (the vtable), harness.rs (poll, complete, shutdown), waker.rs (waker_ref)};
// async-task's raw.rs, which puts the same pieces in one allocation.
#pragma once

#include <cstdint>

#include "ch07_work_stealing/cell.hpp"
#include "ch07_work_stealing/header.hpp"

namespace ch07 {

// [book:header_ops]
inline void Header::drop_ref(std::uint64_t n) {
    if (state.ref_dec(n)) vtable->dealloc(this);
}
inline void Header::wake_by_ref() {
    if (state.transition_to_notified_by_ref() == Wake::submit) detail::schedule(*shared, this, false);
}
inline void Header::wake_by_val() {
    bool last = false;
    if (state.transition_to_notified_by_val(last) == Wake::submit) {
        detail::schedule(*shared, this, false);
        return drop_ref();  // only now: until schedule returned, this reference kept the task and its runtime
    }
    if (last) vtable->dealloc(this);
}
inline void Header::abort() {
    if (state.transition_to_notified_and_cancel() == Wake::submit) detail::schedule(*shared, this, false);
}
// [/book:header_ops]

// [book:raw_waker_ops]
inline const void* task_waker_clone(const void* p) {
    static_cast<Header*>(const_cast<void*>(p))->state.ref_inc();
    return p;
}
inline void task_waker_wake(const void* p) { static_cast<Header*>(const_cast<void*>(p))->wake_by_val(); }
inline void task_waker_wake_by_ref(const void* p) { static_cast<Header*>(const_cast<void*>(p))->wake_by_ref(); }
inline void task_waker_drop(const void* p) { static_cast<Header*>(const_cast<void*>(p))->drop_ref(); }
// [/book:raw_waker_ops]

}  // namespace ch07
