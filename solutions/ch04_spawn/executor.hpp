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

namespace ch04 {

using TaskPtr = std::shared_ptr<Task>;

// [book:spawner]
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
    bool spawn(F future) const {
        if (!sender_) throw std::logic_error("ch04::Spawner::spawn on a moved-from Spawner");
        // The task gets its own Sender: while it lives, the channel stays
        // open, so run() cannot end under a task that is merely waiting.
        auto task = std::make_shared<Task>(core::BoxFuture<void>(std::move(future)), *sender_);
        return sender_->send(std::move(task));
    }

private:
    // Empty once moved from: the Sender went with the move, and with it
    // this spawner's share in keeping run() going.
    std::optional<Sender<TaskPtr>> sender_;
};
// [/book:spawner]

// [book:run]
class Executor {
public:
    explicit Executor(Receiver<TaskPtr> ready) : ready_(std::move(ready)) {}

    void run(unsigned workers = 1) {
        if (workers == 0) throw std::invalid_argument("ch04::Executor::run needs at least one worker");
        // A task calling run() would wait for every task to finish, its own
        // caller included: a certain deadlock. Refuse it (tokio panics too).
        if (current_ == this)
            throw std::logic_error("ch04::Executor::run called from inside one of its own tasks "
                                   "(nested run): it would wait forever for the task that called it; "
                                   "spawn the work instead");
        std::vector<std::thread> others;
        others.reserve(workers - 1);  // no reallocation (and no bad_alloc) between two starts
        // However this function ends, no started thread is left joinable: a
        // joinable std::thread that is destroyed calls std::terminate. If
        // starting the k-th worker throws (std::system_error: no resources
        // for one more thread), the k-1 already started are joined on the
        // way out (they leave, like any worker, once the work is done) and
        // the exception reaches the caller.
        core::ScopeExit join_started([&others] {
            for (auto& t : others) t.join();
        });
        for (unsigned i = 1; i < workers; ++i) others.emplace_back([this] { work(); });
        work();  // the calling thread is worker 0
    }

private:
    void work() {
        // "This thread works for me" while in here, for run()'s nested check.
        core::ScopeExit restore([outer = std::exchange(current_, this)] { current_ = outer; });
        // recv() returns empty exactly when every Sender is gone and the
        // channel is drained. Spawners hold Senders, and so does every
        // unfinished task: so "closed" means "no spawner, no live task".
        while (std::optional<TaskPtr> task = ready_.recv()) (*task)->run();
    }

    // Destroyed with the executor: the last Receiver takes the tasks still
    // queued with it, which breaks the task -> sender -> channel -> task cycle.
    Receiver<TaskPtr> ready_;
    // The executor whose work() loop this thread is in, if any. thread_local,
    // so no atomic: each worker only ever reads and writes its own.
    static inline thread_local const Executor* current_ = nullptr;
};
// [/book:run]

inline std::pair<Executor, Spawner> new_executor_and_spawner() {
    auto [sender, receiver] = channel<TaskPtr>();
    return {Executor(std::move(receiver)), Spawner(std::move(sender))};
}

}  // namespace ch04
