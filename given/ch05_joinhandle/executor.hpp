// ch05_joinhandle/executor.hpp: the whole chapter 5 API in one include.
//
//   ch05::Runtime rt(workers);               workers poll spawned tasks
//   auto h = rt.spawn(fut);                  ch05::JoinHandle<Output>, itself a future
//   auto h = ch05::spawn(fut);               the same, from inside a task or block_on
//   T v = rt.block_on(fut);                  drive fut on this thread until it is done
//   co_await h / h.abort() / h.is_finished() / drop h (detach)
//   ch05::Cancelled                          what the join of an aborted task throws
//   ch05::timeout(fut, d)                    fut's value, or ch05::TimedOut (fut dropped)
//
// Reading order: phase.hpp and state.hpp (the task's state machine), join.hpp
// (where the result waits; errors.hpp has what a join or a timeout throws),
// scheduler.hpp (queue + live tasks), task.hpp (one poll), join_handle.hpp,
// runtime.hpp (with parker.hpp). atomic_state.hpp is the lock-free TaskState,
// on the bits of state_bits.hpp.
//
// Rust counterpart: a small tokio (tokio::runtime::Runtime, tokio::spawn,
// tokio::task::JoinHandle).
#pragma once

#include "ch05_joinhandle/atomic_state.hpp"
#include "ch05_joinhandle/join.hpp"
#include "ch05_joinhandle/join_handle.hpp"
#include "ch05_joinhandle/runtime.hpp"
#include "ch05_joinhandle/scheduler.hpp"
#include "ch05_joinhandle/state.hpp"
#include "ch05_joinhandle/task.hpp"
#include "ch05_joinhandle/timeout.hpp"
