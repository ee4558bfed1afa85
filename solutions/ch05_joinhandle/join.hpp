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
    // [book:slot]
    // One mutex guards the outcome and the join's waker together.
    std::mutex mutex_;
    std::variant<Empty, Value, std::exception_ptr, CancelledMark, Taken> outcome_;
    core::Waker join_waker_;  // no-op until the join is first polled
    // [/book:slot]
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

    // [book:poll_join]
    core::Poll<T> poll_join(core::Context& cx) {
        std::unique_lock lock(mutex_);
        // Register before check. Under this mutex the order cannot matter, but
        // it is the order the lock-free version needs (see the book), and the
        // habit is what keeps the wake from being lost there.
        if (!join_waker_.will_wake(cx.waker())) join_waker_ = cx.waker();
        if (outcome_.index() == empty) return core::Poll<T>::pending();
        if (outcome_.index() == taken)
            throw std::logic_error("ch05::JoinHandle polled again after it returned its result");
        auto outcome = std::exchange(outcome_, Taken{});
        join_waker_ = core::Waker();  // nobody left to wake
        lock.unlock();                // hand the result over outside the lock

        if (outcome.index() == error) std::rethrow_exception(std::get<error>(outcome));
        if (outcome.index() == cancelled) throw Cancelled();
        if constexpr (std::is_void_v<T>) {
            return core::Poll<void>::ready();
        } else {
            return core::Poll<T>::ready(std::move(std::get<value>(outcome)));
        }
    }
    // [/book:poll_join]

    // True once the task has an outcome (whether or not the join took it).
    bool is_finished() {
        std::lock_guard lock(mutex_);
        return outcome_.index() != empty;
    }

private:
    // [book:finish]
    template <std::size_t I, class... A>
    void finish(std::in_place_index_t<I>, A&&... a) {
        core::Waker waker;
        {
            std::lock_guard lock(mutex_);
            if (outcome_.index() != empty)
                throw std::logic_error("ch05::JoinSlot: a task finished twice");
            outcome_.template emplace<I>(std::forward<A>(a)...);
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
