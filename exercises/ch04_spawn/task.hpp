// ch04/task.hpp: a task that several worker threads may run, one at a time.
//
// Contract:
// - A Task owns its future and a Sender into the executor's ready channel.
// - wake() (any thread, any number of times, also after the end) makes sure
//   the task is polled once more after the wake, and never by two threads at
//   once. run() (a worker, with a task it received from the channel) polls it.
// - A future that throws is finished: the exception is reported once on
//   stderr with its what(), and the worker goes on.
// - A finished task drops its future and its Sender at once, so a waker that
//   somebody keeps does not keep the executor running.
//
// Rust counterpart: the task header of tokio or async-task: one atomic word
// with RUNNING / NOTIFIED / COMPLETE bits (async-task calls them RUNNING,
// SCHEDULED, COMPLETED), plus catch_unwind around the poll.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "ch04_spawn/channel.hpp"
#include "core/future.hpp"
#include "core/todo.hpp"
#include "core/waker.hpp"

namespace ch04 {

// One line per failed task, whole, even when two workers report at once.
inline void report_task_exception(const char* what) {
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    std::cerr << "ch04: a task threw an exception (the executor goes on): " << what << std::endl;
}
class Task : public core::Wake, public std::enable_shared_from_this<Task> {
public:
    // The task state, one atomic word:
    //   0                    idle: pending, nobody will poll it until a wake
    //   NOTIFIED             in the ready channel (or about to be): do not queue again
    //   RUNNING              a worker is polling it right now
    //   RUNNING | NOTIFIED   woken during that poll: the worker re-queues it after
    //   DONE                 finished: wakes are ignored
    // NOTIFIED is chapter 3's `queued` flag; RUNNING is what several workers add.
    static constexpr std::uint8_t NOTIFIED = 1, RUNNING = 2, DONE = 4;

    Task(core::BoxFuture<void> future, Sender<std::shared_ptr<Task>> sender)
        : future_(std::move(future)), sender_(std::move(sender)) {}
    void wake() override {
        // TODO: set NOTIFIED with one fetch_or, whatever the state. Only the
        // caller that found the task idle (previous state 0) re-queues it.
        // RUNNING: the note is enough. NOTIFIED or DONE: nothing to do.
        core::todo("Task::wake in exercises/ch04_spawn/task.hpp: "
                   "prev = state_.fetch_or(NOTIFIED); if prev == 0, requeue()");
    }

    void run() {
        // TODO:
        // 1. state_ NOTIFIED -> RUNNING (an exchange: it must read the wakes);
        // 2. poll the future with a Waker made from shared_from_this(), inside
        //    try/catch: an exception is reported once with
        //    report_task_exception(e.what()) and finishes the task;
        // 3. Ready (or thrown): finish();
        // 4. Pending: compare_exchange RUNNING -> 0 (idle). If that fails, a
        //    wake came during the poll (RUNNING | NOTIFIED): store NOTIFIED
        //    and requeue(), so the task is polled again after this poll.
        core::todo("Task::run in exercises/ch04_spawn/task.hpp: "
                   "RUNNING, poll under try/catch, then DONE, idle, or re-queue if NOTIFIED");
    }

private:
    void requeue() {
        // TODO: copy sender_ into a local first (once the task is in the
        // channel, another worker may finish it and reset sender_ while we
        // are still inside send()), then send shared_from_this(). A false
        // from send means the executor is gone: nothing to do.
        core::todo("Task::requeue in exercises/ch04_spawn/task.hpp: "
                   "copy sender_, then send(shared_from_this())");
    }

    void finish() {
        // TODO: store DONE (later wakes stop there), then reset future_ and
        // sender_: a finished task must not keep run() going just because
        // somebody still holds its waker.
        core::todo("Task::finish in exercises/ch04_spawn/task.hpp: "
                   "state_ = DONE, future_.reset(), sender_.reset()");
    }

    std::atomic<std::uint8_t> state_{NOTIFIED};  // born queued: spawn sends it
    // Touched only by the worker whose run() holds RUNNING (or, for sender_,
    // by the waker that moved the state from idle: the task is in nobody's
    // hands then).
    std::optional<core::BoxFuture<void>> future_;
    std::optional<Sender<std::shared_ptr<Task>>> sender_;
};

}  // namespace ch04
