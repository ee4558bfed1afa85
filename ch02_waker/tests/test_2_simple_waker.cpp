// Chapter 2: SimpleWaker, the core::Wake that unparks block_on's thread.
#include "testing/catch.hpp"

#include <atomic>
#include <chrono>
#include <memory>

#include "ch02_waker/simple_waker.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace std::chrono_literals;

TEST_CASE("a SimpleWaker's wake() unparks its parker, from any thread", "[ch02][waker]") {
    core::testing::hang_hint("SimpleWaker::wake must call unpark() on the parker it was made with");
    auto parker = std::make_shared<ch02::Parker>();
    const core::Waker waker = core::Waker::from(std::make_shared<ch02::SimpleWaker>(parker));
    waker.wake();
    ch02_test::Helper first([parker] { parker->park(); });
    INFO("wake() must leave a token in the parker it was made with: park() after it blocked");
    REQUIRE(first.finished_within(2000ms));
    ch02_test::Helper second([parker] { parker->park(); });
    ch02_test::Helper waking([waker] { waker.wake(); });
    REQUIRE(waking.finished_within(2000ms));
    INFO("a wake() from another thread must unpark the parked thread");
    CHECK(second.finished_within(2000ms));
}

TEST_CASE("a SimpleWaker keeps its parker alive: a wake after everyone else let go is safe", "[ch02][waker]") {
    std::weak_ptr<ch02::Parker> watch;
    core::Waker late;
    {
        auto parker = std::make_shared<ch02::Parker>();
        watch = parker;
        late = core::Waker::from(std::make_shared<ch02::SimpleWaker>(parker));
    }
    INFO("block_on's parker dies with block_on unless the waker shares it: hold a std::shared_ptr<Parker>");
    REQUIRE_FALSE(watch.expired());
    late.wake();  // a late wake: must unpark a live parker nobody parks on
    late = core::Waker();
    INFO("the last waker copy is gone, so the parker must be freed with it");
    CHECK(watch.expired());
}
