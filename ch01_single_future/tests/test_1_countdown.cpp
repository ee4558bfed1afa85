// Chapter 1: Countdown, a state-machine future written by hand.
#include "testing/catch.hpp"

#include <memory>
#include <stdexcept>

#include "ch01_single_future/countdown.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using core::testing::CountingWaker;

TEST_CASE("Countdown(n) is Pending exactly n times, then Ready with n", "[ch01][countdown]") {
    for (int n : {1, 3, 10}) {
        CAPTURE(n);
        ch01::Countdown countdown(n);
        CountingWaker probe;
        core::Context cx(probe.waker());
        for (int i = 0; i < n; ++i) {
            CAPTURE(i);
            INFO("poll number " << i + 1 << " of Countdown(" << n << ") should be Pending");
            REQUIRE(countdown.poll(cx).is_pending());
        }
        auto last = countdown.poll(cx);
        INFO("poll number " << n + 1 << " should be Ready");
        REQUIRE(last.is_ready());
        CHECK(last.value() == n);
    }
}

TEST_CASE("Countdown wakes its waker on every Pending poll and not on the Ready one", "[ch01][countdown]") {
    ch01::Countdown countdown(4);
    CountingWaker probe;
    core::Context cx(probe.waker());
    for (int i = 1; i <= 4; ++i) {
        REQUIRE(countdown.poll(cx).is_pending());
        INFO("after Pending poll " << i << ": a well-behaved future wakes cx.waker() before returning Pending");
        CHECK(probe.wakes() == i);
    }
    REQUIRE(countdown.poll(cx).is_ready());
    INFO("Ready needs no wake: nobody has to poll a finished future again");
    CHECK(probe.wakes() == 4);
}

TEST_CASE("Countdown(0) is Ready on its first poll, without a wake", "[ch01][countdown]") {
    ch01::Countdown countdown(0);
    CountingWaker probe;
    core::Context cx(probe.waker());
    auto p = countdown.poll(cx);
    REQUIRE(p.is_ready());
    CHECK(p.value() == 0);
    CHECK(probe.wakes() == 0);
}

TEST_CASE("polling a Countdown after it returned Ready is a clear error", "[ch01][countdown]") {
    ch01::Countdown countdown(1);
    CountingWaker probe;
    core::Context cx(probe.waker());
    REQUIRE(countdown.poll(cx).is_pending());
    REQUIRE(countdown.poll(cx).is_ready());
    INFO("a poll after Ready is the caller's bug: throw std::logic_error instead of answering again");
    CHECK_THROWS_AS(countdown.poll(cx), std::logic_error);
    INFO("a negative count makes no sense: the constructor throws std::invalid_argument");
    CHECK_THROWS_AS(ch01::Countdown(-1), std::invalid_argument);
}

