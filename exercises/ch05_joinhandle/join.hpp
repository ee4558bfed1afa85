// ch05_joinhandle/join.hpp: Cancelled and JoinSlot, where a task's result waits for its join.
//
// Contract:
// - JoinSlot<T> is shared (shared_ptr) by a task and its JoinHandle. The task
//   puts exactly one outcome in it: a value (nothing for void), the exception
//   its future threw (as std::exception_ptr, so the join rethrows the very
//   same object: same type, same message), or "cancelled".
// - poll_join() is the JoinHandle's poll: Pending while the slot is empty
//   (and the caller's waker is kept, replacing an older one), then the value,
//   the rethrown exception, or ch05::Cancelled. Asking again after that is a
//   std::logic_error, like polling any future after it completed.
// - The completing side wakes the stored waker *after* unlocking, and the
//   joining side stores its waker *before* checking for a result. Together
//   these mean a completion can never slip between "the join found nothing"
//   and "the join left its waker": the wake that lets the join return is
//   never lost.
//
// EXERCISE (step 2): write finish(), poll_join() and is_finished(). The
// fields are given. Tests: ch05_joinhandle/tests/test_join_slot.cpp.
//
// Rust counterpart: the output stage + JOIN_WAKER of tokio's task core, and
// Result<T, JoinError> (our exception_ptr and Cancelled play JoinError's
// is_panic() / is_cancelled()).
#pragma once

#include <exception>
#include <mutex>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/poll.hpp"
#include "core/todo.hpp"
#include "core/waker.hpp"

namespace ch05 {

// What the join throws for a task that was aborted, or that its runtime
// dropped at shutdown before it finished.
class Cancelled : public std::exception {
public:
    const char* what() const noexcept override {
        return "ch05::Cancelled: the task was aborted (JoinHandle::abort) or its runtime "
               "shut down before it finished, so it has no result";
    }
};

template <class T>
class JoinSlot {
    struct Unit {};  // the "value" of a void task
    using Value = std::conditional_t<std::is_void_v<T>, Unit, T>;
    struct Empty {};
    struct CancelledMark {};
    struct Taken {};  // the join already returned (or threw) the outcome
    // One mutex guards the outcome and the join's waker together.
    std::mutex mutex_;
    std::variant<Empty, Value, std::exception_ptr, CancelledMark, Taken> outcome_;
    core::Waker join_waker_;  // no-op until the join is first polled
    enum : std::size_t { empty, value, error, cancelled, taken };

public:
    // The task's side: called once, by the worker that finished the task (or
    // by the runtime's destructor for a task it dropped).
    template <class... V>
    void set_value(V&&... v) {
        finish(std::in_place_index<value>, std::forward<V>(v)...);
    }
    void set_error(std::exception_ptr e) { finish(std::in_place_index<error>, std::move(e)); }
    void set_cancelled() { finish(std::in_place_index<cancelled>); }

    core::Poll<T> poll_join([[maybe_unused]] core::Context& cx) {
        core::todo("JoinSlot::poll_join in exercises/ch05_joinhandle/join.hpp: under the lock, store "
                   "cx.waker() (unless will_wake), then: empty -> Pending; taken -> std::logic_error "
                   "(\"JoinHandle polled again ...\"); else swap in Taken, unlock, and return the value / "
                   "rethrow the exception_ptr / throw Cancelled");
    }

    // True once the task has an outcome (whether or not the join took it).
    bool is_finished() {
        core::todo("JoinSlot::is_finished in exercises/ch05_joinhandle/join.hpp: true once the outcome is not empty");
    }

private:
    template <std::size_t I, class... A>
    void finish(std::in_place_index_t<I>, [[maybe_unused]] A&&... a) {
        core::todo("JoinSlot::finish in exercises/ch05_joinhandle/join.hpp: under the lock, "
                   "outcome_.template emplace<I>(a...) and move the join waker out; wake it after unlocking");
    }
};

}  // namespace ch05

