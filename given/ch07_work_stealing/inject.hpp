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
// It is a plain mutex and a queue of task pointers kept in 4 KiB segments
// linked one after the other: a push writes into the tail segment (a new
// one every 511 pushes), a pop reads from the head segment, and the
// segment a pop empties is kept as a spare for the next push, so a queue
// that stays short allocates nothing. Only spawns and wakes from outside
// the runtime, and overflow, come here; the hot path is the local queues.
//
// Why pointers in an array, not a list linked through the tasks: a list's
// pop_batch must read every task's link to find the next one, a cache miss
// per task when thousands of tasks wait (a burst of spawns overflows the
// local queue), each miss waiting for the previous one, all under the lock.
// Copying pointers out of a segment touches no task; a task's memory is
// first read when it is polled. `make bench` (spawn -> complete, 10^5 tasks
// spawned by one task) spent a fifth of its time walking that list. Why
// segments, not one array that doubles: a 1 MiB array freed at the end of a
// burst raised glibc's mmap threshold, and the next bursts paid for it in
// page faults (the 1-worker spawn figure tripled); small blocks never do.
//
// Rust counterpart: tokio's runtime/scheduler/inject, a mutex-protected
// list linked through the tasks with an atomic length: the design this
// replaces.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <utility>
#include <mutex>
#include <vector>

namespace ch07 {

struct Header;

class InjectQueue {
public:
    InjectQueue() = default;
    InjectQueue(const InjectQueue&) = delete;
    InjectQueue& operator=(const InjectQueue&) = delete;
    ~InjectQueue() {
        delete spare_;
        for (Segment* s = head_segment_; s;) delete std::exchange(s, s->next);
    }

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

    // One block of the queue: 511 task pointers and the link, 4 KiB.
    static constexpr std::size_t segment_size = 511;
    struct Segment {
        Header* tasks[segment_size];
        Segment* next = nullptr;
    };

    // Under the lock.
    void push_one(Header* task) {
        if (tail_ == segment_size) {  // the tail segment is full: link another
            Segment* s = spare_ ? std::exchange(spare_, nullptr) : new Segment;
            s->next = nullptr;
            tail_segment_->next = s;
            tail_segment_ = s;
            tail_ = 0;
        }
        tail_segment_->tasks[tail_++] = task;
        ++size_;
    }
    Header* pop_one() {
        Header* task = head_segment_->tasks[head_++];
        if (--size_ == 0) {
            head_ = tail_ = 0;  // empty: head and tail meet in this segment; start it over
        } else if (head_ == segment_size) {  // the head segment is used up: keep it as the spare
            Segment* used = std::exchange(head_segment_, head_segment_->next);
            head_ = 0;
            delete std::exchange(spare_, used);
        }
        return task;
    }

    std::mutex mutex_;
    Segment* head_segment_ = new Segment;
    Segment* tail_segment_ = head_segment_;
    Segment* spare_ = nullptr;
    std::size_t head_ = 0, tail_ = 0, size_ = 0;  // head_/tail_: positions in their segments
    bool closed_ = false;
    std::atomic<std::size_t> len_{0};
};

}  // namespace ch07
