// The runtime around the tasks: finding the current runtime, block_on,
// shutdown with tasks still pending, misuse, and never two polls at once.
#include "testing/catch.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ch07_work_stealing/executor.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace ch07_test;

namespace {

core::Async<int> spawn_inside(int n) {
    auto h = ch07::spawn(value_of(n));
    int v = co_await h;
    co_return v + 1;
}

core::Async<std::string> nested_block_on(ch07::Runtime* rt) {
    std::string message = "no error";
    try {
        (void)rt->block_on(value_of(1));
    } catch (const std::logic_error& e) {
        message = e.what();
    }
    co_return message;
}

core::Async<int> wait_then_probe([[maybe_unused]] DropProbe probe, core::testing::Trigger::Future f, int v) {
    co_await f;
    co_return v;
}

// Spawns (and detaches) tasks from inside its poll until the runtime
// refuses, then returns the refusal's message.
class SpawnUntilRefused {
public:
    using Output = std::string;
    explicit SpawnUntilRefused(std::shared_ptr<PollGate> gate) : gate_(std::move(gate)) {}
    core::Poll<std::string> poll(core::Context&) {
        gate_->entered.count_down();
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (std::chrono::steady_clock::now() < deadline) {
            try {
                (void)ch07::spawn(value_of(0));
            } catch (const std::logic_error& e) {
                return std::string(e.what());
            }
            std::this_thread::yield();
        }
        return std::string("(never refused)");
    }

private:
    std::shared_ptr<PollGate> gate_;
};

// Keeps a copy of its waker where the test can reach it, then finishes.
class LeakWaker {
public:
    using Output = void;
    LeakWaker(std::shared_ptr<core::Waker> out, std::shared_ptr<std::atomic<int>> polls)
        : out_(std::move(out)), polls_(std::move(polls)) {}
    core::Poll<void> poll(core::Context& cx) {
        polls_->fetch_add(1);
        *out_ = cx.waker();
        return core::Poll<void>::ready();
    }

private:
    std::shared_ptr<core::Waker> out_;
    std::shared_ptr<std::atomic<int>> polls_;
};

}  // namespace

TEST_CASE("destroying a runtime with pending tasks frees their futures and returns", "[ch07][runtime][race]") {
    core::testing::hang_hint("~Runtime waits for tasks that will never finish: it must free them instead");
    auto drops = make_counter();
    constexpr int n = 200;
    auto start = std::chrono::steady_clock::now();
    {
        ch07::Runtime rt(2);
        core::testing::Trigger never;
        for (int i = 0; i < n; ++i) {
            (void)rt.spawn(sleep_then(DropProbe(drops), std::chrono::hours(1), i));
            if (i % 2 == 0) (void)rt.spawn(wait_then(never.future(), i));
        }
        REQUIRE(eventually([&] { return never.polls() >= 1; }));
    }
    INFO("every sleeping task's future must be destroyed by ~Runtime, polled or not");
    CHECK(drops->load() == n);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
}

TEST_CASE("a waker or handle kept after the runtime is gone is harmless", "[ch07][runtime][race]") {
    core::testing::Trigger trigger;
    auto drops = make_counter();
    auto h = std::optional<ch07::JoinHandle<int>>();
    {
        ch07::Runtime rt(1);
        h.emplace(rt.spawn(wait_then_probe(DropProbe(drops), trigger.future(), 1)));
        (void)rt.spawn(sleep_then(DropProbe(drops), std::chrono::hours(1), 2));
        REQUIRE(eventually([&] { return trigger.polls() >= 1; }));
    }
    INFO("~Runtime must free both unfinished futures, although the Trigger still holds a waker of one");
    CHECK(drops->load() == 2);
    INFO("the Trigger still holds the task's waker: waking it now must do nothing");
    trigger.fire();
    trigger.fire();
    CHECK(h->is_finished());
    CHECK(drops->load() == 2);
    core::Waker noop = core::Waker::noop();
    core::Context cx(noop);
    INFO("a task dropped by shutdown has no result: its join throws Cancelled");
    CHECK_THROWS_AS(h->poll(cx), ch07::Cancelled);
}

TEST_CASE("a waker kept after its task finished does nothing", "[ch07][runtime][race]") {
    ch07::Runtime rt(2);
    auto waker = std::make_shared<core::Waker>();
    auto polls = make_counter();
    rt.block_on(rt.spawn(LeakWaker(waker, polls)));
    for (int i = 0; i < 100; ++i) waker->wake();
    rt.block_on(rt.spawn(value_of(0)));  // let any wrongly queued poll happen
    INFO("a woken finished task must not be polled again (its future is gone)");
    CHECK(polls->load() == 1);
}

TEST_CASE("wakes by value from another thread while the runtime is destroyed free every task once",
          "[ch07][runtime][race]") {
    core::testing::hang_hint("wakes by value from another thread raced ~Runtime, which then never returned");
    constexpr int rounds = 20, tasks = 8;
    for (int round = 0; round < rounds; ++round) {
        auto drops = make_counter();
        std::vector<std::shared_ptr<core::Waker>> slots;
        std::vector<std::shared_ptr<std::atomic<bool>>> polled;
        auto rt = std::make_unique<ch07::Runtime>(2);
        for (int i = 0; i < tasks; ++i) {
            slots.push_back(std::make_shared<core::Waker>());
            polled.push_back(std::make_shared<std::atomic<bool>>(false));
            (void)rt->spawn(KeepsWakerPending(slots.back(), polled.back(), DropProbe(drops)));  // detached
        }
        REQUIRE(eventually([&] {
            for (auto& p : polled)
                if (!p->load()) return false;
            return true;
        }));
        std::vector<core::Waker> wakers;
        for (auto& s : slots) wakers.push_back(std::move(*s));
        Latch start(2);
        std::thread waking([&] {
            start.arrive_and_wait();
            for (auto& w : wakers) {
                w.wake_and_release();  // by value, from outside the runtime: the injection queue
                std::this_thread::yield();
            }
        });
        start.arrive_and_wait();
        rt.reset();  // races the wakes: some land before the close, some inside it, some after
        waking.join();
        INFO("round " << round << ": every future must be freed exactly once (by ~Runtime), whatever the wakes did");
        REQUIRE(drops->load() == tasks);
    }
}

TEST_CASE("ch07::spawn works inside block_on's future, and block_on can be called again", "[ch07][runtime]") {
    core::testing::hang_hint("block_on's future spawned a task and joined it, but was never woken");
    ch07::Runtime rt(2);
    CHECK(rt.block_on(spawn_inside(1)) == 2);
    CHECK(rt.block_on(spawn_inside(5)) == 6);
    INFO("after block_on returns, this thread is outside the runtime again: ch07::spawn is a clear error");
    auto msg = logic_error_message([] { (void)ch07::spawn(value_of(1)); });
    CHECK_THAT(msg, Catch::Contains("outside"));
    std::string from_thread;
    std::thread t([&] {
        try {
            (void)ch07::spawn(value_of(1));
        } catch (const std::exception& e) {
            from_thread = e.what();
        }
    });
    t.join();
    CHECK_THAT(from_thread, Catch::Contains("outside"));
}

TEST_CASE("spawning on a runtime that is shutting down is a clear error", "[ch07][runtime][race]") {
    core::testing::hang_hint("spawn kept accepting tasks after ~Runtime started");
    auto gate = std::make_shared<PollGate>();
    auto rt = std::make_unique<ch07::Runtime>(1);
    auto h = rt->spawn(SpawnUntilRefused(gate));
    gate->entered.wait();
    std::thread destroyer([&] { rt.reset(); });
    destroyer.join();
    core::Waker noop = core::Waker::noop();
    core::Context cx(noop);
    auto p = h.poll(cx);
    REQUIRE(p.is_ready());
    CHECK_THAT(p.value(), Catch::Contains("shutting down"));
}

TEST_CASE("block_on from inside a task is a clear error", "[ch07][runtime]") {
    ch07::Runtime rt(2);
    auto msg = rt.block_on(rt.spawn(nested_block_on(&rt)));
    INFO("a worker blocked in block_on cannot run the tasks it waits for");
    CHECK_THAT(msg, Catch::Contains("inside a runtime"));
}

TEST_CASE("a runtime needs at least one worker, and one is enough", "[ch07][runtime]") {
    ch07::Runtime one(1);
    CHECK(one.block_on(one.spawn(value_of(4))) == 4);
    CHECK_THROWS_AS(ch07::Runtime(0), std::invalid_argument);
}

TEST_CASE("no task is ever polled by two workers at once, even when it wakes itself", "[ch07][runtime][race]") {
    core::testing::hang_hint("a self-wake during poll was lost (the task never got its next poll)");
    ch07::Runtime rt(2);
    std::vector<std::shared_ptr<core::testing::PollStats>> stats;
    std::vector<ch07::JoinHandle<void>> handles;
    for (int i = 0; i < 40; ++i) {
        core::testing::CountingFuture f(200, /*wake_self=*/true);
        stats.push_back(f.stats());
        handles.push_back(rt.spawn(std::move(f)));
    }
    for (auto& h : handles) rt.block_on(std::move(h));
    for (size_t i = 0; i < stats.size(); ++i) {
        INFO("task " << i);
        CHECK(stats[i]->overlaps.load() == 0);
        INFO("one poll per self-wake plus the last one: more means a double queue entry");
        CHECK(stats[i]->polls.load() == 201);
        CHECK(stats[i]->completions.load() == 1);
        CHECK(stats[i]->destroyed.load() == 1);
    }
}
