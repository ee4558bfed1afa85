// ch03/executor.hpp: many futures on one thread.
//
// Contract:
// - An Executor belongs to the thread that created it: spawn() and
//   block_on() must be called there (or, for spawn, from inside one of its
//   tasks, which run there too). Anything else throws std::logic_error.
// - spawn(fut) takes a future with Output void by value and queues it; it
//   first runs inside the next block_on.
// - block_on(fut) runs the given future and every spawned task, polling a
//   task only after it was woken, and returns fut's value once fut AND every
//   spawned task are done. While the queue is empty it sleeps.
// - An exception thrown by any task leaves through block_on; that task is
//   finished, and so is the future given to this block_on: it is destroyed
//   before block_on returns (it may borrow from the caller's frame), like
//   tokio's block_on, whose future is a local of the call. The spawned tasks
//   stay queued for the next block_on.
// - block_on called from inside one of this executor's tasks throws
//   std::logic_error: it would wait for the very task that called it.
// - A future whose destructor may throw is refused at compile time (the
//   requires clauses below): the executor destroys futures where an
//   exception has nowhere to go, so C++ would call std::terminate.
//
// Rust counterpart: the single-threaded executor of a "build your own
// block_on" tutorial; in tokio, a current_thread runtime (which also keeps
// spawned tasks running across block_on calls).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include "ch03_task_queue/ready_queue.hpp"
#include "ch03_task_queue/store_output.hpp"  // detail::StoreOutput, block_on's future as a task
#include "ch03_task_queue/task.hpp"
#include "core/future.hpp"
#include "core/scope_exit.hpp"  // core::ScopeExit: run code however a scope ends
#include "core/todo.hpp"

namespace ch03 {

class Executor {
public:
    Executor() = default;
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;

    template <core::Future F>
        requires std::is_void_v<core::OutputOf<F>> && std::is_nothrow_destructible_v<F>
    void spawn([[maybe_unused]] F future) {
        // A task is born with queued == true: how many queue entries should it get?
        core::todo("Executor::spawn: on the executor's thread only (else std::logic_error), turn the future "
                   "into a task that the next block_on runs and waits for; "
                   "see book/ch03_task_queue.md#the-executor");
    }

    template <core::Future F>
        requires std::is_nothrow_destructible_v<F>
    core::OutputOf<F> block_on([[maybe_unused]] F future) {
        // When is the executor done? What does a task's exception do to the
        // count, and to the future this call was given?
        core::todo("Executor::block_on: run the given future and every task until all are done, sleeping "
                   "while none is ready, and return the future's value; a task's exception leaves through "
                   "here and the given future is dropped before returning; a nested call (from one of its "
                   "own tasks) gets std::logic_error whose message must contain \"nested\", a call from "
                   "another thread gets std::logic_error; see book/ch03_task_queue.md#the-executor");
    }

private:
    void check_thread(const char* what) const {
        if (std::this_thread::get_id() != thread_)
            throw std::logic_error(std::string("ch03::Executor::") + what +
                                   " called from a thread that is not the executor's own; "
                                   "ch03 is single-threaded (chapter 4's Spawner works from any thread)");
    }

    // Owned here; tasks only hold it weakly, so destroying the executor frees
    // the queue and every task in it even while wakers are still around.
    std::shared_ptr<ReadyQueue> queue_ = std::make_shared<ReadyQueue>();
    std::thread::id thread_ = std::this_thread::get_id();
    [[maybe_unused]] std::size_t unfinished_ = 0;  // executor thread only: no atomic needed
    [[maybe_unused]] bool in_block_on_ = false;    // likewise
};

}  // namespace ch03
