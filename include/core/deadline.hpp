// core/deadline.hpp: sleep durations that cannot overflow the clock.
//
// Contract:
// - core::far_future is about 30 years.
// - core::clamp_sleep(d) takes a duration in any unit and returns it in
//   steady_clock's unit (rounded up, so a sleep lasts at least d), clamped
//   to [0, far_future]. So `Clock::now() + clamp_sleep(d)` never overflows,
//   and "sleep forever" (duration::max(), in any unit) becomes a deadline 30
//   years away, which never comes: the sleep stays Pending. Without it,
//   now + nanoseconds::max() overflows a signed count (undefined behaviour;
//   in practice it wraps into the past and the sleep is Ready at once), and
//   seconds::max() or hours::max() overflow already in their conversion to
//   nanoseconds. A duration <= 0 (or a floating-point NaN) gives zero.
// - Every sleep_for of the workbook (core::, ch06::, ch07::) takes its
//   duration through here.
//
// Why the comparison is in long double seconds: comparing d with far_future
// directly converts both to their common unit, and seconds::max() overflows
// in that conversion too (it is duration_cast<nanoseconds>(seconds::max())).
//
// Rust counterpart: tokio::time::sleep (tokio/src/time/sleep.rs) falls back to
// Instant::far_future() when Instant::now().checked_add(duration) overflows;
// far_future is now + 30 years (tokio/src/time/instant.rs: "Roughly 30 years
// from now", chosen because 100 or 1000 years overflow on some platforms).
#pragma once

#include <chrono>

namespace core {

inline constexpr std::chrono::seconds far_future{86400LL * 365 * 30};

template <class Rep, class Period>
constexpr std::chrono::steady_clock::duration clamp_sleep(std::chrono::duration<Rep, Period> d) {
    using Out = std::chrono::steady_clock::duration;
    using Seconds = std::chrono::duration<long double>;
    if (!(d > d.zero())) return Out::zero();
    if (!(Seconds(d) < Seconds(far_future))) return far_future;
    return std::chrono::ceil<Out>(d);  // below 30 years: no overflow in any unit
}

}  // namespace core
