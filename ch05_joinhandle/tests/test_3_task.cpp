// Step 3: Task on its own. A Scheduler without workers, and the test's own
// thread calls run(): so the order of every step is chosen by the test
// (latches, no sleeps), and scheduler->queued() counts queue entries.
// What is checked: how many queue entries wakes make, a wake during the
// poll, what happens to the result when nobody will join it, and a result
// that throws while it is handed over.
#include "testing/catch.hpp"

#include <atomic>
#include <list>
#include <optional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "ch05_joinhandle/task.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace ch05_test;

namespace {

// Pending on its first poll, leaving a copy of its waker in `waker_out` and
// arranging no wake itself; Ready(number of polls) on the next one.
// `during_poll` (may be null) runs inside the first poll with the waker.
struct FirstPoll {
    std::shared_ptr<core::Waker> waker_out = std::make_shared<core::Waker>();
    std::shared_ptr<std::atomic<int>> polls = make_counter();
};

class PendingOnce {
public:
    using Output = int;
    using Hook = void (*)(const core::Waker&, void*);
    PendingOnce(FirstPoll probe, Hook during_poll = nullptr, void* arg = nullptr)
        : probe_(std::move(probe)), during_poll_(during_poll), arg_(arg) {}
    core::Poll<int> poll(core::Context& cx) {
        int n = probe_.polls->fetch_add(1) + 1;
        if (n > 1) return core::Poll<int>(n);
        *probe_.waker_out = cx.waker();
        if (during_poll_) during_poll_(cx.waker(), arg_);
        return core::Poll<int>::pending();
    }

private:
    FirstPoll probe_;
    Hook during_poll_;
    void* arg_;
};

// A hand-driven task: a Scheduler with no workers, and one task admitted to it.
template <class F>
struct Bench {
    std::shared_ptr<ch05::Scheduler> scheduler = std::make_shared<ch05::Scheduler>();
    std::shared_ptr<ch05::JoinSlot<core::OutputOf<F>>> slot = std::make_shared<ch05::JoinSlot<core::OutputOf<F>>>();
    std::shared_ptr<ch05::Task<F>> task;
    explicit Bench(F future)
        : task(std::make_shared<ch05::Task<F>>(std::move(future), slot, scheduler->weak_from_this())) {
        scheduler->admit(task);
    }
    // Pops the one queue entry and runs it on this thread.
    void run_next() {
        REQUIRE(scheduler->queued() == 1);
        ch05::TaskRef next = scheduler->pop();
        REQUIRE(next.get() == task.get());
        next->run();
    }
};

}  // namespace

TEST_CASE("wakes from 8 threads at once queue an idle task once, and wakes after it finished queue nothing",
          "[ch05][task][race]") {
    core::testing::hang_hint("a wake that blocks forever (a lock never released?)");
    constexpr int threads = 8, wakes_each = 500;
    for (int rep = 0; rep < 20; ++rep) {
        FirstPoll probe;
        Bench bench(PendingOnce{probe});
        bench.run_next();  // first poll: Pending, nobody woke it: idle
        REQUIRE(bench.scheduler->queued() == 0);
        Latch start(threads);
        std::list<CheckedThread> wakers;  // a list: a CheckedThread never moves
        for (int t = 0; t < threads; ++t)
            wakers.emplace_back([&] {
                start.arrive_and_wait();
                for (int i = 0; i < wakes_each; ++i) probe.waker_out->wake();
            });
        for (auto& w : wakers) w.join();
        INFO("repetition " << rep << ": " << threads * wakes_each << " wakes of an idle task left "
                           << bench.scheduler->queued()
                           << " queue entries; only the idle -> scheduled wake may push it (TaskBase::wake)");
        REQUIRE(bench.scheduler->queued() == 1);
        bench.run_next();  // second poll: Ready(2)
        REQUIRE(probe.polls->load() == 2);
        REQUIRE(bench.slot->is_finished());
        for (int i = 0; i < 100; ++i) probe.waker_out->wake();
        INFO("a finished task must ignore wakes: it is complete, nobody may poll it again");
        REQUIRE(bench.scheduler->queued() == 0);
        INFO("a finished task must leave the runtime's registry (finish: scheduler->forget)");
        REQUIRE(bench.scheduler->live_count() == 0);
    }
}

namespace {
// Inside the first poll: another thread wakes the task, and the poll waits
// until that wake has returned. Records how many queue entries there were then.
struct DuringPoll {
    ch05::Scheduler* scheduler;
    std::size_t queued_after_wake = 99;
};
void wake_from_another_thread(const core::Waker& waker, void* arg) {
    auto* d = static_cast<DuringPoll*>(arg);
    CheckedThread waker_thread([waker] { waker.wake(); });
    waker_thread.join();  // rethrows here what wake() threw
    d->queued_after_wake = d->scheduler->queued();
}
}  // namespace

TEST_CASE("a wake from another thread during the poll queues the task again once the poll ends",
          "[ch05][task]") {
    core::testing::hang_hint("a wake during the poll blocked (is the state lock held while polling?)");
    DuringPoll during{};
    FirstPoll probe;
    Bench bench(PendingOnce{probe, wake_from_another_thread, &during});
    during.scheduler = bench.scheduler.get();
    bench.run_next();  // the first poll, woken while it runs
    INFO("the wake came while the task was running: it must not queue it then (another worker "
         "could poll it at the same time), only mark it notified");
    CHECK(during.queued_after_wake == 0);
    INFO("after the Pending poll, the notified task must go back on the queue (AfterPoll::repoll), "
         "or the wake is lost");
    REQUIRE(bench.scheduler->queued() == 1);
    bench.run_next();
    CHECK(probe.polls->load() == 2);
    core::Waker noop = core::Waker::noop();
    core::Context cx(noop);
    auto joined = bench.slot->poll_join(cx);
    REQUIRE(joined.is_ready());
    CHECK(joined.value() == 2);
}

namespace {
// A result that records when and on which thread it was destroyed.
struct ResultRecord {
    std::atomic<int> drops{0};
    std::thread::id where;
};
class RecordedResult {
public:
    explicit RecordedResult(std::shared_ptr<ResultRecord> r) : record_(std::move(r)) {}
    RecordedResult(RecordedResult&& o) noexcept : record_(std::move(o.record_)) {}
    RecordedResult& operator=(RecordedResult&&) = delete;
    ~RecordedResult() {
        if (!record_) return;  // moved from
        record_->where = std::this_thread::get_id();
        record_->drops.fetch_add(1);
    }

private:
    std::shared_ptr<ResultRecord> record_;
};

// Ready at once with a RecordedResult, after leaving a copy of its waker in
// `stash`: a stale waker outside the task, as a timer or a socket registry
// keeps one. It keeps the task object alive as long as it lives.
class ReadyKeepingWaker {
public:
    using Output = RecordedResult;
    ReadyKeepingWaker(std::shared_ptr<ResultRecord> record, std::shared_ptr<core::Waker> stash)
        : record_(std::move(record)), stash_(std::move(stash)) {}
    core::Poll<RecordedResult> poll(core::Context& cx) {
        *stash_ = cx.waker();
        return core::Poll<RecordedResult>(RecordedResult(record_));
    }

private:
    std::shared_ptr<ResultRecord> record_;
    std::shared_ptr<core::Waker> stash_;
};

}  // namespace

TEST_CASE("a finished result nobody joined is destroyed when the handle detaches, not by a stale waker",
          "[ch05][task]") {
    auto record = std::make_shared<ResultRecord>();
    auto stash = std::make_shared<core::Waker>();
    std::shared_ptr<ch05::JoinSlot<RecordedResult>> slot;  // what a JoinHandle holds
    {
        Bench bench(ReadyKeepingWaker(record, stash));
        slot = bench.slot;
        bench.run_next();  // Ready: the result waits in the slot for a join
        REQUIRE(slot->is_finished());
    }  // the test lets go of the task: the stale waker (and the handle's slot) keep what is left
    REQUIRE(record->drops.load() == 0);
    slot->detach();  // what ~JoinHandle does: nobody will join
    INFO("JoinSlot::detach must destroy the result nobody can take any more, there and then. Kept in "
         "the slot, it would live as long as the stale waker keeps the task, and die later on "
         "whichever thread drops that waker (tokio: drop_join_handle_slow)");
    CHECK(record->drops.load() == 1);
    CHECK(record->where == std::this_thread::get_id());
    slot.reset();
    stash.reset();
    CHECK(record->drops.load() == 1);
}

TEST_CASE("the result of a detached task is destroyed at completion, not by a stale waker", "[ch05][task]") {
    auto record = std::make_shared<ResultRecord>();
    auto stash = std::make_shared<core::Waker>();
    {
        Bench bench(ReadyKeepingWaker(record, stash));
        bench.slot->detach();  // the handle was dropped before the task ran
        bench.run_next();      // Ready
        INFO("nobody will ever join this task: its result must be destroyed when the task completes, "
             "by the worker (JoinSlot::finish after detach), not kept in the slot until the task dies "
             "(async-task's RawTask::run drops the output when the Task handle is gone)");
        CHECK(record->drops.load() == 1);
        CHECK(record->where == std::this_thread::get_id());  // the "worker" here is the test's thread
    }
    stash.reset();
    CHECK(record->drops.load() == 1);
}

namespace {
struct HandOverError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// A result whose move constructor throws once `armed`. The future that
// makes it arms it from its own destructor: every move inside the poll
// succeeds, and the first move after the task freed its future, while the
// result is handed over to the slot, throws.
class ThrowsWhenHandedOver {
public:
    explicit ThrowsWhenHandedOver(std::shared_ptr<std::atomic<bool>> armed) : armed_(std::move(armed)) {}
    ThrowsWhenHandedOver(ThrowsWhenHandedOver&& o) : armed_(o.armed_) {
        if (armed_->load()) throw HandOverError("the result's move constructor threw");
    }
    ThrowsWhenHandedOver& operator=(ThrowsWhenHandedOver&&) = delete;

private:
    std::shared_ptr<std::atomic<bool>> armed_;
};
class ArmsOnDestroy {
public:
    using Output = ThrowsWhenHandedOver;
    explicit ArmsOnDestroy(std::shared_ptr<std::atomic<bool>> armed) : armed_(std::move(armed)) {}
    ArmsOnDestroy(ArmsOnDestroy&& o) noexcept : armed_(std::move(o.armed_)) {}
    ArmsOnDestroy& operator=(ArmsOnDestroy&&) = delete;
    ~ArmsOnDestroy() {
        if (armed_) armed_->store(true);
    }
    core::Poll<ThrowsWhenHandedOver> poll(core::Context&) {
        return core::Poll<ThrowsWhenHandedOver>(ThrowsWhenHandedOver(armed_));
    }

private:
    std::shared_ptr<std::atomic<bool>> armed_;
};
}  // namespace

TEST_CASE("a result whose move throws while it is handed over still reaches the join, as that exception",
          "[ch05][task]") {
    auto armed = std::make_shared<std::atomic<bool>>(false);
    Bench bench{ArmsOnDestroy(armed)};
    try {
        bench.run_next();
    } catch (const HandOverError&) {
        FAIL("Task::run let the result's exception escape: it reaches the worker, and the join waits forever. "
             "In finish, an exception while publishing the value must become the task's outcome");
    }
    INFO("the task is done (its future is freed): the slot must have an outcome, or the join waits forever");
    REQUIRE(bench.slot->is_finished());
    core::Waker noop = core::Waker::noop();
    core::Context cx(noop);
    CHECK_THROWS_WITH(bench.slot->poll_join(cx), "the result's move constructor threw");
}
