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
// Rust counterpart: tokio's runtime/scheduler/multi_thread/queue.rs (the
// same protocol; our code), and the idea of Chase-Lev deques (crossbeam-deque).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/todo.hpp"

namespace ch07 {

struct Header;

struct NoQueueHooks {
    static void after_slot_write() {}     // push: slot written, tail not yet published
    static void before_steal_claim() {}   // steal: head and tail read, claim not yet made
};

template <class Hooks = NoQueueHooks>
class BasicLocalQueue {
public:
    static constexpr std::uint32_t capacity = 256;
    static constexpr std::uint32_t mask = capacity - 1;

    BasicLocalQueue() {
        for (auto& slot : buffer_) slot.store(nullptr, std::memory_order_relaxed);
    }
    BasicLocalQueue(const BasicLocalQueue&) = delete;
    BasicLocalQueue& operator=(const BasicLocalQueue&) = delete;

    // [book:push]
    // Owner only. `overflow(tasks, n)` takes a batch of tasks elsewhere.
    template <class Overflow>
    void push(Header* task, Overflow&& overflow) {
        (void)task;
        (void)overflow;
        core::todo("LocalQueue::push (owner only): append at the tail; write the slot before publishing the tail; when full, hand the older half plus this task to overflow in one batch (claimed with a CAS on head); never block; see book/ch07_work_stealing.md#the-local-queue");
    }
    // [/book:push]

    // [book:pop]
    // Owner only. Moves `real` (and `steal` with it when no thief is active)
    // with a CAS, because a thief may be moving `real` at the same moment.
    Header* pop() {
        core::todo("LocalQueue::pop (owner only): take from real, moving head with a CAS (a thief may move it too); nullptr when empty; see book/ch07_work_stealing.md#the-local-queue");
    }
    // [/book:pop]

    // [book:steal]
    // Any other worker. `dst` is the thief's own queue (only the thief pushes
    // to it, so writing its slots and publishing its tail is safe here).
    Header* steal_into(BasicLocalQueue& dst) {
        (void)dst;
        core::todo("LocalQueue::steal_into (another worker): claim half (rounded up) by moving real with a CAS, copy into dst, then let steal catch up with real; return one task, publish the rest in dst; nullptr if empty or another thief is busy; see book/ch07_work_stealing.md#the-local-queue");
    }
    // [/book:steal]

    // Approximate from another thread; exact from the owner.
    std::uint32_t len() const {
        std::uint64_t head = head_.load(std::memory_order_acquire);
        return tail_.load(std::memory_order_acquire) - real_of(head);
    }
    bool is_empty() const { return len() == 0; }
    bool has_stealable() const {
        std::uint64_t head = head_.load(std::memory_order_acquire);
        return steal_of(head) == real_of(head) && tail_.load(std::memory_order_acquire) != real_of(head);
    }

private:
    static std::uint32_t steal_of(std::uint64_t head) { return std::uint32_t(head >> 32); }
    static std::uint32_t real_of(std::uint64_t head) { return std::uint32_t(head); }
    static std::uint64_t pack(std::uint32_t steal, std::uint32_t real) { return (std::uint64_t(steal) << 32) | real; }

    // Full, no thief: move the older half out in one claim, plus `task`.
    template <class Overflow>
    bool push_overflow(Header* task, std::uint32_t real, std::uint32_t tail, Overflow& overflow) {
        (void)real;
        (void)tail;
        (void)task;
        (void)overflow;
        core::todo("LocalQueue::push_overflow: claim the older half with one CAS from (real, real) and give it, plus task, to overflow; false if a thief moved head first; see book/ch07_work_stealing.md#the-local-queue");
    }

    alignas(64) std::atomic<std::uint64_t> head_{0};  // (steal << 32) | real
    alignas(64) std::atomic<std::uint32_t> tail_{0};  // written by the owner only
    alignas(64) std::array<std::atomic<Header*>, capacity> buffer_;
};

using LocalQueue = BasicLocalQueue<>;

}  // namespace ch07
