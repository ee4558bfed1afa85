// Chapter 3, piece 3: the executor (spawn and block_on) running many tasks
// on one thread: order, timing, scale, errors, the queued flag seen from the
// outside, and lifetimes at the end.
#include "probes.hpp"  // first: see the note at its top

#include "testing/catch.hpp"

#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "ch03_task_queue/executor.hpp"
#include "core/core.hpp"
#include "core/scope_exit.hpp"
#include "core/testing.hpp"

static_assert(std::is_same_v<ch03::QueuedFlag, probes::PausableFlag>,
              "include probes.hpp before the chapter's headers");

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using probes::Log;

namespace {

// Coroutines are free functions with by-value parameters (never references
// into a spawned coroutine: the caller's frame is gone by the time it runs).
core::Async<void> sleep_then_log(std::string name, std::chrono::milliseconds d, Log log,
                                 std::shared_ptr<Clock::time_point> start,
                                 std::shared_ptr<std::vector<double>> finished_ms) {
    log->push_back("start " + name);
    co_await core::sleep_for(d);
    log->push_back(name + " done");
    finished_ms->push_back(std::chrono::duration<double, std::milli>(Clock::now() - *start).count());
}

core::Async<int> answer_after_a_yield(Log log, std::shared_ptr<core::testing::Latch> main_done) {
    co_await core::yield_now();
    log->push_back("main done");
    main_done->count_down();  // lets the other thread open the gate
    co_return 42;
}

core::Async<void> wait_for_gate(probes::Gate::Future gate, Log log) {
    co_await gate;
    log->push_back("gated task done");
}

core::Async<void> child(Log log) {
    log->push_back("child ran");
    co_return;
}

core::Async<void> parent(ch03::Executor* ex, Log log) {
    log->push_back("parent ran");
    ex->spawn(child(log));  // a plain pointer: the executor outlives every poll of this task
    co_return;
}

core::Async<void> take_turns(std::string name, int turns, Log log) {
    for (int i = 0; i < turns; ++i) {
        log->push_back(name);
        co_await core::yield_now();
    }
}

core::Async<void> sleep_50ms(std::shared_ptr<int> done) {
    co_await core::sleep_for(50ms);
    ++*done;  // executor thread only: no atomic needed
}

core::Async<void> throw_after_yield() {
    co_await core::yield_now();
    throw std::runtime_error("boom from a task");
}

// Wakes the gated task 100 times from inside another task's poll (so no
// poll of it can happen in between), then lets the executor poll it, then
// opens the gate.
core::Async<void> wake_storm(probes::Gate gate, std::shared_ptr<int> polls_after_storm) {
    for (int i = 0; i < 100; ++i) gate.wake();
    co_await core::yield_now();  // queued behind the gated task's entry (or entries)
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

// Sleeps on the shared timer thread; `resumed` says whether it ever got past
// the sleep, and `token` tells the test when the coroutine's frame is freed.
core::Async<void> sleep_holding([[maybe_unused]] probes::CountDownOnDrop token, std::chrono::milliseconds d,
                                std::shared_ptr<std::atomic<bool>> resumed) {
    co_await core::sleep_for(d);
    resumed->store(true);
}

}  // namespace

TEST_CASE("two tasks sleeping 100 ms and 200 ms finish after about 200 ms, not 300, shortest first",
          "[ch03][executor][race]") {
    core::testing::hang_hint("block_on must sleep in the ready queue until a wake pushes a task; "
                             "does Task::wake push into the queue?");
    ch03::Executor ex;
    auto log = probes::make_log();
    auto start = std::make_shared<Clock::time_point>(Clock::now());
    auto finished = std::make_shared<std::vector<double>>();
    ex.spawn(sleep_then_log("slow 200ms", 200ms, log, start, finished));
    ex.spawn(sleep_then_log("fast 100ms", 100ms, log, start, finished));
    ex.block_on(core::yield_now());
    auto elapsed = std::chrono::duration<double, std::milli>(Clock::now() - *start).count();

    CAPTURE(elapsed);
    INFO("log: " << Catch::Detail::stringify(*log));
    std::vector<std::string> expected{"start slow 200ms", "start fast 100ms", "fast 100ms done", "slow 200ms done"};
    INFO("both sleeps must start before either ends: a task gives the thread back when it is Pending, "
         "and runs again only when its waker is called");
    CHECK(*log == expected);
    CHECK(elapsed >= 200);
    INFO("300 ms or more means the sleeps ran one after the other");
    CHECK(elapsed < 200 + 95 * probes::slowdown());
}

TEST_CASE("block_on returns its own future's value, and only once every spawned task is done",
          "[ch03][executor][race]") {
    core::testing::hang_hint("block_on waits for every task: is the gated task woken and polled again?");
    ch03::Executor ex;
    auto log = probes::make_log();
    probes::Gate gate;
    ex.spawn(wait_for_gate(gate.future(), log));
    // Open the gate from another thread once the main future has finished,
    // so a block_on that returns with its own future leaves a task behind.
    auto main_done = std::make_shared<core::testing::Latch>(1);
    std::thread opener([gate, main_done] {
        main_done->wait();
        gate.open();
    });
    int value = 0;
    {
        core::ScopeExit let_go([main_done] { probes::open_latch(*main_done); });
        value = ex.block_on(answer_after_a_yield(log, main_done));
    }
    opener.join();
    CHECK(value == 42);
    INFO("log: " << Catch::Detail::stringify(*log));
    INFO("block_on must not return before every spawned task is done (it counts unfinished tasks)");
    REQUIRE(log->size() == 2);
    CHECK((*log)[0] == "main done");
    CHECK((*log)[1] == "gated task done");
}

TEST_CASE("a task spawned from inside a running task runs in the same block_on", "[ch03][executor]") {
    core::testing::hang_hint("spawn from inside a poll: does it push the new task into the queue?");
    ch03::Executor ex;
    auto log = probes::make_log();
    ex.spawn(parent(&ex, log));
    ex.block_on(core::yield_now());
    INFO("log: " << Catch::Detail::stringify(*log));
    REQUIRE(log->size() == 2);
    CHECK((*log)[0] == "parent ran");
    CHECK((*log)[1] == "child ran");
}

TEST_CASE("tasks that wake themselves inside poll take turns (the queue is FIFO)", "[ch03][executor]") {
    core::testing::hang_hint("a future that wakes itself inside poll: the wake must queue the task again");
    ch03::Executor ex;
    auto log = probes::make_log();
    ex.spawn(take_turns("a", 3, log));
    ex.spawn(take_turns("b", 3, log));
    ex.block_on(core::yield_now());
    std::vector<std::string> expected{"a", "b", "a", "b", "a", "b"};
    INFO("a yielding task must go to the back of the queue, behind the other task");
    CHECK(*log == expected);
}

TEST_CASE("10 000 tasks sleeping 50 ms each finish in well under a second beyond the sleep",
          "[ch03][executor][race]") {
    core::testing::hang_hint("10 000 sleeping tasks: every timer wake must reach the ready queue");
    ch03::Executor ex;
    auto done = std::make_shared<int>(0);
    auto start = Clock::now();
    for (int i = 0; i < 10'000; ++i) ex.spawn(sleep_50ms(done));
    ex.block_on(core::yield_now());
    auto elapsed = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    CAPTURE(elapsed);
    CHECK(*done == 10'000);
    CHECK(elapsed >= 50);
    INFO("much more than 50 ms: are the tasks polled one after another, or is something O(n^2)?");
    CHECK(elapsed < 50 + 650 * probes::slowdown());
}

TEST_CASE("block_on sleeps while every task waits, instead of spinning", "[ch03][executor][race]") {
    core::testing::hang_hint("block_on must wake up when the timer thread wakes a task");
    ch03::Executor ex;
    auto done = std::make_shared<int>(0);
    ex.spawn(sleep_50ms(done));
    auto cpu_before = core::testing::thread_cpu_time();
    ex.block_on(core::sleep_for(200ms));
    auto cpu = std::chrono::duration<double, std::milli>(core::testing::thread_cpu_time() - cpu_before).count();
    CAPTURE(cpu);
    CHECK(*done == 1);
    INFO("the executor thread burnt CPU while nothing was ready: wait on the queue, don't poll in a loop");
    CHECK(cpu < 60 * probes::slowdown());
}

TEST_CASE("an exception thrown by a task leaves through block_on, and the executor still works",
          "[ch03][executor]") {
    core::testing::hang_hint("a task that threw must count as finished");
    ch03::Executor ex;
    ex.spawn(throw_after_yield());
    CHECK_THROWS_WITH(ex.block_on(core::yield_now()), "boom from a task");
    auto log = probes::make_log();
    ex.spawn(child(log));
    ex.block_on(core::yield_now());
    CHECK(log->size() == 1);
}

TEST_CASE("block_on drops its own future when a task's exception leaves through it, and the next block_on never polls it",
          "[ch03][executor]") {
    core::testing::hang_hint("after a task threw out of block_on, the next block_on waited: is the future given "
                             "to the first block_on still counted as unfinished?");
    ch03::Executor ex;
    probes::Gate main_gate;   // the future given to block_on: never opened
    probes::Gate other_gate;  // a spawned task, still waiting when the exception comes
    ex.spawn(other_gate.future());
    ex.spawn(throw_after_yield());
    CHECK_THROWS_WITH(ex.block_on(main_gate.future()), "boom from a task");
    REQUIRE(main_gate.polls() == 1);
    // A future given to block_on may borrow from the caller's frame (unlike a
    // spawned one, nothing requires it to own its data): once block_on has
    // left, nobody may touch it again.
    INFO("block_on's future outlived the block_on call: when block_on leaves early (a task threw), "
         "drop the future it was given before returning, as tokio's block_on does");
    CHECK(main_gate.destroyed());
    main_gate.wake();  // a waker it left behind: must not bring it back
    INFO("the spawned tasks are not block_on's: they stay, and run in the next block_on");
    CHECK_FALSE(other_gate.destroyed());
    other_gate.open();
    ex.block_on(core::yield_now());
    INFO("the next block_on polled the first one's future again");
    CHECK(main_gate.polls() == 1);
    CHECK(other_gate.polls() == 2);
    CHECK(other_gate.destroyed());
}

TEST_CASE("a task woken 100 times before its next poll is polled once", "[ch03][executor]") {
    core::testing::hang_hint("a wake was lost: the gate opens with a wake, and yield_now wakes its task inside "
                             "its own poll. Does wake() push, and is `queued` cleared BEFORE the poll?");
    ch03::Executor ex;
    probes::Gate gate;
    auto polls_after_storm = std::make_shared<int>(-1);
    ex.spawn(gate.future());
    ex.block_on(wake_storm(gate, polls_after_storm));
    INFO("more than 2 polls by the time the storm is over: each wake queued the task again; "
         "wake() must push only when it is the one that raised `queued`");
    CHECK(*polls_after_storm == 2);
    CHECK(gate.polls() == 3);
}

TEST_CASE("a task is polled only after a wake, not on every turn of the executor", "[ch03][executor]") {
    core::testing::hang_hint("a wake was lost: the gate opens with a wake, and yield_now wakes its task inside "
                             "its own poll. Does wake() push, and is `queued` cleared BEFORE the poll?");
    ch03::Executor ex;
    probes::Gate gate;
    ex.spawn(gate.future());
    ex.block_on(yield_n_then_open(50, gate));
    INFO("the gated task was polled while nobody woke it: poll only what the ready queue hands you");
    CHECK(gate.polls() == 2);
}

TEST_CASE("a wake after the task has finished does nothing", "[ch03][executor]") {
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
          "[ch03][executor]") {
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
    INFO("the task (and its future) must die with the last waker: if it is still alive, the task keeps "
         "the queue alive (a strong reference) and the queue keeps the task: a cycle");
    survivor = core::Waker();
    CHECK(parked.destroyed());
}

TEST_CASE("a task left sleeping on core::sleep_for when its executor dies is freed by the timer thread, which keeps working",
          "[ch03][executor]") {
    core::testing::hang_hint("the task left sleeping was never freed: once its executor is gone, the timer's "
                             "wake must find no queue, and dropping the timer's waker must free the task");
    auto freed = std::make_shared<core::testing::Latch>(1);
    auto resumed = std::make_shared<std::atomic<bool>>(false);
    {
        ch03::Executor ex;
        ex.spawn(sleep_holding(probes::CountDownOnDrop(freed), 20ms, resumed));
        CHECK_THROWS_WITH(ex.block_on(fail_soon()), "main future failed");
    }  // the sleeping task is owned by the timer thread's copy of its waker alone
    // The timer fires: its wake finds no queue, and when it drops the waker,
    // the task (its coroutine frame, the Sleep inside it) is destroyed on the
    // timer thread. That must neither crash nor stop the timer thread.
    freed->wait();
    INFO("the task was polled after its executor died");
    CHECK_FALSE(resumed->load());
    ch03::Executor again;
    again.block_on(core::sleep_for(5ms));  // the timer thread still serves sleeps
    SUCCEED("the timer thread freed the task and still works");
}

TEST_CASE("spawn and block_on called from another thread are refused with a clear message",
          "[ch03][executor]") {
    ch03::Executor ex;
    ex.spawn(core::yield_now());  // fine: this is the executor's thread
    std::exception_ptr spawn_error, block_error;
    std::thread other([&] {
        try { ex.spawn(core::yield_now()); } catch (...) { spawn_error = std::current_exception(); }
        try { ex.block_on(core::yield_now()); } catch (...) { block_error = std::current_exception(); }
    });
    other.join();
    for (auto error : {spawn_error, block_error}) {
        INFO("ch03 is single-threaded: spawn/block_on on another thread must throw std::logic_error");
        REQUIRE(error);
        try {
            std::rethrow_exception(error);
        } catch (const core::NotImplemented&) {
            throw;
        } catch (const std::logic_error& e) {
            CHECK_THAT(e.what(), Catch::Contains("thread"));
        }
    }
    ex.block_on(core::yield_now());  // the executor's own thread still works
}
