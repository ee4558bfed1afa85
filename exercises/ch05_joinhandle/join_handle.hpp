// ch05_joinhandle/join_handle.hpp: JoinHandle<T>, the spawner's end of a task.
//
// Contract:
// - JoinHandle<T> is a core::Future with Output T: `co_await handle` (or
//   rt.block_on(std::move(handle))) gives the task's value, rethrows the
//   exception the task threw (the same object), or throws ch05::Cancelled if
//   the task was aborted or dropped by its runtime's shutdown. Polling it
//   again after that is a std::logic_error.
// - abort() asks for cancellation from any thread: the task's future is
//   freed by a worker soon after, even if nothing would ever wake it. A task
//   that already finished keeps its result (abort is then a no-op). abort()
//   does not wait for the cancellation to happen; joining does.
// - Dropping the handle detaches: the task runs on, and its result is
//   destroyed as soon as both exist and the handle is gone: at the drop if the
//   task already finished, at the task's completion otherwise (JoinSlot::detach).
// - is_finished() is true once the task has an outcome.
// - The handle holds the task weakly: it never keeps a finished task alive.
//
// EXERCISE (step 4): poll(), abort() and is_finished(); each is a line or two.
//
// Rust counterpart: tokio::task::JoinHandle<T> (Output = Result<T, JoinError>;
// ours returns T and throws instead).
#pragma once

#include <memory>
#include <stdexcept>
#include <utility>

#include "ch05_joinhandle/join.hpp"
#include "ch05_joinhandle/task.hpp"
#include "core/poll.hpp"
#include "core/todo.hpp"
#include "core/waker.hpp"

namespace ch05 {

template <class T>
class [[nodiscard]] JoinHandle {
public:
    using Output = T;

    JoinHandle(std::shared_ptr<JoinSlot<T>> slot, std::weak_ptr<TaskBase> task)
        : slot_(std::move(slot)), task_(std::move(task)) {}
    JoinHandle(JoinHandle&&) noexcept = default;  // leaves `other` without a slot
    // Moving into a handle drops the handle it held: what does dropping mean?
    JoinHandle& operator=(JoinHandle&& other) noexcept {
        // TODO: the same as the destructor for the handle we overwrite.
        slot_ = std::move(other.slot_);
        task_ = std::move(other.task_);
        return *this;
    }
    // Detach. A destructor must not throw, so this stub cannot say "not
    // implemented": what must happen to a result nobody can take any more?
    ~JoinHandle() {
        // TODO (step 4)
    }

    core::Poll<T> poll([[maybe_unused]] core::Context& cx) {
        core::todo("JoinHandle::poll: the task's value, its exception, or Cancelled; a moved-from handle "
                   "is a std::logic_error; see book/ch05_joinhandle.md#cancellation-and-detach");
    }

    void abort() const {
        core::todo("JoinHandle::abort: ask for cancellation from any thread, without keeping a finished "
                   "task alive; see book/ch05_joinhandle.md#cancellation-and-detach");
    }

    bool is_finished() const {
        core::todo("JoinHandle::is_finished: true once the task has an outcome; see book/ch05_joinhandle.md#cancellation-and-detach");
    }

private:
    std::shared_ptr<JoinSlot<T>> slot_;
    std::weak_ptr<TaskBase> task_;
};

}  // namespace ch05

