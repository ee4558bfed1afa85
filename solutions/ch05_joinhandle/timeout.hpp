// ch05_joinhandle/timeout.hpp: timeout(fut, d), cancellation by dropping a future.
//
// Contract:
// - timeout(fut, d) is a future with fut's Output. Each poll polls fut, then
//   a core::sleep_for(d) started at the first poll. fut Ready: its value (a
//   ready value wins over a deadline that passed during the same poll). The
//   deadline passed: throws ch05::TimedOut. Polling it after that is a
//   std::logic_error.
// - The loser is dropped at once, inside the poll that decides: fut's
//   destructor runs before TimedOut leaves the poll, and a finished fut
//   takes its Sleep (and the Sleep's timer registration, which holds a copy
//   of the caller's waker) with it before the value is returned.
// - Cancellation takes effect only between polls: a poll of fut in progress
//   is never interrupted; C++ has no way to stop a function from outside,
//   and neither has Rust. Dropping fut is the cancellation.
// - A task spawned by fut is not cancelled with it: fut holds only that
//   task's JoinHandle, and dropping a handle detaches (as in tokio).
//
// Rust counterpart: tokio::time::timeout (Output Result<T, Elapsed>; ours
// returns T and throws TimedOut instead), and tokio::select! racing two
// branches and dropping the loser.
#pragma once

#include <optional>
#include <stdexcept>
#include <utility>

#include "ch05_joinhandle/errors.hpp"  // TimedOut
#include "core/future.hpp"
#include "core/poll.hpp"
#include "core/sleep.hpp"
#include "core/waker.hpp"

namespace ch05 {

template <core::Future F>
class [[nodiscard]] Timeout {
public:
    using Output = core::OutputOf<F>;

    Timeout(F future, core::Sleep::Clock::duration limit) : future_(std::move(future)), limit_(limit) {}

    // [book:timeout_poll]
    core::Poll<Output> poll(core::Context& cx) {
        if (!future_) throw std::logic_error("ch05::Timeout polled again after it finished");
        if (!sleep_) sleep_.emplace(core::sleep_for(limit_));  // the clock starts at the first poll
        auto result = future_->poll(cx);  // first: a value that is ready wins
        if (result.is_ready()) {
            drop_both();  // the timer loses: its registration goes now
            return result;
        }
        if (sleep_->poll(cx).is_ready()) {
            drop_both();  // the future loses: its destructor runs now
            throw TimedOut();
        }
        return core::Poll<Output>::pending();  // both hold cx's waker: whichever fires wakes us
    }
    // [/book:timeout_poll]

private:
    void drop_both() {
        future_.reset();
        sleep_.reset();
    }

    std::optional<F> future_;  // empty once finished: dropped, whoever won
    std::optional<core::Sleep> sleep_;
    core::Sleep::Clock::duration limit_;
};

template <core::Future F>
Timeout<F> timeout(F future, core::Sleep::Clock::duration limit) {
    return Timeout<F>(std::move(future), limit);
}

}  // namespace ch05
