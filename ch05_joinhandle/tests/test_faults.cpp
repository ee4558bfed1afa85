// Faults and races at the level of one task and its run queue: how many queue
// entries wakes make, a wake during the poll, wakes from many threads while
// workers poll, and a future whose destructor throws.
//
// The first tests drive a Task by hand: a Scheduler without workers, and the
// test's own thread calls run(). So the order of every step is chosen by the
// test (latches, no sleeps), and scheduler->queued() counts queue entries.
#include <catch2/catch.hpp>

#include <atomic>
#include <exception>
#include <list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "ch05_joinhandle/executor.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "helpers.hpp"

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
        ch05_test::Latch start(threads);
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
          "[ch05][task][lost-wakeup]") {
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
// Pending `polls_needed - 1` times, never waking itself: only the hammering
// threads of the test wake it, through the waker it publishes on every poll,
// so wakes arrive at any moment, also during its polls.
struct Hammered {
    std::mutex mutex;
    core::Waker waker;
    core::testing::PollStats stats;
    std::atomic<bool> done{false};
};
class HammeredFuture {
public:
    using Output = void;
    HammeredFuture(std::shared_ptr<Hammered> h, int polls_needed) : h_(std::move(h)), left_(polls_needed) {}
    core::Poll<void> poll(core::Context& cx) {
        auto& s = h_->stats;
        if (s.inside.fetch_add(1) != 0) s.overlaps.fetch_add(1);
        s.polls.fetch_add(1);
        {
            std::lock_guard lock(h_->mutex);
            h_->waker = cx.waker();
        }
        bool ready = --left_ == 0;
        // Give the CPU away while inside: a wake lands during the poll, and
        // a wrongly queued copy of this task gets a worker to poll it now.
        std::this_thread::yield();
        s.inside.fetch_sub(1);
        if (!ready) return core::Poll<void>::pending();
        h_->done.store(true);
        return core::Poll<void>::ready();
    }

private:
    std::shared_ptr<Hammered> h_;
    int left_;
};
}  // namespace

TEST_CASE("tasks woken from other threads while 4 workers poll them are never polled twice at once",
          "[ch05][runtime][race]") {
    core::testing::hang_hint(
        "a task woken by another thread was never polled again (a lost wake), or a worker is stuck");
    constexpr int tasks = 8, polls_needed = 100, hammers = 2;
    std::vector<std::shared_ptr<Hammered>> probes;
    for (int i = 0; i < tasks; ++i) probes.push_back(std::make_shared<Hammered>());
    ch05::Runtime rt(4);
    std::atomic<bool> stop{false};
    std::list<CheckedThread> hammering;
    struct StopOnExit {
        std::atomic<bool>& stop;
        ~StopOnExit() { stop.store(true); }  // also when a join throws: the hammers must end
    } stop_on_exit{stop};
    for (int t = 0; t < hammers; ++t)
        hammering.emplace_back([&] {
            while (!stop.load()) {
                for (auto& p : probes) {
                    core::Waker w;
                    {
                        std::lock_guard lock(p->mutex);
                        w = p->waker;
                    }
                    w.wake();
                }
                std::this_thread::yield();
            }
        });
    std::vector<ch05::JoinHandle<void>> handles;
    for (auto& p : probes) handles.push_back(rt.spawn(HammeredFuture(p, polls_needed)));
    for (auto& h : handles) rt.block_on(std::move(h));
    stop.store(true);
    for (auto& t : hammering) t.join();
    for (int i = 0; i < tasks; ++i) {
        INFO("task " << i << ": a wake during a poll must mark the task notified, never queue it a second "
                            "time (another worker would poll it concurrently)");
        CHECK(probes[i]->stats.overlaps.load() == 0);
        CHECK(probes[i]->stats.polls.load() == polls_needed);
    }
}

// ---- a future whose destructor throws --------------------------------------
namespace {
struct DestructorError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
struct PollError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Throws DestructorError from its destructor (a moved-from one does not).
// It never throws while another exception is already on its way out (that
// would std::terminate, in any C++ program), so a failing REQUIRE stays a
// clean failure.
class ThrowsOnDestroy {
public:
    enum class Mode { pending, ready, throws };
    using Output = int;
    ThrowsOnDestroy(Mode mode, Counter polls) : mode_(mode), polls_(std::move(polls)) {}
    ThrowsOnDestroy(ThrowsOnDestroy&& o) noexcept
        : mode_(o.mode_), polls_(std::move(o.polls_)), armed_(std::exchange(o.armed_, false)) {}
    ThrowsOnDestroy& operator=(ThrowsOnDestroy&&) = delete;
    ~ThrowsOnDestroy() noexcept(false) {
        if (armed_ && std::uncaught_exceptions() == 0) throw DestructorError("the future's destructor threw");
    }
    core::Poll<int> poll(core::Context&) {
        polls_->fetch_add(1);
        if (mode_ == Mode::throws) throw PollError("the future's poll threw");
        return mode_ == Mode::ready ? core::Poll<int>(5) : core::Poll<int>::pending();
    }

private:
    Mode mode_;
    Counter polls_;
    bool armed_ = true;
};

// The message of the exception the join throws (or "(returned N)").
std::string join_outcome(ch05::Runtime& rt, ch05::JoinHandle<int> h) {
    try {
        return "(returned " + std::to_string(rt.block_on(std::move(h))) + ")";
    } catch (const DestructorError& e) {
        return e.what();
    } catch (const PollError& e) {
        return e.what();
    } catch (const ch05::Cancelled&) {
        return "(Cancelled)";
    }
}
}  // namespace

TEST_CASE("a future whose destructor throws when aborted: the join rethrows it, the worker lives on",
          "[ch05][abort][errors]") {
    core::testing::hang_hint("the throwing destructor left the task without an outcome, or killed the only worker");
    ch05::Runtime rt(1);  // one worker: if it dies, nothing else runs
    auto polls = make_counter();
    auto h = rt.spawn(ThrowsOnDestroy(ThrowsOnDestroy::Mode::pending, polls));
    rt.block_on(rt.spawn(value_of(0)));  // FIFO: the first task has been polled and is idle
    REQUIRE(polls->load() == 1);
    h.abort();
    INFO("free the future with free_future(): its exception, not Cancelled, is the task's outcome");
    CHECK(join_outcome(rt, std::move(h)) == "the future's destructor threw");
    INFO("the worker must survive the throwing destructor and run the next task");
    CHECK(rt.block_on(rt.spawn(value_of(8))) == 8);
}

TEST_CASE("a future whose destructor throws after Ready, or after its poll threw", "[ch05][join][errors]") {
    core::testing::hang_hint("the throwing destructor left the task without an outcome");
    ch05::Runtime rt(1);
    INFO("Ready, then the destructor threw: the task did not finish cleanly, its join rethrows (like tokio)");
    CHECK(join_outcome(rt, rt.spawn(ThrowsOnDestroy(ThrowsOnDestroy::Mode::ready, make_counter()))) ==
          "the future's destructor threw");
    INFO("the poll threw, then the destructor threw: the first failure is the one reported");
    CHECK(join_outcome(rt, rt.spawn(ThrowsOnDestroy(ThrowsOnDestroy::Mode::throws, make_counter()))) ==
          "the future's poll threw");
    CHECK(rt.block_on(rt.spawn(value_of(4))) == 4);
}

TEST_CASE("a future whose destructor throws at runtime shutdown: ~Runtime returns, the join rethrows it",
          "[ch05][runtime][errors]") {
    core::testing::hang_hint("~Runtime did not return after a task's destructor threw");
    auto polls = make_counter();
    std::optional<ch05::JoinHandle<int>> h;
    {
        ch05::Runtime rt(1);
        h.emplace(rt.spawn(ThrowsOnDestroy(ThrowsOnDestroy::Mode::pending, polls)));
        rt.block_on(rt.spawn(value_of(0)));  // the task is idle now, and stays so
        REQUIRE(polls->load() == 1);
    }  // ~Runtime frees the idle task: its destructor throws inside a noexcept destructor's call tree
    REQUIRE(h->is_finished());
    core::Waker noop = core::Waker::noop();
    core::Context cx(noop);
    INFO("shutdown() must catch the destructor's exception and hand it to the join instead of Cancelled");
    std::string outcome;
    try {
        (void)h->poll(cx);
        outcome = "(returned)";
    } catch (const DestructorError& e) {
        outcome = e.what();
    } catch (const ch05::Cancelled&) {
        outcome = "(Cancelled)";
    }
    CHECK(outcome == "the future's destructor threw");
}
