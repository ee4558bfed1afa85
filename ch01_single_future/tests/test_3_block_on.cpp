// Chapter 1: block_on polls a future in a loop until it is Ready.
#include "testing/catch.hpp"

#include <chrono>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "ch01_single_future/block_on.hpp"
#include "ch01_single_future/countdown.hpp"
#include "ch01_single_future/join.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using ch01_test::Counted;
using ch01_test::Ready;
using core::testing::CountingFuture;

TEST_CASE("block_on returns the value of a future that is ready at once", "[ch01][block-on]") {
    std::string word = "ready-" + std::to_string(std::rand() % 1000);
    std::string got = ch01::block_on(Ready<std::string>(word));
    CHECK(got == word);
}

TEST_CASE("block_on moves a move-only value out of the future", "[ch01][block-on]") {
    auto p = std::make_unique<int>(41);
    int* address = p.get();
    std::unique_ptr<int> got = ch01::block_on(Ready<std::unique_ptr<int>>(std::move(p)));
    REQUIRE(got);
    INFO("block_on must move the value out (result.take()), not copy or drop it");
    CHECK(got.get() == address);
    CHECK(*got == 41);
}

TEST_CASE("block_on of a void future returns once the future is ready", "[ch01][block-on]") {
    core::testing::hang_hint("block_on must return as soon as poll() says Ready");
    core::testing::CountingFuture future(3);
    auto stats = future.stats();
    {
        INFO("block_on must poll again after Pending, until the future is Ready (a Pending poll has no "
             "value to take)");
        ch01::block_on(std::move(future));
    }
    INFO("a future that is Pending 3 times needs exactly 4 polls");
    CHECK(stats->polls == 4);
    CHECK(stats->completions == 1);
}

TEST_CASE("block_on polls the future where it lies and never moves it after its first poll", "[ch01][block-on]") {
    core::testing::hang_hint("block_on must return as soon as poll() says Ready");
    auto stats = std::make_shared<ch01_test::PinStats>();
    int value = ch01::block_on(ch01_test::StaysPut(5, stats));
    CHECK(value == 5);
    CHECK(stats->polls == 6);
    INFO("block_on moved the future after its first poll (" << stats->moves_after_poll
         << " moves, " << stats->polls_elsewhere << " polls at another address): a recursive call with "
         "std::move(future), or a fresh copy each round? Our rule instead of Pin: a future is moved in "
         "before its first poll and polled where it lies after that (book: Pin, and our rule instead)");
    CHECK(stats->moves_after_poll == 0);
    CHECK(stats->polls_elsewhere == 0);
}

TEST_CASE("block_on keeps polling a future that never wakes it (it busy-polls)", "[ch01][block-on]") {
    core::testing::hang_hint("chapter 1's block_on polls again at once after Pending; it must not wait for a wake");
    // wake_self = false: this future never wakes its waker. Chapter 1's
    // block_on does not care: it asks again and again anyway.
    core::testing::CountingFuture future(1000, /*wake_self=*/false);
    auto stats = future.stats();
    ch01::block_on(std::move(future));
    CHECK(stats->polls == 1001);
    CHECK(stats->overlaps == 0);
}

TEST_CASE("an exception thrown by poll leaves through block_on", "[ch01][block-on]") {
    core::testing::hang_hint("an exception from poll() must leave block_on, not be swallowed and retried");
    try {
        ch01::block_on(ch01_test::ThrowsAfter(2, "poll failed on purpose"));
        FAIL("block_on returned, but the future's poll threw");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()) == "poll failed on purpose");
    }
}

TEST_CASE("block_on spins through a core::sleep_for until the timer fires", "[ch01][block-on][race]") {
    core::testing::hang_hint("block_on must keep polling core::sleep_for until it is Ready");
    using namespace std::chrono_literals;
    // A busy loop polls a 50 ms sleep thousands of times. But if this thread
    // is descheduled for longer than the sleep right after the first poll (a
    // loaded machine, valgrind), it can only see Pending, then Ready: 2 polls
    // that prove nothing either way. So a round counts only if it saw the
    // loop run; a block_on that waits between polls fails every round.
    constexpr int rounds = 5;
    int polls_seen = 0;
    for (int round = 0; round < rounds && polls_seen <= 2; ++round) {
        auto polls = std::make_shared<int>(0);
        auto start = std::chrono::steady_clock::now();
        ch01::block_on(Counted(core::sleep_for(50ms), polls));
        auto elapsed = std::chrono::steady_clock::now() - start;
        INFO("round " << round << ": block_on returned before the sleep was over");
        REQUIRE(elapsed >= 50ms);
        polls_seen = *polls;
    }
    CAPTURE(polls_seen);
    INFO("a busy loop polls a 50 ms sleep many times (run make demo-ch01 to see how many); "
         "in " << rounds << " rounds it never polled more than twice");
    CHECK(polls_seen > 2);
}

TEST_CASE("block_on(Countdown(n)) returns n after exactly n + 1 polls", "[ch01][block-on]") {
    core::testing::hang_hint("Countdown must reach Ready after n Pending polls; block_on must return on Ready");
    for (int n : {0, 1, 5, 100}) {
        CAPTURE(n);
        auto polls = std::make_shared<int>(0);
        int value = ch01::block_on(ch01_test::Counted(ch01::Countdown(n), polls));
        CHECK(value == n);
        CHECK(*polls == n + 1);
    }
}

TEST_CASE("join under block_on gives both outputs, std::monostate for a void side", "[ch01][block-on]") {
    core::testing::hang_hint("join must become Ready once both sides are; block_on must return then");
    CountingFuture a(4);
    auto sa = a.stats();
    auto [left, right] = ch01::block_on(ch01::join(std::move(a), ch01_test::Ready<std::string>("right")));
    CHECK(left == std::monostate{});
    CHECK(right == "right");
    CHECK(sa->polls == 5);
}
