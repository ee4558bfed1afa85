// ch07_work_stealing/inject.hpp: InjectQueue, the runtime's shared run queue (given).
//
// Contract:
// - push(task) from any thread (a spawn or a wake from outside the workers);
//   returns false once closed (the caller drops the task's queue reference).
// - push_batch(tasks, n): a worker's overflow, half a local queue at once,
//   under one lock. Accepted even when closed: the shutdown drains it.
// - pop_batch(max, each) takes up to `max` tasks under one lock and calls
//   each(task) for every one; is_empty() is one atomic load, so a worker
//   can look without taking the lock.
// - drain() (after the workers are joined) returns everything left.
//
// It is a plain mutex and an intrusive singly linked list through
// Header::queue_next: no allocation per push. Only spawns and wakes from
// outside the runtime, and overflow, come here; the hot path is the local
// queues.
//
// Rust counterpart: tokio's runtime/scheduler/inject (also a mutex-protected
// intrusive list with an atomic length).
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <vector>

#include "ch07_work_stealing/task.hpp"

namespace ch07 {

class InjectQueue {
public:
    bool push(Header* task) {
        std::lock_guard lock(mutex_);
        if (closed_) return false;
        link(task);
        len_.store(len_.load(std::memory_order_relaxed) + 1, std::memory_order_seq_cst);
        return true;
    }

    void push_batch(Header* const* tasks, std::size_t n) {
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < n; ++i) link(tasks[i]);
        len_.store(len_.load(std::memory_order_relaxed) + n, std::memory_order_seq_cst);
    }

    template <class Each>
    std::size_t pop_batch(std::size_t max, Each&& each) {
        if (is_empty()) return 0;
        Header* first;
        std::size_t n = 0;
        {
            std::lock_guard lock(mutex_);
            first = head_;
            Header* last = nullptr;
            for (Header* t = head_; t && n < max; t = t->queue_next, ++n) last = t;
            if (n == 0) return 0;
            head_ = last->queue_next;
            if (!head_) tail_ = nullptr;
            last->queue_next = nullptr;
            len_.store(len_.load(std::memory_order_relaxed) - n, std::memory_order_seq_cst);
        }
        for (Header* t = first; t;) {
            Header* next = t->queue_next;
            t->queue_next = nullptr;
            each(t);
            t = next;
        }
        return n;
    }

    bool is_empty() const { return len_.load(std::memory_order_seq_cst) == 0; }
    std::size_t len() const { return len_.load(std::memory_order_relaxed); }

    void close() {
        std::lock_guard lock(mutex_);
        closed_ = true;
    }

    std::vector<Header*> drain() {
        std::vector<Header*> out;
        pop_batch(std::size_t(-1), [&](Header* t) { out.push_back(t); });
        return out;
    }

private:
    void link(Header* task) {
        task->queue_next = nullptr;
        if (tail_) {
            tail_->queue_next = task;
        } else {
            head_ = task;
        }
        tail_ = task;
    }

    std::mutex mutex_;
    Header* head_ = nullptr;
    Header* tail_ = nullptr;
    bool closed_ = false;
    std::atomic<std::size_t> len_{0};
};

}  // namespace ch07
