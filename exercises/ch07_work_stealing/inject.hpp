// ch07_work_stealing/inject.hpp: InjectQueue, the runtime's shared run queue (given).
//
// Contract:
// - push(task) from any thread (a spawn or a wake from outside the workers);
//   returns false once closed (the caller drops the task's queue reference).
// - push_batch(tasks, n): a worker's overflow, half a local queue at once,
//   under one lock. Accepted even when closed: the shutdown drains it.
// - pop_batch(max, each) takes up to `max` tasks under one lock and calls
//   each(task) for every one, after unlocking; is_empty() is one atomic
//   load, so a worker can look without taking the lock.
// - drain() (after the workers are joined) returns everything left.
//
// It is a plain mutex and a ring of task pointers that doubles when full
// and never shrinks, so once it has grown to the runtime's high-water mark
// a push allocates nothing. Only spawns and wakes from outside the runtime,
// and overflow, come here; the hot path is the local queues.
//
// Why pointers in an array, not a list linked through the tasks: a list's
// pop_batch must read every task's link to find the next one, a cache miss
// per task when thousands of tasks wait (a burst of spawns overflows the
// local queue), each miss waiting for the previous one, all under the lock.
// Copying pointers out of the ring touches no task; a task's memory is
// first read when it is polled. `make bench` (spawn -> complete, 10^5 tasks
// spawned by one task) spent a fifth of its time walking that list.
//
// Rust counterpart: tokio's runtime/scheduler/inject, a mutex-protected
// list linked through the tasks with an atomic length: the design this
// replaces.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace ch07 {

struct Header;

class InjectQueue {
public:
    bool push(Header* task) {
        std::lock_guard lock(mutex_);
        if (closed_) return false;
        push_one(task);
        len_.store(size_, std::memory_order_seq_cst);
        return true;
    }

    void push_batch(Header* const* tasks, std::size_t n) {
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < n; ++i) push_one(tasks[i]);
        len_.store(size_, std::memory_order_seq_cst);
    }

    template <class Each>
    std::size_t pop_batch(std::size_t max, Each&& each) {
        if (is_empty()) return 0;
        Header* batch[batch_max];
        std::size_t n;
        {
            std::lock_guard lock(mutex_);
            n = std::min({max, size_, batch_max});
            for (std::size_t i = 0; i < n; ++i) batch[i] = pop_one();
            len_.store(size_, std::memory_order_seq_cst);
        }
        for (std::size_t i = 0; i < n; ++i) each(batch[i]);
        return n;
    }

    bool is_empty() const { return len_.load(std::memory_order_seq_cst) == 0; }
    std::size_t len() const { return len_.load(std::memory_order_relaxed); }

    void close() {
        std::lock_guard lock(mutex_);
        closed_ = true;
    }

    std::vector<Header*> drain() {
        std::lock_guard lock(mutex_);
        std::vector<Header*> out;
        while (size_ > 0) out.push_back(pop_one());
        len_.store(0, std::memory_order_seq_cst);
        return out;
    }

private:
    static constexpr std::size_t batch_max = 256;  // a whole local queue: a worker never takes more

    // Under the lock. The capacity is a power of two, so `& mask_` wraps.
    void push_one(Header* task) {
        if (size_ > mask_) grow();
        ring_[(head_ + size_) & mask_] = task;
        ++size_;
    }
    Header* pop_one() {
        Header* task = ring_[head_];
        head_ = (head_ + 1) & mask_;
        --size_;
        return task;
    }
    void grow() {  // full: twice the room, the oldest task first
        std::size_t capacity = 2 * (mask_ + 1);
        std::unique_ptr<Header*[]> bigger(new Header*[capacity]);
        for (std::size_t i = 0; i < size_; ++i) bigger[i] = ring_[(head_ + i) & mask_];
        ring_ = std::move(bigger);
        mask_ = capacity - 1;
        head_ = 0;
    }

    static constexpr std::size_t initial_capacity = 256;
    std::mutex mutex_;
    std::unique_ptr<Header*[]> ring_{new Header*[initial_capacity]};
    std::size_t mask_ = initial_capacity - 1, head_ = 0, size_ = 0;
    bool closed_ = false;
    std::atomic<std::size_t> len_{0};
};

}  // namespace ch07
