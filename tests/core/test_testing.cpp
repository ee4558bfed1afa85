// Tests of the shared test probes: a probe that lies would make every
// chapter's tests lie.
#include "testing/catch.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
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

// The spurious wakeups of tests/infra/wakeups.cpp are what makes a wait
// without its loop fail in every chapter: prove that they happen, on the
// waits the learner's code uses, and that a loop survives them.
TEST_CASE("a thread's first condition-variable wait returns without a notify (an injected spurious wakeup)",
          "[core][testing]") {
    if (!spurious_wakeups_enabled()) return;  // a sanitizer build, or EXECUTOR_SPURIOUS_WAKEUPS=0
    auto run_on_fresh_thread = [](auto body) { std::thread(body).join(); };
    const long before = spurious_wakeups_injected();
    bool notified = false;
    std::mutex m;
    std::condition_variable cv;
    bool wait_returned = false, wait_for_returned_early = false, wait_until_returned_early = false;
    run_on_fresh_thread([&] {
        std::unique_lock lock(m);
        cv.wait(lock);  // no notify ever comes: only an injected wakeup returns this
        wait_returned = true;
    });
    run_on_fresh_thread([&] {
        std::unique_lock lock(m);
        auto start = std::chrono::steady_clock::now();
        cv.wait_for(lock, std::chrono::seconds(30));
        wait_for_returned_early = std::chrono::steady_clock::now() - start < std::chrono::seconds(10);
    });
    run_on_fresh_thread([&] {
        std::unique_lock lock(m);
        auto start = std::chrono::steady_clock::now();
        cv.wait_until(lock, start + std::chrono::seconds(30));
        wait_until_returned_early = std::chrono::steady_clock::now() - start < std::chrono::seconds(10);
    });
    CHECK(wait_returned);
    CHECK(wait_for_returned_early);
    CHECK(wait_until_returned_early);
    CHECK(spurious_wakeups_injected() - before >= 3);  // (other threads, the watchdog's, wait too)

    // A wait in a loop is not fooled: it returns once the condition holds.
    std::thread waker([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        std::lock_guard lock(m);
        notified = true;
        cv.notify_one();
    });
    run_on_fresh_thread([&] {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return notified; });
        CHECK(notified);
    });
    waker.join();
}
