// ch07_work_stealing/idle.hpp: Idle, who is searching for work and who sleeps.
//
// Contract (every method is called by workers, notify_one also by any
// thread that queued a task):
// - One atomic word counts the workers that are SEARCHING (looking in other
//   queues for work) and the workers that are UNPARKED (not asleep).
// - worker_to_notify() is asked after new work was queued. It answers a
//   worker to wake only when no worker is searching and someone sleeps: a
//   searcher will find the work anyway, and waking a second one for the same
//   task is the "thundering herd" that makes a runtime slower with more
//   threads. The woken worker counts as searching from that moment, so the
//   next push does not wake another one.
// - transition_to_searching() limits searchers to half of the workers.
// - transition_from_searching() returns true for the LAST searcher to find
//   work: it must wake another worker (there may be more work behind it).
// - transition_to_parked() returns true for the last searcher going to
//   sleep: it must take one last look at every queue first.
//
// Why the seq_cst fence: a queue push followed by a read of this word on one
// side, a write of this word followed by a look at the queues on the other:
// without one total order, both sides can miss each other (the pusher sees
// "someone is searching", the searcher sees "no work") and the task waits
// with every worker asleep.
//
// Rust counterpart: tokio's runtime/scheduler/multi_thread/idle.rs.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <vector>

namespace ch07 {

class Idle {
    static constexpr std::uint32_t SEARCHING_ONE = 1;
    static constexpr std::uint32_t UNPARKED_ONE = 1 << 16;
    static std::uint32_t searching(std::uint32_t s) { return s & 0xffff; }
    static std::uint32_t unparked(std::uint32_t s) { return s >> 16; }

public:
    explicit Idle(std::size_t workers) : workers_(std::uint32_t(workers)), state_(std::uint32_t(workers) * UNPARKED_ONE) {
        sleepers_.reserve(workers);
    }

    // [book:notify]
    std::optional<std::size_t> worker_to_notify() {
        if (!should_notify_after_push()) return std::nullopt;  // the cheap check, no lock
        std::lock_guard lock(mutex_);
        if (!should_notify() || sleepers_.empty()) return std::nullopt;
        // Counted as searching AND unparked from now on: one wake per search.
        state_.fetch_add(SEARCHING_ONE | UNPARKED_ONE, std::memory_order_seq_cst);
        std::size_t worker = sleepers_.back();
        sleepers_.pop_back();
        return worker;
    }
    // [/book:notify]

    // [book:searching]
    bool transition_to_searching() {
        std::uint32_t s = state_.load(std::memory_order_seq_cst);
        if (2 * searching(s) >= workers_) return false;  // enough are looking already
        state_.fetch_add(SEARCHING_ONE, std::memory_order_seq_cst);
        return true;
    }

    // True if this was the last searcher: then the caller wakes another.
    bool transition_from_searching() {
        std::uint32_t prev = state_.fetch_sub(SEARCHING_ONE, std::memory_order_seq_cst);
        return searching(prev) == 1;
    }
    // [/book:searching]

    // True if the caller was the last searcher: it must look at every queue
    // once more before it sleeps.
    bool transition_to_parked(std::size_t worker, bool was_searching) {
        std::lock_guard lock(mutex_);
        std::uint32_t dec = UNPARKED_ONE + (was_searching ? SEARCHING_ONE : 0);
        std::uint32_t prev = state_.fetch_sub(dec, std::memory_order_seq_cst);
        sleepers_.push_back(worker);
        check_all_parked(prev - dec);
        return was_searching && searching(prev) == 1;
    }

    // After the park returns. True if a notifier woke us (we are counted as
    // searching already); false for a timeout or a spurious wake (then we
    // count ourselves unparked again, not searching).
    bool transition_from_parked(std::size_t worker) {
        std::lock_guard lock(mutex_);
        auto it = std::find(sleepers_.begin(), sleepers_.end(), worker);
        if (it == sleepers_.end()) return true;
        sleepers_.erase(it);
        state_.fetch_add(UNPARKED_ONE, std::memory_order_seq_cst);
        return false;
    }

    std::uint32_t num_searching() const { return searching(state_.load(std::memory_order_seq_cst)); }
    std::uint32_t num_unparked() const { return unparked(state_.load(std::memory_order_seq_cst)); }

private:
    // A free self-check, on the slow path only: with every worker asleep,
    // nobody can be searching. If the count says otherwise, a searcher that
    // found work never left it, and from now on no push wakes anyone.
    void check_all_parked(std::uint32_t now) {
        if (unparked(now) != 0 || searching(now) == 0 || reported_) return;
        reported_ = true;
        std::fprintf(stderr,
                     "ch07: searching count leaked: every worker is parked but %u counted as searching (a searcher "
                     "that found work must call Idle::transition_from_searching)\n",
                     unsigned(searching(now)));
    }

    // The pusher's half of the handshake: a full fence, then read the word
    // (tokio does the same). ThreadSanitizer does not model fences, so under
    // it we read with a read-modify-write instead, which orders the same way
    // (an RMW always reads the latest value) but costs a shared cache line.
    bool should_notify_after_push() {
#if defined(__SANITIZE_THREAD__)
        std::uint32_t s = state_.fetch_add(0, std::memory_order_seq_cst);
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
        std::uint32_t s = state_.fetch_add(0, std::memory_order_seq_cst);
#else
        std::atomic_thread_fence(std::memory_order_seq_cst);
        std::uint32_t s = state_.load(std::memory_order_seq_cst);
#endif
#else
        std::atomic_thread_fence(std::memory_order_seq_cst);
        std::uint32_t s = state_.load(std::memory_order_seq_cst);
#endif
        return searching(s) == 0 && unparked(s) < workers_;
    }
    bool should_notify() const {
        std::uint32_t s = state_.load(std::memory_order_seq_cst);
        return searching(s) == 0 && unparked(s) < workers_;
    }

    const std::uint32_t workers_;
    std::atomic<std::uint32_t> state_;
    std::mutex mutex_;  // guards sleepers_ and reported_, and orders parking against notifying
    std::vector<std::size_t> sleepers_;
    bool reported_ = false;
};

}  // namespace ch07
