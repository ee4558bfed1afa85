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
// - Every change of the state word is a read-modify-write (fetch_or,
//   exchange, fetch_and), never a plain store: a store would end the release
//   sequence of a wake that came before it (book: "Why every transition is a
//   read-modify-write").
//
// Rust counterpart: the task header of tokio or async-task: one atomic word
// with RUNNING / NOTIFIED / COMPLETE bits (async-task calls them RUNNING,
// SCHEDULED, COMPLETED), plus catch_unwind around the poll.
//
// Given: the class, its state word and its fields (task_class.hpp). Yours
// here: the four functions that move the state word.
#pragma once

#include <exception>
#include <memory>
#include <optional>

#include "ch04_spawn/report.hpp"  // report_task_exception
#include "ch04_spawn/task_class.hpp"
#include "core/waker.hpp"

namespace ch04 {

// [book:wake]
inline void Task::wake() {
    // Set NOTIFIED whatever the state; only the caller that finds the task
    // idle (no bit set) queues it. If it is RUNNING, the note is enough:
    // the worker sees it when the poll ends. acq_rel: release publishes
    // what the waker did to the next poll, acquire orders our read of
    // sender_ after the worker's last write to it.
    std::uint8_t prev = state_.fetch_or(NOTIFIED, std::memory_order_acq_rel);
    if (prev == 0) requeue();
}
// [/book:wake]

// [book:run]
inline void Task::run() {
    // Received from the channel, so the state is NOTIFIED: swap it for
    // RUNNING. A read-modify-write, not a store: it reads the last wake's
    // fetch_or, and acquire makes that waker's writes visible to the poll.
    state_.exchange(RUNNING, std::memory_order_acquire);
    bool done = true;  // a throwing future is finished too
    try {
        core::Waker waker = core::Waker::from(shared_from_this());
        core::Context cx(waker);
        done = future_->poll(cx).is_ready();
    } catch (const std::exception& e) {
        report_task_exception(e.what());
    } catch (...) {
        report_task_exception("(not a std::exception)");
    }
    if (done) return finish();

    // Pending: leave RUNNING, and look at what else the word held. One
    // read-modify-write decides and moves at once: no window in which a
    // wake could slip between a check and a store. acq_rel: acquire reads
    // the note (and what every waker of this poll wrote before it),
    // release hands this poll's writes to whoever polls next.
    std::uint8_t before = state_.fetch_and(static_cast<std::uint8_t>(~RUNNING),
                                           std::memory_order_acq_rel);
    // A wake came during the poll and left NOTIFIED, which stays set: the
    // task is queued again (behind the others), polled after this poll.
    if (before & NOTIFIED) requeue();
}
// [/book:run]

// [book:requeue]
inline void Task::requeue() {
    // Copy the sender first. The moment the task is in the channel another
    // worker may run it to completion and reset sender_, while this thread
    // is still inside send(); the copy keeps the channel end we use alive.
    std::optional<Sender<std::shared_ptr<Task>>> sender = sender_;
    // send() fails once the executor (the receiver) is gone: then nobody
    // will poll this task again, and it is freed with its last waker.
    if (sender) (void)sender->send(shared_from_this());
}
// [/book:requeue]

// [book:finish]
inline void Task::finish() {
    // Later wakes find DONE and stop. An exchange, not a store, like every
    // other transition of this word: a wake that landed during the last
    // poll stays in the word's history (see the book, "Release sequences").
    state_.exchange(DONE, std::memory_order_acq_rel);
    // Dropping the future and the sender now (not when the last waker
    // dies) is what lets run() end even if someone keeps a waker of this
    // task. Safe: no wake touches them once DONE is set, and no other
    // worker has this task.
    future_.reset();
    sender_.reset();
}
// [/book:finish]

}  // namespace ch04
