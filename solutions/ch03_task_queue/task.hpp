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

// [book:task]
class Task : public core::Wake, public std::enable_shared_from_this<Task> {
public:
    Task(core::BoxFuture<void> future, std::weak_ptr<ReadyQueue> queue, std::thread::id executor)
        : future_(std::move(future)), queue_(std::move(queue)), executor_(executor) {}

    void wake() override {
        // One read-modify-write decides who queues the task: of any number of
        // concurrent wakes, exactly one sees `false`. (A load followed by a
        // store would let two wakers both see false and queue it twice.)
        // release: what this waker wrote before waking (what made the future
        // ready) reaches the next poll, whose clearing exchange acquires.
        // No acquire here: a waker reads nothing the executor wrote.
        if (queued.exchange(true, std::memory_order_release)) return;
        if (auto queue = queue_.lock())
            queue->push(shared_from_this(), std::this_thread::get_id() != executor_);
        // else: the executor is gone; nobody will ever poll this task again.
    }

    // Polls the future once. Returns true when this poll finished the task.
    bool poll_once() {
        if (std::this_thread::get_id() != executor_)
            throw std::logic_error("ch03::Task polled on a thread that is not its executor's");
        if (!future_) return false;  // finished earlier; a stale queue entry
        // Clear the flag BEFORE polling: a wake from now on must queue the
        // task again, because this poll may already have looked at whatever
        // that wake is about. An exchange, not a store: it reads the latest
        // wake's write, and acquire makes that waker's writes visible here.
        queued.exchange(false, std::memory_order_acquire);

        core::Waker waker = core::Waker::from(shared_from_this());
        core::Context cx(waker);
        bool ready;
        try {
            ready = future_->poll(cx).is_ready();
        } catch (...) {
            drop_future();  // a future that threw is finished too
            throw;
        }
        if (ready) drop_future();
        return ready;
    }

    // Finishes the task without polling it (executor thread only): frees the
    // future now and raises the flag for good, so every later wake stops at
    // the exchange and a stale queue entry is skipped. Returns false if the
    // task was already finished.
    bool drop_future() {
        if (!future_) return false;
        queued.store(true, std::memory_order_relaxed);  // nothing to publish: no poll follows
        future_.reset();  // the future (and what it holds) dies here, on this thread
        return true;
    }

    QueuedFlag queued{true};  // born queued: spawn pushes it once

private:
    // Touched only on the executor's thread (checked above), so it needs no
    // mutex; wakers never touch it.
    std::optional<core::BoxFuture<void>> future_;
    std::weak_ptr<ReadyQueue> queue_;  // weak: a waker must not keep the executor alive
    std::thread::id executor_;
    [[no_unique_address]] core::testing::LiveTaskCount counted_;  // for the tests: a task never freed fails them (keep it)
};
// [/book:task]

}  // namespace ch03
