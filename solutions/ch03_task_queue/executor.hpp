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
#include "core/scope_exit.hpp"

namespace ch03 {

class Executor {
public:
    Executor() = default;
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;

    // [book:spawn]
    template <core::Future F>
        requires std::is_void_v<core::OutputOf<F>> && std::is_nothrow_destructible_v<F>
    void spawn(F future) {
        check_thread("spawn");
        start(core::BoxFuture<void>(std::move(future)));
    }
    // [/book:spawn]

    // [book:block_on]
    template <core::Future F>
        requires std::is_nothrow_destructible_v<F>
    core::OutputOf<F> block_on(F future) {
        check_thread("block_on");
        // A task that calls block_on is inside the outer loop's poll: the
        // inner loop would wait for that task to finish, which it cannot do
        // while it waits. Refuse it rather than hang (tokio panics the same way).
        if (in_block_on_)
            throw std::logic_error("ch03::Executor::block_on called from inside one of its own tasks "
                                   "(nested block_on): it would wait forever for the task that called it; "
                                   "co_await the future, or spawn it");
        in_block_on_ = true;
        core::ScopeExit leave([this] { in_block_on_ = false; });  // also when a task throws

        // The given future runs as one more task, wrapped so its value lands
        // in `slot`. We keep the task: see `drop_main` below.
        using T = core::OutputOf<F>;
        using Slot = std::conditional_t<std::is_void_v<T>, bool, std::optional<T>>;
        auto slot = std::make_shared<Slot>();
        std::shared_ptr<Task> main = start(detail::StoreOutput<F>(std::move(future), slot));
        // Unlike a spawned future, this one may borrow from the caller's
        // frame. If a task's exception leaves through here before it is
        // done, it must not stay queued for the next block_on: drop it now,
        // as tokio's block_on does (its future is a local of the call).
        core::ScopeExit drop_main([this, &main] {
            if (main->drop_future()) --unfinished_;  // false: it finished
        });

        // Sleep in pop() until a wake queues something; poll it; repeat
        // until nothing unfinished is left.
        while (unfinished_ > 0) {
            std::shared_ptr<Task> task = queue_->pop();
            try {
                // A stale entry of a finished task answers false: not counted twice.
                if (task->poll_once()) --unfinished_;
            } catch (...) {
                --unfinished_;  // a task that threw is finished too
                throw;
            }
        }
        if constexpr (!std::is_void_v<T>) return std::move(**slot);
    }
    // [/book:block_on]

private:
    // [book:start]
    // Makes the task, counts it as unfinished and queues it. No notify: this
    // is the executor's own thread, which looks at the queue before it sleeps.
    std::shared_ptr<Task> start(core::BoxFuture<void> future) {
        auto task = std::make_shared<Task>(std::move(future), queue_, thread_);
        ++unfinished_;
        queue_->push(task, false);  // born with queued == true: this is its one entry
        return task;
    }
    // [/book:start]

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
    std::size_t unfinished_ = 0;  // executor thread only: no atomic needed
    bool in_block_on_ = false;    // likewise
};

}  // namespace ch03
