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
// - The completing side wakes the stored waker *after* unlocking, and the
//   joining side stores its waker *before* checking for a result. Together
//   these mean a completion can never slip between "the join found nothing"
//   and "the join left its waker": the wake that lets the join return is
//   never lost.
// - detach() is the handle's last word (its destructor): an outcome nobody
//   took is destroyed right there, on the dropping thread, and an outcome
//   that arrives later is destroyed at once by the worker that produced it.
//   Without this the value would wait in the slot until the task itself dies,
//   and a stale copy of the task's waker (in a timer, in a registry) can keep
//   the task alive for as long as it likes: the value's destructor would then
//   run late, on whichever thread drops that last waker. tokio does the same
//   in drop_join_handle_slow (runtime/task/harness.rs: "if the output remains
//   in the task structure until the task is deallocated, it may be dropped by
//   a Waker on any arbitrary thread"), and its complete() drops the output
//   when no JoinHandle is interested; async-task's RawTask::run drops the
//   output when the Task handle is gone (src/raw.rs).
// - A value whose move constructor throws while it is stored becomes the
//   task's exception instead: the slot is never left without an outcome.
//
// Rust counterpart: the output stage + JOIN_WAKER of tokio's task core, and
// Result<T, JoinError> (our exception_ptr and Cancelled play JoinError's
// is_panic() / is_cancelled()).
#pragma once

#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include "ch05_joinhandle/errors.hpp"  // Cancelled
#include "core/poll.hpp"
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
    // [book:slot]
    // One mutex guards the outcome, the join's waker and the detach mark.
    std::mutex mutex_;
    Outcome outcome_;
    core::Waker join_waker_;  // no-op until the join is first polled
    bool detached_ = false;   // the handle is gone: nobody will ever take the outcome
    // [/book:slot]

public:
    // The task's side: called once, by the worker that finished the task (or
    // by the runtime's destructor for a task it dropped).
    template <class... V>
    void set_value(V&&... v) {
        finish(std::in_place_type<Value>, std::forward<V>(v)...);
    }
    void set_error(std::exception_ptr e) { finish(std::in_place_type<Failed>, std::move(e)); }
    void set_cancelled() { finish(std::in_place_type<CancelledMark>); }

    // [book:poll_join]
    core::Poll<T> poll_join(core::Context& cx) {
        core::Waker replaced;  // dies after the unlock: a waker may own a task
        std::unique_lock lock(mutex_);
        // Register before check. Under this mutex the order cannot matter, but
        // it is the order the lock-free version needs (see the book), and the
        // habit is what keeps the wake from being lost there.
        if (!join_waker_.will_wake(cx.waker())) replaced = std::exchange(join_waker_, cx.waker());
        if (std::holds_alternative<Empty>(outcome_)) return core::Poll<T>::pending();
        if (std::holds_alternative<Taken>(outcome_))
            throw std::logic_error("ch05::JoinHandle polled again after it returned its result");
        Outcome outcome = std::exchange(outcome_, Taken{});
        core::Waker mine = std::move(join_waker_);  // nobody left to wake; cx still holds it
        lock.unlock();                               // hand the result over outside the lock

        if (auto* failed = std::get_if<Failed>(&outcome)) std::rethrow_exception(failed->error);
        if (std::holds_alternative<CancelledMark>(outcome)) throw Cancelled();
        if constexpr (std::is_void_v<T>) {
            return core::Poll<void>::ready();
        } else {
            return core::Poll<T>::ready(std::move(std::get<Value>(outcome)));
        }
    }
    // [/book:poll_join]

    // True once the task has an outcome (whether or not the join took it).
    bool is_finished() {
        std::lock_guard lock(mutex_);
        return !std::holds_alternative<Empty>(outcome_);
    }

    // [book:detach]
    // The handle's side, once, from its destructor. What we take out is
    // destroyed when this function returns, after unlocking: a destructor
    // may run any code, and it runs now, on the thread that dropped the
    // handle, not later on whichever thread drops the task's last waker.
    void detach() noexcept {
        std::optional<Outcome> unclaimed;
        core::Waker waker;
        std::lock_guard lock(mutex_);  // declared after them: unlocks before they die
        detached_ = true;
        if (!std::holds_alternative<Empty>(outcome_)) {
            try {
                unclaimed.emplace(std::move(outcome_));
            } catch (...) {
                // The value's move threw: it is destroyed in place, just below.
            }
            outcome_.template emplace<Taken>();
        }
        waker = std::move(join_waker_);  // a joiner's waker nobody will use again
    }
    // [/book:detach]

private:
    // [book:finish]
    template <class Kind, class... A>
    void finish(std::in_place_type_t<Kind>, A&&... a) {
        core::Waker waker;
        {
            std::lock_guard lock(mutex_);
            // Nobody will join: leave the outcome where it is (the caller's),
            // so it dies on this thread as soon as the task is done with it.
            if (detached_) return;
            if (!std::holds_alternative<Empty>(outcome_))
                throw std::logic_error("ch05::JoinSlot: a task finished twice");
            try {
                outcome_.template emplace<Kind>(std::forward<A>(a)...);
            } catch (...) {
                // The value's move threw: report that instead of leaving the
                // slot empty (valueless) and the join waiting forever.
                outcome_.template emplace<Failed>(std::current_exception());
            }
            waker = std::move(join_waker_);  // leaves a no-op waker behind
        }
        // Wake after unlocking: the woken thread's first move is to poll the
        // join, which takes mutex_; and a waker may run arbitrary code (one
        // that polled inline would re-enter poll_join and deadlock here).
        waker.wake();
    }
    // [/book:finish]
};

}  // namespace ch05
