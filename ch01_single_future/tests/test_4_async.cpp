// Chapter 1: block_on drives coroutines (core::Async) like any other future.
#include "testing/catch.hpp"

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "ch01_single_future/executor.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

namespace {

// Coroutines are free functions that take their parameters by value.
core::Async<int> count_down_twice(int a, int b) {
    int x = co_await ch01::Countdown(a);
    int y = co_await ch01::Countdown(b);
    co_return x * 100 + y;
}

core::Async<int> three_levels(int n) {
    int first = co_await count_down_twice(n, n + 1);
    co_await core::yield_now();
    int second = co_await count_down_twice(1, 2);
    co_return first + second;
}

core::Async<int> fails_after_countdown(int n, std::string message) {
    co_await ch01::Countdown(n);
    throw std::runtime_error(message);
}

core::Async<int> calls_a_failing_coroutine(int n) {
    int v = co_await fails_after_countdown(n, "thrown two levels down");
    co_return v;  // never reached
}

core::Async<std::string> catches_a_failing_coroutine(int n) {
    try {
        co_await fails_after_countdown(n, "caught inside");
    } catch (const std::runtime_error& e) {
        co_return std::string("recovered from: ") + e.what();
    }
    co_return "no exception?";
}

core::Async<int> awaits_a_join(int a, int b) {
    auto [x, y] = co_await ch01::join(ch01::Countdown(a), ch01::Countdown(b));
    co_return x + y;
}

core::Async<std::unique_ptr<std::string>> makes_a_box(std::string text) {
    co_await ch01::Countdown(2);
    co_return std::make_unique<std::string>(std::move(text));
}

}  // namespace

TEST_CASE("block_on drives a chain of co_awaits in core::Async", "[ch01][async]") {
    core::testing::hang_hint("block_on must keep polling the Async until Ready");
    CHECK(ch01::block_on(count_down_twice(3, 4)) == 304);
    CHECK(ch01::block_on(three_levels(2)) == 203 + 102);
}

TEST_CASE("an exception thrown deep in an Async chain leaves through block_on", "[ch01][async]") {
    core::testing::hang_hint("an exception from poll() must leave block_on");
    try {
        ch01::block_on(calls_a_failing_coroutine(3));
        FAIL("block_on returned, but the coroutine threw");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()) == "thrown two levels down");
    }
}

TEST_CASE("an exception caught inside the coroutine does not reach block_on", "[ch01][async]") {
    core::testing::hang_hint("block_on must keep polling the Async until Ready");
    CHECK(ch01::block_on(catches_a_failing_coroutine(2)) == "recovered from: caught inside");
}

TEST_CASE("block_on of an Async that awaits a join", "[ch01][async]") {
    core::testing::hang_hint("join must become Ready once both sides are");
    CHECK(ch01::block_on(awaits_a_join(3, 7)) == 10);
}

TEST_CASE("block_on of an Async returning a move-only value", "[ch01][async]") {
    core::testing::hang_hint("block_on must keep polling the Async until Ready");
    auto box = ch01::block_on(makes_a_box("boxed"));
    REQUIRE(box);
    CHECK(*box == "boxed");
}
