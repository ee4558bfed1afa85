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

    // TODO: what must the machine remember to answer its n + 1 polls, and
    // what does it do with an n that makes no sense?
    explicit Countdown([[maybe_unused]] int n) {}

    core::Poll<int> poll([[maybe_unused]] core::Context& cx) {
        core::todo("ch01::Countdown::poll: Pending to the first n polls, each time after arranging to be "
                   "polled again; then Ready(n); a poll after Ready is the caller's bug (std::logic_error); "
                   "see book/ch01_single_future.md#a-future-is-a-state-machine");
    }

private:
    // TODO: the state of the machine. Which states are there, and which
    // numbers does each need?
};

static_assert(core::Future<Countdown>);

}  // namespace ch01
