// ch05_joinhandle/atomic_state.hpp: AtomicTaskState, the same machine in one atomic word.
//
// Contract: exactly TaskState's (state.hpp): same methods, same answers, same
// phases, and the same tests run against both. Only the mechanism differs:
// every transition is one read-modify-write on a word of flag bits (given,
// with their invariants, in state_bits.hpp), so a wake never blocks, not
// even behind a worker that was preempted holding a lock.
//
// Each method below is `update(next, order)`: a compare-and-swap loop that
// replaces the word s by next(s) and returns the s it replaced. Two habits
// from async-task's state.rs: every bit has a written invariant (there), and
// every memory order says which thread it synchronizes with, and why (here).
//
// Rust counterpart: async-task's state.rs + raw.rs, tokio's task/state.rs.
#pragma once

#include <atomic>
#include <stdexcept>

#include "ch05_joinhandle/phase.hpp"
#include "ch05_joinhandle/state_bits.hpp"  // SCHEDULED, RUNNING, COMPLETE, CANCELLED

namespace ch05 {

class AtomicTaskState {
public:
    // [book:atomic_wake]
    bool wake() {
        // Always writes, even when SCHEDULED is already set (it writes the
        // same value back). That is deliberate: a successful RMW is ordered
        // before the worker's start_running / after_pending RMW, so with
        // `release` here, whatever this thread did before waking (say, filled
        // a buffer) is visible to the poll this wake relies on. A plain load
        // that saw SCHEDULED and returned would publish nothing.
        unsigned prev = update([](unsigned s) { return s & COMPLETE ? s : s | SCHEDULED; },
                               std::memory_order_release);
        // Queue it only on idle -> scheduled; running -> notified needs no
        // queue entry, after_pending will see SCHEDULED.
        return (prev & (COMPLETE | SCHEDULED | RUNNING)) == 0;
    }
    // [/book:atomic_wake]

    bool start_running() {
        // acquire: pairs with the release of the wake that scheduled us and
        // with the release in the previous poller's after_pending, so this
        // worker sees the future exactly as the last worker left it.
        // Validate inside the update, like the mutex version checks before it
        // writes: a misuse leaves the word as it was, then throws.
        auto queued = [](unsigned s) { return (s & SCHEDULED) && !(s & (RUNNING | COMPLETE)); };
        unsigned prev = update([&](unsigned s) { return queued(s) ? (s & ~SCHEDULED) | RUNNING : s; },
                               std::memory_order_acquire);
        if (!queued(prev))
            throw std::logic_error("ch05::AtomicTaskState: start_running on a task that was not scheduled");
        return (prev & CANCELLED) == 0;
    }

    // [book:atomic_after_pending]
    AfterPoll after_pending() {
        // One RMW both reads "was I woken?" and drops RUNNING: a wake either
        // lands before it (we see SCHEDULED and repoll) or after it (it sees
        // RUNNING clear and queues the task itself). Nothing falls between.
        // acq_rel: release publishes our writes to the future to the next
        // poller; acquire makes the waker's writes visible to our repoll.
        unsigned prev = update([](unsigned s) { return s & CANCELLED ? s : s & ~RUNNING; },
                               std::memory_order_acq_rel);
        if ((prev & RUNNING) == 0)
            throw std::logic_error("ch05::AtomicTaskState: after_pending on a task that was not running");
        if (prev & CANCELLED) return AfterPoll::cancel;  // keeps RUNNING: we free it
        return (prev & SCHEDULED) ? AfterPoll::repoll : AfterPoll::park;
    }
    // [/book:atomic_after_pending]

    void complete() {
        // release: a thread that sees COMPLETE (phase()) also sees the
        // future freed. The outcome itself is published by the JoinSlot.
        state_.fetch_or(COMPLETE, std::memory_order_release);
    }

    // [book:atomic_cancel]
    bool cancel() {
        // If nobody owes the task a poll (no SCHEDULED, no RUNNING), set
        // SCHEDULED too and tell the caller to queue it, exactly as a wake
        // would: only a worker may free the future. release: a worker that
        // sees CANCELLED sees what the aborting thread did before abort().
        unsigned prev = update(
            [](unsigned s) {
                if (s & (COMPLETE | CANCELLED)) return s;
                return (s & (RUNNING | SCHEDULED)) ? s | CANCELLED : s | CANCELLED | SCHEDULED;
            },
            std::memory_order_release);
        return (prev & (COMPLETE | CANCELLED | RUNNING | SCHEDULED)) == 0;
    }
    // [/book:atomic_cancel]

    bool close() {
        // acquire: the caller frees the future next, so it must see the last
        // poller's writes (the joined worker threads give that too).
        return (state_.fetch_or(COMPLETE, std::memory_order_acquire) & COMPLETE) == 0;
    }

    Phase phase() const {
        unsigned s = state_.load(std::memory_order_acquire);
        if (s & COMPLETE) return Phase::complete;
        if (s & RUNNING) return (s & SCHEDULED) ? Phase::notified : Phase::running;
        return (s & SCHEDULED) ? Phase::scheduled : Phase::idle;
    }
    bool cancelled() const { return state_.load(std::memory_order_acquire) & CANCELLED; }

private:
    // [book:update]
    // Every write to the word is a read-modify-write (this loop, or fetch_or),
    // never a plain store, even where the value to write is known. A release
    // store followed by RMWs of other threads forms a release sequence, and
    // only RMWs continue it (C++20 [intro.races]): a plain store in the middle
    // would cut off the wakes before it, and the next poll would no longer be
    // guaranteed to see what those wakers wrote. x86 hides the difference;
    // weaker hardware (ARM, POWER) and the standard do not.
    template <class Next>
    unsigned update(Next next, std::memory_order order) {
        // relaxed first load and failure order: only the successful RMW
        // orders anything, and its `order` does that.
        unsigned s = state_.load(std::memory_order_relaxed);
        while (!state_.compare_exchange_weak(s, next(s), order, std::memory_order_relaxed)) {
        }
        return s;
    }
    // [/book:update]

    std::atomic<unsigned> state_{SCHEDULED};  // born scheduled, like TaskState
};

}  // namespace ch05
