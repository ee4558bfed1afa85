// ch07_work_stealing/join_handle.hpp: JoinHandle<T>, the spawner's end of a task.
//
// Contract (chapter 5's, unchanged):
// - A core::Future with Output T: `co_await handle` gives the task's value,
//   rethrows the exception it threw (the same object), or throws
//   ch07::Cancelled if it was aborted or dropped by its runtime's shutdown.
//   Polling again after that is a std::logic_error.
// - abort() from any thread; a finished task keeps its result.
// - Dropping the handle detaches the task; the output, if already there, is
//   destroyed at once.
// - is_finished() is true once the task has an outcome.
//
// What changed: the handle is a pointer to the task's own block holding one
// reference (chapter 5 had a shared_ptr to a separate JoinSlot and a
// weak_ptr to the task). The lock-free handshake with the completing worker
// is in CellBase (task.hpp), written down in the book.
//
// Rust counterpart: tokio::task::JoinHandle<T>.
#pragma once

#include <stdexcept>
#include <utility>

#include "ch07_work_stealing/task.hpp"
#include "core/poll.hpp"
#include "core/waker.hpp"

namespace ch07 {

template <class T>
class [[nodiscard]] JoinHandle {
public:
    using Output = T;

    explicit JoinHandle(CellBase<T>* cell) noexcept : cell_(cell) {}
    JoinHandle(JoinHandle&& other) noexcept : cell_(std::exchange(other.cell_, nullptr)) {}
    JoinHandle& operator=(JoinHandle&& other) noexcept {
        if (this != &other) {
            reset();
            cell_ = std::exchange(other.cell_, nullptr);
        }
        return *this;
    }
    ~JoinHandle() { reset(); }

    core::Poll<T> poll(core::Context& cx) {
        if (!cell_) throw std::logic_error("ch07::JoinHandle polled after it was moved from");
        return cell_->poll_join(cx);
    }

    void abort() const {
        if (cell_) cell_->abort();
    }

    bool is_finished() const { return cell_ && cell_->is_finished(); }

private:
    void reset() {
        if (auto* cell = std::exchange(cell_, nullptr)) cell->drop_join_handle();
    }

    CellBase<T>* cell_;  // holds one reference
};

}  // namespace ch07
