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
//   sleep: it must take one last look at every queue first. Its caller's
//   loads after it (the last look) are ordered after its write of the word.
//
// Why the seq_cst fences: a queue push followed by a read of this word on one
// side (the pusher), a write of this word followed by a look at the queues on
// the other (a worker going to sleep): a store-buffering pattern. Unless both
// halves are ordered in one total order, both sides can miss each other (the
// pusher sees "someone is searching", the parker sees "no work") and the
// task waits with every worker asleep. The pusher's half is a seq_cst fence
// F1 then a seq_cst load R1 of this word (should_notify_after_push); the
// parker's half is its seq_cst read-modify-write U2 of this word, then a
// seq_cst fence F2 (transition_to_parked), then its loads of the queues R2
// (acquire: a local queue's tail). In the standard's words ([atomics.order]
// p3 and p4, C++20): suppose both miss. R1 read a value older than U2, so R1
// is coherence-ordered before U2; both are seq_cst, so R1 precedes U2 in the
// single total order S (p4, first condition). R2 read a tail older than the
// push's store W1, so R2 is coherence-ordered before W1; F2 happens before R2
// and W1 happens before F1, so F2 precedes F1 in S (p4, fourth condition:
// the two-fence case). With F1 before R1 and U2 before F2 (sequenced, hence
// in S), S would be the cycle F1 < R1 < U2 < F2 < F1: impossible, so one side
// sees the other. Without F2 nothing orders the parker's acquire loads in S,
// and the pusher and the parker may each miss the other (x86 never shows it,
// every locked instruction being a full barrier; an ARMv8.3 machine, whose
// acquire loads (LDAPR) may pass an earlier release, may).
//
// tokio pairs the two halves differently: its pusher reads the word with a
// read-modify-write (fetch_add(0, SeqCst) in notify_should_wakeup, since
// tokio #1788 fixed a lost wakeup there), which comes after or before the
// parker's in the word's single modification order, and so synchronizes
// with it or reads its write: no fence on either side. We keep the pusher's
// half a fence and a load (pushes are the hot path, and an RMW would make
// each one take this shared cache line for writing, where a load shares it)
// and pay a fence when parking (the slow path), except under
// ThreadSanitizer, where we do as tokio does (see should_notify_after_push).
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

// Fences, or read-modify-writes in their place under ThreadSanitizer.
#if defined(__SANITIZE_THREAD__)
#define CH07_IDLE_FENCES 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CH07_IDLE_FENCES 0
#endif
#endif
#ifndef CH07_IDLE_FENCES
#define CH07_IDLE_FENCES 1
#endif

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
        fence_before_last_look();
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

    // The pusher's half of the handshake: a full fence, then read the word;
    // it pairs with the parker's fence (fence_before_last_look: the comment
    // at the top of this file has the argument). ThreadSanitizer does not
    // model fences (and g++ refuses atomic_thread_fence under it, -Wtsan),
    // so under it we read with a read-modify-write instead, as tokio does:
    // every write of this word is a read-modify-write, so the pusher's RMW
    // and the parker's are ordered in the word's modification order, and
    // whichever comes second reads the other's write, the parker's through a
    // release sequence that makes the push happen before its last look.
    bool should_notify_after_push() {
#if CH07_IDLE_FENCES
        std::atomic_thread_fence(std::memory_order_seq_cst);
        std::uint32_t s = state_.load(std::memory_order_seq_cst);
#else
        std::uint32_t s = state_.fetch_add(0, std::memory_order_seq_cst);
#endif
        return searching(s) == 0 && unparked(s) < workers_;
    }
    // The parker's half: after its read-modify-write of the word, before its
    // last look at the queues. Not needed with the read-modify-write above.
    static void fence_before_last_look() {
#if CH07_IDLE_FENCES
        std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
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
