// The task state machine on its own, no runtime: every test runs against the
// mutex version (state.hpp) and the atomic one (atomic_state.hpp).
#include <catch2/catch.hpp>

#include <atomic>
#include <list>
#include <thread>
#include <vector>

#include "ch05_joinhandle/executor.hpp"
#include "core/testing.hpp"
#include "helpers.hpp"

using ch05::AfterPoll;
using ch05::Phase;
using ch05_test::logic_error_message;

namespace {
// Brings a fresh state to `idle`: popped, polled, Pending, nobody woke it.
template <class State>
void to_idle(State& s) {
    REQUIRE(s.start_running());
    REQUIRE(s.after_pending() == AfterPoll::park);
}
}  // namespace

TEMPLATE_TEST_CASE("a task is born scheduled, and a wake before its first poll does not queue it again",
                   "[ch05][state]", ch05::TaskState, ch05::AtomicTaskState) {
    TestType s;
    CHECK(s.phase() == Phase::scheduled);
    INFO("spawn already queued the task: wake() must return false, or it sits in the queue twice");
    CHECK_FALSE(s.wake());
    CHECK(s.phase() == Phase::scheduled);
}

TEMPLATE_TEST_CASE("only the first of many wakes of an idle task queues it", "[ch05][state]", ch05::TaskState,
                   ch05::AtomicTaskState) {
    TestType s;
    to_idle(s);
    CHECK(s.phase() == Phase::idle);
    INFO("idle -> scheduled is the only move that returns true");
    CHECK(s.wake());
    for (int i = 0; i < 10; ++i) CHECK_FALSE(s.wake());
    CHECK(s.phase() == Phase::scheduled);
}

TEMPLATE_TEST_CASE("of many threads waking an idle task at once, exactly one queues it", "[ch05][state][race]",
                   ch05::TaskState, ch05::AtomicTaskState) {
    core::testing::hang_hint("a wake() that blocks forever (a lock never released?)");
    constexpr int threads = 4;
    for (int rep = 0; rep < 300; ++rep) {
        TestType s;
        to_idle(s);
        std::atomic<int> queued{0};
        ch05_test::Latch start(threads);
        std::list<ch05_test::CheckedThread> ts;  // list: a CheckedThread never moves
        for (int t = 0; t < threads; ++t)
            ts.emplace_back([&] {
                start.arrive_and_wait();
                if (s.wake()) queued.fetch_add(1);
            });
        for (auto& t : ts) t.join();
        INFO("repetition " << rep << ": wake() returned true " << queued.load()
                           << " times; more than once means the task is queued twice");
        REQUIRE(queued.load() == 1);
    }
}

TEMPLATE_TEST_CASE("a wake during a poll is not lost: the task is polled again", "[ch05][state]",
                   ch05::TaskState, ch05::AtomicTaskState) {
    TestType s;
    REQUIRE(s.start_running());
    CHECK(s.phase() == Phase::running);
    INFO("a wake while running must not queue the task (two workers would poll it at once)");
    CHECK_FALSE(s.wake());
    CHECK(s.phase() == Phase::notified);
    INFO("...but after the poll the task must go back to the queue");
    CHECK(s.after_pending() == AfterPoll::repoll);
    CHECK(s.phase() == Phase::scheduled);
    CHECK(s.start_running());
    CHECK(s.after_pending() == AfterPoll::park);
    CHECK(s.phase() == Phase::idle);
}

TEMPLATE_TEST_CASE("a wake racing with the end of a poll owes exactly one more poll", "[ch05][state][race]",
                   ch05::TaskState, ch05::AtomicTaskState) {
    core::testing::hang_hint("a wake() or after_pending() that blocks forever");
    for (int rep = 0; rep < 2000; ++rep) {
        TestType s;
        REQUIRE(s.start_running());
        ch05_test::Latch start(2);
        AfterPoll after{};
        bool queued = false;
        ch05_test::CheckedThread waker([&] {
            start.arrive_and_wait();
            queued = s.wake();
        });
        start.arrive_and_wait();
        after = s.after_pending();
        waker.join();
        bool repoll = after == AfterPoll::repoll;
        INFO("repetition " << rep << ": wake() queued=" << queued << ", after_pending() repoll=" << repoll
                           << ". Neither: the wake is lost. Both: the task is polled twice at once.");
        REQUIRE(queued != repoll);
        REQUIRE(s.phase() == Phase::scheduled);
    }
}

TEMPLATE_TEST_CASE("wakes and aborts after completion do nothing", "[ch05][state]", ch05::TaskState,
                   ch05::AtomicTaskState) {
    TestType s;
    REQUIRE(s.start_running());
    s.complete();
    CHECK(s.phase() == Phase::complete);
    CHECK_FALSE(s.wake());
    CHECK_FALSE(s.cancel());
    CHECK(s.phase() == Phase::complete);
    INFO("an abort after completion must not turn a finished task into a cancelled one");
    CHECK_FALSE(s.cancelled());
}

TEMPLATE_TEST_CASE("aborting an idle task schedules it, so a worker frees it instead of polling it",
                   "[ch05][state]", ch05::TaskState, ch05::AtomicTaskState) {
    TestType s;
    to_idle(s);
    INFO("nobody will ever wake an idle task (it may be parked on a 1-hour timer): cancel() must queue it");
    CHECK(s.cancel());
    CHECK(s.phase() == Phase::scheduled);
    CHECK(s.cancelled());
    CHECK_FALSE(s.cancel());
    CHECK_FALSE(s.wake());
    INFO("start_running() must answer false: free the future, do not poll it");
    CHECK_FALSE(s.start_running());
}

TEMPLATE_TEST_CASE("aborting a queued task does not queue it twice", "[ch05][state]", ch05::TaskState,
                   ch05::AtomicTaskState) {
    TestType s;  // born scheduled: already in the queue
    CHECK_FALSE(s.cancel());
    CHECK_FALSE(s.start_running());
}

TEMPLATE_TEST_CASE("an abort during a poll wins over a wake during the same poll", "[ch05][state]",
                   ch05::TaskState, ch05::AtomicTaskState) {
    TestType s;
    REQUIRE(s.start_running());
    CHECK_FALSE(s.wake());
    INFO("a running task is freed by its worker after the poll: cancel() must not queue it");
    CHECK_FALSE(s.cancel());
    CHECK(s.after_pending() == AfterPoll::cancel);
}

TEMPLATE_TEST_CASE("an abort racing with the end of a poll frees the future exactly once", "[ch05][state][race]",
                   ch05::TaskState, ch05::AtomicTaskState) {
    core::testing::hang_hint("a cancel() or after_pending() that blocks forever");
    for (int rep = 0; rep < 2000; ++rep) {
        TestType s;
        REQUIRE(s.start_running());
        ch05_test::Latch start(2);
        bool queued = false;
        ch05_test::CheckedThread aborter([&] {
            start.arrive_and_wait();
            queued = s.cancel();
        });
        start.arrive_and_wait();
        AfterPoll after = s.after_pending();
        aborter.join();
        bool freed_now = after == AfterPoll::cancel;
        bool freed_later = queued && !s.start_running();
        INFO("repetition " << rep << ": the worker frees it now=" << freed_now
                           << ", a queued poll frees it later=" << freed_later);
        REQUIRE(freed_now != freed_later);
    }
}

TEMPLATE_TEST_CASE("close hands an unfinished task to the runtime once, and a finished one never",
                   "[ch05][state]", ch05::TaskState, ch05::AtomicTaskState) {
    TestType idle;
    to_idle(idle);
    CHECK(idle.close());
    CHECK_FALSE(idle.close());
    CHECK_FALSE(idle.wake());
    CHECK(idle.phase() == Phase::complete);

    TestType done;
    REQUIRE(done.start_running());
    done.complete();
    CHECK_FALSE(done.close());
}

TEMPLATE_TEST_CASE("polling a task that is not scheduled is a clear logic error", "[ch05][state]",
                   ch05::TaskState, ch05::AtomicTaskState) {
    TestType s;
    to_idle(s);
    INFO("start_running() on an idle task means it was queued without a wake: throw std::logic_error");
    auto msg = logic_error_message([&] { (void)s.start_running(); });
    CHECK_THAT(msg, Catch::Contains("not scheduled"));
    TestType t;
    auto msg2 = logic_error_message([&] { (void)t.after_pending(); });
    CHECK_THAT(msg2, Catch::Contains("not running"));
}
