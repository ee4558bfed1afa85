// ch05_joinhandle/join.hpp: JoinSlot, where a task's result waits for its join.
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
// - A completion can never slip between "the join found nothing" and "the
//   join left its waker": the wake that lets the join return is never lost,
//   and a join woken by the completion can poll the slot at once.
// - detach() is the handle's last word (its destructor): the outcome nobody
//   can take is destroyed at the drop if it is there, or at completion.
// - A value whose move constructor throws while it is stored becomes the
//   task's exception: the slot is never left without an outcome.
// - The tests' result types can be moved from but not assigned to (a
//   move-assignment operator = delete, as some outputs have): build an
//   outcome in place (emplace) and take one by moving it out. Assigning one
//   Outcome over another (`outcome_ = Outcome(...)`, or std::exchange with
//   an Outcome as the new value) or std::exchange on a value does not
//   compile against them.
//
// EXERCISE (step 2): write finish(), poll_join() and is_finished(). The
// fields are given. Tests: ch05_joinhandle/tests/test_2_join_slot.cpp.
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

#include "ch05_joinhandle/errors.hpp"  // Cancelled
#include "core/poll.hpp"
#include "core/todo.hpp"
#include "core/waker.hpp"

namespace ch05 {

template <class T>
class JoinSlot {
    struct Unit {};  // the "value" of a void task
    using Value = std::conditional_t<std::is_void_v<T>, Unit, T>;
    struct Empty {};
    struct Failed {  // a wrapper, so a task may return a std::exception_ptr itself
        explicit Failed(std::exception_ptr e) : error(std::move(e)) {}
        std::exception_ptr error;
    };
    struct CancelledMark {};
    struct Taken {};  // the join already returned (or threw) the outcome
    // Read with holds_alternative / get_if by type, never by index: a
    // reordered list then still reads right.
    using Outcome = std::variant<Empty, Value, Failed, CancelledMark, Taken>;
    // One mutex guards the outcome, the join's waker and the detach mark.
    std::mutex mutex_;
    Outcome outcome_;
    core::Waker join_waker_;  // no-op until the join is first polled
    bool detached_ = false;   // the handle is gone: nobody will ever take the outcome

public:
    // The task's side: called once, by the worker that finished the task (or
    // by the runtime's destructor for a task it dropped).
    template <class... V>
    void set_value(V&&... v) {
        finish(std::in_place_type<Value>, std::forward<V>(v)...);
    }
    void set_error(std::exception_ptr e) { finish(std::in_place_type<Failed>, std::move(e)); }
    void set_cancelled() { finish(std::in_place_type<CancelledMark>); }

    core::Poll<T> poll_join([[maybe_unused]] core::Context& cx) {
        core::todo("JoinSlot::poll_join: the JoinHandle's poll; Pending until the outcome is there (and the "
                   "completion must then wake this caller), then the value, the task's own exception, or "
                   "Cancelled, once; again is a std::logic_error (\"again\"); see book/ch05_joinhandle.md#the-shared-completion-slot");
    }

    // True once the task has an outcome (whether or not the join took it).
    bool is_finished() {
        core::todo("JoinSlot::is_finished: does the task have an outcome (taken or not)?; see book/ch05_joinhandle.md#the-shared-completion-slot");
    }

    // The handle's side, once, from its destructor: nobody will take the
    // outcome. When should an outcome that nobody can take be destroyed, and
    // on which thread? (What if a stale copy of the task's waker keeps the
    // task, and so this slot, alive for an hour?)
    void detach() {
        core::todo("JoinSlot::detach: the handle is gone; an outcome already here dies now, on this thread, "
                   "and one that comes later is not kept; see book/ch05_joinhandle.md#the-shared-completion-slot");
    }

private:
    template <class Kind, class... A>
    void finish(std::in_place_type_t<Kind>, [[maybe_unused]] A&&... a) {
        core::todo("JoinSlot::finish: store the one outcome and wake the join; the woken join polls this slot "
                   "at once; a value whose move throws must not leave the slot empty; see book/ch05_joinhandle.md#the-shared-completion-slot");
    }
};

}  // namespace ch05

