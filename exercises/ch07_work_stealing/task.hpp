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
#include "core/todo.hpp"

namespace ch07 {

// [book:header_ops]
inline void Header::drop_ref(std::uint64_t n) {
    (void)n;
    core::todo("Header::drop_ref: drop n references; whoever drops the last frees the block (through the vtable); see book/ch07_work_stealing.md#the-task-in-one-block");
}
inline void Header::wake_by_ref() {
    core::todo("Header::wake_by_ref: ask the state whether this wake must queue the task, and if so schedule it on its runtime; see book/ch07_work_stealing.md#the-task-in-one-block");
}
inline void Header::wake_by_val() {
    core::todo("Header::wake_by_val: the same, but this waker's reference goes away: after schedule() has returned if the task was queued (the state gave the queue entry a reference of its own), else the state dropped it and it may have been the last; see book/ch07_work_stealing.md#the-task-in-one-block");
}
inline void Header::abort() {
    core::todo("Header::abort: mark cancelled; schedule the task if the state says it must be queued to get freed; see book/ch07_work_stealing.md#the-task-in-one-block");
}
// [/book:header_ops]

// [book:raw_waker_ops]
inline const void* task_waker_clone(const void*) {
    core::todo("task_waker_clone: a kept copy of a task's waker is one more reference on the task; see book/ch07_work_stealing.md#the-waker-on-the-header");
}
inline void task_waker_wake(const void*) {
    core::todo("task_waker_wake: wake, giving this waker's reference away; see book/ch07_work_stealing.md#the-waker-on-the-header");
}
inline void task_waker_wake_by_ref(const void*) {
    core::todo("task_waker_wake_by_ref: wake, keeping the reference; see book/ch07_work_stealing.md#the-waker-on-the-header");
}
inline void task_waker_drop(const void*) {
    core::todo("task_waker_drop: a waker copy goes away: one reference less; see book/ch07_work_stealing.md#the-waker-on-the-header");
}
// [/book:raw_waker_ops]

}  // namespace ch07
