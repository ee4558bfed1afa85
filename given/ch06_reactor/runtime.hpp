// ch06_reactor/runtime.hpp: Runtime (workers + reactor + block_on) and ch06::spawn
// (given: chapter 5's runtime with a reactor beside its workers).
//
// Contract:
// - Runtime rt(workers) starts a Reactor (its own thread) and `workers`
//   (>= 1) threads that poll tasks. Workers and block_on enter the reactor,
//   so sockets and ch06::sleep_for made in a task use it.
// - rt.spawn(fut) -> JoinHandle<Output> for any future (void too); the future
//   is moved in and starts at once on a worker.
// - ch06::spawn(fut) does the same on the runtime of the calling thread: a
//   worker of that runtime, or a thread inside its block_on. Elsewhere it
//   throws std::logic_error. Spawning on a runtime that is shutting down
//   throws std::logic_error too.
// - rt.block_on(fut) polls `fut` on the calling thread, parking between
//   wakes, while the workers run the tasks; it returns fut's value (or
//   throws what fut threw). It may be called again, and ch06::spawn works
//   inside it. Calling it from inside a runtime (a task, or another
//   block_on) is a std::logic_error: it would block a thread that others
//   are waiting on.
// - ~Runtime() stops the workers (each finishes the poll it is in), then
//   frees every task that has not finished: their futures' destructors run
//   (their sockets deregister), and their joins report Cancelled. Wakers kept
//   past this point are inert. The reactor goes last, once nothing uses it.
// - If a worker thread cannot be started, the constructor stops the ones it
//   started and rethrows (std::system_error).
//
// Chapter 5's fixes are in: a dropped JoinHandle's output is destroyed at
// once, a worker survives any exception (catch (...)), and a failed worker
// start does not std::terminate.
//
// Rust counterpart: tokio::runtime::Runtime (multi-thread flavour) with
// Runtime::spawn, tokio::spawn and Runtime::block_on.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <iostream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "ch06_reactor/join_handle.hpp"
#include "ch06_reactor/reactor.hpp"
#include "ch06_reactor/scheduler.hpp"
#include "ch06_reactor/task.hpp"
#include "core/future.hpp"
#include "core/waker.hpp"

namespace ch06 {

namespace detail {

// The runtime of this thread, like tokio's thread-local CONTEXT: set for the
// life of each worker thread and for the duration of block_on. A raw pointer
// is enough: it is only set while the Runtime that owns the scheduler is alive.
inline thread_local Scheduler* current = nullptr;

class CurrentGuard {
public:
    explicit CurrentGuard(Scheduler* s) : previous_(std::exchange(current, s)) {}
    ~CurrentGuard() { current = previous_; }
    CurrentGuard(const CurrentGuard&) = delete;
    CurrentGuard& operator=(const CurrentGuard&) = delete;

private:
    Scheduler* previous_;
};

// block_on's waker: a parker with a token, so an unpark that comes before
// the park is not lost (chapter 2).
class Parker : public core::Wake {
public:
    void wake() override {
        {
            std::lock_guard lock(mutex_);
            token_ = true;
        }
        cv_.notify_one();
    }
    void park() {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return token_; });
        token_ = false;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool token_ = false;
};

template <core::Future F>
JoinHandle<core::OutputOf<F>> spawn_on(Scheduler& scheduler, F future) {
    using T = core::OutputOf<F>;
    auto slot = std::make_shared<JoinSlot<T>>();
    auto task = std::make_shared<Task<F>>(std::move(future), slot, scheduler.weak_from_this());
    std::weak_ptr<TaskBase> weak = task;
    if (!scheduler.admit(std::move(task)))
        throw std::logic_error("ch06: spawn on a runtime that is shutting down (its destructor has started)");
    return JoinHandle<T>(std::move(slot), std::move(weak));
}

}  // namespace detail

class Runtime {
public:
    explicit Runtime(std::size_t workers = 1)
        : scheduler_(std::make_shared<Scheduler>()), reactor_(Reactor::start()) {
        if (workers == 0) throw std::invalid_argument("ch06::Runtime needs at least one worker");
        try {
            for (std::size_t i = 0; i < workers; ++i)
                workers_.emplace_back([s = scheduler_.get(), r = reactor_.get()] { worker_loop(*s, *r); });
        } catch (...) {
            // No destructor runs for a half-built object: stop what started.
            scheduler_->close();
            for (auto& w : workers_) w.join();
            throw;
        }
    }
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    ~Runtime() {
        scheduler_->close();                        // refuse spawns and wakes
        for (auto& w : workers_) w.join();          // each ends its current poll
        for (auto& task : scheduler_->take_live())  // nobody runs a task now
            task->shutdown();                       // frees the future, reports Cancelled
    }  // then reactor_ goes, once the last socket or sleep that uses it is gone

    // The reactor this runtime's tasks use (for tests and the demo).
    Reactor& reactor() { return *reactor_; }

    template <core::Future F>
    JoinHandle<core::OutputOf<F>> spawn(F future) {
        return detail::spawn_on(*scheduler_, std::move(future));
    }

    template <core::Future F>
    core::OutputOf<F> block_on(F future) {
        if (detail::current)
            throw std::logic_error(
                "ch06::Runtime::block_on called from inside a runtime (a task or another block_on): "
                "it would block a thread the runtime needs; co_await the future instead");
        detail::CurrentGuard guard(scheduler_.get());  // ch06::spawn works inside
        Reactor::Enter enter(*reactor_);               // and sockets, and sleeps
        auto parker = std::make_shared<detail::Parker>();
        core::Waker waker = core::Waker::from(parker);
        core::Context cx(waker);
        for (;;) {
            auto poll = future.poll(cx);
            if (poll.is_ready()) return poll.take();
            parker->park();  // the token makes a wake during the poll count
        }
    }

private:
    static void worker_loop(Scheduler& scheduler, Reactor& reactor) {
        detail::CurrentGuard guard(&scheduler);
        Reactor::Enter enter(reactor);
        while (TaskRef task = scheduler.pop()) {
            try {
                task->run();
            } catch (const std::exception& e) {
                // run() catches what the future throws, so this is a bug in
                // the runtime itself (or a TODO in the exercise): say so and
                // keep the worker alive.
                std::cerr << "ch06 worker: a task's run() threw: " << e.what() << "\n";
            } catch (...) {
                std::cerr << "ch06 worker: a task's run() threw something that is not a std::exception\n";
            }
        }
    }

    std::shared_ptr<Scheduler> scheduler_;
    std::shared_ptr<Reactor> reactor_;  // after scheduler_: built before the workers start
    std::vector<std::thread> workers_;
};

template <core::Future F>
JoinHandle<core::OutputOf<F>> spawn(F future) {
    if (!detail::current)
        throw std::logic_error(
            "ch06::spawn called outside any runtime: call it from a task or from inside "
            "Runtime::block_on, or use rt.spawn(fut)");
    return detail::spawn_on(*detail::current, std::move(future));
}

}  // namespace ch06
