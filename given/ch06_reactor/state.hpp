// ch06_reactor/state.hpp: TaskState, chapter 5's task state machine (given).
//
// Contract: a TaskState answers one question for every event in a task's
// life: "after this, who must do what?" The events are a wake (from any
// thread), a worker starting and finishing a poll, an abort (from any thread),
// completion, and the runtime shutting down. The answers guarantee:
// - a task sits in the run queue at most once, however many wakes arrive;
// - a task is polled by at most one worker at a time, so the future itself
//   needs no lock (the state is the lock);
// - a wake that lands during a poll is never lost: the task is polled again;
// - an abort always ends with a worker freeing the future, even when the
//   task is idle (parked on a timer, say) and nobody would ever wake it.
//
// Given in this chapter: it is chapter 5's mutex TaskState, unchanged. (The
// lock-free AtomicTaskState stays in chapter 5; this chapter is about I/O.)
//
// Rust counterpart: the state word of async-task's RawTask / tokio's Header.
#pragma once

#include <mutex>
#include <stdexcept>

namespace ch06 {

// Where a task is in its life. The arrows are the only legal moves:
//
//   spawn --> scheduled --start_running--> running --after_pending--> idle
//              ^     ^                      |                          |
//              |     |                    wake                         |
//              |     |                      v                          |
//              |     +---after_pending--- notified                     |
//              +---------------------- wake / cancel ------------------+
//
// running and notified end in complete when the poll returns Ready, throws,
// or finds the task aborted; close() (runtime shutdown) ends any phase there.
enum class Phase {
    idle,       // waiting for a wake; nobody holds it but wakers (and the registry)
    scheduled,  // in the run queue exactly once; a worker will poll it
    running,    // a worker is inside poll(); only that worker touches the future
    notified,   // running, and woken meanwhile: poll again once this poll ends
    complete,   // finished, aborted or shut down; the future is (being) freed
};

// What the worker must do after a poll that returned Pending.
enum class AfterPoll {
    park,    // nobody woke the task: leave it idle, a wake will queue it
    repoll,  // it was woken during the poll: put it back on the queue
    cancel,  // it was aborted: free the future, report Cancelled
};

class TaskState {
public:
    // A new task is born scheduled: spawn puts it on the queue right away.
    TaskState() = default;

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

    // A worker popped the task from the queue. Returns true if it should
    // poll, false if the task was aborted meanwhile (then it frees the future
    // without polling it). Either way the worker now owns the future.
    bool start_running() {
        std::lock_guard lock(mutex_);
        if (phase_ != Phase::scheduled)
            throw std::logic_error("ch06::TaskState: start_running on a task that was not scheduled");
        phase_ = Phase::running;
        return !cancelled_;
    }

    // The poll returned Pending. An abort that arrived during the poll wins;
    // otherwise a wake that arrived during the poll sends the task back to the
    // queue, and without one the task parks. Reading "was it woken?" and
    // moving to idle happen under one lock: a wake cannot fall between them.
    AfterPoll after_pending() {
        std::lock_guard lock(mutex_);
        if (phase_ != Phase::running && phase_ != Phase::notified)
            throw std::logic_error("ch06::TaskState: after_pending on a task that was not running");
        if (cancelled_) return AfterPoll::cancel;  // stays running: the worker frees it
        if (phase_ == Phase::notified) {
            phase_ = Phase::scheduled;
            return AfterPoll::repoll;
        }
        phase_ = Phase::idle;
        return AfterPoll::park;
    }

    // The worker that owns the future finished with it (Ready, threw, or was
    // cancelled). From now on every wake and abort is a no-op.
    void complete() {
        std::lock_guard lock(mutex_);
        phase_ = Phase::complete;
    }

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
    mutable std::mutex mutex_;  // guards both fields; never held while polling
    Phase phase_ = Phase::scheduled;
    bool cancelled_ = false;  // sticky: set once by cancel(), never cleared
};

}  // namespace ch06
