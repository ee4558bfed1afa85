// ch06_reactor/task.hpp: TaskBase and Task<F>, a spawned future with its state and its slot
// (given, from chapter 5).
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
// Rust counterpart: tokio's Harness (poll / cancel_task / shutdown) and
// async-task's RawTask::run.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "ch06_reactor/join.hpp"
#include "ch06_reactor/scheduler.hpp"
#include "ch06_reactor/state.hpp"
#include "core/future.hpp"
#include "core/live_tasks.hpp"
#include "core/waker.hpp"

namespace ch06 {

class TaskBase : public core::Wake, public std::enable_shared_from_this<TaskBase> {
public:
    explicit TaskBase(std::weak_ptr<Scheduler> scheduler) : scheduler_(std::move(scheduler)) {}

    void wake() override {
        if (state_.wake()) schedule();
    }
    void abort() {
        if (state_.cancel()) schedule();
    }

    virtual void run() = 0;
    virtual void shutdown() = 0;

protected:
    void schedule() {
        // Weak: a waker must not keep a dead runtime alive. If the runtime is
        // gone or closing, the wake is dropped; shutdown frees the task.
        if (auto s = scheduler_.lock()) s->push(shared_from_this());
    }

    TaskState state_;
    std::weak_ptr<Scheduler> scheduler_;
    [[no_unique_address]] core::testing::LiveTaskCount counted_;  // for the tests: a task never freed fails them
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
        if (!state_.start_running()) return finish_cancelled();  // aborted while queued
        // The only thread that touches future_ now is this one: the state
        // says `running`, and no other worker can get past start_running.
        core::Waker waker = core::Waker::from(shared_from_this());
        core::Context cx(waker);
        std::optional<core::Poll<T>> ready;
        std::exception_ptr error;
        try {
            auto poll = future_.poll(cx);
            if (poll.is_ready()) ready.emplace(std::move(poll));
        } catch (...) {
            error = std::current_exception();  // C++'s catch_unwind
        }
        if (error) return finish([] {}, std::move(error));
        if (ready) {
            if constexpr (std::is_void_v<T>) {
                return finish([&] { slot_->set_value(); });
            } else {
                return finish([&] { slot_->set_value(ready->take()); });
            }
        }
        switch (state_.after_pending()) {
            case AfterPoll::park: return;         // a wake will queue it
            case AfterPoll::repoll: schedule(); return;
            case AfterPoll::cancel: return finish_cancelled();
        }
    }

    void shutdown() override {
        if (!state_.close()) return;  // it finished on its own
        if (auto error = free_future()) return slot_->set_error(std::move(error));
        slot_->set_cancelled();
    }

private:
    // Order matters: complete first (late wakes and aborts become no-ops),
    // then free the future, then leave the registry, and only then publish
    // the outcome. A join that sees the outcome can rely on the future's
    // destructor having run. `error` is the poll's exception, if it threw.
    template <class Publish>
    void finish(Publish publish, std::exception_ptr error = nullptr) {
        state_.complete();
        std::exception_ptr from_destructor = free_future();
        if (auto s = scheduler_.lock()) s->forget(this);
        if (!error) error = std::move(from_destructor);  // the first failure wins
        if (error) return slot_->set_error(std::move(error));
        publish();
    }
    void finish_cancelled() {
        finish([&] { slot_->set_cancelled(); });
    }

    // Runs the future's destructor once, and catches what it throws. This is
    // why the future lives in a union and not in a std::optional: optional's
    // reset() is noexcept, so a throwing destructor there ends the program.
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

}  // namespace ch06
