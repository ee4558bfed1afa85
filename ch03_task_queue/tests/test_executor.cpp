// Chapter 3: many tasks on one thread. spawn, block_on, timing, scale, errors.
#include <catch2/catch.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ch03_task_queue/executor.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using probes::Log;

namespace {

// Coroutines are free functions with by-value parameters (never references
// into a spawned coroutine: the caller's frame is gone by the time it runs).
core::Async<void> sleep_then_log(std::string name, std::chrono::milliseconds d, Log log,
                                 std::shared_ptr<Clock::time_point> start,
                                 std::shared_ptr<std::vector<double>> finished_ms) {
    co_await core::sleep_for(d);
    log->push_back(name);
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

}  // namespace

TEST_CASE("two tasks sleeping 100 ms and 200 ms finish after about 200 ms, not 300, shortest first",
          "[ch03][concurrency][race]") {
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
    REQUIRE(log->size() == 2);
    CHECK((*log)[0] == "fast 100ms");
    CHECK((*log)[1] == "slow 200ms");
    CHECK(elapsed >= 200);
    INFO("300 ms or more means the sleeps ran one after the other: a task must give the thread "
         "back when it is Pending, and only run again when its waker is called");
    CHECK(elapsed < 295);
}

TEST_CASE("block_on returns its own future's value, and only once every spawned task is done",
          "[ch03][block_on][race]") {
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
        probes::OpenOnExit let_go(main_done);
        value = ex.block_on(answer_after_a_yield(log, main_done));
    }
    opener.join();
    CHECK(value == 42);
    INFO("log: " << Catch::Detail::stringify(*log));
    REQUIRE(log->size() == 2);
    CHECK((*log)[0] == "main done");
    CHECK((*log)[1] == "gated task done");
}

TEST_CASE("a task spawned from inside a running task runs in the same block_on", "[ch03][spawn]") {
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

TEST_CASE("tasks that wake themselves inside poll take turns (the queue is FIFO)", "[ch03][queue]") {
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
          "[ch03][scale][race]") {
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

TEST_CASE("block_on sleeps while every task waits, instead of spinning", "[ch03][cpu][race]") {
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
    CHECK(cpu < 60);
}

TEST_CASE("an exception thrown by a task leaves through block_on, and the executor still works",
          "[ch03][errors]") {
    core::testing::hang_hint("a task that threw must count as finished");
    ch03::Executor ex;
    ex.spawn(throw_after_yield());
    CHECK_THROWS_WITH(ex.block_on(core::yield_now()), "boom from a task");
    auto log = probes::make_log();
    ex.spawn(child(log));
    ex.block_on(core::yield_now());
    CHECK(log->size() == 1);
}

TEST_CASE("spawn and block_on called from another thread are refused with a clear message",
          "[ch03][misuse]") {
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
