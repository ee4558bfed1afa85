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
//   is never interrupted. Dropping fut is the cancellation.
// - A task spawned by fut is not cancelled with it (why not?).
//
// EXERCISE (step 6): poll(). The fields are given. Tests:
// ch05_joinhandle/tests/test_10_timeout.cpp.
//
// Rust counterpart: tokio::time::timeout, and tokio::select! dropping the
// branch that lost.
#pragma once

#include <optional>
#include <stdexcept>
#include <utility>

#include "ch05_joinhandle/errors.hpp"  // TimedOut
#include "core/future.hpp"
#include "core/poll.hpp"
#include "core/sleep.hpp"
#include "core/todo.hpp"
#include "core/waker.hpp"

namespace ch05 {

template <core::Future F>
class [[nodiscard]] Timeout {
public:
    using Output = core::OutputOf<F>;

    Timeout(F future, core::Sleep::Clock::duration limit) : future_(std::move(future)), limit_(limit) {}

    // Which of the two do you poll first, and what happens to the other
    // one the moment a winner is known?
    core::Poll<Output> poll([[maybe_unused]] core::Context& cx) {
        core::todo("Timeout::poll: fut's value, or TimedOut once the deadline (from the first poll) has "
                   "passed; the loser is dropped inside the poll that decides; see "
                   "book/ch05_joinhandle.md#cancellation-by-dropping-a-future-timeout");
    }

private:
    std::optional<F> future_;  // empty once finished: dropped, whoever won
    std::optional<core::Sleep> sleep_;
    core::Sleep::Clock::duration limit_;
};

template <core::Future F>
Timeout<F> timeout(F future, core::Sleep::Clock::duration limit) {
    return Timeout<F>(std::move(future), limit);
}

}  // namespace ch05
