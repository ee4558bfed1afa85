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

namespace ch07 {

// [book:schedule_local]
inline void Shared::schedule_local(Worker& w, Header* task, bool yield_now) {
    bool more_work;
    if (yield_now) {
        push_back(w, task);
        more_work = true;
    } else {
        Header* previous = std::exchange(w.lifo, task);  // runs next
        more_work = previous != nullptr;
        if (previous) push_back(w, previous);
    }
    // Only a task in the queue can be stolen: then it is worth waking
    // someone. A lone worker has nobody to wake (it is awake: it is us),
    // so it skips the check and its full fence.
    if (more_work && workers_.size() > 1) notify_parked();
}
// [/book:schedule_local]

// [book:steal_work]
inline Header* Shared::steal_work(Worker& w) {
    if (!w.searching) {
        if (!idle.transition_to_searching()) return nullptr;  // enough searchers already
        w.searching = true;
    }
    std::size_t n = workers_.size();
    std::size_t start = w.next_random() % n;
    for (std::size_t i = 0; i < n; ++i) {
        std::size_t victim = (start + i) % n;
        if (victim == w.index) continue;
        if (Header* t = workers_[victim]->queue.steal_into(w.queue)) return t;
    }
    return take_from_inject(w);
}
// [/book:steal_work]

// [book:run_task]
inline void Shared::run_task(Worker& w, Header* task) {
    if (w.searching) {
        w.searching = false;
        // The last searcher found work: wake another to keep looking, there
        // may be more where this came from.
        if (idle.transition_from_searching()) notify_parked();
    }
    w.lifo_polls = 0;
    try {
        task->vtable->poll(task);
        // The task it woke is in the LIFO slot: run it now, but not forever.
        while (Header* next = std::exchange(w.lifo, nullptr)) {
            if (w.lifo_polls >= max_lifo_polls) {
                push_back(w, next);  // fairness: to the back, behind everyone else
                notify_parked();
                break;
            }
            ++w.lifo_polls;
            next->vtable->poll(next);
        }
    } catch (const std::exception& e) {
        // poll catches what the future throws; this is a bug in the runtime
        // (or a TODO in the exercise): say so and keep the worker alive.
        std::fprintf(stderr, "ch07 worker: a task's poll threw: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "ch07 worker: a task's poll threw something that is not a std::exception\n");
    }
}
// [/book:run_task]

// [book:park]
inline void Shared::park(Worker& w) {
    fire_due_timers(w);
    if (w.lifo || !w.queue.is_empty()) return;  // the timers gave us work
    bool last_searcher = idle.transition_to_parked(w.index, w.searching);
    w.searching = false;
    // The last look: a task queued while we were deciding to sleep, by a
    // thread that saw us still awake, must not wait for the next wake.
    if (!inject.is_empty() || (last_searcher && work_visible())) notify_parked();
    std::optional<Parker::Clock::time_point> deadline = timer.start_driving(&w.parker);
    w.parker.park_until(deadline.value_or(Parker::Clock::time_point::max()));
    if (deadline) timer.stop_driving();
    w.searching = idle.transition_from_parked(w.index);
    fire_due_timers(w);
}
// [/book:park]

}  // namespace ch07
