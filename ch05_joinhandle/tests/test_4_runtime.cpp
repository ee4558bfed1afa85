// The runtime around the tasks: finding the current runtime, block_on,
// shutdown with tasks still pending, and misuse. (Its workers polling at
// once: test_5_workers.cpp.)
#include "testing/catch.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "ch05_joinhandle/runtime.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace ch05_test;

namespace {

core::Async<int> spawn_inside(int n) {
    auto h = ch05::spawn(value_of(n));
    int v = co_await h;
    co_return v + 1;
}

core::Async<std::string> nested_block_on(ch05::Runtime* rt) {
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
                (void)ch05::spawn(value_of(0));
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

// This test comes first among the shutdown tests: it holds the only worker
// inside a poll while ~Runtime runs, so a ~Runtime that frees the tasks
// before joining the workers fails its check every time; the busy tests
// below would only crash on that bug, and not in every run.
namespace {
// Inside its poll: waits until the runtime refuses spawns (its destructor
// has started), then gives ~Runtime a generous moment to do what it should
// not (free this very task while it is being polled), and records whether
// its destructor ran meanwhile.
struct InsidePoll {
    std::atomic<bool> inside{false};
    std::atomic<bool> freed_while_inside{false};
    Latch entered{1};
};
class PollsThroughShutdown {
public:
    using Output = int;
    explicit PollsThroughShutdown(std::shared_ptr<InsidePoll> p) : p_(std::move(p)) {}
    PollsThroughShutdown(PollsThroughShutdown&& o) noexcept : p_(std::move(o.p_)) {}
    PollsThroughShutdown& operator=(PollsThroughShutdown&&) = delete;
    ~PollsThroughShutdown() {
        if (p_ && p_->inside.load()) p_->freed_while_inside.store(true);
    }
    core::Poll<int> poll(core::Context&) {
        auto p = p_;  // our own reference: the member may be destroyed under us (the bug we look for)
        p->inside.store(true);
        p->entered.count_down();
        while (true) {  // until the destructor has closed the runtime
            try {
                (void)ch05::spawn(value_of(0));
            } catch (const std::logic_error&) {
                break;
            }
            std::this_thread::yield();
        }
        // Correct code frees nothing meanwhile, so this whole wait passes; a
        // ~Runtime that frees first does it at once, within microseconds of
        // closing (scaled() stretches the wait on a busy machine).
        auto until = std::chrono::steady_clock::now() + core::testing::scaled(std::chrono::milliseconds(250));
        while (!p->freed_while_inside.load() && std::chrono::steady_clock::now() < until)
            std::this_thread::yield();
        p->inside.store(false);
        return core::Poll<int>::pending();
    }

private:
    std::shared_ptr<InsidePoll> p_;
};
}  // namespace

TEST_CASE("~Runtime lets a poll in progress end before it frees that task", "[ch05][runtime][race]") {
    core::testing::hang_hint("~Runtime did not return while a task was inside its poll");
    auto probe = std::make_shared<InsidePoll>();
    auto rt = std::make_unique<ch05::Runtime>(1);
    auto h = rt->spawn(PollsThroughShutdown(probe));
    probe->entered.wait();  // the only worker is inside the poll now
    CheckedThread destroyer([&] { rt.reset(); });
    destroyer.join();
    INFO("~Runtime freed a task's future while a worker was still inside its poll (a use after free): "
         "close the scheduler, join the workers, and only then shut the remaining tasks down");
    CHECK_FALSE(probe->freed_while_inside.load());
    core::Waker noop = core::Waker::noop();
    core::Context cx(noop);
    CHECK_THROWS_AS(h.poll(cx), ch05::Cancelled);
}

TEST_CASE("destroying a runtime with pending tasks frees their futures and returns", "[ch05][runtime][race]") {
    core::testing::hang_hint("~Runtime waits for tasks that will never finish: it must free them instead");
    auto drops = make_counter();
    constexpr int n = 200;
    auto start = std::chrono::steady_clock::now();
    {
        // Shown only if this block crashes in ~Runtime (workers are busy polling here):
        INFO("~Runtime freed a task's future while a worker was still polling it, if this test crashed at "
             "the end of the runtime's scope: close the scheduler, join the workers, then free the tasks");
        ch05::Runtime rt(2);
        core::testing::Trigger never;
        for (int i = 0; i < n; ++i) {
            (void)rt.spawn(sleep_then(DropProbe(drops), std::chrono::hours(1), i));
            if (i % 2 == 0) (void)rt.spawn(wait_then(never.future(), i));
        }
        REQUIRE(eventually([&] { return never.polls() >= 1; }));
    }
    INFO("every sleeping task's future must be destroyed by ~Runtime, polled or not");
    CHECK(drops->load() == n);
    CHECK(std::chrono::steady_clock::now() - start < core::testing::scaled(std::chrono::seconds(3)));
}

TEST_CASE("a waker or handle kept after the runtime is gone is harmless", "[ch05][runtime][race]") {
    core::testing::Trigger trigger;
    auto drops = make_counter();
    auto h = std::optional<ch05::JoinHandle<int>>();
    {
        ch05::Runtime rt(1);
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
    CHECK_THROWS_AS(h->poll(cx), ch05::Cancelled);
}

TEST_CASE("a waker kept after its task finished does nothing", "[ch05][runtime][race]") {
    ch05::Runtime rt(2);
    auto waker = std::make_shared<core::Waker>();
    auto polls = make_counter();
    rt.block_on(rt.spawn(LeakWaker(waker, polls)));
    for (int i = 0; i < 100; ++i) waker->wake();
    rt.block_on(rt.spawn(value_of(0)));  // let any wrongly queued poll happen
    INFO("a woken finished task must not be polled again (its future is gone)");
    CHECK(polls->load() == 1);
}

TEST_CASE("ch05::spawn outside any runtime is a clear error", "[ch05][runtime]") {
    INFO("on a thread that is neither a worker nor inside block_on, ch05::spawn has no runtime to use");
    auto msg = logic_error_message([] { (void)ch05::spawn(value_of(1)); });
    CHECK_THAT(msg, Catch::Contains("outside"));
    std::string from_thread;
    std::thread t([&] {
        try {
            (void)ch05::spawn(value_of(1));
        } catch (const std::exception& e) {
            from_thread = e.what();
        }
    });
    t.join();
    CHECK_THAT(from_thread, Catch::Contains("outside"));
}

TEST_CASE("ch05::spawn works inside block_on's future, and block_on can be called again", "[ch05][runtime]") {
    core::testing::hang_hint("block_on's future spawned a task and joined it, but was never woken");
    ch05::Runtime rt(2);
    CHECK(rt.block_on(spawn_inside(1)) == 2);
    CHECK(rt.block_on(spawn_inside(5)) == 6);
    INFO("after block_on returns, this thread is outside the runtime again");
    auto msg = logic_error_message([] { (void)ch05::spawn(value_of(1)); });
    CHECK_THAT(msg, Catch::Contains("outside"));
}

TEST_CASE("spawning on a runtime that is shutting down is a clear error", "[ch05][runtime][race]") {
    core::testing::hang_hint("spawn kept accepting tasks after ~Runtime started");
    auto gate = std::make_shared<PollGate>();
    auto rt = std::make_unique<ch05::Runtime>(1);
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

TEST_CASE("block_on from inside a task is a clear error", "[ch05][runtime]") {
    ch05::Runtime rt(2);
    auto msg = rt.block_on(rt.spawn(nested_block_on(&rt)));
    INFO("a worker blocked in block_on cannot run the tasks it waits for");
    CHECK_THAT(msg, Catch::Contains("inside a runtime"));
}

TEST_CASE("a runtime needs at least one worker", "[ch05][runtime]") {
    CHECK_THROWS_AS(ch05::Runtime(0), std::invalid_argument);
}
