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

class Countdown {
public:
    using Output = int;

    // TODO: remember n (you need it twice: the count still to go, and the
    // value to return), and reject n < 0 with std::invalid_argument.
    explicit Countdown([[maybe_unused]] int n) {}

    core::Poll<int> poll([[maybe_unused]] core::Context& cx) {
        core::todo("Countdown::poll in exercises/ch01_single_future/countdown.hpp: "
                   "while the count is > 0, count down, wake cx.waker() and return Pending; "
                   "then return Ready(n); a poll after Ready throws std::logic_error");
    }

private:
    // TODO: the state of the machine, e.g.
    //   enum class State { counting, done };  State state_;  int start_, remaining_;
};

static_assert(core::Future<Countdown>);

}  // namespace ch01
