// ch01_single_future/join.hpp: join(a, b), two futures inside one future.
//
// Contract:
// - join(a, b) takes both futures by value (moved in before any poll) and
//   returns a future whose Output is std::pair<A's output, B's output>; a
//   side whose Output is void contributes std::monostate.
// - Each poll of the join polls every side that has not finished yet, with
//   the same Context, so both make progress "at the same time" on one thread.
//   A side that has returned Ready is never polled again (polling a finished
//   future is a bug: core::Async and core::BoxFuture throw).
// - The join is Ready once both sides are; polling it after that throws
//   std::logic_error. An exception from either side leaves through poll().
// - Like every hand-written future it must not be moved after its first poll
//   (its sides may be hand-written futures that handed out their address).
//
// Rust counterpart: futures::future::join / the `join!` macro.
#pragma once

#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/core.hpp"

namespace ch01 {

// What a side contributes to the pair: its Output, or std::monostate for void
// (a std::pair cannot hold void).
template <core::Future F>
using JoinValue = std::conditional_t<std::is_void_v<core::OutputOf<F>>, std::monostate, core::OutputOf<F>>;

template <core::Future A, core::Future B>
class Join {
public:
    using Output = std::pair<JoinValue<A>, JoinValue<B>>;

    Join(A a, B b) : a_(std::move(a)), b_(std::move(b)) {}

    core::Poll<Output> poll([[maybe_unused]] core::Context& cx) {
        core::todo("ch01::Join::poll: poll every side that has not finished, with this Context; never poll a "
                   "finished side again; Ready with both outputs once both are done; a poll after Ready is "
                   "std::logic_error; see book/ch01_single_future.md#two-futures-in-one-join");
    }

private:
    // TODO: where does a side's output wait while the other side is still
    // Pending? And what does a void side contribute?

    A a_;
    B b_;
    // TODO: the state a join keeps between polls (how does it know a side
    // finished, and that it finished itself?).
};

template <core::Future A, core::Future B>
Join<A, B> join(A a, B b) {
    return Join<A, B>(std::move(a), std::move(b));
}

}  // namespace ch01
