// ch07_work_stealing/local_queue.hpp: LocalQueue, a worker's bounded lock-free run queue.
//
// Contract:
// - One owner thread (the worker) calls push() and pop(); any number of
//   other workers call steal_into() at the same time. No lock anywhere.
// - push(task, overflow) appends at the tail. When the ring is full, half of
//   it (the oldest) plus the new task go to `overflow` in one batch (the
//   runtime's injection queue), so pushing never fails and never blocks.
// - pop() takes from the head (FIFO), or returns nullptr when empty.
// - steal_into(dst) moves half of this queue (rounded up) into `dst` (the
//   thief's own queue) and returns one of the stolen tasks to run, or
//   nullptr if there was nothing or another thief is already stealing.
// - Every task pushed comes out exactly once: by pop, by a steal, or in an
//   overflow batch.
//
// How: positions are 32-bit counters that wrap. `tail` is written only by
// the owner. `head` packs two positions: `real` (the next task to hand out)
// and `steal` (where the thief in progress started copying). A thief claims
// [real, real + n) by moving `real` with one CAS, copies the tasks while
// `steal` still holds the slots against the owner's pushes, then moves
// `steal` up to `real` with another CAS.
//
// Hooks: tests stop a thread between two steps through the Hooks type
// (no-ops in the runtime), to force the interleavings a bug needs.
//
// The class, its data and the given parts: local_queue_class.hpp (given).
//
// Rust counterpart: tokio's runtime/scheduler/multi_thread/queue.rs (the
// same protocol; our code), and the idea of Chase-Lev deques (crossbeam-deque).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "ch07_work_stealing/local_queue_class.hpp"

namespace ch07 {

// [book:push]
// Owner only. `overflow(tasks, n)` takes a batch of tasks elsewhere.
template <class Hooks>
template <class Overflow>
void BasicLocalQueue<Hooks>::push(Header* task, Overflow&& overflow) {
    for (;;) {
        std::uint64_t head = head_.load(std::memory_order_acquire);
        std::uint32_t steal = steal_of(head), real = real_of(head);
        std::uint32_t tail = tail_.load(std::memory_order_relaxed);  // only we write it
        if (tail - steal < capacity) {
            // Write the slot, THEN publish it: a thief that sees the new
            // tail (acquire) must see the task in the slot.
            buffer_[tail & mask].store(task, std::memory_order_relaxed);
            Hooks::after_slot_write();
            tail_.store(tail + 1, std::memory_order_release);
            return;
        }
        if (steal != real) {
            // Full and a thief is copying out: it will make room soon,
            // but we do not wait for anyone. This one task overflows.
            Header* one[1] = {task};
            overflow(one, 1);
            return;
        }
        if (push_overflow(task, real, tail, overflow)) return;
        // A thief claimed tasks meanwhile: there is room now; try again.
    }
}
// [/book:push]

// [book:pop]
// Owner only. Moves `real` (and `steal` with it when no thief is active)
// with a CAS, because a thief may be moving `real` at the same moment.
template <class Hooks>
Header* BasicLocalQueue<Hooks>::pop() {
    std::uint64_t head = head_.load(std::memory_order_acquire);
    for (;;) {
        std::uint32_t steal = steal_of(head), real = real_of(head);
        if (real == tail_.load(std::memory_order_relaxed)) return nullptr;
        std::uint32_t next_real = real + 1;
        std::uint64_t next = steal == real ? pack(next_real, next_real) : pack(steal, next_real);
        if (head_.compare_exchange_weak(head, next, std::memory_order_acq_rel, std::memory_order_acquire))
            return buffer_[real & mask].load(std::memory_order_relaxed);
    }
}
// [/book:pop]

// [book:steal]
// Any other worker. `dst` is the thief's own queue (only the thief pushes
// to it, so writing its slots and publishing its tail is safe here).
template <class Hooks>
Header* BasicLocalQueue<Hooks>::steal_into(BasicLocalQueue& dst) {
    std::uint32_t dst_tail = dst.tail_.load(std::memory_order_relaxed);
    std::uint32_t dst_steal = steal_of(dst.head_.load(std::memory_order_acquire));
    if (dst_tail - dst_steal > capacity / 2) return nullptr;  // no room for half of a full queue

    // 1. Claim half of the tasks by moving `real`, leaving `steal` behind.
    std::uint64_t head = head_.load(std::memory_order_acquire);
    std::uint32_t first, n;
    for (;;) {
        std::uint32_t steal = steal_of(head), real = real_of(head);
        if (steal != real) return nullptr;  // another thief is copying out
        std::uint32_t tail = tail_.load(std::memory_order_acquire);
        n = tail - real;
        n -= n / 2;
        if (n == 0) return nullptr;
        Hooks::before_steal_claim();
        if (head_.compare_exchange_weak(head, pack(steal, real + n), std::memory_order_acq_rel,
                                        std::memory_order_acquire)) {
            first = real;
            head = pack(steal, real + n);
            break;
        }
    }
    // 2. Copy them. The owner cannot overwrite these slots: its pushes
    //    stop at `steal`, which we have not moved yet.
    for (std::uint32_t i = 0; i < n; ++i)
        dst.buffer_[(dst_tail + i) & mask].store(buffer_[(first + i) & mask].load(std::memory_order_relaxed),
                                                 std::memory_order_relaxed);
    // 3. Release the slots: steal catches up with real (which the owner's
    //    pops may have moved meanwhile, hence the loop).
    for (;;) {
        std::uint64_t next = pack(real_of(head), real_of(head));
        if (head_.compare_exchange_weak(head, next, std::memory_order_acq_rel, std::memory_order_acquire)) break;
    }
    // 4. Run the last one ourselves; publish the rest in our own queue.
    Header* task = dst.buffer_[(dst_tail + n - 1) & mask].load(std::memory_order_relaxed);
    if (n > 1) dst.tail_.store(dst_tail + n - 1, std::memory_order_release);
    return task;
}
// [/book:steal]

// Full, no thief: move the older half out in one claim, plus `task`.
template <class Hooks>
template <class Overflow>
bool BasicLocalQueue<Hooks>::push_overflow(Header* task, std::uint32_t real, std::uint32_t tail, Overflow& overflow) {
    constexpr std::uint32_t half = capacity / 2;
    (void)tail;
    std::uint64_t expected = pack(real, real);
    if (!head_.compare_exchange_strong(expected, pack(real + half, real + half), std::memory_order_acq_rel,
                                       std::memory_order_acquire))
        return false;
    std::array<Header*, half + 1> batch;
    for (std::uint32_t i = 0; i < half; ++i) batch[i] = buffer_[(real + i) & mask].load(std::memory_order_relaxed);
    batch[half] = task;
    overflow(batch.data(), std::size_t(half + 1));
    return true;
}

}  // namespace ch07
