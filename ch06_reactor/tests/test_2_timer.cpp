// Timers served by the reactor's own loop: no thread per timer, wakers
// replaced, dropped sleeps forgotten.
#include "testing/catch.hpp"

#include "ch06_reactor/sleep.hpp"  // this piece's file: check-chNN re-runs the piece when it changes
#include "ch06_reactor/timers.hpp"  // this piece's file: check-chNN re-runs the piece when it changes
#include "core/scope_exit.hpp"
#include "probes.hpp"

using namespace ch06_test;

namespace {

core::Async<void> sleep_ms(int ms) { co_await ch06::sleep_for(std::chrono::milliseconds(ms)); }

core::Async<int> many_sleeps(int n) {
    std::vector<ch06::JoinHandle<void>> handles;
    for (int i = 0; i < n; ++i) handles.push_back(ch06::spawn(sleep_ms(1 + i % 20)));
    for (auto& h : handles) co_await h;
    co_return n;
}

}  // namespace

TEST_CASE("sleep_for completes after its duration, not before", "[ch06][timer]") {
    core::testing::hang_hint("a ch06::Sleep that never completes: the reactor's epoll_wait timeout must come "
                             "from the earliest deadline; or add_timer did not poke the reactor, asleep with a "
                             "longer timeout (or none) when the new deadline became the earliest");
    ch06::Runtime rt(1);
    auto start = Clock::now();
    rt.block_on(sleep_ms(50));
    auto took = Clock::now() - start;
    INFO("took " << ms_of(took) << " ms");
    CHECK(took >= 50ms);
    CHECK(took < core::testing::scaled(2s));
}

TEST_CASE("2000 sleeping tasks are served by the reactor's thread, not one thread per timer",
          "[ch06][timer]") {
    core::testing::hang_hint("sleeps that never fire: see the timer heap (timers.hpp) and Sleep::poll (sleep.hpp); "
                             "or add_timer did not poke the reactor, asleep with a longer timeout (or none) when "
                             "a new deadline became the earliest");
    ch06::Runtime rt(1);
    const int before = thread_count();
    auto start = Clock::now();
    int peak = before;
    std::atomic<bool> done{false};
    std::thread sampler([&] {
        while (!done.load()) {
            peak = std::max(peak, thread_count());
            std::this_thread::sleep_for(1ms);
        }
    });
    int n = 0;
    {
        core::ScopeExit stop_sampler([&] {
            done.store(true);
            sampler.join();
        });
        n = rt.block_on(many_sleeps(2000));
    }
    auto took = Clock::now() - start;
    CHECK(n == 2000);
    INFO("threads: " << before << " before, " << peak << " at the peak (the sampler is one of them)");
    CHECK(peak <= before + 1);
    INFO("2000 sleeps of 1..20 ms took " << ms_of(took) << " ms");
    CHECK(took < core::testing::scaled(3s));
}

TEST_CASE("a sleep polled again with another waker wakes the latest one", "[ch06][timer]") {
    auto reactor = ch06::Reactor::start();
    ch06::Reactor::Enter enter(*reactor);
    core::testing::CountingWaker first, second;
    core::Context cx1(first.waker()), cx2(second.waker());
    ch06::Sleep sleep = ch06::sleep_for(20ms);
    REQUIRE(sleep.poll(cx1).is_pending());
    REQUIRE(sleep.poll(cx2).is_pending());
    INFO("Sleep::poll must replace the stored waker when will_wake says it changed");
    REQUIRE(eventually([&] { return first.wakes() + second.wakes() >= 1; }));
    CHECK(second.wakes() == 1);
    CHECK(first.wakes() == 0);
    CHECK(sleep.poll(cx2).is_ready());
}

TEST_CASE("a short sleep beside a pending 1-hour sleep fires on time: the earliest deadline comes first",
          "[ch06][timer]") {
    auto reactor = ch06::Reactor::start();
    ch06::Reactor::Enter enter(*reactor);
    // The reactor thread's id: the thread that fires a sleep.
    auto tid_probe = std::make_shared<ThreadIdOfWaker>();
    {
        core::Waker tid_waker = core::Waker::from(tid_probe);
        core::Context tid_cx(tid_waker);
        ch06::Sleep tick = ch06::sleep_for(1ms);
        REQUIRE(tick.poll(tid_cx).is_pending());
        REQUIRE(eventually([&] { return tid_probe->tid() != 0; }));
    }
    const int tid = tid_probe->tid();
    for (bool long_first : {true, false}) {
        auto hour = std::make_shared<Signal>(), soon = std::make_shared<Signal>();
        core::Waker hour_waker = core::Waker::from(hour), soon_waker = core::Waker::from(soon);
        core::Context hour_cx(hour_waker), soon_cx(soon_waker);
        ch06::Sleep long_sleep = ch06::sleep_for(1h);
        ch06::Sleep short_sleep = ch06::sleep_for(20ms);
        if (long_first) {
            REQUIRE(long_sleep.poll(hour_cx).is_pending());
            // Quiet: the reactor asleep in epoll_wait with the 1-hour timeout and no turn for 2 ms,
            // so only add_timer's poke can make it look at the 20 ms deadline.
            REQUIRE(eventually([&] {
                const auto t = reactor->turns();
                if (!in_epoll_wait(tid)) return false;
                std::this_thread::sleep_for(2ms);
                return in_epoll_wait(tid) && reactor->turns() == t;
            }));
        }
        const auto start = Clock::now();
        (void)short_sleep.poll(soon_cx);
        if (!long_first) REQUIRE(long_sleep.poll(hour_cx).is_pending());
        INFO("The timer heap must give the earliest deadline first: ms_until_next_timer and "
             "take_due_timers look at its top, which must be the soonest deadline, not the latest. "
             << (long_first ? "The 1-hour sleep was registered first" : "The 20 ms sleep was registered first")
             << ", and the 20 ms sleep did not fire within " << ms_of(core::testing::scaled(1s)) << " ms");
        INFO((long_first ? "add_timer did not poke the reactor? It was asleep in epoll_wait with the 1-hour "
                           "timeout when the 20 ms deadline became the earliest"
                         : "(the 20 ms deadline was the earliest from the start)"));
        REQUIRE(soon->wait_for(core::testing::scaled(1s)));
        CHECK(Clock::now() - start >= 20ms);
        CHECK(short_sleep.poll(soon_cx).is_ready());
    }
}

TEST_CASE("a dropped sleep never wakes its waker, and lets it go at once", "[ch06][timer]") {
    auto reactor = ch06::Reactor::start();
    ch06::Reactor::Enter enter(*reactor);
    core::testing::CountingWaker w;
    {
        core::Context cx(w.waker());
        ch06::Sleep sleep = ch06::sleep_for(5ms);
        REQUIRE(sleep.poll(cx).is_pending());
    }
    INFO("the timer heap must hold the sleep weakly: its waker (and the task behind it) is freed with it");
    CHECK(w.live_wakers() == 1);
    std::this_thread::sleep_for(20ms);
    settle(*reactor);
    CHECK(w.wakes() == 0);
}

TEST_CASE("a sleep too long to add to the clock (seconds, nanoseconds, hours ::max()) stays pending",
          "[ch06][timer]") {
    auto reactor = ch06::Reactor::start();
    ch06::Reactor::Enter enter(*reactor);
    core::testing::CountingWaker w;
    core::Context cx(w.waker());
    ch06::Sleep by_seconds = ch06::sleep_for(std::chrono::seconds::max());
    ch06::Sleep by_nanoseconds = ch06::sleep_for(std::chrono::nanoseconds::max());
    ch06::Sleep by_hours = ch06::sleep_for(std::chrono::hours::max());
    INFO("\"sleep forever\" must pend forever: now + duration::max() overflows (it wraps into the past and the "
         "timer fires at once); ch06::sleep_for saturates the duration, so Sleep::poll can add it to now");
    CHECK(by_seconds.poll(cx).is_pending());
    CHECK(by_nanoseconds.poll(cx).is_pending());
    CHECK(by_hours.poll(cx).is_pending());
    std::this_thread::sleep_for(20ms);
    settle(*reactor);
    CHECK(w.wakes() == 0);
    CHECK(by_seconds.poll(cx).is_pending());
    CHECK(by_nanoseconds.poll(cx).is_pending());
    CHECK(by_hours.poll(cx).is_pending());
}

TEST_CASE("a sleep polled outside any runtime or reactor is a clear logic_error", "[ch06][timer]") {
    core::testing::CountingWaker w;
    core::Context cx(w.waker());
    ch06::Sleep sleep = ch06::sleep_for(1ms);
    try {
        (void)sleep.poll(cx);
        FAIL("polling a ch06::Sleep with no reactor on this thread should throw std::logic_error");
    } catch (const core::NotImplemented&) {
        throw;
    } catch (const std::logic_error& e) {
        CHECK(std::string(e.what()).find("reactor") != std::string::npos);
    }
}

namespace {

// A task in miniature that nothing but its own waker keeps alive (a task an
// executor forgot, or one whose runtime is gone): the Wake owns the future,
// a Sleep, and the Sleep owns a reference to the reactor.
class ForgottenSleeper : public core::Wake {
public:
    explicit ForgottenSleeper(std::shared_ptr<std::atomic<bool>> woke) : woke_(std::move(woke)) {}
    void wake() override { woke_->store(true); }
    std::optional<ch06::Sleep> sleep;

private:
    std::shared_ptr<std::atomic<bool>> woke_;
};

}  // namespace

TEST_CASE("a reactor whose last owner is dropped by its own thread (in a wake) shuts down cleanly",
          "[ch06][timer]") {
    core::testing::hang_hint("a Sleep that never fires: see the timer heap (timers.hpp) and Sleep::poll (sleep.hpp)");
    const int fds_before = fd_count();
    auto woke = std::make_shared<std::atomic<bool>>(false);
    {
        auto reactor = ch06::Reactor::start();
        ch06::Reactor::Enter enter(*reactor);
        auto task = std::make_shared<ForgottenSleeper>(woke);
        task->sleep.emplace(ch06::sleep_for(5ms));
        core::Waker waker = core::Waker::from(task);
        core::Context cx(waker);
        REQUIRE(task->sleep->poll(cx).is_pending());
    }
    // Now the waker in the timer's slot is the last owner of the task, and
    // through its Sleep of the reactor. Firing the timer drops that waker on
    // the reactor thread: ~Reactor must not join the thread it runs on.
    INFO("a crash here ('terminate called after throwing ... Resource deadlock avoided', or 'terminate called "
         "without an active exception') is ~Reactor joining or destroying its own thread: see Reactor::release "
         "(given, reactor_class.hpp)");
    REQUIRE(eventually([&] { return woke->load(); }));
    INFO("the reactor's epoll fd and eventfd must be closed once its last owner is gone");
    CHECK(eventually([&] { return fd_count() == fds_before; }));
}
