// Tests of core::Poll: the two states, and that a mix-up fails loudly.
#include "testing/catch.hpp"

#include <memory>
#include <string>

#include "core/poll.hpp"

using core::Poll;

TEST_CASE("a Ready poll holds its value and a Pending one holds nothing", "[core][poll]") {
    Poll<int> ready = 42;
    CHECK(ready.is_ready());
    CHECK_FALSE(ready.is_pending());
    CHECK(ready.value() == 42);

    auto pending = Poll<int>::pending();
    CHECK(pending.is_pending());
    CHECK_FALSE(pending.is_ready());
}

TEST_CASE("asking a Pending poll for its value throws instead of reading garbage", "[core][poll]") {
    auto pending = Poll<std::string>::pending();
    CHECK_THROWS_AS(pending.value(), std::logic_error);
    CHECK_THROWS_AS(pending.take(), std::logic_error);
    CHECK_THROWS_AS(Poll<void>::pending().take(), std::logic_error);
}

TEST_CASE("take() moves a move-only value out of a Ready poll", "[core][poll]") {
    auto p = Poll<std::unique_ptr<int>>::ready(std::make_unique<int>(7));
    std::unique_ptr<int> v = p.take();
    REQUIRE(v);
    CHECK(*v == 7);
}

TEST_CASE("Poll<void> is either ready or pending", "[core][poll]") {
    CHECK(Poll<void>::ready().is_ready());
    CHECK(Poll<void>::pending().is_pending());
}
