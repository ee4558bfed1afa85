// ch05_joinhandle/scheduler.hpp: the run queue, the live tasks, and this thread's scheduler (given).
//
// Contract:
// - push(task) appends to the run queue and wakes one worker; pop() blocks
//   until there is a task or the scheduler is closed (then it returns null,
//   even if tasks are still queued: shutdown does not drain the queue).
// - admit(task) registers a new task as live and queues it, atomically with
//   respect to close(): a task is either refused or seen by the shutdown.
// - forget(task) removes a finished task from the registry.
// - close() refuses every later admit/push and wakes all workers;
//   take_live() (after the workers are joined) hands over every task that
//   never finished, so the runtime can free their futures.
// - detail::current is the scheduler of this thread's runtime: set (by
//   runtime.hpp's CurrentGuard) on a worker for its whole life and on a
//   thread inside block_on; null elsewhere. ch05::spawn reads it.
//
// Why a registry: an idle task is owned only by its wakers, and a waker may
// sit in a timer heap or a socket table forever. Without a list of live tasks
// a runtime shutting down could not find them to free their futures.
//
// It is chapter 4's queue with a set beside it. Rust counterpart: tokio's
// inject queue + OwnedTasks (an intrusive linked list there; a hash map here,
// the honest shortcut), and for `current`, the thread-local CONTEXT of
// tokio's runtime/context.rs.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ch05 {

class TaskBase;  // task.hpp
using TaskRef = std::shared_ptr<TaskBase>;

class Scheduler : public std::enable_shared_from_this<Scheduler> {
public:
    // Returns false (and keeps nothing) once the scheduler is closed.
    bool admit(TaskRef task) {
        {
            std::lock_guard lock(mutex_);
            if (closed_) return false;
            live_.emplace(task.get(), task);
            queue_.push_back(std::move(task));
        }
        ready_.notify_one();
        return true;
    }

    // Returns false once closed: the wake is dropped, and the runtime's
    // destructor frees the task through the registry instead.
    bool push(TaskRef task) {
        {
            std::lock_guard lock(mutex_);
            if (closed_) return false;
            queue_.push_back(std::move(task));
        }
        ready_.notify_one();
        return true;
    }

    // Blocks a worker until there is work; null means "closed, exit".
    TaskRef pop() {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return closed_ || !queue_.empty(); });
        if (closed_) return nullptr;
        TaskRef task = std::move(queue_.front());
        queue_.pop_front();
        return task;
    }

    void forget(const TaskBase* task) {
        TaskRef dropped;  // released after unlocking: it may be the last owner
        std::lock_guard lock(mutex_);
        if (auto it = live_.find(task); it != live_.end()) {
            dropped = std::move(it->second);
            live_.erase(it);
        }
    }

    void close() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        ready_.notify_all();
    }

    bool closed() const {
        std::lock_guard lock(mutex_);
        return closed_;
    }

    // After close() and after every worker has stopped.
    std::vector<TaskRef> take_live() {
        std::vector<TaskRef> live;
        std::deque<TaskRef> queued;  // every queued task is also live
        std::lock_guard lock(mutex_);
        live.reserve(live_.size());
        for (auto& [ptr, task] : live_) live.push_back(std::move(task));
        live_.clear();
        queued.swap(queue_);
        return live;
    }

    std::size_t live_count() const {
        std::lock_guard lock(mutex_);
        return live_.size();
    }

    // Entries in the run queue right now (for tests: "N wakes, one entry").
    std::size_t queued() const {
        std::lock_guard lock(mutex_);
        return queue_.size();
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<TaskRef> queue_;
    std::unordered_map<const TaskBase*, TaskRef> live_;
    bool closed_ = false;
};

namespace detail {
// [book:current]
// The runtime of this thread, like tokio's thread-local CONTEXT: set for the
// life of each worker thread and for the duration of block_on. A raw pointer
// is enough: it is only set while the Runtime that owns the scheduler is alive.
inline thread_local Scheduler* current = nullptr;
// [/book:current]
}  // namespace detail

}  // namespace ch05
