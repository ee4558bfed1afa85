// ch05_joinhandle/runtime.hpp: Runtime (workers + block_on) and ch05::spawn.
//
// Contract:
// - Runtime rt(workers) starts `workers` (>= 1) threads that poll tasks.
// - rt.spawn(fut) -> JoinHandle<Output> for any future (void too); the future
//   is moved in and starts at once on a worker.
// - ch05::spawn(fut) does the same on the runtime of the calling thread: a
//   worker of that runtime, or a thread inside its block_on. Elsewhere it
//   throws std::logic_error. Spawning on a runtime that is shutting down
//   throws std::logic_error too.
// - rt.block_on(fut) polls `fut` on the calling thread, parking between
//   wakes, while the workers run the tasks; it returns fut's value (or
//   throws what fut threw). It may be called again, and ch05::spawn works
//   inside it. Calling it from inside a runtime (a task, or another
//   block_on) is a std::logic_error: it would block a thread that others
//   are waiting on.
// - ~Runtime() stops the workers (each finishes the poll it is in), then
//   frees every task that has not finished: their futures' destructors run,
//   and their joins report Cancelled. Wakers kept past this point are inert.
//
// Rust counterpart: tokio::runtime::Runtime (multi-thread flavour) with
// Runtime::spawn, tokio::spawn and Runtime::block_on.
#pragma once

#include <cstddef>
#include <exception>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "ch05_joinhandle/join_handle.hpp"
#include "ch05_joinhandle/parker.hpp"
#include "ch05_joinhandle/scheduler.hpp"  // Scheduler, detail::current
#include "ch05_joinhandle/task.hpp"
#include "core/future.hpp"
#include "core/scope_exit.hpp"
#include "core/waker.hpp"

namespace ch05 {

namespace detail {

// [book:current_guard]
// Makes s this thread's runtime (detail::current, scheduler.hpp) for the
// guard's life, and puts back the one it replaced.
class CurrentGuard {
public:
    explicit CurrentGuard(Scheduler* s) : previous_(std::exchange(current, s)) {}
    ~CurrentGuard() { current = previous_; }
    CurrentGuard(const CurrentGuard&) = delete;
    CurrentGuard& operator=(const CurrentGuard&) = delete;

private:
    Scheduler* previous_;
};
// [/book:current_guard]

// [book:spawn_on]
template <core::Future F>
JoinHandle<core::OutputOf<F>> spawn_on(Scheduler& scheduler, F future) {
    using T = core::OutputOf<F>;
    auto slot = std::make_shared<JoinSlot<T>>();
    auto task = std::make_shared<Task<F>>(std::move(future), slot, scheduler.weak_from_this());
    std::weak_ptr<TaskBase> weak = task;
    if (!scheduler.admit(std::move(task)))
        throw std::logic_error("ch05: spawn on a runtime that is shutting down (its destructor has started)");
    return JoinHandle<T>(std::move(slot), std::move(weak));
}
// [/book:spawn_on]

}  // namespace detail

class Runtime {
public:
    explicit Runtime(std::size_t workers = 1) : scheduler_(std::make_shared<Scheduler>()) {
        if (workers == 0) throw std::invalid_argument("ch05::Runtime needs at least one worker");
        // If starting the k-th thread throws (std::system_error: no more
        // threads), the destructor will not run, and destroying a joinable
        // std::thread calls std::terminate. So stop the ones already started
        // before the exception leaves. (Not tested: as root, no limit makes
        // thread creation fail on demand without starving the machine.)
        core::ScopeExit stop_started([this] {
            scheduler_->close();
            for (auto& w : workers_) w.join();
        });
        workers_.reserve(workers);
        for (std::size_t i = 0; i < workers; ++i)
            workers_.emplace_back([s = scheduler_.get()] { worker_loop(*s); });
        stop_started.dismiss();
    }
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    // [book:shutdown]
    ~Runtime() {
        scheduler_->close();                        // refuse spawns and wakes
        for (auto& w : workers_) w.join();          // each ends its current poll
        for (auto& task : scheduler_->take_live())  // nobody runs a task now
            task->shutdown();                       // frees the future, reports Cancelled
    }
    // [/book:shutdown]

    template <core::Future F>
    JoinHandle<core::OutputOf<F>> spawn(F future) {
        return detail::spawn_on(*scheduler_, std::move(future));
    }

    // [book:block_on]
    template <core::Future F>
    core::OutputOf<F> block_on(F future) {
        if (detail::current)
            throw std::logic_error(
                "ch05::Runtime::block_on called from inside a runtime (a task or another block_on): "
                "it would block a thread the runtime needs; co_await the future instead");
        detail::CurrentGuard guard(scheduler_.get());  // ch05::spawn works inside
        auto parker = std::make_shared<detail::Parker>();
        core::Waker waker = core::Waker::from(parker);
        core::Context cx(waker);
        for (;;) {
            auto poll = future.poll(cx);
            if (poll.is_ready()) return poll.take();
            parker->park();  // the token makes a wake during the poll count
        }
    }
    // [/book:block_on]

private:
    static void worker_loop(Scheduler& scheduler) {
        detail::CurrentGuard guard(&scheduler);
        while (TaskRef task = scheduler.pop()) {
            try {
                task->run();
            } catch (const std::exception& e) {
                // run() catches what the future throws, so this is a bug in
                // the runtime itself (or a TODO in the exercise): say so and
                // keep the worker alive.
                std::cerr << "ch05 worker: a task's run() threw: " << e.what() << "\n";
            } catch (...) {
                // Anything else would leave the thread and end the process.
                std::cerr << "ch05 worker: a task's run() threw something that is not a std::exception\n";
            }
        }
    }

    std::shared_ptr<Scheduler> scheduler_;
    std::vector<std::thread> workers_;
};

// [book:spawn]
template <core::Future F>
JoinHandle<core::OutputOf<F>> spawn(F future) {
    if (!detail::current)
        throw std::logic_error(
            "ch05::spawn called outside any runtime: call it from a task or from inside "
            "Runtime::block_on, or use rt.spawn(fut)");
    return detail::spawn_on(*detail::current, std::move(future));
}
// [/book:spawn]

}  // namespace ch05
