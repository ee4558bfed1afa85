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
        // TODO: refuse a moved-from spawner (std::logic_error mentioning
        // "moved-from"); make a Task with the future and a COPY of our
        // Sender; send it; return what send returned.
        core::todo("Spawner::spawn in exercises/ch04_spawn/executor.hpp: "
                   "make_shared<Task>(BoxFuture, *sender_), then sender_->send(task)");
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
        // TODO: refuse 0 workers (std::invalid_argument) and a nested call
        // (current_ == this: std::logic_error mentioning "nested"); start
        // workers - 1 threads running work(), run work() here too, join them.
        core::todo("Executor::run in exercises/ch04_spawn/executor.hpp: "
                   "workers - 1 threads plus this one, each looping recv() -> task->run()");
    }

private:
    void work() {
        // TODO: set current_ = this for the duration (restore the old value
        // on the way out); while recv() gives a task, run it. recv() comes
        // back empty when every Sender (spawners AND unfinished tasks) is gone.
        core::todo("Executor::work in exercises/ch04_spawn/executor.hpp: "
                   "while (auto task = ready_.recv()) (*task)->run();");
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
