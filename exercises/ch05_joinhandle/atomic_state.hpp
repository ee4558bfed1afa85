// ch05_joinhandle/atomic_state.hpp: AtomicTaskState, the same machine in one atomic word.
//
// Contract: exactly TaskState's (state.hpp): same methods, same answers, same
// phases, and the same tests run against both. Only the mechanism differs:
// every transition is one read-modify-write on a word of flag bits (given,
// with their invariants, in state_bits.hpp), so a wake never blocks, not
// even behind a worker that was preempted holding a lock.
//
// EXERCISE (step 5, the last one): write each method as one compare-and-swap
// loop `update(next, order)` that replaces the word s by next(s) and returns
// the s it replaced; decide the answer from that old value. Next to each
// memory order, write which thread it synchronizes with and why. The book's
// section "The same machine in one atomic word" walks through it.
//
// Rust counterpart: async-task's state.rs + raw.rs, tokio's task/state.rs.
#pragma once

#include <atomic>
#include <stdexcept>

#include "ch05_joinhandle/phase.hpp"
#include "ch05_joinhandle/state_bits.hpp"  // SCHEDULED, RUNNING, COMPLETE, CANCELLED
#include "core/todo.hpp"

namespace ch05 {

class AtomicTaskState {
public:
    bool wake() {
        core::todo("AtomicTaskState::wake: TaskState::wake's answers, lock-free; what must a waker's "
                   "writes before the wake be visible to, and which memory order says so?; see book/ch05_joinhandle.md#the-same-machine-in-one-atomic-word");
    }
    bool start_running() {
        core::todo("AtomicTaskState::start_running: TaskState::start_running's answers in one atomic step; "
                   "a misuse throws and leaves the word unchanged; see book/ch05_joinhandle.md#the-same-machine-in-one-atomic-word");
    }
    AfterPoll after_pending() {
        core::todo("AtomicTaskState::after_pending: \"was I woken?\" and \"I am no longer running\" in one "
                   "atomic step, so no wake falls between them; see book/ch05_joinhandle.md#the-same-machine-in-one-atomic-word");
    }
    void complete() {
        core::todo("AtomicTaskState::complete: mark it finished without losing what other threads set "
                   "(a store is not a read-modify-write); see book/ch05_joinhandle.md#the-same-machine-in-one-atomic-word");
    }
    bool cancel() {
        core::todo("AtomicTaskState::cancel: TaskState::cancel's answers; an idle task must still reach a "
                   "worker; see book/ch05_joinhandle.md#the-same-machine-in-one-atomic-word");
    }
    bool close() {
        core::todo("AtomicTaskState::close: TaskState::close's answer, once; see book/ch05_joinhandle.md#the-same-machine-in-one-atomic-word");
    }
    Phase phase() const {
        core::todo("AtomicTaskState::phase: the Phase these bits stand for; see book/ch05_joinhandle.md#the-same-machine-in-one-atomic-word");
    }
    bool cancelled() const {
        core::todo("AtomicTaskState::cancelled: sticky, like TaskState's; see book/ch05_joinhandle.md#the-same-machine-in-one-atomic-word");
    }

private:
    // TODO (optional): one helper that every transition can share. Which
    // atomic operation lets you compute the new word from the old one?

    std::atomic<unsigned> state_{SCHEDULED};  // born scheduled, like TaskState
};

}  // namespace ch05
