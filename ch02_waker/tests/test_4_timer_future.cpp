// Chapter 2: TimerFuture, a future completed by a thread.
#include "testing/catch.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include "ch02_waker/block_on.hpp"
#include "ch02_waker/timer_future.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace std::chrono_literals;
using core::testing::CountingWaker;
using Clock = std::chrono::steady_clock;

TEST_CASE("a TimerFuture is Pending until its time has passed, wakes once, then is Ready", "[ch02][timer][race]") {
    CountingWaker probe;
    core::Context cx(probe.waker());
    std::optional<ch02::TimerFuture> timer;
    timer.emplace(30ms);
    auto start = Clock::now();
    REQUIRE(timer->poll(cx).is_pending());
    INFO("the timer thread must wake the waker stored by the poll");
    REQUIRE(ch02_test::wait_until([&] { return probe.wakes() >= 1; }));
    CHECK(Clock::now() - start >= 30ms);
    CHECK(timer->poll(cx).is_ready());
    CHECK(probe.wakes() == 1);
    timer.reset();
    INFO("every copy of the waker the timer took (future, thread) must be gone with it: "
         "clones and drops must balance");
    CHECK(probe.live_wakers() == 1);
}

TEST_CASE("a TimerFuture stores the waker before it starts its thread, so even a 1 ns timer wakes it",
          "[ch02][timer][race]") {
    core::testing::hang_hint("a 1 ns TimerFuture never woke its waker: the timer thread fired before poll stored the "
                             "waker (store the waker before the thread starts)");
    for (int round = 0; round < 20; ++round) {
        ch02_test::CloneWatch watch;
        bool started_first = false;
        {
            const auto before = ch02_test::live_threads();
            watch.on_clone = [&] { started_first = started_first || ch02_test::threads_started_since(before) > 0; };
            ch02::TimerFuture timer(std::chrono::nanoseconds(1));
            const core::Waker waker = watch.waker();
            core::Context cx(waker);
            if (timer.poll(cx).is_ready()) continue;  // allowed, though the clock starts at this poll
            watch.on_clone = nullptr;
            CAPTURE(round);
            if (started_first) {
                FAIL("TimerFuture::poll stored the waker after it started the timer thread: a short timer can "
                     "fire in between, find no waker and wake nobody. Store the waker before the thread "
                     "starts (book: \"Store it before the thread can fire\")");
            }
            if (!ch02_test::wait_until([&] { return watch.wakes.load() >= 1; },
                                       std::chrono::duration_cast<std::chrono::milliseconds>(
                                           core::testing::scaled(std::chrono::seconds(2))))) {
                FAIL("TimerFuture::poll stored the waker after it started the thread, or the thread never wakes: "
                     "a 1 ns TimerFuture never woke the waker of its Pending poll. Store the waker before the "
                     "thread starts, and wake the stored waker when the timer fires");
            }
            CHECK(timer.poll(cx).is_ready());
        }
        INFO("a finished, destroyed timer keeps no copy of the waker");
        CHECK(watch.live.load() == 0);
    }
}

TEST_CASE("a TimerFuture polled many times runs one thread, started by its first poll", "[ch02][timer]") {
    const auto before = ch02_test::live_threads();
    CountingWaker a, b;
    // Reached through a raw pointer: if the test fails, the extra threads may
    // keep the destructor's join waiting for the deadline, so the TimerFuture
    // is leaked rather than destroyed.
    // Long enough for ten quick polls on a busy machine; it fires before the
    // end of the test, so destroying it below needs no cancellation (that is
    // "dropping a TimerFuture before it fires cancels it", later).
    auto* timer = new ch02::TimerFuture(core::testing::scaled(std::chrono::milliseconds(500)));
    INFO("futures are lazy: a TimerFuture starts no thread before its first poll");
    CHECK(ch02_test::threads_started_since(before) == 0);
    for (int i = 0; i < 10; ++i) {
        core::Context cx(i % 2 == 0 ? a.waker() : b.waker());
        REQUIRE(timer->poll(cx).is_pending());
    }
    const int started = ch02_test::threads_started_since(before);
    if (started != 1) {
        FAIL("10 Pending polls of one TimerFuture started " << started
             << " threads: one thread per timer, started by the first poll only (later polls only store the waker)");
    }
    INFO("the TimerFuture never woke the waker of its latest poll");
    const auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(core::testing::scaled(5s));
    REQUIRE(ch02_test::wait_until([&] { return a.wakes() + b.wakes() > 0; }, limit));
    delete timer;
    INFO("the destroyed TimerFuture's thread is still alive: the destructor must join it");
    CHECK(ch02_test::wait_until([&] { return ch02_test::threads_started_since(before) == 0; }));
}

TEST_CASE("a TimerFuture keeps a copy of the poll's waker, not a reference to it", "[ch02][timer][race]") {
    CountingWaker probe;
    // The waker a Context lends lives in the poller's frame (block_on's) and
    // is valid for that one poll only. Here it is a variable the test
    // overwrites after the poll, as a frame's storage is reused.
    core::Waker lent = probe.waker();
    std::optional<ch02::TimerFuture> timer;
    timer.emplace(300ms);
    {
        core::Context cx(lent);
        REQUIRE(timer->poll(cx).is_pending());
    }
    // Not fired yet: the timer holds a copy (the probe's own + `lent` + the
    // copy = 3). Fired already: it woke the probe, then dropped its copy.
    bool holds_copy = probe.live_wakers() == 3 || probe.wakes() == 1;
    lent = core::Waker::noop();
    holds_copy = holds_copy && (probe.live_wakers() == 2 || probe.wakes() == 1);
    INFO("the TimerFuture keeps a reference to the poll's waker (or to the Context), not a copy: after the poll "
         "it held no waker of its own, so its wake goes to whatever now lies where the poll's waker was. "
         "Copy it: core::Waker w = cx.waker(); (Rust's clone()); book: Keeping the Context, or a reference "
         "to its waker");
    REQUIRE(holds_copy);
    INFO("the timer thread must wake the copy of the waker the poll stored");
    REQUIRE(ch02_test::wait_until([&] { return probe.wakes() >= 1; }));
    core::Context cx(lent);
    CHECK(timer->poll(cx).is_ready());
    timer.reset();
    CHECK(probe.live_wakers() == 1);
}

TEST_CASE("a TimerFuture of zero length is Ready on its first poll", "[ch02][timer]") {
    CountingWaker probe;
    core::Context cx(probe.waker());
    ch02::TimerFuture timer(0ms);
    CHECK(timer.poll(cx).is_ready());
    CHECK(probe.wakes() == 0);
}

TEST_CASE("a TimerFuture starts its clock at the first poll, not when it is made", "[ch02][timer][race]") {
    CountingWaker probe;
    core::Context cx(probe.waker());
    ch02::TimerFuture timer(50ms);
    std::this_thread::sleep_for(80ms);  // longer than the timer: a clock started in the constructor has run out
    auto first_poll = Clock::now();
    INFO("futures are lazy: nothing starts before the first poll");
    REQUIRE(timer.poll(cx).is_pending());
    REQUIRE(ch02_test::wait_until([&] { return probe.wakes() >= 1; }));
    CHECK(Clock::now() - first_poll >= 50ms);
    CHECK(timer.poll(cx).is_ready());
}

TEST_CASE("a TimerFuture wakes only the latest waker when the waker changes between polls", "[ch02][timer][race]") {
    CountingWaker first, second;
    std::optional<ch02::TimerFuture> timer;
    timer.emplace(40ms);
    {
        core::Context cx(first.waker());
        REQUIRE(timer->poll(cx).is_pending());
    }
    core::Context cx(second.waker());
    REQUIRE(timer->poll(cx).is_pending());
    INFO("the second poll must replace the stored waker (will_wake was false) and drop the first one");
    CHECK(first.live_wakers() == 1);
    REQUIRE(timer->poll(cx).is_pending());  // same waker again: kept, not duplicated
    INFO("the same waker polled twice must be stored once (2 = ours + the timer's; fewer if it already fired)");
    CHECK(second.live_wakers() <= 2);
    INFO("the timer fired, but not through the latest waker");
    REQUIRE(ch02_test::wait_until([&] { return second.wakes() >= 1; }));
    CHECK(first.wakes() == 0);
    CHECK(second.wakes() == 1);
    CHECK(timer->poll(cx).is_ready());
    timer.reset();
    INFO("a finished, destroyed timer keeps no copy of either waker");
    CHECK(first.live_wakers() == 1);
    CHECK(second.live_wakers() == 1);
}

TEST_CASE("dropping a TimerFuture before it fires cancels it: no wake, no wait, no leaked waker", "[ch02][timer][race]") {
    core::testing::hang_hint("the TimerFuture destructor must stop its thread (a cancelled flag + condition variable), not wait out the timer");
    CountingWaker probe;
    std::optional<ch02::TimerFuture> timer;
    timer.emplace(10s);
    const auto threads_before = ch02_test::live_threads();
    {
        core::Context cx(probe.waker());
        REQUIRE(timer->poll(cx).is_pending());
    }
    // Drop it only once its thread sleeps: then only a notify can end the sleep early.
    for (long tid : ch02_test::live_threads()) {
        if (threads_before.count(tid) == 0) {
            ch02_test::wait_until([tid] { return ch02_test::asleep_or_gone(tid); });
        }
    }
    auto before = Clock::now();
    timer.reset();
    INFO("the destructor must stop its thread: it waited for the 10 s timer instead of cancelling it "
         "(set cancelled under the lock, notify the condition variable, join)");
    CHECK(Clock::now() - before < 1s);
    INFO("a cancelled timer wakes nobody, and the waker copy it held is gone");
    CHECK(probe.wakes() == 0);
    CHECK(probe.live_wakers() == 1);
}

namespace {
core::Async<int> three_timers(int ms) {
    co_await ch02::TimerFuture(std::chrono::milliseconds(ms));
    co_await ch02::TimerFuture(std::chrono::milliseconds(ms));
    co_await ch02::TimerFuture(std::chrono::milliseconds(ms));
    co_return 3;
}
}  // namespace

TEST_CASE("a TimerFuture of Clock::duration::max() stays Pending: its deadline does not overflow", "[ch02][timer][race]") {
    core::testing::hang_hint("a TimerFuture that never fires must be cancelled at once by its destructor");
    CountingWaker probe;
    core::Context cx(probe.waker());
    const auto before = ch02_test::live_threads();
    std::optional<ch02::TimerFuture> timer;
    timer.emplace(ch02::TimerFuture::Clock::duration::max());  // "never"
    REQUIRE(timer->poll(cx).is_pending());
    // Give its thread time to reach its sleep (or, overflowed, to fire).
    for (long tid : ch02_test::live_threads()) {
        if (before.count(tid) == 0) ch02_test::wait_until([tid] { return ch02_test::asleep_or_gone(tid); });
    }
    ch02_test::wait_until([&] { return probe.wakes() > 0; }, 100ms);
    INFO("Clock::now() + d overflowed: a TimerFuture of Clock::duration::max() fired at once (the sum wrapped "
         "into the past). Clamp the duration before adding it (core::clamp_sleep, core/deadline.hpp: at most "
         "30 years)");
    CHECK(probe.wakes() == 0);
    timer.reset();  // cancelled: the destructor stops its thread at once
    CHECK(probe.live_wakers() == 1);
}

TEST_CASE("block_on drives TimerFutures awaited one after another in an Async", "[ch02][timer][race]") {
    core::testing::hang_hint("each TimerFuture must wake the waker of its latest poll; or TimerFuture::poll stored "
                             "the waker after it started the timer thread, and the 1 ms warm-up timer fired before "
                             "there was a waker to wake");
    ch02::block_on(ch02::TimerFuture(1ms));  // warm-up: one-off costs are not spinning
    auto polls = std::make_shared<std::atomic<int>>(0);
    auto cpu_before = core::testing::thread_cpu_time();
    auto start = Clock::now();
    REQUIRE(ch02::block_on(ch02_test::Counted(three_timers(20), polls)) == 3);
    auto wall = Clock::now() - start;
    auto cpu = core::testing::thread_cpu_time() - cpu_before;
    CHECK(wall >= 60ms);
    CAPTURE(polls->load());
    INFO("three timers need about 4 polls (one per wake, plus the first)");
    CHECK(*polls <= 8);
    using ms = std::chrono::duration<double, std::milli>;
    INFO("CPU time " << ms(cpu).count() << " ms of " << ms(wall).count()
                     << " ms: block_on spun instead of parking");
    CHECK(cpu * 3 < wall);
}

namespace {
// A waker that polls the timer at once, inside wake(), on the waking thread:
// what an executor that runs a woken task inline does. The TimerFuture is
// reached through a raw pointer: if the test fails, the timer's thread is
// stuck for good, and the TimerFuture is leaked rather than joined.
class PollsInsideWake : public core::Wake {
public:
    void wake() override {
        const core::Waker none;
        core::Context cx(none);
        ready_on_wake.store(timer->poll(cx).is_ready());
        returned.store(true);
    }
    ch02::TimerFuture* timer = nullptr;
    std::atomic<bool> returned{false};
    std::atomic<bool> ready_on_wake{false};
};
}  // namespace

TEST_CASE("a waker that polls the TimerFuture inside wake() does not deadlock the timer thread", "[ch02][timer][race]") {
    auto wake = std::make_shared<PollsInsideWake>();
    auto* timer = new ch02::TimerFuture(1ms);
    wake->timer = timer;
    {
        const core::Waker waker = core::Waker::from(wake);
        core::Context cx(waker);
        REQUIRE(timer->poll(cx).is_pending());
    }
    bool returned = ch02_test::wait_until([&] { return wake->returned.load(); },
                                          std::chrono::duration_cast<std::chrono::milliseconds>(core::testing::scaled(2s)));
    if (!returned) {
        // The timer thread is stuck inside wake(): leak the timer, never join it.
        FAIL("the timer thread woke the waker while holding the state's mutex: the wake polled the timer "
             "at once, and that poll waits for the same mutex (a deadlock). Take the waker out under the "
             "lock and wake after unlocking");
    }
    INFO("a poll from inside wake() must see the timer completed: mark it completed before waking");
    CHECK(wake->ready_on_wake.load());
    delete timer;
}

namespace {
// A Wake object that owns a TimerFuture: the shape of a task, which is its
// own waker and owns its future. Its wake() stops inside the call until the
// test releases it, so the test can let go of every other reference while
// the timer's thread holds its waker copy: when that copy is dropped, the
// timer's own thread destroys the TimerFuture.
class TimerOwner : public core::Wake {
public:
    TimerOwner(std::shared_ptr<ch02_test::Latch> in_wake, std::shared_ptr<ch02_test::Latch> release,
               std::shared_ptr<ch02_test::Latch> destroyed)
        : in_wake_(std::move(in_wake)), release_(std::move(release)), destroyed_(std::move(destroyed)) {}
    ~TimerOwner() override {
        timer.reset();  // runs ~TimerFuture on whichever thread dropped the last waker
        destroyed_->count_down();
    }
    void wake() override {
        in_wake_->count_down();
        release_->wait();
    }
    std::optional<ch02::TimerFuture> timer;

private:
    std::shared_ptr<ch02_test::Latch> in_wake_, release_, destroyed_;
};
}  // namespace

TEST_CASE("a TimerFuture destroyed on its own timer thread (the thread held the last waker) does not join itself",
          "[ch02][timer][race]") {
    core::testing::hang_hint(
        "the TimerFuture was never destroyed, or its destructor is stuck: ~TimerFuture ran on the timer's own "
        "thread (its waker copy was the last owner of the TimerFuture). Joining that thread from itself throws "
        "std::system_error (\"Resource deadlock avoided\") and terminates; detach when the caller is the timer "
        "thread. If the timer still keeps a waker copy after firing, the TimerFuture owns a reference to its "
        "owner and is never destroyed at all: move the waker out when the timer fires");
    auto in_wake = std::make_shared<ch02_test::Latch>(1);
    auto release = std::make_shared<ch02_test::Latch>(1);
    auto destroyed = std::make_shared<ch02_test::Latch>(1);
    {
        auto owner = std::make_shared<TimerOwner>(in_wake, release, destroyed);
        owner->timer.emplace(1ms);
        const core::Waker waker = core::Waker::from(owner);
        core::Context cx(waker);
        REQUIRE(owner->timer->poll(cx).is_pending());
    }
    // Every reference the test held is gone; the timer fires and its thread
    // stops inside wake(), holding the last waker. Now let it drop it.
    in_wake->wait();
    release->count_down();
    destroyed->wait();
    SUCCEED("~TimerFuture ran on the timer thread and returned");
}

