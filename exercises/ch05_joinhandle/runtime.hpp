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
// EXERCISE (step 4, with join_handle.hpp): CurrentGuard, spawn_on, the
// Runtime (constructor, destructor, block_on, worker_loop) and ch05::spawn.
// Given: the Parker (parker.hpp, chapter 2's) and the thread-local
// detail::current (scheduler.hpp).
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
#include "core/todo.hpp"
#include "core/waker.hpp"

namespace ch05 {

namespace detail {

// Makes s this thread's runtime (detail::current, scheduler.hpp) for the
// guard's life.
class CurrentGuard {
public:
    explicit CurrentGuard([[maybe_unused]] Scheduler* s) {
        core::todo("CurrentGuard: make s this thread's runtime for the guard's life, and leave the thread "
                   "as it found it; see book/ch05_joinhandle.md#finding-the-runtime-and-block_on");
    }
    CurrentGuard(const CurrentGuard&) = delete;
    CurrentGuard& operator=(const CurrentGuard&) = delete;

private:
    // TODO: what must the destructor know?
};

template <core::Future F>
JoinHandle<core::OutputOf<F>> spawn_on([[maybe_unused]] Scheduler& scheduler, [[maybe_unused]] F future) {
    core::todo("spawn_on: a new task on this scheduler and the handle to its result; a scheduler that "
               "is shutting down refuses it (std::logic_error \"shutting down\"); see book/ch05_joinhandle.md#finding-the-runtime-and-block_on");
}

}  // namespace detail

class Runtime {
public:
    explicit Runtime([[maybe_unused]] std::size_t workers = 1) : scheduler_(std::make_shared<Scheduler>()) {
        core::todo("Runtime::Runtime: `workers` (>= 1, else std::invalid_argument) threads that poll tasks; "
                   "if starting one fails, the ones started must not be left joinable; see book/ch05_joinhandle.md#finding-the-runtime-and-block_on");
    }
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    ~Runtime() {
        // TODO: stop the workers and free every task that never finished.
        // In which order, when a worker may be inside a poll right now?
        // (A destructor must not throw, so this stub does nothing: the
        // constructor never finishes anyway.)
    }

    template <core::Future F>
    JoinHandle<core::OutputOf<F>> spawn(F future) {
        return detail::spawn_on(*scheduler_, std::move(future));
    }

    template <core::Future F>
    core::OutputOf<F> block_on([[maybe_unused]] F future) {
        core::todo("Runtime::block_on: drive fut on this thread until Ready, sleeping between wakes, with "
                   "ch05::spawn working inside; from inside a runtime it is a std::logic_error "
                   "(\"inside a runtime\"); see book/ch05_joinhandle.md#finding-the-runtime-and-block_on");
    }

private:
    static void worker_loop([[maybe_unused]] Scheduler& scheduler) {
        // TODO: run tasks until the scheduler closes. What if run() throws,
        // and what if what it throws is not a std::exception?
    }

    std::shared_ptr<Scheduler> scheduler_;
    std::vector<std::thread> workers_;
};

template <core::Future F>
JoinHandle<core::OutputOf<F>> spawn([[maybe_unused]] F future) {
    core::todo("ch05::spawn: spawn on the runtime of the calling thread; outside any runtime it is a "
               "std::logic_error (\"outside\"); see book/ch05_joinhandle.md#finding-the-runtime-and-block_on");
}

}  // namespace ch05

