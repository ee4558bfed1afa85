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
// - The tests' outputs are not move-assignable (operator= = delete): keep a
//   result by constructing it (std::optional's emplace), never by assigning
//   it or by std::exchange, which do not compile against them.
//
// EXERCISE (step 3): write wake/abort/schedule, run(), shutdown() and
// finish(). Tests: ch05_joinhandle/tests/test_3_task.cpp; the runtime's
// tests (test_4_runtime.cpp to test_8_abort.cpp) need this and runtime.hpp.
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
#ifdef CH05_ATOMIC_STATE  // included only then: editing it rebuilds only its own tests
#include "ch05_joinhandle/atomic_state.hpp"
#endif
#include "core/future.hpp"
#include "core/live_tasks.hpp"
#include "core/todo.hpp"
#include "core/waker.hpp"

namespace ch05 {

// The state machine the tasks run on: TaskState (step 1), or, in a build
// with -DCH05_ATOMIC_STATE (`make check-ch05 ATOMIC=1`), AtomicTaskState
// (step 5), so that the whole runtime's tests run on the lock-free one too.
#ifdef CH05_ATOMIC_STATE
using TaskStateImpl = AtomicTaskState;
#else
using TaskStateImpl = TaskState;
#endif

class TaskBase : public core::Wake, public std::enable_shared_from_this<TaskBase> {
public:
    explicit TaskBase(std::weak_ptr<Scheduler> scheduler) : scheduler_(std::move(scheduler)) {}

    void wake() override {
        core::todo("TaskBase::wake: a waker fired, from any thread; queue the task only when its state says "
                   "so; see book/ch05_joinhandle.md#one-poll-of-a-task");
    }
    void abort() {
        core::todo("TaskBase::abort: from any thread; the future is freed by a worker, never here; see book/ch05_joinhandle.md#one-poll-of-a-task");
    }

    virtual void run() = 0;
    virtual void shutdown() = 0;

protected:
    void schedule() {
        core::todo("TaskBase::schedule: put this task on its runtime's queue; a waker must not keep a dead "
                   "runtime alive; see book/ch05_joinhandle.md#one-poll-of-a-task");
    }

    TaskStateImpl state_;
    std::weak_ptr<Scheduler> scheduler_;
    [[no_unique_address]] core::testing::LiveTaskCount counted_;  // for the tests: a task never freed fails them (keep it)
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
        core::todo("Task::run: one queue entry, one poll (or, for an aborted task, freeing the future); "
                   "what the future throws never reaches the worker; see book/ch05_joinhandle.md#one-poll-of-a-task");
    }

    void shutdown() override {
        core::todo("Task::shutdown: the runtime is going away and no worker runs; an unfinished task is "
                   "freed and its join told why; see book/ch05_joinhandle.md#one-poll-of-a-task");
    }

private:
    // `error` is the poll's exception, if it threw. In which order must the
    // steps of finishing happen, so that a join that sees the outcome can
    // rely on the future's destructor having run? What if publishing throws?
    template <class Publish>
    void finish([[maybe_unused]] Publish publish, [[maybe_unused]] std::exception_ptr error = nullptr) {
        core::todo("Task::finish: the task is done; a join that sees the outcome can rely on the future "
                   "being gone, and the slot always gets exactly one outcome; see book/ch05_joinhandle.md#one-poll-of-a-task");
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
