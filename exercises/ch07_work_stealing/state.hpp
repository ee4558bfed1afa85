// ch07_work_stealing/state.hpp: TaskState, a task's whole life in one atomic word.
//
// Contract: one std::atomic<std::uint64_t> holds six flags and the task's
// reference count, so every event (a wake, a worker starting or ending a
// poll, an abort, completion, the join handle registering its waker or going
// away) is ONE read-modify-write that sees and changes everything at once:
//
//   bit 0 RUNNING        a worker is inside poll(); only it touches the future
//   bit 1 COMPLETE       finished (Ready, threw, cancelled); the output is written
//   bit 2 NOTIFIED       the task sits in a run queue (idle -> notified), or, if
//                        RUNNING, owes one more poll
//   bit 3 CANCELLED      abort() was called; sticky
//   bit 4 JOIN_INTEREST  the JoinHandle is alive (it will read the output)
//   bit 5 JOIN_WAKER     the join's waker is stored: the task side owns that
//                        field now; the handle may not touch it while set
//   bits 6.. references  each owner holds one: the runtime's list of live
//                        tasks, a queue entry (or the worker running it), the
//                        JoinHandle, every waker that was cloned
//
// The guarantees are chapter 5's (a task is queued at most once, polled by
// one worker at a time, a wake during a poll is never lost, an abort always
// ends with the future freed), plus: the memory is freed exactly once, by
// whoever drops the last reference.
//
// Rust counterpart: tokio's runtime/task/state.rs (same idea, our own bit
// layout and names), async-task's state.rs.
#pragma once

#include <atomic>
#include <cstdint>
#include <stdexcept>

#include "ch07_work_stealing/snapshot.hpp"
#include "core/todo.hpp"

namespace ch07 {

class TaskState : public StateWord {
public:
    // The order of the reference count's decrement, named so the book can
    // point at it and a test can pin it (x86 never shows the difference).
    static constexpr std::memory_order ref_dec_order = std::memory_order_acq_rel;

    TaskState() : StateWord(0) {
        core::todo("TaskState(): a new task's word: queued once, its JoinHandle alive, and one reference for "
                   "each owner it starts with; " "see book/ch07_work_stealing.md#the-task-in-one-block");
    }

    // [book:to_running]
    // A worker took the task off a queue (it holds the queue's reference).
    // notified -> running. If the task was aborted while queued, the worker
    // frees the future instead of polling it.
    ToRunning transition_to_running() {
        core::todo("TaskState::transition_to_running: a worker took the task off a queue: notified -> running in one CAS; answer cancelled if abort() came first; a task that was not queued is a std::logic_error; see book/ch07_work_stealing.md#the-task-in-one-block");
    }
    // [/book:to_running]

    // [book:to_idle]
    // The poll returned Pending. running -> idle, dropping the worker's
    // reference; or, if a wake came during the poll, running -> notified and
    // the worker's reference becomes the new queue entry's (repoll); or, if
    // aborted, stay running so the worker frees the future.
    ToIdle transition_to_idle() {
        core::todo("TaskState::transition_to_idle: the poll returned Pending: cancelled wins; a wake during the poll means repoll (the worker's reference becomes the queue's); else idle, dropping the worker's reference; see book/ch07_work_stealing.md#the-task-in-one-block");
    }
    // [/book:to_idle]

    // [book:wake_by_ref]
    // A waker fired and keeps its reference. Only idle -> notified submits,
    // and it takes a new reference for the queue entry. A wake while running
    // only sets NOTIFIED: the worker re-queues the task after the poll.
    Wake transition_to_notified_by_ref() {
        core::todo("TaskState::transition_to_notified_by_ref: a wake that keeps its reference: only idle -> notified submits (with a new reference for the queue); running only records NOTIFIED; see book/ch07_work_stealing.md#the-task-in-one-block");
    }
    // [/book:wake_by_ref]

    // [book:wake_by_val]
    // A waker fired and gives its reference away (Rust's Waker::wake(self)).
    // Returns submit, or nothing plus whether the caller must free the task
    // (it held the last reference). After a submit the caller still calls
    // schedule(), which uses the task's runtime: from outside the workers, a
    // shutdown may drain the queue meanwhile. What keeps the task (and so
    // the runtime) alive until schedule() returns?
    Wake transition_to_notified_by_val(bool& last_ref) {
        (void)last_ref;
        core::todo("TaskState::transition_to_notified_by_val: a wake that gives its reference away: idle -> notified submits with a NEW reference for the queue entry (the caller drops the waker's once schedule() has returned); otherwise the waker's reference is dropped here (and last_ref says whether it was the last); see book/ch07_work_stealing.md#the-task-in-one-block");
    }
    // [/book:wake_by_val]

    // [book:cancel]
    // JoinHandle::abort(). An idle task is queued (with a new reference) so a
    // worker frees it; a queued or running one will reach a worker anyway.
    Wake transition_to_notified_and_cancel() {
        core::todo("TaskState::transition_to_notified_and_cancel: abort(): set CANCELLED; an idle task must be submitted (with a reference) so a worker frees it; see book/ch07_work_stealing.md#the-task-in-one-block");
    }
    // [/book:cancel]

    // running -> complete, one RMW. NOTIFIED is cleared too: a wake that
    // came during the last poll owes nothing now. Returns the state after.
    Snapshot transition_to_complete() {
        core::todo("TaskState::transition_to_complete: running -> complete in ONE read-modify-write (clear RUNNING and NOTIFIED, set COMPLETE); return the state after; see book/ch07_work_stealing.md#the-task-in-one-block");
    }

    // The runtime shuts down and no worker runs: if the task is not complete,
    // the caller takes it (as if running) to free its future. False if done.
    bool transition_to_shutdown() {
        core::todo("TaskState::transition_to_shutdown: the runtime's destructor takes a task that is not complete as if running (and cancelled); false if complete; see book/ch07_work_stealing.md#the-task-in-one-block");
    }

    // --- the join handle's side (join_handle.hpp explains the protocol) ---
    // Set JOIN_WAKER unless the task completed first. The waker field must be
    // written before this (release): the completer reads it after (acquire).
    bool set_join_waker() {
        core::todo("TaskState::set_join_waker: set JOIN_WAKER unless COMPLETE (then false); see book/ch07_work_stealing.md#the-task-in-one-block");
    }
    // Take the waker field back (to replace the waker) unless complete.
    bool unset_join_waker() {
        core::todo("TaskState::unset_join_waker: clear JOIN_WAKER unless COMPLETE (then false); see book/ch07_work_stealing.md#the-task-in-one-block");
    }
    // The completer is done waking the join: give the field back. Returns
    // the state before, so the completer knows whether the handle is gone.
    Snapshot unset_join_waker_after_complete() {
        core::todo("TaskState::unset_join_waker_after_complete: clear JOIN_WAKER, return the state before; see book/ch07_work_stealing.md#the-task-in-one-block");
    }
    // The JoinHandle goes away. Before completion it also takes the waker
    // field back. Returns the state after.
    Snapshot drop_join_interest() {
        core::todo("TaskState::drop_join_interest: clear JOIN_INTEREST, and JOIN_WAKER too if not complete; return the state after; see book/ch07_work_stealing.md#the-task-in-one-block");
    }

    // [book:refcount]
    void ref_inc() {
        core::todo("TaskState::ref_inc: one more reference (which memory order is enough, and why?); see book/ch07_work_stealing.md#the-task-in-one-block");
    }
    // Returns true if the caller dropped the last reference and must free
    // the task. acq_rel: the release publishes this thread's writes to the
    // task, the acquire makes everybody's writes visible to the one thread
    // that frees it (Arc's drop uses release + an acquire fence).
    bool ref_dec(std::uint64_t n = 1) {
        (void)n;
        core::todo("TaskState::ref_dec: drop n references; true if they were the last (the caller frees the task); fewer than n is a std::logic_error; see book/ch07_work_stealing.md#the-task-in-one-block");
    }
    // [/book:refcount]

};

}  // namespace ch07
