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
// - Once the future is done the flag stays raised for good: later wakes do
//   nothing, and a stale queue entry is skipped.
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
#include "core/todo.hpp"
#include "core/waker.hpp"

namespace ch03 {

class Task : public core::Wake, public std::enable_shared_from_this<Task> {
public:
    Task(core::BoxFuture<void> future, std::weak_ptr<ReadyQueue> queue, std::thread::id executor)
        : future_(std::move(future)), queue_(std::move(queue)), executor_(executor) {}

    void wake() override {
        // TODO: one read-modify-write on `queued` decides who pushes the task
        // (why not load() then store()?). Lock the weak queue: if the
        // executor is gone, do nothing. Pass notify=false when we are on the
        // executor's own thread.
        core::todo("Task::wake in exercises/ch03_task_queue/task.hpp: "
                   "if queued.exchange(true) was false, push shared_from_this() into queue_.lock()");
    }

    // Polls the future once. Returns true when this poll finished the task.
    bool poll_once() {
        // TODO, in this order:
        // 1. refuse (std::logic_error) a call from a thread that is not executor_;
        // 2. a task already finished (future_ empty) returns false;
        // 3. clear `queued` BEFORE polling (with exchange), so a wake during
        //    the poll queues the task again;
        // 4. poll with a Waker made from shared_from_this();
        // 5. on Ready or on an exception: raise `queued` for good and reset future_.
        core::todo("Task::poll_once in exercises/ch03_task_queue/task.hpp: "
                   "clear queued, poll the future with a waker made from this task");
    }

    std::atomic<bool> queued{true};  // born queued: spawn pushes it once

private:
    // Touched only on the executor's thread, so it needs no mutex.
    std::optional<core::BoxFuture<void>> future_;
    std::weak_ptr<ReadyQueue> queue_;  // weak: a waker must not keep the executor alive
    std::thread::id executor_;
};

}  // namespace ch03
