// Chapter 4: races and faults. Several workers, wakes from outside threads
// at every moment of a task's life (during its poll, after it finished,
// after the executor is gone), throwing tasks, and misuse. The tests tagged
// [race] are what `make check-ch04 STRESS=50` repeats (book/proving_it.md).
#include <catch2/catch.hpp>

#include <atomic>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ch04_spawn/executor.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using core::testing::PollStats;

namespace {

// Where a task's latest waker is kept for outside threads to use.
struct WakerSlot {
    std::mutex mutex;
    core::Waker waker;
    void store(const core::Waker& w) {
        std::lock_guard lock(mutex);
        waker = w;
    }
    core::Waker load() {
        std::lock_guard lock(mutex);
        return waker;
    }
};

// Pending `pending_polls` times, waking itself inside each of those polls;
// also leaves its waker in a slot where outside threads wake it at any
// moment, during a poll too. Counts polls, overlaps and completions.
class Hammered {
public:
    using Output = void;
    Hammered(int pending_polls, std::shared_ptr<PollStats> stats, std::shared_ptr<WakerSlot> slot)
        : stats_(std::move(stats)), slot_(std::move(slot)), left_(pending_polls) {}
    Hammered(Hammered&& o) noexcept : stats_(std::move(o.stats_)), slot_(std::move(o.slot_)), left_(o.left_) {}
    ~Hammered() {
        if (stats_) stats_->destroyed.fetch_add(1);
    }
    core::Poll<void> poll(core::Context& cx) {
        if (stats_->inside.fetch_add(1) != 0) stats_->overlaps.fetch_add(1);
        stats_->polls.fetch_add(1);
        slot_->store(cx.waker());
        bool ready = left_ == 0;
        if (!ready) {
            --left_;
            cx.waker().wake();
            std::this_thread::yield();  // stay inside a little: room for a concurrent poll
        } else {
            stats_->completions.fetch_add(1);
        }
        stats_->inside.fetch_sub(1);
        return ready ? core::Poll<void>::ready() : core::Poll<void>::pending();
    }

private:
    std::shared_ptr<PollStats> stats_;
    std::shared_ptr<WakerSlot> slot_;
    int left_;
};

// Redirects std::cerr into a string for the scope (restored on the way out).
class CaptureStderr {
public:
    CaptureStderr() : old_(std::cerr.rdbuf(buffer_.rdbuf())) {}
    ~CaptureStderr() { std::cerr.rdbuf(old_); }
    std::string text() const { return buffer_.str(); }

private:
    std::ostringstream buffer_;
    std::streambuf* old_;
};

int occurrences(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
    return n;
}

core::Async<void> throw_at_once(std::string message) {
    throw std::runtime_error(message);
    co_return;
}

core::Async<void> count_one(std::shared_ptr<std::atomic<int>> counter) {
    counter->fetch_add(1);
    co_return;
}

// A local whose destructor throws, on purpose (noexcept(false)): inside a
// coroutine, that throw happens in the coroutine's body when the scope ends,
// so it leaves through poll() like any exception.
class ThrowsWhenDestroyed {
public:
    explicit ThrowsWhenDestroyed(std::string message) : message_(std::move(message)) {}
    ThrowsWhenDestroyed(const ThrowsWhenDestroyed&) = delete;
    ThrowsWhenDestroyed& operator=(const ThrowsWhenDestroyed&) = delete;
    ~ThrowsWhenDestroyed() noexcept(false) { throw std::runtime_error(message_); }

private:
    std::string message_;
};

core::Async<void> local_throws_at_scope_end(std::shared_ptr<std::atomic<int>> after) {
    {
        ThrowsWhenDestroyed local("a local's destructor threw at the end of its scope");
        co_await core::yield_now();
    }  // the destructor throws here, inside the coroutine's body
    after->fetch_add(1);  // never reached
}

core::Async<void> call_run(ch04::Executor* executor, std::shared_ptr<std::string> error) {
    try {
        executor->run();
    } catch (const std::logic_error& e) {
        *error = e.what();
    }
    co_return;
}

// A future whose destructor may throw: spawn refuses it at compile time.
class ThrowingDestructor {
public:
    using Output = void;
    core::Poll<void> poll(core::Context&);
    ~ThrowingDestructor() noexcept(false);
};
template <class F>
concept Spawnable = requires(const ch04::Spawner& s, F f) { s.spawn(std::move(f)); };
static_assert(Spawnable<core::YieldNow>);
static_assert(!Spawnable<ThrowingDestructor>,
              "Spawner::spawn must refuse a future whose destructor may throw "
              "(requires std::is_nothrow_destructible_v<F>)");

}  // namespace

TEST_CASE("run(4) with self-waking tasks also woken by outside threads: never two polls at once, "
          "each completes once, and late wakes do nothing",
          "[ch04][workers][race]") {
    core::testing::hang_hint("tasks woken by themselves and by two outside threads on 4 workers: a wake "
                             "during a poll must leave a NOTIFIED note that the polling worker acts on");
    constexpr int tasks = 1000, pending_polls = 4;
    std::vector<std::shared_ptr<PollStats>> stats;
    std::vector<std::shared_ptr<WakerSlot>> slots;
    for (int i = 0; i < tasks; ++i) {
        stats.push_back(std::make_shared<PollStats>());
        slots.push_back(std::make_shared<WakerSlot>());
    }
    // phase 0: while run() runs; 1: run() returned; 2: the executor is gone.
    std::atomic<int> phase{0};
    std::atomic<bool> stop{false};
    core::testing::Latch pass1{2}, pass2{2};  // one full sweep of wakes by each hammer in phases 1 and 2
    auto hammer = [&](int offset) {
        bool swept1 = false, swept2 = false;
        while (!stop.load()) {
            int p = phase.load();
            for (int i = 0; i < tasks; ++i) slots[(i + offset) % tasks]->load().wake();
            if (p >= 1 && !swept1) swept1 = true, pass1.count_down();
            if (p >= 2 && !swept2) swept2 = true, pass2.count_down();
            if (swept2) break;
            std::this_thread::yield();
        }
    };
    // jthreads: joined however the test ends, after `release` below has stopped them.
    std::jthread h1(hammer, 0), h2(hammer, tasks / 2);
    std::vector<int> polls_when_run_returned(tasks);
    {
        struct Release {  // however the test leaves, the hammers must stop
            std::atomic<bool>& stop;
            ~Release() { stop.store(true); }
        } release{stop};
        {
            auto [executor, spawner] = ch04::new_executor_and_spawner();
            for (int i = 0; i < tasks; ++i) spawner.spawn(Hammered(pending_polls, stats[i], slots[i]));
            { auto gone = std::move(spawner); }
            executor.run(4);
            for (int i = 0; i < tasks; ++i) polls_when_run_returned[i] = stats[i]->polls;
            phase.store(1);
            pass1.wait();  // every task's waker woken again after it finished
        }                  // the executor is destroyed while the hammers go on
        phase.store(2);
        pass2.wait();  // ... and woken once more with the executor gone
    }
    h1.join();
    h2.join();

    int overlaps = 0, wrong_completions = 0, wrong_polls = 0, late_polls = 0, not_destroyed = 0;
    for (int i = 0; i < tasks; ++i) {
        overlaps += stats[i]->overlaps;
        wrong_completions += stats[i]->completions != 1;
        wrong_polls += polls_when_run_returned[i] != pending_polls + 1;
        late_polls += stats[i]->polls != polls_when_run_returned[i];
        not_destroyed += stats[i]->destroyed != 1;
    }
    INFO("a task was polled by two workers at once: a wake while RUNNING must only set NOTIFIED");
    CHECK(overlaps == 0);
    INFO("each task must complete exactly once, after exactly " << pending_polls + 1 << " polls");
    CHECK(wrong_completions == 0);
    CHECK(wrong_polls == 0);
    INFO("a wake after the task finished (or after the executor was destroyed) polled it again: "
         "a finished task must stay DONE");
    CHECK(late_polls == 0);
    INFO("a finished task must drop its future at once, even while wakers of it are still held");
    CHECK(not_destroyed == 0);
}

TEST_CASE("with one worker, a task that throws does not stop the worker: the tasks behind it still run",
          "[ch04][errors]") {
    core::testing::hang_hint("a task that threw must count as finished (drop its Sender)");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    auto counter = std::make_shared<std::atomic<int>>(0);
    spawner.spawn(throw_at_once("the first task failed on purpose"));
    for (int i = 0; i < 10; ++i) spawner.spawn(count_one(counter));
    { auto gone = std::move(spawner); }
    std::string err;
    {
        CaptureStderr capture;
        // A throw escaping the worker's loop would leave run() here (with
        // more workers it would std::terminate a worker thread).
        executor.run(1);
        err = capture.text();
    }
    CAPTURE(err);
    INFO("catch the exception around the poll inside Task::run, report it, and go on");
    CHECK(counter->load() == 10);
    CHECK(occurrences(err, "the first task failed on purpose") == 1);
}

TEST_CASE("a coroutine whose local throws from its destructor is reported like any exception, not fatal",
          "[ch04][errors]") {
    core::testing::hang_hint("a task that threw must count as finished (drop its Sender)");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    auto after = std::make_shared<std::atomic<int>>(0);
    auto counter = std::make_shared<std::atomic<int>>(0);
    spawner.spawn(local_throws_at_scope_end(after));
    for (int i = 0; i < 10; ++i) spawner.spawn(count_one(counter));
    { auto gone = std::move(spawner); }
    std::string err;
    {
        CaptureStderr capture;
        executor.run(2);
        err = capture.text();
    }
    CAPTURE(err);
    CHECK(counter->load() == 10);
    CHECK(after->load() == 0);
    CHECK(occurrences(err, "a local's destructor threw at the end of its scope") == 1);
}

TEST_CASE("run called from inside one of its own tasks is refused with a clear message, not a hang",
          "[ch04][misuse]") {
    core::testing::hang_hint("a task called run() on its own executor: run() waits for every task, the "
                             "caller included. Refuse it: throw std::logic_error if this thread is "
                             "already one of this executor's workers");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    auto error = std::make_shared<std::string>();
    spawner.spawn(call_run(&executor, error));
    { auto gone = std::move(spawner); }
    executor.run(1);  // one worker: the task runs on this thread, which writes `error`
    INFO("a nested run must throw std::logic_error that says so");
    CHECK_THAT(*error, Catch::Contains("nested"));
}
