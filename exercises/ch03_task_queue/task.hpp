// ch03/task.hpp: a Task is a spawned future plus what it needs to be re-polled.
//
// Contract:
// - A Task owns its future (a core::BoxFuture<void>), a *weak* reference to
//   the ready queue, the id of the executor's thread, and a `queued` flag.
// - wake() (any thread, any number of times) puts the task in the ready
//   queue, but only if it is not there already: `queued.exchange(true)`
//   returning false means "I am the one who queues it".
// - poll_once() (executor thread only) clears the flag *before* polling, so
//   a wake that lands during the poll queues the task again.
// - Once the future is done (Ready, an exception, or drop_future()) the flag
//   stays raised for good: later wakes do nothing, and a stale queue entry
//   is skipped.
// - If the executor is gone, the weak queue reference is empty: wake() does
//   nothing, and the task dies when the last waker pointing at it does.
//
// Rust counterpart: the `Task { future: Mutex<Option<BoxFuture>>, sender }`
// + `ArcWake` of the async book, with the queued flag of a deduplicating
// executor (tokio keeps it as the NOTIFIED bit of the task state).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

#include "ch03_task_queue/ready_queue.hpp"
#include "core/future.hpp"
#include "core/live_tasks.hpp"
#include "core/todo.hpp"
#include "core/waker.hpp"

namespace ch03 {

// The type of the `queued` flag: a std::atomic<bool>. The chapter's tests
// define CH03_QUEUED_FLAG to an instrumented atomic with the same interface
// that can stop a thread right after it touched the flag, to open a race
// window on purpose (tokio's tests swap in loom's atomics the same way).
#ifdef CH03_QUEUED_FLAG
using QueuedFlag = CH03_QUEUED_FLAG;
#else
using QueuedFlag = std::atomic<bool>;
#endif

class Task : public core::Wake, public std::enable_shared_from_this<Task> {
public:
    Task(core::BoxFuture<void> future, std::weak_ptr<ReadyQueue> queue, std::thread::id executor)
        : future_(std::move(future)), queue_(std::move(queue)), executor_(executor) {}

    void wake() override {
        // Four threads may call this at the same moment: which one pushes?
        // And what must happen when the executor is already gone?
        core::todo("Task::wake: put the task in its ready queue unless it is already queued (any thread, "
                   "any number of concurrent calls: one queue entry); do nothing once the executor is gone; "
                   "see book/ch03_task_queue.md#the-task-and-its-queued-flag");
    }

    // Polls the future once. Returns true when this poll finished the task.
    bool poll_once() {
        // A wake may land while the future is being polled: when must the
        // flag come down so that this wake is not lost?
        core::todo("Task::poll_once: on the executor's thread only, poll the future once with a waker that "
                   "wakes this task; a wake during the poll must queue the task again; a finished task "
                   "(Ready or thrown) frees its future, ignores later wakes and answers false to a stale entry; "
                   "see book/ch03_task_queue.md#the-task-and-its-queued-flag");
    }

    // Finishes the task without polling it (executor thread only). Returns
    // false if the task was already finished.
    bool drop_future() {
        core::todo("Task::drop_future: finish the task now as if its future were done (free the future, "
                   "ignore later wakes); false if it was finished already; "
                   "see book/ch03_task_queue.md#the-task-and-its-queued-flag");
    }

    QueuedFlag queued{true};  // born queued: spawn pushes it once

private:
    // Touched only on the executor's thread, so it needs no mutex.
    std::optional<core::BoxFuture<void>> future_;
    std::weak_ptr<ReadyQueue> queue_;  // weak: a waker must not keep the executor alive
    std::thread::id executor_;
    [[no_unique_address]] core::testing::LiveTaskCount counted_;  // for the tests: a task never freed fails them (keep it)
};

}  // namespace ch03
