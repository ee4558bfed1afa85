// ch05_joinhandle/state.hpp: TaskState, the small state machine at the heart of a task.
//
// Contract: a TaskState answers one question for every event in a task's
// life: "after this, who must do what?" The events are a wake (from any
// thread), a worker starting and finishing a poll, an abort (from any thread),
// completion, and the runtime shutting down. A task is born scheduled:
// spawn puts it on the queue right away. The answers guarantee:
// - a task sits in the run queue at most once, however many wakes arrive;
// - a task is polled by at most one worker at a time, so the future itself
//   needs no lock (the state is the lock);
// - a wake that lands during a poll is never lost: the task is polled again;
// - an abort always ends with a worker freeing the future, even when the
//   task is idle (parked on a timer, say) and nobody would ever wake it.
//
// EXERCISE (step 1): write it with one std::mutex guarding two fields, the
// Phase (given, with AfterPoll, in phase.hpp) and a sticky `cancelled` flag.
// Every method is a few lines under the lock. The tests in
// ch05_joinhandle/tests/test_1_state.cpp drive each transition, then race
// wakes and aborts against the end of a poll.
//
// Rust counterpart: the state word of async-task's RawTask / tokio's Header.
#pragma once

#include <mutex>
#include <stdexcept>

#include "ch05_joinhandle/phase.hpp"
#include "core/todo.hpp"

namespace ch05 {

class TaskState {
public:
    // A waker fired. Returns true if the caller must push the task on the
    // run queue (only idle -> scheduled). A wake while running must not
    // queue the task: it becomes `notified` instead.
    bool wake() {
        core::todo("TaskState::wake: a wake from any thread; true only when the caller must queue the task, "
                   "so N wakes give one queue entry and a running task is never queued twice; "
                   "see book/ch05_joinhandle.md#the-tasks-state-machine");
    }

    // A worker popped the task. Returns true if it should poll, false if the
    // task was aborted meanwhile (then the worker frees the future instead).
    // Throws std::logic_error ("... not scheduled") unless phase is scheduled.
    bool start_running() {
        core::todo("TaskState::start_running: a worker popped the task; poll or free it? A task that was "
                   "not scheduled is a std::logic_error (\"not scheduled\"), and the state must not change; "
                   "see book/ch05_joinhandle.md#the-tasks-state-machine");
    }

    // The poll returned Pending: cancelled wins (stay running, return cancel);
    // notified -> scheduled (repoll); running -> idle (park). Throws
    // std::logic_error ("... not running") if no poll was in progress.
    AfterPoll after_pending() {
        core::todo("TaskState::after_pending: the poll returned Pending; a wake or an abort that came during "
                   "the poll must not be lost, and no poll in progress is a std::logic_error (\"not running\"); "
                   "see book/ch05_joinhandle.md#the-tasks-state-machine");
    }

    // The worker that owns the future finished with it.
    void complete() {
        core::todo("TaskState::complete: the task is finished; every later wake and abort does nothing; "
                   "see book/ch05_joinhandle.md#the-tasks-state-machine");
    }

    // JoinHandle::abort(). Returns true if the caller must queue the task
    // (it was idle: nobody else would ever give it to a worker).
    bool cancel() {
        core::todo("TaskState::cancel: an abort from any thread; only a worker may free the future, and an "
                   "idle task has no poll coming; true when the caller must queue it; "
                   "see book/ch05_joinhandle.md#the-tasks-state-machine");
    }

    // The runtime is going away and no worker is running. Returns true if
    // the task was not complete (the caller must free the future).
    bool close() {
        core::todo("TaskState::close: shutdown, no worker running; true once for a task that never "
                   "finished (the caller frees it); see book/ch05_joinhandle.md#the-tasks-state-machine");
    }

    // For tests and assertions.
    Phase phase() const {
        core::todo("TaskState::phase: where the task is now; see book/ch05_joinhandle.md#the-tasks-state-machine");
    }
    bool cancelled() const {
        core::todo("TaskState::cancelled: was abort() called before completion (sticky)?; see book/ch05_joinhandle.md#the-tasks-state-machine");
    }

private:
    // TODO: the fields. What does every method need to read, and what must
    // never be read or written by two threads at once?
};

}  // namespace ch05
