// ch05_joinhandle/task.hpp: TaskBase and Task<F>, a spawned future with its state and its slot.
//
// Contract:
// - A Task owns its future until the future is finished, and then frees it
//   at once (not when the last waker goes): whatever the future holds
//   (sockets, timers, other handles) is released as early as possible.
// - The task is its own waker (TaskBase is a core::Wake). wake() consults the
//   TaskState and queues the task only when the state says so. A waker kept
//   after the task finished, or after its runtime is gone, does nothing: the
//   state is complete, and the task holds its scheduler weakly.
// - run() is called by a worker for each queue entry: one poll, or, for an
//   aborted task, freeing the future. Exceptions from the future's poll are
//   caught and stored in the slot; they never reach the worker.
// - abort() may be called from any thread, at any time, any number of times.
// - shutdown() is for the runtime's destructor, once no worker runs.
//
// Who frees the future: the worker that finishes the task (Ready, threw,
// aborted), or else the runtime's destructor. Never a waker, never the
// JoinHandle. Both free it outside every lock: a future's destructor may run
// any code, including a wake of this very task.
// - A future whose destructor throws (it must say noexcept(false): C++
//   destructors are noexcept unless told otherwise) does not kill the worker
//   or the runtime's destructor: the exception becomes the task's outcome, so
//   its join rethrows it instead of returning the value or Cancelled. An
//   exception from the poll itself wins over it (the first failure is kept).
//
// EXERCISE (step 3): write wake/abort/schedule, run(), shutdown() and
// finish(). The runtime tests (test_join, test_abort, test_runtime,
// test_faults) need this and runtime.hpp.
//
// Rust counterpart: tokio's Harness (poll / cancel_task / shutdown) and
// async-task's RawTask::run.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "ch05_joinhandle/join.hpp"
#include "ch05_joinhandle/scheduler.hpp"
#include "ch05_joinhandle/state.hpp"
#include "core/future.hpp"
#include "core/todo.hpp"
#include "core/waker.hpp"

namespace ch05 {

class TaskBase : public core::Wake, public std::enable_shared_from_this<TaskBase> {
public:
    explicit TaskBase(std::weak_ptr<Scheduler> scheduler) : scheduler_(std::move(scheduler)) {}

    void wake() override {
        core::todo("TaskBase::wake in exercises/ch05_joinhandle/task.hpp: if state_.wake() says so, schedule()");
    }
    void abort() {
        core::todo("TaskBase::abort in exercises/ch05_joinhandle/task.hpp: if state_.cancel() says so, schedule()");
    }

    virtual void run() = 0;
    virtual void shutdown() = 0;

protected:
    void schedule() {
        core::todo("TaskBase::schedule in exercises/ch05_joinhandle/task.hpp: lock the weak scheduler_; "
                   "if it is alive, push(shared_from_this())");
    }

    TaskState state_;
    std::weak_ptr<Scheduler> scheduler_;
};

template <core::Future F>
class Task final : public TaskBase {
    using T = core::OutputOf<F>;

public:
    Task(F future, std::shared_ptr<JoinSlot<T>> slot, std::weak_ptr<Scheduler> scheduler)
        : TaskBase(std::move(scheduler)), future_(std::move(future)), slot_(std::move(slot)) {}
    // Only a task that was never run still has its future here (a spawn
    // refused at shutdown); nobody is left to hear about a throw. noexcept
    // in so many words: the union member would otherwise make it throwing.
    ~Task() noexcept override { (void)free_future(); }

    void run() override {
        core::todo("Task::run in exercises/ch05_joinhandle/task.hpp: start_running (false: finish cancelled); "
                   "poll future_ with a waker made from shared_from_this(), catching exceptions; Ready: finish "
                   "publishing the value; threw: finish([] {}, error); Pending: act on after_pending "
                   "(park / schedule / finish cancelled)");
    }

    void shutdown() override {
        core::todo("Task::shutdown in exercises/ch05_joinhandle/task.hpp: if state_.close(), free the future "
                   "with free_future() and set the slot cancelled (or, if the destructor threw, that error)");
    }

private:
    // Order matters: complete first (late wakes and aborts become no-ops),
    // then free the future, then leave the registry, and only then publish
    // the outcome. A join that sees the outcome can rely on the future's
    // destructor having run. `error` is the poll's exception, if it threw.
    template <class Publish>
    void finish([[maybe_unused]] Publish publish, [[maybe_unused]] std::exception_ptr error = nullptr) {
        core::todo("Task::finish in exercises/ch05_joinhandle/task.hpp: state_.complete(), free_future(), "
                   "scheduler forget(this), then set_error(error, or else the destructor's exception) "
                   "or publish()");
    }
    void finish_cancelled() {
        finish([&] { slot_->set_cancelled(); });
    }

    // Given: runs the future's destructor once, and catches what it throws.
    // This is why the future lives in a union and not in a std::optional:
    // optional's reset() is noexcept, so a throwing destructor there ends the
    // program.
    std::exception_ptr free_future() noexcept {
        if (!has_future_) return nullptr;
        has_future_ = false;
        try {
            future_.~F();
        } catch (...) {
            return std::current_exception();
        }
        return nullptr;
    }

    union {
        F future_;  // alive while has_future_; freed early, as soon as the task is finished
    };
    bool has_future_ = true;
    std::shared_ptr<JoinSlot<T>> slot_;
};

}  // namespace ch05
