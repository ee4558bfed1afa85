// ch07_work_stealing/local_queue_class.hpp: the LocalQueue class, its data and the parts of it you do
// not write (given). Yours, in local_queue.hpp: push, pop, steal_into, push_overflow.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

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
    // Tests only: both positions start at `start` (near UINT32_MAX, so the
    // tests cross the wrap of the 32-bit counters, not only of the ring).
    explicit BasicLocalQueue(std::uint32_t start) : BasicLocalQueue() {
        head_.store(pack(start, start), std::memory_order_relaxed);
        tail_.store(start, std::memory_order_relaxed);
    }
    BasicLocalQueue(const BasicLocalQueue&) = delete;
    BasicLocalQueue& operator=(const BasicLocalQueue&) = delete;

    // Owner only. `overflow(tasks, n)` takes a batch of tasks elsewhere.
    template <class Overflow>
    void push(Header* task, Overflow&& overflow);

    // Owner only: FIFO from the head, nullptr when empty.
    Header* pop();

    // Any other worker: half of this queue (rounded up) into `dst`, one of them returned.
    Header* steal_into(BasicLocalQueue& dst);

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
    bool push_overflow(Header* task, std::uint32_t real, std::uint32_t tail, Overflow& overflow);

    alignas(64) std::atomic<std::uint64_t> head_{0};  // (steal << 32) | real
    alignas(64) std::atomic<std::uint32_t> tail_{0};  // written by the owner only
    alignas(64) std::array<std::atomic<Header*>, capacity> buffer_;
};

using LocalQueue = BasicLocalQueue<>;

}  // namespace ch07
