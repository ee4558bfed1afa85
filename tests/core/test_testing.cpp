// Tests of the shared test probes: a probe that lies would make every
// chapter's tests lie.
#include "testing/catch.hpp"

#include <chrono>
#include <thread>

#include "core/testing.hpp"

using namespace core;
using namespace core::testing;

TEST_CASE("CountingFuture is Pending the given number of times, then Ready", "[core][testing]") {
    CountingWaker probe;
    Context cx(probe.waker());
    CountingFuture f(2);
    auto stats = f.stats();
    CHECK(f.poll(cx).is_pending());
    CHECK(f.poll(cx).is_pending());
    CHECK(f.poll(cx).is_ready());
    CHECK(stats->polls == 3);
    CHECK(stats->completions == 1);
    CHECK(probe.wakes() == 2);  // it woke itself on each Pending
    CHECK(stats->overlaps == 0);
}

TEST_CASE("CountingFuture can stay silent when Pending", "[core][testing]") {
    CountingWaker probe;
    Context cx(probe.waker());
    CountingFuture f(1, /*wake_self=*/false);
    CHECK(f.poll(cx).is_pending());
    CHECK(probe.wakes() == 0);
}

TEST_CASE("CountingFuture counts destruction once, not for moved-from shells", "[core][testing]") {
    CountingFuture f(0);
    auto stats = f.stats();
    {
        CountingFuture moved = std::move(f);
    }
    CHECK(stats->destroyed == 1);
}

TEST_CASE("a Trigger fired from another thread wakes the latest poll's waker", "[core][testing][race]") {
    Trigger trigger;
    auto fut = trigger.future();
    CountingWaker first, second;
    {
        Context cx(first.waker());
        CHECK(fut.poll(cx).is_pending());
    }
    {
        Context cx(second.waker());
        CHECK(fut.poll(cx).is_pending());
    }
    std::thread([trigger] { trigger.fire(); }).join();
    CHECK(first.wakes() == 0);
    CHECK(second.wakes() == 1);
    Context cx(second.waker());
    CHECK(fut.poll(cx).is_ready());
    CHECK(trigger.polls() == 3);
}

TEST_CASE("thread_cpu_time counts this thread's work, not its sleep", "[core][testing][race]") {
    auto before = thread_cpu_time();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto slept = thread_cpu_time() - before;
    CHECK(slept < std::chrono::milliseconds(20));

    // Work until the clock shows 10 ms of CPU. Not "spin 30 ms of wall time
    // and expect 10 ms of CPU": on a loaded machine (or under a sanitizer)
    // the thread may get much less than its share of those 30 ms.
    before = thread_cpu_time();
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    volatile long spin = 0;
    while (thread_cpu_time() - before < std::chrono::milliseconds(10) && std::chrono::steady_clock::now() < give_up)
        spin = spin + 1;
    INFO("5 s of spinning did not add up to 10 ms of this thread's CPU time");
    CHECK(thread_cpu_time() - before >= std::chrono::milliseconds(10));
}
