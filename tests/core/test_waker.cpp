// Tests of core::Waker and core::Context: identity, no-op wakers, and
// copying/waking from many threads.
#include "testing/catch.hpp"

#include <thread>
#include <vector>

#include "core/testing.hpp"
#include "core/waker.hpp"

using core::Waker;
using core::testing::CountingWaker;

TEST_CASE("a waker made from a Wake object calls its wake()", "[core][waker]") {
    CountingWaker probe;
    probe.waker().wake();
    Waker copy = probe.waker();
    copy.wake();
    CHECK(probe.wakes() == 2);
}

TEST_CASE("will_wake is true exactly for wakers made from the same object", "[core][waker]") {
    CountingWaker a, b;
    Waker a2 = a.waker();
    CHECK(a.waker().will_wake(a2));
    CHECK_FALSE(a.waker().will_wake(b.waker()));
    CHECK(Waker::noop().will_wake(Waker::noop()));
    CHECK_FALSE(Waker::noop().will_wake(a.waker()));
}

TEST_CASE("a no-op waker, and a default-constructed one, can be woken and do nothing", "[core][waker]") {
    Waker::noop().wake();
    Waker w;
    w.wake();
    SUCCEED("no crash");
}

TEST_CASE("copies of a waker keep its Wake object alive, and dropping them releases it", "[core][waker]") {
    CountingWaker probe;
    CHECK(probe.live_wakers() == 1);
    {
        std::vector<Waker> copies(10, probe.waker());
        CHECK(probe.live_wakers() == 11);
    }
    CHECK(probe.live_wakers() == 1);
}

TEST_CASE("wakers can be copied, woken and dropped from many threads at once", "[core][waker][race]") {
    CountingWaker probe;
    constexpr int threads = 8, per_thread = 10'000;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&probe] {
            for (int i = 0; i < per_thread; ++i) {
                Waker local = probe.waker();  // copy: an atomic refcount increment
                local.wake();
            }  // drop: an atomic decrement
        });
    for (auto& t : pool) t.join();
    CHECK(probe.wakes() == threads * per_thread);
    CHECK(probe.live_wakers() == 1);
}

TEST_CASE("a Context lends its waker for one poll", "[core][waker]") {
    CountingWaker probe;
    core::Context cx(probe.waker());
    CHECK(cx.waker().will_wake(probe.waker()));
    Waker kept = cx.waker();  // what a future does when it must wake later
    kept.wake();
    CHECK(probe.wakes() == 1);
}
