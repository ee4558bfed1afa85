// ch05_joinhandle/phase.hpp: Phase and AfterPoll, the words of the task's state machine (given).
//
// Contract:
// - Phase names where a task is in its life; the diagram below is every
//   legal move. TaskState (state.hpp) and AtomicTaskState (atomic_state.hpp)
//   answer phase() with it, so the same tests read both.
// - AfterPoll is what the worker must do after a poll that returned Pending:
//   after_pending()'s answer.
//
// Why a file of their own: both state machines speak these words, and the
// lock-free one should not need the mutex one to say them.
//
// Rust counterpart: the states async-task's state.rs and tokio's
// runtime/task/state.rs describe in comments beside their bits.
#pragma once

namespace ch05 {

// [book:phases]
// Where a task is in its life. The arrows are the only legal moves:
//
//   spawn --> scheduled --start_running--> running --after_pending--> idle
//              ^     ^                      |                          |
//              |     |                    wake                         |
//              |     |                      v                          |
//              |     +---after_pending--- notified                     |
//              +---------------------- wake / cancel ------------------+
//
// running and notified end in complete when the poll returns Ready, throws,
// or finds the task aborted; close() (runtime shutdown) ends any phase there.
enum class Phase {
    idle,       // waiting for a wake; nobody holds it but wakers (and the registry)
    scheduled,  // in the run queue exactly once; a worker will poll it
    running,    // a worker is inside poll(); only that worker touches the future
    notified,   // running, and woken meanwhile: poll again once this poll ends
    complete,   // finished, aborted or shut down; the future is (being) freed
};
// [/book:phases]

// What the worker must do after a poll that returned Pending.
enum class AfterPoll {
    park,    // nobody woke the task: leave it idle, a wake will queue it
    repoll,  // it was woken during the poll: put it back on the queue
    cancel,  // it was aborted: free the future, report Cancelled
};

}  // namespace ch05
