// ch06_reactor/join_handle.hpp: JoinHandle<T>, the spawner's end of a task (given, from chapter 5).
//
// Contract:
// - JoinHandle<T> is a core::Future with Output T: `co_await handle` (or
//   rt.block_on(std::move(handle))) gives the task's value, rethrows the
//   exception the task threw (the same object), or throws ch06::Cancelled if
//   the task was aborted or dropped by its runtime's shutdown. Polling it
//   again after that is a std::logic_error.
// - abort() asks for cancellation from any thread: the task's future is
//   freed by a worker soon after, even if nothing would ever wake it. A task
//   that already finished keeps its result (abort is then a no-op). abort()
//   does not wait for the cancellation to happen; joining does.
// - Dropping the handle detaches: the task runs on, its result is destroyed
//   as soon as it is stored.
// - is_finished() is true once the task has an outcome.
// - The handle holds the task weakly: it never keeps a finished task alive.
//
// Rust counterpart: tokio::task::JoinHandle<T> (Output = Result<T, JoinError>;
// ours returns T and throws instead).
#pragma once

#include <memory>
#include <stdexcept>
#include <utility>

#include "ch06_reactor/join.hpp"
#include "ch06_reactor/task.hpp"
#include "core/poll.hpp"
#include "core/waker.hpp"

namespace ch06 {

template <class T>
class [[nodiscard]] JoinHandle {
public:
    using Output = T;

    JoinHandle(std::shared_ptr<JoinSlot<T>> slot, std::weak_ptr<TaskBase> task)
        : slot_(std::move(slot)), task_(std::move(task)) {}
    JoinHandle(JoinHandle&&) noexcept = default;
    JoinHandle& operator=(JoinHandle&& other) noexcept {
        if (this != &other) {
            if (slot_) slot_->detach();  // the handle we overwrite is dropped
            slot_ = std::move(other.slot_);
            task_ = std::move(other.task_);
        }
        return *this;
    }
    // Detach: the runtime owns the task, so it runs on; its result, nobody
    // will take, is destroyed as soon as it exists.
    ~JoinHandle() {
        if (slot_) slot_->detach();
    }

    core::Poll<T> poll(core::Context& cx) {
        if (!slot_) throw std::logic_error("ch06::JoinHandle polled after it was moved from");
        return slot_->poll_join(cx);
    }

    void abort() const {
        if (auto task = task_.lock()) task->abort();  // gone means finished
    }

    bool is_finished() const { return slot_ && slot_->is_finished(); }

private:
    std::shared_ptr<JoinSlot<T>> slot_;
    std::weak_ptr<TaskBase> task_;
};

}  // namespace ch06
