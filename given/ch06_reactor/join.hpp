// ch06_reactor/join.hpp: Cancelled and JoinSlot, where a task's result waits for its join
// (given, from chapter 5, with two fixes: the state is read with
// std::holds_alternative, and a detached task's output is destroyed at once).
//
// Contract:
// - JoinSlot<T> is shared (shared_ptr) by a task and its JoinHandle. The task
//   puts exactly one outcome in it: a value (nothing for void), the exception
//   its future threw (as std::exception_ptr, so the join rethrows the very
//   same object), or "cancelled".
// - poll_join() is the JoinHandle's poll: Pending while the slot is empty
//   (and the caller's waker is kept, replacing an older one), then the value,
//   the rethrown exception, or ch06::Cancelled. Asking again after that is a
//   std::logic_error, like polling any future after it completed.
// - detach() is called when the JoinHandle is dropped: nobody will ever take
//   the outcome, so an outcome already there is destroyed now, and a later
//   one as soon as it is stored (not when the last waker of the task goes:
//   a waker may sit in the reactor for a long time).
// - The completing side wakes the stored waker after unlocking, and the
//   joining side stores its waker before checking for a result, so the wake
//   that lets the join return is never lost.
//
// Rust counterpart: the output stage + JOIN_WAKER of tokio's task core.
#pragma once

#include <exception>
#include <mutex>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/poll.hpp"
#include "core/waker.hpp"

namespace ch06 {

// What the join throws for a task that was aborted, or that its runtime
// dropped at shutdown before it finished.
class Cancelled : public std::exception {
public:
    const char* what() const noexcept override {
        return "ch06::Cancelled: the task was aborted (JoinHandle::abort) or its runtime "
               "shut down before it finished, so it has no result";
    }
};

template <class T>
class JoinSlot {
    struct Unit {};  // the "value" of a void task
    using Value = std::conditional_t<std::is_void_v<T>, Unit, T>;
    struct Empty {};
    struct CancelledMark {};
    struct Taken {};  // the join already returned (or threw) the outcome, or was dropped
    using Outcome = std::variant<Empty, Value, std::exception_ptr, CancelledMark, Taken>;

    std::mutex mutex_;  // guards the three fields below
    Outcome outcome_;
    core::Waker join_waker_;  // no-op until the join is first polled
    bool detached_ = false;   // the JoinHandle is gone: nobody takes the outcome

public:
    template <class... V>
    void set_value(V&&... v) {
        finish(Outcome(std::in_place_type<Value>, std::forward<V>(v)...));
    }
    void set_error(std::exception_ptr e) { finish(Outcome(std::in_place_type<std::exception_ptr>, std::move(e))); }
    void set_cancelled() { finish(Outcome(std::in_place_type<CancelledMark>)); }

    core::Poll<T> poll_join(core::Context& cx) {
        core::Waker replaced;  // dies after the unlock: a waker may own a task
        std::unique_lock lock(mutex_);
        if (!join_waker_.will_wake(cx.waker())) replaced = std::exchange(join_waker_, cx.waker());
        if (std::holds_alternative<Empty>(outcome_)) return core::Poll<T>::pending();
        if (std::holds_alternative<Taken>(outcome_))
            throw std::logic_error("ch06::JoinHandle polled again after it returned its result");
        Outcome outcome = std::exchange(outcome_, Taken{});
        core::Waker mine = std::move(join_waker_);  // nobody left to wake; cx still holds it
        lock.unlock();                               // hand the result over outside the lock

        if (auto* error = std::get_if<std::exception_ptr>(&outcome)) std::rethrow_exception(*error);
        if (std::holds_alternative<CancelledMark>(outcome)) throw Cancelled();
        if constexpr (std::is_void_v<T>) {
            return core::Poll<void>::ready();
        } else {
            return core::Poll<T>::ready(std::move(std::get<Value>(outcome)));
        }
    }

    bool is_finished() {
        std::lock_guard lock(mutex_);
        return !std::holds_alternative<Empty>(outcome_);
    }

    // The JoinHandle is being dropped. The outcome (if any) and the join's
    // waker are destroyed here, outside the lock: a value's destructor, or a
    // waker's, may run any code. noexcept (it runs in ~JoinHandle): a value
    // whose move throws is destroyed in place instead.
    void detach() noexcept {
        Outcome dropped;
        core::Waker waker;
        std::lock_guard lock(mutex_);
        detached_ = true;
        waker = std::move(join_waker_);
        if (!std::holds_alternative<Empty>(outcome_)) {
            try {
                dropped = std::exchange(outcome_, Taken{});
            } catch (...) {
                outcome_.template emplace<Taken>();
            }
        }
    }  // `lock` is released before `waker` and `dropped` are destroyed (reverse order of declaration)

private:
    void finish(Outcome outcome) {
        core::Waker waker;
        {
            std::lock_guard lock(mutex_);
            if (!std::holds_alternative<Empty>(outcome_))
                throw std::logic_error("ch06::JoinSlot: a task finished twice");
            if (detached_) {
                outcome_ = Taken{};  // `outcome` dies at the end of this function, unlocked
            } else {
                outcome_ = std::move(outcome);
                waker = std::move(join_waker_);  // leaves a no-op waker behind
            }
        }
        waker.wake();  // after unlocking: the woken join takes mutex_ first thing
    }
};

}  // namespace ch06
