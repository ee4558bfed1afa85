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

// [book:join_value]
// What a side contributes to the pair: its Output, or std::monostate for void
// (a std::pair cannot hold void).
template <core::Future F>
using JoinValue = std::conditional_t<std::is_void_v<core::OutputOf<F>>, std::monostate, core::OutputOf<F>>;
// [/book:join_value]

// [book:join]
template <core::Future A, core::Future B>
class Join {
public:
    using Output = std::pair<JoinValue<A>, JoinValue<B>>;

    Join(A a, B b) : a_(std::move(a)), b_(std::move(b)) {}

    core::Poll<Output> poll(core::Context& cx) {
        if (done_) throw std::logic_error("ch01::Join polled again after it returned Ready");
        // Both sides get their turn on every poll; a finished side is skipped.
        if (!a_out_) poll_side(a_, a_out_, cx);
        if (!b_out_) poll_side(b_, b_out_, cx);
        if (!a_out_ || !b_out_) return core::Poll<Output>::pending();
        done_ = true;
        return core::Poll<Output>::ready(Output(std::move(*a_out_), std::move(*b_out_)));
    }

private:
    // Pending needs no wake of our own: the side that said Pending has
    // arranged a wake through cx's waker, which is also ours.
    template <class F, class V>
    static void poll_side(F& future, std::optional<V>& out, core::Context& cx) {
        auto p = future.poll(cx);
        if (p.is_pending()) return;
        if constexpr (std::is_void_v<core::OutputOf<F>>) {
            out.emplace();
        } else {
            out.emplace(p.take());
        }
    }

    A a_;
    B b_;
    std::optional<JoinValue<A>> a_out_;  // set once A returned Ready
    std::optional<JoinValue<B>> b_out_;
    bool done_ = false;
};
// [/book:join]

template <core::Future A, core::Future B>
Join<A, B> join(A a, B b) {
    return Join<A, B>(std::move(a), std::move(b));
}

}  // namespace ch01
