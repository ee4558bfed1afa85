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
#include "core/waker.hpp"

namespace ch03 {

// [book:task]
class Task : public core::Wake, public std::enable_shared_from_this<Task> {
public:
    Task(core::BoxFuture<void> future, std::weak_ptr<ReadyQueue> queue, std::thread::id executor)
        : future_(std::move(future)), queue_(std::move(queue)), executor_(executor) {}

    void wake() override {
        // One read-modify-write decides who queues the task: of any number of
        // concurrent wakes, exactly one sees `false`. (A load followed by a
        // store would let two wakers both see false and queue it twice.)
        // acq_rel: release so the waker's writes (what made the future ready)
        // reach the poll, which acquires when it clears the flag.
        if (queued.exchange(true, std::memory_order_acq_rel)) return;
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
        // that wake is about. acquire pairs with the wakers' release.
        queued.exchange(false, std::memory_order_acquire);

        core::Waker waker = core::Waker::from(shared_from_this());
        core::Context cx(waker);
        bool done = true;  // a throwing future is finished too
        struct Finish {    // runs on Ready and on an exception alike
            Task& task;
            bool& done;
            ~Finish() {
                if (!done) return;
                // Raised for good: every later wake sees `true` and stops.
                task.queued.store(true, std::memory_order_relaxed);
                task.future_.reset();  // free the future (and what it holds) now
            }
        } finish{*this, done};
        done = future_->poll(cx).is_ready();
        return done;
    }

    std::atomic<bool> queued{true};  // born queued: spawn pushes it once

private:
    // Touched only on the executor's thread (checked above), so it needs no
    // mutex; wakers never touch it.
    std::optional<core::BoxFuture<void>> future_;
    std::weak_ptr<ReadyQueue> queue_;  // weak: a waker must not keep the executor alive
    std::thread::id executor_;
};
// [/book:task]

}  // namespace ch03
