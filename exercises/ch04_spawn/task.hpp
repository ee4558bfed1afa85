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
#include "core/todo.hpp"
#include "core/waker.hpp"

namespace ch04 {

inline void Task::wake() {
    // TODO: any thread, any number of times, in any state. Which caller
    // (and only which one) puts the task in the channel? What must a wake
    // do to a task that a worker is polling right now?
    core::todo("Task::wake: make sure the task is polled once more after this wake, queued "
               "at most once, never while a worker polls it, never after it finished; "
               "see book/ch04_spawn.md#several-workers-running-and-notified");
}

inline void Task::run() {
    // TODO: a worker received this task from the channel. What does the
    // state word say before, during and after the poll? What if a wake
    // lands during the poll? What if the poll throws?
    core::todo("Task::run: poll the future once as RUNNING; then finish it (Ready or thrown, "
               "reported once on stderr), let it go idle, or queue it again if a wake came "
               "during the poll; see book/ch04_spawn.md#several-workers-running-and-notified");
}

inline void Task::requeue() {
    // TODO: the moment the task is in the channel, another worker may
    // run it to completion. What might it destroy while this thread is
    // still inside send()?
    core::todo("Task::requeue: put this task back in the ready channel (nothing to do if the "
               "executor is gone); see book/ch04_spawn.md#several-workers-running-and-notified");
}

inline void Task::finish() {
    // TODO: what must a later wake find? And what would keep run()
    // going if a finished task held on to it?
    core::todo("Task::finish: the task is done for good: later wakes do nothing, and it lets "
               "go of its future and of its place in the channel at once; "
               "see book/ch04_spawn.md#how-shutdown-is-decided");
}

}  // namespace ch04
