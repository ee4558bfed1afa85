// ch05_joinhandle/state_bits.hpp: the flag bits of AtomicTaskState's word (given).
//
// Contract:
// - Four bits, each with the invariant written beside it. The phases map
//   onto them: idle is 0, scheduled SCHEDULED, running RUNNING, notified
//   RUNNING | SCHEDULED, complete COMPLETE; CANCELLED rides on any of them.
// - Only AtomicTaskState (atomic_state.hpp) writes a word of them.
//
// Why given: which bits exist and what each promises is the design; the
// exercise is the transitions that keep those promises under concurrency.
//
// Rust counterpart: the constants at the top of async-task's src/state.rs
// (SCHEDULED, RUNNING, COMPLETED, CLOSED) and tokio's runtime/task/state.rs.
#pragma once

namespace ch05 {

// [book:bits]
// SCHEDULED: a poll is owed. Set by a wake or an abort, cleared by
//   start_running. Without RUNNING it means "in the run queue, once".
//   With RUNNING it means "notified": woken during the poll in progress.
inline constexpr unsigned SCHEDULED = 1u << 0;
// RUNNING: one worker is inside poll() and owns the future. Set only by
//   start_running (which needs SCHEDULED, so only the popper gets it).
inline constexpr unsigned RUNNING = 1u << 1;
// COMPLETE: the future is finished or freed. Sticky. Wakes and aborts
//   that see it do nothing.
inline constexpr unsigned COMPLETE = 1u << 2;
// CANCELLED: abort() was called before COMPLETE. Sticky. The next worker
//   to own the future frees it instead of polling it (again).
inline constexpr unsigned CANCELLED = 1u << 3;
// [/book:bits]

}  // namespace ch05
