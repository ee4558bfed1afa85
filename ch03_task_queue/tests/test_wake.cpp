// Chapter 3: the queued flag. One queue entry per wake-up, no lost wakes,
// nothing happens after the end.
#include <catch2/catch.hpp>

#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "ch03_task_queue/executor.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

namespace {

// Wakes the gated task 100 times from inside another task's poll (so no
// poll of it can happen in between), then lets the executor poll it, then
// opens the gate.
core::Async<void> wake_storm(probes::Gate gate, std::shared_ptr<int> polls_after_storm) {
    for (int i = 0; i < 100; ++i) gate.wake();
    co_await core::yield_now();  // queued behind the gated task's entry (or entries)
    *polls_after_storm = gate.polls();
    gate.open();
}

// Holds the executor inside a poll while other threads wake the gated task.
core::Async<void> hold_then_open(probes::HoldPoll hold, probes::Gate gate,
                                 std::shared_ptr<int> polls_after_storm) {
    co_await hold;
    co_await core::yield_now();
    *polls_after_storm = gate.polls();
    gate.open();
}

core::Async<void> yield_n_then_open(int n, probes::Gate gate) {
    for (int i = 0; i < n; ++i) co_await core::yield_now();
    gate.open();
}

core::Async<void> fail_soon() {
    co_await core::yield_now();
    co_await core::yield_now();
    throw std::runtime_error("main future failed");
}

}  // namespace

TEST_CASE("a task woken 100 times before its next poll is polled once", "[ch03][dedup]") {
    core::testing::hang_hint("a wake was lost: the gate opens with a wake, and yield_now wakes its task inside its own poll. Does wake() push, and is `queued` cleared BEFORE the poll?");
    ch03::Executor ex;
    probes::Gate gate;
    auto polls_after_storm = std::make_shared<int>(-1);
    ex.spawn(gate.future());
    ex.block_on(wake_storm(gate, polls_after_storm));
    INFO("more than 2 polls by the time the storm is over: each wake queued the task again; "
         "wake() must push only when queued.exchange(true) returned false");
    CHECK(*polls_after_storm == 2);
    CHECK(gate.polls() == 3);
}

TEST_CASE("a task woken from 4 threads at once while the executor is busy is queued once",
          "[ch03][dedup][race]") {
    core::testing::hang_hint("the executor is held inside one poll while 4 threads wake another task");
    ch03::Executor ex;
    probes::Gate gate;
    auto polls_after_storm = std::make_shared<int>(-1);
    ex.spawn(gate.future());
    auto entered = std::make_shared<core::testing::Latch>(1);
    auto storm_over = std::make_shared<core::testing::Latch>(4);
    std::vector<std::thread> wakers;
    for (int t = 0; t < 4; ++t)
        wakers.emplace_back([gate, entered, storm_over] {
            entered->wait();  // the executor is inside the HoldPoll: it cannot poll the gate
            for (int i = 0; i < 1000; ++i) gate.wake();
            storm_over->count_down();
        });
    probes::HoldPoll hold(entered, storm_over);
    {
        probes::OpenOnExit let_go(entered);
        ex.block_on(hold_then_open(std::move(hold), gate, polls_after_storm));
    }
    for (auto& t : wakers) t.join();
    INFO("4000 wakes from 4 threads must leave one queue entry: only the exchange that saw false pushes");
    CHECK(*polls_after_storm == 2);
    CHECK(gate.polls() == 3);
}

TEST_CASE("a wake that arrives during the task's poll is not lost", "[ch03][lost-wakeup][race]") {
    core::testing::hang_hint("a wake during the poll was lost: clear `queued` BEFORE polling, not after");
    ch03::Executor ex;
    auto state = std::make_shared<probes::WokenDuringPoll::State>();
    ex.spawn(probes::WokenDuringPoll(state));
    std::thread waker([state] {
        state->inside.wait();  // the task is inside its first poll
        state->waker.wake();
        state->woken.count_down();  // only now may the poll return Pending
    });
    {
        probes::OpenOnExit let_go(std::shared_ptr<core::testing::Latch>(state, &state->inside));
        ex.block_on(core::yield_now());
    }
    waker.join();
    CHECK(state->polls == 2);
}

TEST_CASE("a task is polled only after a wake, not on every turn of the executor", "[ch03][wake]") {
    core::testing::hang_hint("a wake was lost: the gate opens with a wake, and yield_now wakes its task inside its own poll. Does wake() push, and is `queued` cleared BEFORE the poll?");
    ch03::Executor ex;
    probes::Gate gate;
    ex.spawn(gate.future());
    ex.block_on(yield_n_then_open(50, gate));
    INFO("the gated task was polled while nobody woke it: poll only what the ready queue hands you");
    CHECK(gate.polls() == 2);
}

TEST_CASE("a wake after the task has finished does nothing", "[ch03][wake]") {
    core::testing::hang_hint("a late wake must not leave the executor waiting for a finished task");
    ch03::Executor ex;
    probes::Gate gate;
    ex.spawn(gate.future());
    ex.block_on(yield_n_then_open(1, gate));
    REQUIRE(gate.polls() == 2);
    core::Waker late = gate.waker();  // the waker of the finished task
    late.wake();
    late.wake();
    // A finished task polled again would make its BoxFuture throw
    // "polled again after it returned Ready" right here.
    ex.block_on(core::yield_now());
    CHECK(gate.polls() == 2);
    CHECK(gate.destroyed());
}

TEST_CASE("a waker that outlives the executor wakes nothing, crashes nothing, and frees its task",
          "[ch03][lifetime]") {
    core::testing::hang_hint("block_on must leave with the main future's exception");
    probes::Gate parked;
    core::Waker survivor;
    {
        ch03::Executor ex;
        ex.spawn(parked.future());
        // The main future fails while the other task is still parked on its gate.
        CHECK_THROWS_WITH(ex.block_on(fail_soon()), "main future failed");
        REQUIRE(parked.polls() == 1);
        survivor = parked.waker();
        parked.drop_waker();
    }  // the executor and its queue are gone; the parked task lives on in `survivor`
    REQUIRE_FALSE(parked.destroyed());
    survivor.wake();  // the queue is held weakly: nothing to push into, nothing happens
    survivor.wake();
    CHECK(parked.polls() == 1);
    INFO("the task (and its future) must die with the last waker: nothing else may own it");
    survivor = core::Waker();
    CHECK(parked.destroyed());
}
