// Step 6: timeout(fut, d), cancellation by dropping a future. Polled by hand
// with a counting waker (the deadline is real time, on core's timer thread),
// and once on a runtime, for what happens to a task spawned by the loser.
#include "testing/catch.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "ch05_joinhandle/runtime.hpp"
#include "ch05_joinhandle/timeout.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace ch05_test;
using core::testing::CountingWaker;

namespace {
// Pending until its trigger fires, then Ready(v); holds a DropProbe so the
// test sees the moment it is destroyed.
core::Async<int> probe_until_fired([[maybe_unused]] DropProbe probe, core::testing::Trigger::Future f, int v) {
    co_await f;
    co_return v;
}

// Polls `fut` by hand, parking on a counting waker's wakes, until it is
// Ready or throws; gives up after a generous backstop.
template <class F>
auto poll_until_done(F& fut, CountingWaker& w) {
    core::Context cx(w.waker());
    auto until = std::chrono::steady_clock::now() + core::testing::scaled(std::chrono::seconds(5));
    for (;;) {
        int seen = w.wakes();
        auto p = fut.poll(cx);
        if (p.is_ready()) return p;
        REQUIRE(eventually([&] { return w.wakes() > seen || std::chrono::steady_clock::now() > until; }));
        REQUIRE(std::chrono::steady_clock::now() < until);
    }
}

// Blocks inside its one poll for `busy` (a long computation), then Ready(9).
class BusyThenReady {
public:
    using Output = int;
    BusyThenReady(std::chrono::milliseconds busy, std::shared_ptr<std::atomic<int>> inside)
        : busy_(busy), inside_(std::move(inside)) {}
    core::Poll<int> poll(core::Context&) {
        inside_->fetch_add(1);
        std::this_thread::sleep_for(busy_);
        inside_->fetch_sub(1);
        return core::Poll<int>(9);
    }

private:
    std::chrono::milliseconds busy_;
    std::shared_ptr<std::atomic<int>> inside_;
};

core::Async<void> spawn_child_then_wait(core::testing::Trigger::Future child_gate,
                                        std::shared_ptr<std::atomic<bool>> child_done,
                                        core::testing::Trigger::Future never) {
    auto child = ch05::spawn(set_flag_after(std::move(child_gate), std::move(child_done)));
    co_await never;  // the parent waits forever; the timeout drops it, and `child` with it
}
}  // namespace

TEST_CASE("a future that finishes in time gives its value, and the timer's waker copy goes at once",
          "[ch05][timeout]") {
    core::testing::Trigger trigger;
    auto drops = make_counter();
    auto t = ch05::timeout(probe_until_fired(DropProbe(drops), trigger.future(), 4), std::chrono::hours(1));
    CountingWaker w;
    core::Context cx(w.waker());
    REQUIRE(t.poll(cx).is_pending());
    long registered = w.live_wakers();
    INFO("the first poll must start the sleep: the timer keeps a copy of the waker");
    REQUIRE(registered >= 3);  // ours, the trigger's, the timer slot's
    trigger.fire();
    auto p = t.poll(cx);
    REQUIRE(p.is_ready());
    CHECK(p.value() == 4);
    INFO("the future won: the losing Sleep must be dropped inside that poll, releasing its timer "
         "registration (and the waker copy it holds), not an hour later");
    CHECK(w.live_wakers() == 1);
    CHECK(drops->load() == 1);
}

TEST_CASE("when the deadline passes, the future is dropped at once and TimedOut is thrown", "[ch05][timeout]") {
    core::testing::Trigger never;
    auto drops = make_counter();
    auto t = ch05::timeout(probe_until_fired(DropProbe(drops), never.future(), 1), std::chrono::milliseconds(5));
    CountingWaker w;
    bool timed_out = false;
    try {
        (void)poll_until_done(t, w);
    } catch (const ch05::TimedOut&) {
        timed_out = true;
        INFO("the loser's destructor must have run before TimedOut leaves the poll: dropping the "
             "future is the cancellation, and it must not wait for the Timeout itself to die");
        CHECK(drops->load() == 1);
    }
    CHECK(timed_out);
    core::Context cx(w.waker());
    CHECK_THAT(logic_error_message([&] { (void)t.poll(cx); }), Catch::Contains("again"));
}

TEST_CASE("cancellation happens only between polls: a poll in progress runs to its end, and its value wins",
          "[ch05][timeout]") {
    auto inside = make_counter();
    auto t = ch05::timeout(BusyThenReady(std::chrono::milliseconds(30), inside), std::chrono::milliseconds(1));
    CountingWaker w;
    core::Context cx(w.waker());
    auto p = t.poll(cx);  // the deadline passes while the inner poll is busy
    INFO("nothing can interrupt a poll: the inner poll finished (inside == 0) and returned Ready; a value "
         "that is ready wins over a deadline that passed meanwhile (poll the future first)");
    CHECK(inside->load() == 0);
    REQUIRE(p.is_ready());
    CHECK(p.value() == 9);
}

TEST_CASE("a task spawned by a timed-out future is not cancelled with it", "[ch05][timeout][race]") {
    core::testing::hang_hint("the child task never finished after its trigger fired");
    ch05::Runtime rt(2);
    core::testing::Trigger child_gate, never;
    auto child_done = std::make_shared<std::atomic<bool>>(false);
    CHECK_THROWS_AS(rt.block_on(ch05::timeout(spawn_child_then_wait(child_gate.future(), child_done, never.future()),
                                              std::chrono::milliseconds(5))),
                    ch05::TimedOut);
    INFO("the parent future was dropped; it held only the child's JoinHandle, and dropping a handle "
         "detaches: the child runs on (as in tokio; async-task would cancel it)");
    REQUIRE(eventually([&] { return child_gate.polls() >= 1; }));
    child_gate.fire();
    CHECK(eventually([&] { return child_done->load(); }));
}
