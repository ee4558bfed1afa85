// Chapter 2: Parker, park() and unpark() with token semantics.
//
// Every park that might block runs on a ch02_test::Helper thread, and the test
// waits for it with a time limit: a parker that loses a token fails the test
// instead of freezing it.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "ch02_waker/executor.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace std::chrono_literals;
using ch02_test::Helper;

TEST_CASE("an unpark before park is not lost: park returns at once", "[ch02][parker]") {
    auto parker = std::make_shared<ch02::Parker>();
    parker->unpark();  // nobody is parked yet: the token must wait
    Helper h([parker] { parker->park(); });
    INFO("park() after unpark() must find the token and return; it blocked instead (lost unpark?)");
    CHECK(h.finished_within(2000ms));
}

TEST_CASE("two unparks before a park make one token: the second park blocks", "[ch02][parker][race]") {
    auto parker = std::make_shared<ch02::Parker>();
    parker->unpark();
    parker->unpark();
    auto returned = std::make_shared<std::atomic<int>>(0);
    Helper h([parker, returned] {
        parker->park();
        returned->fetch_add(1);
        parker->park();
        returned->fetch_add(1);
    });
    INFO("the first park() must consume the token left by the unparks and return");
    REQUIRE(ch02_test::wait_until([&] { return *returned >= 1; }));
    std::this_thread::sleep_for(100ms);  // give a wrong parker time to let the second park through
    INFO("the second park() returned without a new unpark: unparks must not add up (a bool, not a counter)");
    CHECK(*returned == 1);
    parker->unpark();
    INFO("the unpark() after the second park() began must wake it");
    CHECK(h.finished_within(2000ms));
    CHECK(*returned == 2);
}

TEST_CASE("unpark wakes a thread that is already parked", "[ch02][parker][race]") {
    auto parker = std::make_shared<ch02::Parker>();
    auto started = std::make_shared<ch02_test::Latch>(1);
    Helper h([parker, started] {
        started->count_down();
        parker->park();
    });
    started->wait();
    std::this_thread::sleep_for(20ms);  // most likely parked by now (either order must work)
    CHECK_FALSE(h.finished());
    parker->unpark();
    INFO("unpark() must notify the condition variable the parked thread waits on");
    CHECK(h.finished_within(2000ms));
}

TEST_CASE("park and unpark ping-pong 3000 times between two threads without losing a wake", "[ch02][parker][race]") {
    constexpr int rounds = 3000;
    auto ping = std::make_shared<ch02::Parker>();
    auto pong = std::make_shared<ch02::Parker>();
    Helper a([ping, pong](const std::atomic<bool>& stop) {
        for (int i = 0; i < rounds && !stop; ++i) {
            ping->unpark();
            pong->park();
        }
    });
    Helper b([ping, pong](const std::atomic<bool>& stop) {
        for (int i = 0; i < rounds && !stop; ++i) {
            ping->park();
            pong->unpark();
        }
    });
    INFO("one side is stuck in park(): an unpark() was lost (token set without the lock? notify before the set?)");
    CHECK(a.finished_within(8000ms));
    CHECK(b.finished_within(2000ms));
}

TEST_CASE("unparks from 8 threads at once leave one token, not many", "[ch02][parker][race]") {
    constexpr int threads = 8, unparks_each = 1000;
    auto parker = std::make_shared<ch02::Parker>();
    auto start = std::make_shared<ch02_test::Latch>(threads);
    {
        std::vector<std::unique_ptr<Helper>> unparkers;
        for (int t = 0; t < threads; ++t) {
            unparkers.push_back(std::make_unique<Helper>([parker, start] {
                start->arrive_and_wait();  // all start together: maximum contention
                for (int i = 0; i < unparks_each; ++i) parker->unpark();
            }));
        }
        for (auto& u : unparkers) REQUIRE(u->finished_within(5000ms));
    }
    auto returned = std::make_shared<std::atomic<int>>(0);
    Helper h([parker, returned] {
        parker->park();
        returned->fetch_add(1);
        parker->park();
        returned->fetch_add(1);
    });
    INFO("8000 unparks happened before this park: it must return at once");
    REQUIRE(ch02_test::wait_until([&] { return *returned >= 1; }));
    std::this_thread::sleep_for(100ms);
    INFO("the second park() returned: the 8000 unparks were counted, not collapsed into one token");
    CHECK(*returned == 1);
    parker->unpark();
    CHECK(h.finished_within(2000ms));
}
