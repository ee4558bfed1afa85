// ch07::sleep_for: timers the workers fire, no thread per timer, dropped
// timers leave at once, and sleeping inside block_on's own future.
#include "testing/catch.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <dirent.h>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ch07_work_stealing/executor.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace ch07_test;
using Clock = std::chrono::steady_clock;

namespace {

int thread_count() {
    int n = 0;
    if (DIR* d = opendir("/proc/self/task")) {
        while (dirent* e = readdir(d))
            if (e->d_name[0] != '.') ++n;
        closedir(d);
    }
    return n;
}

core::Async<long> timed_sleep(std::chrono::milliseconds d) {
    auto start = Clock::now();
    co_await ch07::sleep_for(d);
    co_return long(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
}

core::Async<void> sleeper_for(std::chrono::milliseconds d, std::shared_ptr<std::atomic<int>> woke) {
    co_await ch07::sleep_for(d);
    woke->fetch_add(1);
}

core::Async<int> ch07_sleep_then([[maybe_unused]] DropProbe probe, std::chrono::milliseconds d, int v) {
    co_await ch07::sleep_for(d);
    co_return v;
}

template <class Duration>
core::Async<void> sleep_max() {
    co_await ch07::sleep_for(Duration::max());
}

}  // namespace

TEST_CASE("ch07::sleep_for completes after at least its duration, in a task and in block_on", "[ch07][timer]") {
    core::testing::hang_hint("a ch07::sleep_for never fired: is a parked worker driving the timer (Timer::start_driving)?");
    ch07::Runtime rt(2);
    long in_task = rt.block_on(rt.spawn(timed_sleep(std::chrono::milliseconds(20))));
    CHECK(in_task >= 20'000);
    long in_block_on = rt.block_on(timed_sleep(std::chrono::milliseconds(20)));
    CHECK(in_block_on >= 20'000);
    INFO("a backstop only: a parked worker sleeps until the earliest deadline");
    CHECK(in_task < std::chrono::duration_cast<std::chrono::microseconds>(
                        core::testing::scaled(std::chrono::seconds(2))).count());
}

TEST_CASE("a sleep registered earlier than the one the driver sleeps to wakes the driver", "[ch07][timer]") {
    core::testing::hang_hint("the timer driver slept to a later deadline and missed an earlier one");
    ch07::Runtime rt(1);
    auto woke = make_counter();
    (void)rt.spawn(sleeper_for(std::chrono::hours(1), woke));  // the worker parks until then
    REQUIRE(eventually([&] { return rt.metrics().timers == 1 && rt.metrics().unparked == 0; }));
    long took = rt.block_on(timed_sleep(std::chrono::milliseconds(10)));
    INFO("the 10 ms sleep took " << took << " us; Timer::add must return the driver's parker when the new "
                                   "deadline is earlier, and the caller must unpark it");
    CHECK(took < std::chrono::duration_cast<std::chrono::microseconds>(
                     core::testing::scaled(std::chrono::seconds(2))).count());
}

TEST_CASE("10 000 sleepers on 2 workers all wake, with no thread per timer", "[ch07][timer]") {
    core::testing::hang_hint("some sleepers never woke");
    auto woke = make_counter();
    int threads_before = thread_count();
    int threads_during = 0;
    {
        ch07::Runtime rt(2);
        for (int i = 0; i < 10'000; ++i) (void)rt.spawn(sleeper_for(std::chrono::milliseconds(20 + i % 50), woke));
        threads_during = thread_count();
        REQUIRE(eventually([&] { return woke->load() == 10'000; }));
        CHECK(rt.metrics().timers == 0);
    }
    INFO("threads before the runtime: " << threads_before << ", with 10 000 timers pending: " << threads_during);
    CHECK(threads_during <= threads_before + 2);
}

TEST_CASE("a dropped sleep leaves the timer at once", "[ch07][timer]") {
    ch07::Runtime rt(1);
    auto drops = make_counter();
    std::vector<ch07::JoinHandle<int>> handles;
    for (int i = 0; i < 100; ++i) handles.push_back(rt.spawn(ch07_sleep_then(DropProbe(drops), std::chrono::hours(1), i)));
    REQUIRE(eventually([&] { return rt.metrics().timers == 100; }));
    for (auto& h : handles) h.abort();
    for (auto& h : handles) CHECK_THROWS_AS(rt.block_on(std::move(h)), ch07::Cancelled);
    CHECK(drops->load() == 100);
    INFO("an aborted task's Sleep must remove its entry from the timer in its destructor");
    CHECK(rt.metrics().timers == 0);
}

TEST_CASE("ch07::sleep_for outside a runtime is a clear error, inside one it works", "[ch07][timer]") {
    {
        ch07::Runtime rt(1);
        CHECK(rt.block_on(rt.spawn(timed_sleep(std::chrono::milliseconds(1)))) >= 1000);
    }
    auto s = ch07::sleep_for(std::chrono::milliseconds(5));
    core::Waker noop = core::Waker::noop();
    core::Context cx(noop);
    auto msg = logic_error_message([&] { (void)s.poll(cx); });
    CHECK_THAT(msg, Catch::Contains("outside"));
}

TEST_CASE("sleepers whose deadlines are spread over 100 ms wake close to them", "[ch07][timer]") {
    // A backstop on lateness, generous: make bench measures it properly.
    ch07::Runtime rt(2);
    constexpr int n = 2000;
    std::vector<ch07::JoinHandle<long>> handles;
    for (int i = 0; i < n; ++i) handles.push_back(rt.spawn(timed_sleep(std::chrono::milliseconds(1 + i % 100))));
    std::vector<long> late;
    for (int i = 0; i < n; ++i) late.push_back(rt.block_on(std::move(handles[i])) - (1 + i % 100) * 1000L);
    std::sort(late.begin(), late.end());
    INFO("lateness p50 " << late[n / 2] << " us, max " << late.back() << " us");
    CHECK(late.front() >= 0);
    CHECK(late[n / 2] < std::chrono::duration_cast<std::chrono::microseconds>(
                            core::testing::scaled(std::chrono::milliseconds(200))).count());
}

TEST_CASE("a sleep too long to add to the clock (seconds, nanoseconds, hours ::max()) stays pending",
          "[ch07][timer]") {
    core::testing::hang_hint("a sleep of duration::max() never registered with the timer");
    ch07::Runtime rt(1);
    auto by_seconds = rt.spawn(sleep_max<std::chrono::seconds>());
    auto by_nanoseconds = rt.spawn(sleep_max<std::chrono::nanoseconds>());
    auto by_hours = rt.spawn(sleep_max<std::chrono::hours>());
    auto finished = [&] {
        return int(by_seconds.is_finished()) + int(by_nanoseconds.is_finished()) + int(by_hours.is_finished());
    };
    REQUIRE(eventually([&] { return rt.metrics().timers + std::size_t(finished()) == 3; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    INFO("\"sleep forever\" must pend forever: now + duration::max() overflows (it wraps into the past and the "
         "sleep is Ready at once); ch07::sleep_for saturates the duration to a far-future deadline");
    CHECK_FALSE(by_seconds.is_finished());
    CHECK_FALSE(by_nanoseconds.is_finished());
    CHECK_FALSE(by_hours.is_finished());
    CHECK(rt.metrics().timers == 3);
}
