// ch07_work_stealing/shared_class.hpp: Worker, the Shared class (the runtime's state), and the parts of
// the worker loop you do not write (given): run_worker, next_task, take_from_inject, work_visible,
// fire_due_timers, close, shutdown_tasks. Yours, in scheduler.hpp: schedule_local, steal_work,
// run_task, park. The contract of the whole is at the top of scheduler.hpp.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <utility>
#include <vector>

#include "ch07_work_stealing/idle.hpp"
#include "ch07_work_stealing/inject.hpp"
#include "ch07_work_stealing/live_list.hpp"
#include "ch07_work_stealing/local_queue.hpp"
#include "ch07_work_stealing/parker.hpp"
#include "ch07_work_stealing/task.hpp"
#include "ch07_work_stealing/timer.hpp"
#include "core/block_pool.hpp"

namespace ch07 {

struct Worker {
    explicit Worker(std::size_t i) : index(i), rng(std::uint32_t(i) * 2654435761u + 1) {}
    LocalQueue queue;
    Parker parker;
    Header* lifo = nullptr;  // touched only by this worker's thread (and the shutdown, after the join)
    std::size_t index;
    bool searching = false;
    std::uint32_t tick = 0;
    std::uint32_t lifo_polls = 0;
    std::uint32_t rng;
    long task_refs = 0;            // this worker's share of the tasks' references to Shared (see retain_for_task)
    std::vector<core::Waker> due;  // reused by fire_due_timers

    std::uint32_t next_random() {  // xorshift: picks where to start stealing
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        return rng;
    }
};

namespace detail {
// [book:current]
// The runtime of this thread (a worker, or a thread inside block_on), and,
// on a worker, the worker itself: schedule() looks here to decide between
// the local queue and the injection queue.
inline thread_local Shared* current_shared = nullptr;
inline thread_local Worker* current_worker = nullptr;
// [/book:current]

// A seam for the tests, null otherwise: when set on a thread, schedule()
// calls it there between a push onto the injection queue and the wake of a
// sleeping worker. In that window the waking thread still uses the runtime
// while a shutdown may drain the queue; a test holds it open. Costs one
// thread-local load on the path from outside the workers, none on a worker.
inline thread_local void (*on_remote_push)(Header* task) = nullptr;
}  // namespace detail

class Shared {
public:
    static constexpr std::uint32_t max_lifo_polls = 3;           // tokio: MAX_LIFO_POLLS_PER_TICK
    static constexpr std::uint32_t global_queue_interval = 31;  // tokio's default before it self-tunes
    static constexpr std::uint32_t timer_interval = 61;         // tokio: event_interval

    explicit Shared(std::size_t workers) : idle(workers) {
        for (std::size_t i = 0; i < workers; ++i) workers_.push_back(std::make_unique<Worker>(i));
    }
    Shared(const Shared&) = delete;
    Shared& operator=(const Shared&) = delete;

    void retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() {
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }

    // A task's reference, made or dropped on one of this runtime's workers
    // (nearly always), is counted in that worker's task_refs, a plain
    // integer: two atomic RMWs fewer per task. Anywhere else it is counted
    // in refs_. A worker's count may go negative (a task spawned from
    // outside, freed on a worker): while the workers run, refs_ holds a
    // reserve that keeps it above zero, and fold_worker_counts() (after the
    // workers are joined) swaps the reserve for the workers' counts.
    void retain_for_task() {
        if (Worker* w = this_worker()) return void(++w->task_refs);
        retain();
    }
    void release_for_task() {
        if (Worker* w = this_worker()) return void(--w->task_refs);
        release();  // cannot reach zero while the reserve is in
    }
    void fold_worker_counts() {
        long sum = 0;
        for (auto& w : workers_) sum += std::exchange(w->task_refs, 0);
        refs_.fetch_add(sum - reserve, std::memory_order_relaxed);  // the Runtime's reference still keeps it above 0
    }

    // [book:schedule]
    void schedule(Header* task, bool yield_now) {
        Worker* w = detail::current_worker;
        if (w && detail::current_shared == this) return schedule_local(*w, task, yield_now);
        if (!inject.push(task)) return task->drop_ref();  // closed: the shutdown frees it
        if (detail::on_remote_push) detail::on_remote_push(task);  // tests only: the window stays open
        notify_parked();
    }
    // [/book:schedule]

    // [book:spawn_task]
    // A new task's first queue entry. False if the runtime is shutting down:
    // nobody else has seen the task, the caller frees it. A task accepted
    // here is either run or found by shutdown_tasks in a queue.
    bool spawn_task(Header* task) {
        Worker* w = detail::current_worker;
        if (w && detail::current_shared == this) {
            if (closed_.load(std::memory_order_acquire)) return false;
            schedule_local(*w, task, /*yield_now=*/false);
            return true;
        }
        if (!inject.push(task)) return false;
        notify_parked();
        return true;
    }
    // [/book:spawn_task]

    void run_worker(std::size_t index);
    void close();
    void shutdown_tasks();

    std::size_t num_workers() const { return workers_.size(); }
    Worker& worker(std::size_t i) { return *workers_[i]; }

    LiveTasks live;
    InjectQueue inject;
    Idle idle;
    Timer timer;

private:
    ~Shared() = default;  // only release() deletes

    void schedule_local(Worker& w, Header* task, bool yield_now);
    void push_back(Worker& w, Header* task) {
        w.queue.push(task, [&](Header* const* tasks, std::size_t n) { inject.push_batch(tasks, n); });
    }
    Header* next_task(Worker& w);
    Header* take_from_inject(Worker& w, std::size_t max = LocalQueue::capacity / 2);
    Header* steal_work(Worker& w);
    void run_task(Worker& w, Header* task);
    void park(Worker& w);
    bool work_visible() const;
    void notify_parked() {
        if (auto i = idle.worker_to_notify()) workers_[*i]->parker.unpark();
    }
    void fire_due_timers(Worker& w);

    std::vector<std::unique_ptr<Worker>> workers_;
    std::atomic<bool> closed_{false};
    static constexpr long reserve = 1L << 40;             // see retain_for_task
    alignas(64) std::atomic<long> refs_{1 + reserve};  // the Runtime's, and the reserve
    Worker* this_worker() const {
        Worker* w = detail::current_worker;
        return w && detail::current_shared == this ? w : nullptr;
    }
};

// [book:run_worker]
inline void Shared::run_worker(std::size_t index) {
    Worker& w = *workers_[index];
    detail::current_shared = this;
    detail::current_worker = &w;
    core::pool::FramesFromPool frames;  // coroutines made here get their frames from this thread's pool
    try {
        while (!closed_.load(std::memory_order_acquire)) {
            ++w.tick;
            if (w.tick % timer_interval == 0) fire_due_timers(w);
            Header* task = next_task(w);
            if (!task) task = steal_work(w);
            if (task) {
                run_task(w, task);
                continue;
            }
            park(w);
        }
    } catch (const std::exception& e) {
        // Only a bug in the runtime gets here (or a TODO in the exercise):
        // say so; this worker stops, the others and the destructor go on.
        std::fprintf(stderr, "ch07 worker %zu stopped: %s\n", index, e.what());
    }
    if (w.searching) {
        w.searching = false;
        idle.transition_from_searching();
    }
    detail::current_worker = nullptr;
    detail::current_shared = nullptr;
}
// [/book:run_worker]

inline Header* Shared::next_task(Worker& w) {
    if (w.tick % global_queue_interval == 0) {  // now and then ONE task from the injection queue first: fairness
        if (Header* t = take_from_inject(w, 1)) return t;
    }
    if (Header* t = std::exchange(w.lifo, nullptr)) return t;
    if (Header* t = w.queue.pop()) return t;
    return take_from_inject(w);
}

// A batch (our share, at most what fits without overflowing back), or `max`.
inline Header* Shared::take_from_inject(Worker& w, std::size_t max) {
    if (inject.is_empty()) return nullptr;
    std::size_t room = LocalQueue::capacity - std::min<std::size_t>(w.queue.len(), LocalQueue::capacity);
    std::size_t n = std::min<std::size_t>({inject.len() / workers_.size() + 1, room / 2 + 1, max});
    Header* first = nullptr;
    inject.pop_batch(n, [&](Header* t) {
        if (!first) {
            first = t;
        } else {
            push_back(w, t);
        }
    });
    return first;
}

inline bool Shared::work_visible() const {
    if (!inject.is_empty()) return true;
    for (const auto& other : workers_)
        if (!other->queue.is_empty()) return true;
    return false;
}

inline void Shared::fire_due_timers(Worker& w) {
    auto now = Timer::Clock::now();
    if (!timer.maybe_due(now)) return;
    timer.take_due(now, w.due);
    for (auto& waker : w.due) waker.wake_and_release();  // into this worker's queue
    w.due.clear();
}

// [book:close]
inline void Shared::close() {
    closed_.store(true, std::memory_order_release);
    inject.close();
    live.close();
    for (auto& w : workers_) w->parker.unpark();
}

inline void Shared::shutdown_tasks() {
    // 1. Every listed task (every one that ever waited): free its future,
    //    report Cancelled. (No worker runs now.)
    for (Header* t : live.close_and_take()) t->vtable->shutdown(t);
    // 2. Queue entries hold a reference each. A task queued but never listed
    //    (it never waited: spawned, not yet run) is still unfinished; its
    //    list reference was counted at spawn, so shut it down as if listed.
    auto drop_queued = [](Header* t) {
        if (!t->listed) t->vtable->shutdown(t);
        t->drop_ref();
    };
    for (auto& w : workers_) {
        if (Header* t = std::exchange(w->lifo, nullptr)) drop_queued(t);
        while (Header* t = w->queue.pop()) drop_queued(t);
    }
    for (Header* t : inject.drain()) drop_queued(t);
}
// [/book:close]

namespace detail {
inline void schedule(Shared& shared, Header* task, bool yield_now) { shared.schedule(task, yield_now); }
inline bool list_waiting_task(Shared& shared, Header* task) { return shared.live.insert(task); }
inline void remove_from_live_list(Shared& shared, Header* task) { shared.live.remove(task); }
inline void retain(Shared& shared) { shared.retain(); }
inline void release(Shared& shared) { shared.release(); }
inline void retain_for_task(Shared& shared) { shared.retain_for_task(); }
inline void release_for_task(Shared& shared) { shared.release_for_task(); }
}  // namespace detail

}  // namespace ch07
