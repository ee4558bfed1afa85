// ch01_single_future/countdown.hpp: Countdown, a future written by hand.
//
// Contract:
// - Countdown(n) answers Pending to its first n polls and Ready(n) to the
//   next one: the value is the count it started from, so `block_on` of a
//   Countdown(3) returns 3 after four polls.
// - Every Pending poll wakes the waker it was given before returning. That is
//   what makes it a well-behaved future: it promised to be polled again, so
//   it arranges that itself (the simplest possible "something will wake me").
// - Polling it again after Ready is a bug in the caller: std::logic_error.
// - n < 0 is rejected by the constructor (std::invalid_argument).
//
// Rust counterpart: a struct with `impl Future for Countdown`, whose poll is
// a `match self.state { ... }`. An `async fn` compiles to exactly this kind
// of state machine; here we write it out by hand once, to see the gears.
#pragma once

#include <stdexcept>

#include "core/core.hpp"

namespace ch01 {

// [book:countdown]
class Countdown {
public:
    using Output = int;

    explicit Countdown(int n) : start_(n), remaining_(n) {
        if (n < 0) throw std::invalid_argument("ch01::Countdown: the count must be >= 0");
    }

    core::Poll<int> poll(core::Context& cx) {
        switch (state_) {
        case State::counting:
            if (remaining_ > 0) {
                --remaining_;
                // We return Pending, so we must make sure someone polls us
                // again. Nothing outside will: wake our own waker.
                cx.waker().wake();
                return core::Poll<int>::pending();
            }
            state_ = State::done;
            return core::Poll<int>::ready(start_);
        case State::done:
            break;
        }
        throw std::logic_error("ch01::Countdown polled again after it returned Ready");
    }

private:
    // The whole "stack" of this computation lives in these members: that is
    // what the compiler builds for a coroutine, too (on the heap, in C++).
    enum class State { counting, done };
    State state_ = State::counting;
    int start_;
    int remaining_;
};
// [/book:countdown]

static_assert(core::Future<Countdown>);

}  // namespace ch01
