// ch03/ready_queue.hpp: the executor's inbox of tasks that asked to be polled.
//
// Contract:
// - push(task) may be called from any thread (a waker runs wherever the
//   event happened: the timer thread, another task, a test thread).
// - pop() is called by the executor's thread only; it blocks until a task
//   is there, so an executor with nothing to do sleeps instead of spinning.
// - FIFO: a task that wakes itself goes behind the ones already waiting,
//   which is what lets tasks take turns.
//
// The queue does not know about duplicates: the Task's `queued` flag makes
// sure one task is pushed at most once per poll (see task.hpp).
//
// Rust counterpart: the `Mutex<VecDeque<Arc<Task>>>` + thread::park pair of
// a toy executor, or an mpsc channel (chapter 4 turns it into one).
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

namespace ch03 {

class Task;  // task.hpp; the queue only holds shared_ptrs to it

// [book:ready_queue]
class ReadyQueue {
public:
    // notify=false is for the executor's own thread: it is busy running a
    // poll right now, and checks the queue before it next sleeps.
    void push(std::shared_ptr<Task> task, bool notify = true) {
        {
            std::lock_guard lock(mutex_);
            tasks_.push_back(std::move(task));
        }
        // Notify after unlocking, so the woken executor can take the lock at
        // once. Safe here because whoever pushes holds a shared_ptr to this
        // queue (Task::wake locked its weak reference first), so the
        // condition variable outlives the notify even if the executor goes.
        if (notify) ready_.notify_one();
    }

    std::shared_ptr<Task> pop() {
        std::unique_lock lock(mutex_);
        // The predicate is checked under the lock before sleeping, so a push
        // that happened before we got here is never missed.
        ready_.wait(lock, [this] { return !tasks_.empty(); });
        auto task = std::move(tasks_.front());
        tasks_.pop_front();
        return task;
    }

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::shared_ptr<Task>> tasks_;
};
// [/book:ready_queue]

}  // namespace ch03
