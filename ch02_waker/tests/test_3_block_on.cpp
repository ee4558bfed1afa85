// Chapter 2: block_on parks between polls and polls again only after a wake.
#include "testing/catch.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ch02_waker/block_on.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace std::chrono_literals;
using ch02_test::Counted;
using ch02_test::Helper;
using ch02_test::Ready;
using Polls = std::shared_ptr<std::atomic<int>>;

namespace {

Polls new_counter() { return std::make_shared<std::atomic<int>>(0); }

// Pending once; its first poll hands a copy of the waker to a new thread that
// wakes it. Mode `inside_poll`: the poll waits until the wake has happened,
// so the wake lands before block_on can park. Mode `racing`: the poll returns
// at once and the wake races with block_on's park.
class WokenByAnotherThread {
public:
    using Output = void;
    enum class Mode { inside_poll, racing };
    explicit WokenByAnotherThread(Mode mode) : mode_(mode) {}
    WokenByAnotherThread(WokenByAnotherThread&&) noexcept = default;
    ~WokenByAnotherThread() {
        if (waker_thread_.joinable()) waker_thread_.join();
    }

    core::Poll<void> poll(core::Context& cx) {
        if (waker_thread_.joinable()) {
            waker_thread_.join();
            return core::Poll<void>::ready();
        }
        auto woken = std::make_shared<ch02_test::Latch>(1);
        core::Waker waker = cx.waker();  // copied: cx dies with this poll
        waker_thread_ = std::thread([waker, woken] {
            ch02_test::wake_from_helper(waker);
            woken->count_down();
        });
        if (mode_ == Mode::inside_poll) woken->wait();
        return core::Poll<void>::pending();
    }

private:
    Mode mode_;
    std::thread waker_thread_;
};

// Its first poll starts `threads` threads that each wake it `wakes_each`
// times, all at once; it is Ready once every thread has finished.
class WokenByManyThreads {
public:
    using Output = void;
    WokenByManyThreads(int threads, int wakes_each) : threads_(threads), wakes_each_(wakes_each) {}
    WokenByManyThreads(WokenByManyThreads&&) noexcept = default;
    ~WokenByManyThreads() { join_all(); }

    core::Poll<void> poll(core::Context& cx) {
        if (workers_.empty()) {
            // The threads start together, and only once this poll is about to
            // return Pending: so the first poll is always Pending and every
            // wake races with block_on's park.
            auto start = std::make_shared<ch02_test::Latch>(threads_ + 1);
            for (int t = 0; t < threads_; ++t) {
                workers_.emplace_back([waker = cx.waker(), start, n = wakes_each_, finished = finished_] {
                    start->arrive_and_wait();
                    for (int i = 0; i < n; ++i) ch02_test::wake_from_helper(waker);
                    finished->fetch_add(1, std::memory_order_release);
                    ch02_test::wake_from_helper(waker);  // the last word: "I am done"
                });
            }
            start->count_down();
            return core::Poll<void>::pending();
        }
        if (finished_->load(std::memory_order_acquire) < threads_) return core::Poll<void>::pending();
        join_all();
        return core::Poll<void>::ready();
    }

private:
    void join_all() {
        for (auto& w : workers_)
            if (w.joinable()) w.join();
    }
    int threads_, wakes_each_;
    std::shared_ptr<std::atomic<int>> finished_ = std::make_shared<std::atomic<int>>(0);
    std::vector<std::thread> workers_;
};

// Ready at once, leaving a copy of its waker in `slot` for later.
class LeavesItsWaker {
public:
    using Output = void;
    explicit LeavesItsWaker(std::shared_ptr<core::Waker> slot) : slot_(std::move(slot)) {}
    core::Poll<void> poll(core::Context& cx) {
        *slot_ = cx.waker();
        return core::Poll<void>::ready();
    }

private:
    std::shared_ptr<core::Waker> slot_;
};

// Runs block_on on a Trigger that a helper fires a while after the first
// poll, and returns how many polls it took (a parking block_on needs 2).
int polls_for_one_wake() {
    core::testing::Trigger trigger;
    Helper firer([trigger](const std::atomic<bool>& stop) {
        ch02_test::wait_until([&] { return trigger.polls() >= 1 || stop; });
        std::this_thread::sleep_for(30ms);  // a busy-polling block_on would poll thousands of times now
        trigger.fire();
    });
    ch02::block_on(trigger.future());
    return trigger.polls();
}

}  // namespace

TEST_CASE("block_on returns the future's value: plain, move-only and void", "[ch02][block-on]") {
    core::testing::hang_hint(
        "block_on must return as soon as poll() says Ready; CountingFuture wakes itself inside poll, "
        "so park() must find that token (wait with a predicate, not a bare cv.wait)");
    std::string word = "value-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000);
    CHECK(ch02::block_on(Ready<std::string>(word)) == word);

    auto box = ch02::block_on(Ready<std::unique_ptr<int>>(std::make_unique<int>(5)));
    REQUIRE(box);
    CHECK(*box == 5);

    core::testing::CountingFuture counting(3);
    auto stats = counting.stats();
    ch02::block_on(std::move(counting));
    CHECK(stats->polls == 4);
}

TEST_CASE("block_on of a 100 ms sleep polls it a handful of times and burns little CPU", "[ch02][block-on][race]") {
    core::testing::hang_hint("the sleep's timer wakes the waker of its latest poll; SimpleWaker::wake must unpark block_on's parker");
    // Warm up first: the first block_on of a run pays one-off costs (under
    // valgrind, translating the code) that are not spinning.
    ch02::block_on(core::sleep_for(1ms));
    auto polls = new_counter();
    auto cpu_before = core::testing::thread_cpu_time();
    auto wall_before = std::chrono::steady_clock::now();
    ch02::block_on(Counted(core::sleep_for(100ms), polls));
    auto cpu = core::testing::thread_cpu_time() - cpu_before;
    auto wall = std::chrono::steady_clock::now() - wall_before;
    int poll_count = polls->load();
    double cpu_ms = std::chrono::duration<double, std::milli>(cpu).count();
    double wall_ms = std::chrono::duration<double, std::milli>(wall).count();
    CAPTURE(poll_count, cpu_ms, wall_ms);
    CHECK(wall >= 100ms);
    INFO("block_on must park after Pending and poll again only after a wake (1 poll + 1 after the timer fired)");
    CHECK(*polls <= 3);
    INFO("the thread spent its time spinning, not parked: a spinning thread is on the CPU for most of "
         "the wait, a parked one for a sliver of it (thread CPU time vs wall clock)");
    CHECK(cpu * 3 < wall);
}

TEST_CASE("a future that wakes itself inside poll is polled again, not lost", "[ch02][block-on]") {
    core::testing::hang_hint("a wake that happens during poll, before park, must leave a token for park to find");
    core::testing::CountingFuture self_waking(200);
    auto stats = self_waking.stats();
    ch02::block_on(std::move(self_waking));
    CHECK(stats->polls == 201);
    ch02::block_on(core::yield_now());
}

TEST_CASE("a wake from another thread that lands before the park is not lost (1000 rounds)", "[ch02][block-on][race]") {
    core::testing::hang_hint(
        "the wake came before park(): park must find the token (a lost unpark, or a parker that only "
        "notifies a thread already waiting)");
    for (int round = 0; round < 1000; ++round) {
        auto polls = new_counter();
        ch02::block_on(Counted(WokenByAnotherThread(WokenByAnotherThread::Mode::inside_poll), polls));
        if (*polls != 2) {
            CAPTURE(round);
            FAIL("a future woken once needs exactly 2 polls; got " << *polls);
        }
    }
}

TEST_CASE("a wake from another thread racing with the park is not lost (1000 rounds)", "[ch02][block-on][race]") {
    core::testing::hang_hint(
        "a wake between the poll and the park was lost: check the token is set and read under the "
        "parker's mutex, and that park waits with a predicate");
    for (int round = 0; round < 1000; ++round) {
        auto polls = new_counter();
        ch02::block_on(Counted(WokenByAnotherThread(WokenByAnotherThread::Mode::racing), polls));
        if (*polls != 2) {
            CAPTURE(round);
            FAIL("a future woken once needs exactly 2 polls; got " << *polls);
        }
    }
}

TEST_CASE("block_on polls only after a wake: one wake, two polls", "[ch02][block-on][race]") {
    core::testing::hang_hint("block_on must park after Pending; the Trigger's fire() wakes the waker of the latest poll");
    int polls = polls_for_one_wake();
    INFO("a busy-polling block_on polls thousands of times while it waits; a parking one polls once per wake");
    CHECK(polls >= 2);
    CHECK(polls <= 3);
}

TEST_CASE("wakes from 8 threads at once: block_on completes and leaves no tokens behind", "[ch02][block-on][race]") {
    core::testing::hang_hint("8 threads wake at once: the parker must not lose the final wake");
    for (int round = 0; round < 20; ++round) {
        auto polls = new_counter();
        ch02::block_on(Counted(WokenByManyThreads(8, 1000), polls));
        CAPTURE(round, polls->load());
        REQUIRE(*polls >= 2);
        INFO("more polls than wakes: block_on polled without being woken (does it park after Pending?)");
        REQUIRE(*polls <= 8 * 1001 + 1);
    }
    int polls = polls_for_one_wake();
    INFO("the next block_on on this thread polled more than once per wake: wakes from the last one "
         "were still counted as tokens (a counter instead of a bool, or a parker shared between calls)");
    CHECK(polls <= 3);
}

TEST_CASE("a waker that outlives block_on can still be woken safely", "[ch02][block-on][race]") {
    core::testing::hang_hint("a late wake must not disturb the next block_on");
    auto slot = std::make_shared<core::Waker>();
    ch02::block_on(LeavesItsWaker(slot));
    // block_on has returned; its parker must still be alive (held by the waker).
    slot->wake();
    Helper late([slot] { slot->wake(); });
    REQUIRE(late.finished_within(2000ms));
    int polls = polls_for_one_wake();
    INFO("a wake of a finished block_on's waker reached this block_on (parker shared between calls?)");
    CHECK(polls <= 3);
}

TEST_CASE("an exception from the future leaves block_on, and the next block_on on this thread works", "[ch02][block-on]") {
    core::testing::hang_hint("an exception from poll() must leave block_on");
    try {
        ch02::block_on(ch02_test::ThrowsAfter(2, "the future failed"));
        FAIL("block_on returned, but the future's poll threw");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()) == "the future failed");
    }
    INFO("block_on after an exception must work: is the 'inside block_on' flag reset on the way out (RAII)?");
    CHECK(ch02::block_on(Ready<int>(7)) == 7);
}

namespace {
// Calls ch02::block_on from inside its own poll and records what happened.
class CallsBlockOnInsidePoll {
public:
    using Output = std::string;
    core::Poll<std::string> poll(core::Context&) {
        try {
            ch02::block_on(core::yield_now());
        } catch (const core::NotImplemented&) {
            throw;
        } catch (const std::logic_error& e) {
            return core::Poll<std::string>::ready(e.what());
        }
        return core::Poll<std::string>::ready("(no exception)");
    }
};

// Runs ch02::block_on on another thread while this thread is inside block_on.
class BlocksOnAnotherThread {
public:
    using Output = std::string;
    core::Poll<std::string> poll(core::Context&) {
        auto error = std::make_shared<std::string>();
        Helper other([error] {
            try {
                ch02::block_on(core::sleep_for(5ms));
            } catch (const std::logic_error& e) {
                *error = e.what();
            }
        });
        if (!other.finished_within(2000ms)) return core::Poll<std::string>::ready("(did not finish)");
        return core::Poll<std::string>::ready(*error);
    }
};
}  // namespace

TEST_CASE("a nested block_on on the same thread throws std::logic_error instead of deadlocking", "[ch02][block-on]") {
    core::testing::hang_hint("a nested block_on must throw before it parks");
    std::string message = ch02::block_on(CallsBlockOnInsidePoll());
    INFO("a nested block_on must throw std::logic_error (it would deadlock); the inner block_on said: " << message);
    CHECK(message != "(no exception)");
    CHECK_THAT(message, Catch::Contains("deadlock"));
    INFO("the outer block_on must clear its flag when it returns");
    CHECK(ch02::block_on(Ready<int>(3)) == 3);
}

TEST_CASE("two threads may each be inside block_on at once (the nesting check is per thread)", "[ch02][block-on]") {
    core::testing::hang_hint("block_on on another thread must not be mistaken for a nested call");
    std::string error = ch02::block_on(BlocksOnAnotherThread());
    INFO("block_on on a second thread failed with: " << error << " (make the flag thread_local)");
    CHECK(error.empty());
}
