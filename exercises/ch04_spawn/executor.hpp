// ch04/executor.hpp: the executor and its spawners part ways over a channel.
//
// Contract:
// - `auto [executor, spawner] = ch04::new_executor_and_spawner();`
// - Spawner is copyable; spawn(fut) (Output void, taken by value) works from
//   any thread, also from inside a running task. It returns false if the
//   executor is gone. A moved-from Spawner must not spawn (std::logic_error).
// - executor.run(workers = 1) polls tasks on exactly `workers` threads (the
//   calling thread is one of them) and returns once every Spawner is gone
//   (destroyed or moved from) AND every task has finished.
// - No task is ever polled by two threads at once (see task.hpp).
// - A task that throws is reported once on stderr; the others go on.
// - Destroying the executor frees the tasks still waiting in its channel.
// - If a worker thread cannot be started (std::system_error from
//   std::thread), run() joins the workers it did start (they stop once the
//   work is done) and rethrows: never std::terminate for a joinable thread.
// - run() called from inside one of its own tasks throws std::logic_error
//   (it would wait for the task that called it, forever). A future whose
//   destructor may throw is refused at compile time by spawn's requires
//   clause: a worker destroys futures where an exception has nowhere to go.
//
// Rust counterpart: the async book's `new_executor_and_spawner()` with its
// `Executor { ready_queue: Receiver<Arc<Task>> }` and
// `Spawner { task_sender: SyncSender<Arc<Task>> }`, on several threads.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "ch04_spawn/channel.hpp"
#include "ch04_spawn/task.hpp"
#include "core/future.hpp"
#include "core/scope_exit.hpp"
#include "core/todo.hpp"

namespace ch04 {

using TaskPtr = std::shared_ptr<Task>;
class Spawner {
public:
    explicit Spawner(Sender<TaskPtr> sender) : sender_(std::move(sender)) {}
    Spawner(const Spawner&) = default;
    Spawner(Spawner&& other) noexcept : sender_(std::exchange(other.sender_, std::nullopt)) {}
    Spawner& operator=(Spawner other) noexcept {  // copy or move, then swap
        std::swap(sender_, other.sender_);
        return *this;
    }

    template <core::Future F>
        requires std::is_void_v<core::OutputOf<F>> && std::is_nothrow_destructible_v<F>
    bool spawn([[maybe_unused]] F future) const {
        // TODO: what keeps run() going while this task merely waits for a
        // wake? And what should a moved-from Spawner do when asked to spawn?
        core::todo("Spawner::spawn: wrap the future in a new task and hand it to the executor; "
                   "false if the executor is gone, std::logic_error (\"moved-from\") on a "
                   "moved-from Spawner; see book/ch04_spawn.md#the-spawner-and-the-executor");
    }

private:
    // Empty once moved from: the Sender went with the move, and with it
    // this spawner's share in keeping run() going.
    std::optional<Sender<TaskPtr>> sender_;
};
class Executor {
public:
    explicit Executor(Receiver<TaskPtr> ready) : ready_(std::move(ready)) {}

    void run([[maybe_unused]] unsigned workers = 1) {
        // TODO: how many threads, counting this one? What if starting one
        // of them throws after others have started (a joinable std::thread
        // must never be destroyed)? What if a task of this executor calls
        // run()?
        core::todo("Executor::run: poll tasks on exactly `workers` threads (the caller is one) "
                   "until every spawner and every task is gone; refuse 0 workers "
                   "(std::invalid_argument) and a nested run (std::logic_error, \"nested\"); "
                   "see book/ch04_spawn.md#the-spawner-and-the-executor");
    }

private:
    void work() {
        // TODO: one worker's loop. When is the work over, and how does this
        // thread learn it? How does run() know, later, that this thread
        // works for this executor?
        core::todo("Executor::work: one worker's loop: take tasks from the channel and run them "
                   "until the channel says there will be no more; "
                   "see book/ch04_spawn.md#how-shutdown-is-decided");
    }

    // Destroyed with the executor: the last Receiver takes the tasks still
    // queued with it, which breaks the task -> sender -> channel -> task cycle.
    Receiver<TaskPtr> ready_;
    // The executor whose work() loop this thread is in, if any.
    static inline thread_local const Executor* current_ = nullptr;
};

inline std::pair<Executor, Spawner> new_executor_and_spawner() {
    auto [sender, receiver] = channel<TaskPtr>();
    return {Executor(std::move(receiver)), Spawner(std::move(sender))};
}

}  // namespace ch04
