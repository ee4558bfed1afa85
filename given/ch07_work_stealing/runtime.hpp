// ch07_work_stealing/runtime.hpp: Runtime (workers + block_on) and ch07::spawn.
//
// Contract (chapter 5's API and behaviour):
// - Runtime rt(workers) starts `workers` (>= 1) threads. If starting one
//   fails, the ones already started are stopped and joined, and the error
//   is rethrown.
// - rt.spawn(fut) -> JoinHandle<Output>: the future is moved into a new task
//   (one allocation) and queued at once. ch07::spawn(fut) does the same on
//   the runtime of the calling thread (a worker, or inside block_on), else
//   throws std::logic_error; so does spawning on a runtime shutting down.
// - rt.block_on(fut) polls fut on the calling thread, parking between wakes,
//   and returns its value (or throws what it threw); it may be called
//   again; from inside a runtime it is a std::logic_error.
// - ~Runtime() stops the workers (each finishes the poll it is in), joins
//   them, then frees every task that has not finished (their joins report
//   Cancelled). Wakers and handles kept past this point are inert.
//
// Rust counterpart: tokio::runtime::Runtime (multi-thread flavour), tokio::spawn.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "ch07_work_stealing/join_handle.hpp"
#include "ch07_work_stealing/scheduler.hpp"
#include "ch07_work_stealing/task.hpp"
#include "core/future.hpp"
#include "core/waker.hpp"

namespace ch07 {

namespace detail {

class EnterRuntime {
public:
    explicit EnterRuntime(Shared* s) : previous_(std::exchange(current_shared, s)) {}
    ~EnterRuntime() { current_shared = previous_; }
    EnterRuntime(const EnterRuntime&) = delete;
    EnterRuntime& operator=(const EnterRuntime&) = delete;

private:
    Shared* previous_;
};

// block_on's waker: chapter 2's parker behind a shared_ptr (a waker copy may
// outlive this block_on; a stale wake only costs one extra poll).
class BlockOnParker : public core::Wake {
public:
    void wake() override { parker_.unpark(); }
    void park() { parker_.park_until(Parker::Clock::time_point::max()); }

private:
    Parker parker_;
};

// [book:spawn_on]
template <core::Future F>
JoinHandle<core::OutputOf<F>> spawn_on(Shared& shared, F future) {
    auto* cell = new Cell<F>(std::move(future), &shared);  // the one allocation
    if (!shared.spawn_task(cell)) {
        Cell<F>::vtable.dealloc(cell);  // never seen by anyone: free it directly
        throw std::logic_error("ch07: spawn on a runtime that is shutting down (its destructor has started)");
    }
    // The handle's reference was counted in the task's first state, so the
    // block is alive here even if a worker already ran the task to the end.
    return JoinHandle<core::OutputOf<F>>(cell);
}
// [/book:spawn_on]

}  // namespace detail

class Runtime {
public:
    explicit Runtime(std::size_t workers = 1) {
        if (workers == 0) throw std::invalid_argument("ch07::Runtime needs at least one worker");
        shared_ = new Shared(workers);
        try {
            for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([s = shared_, i] { s->run_worker(i); });
        } catch (...) {
            stop();  // the workers already started must not outlive a half-built runtime
            throw;
        }
    }
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;
    ~Runtime() { stop(); }

    template <core::Future F>
    JoinHandle<core::OutputOf<F>> spawn(F future) {
        return detail::spawn_on(*shared_, std::move(future));
    }

    // [book:block_on]
    template <core::Future F>
    core::OutputOf<F> block_on(F future) {
        if (detail::current_shared)
            throw std::logic_error(
                "ch07::Runtime::block_on called from inside a runtime (a task or another block_on): "
                "it would block a thread the runtime needs; co_await the future instead");
        detail::EnterRuntime enter(shared_);
        auto parker = std::make_shared<detail::BlockOnParker>();
        core::Waker waker = core::Waker::from(parker);
        core::Context cx(waker);
        for (;;) {
            auto poll = future.poll(cx);
            if (poll.is_ready()) return poll.take();
            parker->park();
        }
    }
    // [/book:block_on]

    std::size_t workers() const { return threads_.size(); }

    // A snapshot for tests, the demo and the benchmarks (tokio has
    // RuntimeMetrics): how many workers are searching, awake, and how much
    // waits in the injection queue and the timer.
    struct Metrics {
        std::size_t workers, searching, unparked, injected, timers;
    };
    Metrics metrics() const {
        return {threads_.size(), shared_->idle.num_searching(), shared_->idle.num_unparked(), shared_->inject.len(),
                shared_->timer.pending()};
    }

private:
    // [book:stop]
    void stop() {
        shared_->close();                          // refuse spawns, wake every worker
        for (auto& t : threads_) t.join();         // each ends the poll it is in
        shared_->fold_worker_counts();             // the tasks' references counted on the workers
        try {
            shared_->shutdown_tasks();             // nobody runs a task now
        } catch (const std::exception& e) {        // a bug (or a TODO): report it, never terminate
            std::fprintf(stderr, "ch07::Runtime shutdown: %s\n", e.what());
        }
        shared_->release();                        // tasks and wakers may keep it a while
    }
    // [/book:stop]

    Shared* shared_;
    std::vector<std::thread> threads_;
};

// [book:spawn]
template <core::Future F>
JoinHandle<core::OutputOf<F>> spawn(F future) {
    if (!detail::current_shared)
        throw std::logic_error(
            "ch07::spawn called outside any runtime: call it from a task or from inside "
            "Runtime::block_on, or use rt.spawn(fut)");
    return detail::spawn_on(*detail::current_shared, std::move(future));
}
// [/book:spawn]

}  // namespace ch07
