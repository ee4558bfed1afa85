// Chapter 1: join(a, b) runs two futures inside one.
#include "testing/catch.hpp"

#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "ch01_single_future/countdown.hpp"
#include "ch01_single_future/join.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using core::testing::CountingFuture;
using core::testing::CountingWaker;

static_assert(std::is_same_v<decltype(ch01::join(ch01::Countdown(1), ch01::Countdown(2)))::Output, std::pair<int, int>>,
              "join's Output is a pair of both outputs");
static_assert(std::is_same_v<decltype(ch01::join(CountingFuture(1), ch01::Countdown(2)))::Output,
                             std::pair<std::monostate, int>>,
              "a void side contributes std::monostate");
static_assert(core::Future<decltype(ch01::join(CountingFuture(1), CountingFuture(1)))>);

TEST_CASE("join polls both sides on its first poll", "[ch01][join]") {
    CountingFuture a(2), b(2);
    auto sa = a.stats(), sb = b.stats();
    auto both = ch01::join(std::move(a), std::move(b));
    CountingWaker probe;
    core::Context cx(probe.waker());
    REQUIRE(both.poll(cx).is_pending());
    INFO("one poll of the join must poll side a AND side b, even though a is still Pending");
    CHECK(sa->polls == 1);
    CHECK(sb->polls == 1);
    INFO("both sides wake through the join's own waker (the same Context)");
    CHECK(probe.wakes() == 2);
}

TEST_CASE("join never polls a side again once it has finished", "[ch01][join]") {
    CountingWaker probe;
    core::Context cx(probe.waker());
    SECTION("the left side finishes first") {
        CountingFuture a(0), b(3);
        auto sa = a.stats(), sb = b.stats();
        auto both = ch01::join(std::move(a), std::move(b));
        int polls = 1;
        while (both.poll(cx).is_pending() && polls < 100) ++polls;
        CHECK(polls == 4);
        INFO("side a was Ready on the first poll; polling it again would be polling a finished future");
        CHECK(sa->polls == 1);
        CHECK(sb->polls == 4);
        CHECK(sa->completions == 1);
        CHECK(sb->completions == 1);
    }
    SECTION("the right side finishes first") {
        CountingFuture a(5), b(1);
        auto sa = a.stats(), sb = b.stats();
        auto both = ch01::join(std::move(a), std::move(b));
        int polls = 1;
        while (both.poll(cx).is_pending() && polls < 100) ++polls;
        CHECK(polls == 6);
        CHECK(sa->polls == 6);
        INFO("side b was Ready on its second poll and must not be polled after that");
        CHECK(sb->polls == 2);
    }
}

TEST_CASE("join is Ready only when both sides are, with both outputs in a pair", "[ch01][join]") {
    auto both = ch01::join(ch01::Countdown(1), ch01::Countdown(3));
    CountingWaker probe;
    core::Context cx(probe.waker());
    for (int i = 1; i <= 3; ++i) {
        INFO("poll " << i << ": Countdown(3) is still Pending, so the join is too");
        REQUIRE(both.poll(cx).is_pending());
    }
    auto p = both.poll(cx);
    REQUIRE(p.is_ready());
    CHECK(p.value().first == 1);
    CHECK(p.value().second == 3);
}

TEST_CASE("an exception from one side of a join leaves through the join's poll", "[ch01][join]") {
    auto both = ch01::join(ch01::Countdown(5), ch01_test::ThrowsAfter(2, "right side failed"));
    CountingWaker probe;
    core::Context cx(probe.waker());
    REQUIRE(both.poll(cx).is_pending());
    REQUIRE(both.poll(cx).is_pending());
    INFO("the right side throws on the join's third poll: the exception must leave join's poll unchanged");
    CHECK_THROWS_WITH(both.poll(cx), "right side failed");
}

TEST_CASE("polling a join after it returned Ready is a clear error", "[ch01][join]") {
    auto both = ch01::join(ch01::Countdown(0), ch01::Countdown(0));
    CountingWaker probe;
    core::Context cx(probe.waker());
    REQUIRE(both.poll(cx).is_ready());
    INFO("throw std::logic_error: the sides are finished and must not be polled again");
    CHECK_THROWS_AS(both.poll(cx), std::logic_error);
}

TEST_CASE("dropping an unfinished join destroys both of its futures exactly once", "[ch01][join]") {
    CountingFuture a(0), b(5);
    auto sa = a.stats(), sb = b.stats();
    {
        auto both = ch01::join(std::move(a), std::move(b));
        CountingWaker probe;
        core::Context cx(probe.waker());
        REQUIRE(both.poll(cx).is_pending());  // a is finished, b is still Pending
        INFO("join owns its sides: nothing may be destroyed while the join is alive");
        CHECK(sa->destroyed == 0);
        CHECK(sb->destroyed == 0);
    }
    INFO("dropping the join must destroy both sides, finished or not, once each (no copies, no leaks)");
    CHECK(sa->destroyed == 1);
    CHECK(sb->destroyed == 1);
}
