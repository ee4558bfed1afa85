// ch07_work_stealing/state.hpp: TaskState, a task's whole life in one atomic word.
//
// Contract: one std::atomic<std::uint64_t> holds six flags and the task's
// reference count, so every event (a wake, a worker starting or ending a
// poll, an abort, completion, the join handle registering its waker or going
// away) is ONE read-modify-write that sees and changes everything at once:
//
//   bit 0 RUNNING        a worker is inside poll(); only it touches the future
//   bit 1 COMPLETE       finished (Ready, threw, cancelled); the output is written
//   bit 2 NOTIFIED       the task sits in a run queue (idle -> notified), or, if
//                        RUNNING, owes one more poll
//   bit 3 CANCELLED      abort() was called; sticky
//   bit 4 JOIN_INTEREST  the JoinHandle is alive (it will read the output)
//   bit 5 JOIN_WAKER     the join's waker is stored: the task side owns that
//                        field now; the handle may not touch it while set
//   bits 6.. references  each owner holds one: the runtime's list of live
//                        tasks, a queue entry (or the worker running it), the
//                        JoinHandle, every waker that was cloned
//
// The guarantees are chapter 5's (a task is queued at most once, polled by
// one worker at a time, a wake during a poll is never lost, an abort always
// ends with the future freed), plus: the memory is freed exactly once, by
// whoever drops the last reference.
//
// Rust counterpart: tokio's runtime/task/state.rs (same idea, our own bit
// layout and names), async-task's state.rs.
#pragma once

#include <atomic>
#include <cstdint>
#include <stdexcept>

#include "ch07_work_stealing/snapshot.hpp"
namespace ch07 {

class TaskState : public StateWord {
public:
    // The order of the reference count's decrement, named so the book can
    // point at it and a test can pin it (x86 never shows the difference).
    static constexpr std::memory_order ref_dec_order = std::memory_order_acq_rel;

    TaskState() : StateWord(Snapshot::INITIAL) {}

    // [book:to_running]
    // A worker took the task off a queue (it holds the queue's reference).
    // notified -> running. If the task was aborted while queued, the worker
    // frees the future instead of polling it.
    ToRunning transition_to_running() {
        std::uint64_t cur = word_.load(std::memory_order_acquire);
        for (;;) {
            Snapshot s{cur};
            if (!s.notified() || s.running() || s.complete())
                throw std::logic_error("ch07::TaskState: a task was run that was not queued (queued twice?)");
            std::uint64_t next = (cur & ~Snapshot::NOTIFIED) | Snapshot::RUNNING;
            if (word_.compare_exchange_weak(cur, next, std::memory_order_acq_rel, std::memory_order_acquire))
                return s.cancelled() ? ToRunning::cancelled : ToRunning::poll;
        }
    }
    // [/book:to_running]

    // [book:to_idle]
    // The poll returned Pending. running -> idle, dropping the worker's
    // reference; or, if a wake came during the poll, running -> notified and
    // the worker's reference becomes the new queue entry's (repoll); or, if
    // aborted, stay running so the worker frees the future.
    ToIdle transition_to_idle() {
        std::uint64_t cur = word_.load(std::memory_order_acquire);
        for (;;) {
            Snapshot s{cur};
            if (!s.running()) throw std::logic_error("ch07::TaskState: transition_to_idle on a task not running");
            if (s.cancelled()) return ToIdle::cancelled;
            std::uint64_t next = cur & ~Snapshot::RUNNING;
            if (!s.notified()) next -= Snapshot::REF_ONE;  // the live list still holds one: never the last
            if (word_.compare_exchange_weak(cur, next, std::memory_order_acq_rel, std::memory_order_acquire))
                return s.notified() ? ToIdle::repoll : ToIdle::idle;
        }
    }
    // [/book:to_idle]

    // [book:wake_by_ref]
    // A waker fired and keeps its reference. Only idle -> notified submits,
    // and it takes a new reference for the queue entry. A wake while running
    // only sets NOTIFIED: the worker re-queues the task after the poll.
    Wake transition_to_notified_by_ref() {
        std::uint64_t cur = word_.load(std::memory_order_acquire);
        for (;;) {
            Snapshot s{cur};
            if (s.complete() || s.notified()) return Wake::nothing;
            std::uint64_t next = cur | Snapshot::NOTIFIED;
            if (!s.running()) next += Snapshot::REF_ONE;
            if (word_.compare_exchange_weak(cur, next, std::memory_order_acq_rel, std::memory_order_acquire))
                return s.running() ? Wake::nothing : Wake::submit;
        }
    }
    // [/book:wake_by_ref]

    // [book:wake_by_val]
    // A waker fired and gives its reference away (Rust's Waker::wake(self)).
    // idle -> notified takes a NEW reference for the queue entry, as a wake
    // by reference does, and the caller drops the waker's only once
    // schedule() has returned (Header::wake_by_val): until then it keeps the
    // task, and so the runtime, alive. Otherwise the waker's reference is
    // dropped here; last_ref says whether it was the last (free the task).
    Wake transition_to_notified_by_val(bool& last_ref) {
        last_ref = false;
        std::uint64_t cur = word_.load(std::memory_order_acquire);
        for (;;) {
            Snapshot s{cur};
            std::uint64_t next;
            if (s.complete() || s.notified()) {
                next = cur - Snapshot::REF_ONE;
            } else if (s.running()) {
                next = (cur | Snapshot::NOTIFIED) - Snapshot::REF_ONE;  // the worker holds one: never the last
            } else {
                next = (cur | Snapshot::NOTIFIED) + Snapshot::REF_ONE;  // the queue entry's; the waker's stays
            }
            if (word_.compare_exchange_weak(cur, next, std::memory_order_acq_rel, std::memory_order_acquire)) {
                if (!s.complete() && !s.notified() && !s.running()) return Wake::submit;
                last_ref = Snapshot{next}.refs() == 0;
                return Wake::nothing;
            }
        }
    }
    // [/book:wake_by_val]

    // [book:cancel]
    // JoinHandle::abort(). An idle task is queued (with a new reference) so a
    // worker frees it; a queued or running one will reach a worker anyway.
    Wake transition_to_notified_and_cancel() {
        std::uint64_t cur = word_.load(std::memory_order_acquire);
        for (;;) {
            Snapshot s{cur};
            if (s.complete() || s.cancelled()) return Wake::nothing;
            std::uint64_t next = cur | Snapshot::CANCELLED | Snapshot::NOTIFIED;
            bool submit = !s.running() && !s.notified();
            if (submit) next += Snapshot::REF_ONE;
            if (word_.compare_exchange_weak(cur, next, std::memory_order_acq_rel, std::memory_order_acquire))
                return submit ? Wake::submit : Wake::nothing;
        }
    }
    // [/book:cancel]

    // running -> complete, one RMW. NOTIFIED is cleared too: a wake that
    // came during the last poll owes nothing now. Returns the state after.
    Snapshot transition_to_complete() {
        std::uint64_t cur = word_.load(std::memory_order_acquire);
        for (;;) {
            if (!(cur & Snapshot::RUNNING))
                throw std::logic_error("ch07::TaskState: transition_to_complete on a task not running");
            std::uint64_t next = (cur & ~(Snapshot::RUNNING | Snapshot::NOTIFIED)) | Snapshot::COMPLETE;
            if (word_.compare_exchange_weak(cur, next, std::memory_order_acq_rel, std::memory_order_acquire))
                return {next};
        }
    }

    // The runtime shuts down and no worker runs: if the task is not complete,
    // the caller takes it (as if running) to free its future. False if done.
    bool transition_to_shutdown() {
        std::uint64_t cur = word_.load(std::memory_order_acquire);
        for (;;) {
            Snapshot s{cur};
            if (s.complete()) return false;
            std::uint64_t next = cur | Snapshot::RUNNING | Snapshot::CANCELLED;
            if (word_.compare_exchange_weak(cur, next, std::memory_order_acq_rel, std::memory_order_acquire))
                return true;
        }
    }

    // --- the join handle's side (join_handle.hpp explains the protocol) ---
    // Set JOIN_WAKER unless the task completed first. The waker field must be
    // written before this (release): the completer reads it after (acquire).
    bool set_join_waker() {
        std::uint64_t cur = word_.load(std::memory_order_acquire);
        for (;;) {
            if (cur & Snapshot::COMPLETE) return false;
            if (word_.compare_exchange_weak(cur, cur | Snapshot::JOIN_WAKER, std::memory_order_acq_rel,
                                            std::memory_order_acquire))
                return true;
        }
    }
    // Take the waker field back (to replace the waker) unless complete.
    bool unset_join_waker() {
        std::uint64_t cur = word_.load(std::memory_order_acquire);
        for (;;) {
            if (cur & Snapshot::COMPLETE) return false;
            if (word_.compare_exchange_weak(cur, cur & ~Snapshot::JOIN_WAKER, std::memory_order_acq_rel,
                                            std::memory_order_acquire))
                return true;
        }
    }
    // The completer is done waking the join: give the field back. Returns
    // the state before, so the completer knows whether the handle is gone.
    Snapshot unset_join_waker_after_complete() {
        return {word_.fetch_and(~Snapshot::JOIN_WAKER, std::memory_order_acq_rel)};
    }
    // The JoinHandle goes away. Before completion it also takes the waker
    // field back. Returns the state after.
    Snapshot drop_join_interest() {
        std::uint64_t cur = word_.load(std::memory_order_acquire);
        for (;;) {
            std::uint64_t next = cur & ~Snapshot::JOIN_INTEREST;
            if (!(cur & Snapshot::COMPLETE)) next &= ~Snapshot::JOIN_WAKER;
            if (word_.compare_exchange_weak(cur, next, std::memory_order_acq_rel, std::memory_order_acquire))
                return {next};
        }
    }

    // [book:refcount]
    void ref_inc() {
        // Relaxed is enough: whoever increments already holds a reference, so
        // the count cannot reach zero meanwhile (the same argument as
        // std::shared_ptr and Rust's Arc::clone).
        word_.fetch_add(Snapshot::REF_ONE, std::memory_order_relaxed);
    }
    // Returns true if the caller dropped the last reference and must free
    // the task. acq_rel: the release publishes this thread's writes to the
    // task, the acquire makes everybody's writes visible to the one thread
    // that frees it (Arc's drop uses release + an acquire fence).
    bool ref_dec(std::uint64_t n = 1) {
        std::uint64_t prev = word_.fetch_sub(n * Snapshot::REF_ONE, ref_dec_order);
        if (prev / Snapshot::REF_ONE < n) throw std::logic_error("ch07::TaskState: reference count underflow");
        return prev / Snapshot::REF_ONE == n;
    }
    // [/book:refcount]

};

}  // namespace ch07
