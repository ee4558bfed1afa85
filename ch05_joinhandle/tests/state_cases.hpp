// The task state machine's tests, written once for both versions. Not a
// test file of its own: test_1_state.cpp includes it for TaskState (tag
// [state]) and test_9_atomic_state.cpp for AtomicTaskState ([atomic-state]),
// each defining CH05_STATE and CH05_STATE_TAG first. Catch2 names each case
// "<name> - <type>", so the two inclusions never clash, even in one
// translation unit. (No include guard: it is meant to be included twice.)
//
// What every case checks is the contract in state.hpp: one queue entry per
// idle -> scheduled move, no lost wake at the end of a poll, an abort always
// freed by a worker, nothing after completion.

#ifndef CH05_STATE
#error "define CH05_STATE (the state class) and CH05_STATE_TAG before including state_cases.hpp"
#endif

TEMPLATE_TEST_CASE("a task is born scheduled, and a wake before its first poll does not queue it again",
                   CH05_STATE_TAG, CH05_STATE) {
    TestType s;
    CHECK(s.phase() == Phase::scheduled);
    INFO("spawn already queued the task: wake() must return false, or it sits in the queue twice");
    CHECK_FALSE(s.wake());
    CHECK(s.phase() == Phase::scheduled);
}

TEMPLATE_TEST_CASE("only the first of many wakes of an idle task queues it", CH05_STATE_TAG, CH05_STATE) {
    TestType s;
    to_idle(s);
    CHECK(s.phase() == Phase::idle);
    INFO("idle -> scheduled is the only move that returns true");
    CHECK(s.wake());
    for (int i = 0; i < 10; ++i) CHECK_FALSE(s.wake());
    CHECK(s.phase() == Phase::scheduled);
}

TEMPLATE_TEST_CASE("of many threads waking an idle task at once, exactly one queues it", CH05_STATE_TAG "[race]", CH05_STATE) {
    core::testing::hang_hint("a wake() that blocks forever (a lock never released?)");
    constexpr int threads = 4;
    for (int rep = 0, n = rounds(300); rep < n; ++rep) {
        TestType s;
        to_idle(s);
        std::atomic<int> queued{0};
        Latch start(threads);
        std::list<CheckedThread> ts;  // list: a CheckedThread never moves
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

TEMPLATE_TEST_CASE("a wake during a poll is not lost: the task is polled again", CH05_STATE_TAG, CH05_STATE) {
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

TEMPLATE_TEST_CASE("a wake racing with the end of a poll owes exactly one more poll", CH05_STATE_TAG "[race]", CH05_STATE) {
    core::testing::hang_hint("a wake() or after_pending() that blocks forever");
    for (int rep = 0, n = rounds(2000); rep < n; ++rep) {
        TestType s;
        REQUIRE(s.start_running());
        Latch start(2);
        AfterPoll after{};
        bool queued = false;
        CheckedThread waker([&] {
            start.arrive_and_wait();
            queued = s.wake();
        });
        start.arrive_and_wait();
        after = s.after_pending();
        waker.join();
        bool repoll = after == AfterPoll::repoll;
        INFO((queued || repoll ? "double poll: " : "lost wake: ")
             << "repetition " << rep << ": wake() queued=" << queued << ", after_pending() repoll=" << repoll
             << ". Neither: the wake is lost (\"was it woken?\" and \"go idle\" must be one step). "
                "Both: the task is polled twice at once.");
        REQUIRE(queued != repoll);
        REQUIRE(s.phase() == Phase::scheduled);
    }
}

TEMPLATE_TEST_CASE("wakes and aborts after completion do nothing", CH05_STATE_TAG, CH05_STATE) {
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
                   CH05_STATE_TAG, CH05_STATE) {
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

TEMPLATE_TEST_CASE("aborting a queued task does not queue it twice", CH05_STATE_TAG, CH05_STATE) {
    TestType s;  // born scheduled: already in the queue
    CHECK_FALSE(s.cancel());
    CHECK_FALSE(s.start_running());
}

TEMPLATE_TEST_CASE("an abort during a poll wins over a wake during the same poll", CH05_STATE_TAG, CH05_STATE) {
    TestType s;
    REQUIRE(s.start_running());
    CHECK_FALSE(s.wake());
    INFO("a running task is freed by its worker after the poll: cancel() must not queue it");
    CHECK_FALSE(s.cancel());
    CHECK(s.after_pending() == AfterPoll::cancel);
}

TEMPLATE_TEST_CASE("an abort racing with the end of a poll frees the future exactly once", CH05_STATE_TAG "[race]", CH05_STATE) {
    core::testing::hang_hint("a cancel() or after_pending() that blocks forever");
    for (int rep = 0, n = rounds(2000); rep < n; ++rep) {
        TestType s;
        REQUIRE(s.start_running());
        Latch start(2);
        bool queued = false;
        CheckedThread aborter([&] {
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
                   CH05_STATE_TAG, CH05_STATE) {
    TestType idle;
    to_idle(idle);
    INFO("close() answers true once, for a task that never finished, and false for a complete one: "
         "each true makes ~Runtime free that task's future, so a second true frees it twice");
    CHECK(idle.close());
    CHECK_FALSE(idle.close());
    CHECK_FALSE(idle.wake());
    CHECK(idle.phase() == Phase::complete);

    TestType done;
    REQUIRE(done.start_running());
    done.complete();
    CHECK_FALSE(done.close());
}

TEMPLATE_TEST_CASE("polling a task that is not scheduled is a clear logic error", CH05_STATE_TAG, CH05_STATE) {
    TestType s;
    to_idle(s);
    INFO("start_running() on an idle task means it was queued without a wake: throw std::logic_error");
    auto msg = logic_error_message([&] { (void)s.start_running(); });
    CHECK_THAT(msg, Catch::Contains("not scheduled"));
    TestType t;
    auto msg2 = logic_error_message([&] { (void)t.after_pending(); });
    CHECK_THAT(msg2, Catch::Contains("not running"));
}

TEMPLATE_TEST_CASE("a refused start_running leaves the state as it was", CH05_STATE_TAG, CH05_STATE) {
    TestType s;
    to_idle(s);
    (void)logic_error_message([&] { (void)s.start_running(); });
    INFO("start_running() on an idle task must throw *before* it writes: the task is still idle, "
         "so the next wake queues it. A state that wrote RUNNING first now swallows that wake.");
    CHECK(s.phase() == Phase::idle);
    CHECK(s.wake());
}

TEMPLATE_TEST_CASE("completion keeps what other threads set: an abort during the last poll stays visible",
                   CH05_STATE_TAG, CH05_STATE) {
    TestType s;
    REQUIRE(s.start_running());
    CHECK_FALSE(s.cancel());  // during the poll: the worker will see it
    s.complete();             // ...but the poll returned Ready first, so the task completed
    INFO("complete() must add `complete` to the state, not overwrite it: a plain store "
         "(state_.store(COMPLETE)) where a read-modify-write is needed wipes the bits other "
         "threads set, here CANCELLED (sticky), and ends the wakers' release sequence");
    CHECK(s.cancelled());
    CHECK(s.phase() == Phase::complete);
}
