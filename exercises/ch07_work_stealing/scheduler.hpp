// ch07_work_stealing/scheduler.hpp: Shared (the runtime's state) and the worker loop.
//
// Contract:
// - schedule(task, yield_now) queues a task whose queue reference the
//   caller counted. On a worker of this runtime it goes to that worker's
//   own queue: a task woken by the running task takes the LIFO slot (it runs
//   next, while its data is still in this core's cache), a yielding task
//   goes to the back. From any other thread it goes to the injection queue.
//   Either way a sleeping worker is woken only if no worker is searching.
// - Each worker loops: take the LIFO slot, else its own queue, else a batch
//   from the injection queue; if all are empty, SEARCH (steal half of
//   another worker's queue, then look at the injection queue again); if
//   that fails too, PARK, but only after a last look. Every 31st task it
//   looks at the injection queue first, every 61st it fires due timers.
// - The LIFO slot is bounded: at most 3 LIFO polls in a row, then the task
//   in the slot goes to the back of the queue, so two tasks waking each
//   other cannot starve the rest.
// - close() makes every worker leave its loop after the poll it is in;
//   shutdown_tasks() (after the workers are joined) drops the queues'
//   references and shuts down every live task.
// - Shared is reference counted: the Runtime holds one reference, every
//   task and every registered Sleep one more, so a waker fired after the
//   Runtime is gone still finds valid memory (and a closed runtime).
//
// The classes, their data and the given parts of the loop: shared_class.hpp
// (given). Yours here: schedule_local, steal_work, run_task, park.
//
// Rust counterpart: tokio's runtime/scheduler/multi_thread/worker.rs
// (run, next_task, steal_work, park, schedule_task), simplified.
#pragma once

#include <cstddef>
#include <cstdio>
#include <exception>
#include <optional>
#include <utility>

#include "ch07_work_stealing/shared_class.hpp"
#include "core/todo.hpp"

namespace ch07 {

// [book:schedule_local]
inline void Shared::schedule_local(Worker& w, Header* task, bool yield_now) {
    (void)w;
    (void)task;
    (void)yield_now;
    core::todo("Shared::schedule_local: a yielding task goes to the back of this worker's queue; any other takes the LIFO slot (the one it displaces goes to the queue); wake a sleeper only when a task landed where others can steal it; see book/ch07_work_stealing.md#the-lifo-slot");
}
// [/book:schedule_local]

// [book:steal_work]
inline Header* Shared::steal_work(Worker& w) {
    (void)w;
    core::todo("Shared::steal_work: become a searcher (unless half the workers search already), try every other worker's queue from a random start, then the injection queue; see book/ch07_work_stealing.md#searching-and-stealing");
}
// [/book:steal_work]

// [book:run_task]
inline void Shared::run_task(Worker& w, Header* task) {
    (void)w;
    (void)task;
    core::todo("Shared::run_task: leave the searching count first (the last searcher wakes another); poll the task, then the LIFO slot's task, at most max_lifo_polls in a row (then to the back of the queue); catch what escapes; see book/ch07_work_stealing.md#the-lifo-slot");
}
// [/book:run_task]

// [book:park]
inline void Shared::park(Worker& w) {
    (void)w;
    core::todo("Shared::park: fire due timers; go to sleep in the Idle count, take a last look (injection queue; every queue if you were the last searcher), drive the timer if nobody does, park, and come back counted right; see book/ch07_work_stealing.md#parking-with-a-last-look");
}
// [/book:park]

}  // namespace ch07
