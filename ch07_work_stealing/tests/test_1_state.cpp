// The task's state word by itself, no runtime: each transition, the
// reference count, and the join handshake's bits. Driven by hand, so every
// order is the test's choice.
#include "testing/catch.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include "ch07_work_stealing/state.hpp"
#include "core/testing.hpp"
#include "light_probes.hpp"

using ch07::Snapshot;
using ch07::TaskState;

namespace {
// A state as a worker sees it after its first Pending poll, nobody else
// having done anything: idle, two references (the live list, the handle).
void make_idle(TaskState& s) {
    REQUIRE(s.transition_to_running() == ch07::ToRunning::poll);
    REQUIRE(s.transition_to_idle() == ch07::ToIdle::idle);
}
}  // namespace

TEST_CASE("a new task is queued once, has a join handle, and three references", "[ch07][state]") {
    TaskState s;
    Snapshot snap = s.load();
    INFO("INITIAL: NOTIFIED (spawn queues it), JOIN_INTEREST (the handle), 3 refs (live list, queue, handle)");
    CHECK(snap.notified());
    CHECK(snap.join_interest());
    CHECK_FALSE(snap.running());
    CHECK_FALSE(snap.complete());
    CHECK(snap.refs() == 3);
}

TEST_CASE("running then Pending with no wake leaves the task idle and drops the worker's reference",
          "[ch07][state]") {
    TaskState s;
    CHECK(s.transition_to_running() == ch07::ToRunning::poll);
    CHECK(s.load().running());
    CHECK_FALSE(s.load().notified());
    CHECK(s.transition_to_idle() == ch07::ToIdle::idle);
    INFO("the queue's reference, carried by the worker during the poll, is dropped by transition_to_idle");
    CHECK(s.load().refs() == 2);
    CHECK_FALSE(s.load().running());
}

TEST_CASE("a wake of an idle task submits it once and counts a reference for the queue entry", "[ch07][state]") {
    TaskState s;
    make_idle(s);
    CHECK(s.transition_to_notified_by_ref() == ch07::Wake::submit);
    CHECK(s.load().refs() == 3);
    INFO("a second wake of a task already queued must not queue it twice");
    CHECK(s.transition_to_notified_by_ref() == ch07::Wake::nothing);
    CHECK(s.load().refs() == 3);
}

TEST_CASE("a wake during the poll makes transition_to_idle answer repoll, keeping the reference",
          "[ch07][state]") {
    TaskState s;
    REQUIRE(s.transition_to_running() == ch07::ToRunning::poll);
    INFO("wake while running submitted: another worker would poll the same future at once");
    CHECK(s.transition_to_notified_by_ref() == ch07::Wake::nothing);
    CHECK(s.load().notified());
    CHECK(s.transition_to_idle() == ch07::ToIdle::repoll);
    INFO("repoll: the worker's reference becomes the new queue entry's, so the count stays");
    CHECK(s.load().refs() == 3);
    CHECK(s.transition_to_running() == ch07::ToRunning::poll);
}

TEST_CASE("wake by value adds the queue's reference and leaves the waker's to drop after schedule, or drops it",
          "[ch07][state]") {
    TaskState s;
    make_idle(s);  // 2 references: the live list, the handle
    s.ref_inc();   // the waker's own reference
    bool last = true;
    CHECK(s.transition_to_notified_by_val(last) == ch07::Wake::submit);
    CHECK_FALSE(last);
    INFO("the waker's reference must outlive schedule: transition_to_notified_by_val of an idle task adds a "
         "reference for the queue entry (4 now: list, handle, queue, waker) and leaves the waker's to the "
         "caller, who drops it once schedule() has returned. Handed to the queue instead, nothing keeps the "
         "task (and its runtime) alive while schedule() still uses them: a shutdown that drains the queue "
         "meanwhile frees both (see book/ch07_work_stealing.md#the-task-in-one-block)");
    CHECK(s.load().refs() == 4);
    CHECK(s.load().notified());
    CHECK_FALSE(s.ref_dec());  // the caller, after schedule
    s.ref_inc();
    CHECK(s.transition_to_notified_by_val(last) == ch07::Wake::nothing);
    CHECK_FALSE(last);
    INFO("already queued: the waker's reference is dropped");
    CHECK(s.load().refs() == 3);
}

TEST_CASE("wake by value of a running task records the wake and drops the waker's reference", "[ch07][state]") {
    TaskState s;
    REQUIRE(s.transition_to_running() == ch07::ToRunning::poll);  // 3 references: list, worker, handle
    s.ref_inc();  // a waker kept by the future
    bool last = true;
    INFO("a wake by value during the poll must only set NOTIFIED (the worker re-queues the task after the "
         "poll) and drop the waker's reference");
    CHECK(s.transition_to_notified_by_val(last) == ch07::Wake::nothing);
    CHECK_FALSE(last);
    CHECK(s.load().notified());
    CHECK(s.load().refs() == 3);
    CHECK(s.transition_to_idle() == ch07::ToIdle::repoll);
}

TEST_CASE("wake by value of a finished task frees it when its reference was the last", "[ch07][state]") {
    TaskState s;
    REQUIRE(s.transition_to_running() == ch07::ToRunning::poll);
    s.ref_inc();  // a waker kept by the future: 4 references
    REQUIRE(s.transition_to_complete().complete());
    REQUIRE_FALSE(s.ref_dec(2));  // finish drops the live list's and the worker's
    REQUIRE_FALSE(s.ref_dec());   // the handle goes away: the waker's is the last
    bool last = false;
    CHECK(s.transition_to_notified_by_val(last) == ch07::Wake::nothing);
    INFO("the waker held the last reference: last_ref must say so, or the block leaks");
    CHECK(last);
    CHECK(s.load().refs() == 0);
}

TEST_CASE("abort of an idle task submits it so a worker frees it; of a running one it waits for the poll",
          "[ch07][state]") {
    TaskState idle;
    make_idle(idle);
    {
        INFO("abort of an idle task not submitted: nothing else will ever queue it, so abort must (with a "
             "reference for the queue entry) for a worker to free its future");
        CHECK(idle.transition_to_notified_and_cancel() == ch07::Wake::submit);
        CHECK(idle.load().refs() == 3);
    }
    CHECK(idle.transition_to_notified_and_cancel() == ch07::Wake::nothing);
    CHECK(idle.transition_to_running() == ch07::ToRunning::cancelled);

    TaskState running;
    REQUIRE(running.transition_to_running() == ch07::ToRunning::poll);
    CHECK(running.transition_to_notified_and_cancel() == ch07::Wake::nothing);
    INFO("after the poll, a cancelled task stays running: the worker frees its future");
    CHECK(running.transition_to_idle() == ch07::ToIdle::cancelled);
    CHECK(running.load().running());
}

TEST_CASE("after completion every wake and abort does nothing, and the join waker can no longer be set",
          "[ch07][state]") {
    TaskState s;
    REQUIRE(s.transition_to_running() == ch07::ToRunning::poll);
    REQUIRE(s.transition_to_notified_by_ref() == ch07::Wake::nothing);  // notified while running
    Snapshot done = s.transition_to_complete();
    CHECK(done.complete());
    CHECK_FALSE(done.notified());
    CHECK_FALSE(done.running());
    CHECK(s.transition_to_notified_by_ref() == ch07::Wake::nothing);
    CHECK(s.transition_to_notified_and_cancel() == ch07::Wake::nothing);
    CHECK_FALSE(s.set_join_waker());
    CHECK_FALSE(s.transition_to_shutdown());
}

TEST_CASE("the join waker bit: set before completion, taken back by a handle dropped before completion",
          "[ch07][state]") {
    TaskState s;
    CHECK(s.set_join_waker());
    CHECK(s.load().join_waker());
    CHECK(s.unset_join_waker());
    CHECK(s.set_join_waker());
    Snapshot after = s.drop_join_interest();
    INFO("a handle dropped before completion owns the waker field again: JOIN_WAKER cleared");
    CHECK_FALSE(after.join_interest());
    CHECK_FALSE(after.join_waker());
}

TEST_CASE("the reference count frees exactly once and refuses to go below zero", "[ch07][state]") {
    TaskState s;  // 3 references
    CHECK_FALSE(s.ref_dec());
    CHECK_FALSE(s.ref_dec());
    INFO("ref_dec must return true for the last reference: the caller frees the task");
    CHECK(s.ref_dec());
    CHECK_THROWS_AS(s.ref_dec(), std::logic_error);
    TaskState two;
    CHECK_FALSE(two.ref_dec(2));
    CHECK(two.ref_dec());
}

TEST_CASE("the reference count's decrement is acq_rel", "[ch07][state]") {
    TaskState s;
    CHECK_FALSE(s.ref_dec());
    INFO("ref_dec_order must be acq_rel: x86 cannot show the bug of a relaxed decrement (only SAN=thread or an ARM machine can), so the "
         "order is pinned here: the release publishes this thread's writes, the acquire lets the thread that "
         "frees see everybody's (see book/ch07_work_stealing.md#the-task-in-one-block)");
    CHECK(TaskState::ref_dec_order == std::memory_order_acq_rel);
}

TEST_CASE("wakes of an idle task from 8 threads at once submit it exactly once", "[ch07][state][race]") {
    core::testing::hang_hint("a CAS loop in TaskState that never ends");
    for (int rep = 0; rep < 50; ++rep) {
        TaskState s;
    make_idle(s);
        std::atomic<int> submits{0};
        ch07_test::Latch start(8);
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t)
            threads.emplace_back([&] {
                start.arrive_and_wait();
                for (int i = 0; i < 100; ++i)
                    if (s.transition_to_notified_by_ref() == ch07::Wake::submit) submits.fetch_add(1);
            });
        for (auto& t : threads) t.join();
        INFO("repetition " << rep << ": only the idle -> notified move may submit");
        REQUIRE(submits.load() == 1);
        REQUIRE(s.load().refs() == 3);
    }
}
