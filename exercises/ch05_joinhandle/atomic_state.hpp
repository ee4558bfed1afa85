// ch05_joinhandle/atomic_state.hpp: AtomicTaskState, the same machine in one atomic word.
//
// Contract: exactly TaskState's (state.hpp): same methods, same answers, same
// phases, and the same tests run against both. Only the mechanism differs:
// every transition is one read-modify-write on a word of flag bits, so a wake
// never blocks, not even behind a worker that was preempted holding a lock.
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

#include "ch05_joinhandle/state.hpp"  // Phase, AfterPoll
#include "core/todo.hpp"

namespace ch05 {

class AtomicTaskState {
public:
    // SCHEDULED: a poll is owed (in the queue; with RUNNING: "notified").
    static constexpr unsigned SCHEDULED = 1u << 0;
    // RUNNING: one worker is inside poll() and owns the future.
    static constexpr unsigned RUNNING = 1u << 1;
    // COMPLETE: the future is finished or freed. Sticky.
    static constexpr unsigned COMPLETE = 1u << 2;
    // CANCELLED: abort() was called before COMPLETE. Sticky.
    static constexpr unsigned CANCELLED = 1u << 3;

    bool wake() {
        core::todo("AtomicTaskState::wake in exercises/ch05_joinhandle/atomic_state.hpp: set SCHEDULED unless "
                   "COMPLETE (always write, release); queue only if none of COMPLETE|SCHEDULED|RUNNING was set");
    }
    bool start_running() {
        core::todo("AtomicTaskState::start_running in exercises/ch05_joinhandle/atomic_state.hpp: "
                   "clear SCHEDULED, set RUNNING (acquire); logic_error if it was not scheduled");
    }
    AfterPoll after_pending() {
        core::todo("AtomicTaskState::after_pending in exercises/ch05_joinhandle/atomic_state.hpp: "
                   "clear RUNNING unless CANCELLED (acq_rel); the old SCHEDULED bit says repoll or park");
    }
    void complete() {
        core::todo("AtomicTaskState::complete in exercises/ch05_joinhandle/atomic_state.hpp: set COMPLETE (release)");
    }
    bool cancel() {
        core::todo("AtomicTaskState::cancel in exercises/ch05_joinhandle/atomic_state.hpp: set CANCELLED "
                   "(and SCHEDULED if neither RUNNING nor SCHEDULED: then return true)");
    }
    bool close() {
        core::todo("AtomicTaskState::close in exercises/ch05_joinhandle/atomic_state.hpp: set COMPLETE, "
                   "true if it was not set before");
    }
    Phase phase() const {
        core::todo("AtomicTaskState::phase in exercises/ch05_joinhandle/atomic_state.hpp: map the bits to a Phase");
    }
    bool cancelled() const {
        core::todo("AtomicTaskState::cancelled in exercises/ch05_joinhandle/atomic_state.hpp: the CANCELLED bit");
    }

private:
    // TODO: template <class Next> unsigned update(Next next, std::memory_order order),
    // a compare_exchange_weak loop returning the value it replaced.

    std::atomic<unsigned> state_{SCHEDULED};  // born scheduled, like TaskState
};

}  // namespace ch05
