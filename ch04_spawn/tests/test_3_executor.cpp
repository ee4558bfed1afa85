// Chapter 4, piece 3: Spawner and Executor over the channel, on one worker
// (several workers come in test_workers.cpp).
#include "testing/catch.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ch04_spawn/executor.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace std::chrono_literals;
using core::testing::PollStats;

namespace {

core::Async<void> sleep_then_set(std::chrono::milliseconds d, std::shared_ptr<std::atomic<bool>> done) {
    co_await core::sleep_for(d);
    done->store(true);
}

// Spawns two children until depth 0: 2^(depth+1) - 1 tasks in all. The
// Spawner is a by-value parameter: the task owns its copy.
core::Async<void> fan_out(ch04::Spawner spawner, int depth, std::shared_ptr<std::atomic<int>> counter) {
    counter->fetch_add(1);
    co_await core::yield_now();
    if (depth == 0) co_return;
    spawner.spawn(fan_out(spawner, depth - 1, counter));
    spawner.spawn(fan_out(spawner, depth - 1, counter));
}

core::Async<void> signal_then_count(std::shared_ptr<core::testing::Latch> running,
                                    std::shared_ptr<std::atomic<int>> counter) {
    running->count_down();
    counter->fetch_add(1);
    co_return;
}

core::Async<void> wait_gate_then_set(probes::Gate::Future gate, std::shared_ptr<std::atomic<bool>> done) {
    co_await gate;
    done->store(true);
}

core::Async<void> throw_at_once(std::string message) {
    throw std::runtime_error(message);
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

TEST_CASE("a moved-from spawner no longer keeps run going, and refuses to spawn", "[ch04][executor]") {
    core::testing::hang_hint("moving a Spawner must move its Sender: the moved-from one must not count");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    auto counter = std::make_shared<std::atomic<int>>(0);
    spawner.spawn(probes::count_one(counter));
    ch04::Spawner second = std::move(spawner);
    second.spawn(probes::count_one(counter));
    {
        // A REQUIRE: if the moved-from spawner still holds a Sender, run()
        // below would wait for it forever.
        INFO("moving a Spawner must move its Sender: the moved-from one must refuse to spawn "
             "(std::logic_error, \"moved-from\") and no longer keep run() going");
        REQUIRE_THROWS_WITH(spawner.spawn(probes::count_one(counter)), Catch::Contains("moved-from"));
    }
    { auto gone = std::move(second); }
    executor.run();
    CHECK(counter->load() == 2);
}

TEST_CASE("the classic program: spawn, drop the spawner, run returns after the task finishes",
          "[ch04][executor]") {
    core::testing::hang_hint("run() returns when recv() comes back empty: every Sender must be gone, the "
                             "spawner's (moving a Spawner must move its Sender: `dropped` took it) and "
                             "the finished task's (finish() drops it)");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    auto done = std::make_shared<std::atomic<bool>>(false);
    spawner.spawn(sleep_then_set(20ms, done));
    { auto dropped = std::move(spawner); }  // Rust's drop(spawner)
    executor.run();
    INFO("run() returned before the task was done");
    CHECK(done->load());
}

TEST_CASE("a running task can spawn more tasks, which run before run returns", "[ch04][executor]") {
    core::testing::hang_hint("spawning from inside a task: does spawn send into the channel? "
                             "does the task's Spawner copy go when it finishes?");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    auto counter = std::make_shared<std::atomic<int>>(0);
    spawner.spawn(fan_out(spawner, 8, counter));
    { auto gone = std::move(spawner); }
    executor.run();
    INFO("a tree of depth 8 has 511 tasks");
    CHECK(counter->load() == 511);
}

TEST_CASE("another thread can spawn while run is running, and run waits until it lets go",
          "[ch04][executor][race]") {
    core::testing::hang_hint("a spawn from another thread must wake a worker blocked in recv()");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    auto running = std::make_shared<core::testing::Latch>(1);
    auto counter = std::make_shared<std::atomic<int>>(0);
    spawner.spawn(signal_then_count(running, counter));
    std::thread other([s = std::move(spawner), running, counter] {
        running->wait();  // run() is running: it has polled the first task
        for (int i = 0; i < 100; ++i) s.spawn(probes::count_one(counter));
    });  // s is dropped when the thread ends
    {
        probes::OpenOnExit release(running);
        executor.run();
    }
    other.join();
    INFO("run() must keep going while the other thread holds a Spawner");
    CHECK(counter->load() == 101);
}

TEST_CASE("run returns once the last task finishes, though a waker of the finished task is kept",
          "[ch04][executor][race]") {
    core::testing::hang_hint("a finished task must drop its Sender: here someone still holds its waker, "
                             "which keeps the Task object alive (book: How shutdown is decided)");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    probes::Gate gate;
    auto done = std::make_shared<std::atomic<bool>>(false);
    spawner.spawn(wait_gate_then_set(gate.future(), done));
    { auto gone = std::move(spawner); }
    std::thread opener([gate] {
        while (gate.polls() == 0) std::this_thread::yield();
        gate.open();
    });
    executor.run();
    opener.join();
    INFO("run() returned while a task was still waiting");
    CHECK(done->load());
    CHECK(gate.polls() == 2);
    core::Waker kept = gate.waker();  // the finished task's waker, still around
    kept.wake();                       // does nothing
    CHECK(gate.polls() == 2);
}

TEST_CASE("tasks still queued when the executor is destroyed are freed", "[ch04][executor]") {
    std::vector<std::shared_ptr<PollStats>> stats;
    {
        auto [executor, spawner] = ch04::new_executor_and_spawner();
        for (int i = 0; i < 10; ++i) {
            stats.push_back(std::make_shared<PollStats>());
            spawner.spawn(probes::SlowSelfWaker(1, stats.back()));
        }
        // never run: the executor and the spawner go out of scope here
    }
    int freed = 0;
    for (auto& s : stats) freed += s->destroyed;
    INFO("the last Receiver must destroy the queued tasks, or task -> sender -> channel -> task leaks");
    CHECK(freed == 10);
}

TEST_CASE("spawning after the executor is gone returns false and frees the future", "[ch04][executor]") {
    auto pair = ch04::new_executor_and_spawner();
    ch04::Spawner spawner = pair.second;
    { auto gone = std::move(pair.first); }  // the executor (the receiver) is destroyed
    auto stats = std::make_shared<PollStats>();
    CHECK_FALSE(spawner.spawn(probes::SlowSelfWaker(1, stats)));
    CHECK(stats->destroyed == 1);
}

TEST_CASE("a wake after the task finished, or after the executor is gone, does nothing",
          "[ch04][executor][race]") {
    core::testing::hang_hint("the gate opens with a wake: does Task::wake send the task into the channel?");
    probes::Gate gate;
    core::Waker kept;
    {
        auto [executor, spawner] = ch04::new_executor_and_spawner();
        auto done = std::make_shared<std::atomic<bool>>(false);
        spawner.spawn(wait_gate_then_set(gate.future(), done));
        std::thread opener([gate] {
            while (gate.polls() == 0) std::this_thread::yield();
            gate.open();
        });
        { auto gone = std::move(spawner); }
        executor.run();
        opener.join();
        kept = gate.waker();
        kept.wake();  // after completion
        CHECK(gate.polls() == 2);
    }
    kept.wake();  // after the executor is gone
    CHECK(gate.polls() == 2);
    CHECK(gate.destroyed());
}

TEST_CASE("with one worker, a task that throws does not stop the worker: the tasks behind it still run",
          "[ch04][executor]") {
    core::testing::hang_hint("a task that threw must count as finished (drop its Sender)");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    auto counter = std::make_shared<std::atomic<int>>(0);
    spawner.spawn(throw_at_once("the first task failed on purpose"));
    for (int i = 0; i < 10; ++i) spawner.spawn(probes::count_one(counter));
    { auto gone = std::move(spawner); }
    std::string err;
    {
        probes::CaptureStderr capture;
        // A throw escaping the worker's loop would leave run() here (with
        // more workers it would std::terminate a worker thread).
        executor.run(1);
        err = capture.text();
    }
    CAPTURE(err);
    INFO("catch the exception around the poll inside Task::run, report it, and go on");
    CHECK(counter->load() == 10);
    CHECK(probes::occurrences(err, "the first task failed on purpose") == 1);
}

TEST_CASE("a coroutine whose local throws from its destructor is reported like any exception, not fatal",
          "[ch04][executor]") {
    core::testing::hang_hint("a task that threw must count as finished (drop its Sender)");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    auto after = std::make_shared<std::atomic<int>>(0);
    auto counter = std::make_shared<std::atomic<int>>(0);
    spawner.spawn(local_throws_at_scope_end(after));
    for (int i = 0; i < 10; ++i) spawner.spawn(probes::count_one(counter));
    { auto gone = std::move(spawner); }
    std::string err;
    {
        probes::CaptureStderr capture;
        executor.run();
        err = capture.text();
    }
    CAPTURE(err);
    CHECK(counter->load() == 10);
    CHECK(after->load() == 0);
    CHECK(probes::occurrences(err, "a local's destructor threw at the end of its scope") == 1);
}

TEST_CASE("run called from inside one of its own tasks is refused with a clear message, not a hang",
          "[ch04][executor]") {
    core::testing::hang_hint("a task called run() on its own executor (nested run): run() waits for "
                             "every task, the caller included. Refuse it: throw std::logic_error if this "
                             "thread is already one of this executor's workers");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    auto error = std::make_shared<std::string>();
    spawner.spawn(call_run(&executor, error));
    { auto gone = std::move(spawner); }
    executor.run(1);  // one worker: the task runs on this thread, which writes `error`
    INFO("a nested run must throw std::logic_error that says so");
    CHECK_THAT(*error, Catch::Contains("nested"));
}

TEST_CASE("run(0) is refused with std::invalid_argument", "[ch04][executor]") {
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    CHECK_THROWS_AS(executor.run(0), std::invalid_argument);
}
