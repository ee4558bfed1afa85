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
// This is the mutex version the exercise asks for (its Phase and AfterPoll
// are given, in phase.hpp). atomic_state.hpp packs the same machine into one
// atomic word, the way async-task (state.rs) and tokio (runtime/task/state.rs) do.
//
// Rust counterpart: the state word of async-task's RawTask / tokio's Header.
#pragma once

#include <mutex>
#include <stdexcept>

#include "ch05_joinhandle/phase.hpp"

namespace ch05 {

class TaskState {
public:
    // [book:wake]
    // A waker fired. Returns true if the caller must push the task on the
    // run queue. Only the idle -> scheduled move queues it, so N wakes give
    // one queue entry. A wake during a poll becomes `notified` instead of a
    // second queue entry: queueing it would let another worker poll the same
    // future concurrently.
    bool wake() {
        std::lock_guard lock(mutex_);
        switch (phase_) {
            case Phase::idle: phase_ = Phase::scheduled; return true;
            case Phase::running: phase_ = Phase::notified; return false;
            default: return false;  // already queued, already notified, or done
        }
    }
    // [/book:wake]

    // A worker popped the task from the queue. Returns true if it should
    // poll, false if the task was aborted meanwhile (then it frees the future
    // without polling it). Either way the worker now owns the future.
    bool start_running() {
        std::lock_guard lock(mutex_);
        if (phase_ != Phase::scheduled)
            throw std::logic_error("ch05::TaskState: start_running on a task that was not scheduled");
        phase_ = Phase::running;
        return !cancelled_;
    }

    // [book:after_pending]
    // The poll returned Pending. An abort that arrived during the poll wins;
    // otherwise a wake that arrived during the poll sends the task back to the
    // queue, and without one the task parks. Reading "was it woken?" and
    // moving to idle happen under one lock: a wake cannot fall between them.
    AfterPoll after_pending() {
        std::lock_guard lock(mutex_);
        if (phase_ != Phase::running && phase_ != Phase::notified)
            throw std::logic_error("ch05::TaskState: after_pending on a task that was not running");
        if (cancelled_) return AfterPoll::cancel;  // stays running: the worker frees it
        if (phase_ == Phase::notified) {
            phase_ = Phase::scheduled;
            return AfterPoll::repoll;
        }
        phase_ = Phase::idle;
        return AfterPoll::park;
    }
    // [/book:after_pending]

    // The worker that owns the future finished with it (Ready, threw, or was
    // cancelled). From now on every wake and abort is a no-op.
    void complete() {
        std::lock_guard lock(mutex_);
        phase_ = Phase::complete;
    }

    // [book:cancel]
    // JoinHandle::abort(). Returns true if the caller must queue the task: an
    // idle task has no poll coming, so we schedule one ourselves, and the
    // worker that pops it sees the flag and frees the future. A scheduled or
    // running task will reach a worker anyway; a complete one keeps its result.
    bool cancel() {
        std::lock_guard lock(mutex_);
        if (phase_ == Phase::complete || cancelled_) return false;
        cancelled_ = true;
        if (phase_ == Phase::idle) {
            phase_ = Phase::scheduled;
            return true;
        }
        return false;
    }
    // [/book:cancel]

    // The runtime is going away and no worker is running. Returns true if the
    // task was not complete: the caller (the runtime's destructor) now owns
    // the future and must free it.
    bool close() {
        std::lock_guard lock(mutex_);
        if (phase_ == Phase::complete) return false;
        phase_ = Phase::complete;
        return true;
    }

    // For tests and assertions.
    Phase phase() const {
        std::lock_guard lock(mutex_);
        return phase_;
    }
    bool cancelled() const {
        std::lock_guard lock(mutex_);
        return cancelled_;
    }

private:
    // Guards both fields; never held while polling. Every transition reads
    // and writes them in one critical section: under a mutex that is what
    // "a read-modify-write, never a plain store" means (see atomic_state.hpp).
    mutable std::mutex mutex_;
    Phase phase_ = Phase::scheduled;  // born scheduled: spawn queues it at once
    bool cancelled_ = false;  // sticky: set once by cancel(), never cleared
};

}  // namespace ch05
