// Cancellation and detaching: abort() frees the task's future wherever the
// task is (running, parked on a timer, finished), dropping a handle does not.
#include "testing/catch.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "ch07_work_stealing/executor.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace ch07_test;

TEST_CASE("aborting a running task frees its future after that poll, and the join throws Cancelled",
          "[ch07][abort][race]") {
    core::testing::hang_hint("after abort() of a running task, nobody frees it: check TaskState::transition_to_idle's cancelled answer");
    auto drops = make_counter();
    auto gate = std::make_shared<PollGate>();
    ch07::Runtime rt(2);
    OpenOnExit open{gate};
    auto h = rt.spawn(BlockingPoll(gate, DropProbe(drops), /*ready_after=*/false));
    gate->entered.wait();  // the task is inside its poll now
    h.abort();
    CHECK(drops->load() == 0);  // a running future is never freed under the worker's feet
    gate->open();               // the poll returns Pending; nobody will ever wake it
    CHECK_THROWS_AS(rt.block_on(std::move(h)), ch07::Cancelled);
    INFO("when the join reports Cancelled, the task's future must already be destroyed");
    CHECK(drops->load() == 1);
}

TEST_CASE("aborting a task parked on a 1-hour sleep frees its future at once", "[ch07][abort][race]") {
    core::testing::hang_hint(
        "abort() of an idle task (parked on a timer) must queue it so a worker frees it; "
        "nobody else will ever wake it");
    auto drops = make_counter();
    ch07::Runtime rt(1);  // one worker, FIFO: the marker runs after the sleeper parked
    auto h = rt.spawn(sleep_then(DropProbe(drops), std::chrono::hours(1), 1));
    rt.block_on(rt.spawn(value_of(0)));  // the sleeper's first poll is over: it is idle
    CHECK_FALSE(h.is_finished());
    auto start = std::chrono::steady_clock::now();
    h.abort();
    CHECK_THROWS_AS(rt.block_on(std::move(h)), ch07::Cancelled);
    auto took = std::chrono::steady_clock::now() - start;
    INFO("the future (and its timer) must be destroyed by the time the join reports Cancelled");
    CHECK(drops->load() == 1);
    CHECK(took < std::chrono::seconds(2));
}

TEST_CASE("aborting a finished task changes nothing: the join still returns the value", "[ch07][abort][race]") {
    ch07::Runtime rt(2);
    auto h = rt.spawn(value_of(11));
    REQUIRE(eventually([&] { return h.is_finished(); }));
    h.abort();
    INFO("a task that completed keeps its result; abort() is a no-op then (as in tokio)");
    CHECK(rt.block_on(std::move(h)) == 11);
}

TEST_CASE("a task aborted during the poll that completes it keeps its value", "[ch07][abort][race]") {
    core::testing::hang_hint("the task returned Ready during an abort and nobody completed its join");
    auto drops = make_counter();
    auto gate = std::make_shared<PollGate>();
    ch07::Runtime rt(2);
    OpenOnExit open{gate};
    auto h = rt.spawn(BlockingPoll(gate, DropProbe(drops), /*ready_after=*/true));
    gate->entered.wait();
    h.abort();
    gate->open();  // the poll returns Ready(7): the value exists, keep it
    CHECK(rt.block_on(std::move(h)) == 7);
    CHECK(drops->load() == 1);
}

TEST_CASE("aborting many sleeping tasks from another thread frees every one", "[ch07][abort][race]") {
    core::testing::hang_hint("an aborted task was never freed, so its join waits forever");
    auto drops = make_counter();
    ch07::Runtime rt(2);
    constexpr int n = 500;
    std::vector<ch07::JoinHandle<int>> handles;
    for (int i = 0; i < n; ++i) handles.push_back(rt.spawn(sleep_then(DropProbe(drops), std::chrono::hours(1), i)));
    ch07_test::CheckedThread aborter([&] {
        for (auto& h : handles) h.abort();
    });
    aborter.join();
    int cancelled = 0;
    for (auto& h : handles) {
        try {
            rt.block_on(std::move(h));
        } catch (const ch07::Cancelled&) {
            ++cancelled;
        }
    }
    CHECK(cancelled == n);
    CHECK(drops->load() == n);
}

TEST_CASE("aborting twice is harmless", "[ch07][abort]") {
    ch07::Runtime rt(1);
    auto drops = make_counter();
    auto h = rt.spawn(sleep_then(DropProbe(drops), std::chrono::hours(1), 1));
    h.abort();
    h.abort();
    CHECK_THROWS_AS(rt.block_on(std::move(h)), ch07::Cancelled);
    CHECK(drops->load() == 1);
}

TEST_CASE("dropping a JoinHandle detaches: the task runs on to the end", "[ch07][abort][race]") {
    core::testing::hang_hint("a detached task stopped running when its handle was dropped");
    ch07::Runtime rt(2);
    core::testing::Trigger trigger;
    auto flag = std::make_shared<std::atomic<bool>>(false);
    {
        auto h = rt.spawn(wait_then(trigger.future(), 1));
        (void)rt.spawn(set_flag(flag));  // dropped at once
    }  // h dropped while its task waits
    REQUIRE(eventually([&] { return flag->load(); }));
    REQUIRE(eventually([&] { return trigger.polls() >= 1; }));
    trigger.fire();
    INFO("the detached task must still be polled to completion after the wake");
    CHECK(eventually([&] { return trigger.polls() >= 2; }));
}

TEST_CASE("is_finished is false while the task waits and true once it has an outcome", "[ch07][abort][race]") {
    ch07::Runtime rt(2);
    core::testing::Trigger trigger;
    auto h = rt.spawn(wait_then(trigger.future(), 3));
    REQUIRE(eventually([&] { return trigger.polls() >= 1; }));
    CHECK_FALSE(h.is_finished());
    trigger.fire();
    CHECK(eventually([&] { return h.is_finished(); }));
    auto aborted = rt.spawn(sleep_then(DropProbe(make_counter()), std::chrono::hours(1), 1));
    aborted.abort();
    INFO("an aborted task is finished once a worker has freed it");
    CHECK(eventually([&] { return aborted.is_finished(); }));
    CHECK(rt.block_on(std::move(h)) == 3);
}

TEST_CASE("ch07::Cancelled says what happened", "[ch07][abort]") {
    ch07::Runtime rt(1);
    auto h = rt.spawn(sleep_then(DropProbe(make_counter()), std::chrono::hours(1), 1));
    h.abort();
    try {
        rt.block_on(std::move(h));
        FAIL("the join of an aborted task must throw ch07::Cancelled");
    } catch (const ch07::Cancelled& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains("abort"));
    }
}
