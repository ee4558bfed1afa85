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
// The Parker is given (chapter 2).
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

#include "ch05_joinhandle/join_handle.hpp"
#include "ch05_joinhandle/scheduler.hpp"
#include "ch05_joinhandle/task.hpp"
#include "core/future.hpp"
#include "core/todo.hpp"
#include "core/waker.hpp"

namespace ch05 {

namespace detail {

// The runtime of this thread, like tokio's thread-local CONTEXT: set for the
// life of each worker thread and for the duration of block_on. A raw pointer
// is enough: it is only set while the Runtime that owns the scheduler is alive.
inline thread_local Scheduler* current = nullptr;

class CurrentGuard {
public:
    explicit CurrentGuard([[maybe_unused]] Scheduler* s) {
        core::todo("CurrentGuard in exercises/ch05_joinhandle/runtime.hpp: remember `current`, set it to s, "
                   "and restore the old value in the destructor");
    }
    CurrentGuard(const CurrentGuard&) = delete;
    CurrentGuard& operator=(const CurrentGuard&) = delete;

private:
    // TODO: Scheduler* previous_;
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
JoinHandle<core::OutputOf<F>> spawn_on([[maybe_unused]] Scheduler& scheduler, [[maybe_unused]] F future) {
    core::todo("spawn_on in exercises/ch05_joinhandle/runtime.hpp: make the slot and the Task "
               "(make_shared, scheduler.weak_from_this()), admit it (refused: std::logic_error "
               "\"... shutting down\"), return a JoinHandle(slot, weak task)");
}

}  // namespace detail

class Runtime {
public:
    explicit Runtime([[maybe_unused]] std::size_t workers = 1) : scheduler_(std::make_shared<Scheduler>()) {
        core::todo("Runtime::Runtime in exercises/ch05_joinhandle/runtime.hpp: std::invalid_argument for 0 "
                   "workers; start `workers` threads running worker_loop");
    }
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    ~Runtime() {
        // TODO: close the scheduler, join the workers, then shutdown() every
        // task take_live() hands back. (A destructor must not throw, so this
        // stub does nothing: the constructor never finishes anyway.)
    }

    template <core::Future F>
    JoinHandle<core::OutputOf<F>> spawn(F future) {
        return detail::spawn_on(*scheduler_, std::move(future));
    }

    template <core::Future F>
    core::OutputOf<F> block_on([[maybe_unused]] F future) {
        core::todo("Runtime::block_on in exercises/ch05_joinhandle/runtime.hpp: std::logic_error if "
                   "detail::current is set (\"... inside a runtime ...\"); set current with a CurrentGuard; "
                   "poll with a Parker's waker, park after each Pending, return the value");
    }

private:
    static void worker_loop([[maybe_unused]] Scheduler& scheduler) {
        // TODO: set `current` with a CurrentGuard; while pop() gives a task,
        // task->run() inside try/catch (print a std::exception on std::cerr).
    }

    std::shared_ptr<Scheduler> scheduler_;
    std::vector<std::thread> workers_;
};

template <core::Future F>
JoinHandle<core::OutputOf<F>> spawn([[maybe_unused]] F future) {
    core::todo("ch05::spawn in exercises/ch05_joinhandle/runtime.hpp: std::logic_error (\"... outside any "
               "runtime ...\") if detail::current is null, else spawn_on(*detail::current, future)");
}

}  // namespace ch05

