// Chapter 4: Executor + Spawner over a channel, on one or more workers.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
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

core::Async<void> count_one(std::shared_ptr<std::atomic<int>> counter) {
    counter->fetch_add(1);
    co_return;
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

core::Async<void> signal_then_count(std::shared_ptr<core::testing::Latch> running, std::shared_ptr<std::atomic<int>> counter) {
    running->count_down();
    counter->fetch_add(1);
    co_return;
}

// Polled by three workers at once or never finishes: each poll waits for the
// other two to arrive.
class Rendezvous {
public:
    using Output = void;
    Rendezvous(std::shared_ptr<core::testing::Latch> all, std::shared_ptr<std::mutex> m,
               std::shared_ptr<std::set<std::thread::id>> ids)
        : all_(std::move(all)), m_(std::move(m)), ids_(std::move(ids)) {}
    core::Poll<void> poll(core::Context&) {
        {
            std::lock_guard lock(*m_);
            ids_->insert(std::this_thread::get_id());
        }
        all_->arrive_and_wait();
        return core::Poll<void>::ready();
    }

private:
    std::shared_ptr<core::testing::Latch> all_;
    std::shared_ptr<std::mutex> m_;
    std::shared_ptr<std::set<std::thread::id>> ids_;
};

core::Async<void> note_thread(std::shared_ptr<std::mutex> m, std::shared_ptr<std::set<std::thread::id>> ids) {
    for (int i = 0; i < 3; ++i) {
        {
            std::lock_guard lock(*m);
            ids->insert(std::this_thread::get_id());
        }
        co_await core::yield_now();
    }
}

core::Async<void> throw_after_yield(std::string message) {
    co_await core::yield_now();
    throw std::runtime_error(message);
}

core::Async<void> throw_an_int() {
    co_await core::yield_now();
    throw 42;
}

core::Async<void> wait_gate_then_set(probes::Gate::Future gate, std::shared_ptr<std::atomic<bool>> done) {
    co_await gate;
    done->store(true);
}

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

}  // namespace

TEST_CASE("the classic program: spawn, drop the spawner, run returns after the task finishes",
          "[ch04][run][race]") {
    core::testing::hang_hint("run() returns when recv() comes back empty: every Sender (the spawner's and "
                             "the finished task's) must be gone");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    auto done = std::make_shared<std::atomic<bool>>(false);
    spawner.spawn(sleep_then_set(20ms, done));
    { auto dropped = std::move(spawner); }  // Rust's drop(spawner)
    executor.run();
    INFO("run() returned before the task was done");
    CHECK(done->load());
}

TEST_CASE("a moved-from spawner no longer keeps run going, and refuses to spawn", "[ch04][run]") {
    core::testing::hang_hint("moving a Spawner must move its Sender: the moved-from one must not count");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    auto counter = std::make_shared<std::atomic<int>>(0);
    spawner.spawn(count_one(counter));
    ch04::Spawner second = std::move(spawner);
    second.spawn(count_one(counter));
    CHECK_THROWS_WITH(spawner.spawn(count_one(counter)), Catch::Contains("moved-from"));
    { auto gone = std::move(second); }
    executor.run();
    CHECK(counter->load() == 2);
}

TEST_CASE("a running task can spawn more tasks, which run before run returns", "[ch04][spawn][race]") {
    core::testing::hang_hint("spawning from inside a task: does spawn send into the channel? "
                             "does the task's Spawner copy go when it finishes?");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    auto counter = std::make_shared<std::atomic<int>>(0);
    spawner.spawn(fan_out(spawner, 8, counter));
    { auto gone = std::move(spawner); }
    executor.run(2);
    INFO("a tree of depth 8 has 511 tasks");
    CHECK(counter->load() == 511);
}

TEST_CASE("another thread can spawn while run is running, and run waits until it lets go",
          "[ch04][spawn][race]") {
    core::testing::hang_hint("a spawn from another thread must wake a worker blocked in recv()");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    auto running = std::make_shared<core::testing::Latch>(1);
    auto counter = std::make_shared<std::atomic<int>>(0);
    spawner.spawn(signal_then_count(running, counter));
    std::thread other([s = std::move(spawner), running, counter] {
        running->wait();  // run() is running: it has polled the first task
        for (int i = 0; i < 100; ++i) s.spawn(count_one(counter));
    });  // s is dropped when the thread ends
    {
        probes::OpenOnExit release(running);
        executor.run();
    }
    other.join();
    INFO("run() must keep going while the other thread holds a Spawner");
    CHECK(counter->load() == 101);
}

TEST_CASE("run(2) with 10 000 self-waking tasks: each completes once, never polled by two threads at once",
          "[ch04][workers][race]") {
    core::testing::hang_hint("a task woken during its own poll must be queued again after the poll "
                             "(RUNNING | NOTIFIED), not forgotten");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    std::vector<std::shared_ptr<PollStats>> stats;
    for (int i = 0; i < 10'000; ++i) {
        stats.push_back(std::make_shared<PollStats>());
        spawner.spawn(probes::SlowSelfWaker(3, stats.back()));
    }
    { auto gone = std::move(spawner); }
    executor.run(2);
    int overlaps = 0, wrong_completions = 0, wrong_polls = 0;
    for (auto& s : stats) {
        overlaps += s->overlaps;
        wrong_completions += s->completions != 1;
        wrong_polls += s->polls != 4;
    }
    INFO("a task polled by two workers at once: a wake during a poll must not queue the task "
         "while it is RUNNING, only leave a NOTIFIED note");
    CHECK(overlaps == 0);
    CHECK(wrong_completions == 0);
    CHECK(wrong_polls == 0);
}

TEST_CASE("a task woken during its poll on one worker is polled again after it, not by another worker",
          "[ch04][workers][race]") {
    core::testing::hang_hint("either the wake during the poll was lost (after a Pending poll, check for "
                             "NOTIFIED before going idle), or the finished task kept its Sender (this "
                             "test keeps the task's waker, so the Task object stays alive)");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    auto state = std::make_shared<probes::WokenDuringPoll::State>();
    spawner.spawn(probes::WokenDuringPoll(state));
    { auto gone = std::move(spawner); }
    std::thread waker([state] {
        state->inside.wait();  // a worker is inside the first poll
        for (int i = 0; i < 1000; ++i) state->waker.wake();
        // Give a wrong executor time to start a second, concurrent poll (a
        // right one never does, so this wait runs to its end).
        for (int i = 0; i < 100 && state->stats.polls < 2; ++i) std::this_thread::sleep_for(1ms);
        state->release.count_down();
    });
    {
        probes::OpenOnExit let_in(std::shared_ptr<core::testing::Latch>(state, &state->inside));
        probes::OpenOnExit let_out(std::shared_ptr<core::testing::Latch>(state, &state->release));
        executor.run(2);
    }
    waker.join();
    INFO("another worker polled the task while the first was still inside poll");
    CHECK(state->stats.overlaps == 0);
    INFO("1000 wakes during one poll must give exactly one more poll");
    CHECK(state->stats.polls == 2);
}

TEST_CASE("run(3) polls on three threads at once, and on no fourth", "[ch04][workers][race]") {
    core::testing::hang_hint("run(3) must poll on 3 threads: three tasks wait for each other inside poll");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    auto all = std::make_shared<core::testing::Latch>(3);
    auto m = std::make_shared<std::mutex>();
    auto ids = std::make_shared<std::set<std::thread::id>>();
    for (int i = 0; i < 100; ++i) spawner.spawn(note_thread(m, ids));
    for (int i = 0; i < 3; ++i) spawner.spawn(Rendezvous(all, m, ids));
    { auto gone = std::move(spawner); }
    executor.run(3);
    CHECK(ids->size() == 3);
}

TEST_CASE("an exception thrown by one task is reported once on stderr, and the other tasks finish",
          "[ch04][errors][race]") {
    core::testing::hang_hint("a task that threw must count as finished (drop its Sender)");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    auto counter = std::make_shared<std::atomic<int>>(0);
    for (int i = 0; i < 50; ++i) spawner.spawn(count_one(counter));
    spawner.spawn(throw_after_yield("task 7 failed on purpose"));
    spawner.spawn(throw_an_int());
    for (int i = 0; i < 50; ++i) spawner.spawn(count_one(counter));
    { auto gone = std::move(spawner); }
    std::string err;
    {
        CaptureStderr capture;
        executor.run(2);
        err = capture.text();
    }
    CAPTURE(err);
    CHECK(counter->load() == 100);
    INFO("catch the exception around poll, print its what() once to std::cerr, mark the task finished");
    CHECK(occurrences(err, "task 7 failed on purpose") == 1);
}

TEST_CASE("run returns once the last task finishes, though tasks hold senders and a waker is kept",
          "[ch04][shutdown][race]") {
    core::testing::hang_hint("a finished task must drop its Sender: here someone still holds its waker, "
                             "which keeps the Task object alive");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    probes::Gate gate;
    auto done = std::make_shared<std::atomic<bool>>(false);
    spawner.spawn(wait_gate_then_set(gate.future(), done));
    { auto gone = std::move(spawner); }
    std::thread opener([gate] {
        while (gate.polls() == 0) std::this_thread::sleep_for(1ms);
        gate.open();
    });
    executor.run(2);
    opener.join();
    INFO("run() returned while a task was still waiting");
    CHECK(done->load());
    CHECK(gate.polls() == 2);
    core::Waker kept = gate.waker();  // the finished task's waker, still around
    kept.wake();                       // does nothing
    CHECK(gate.polls() == 2);
}

TEST_CASE("tasks still queued when the executor is destroyed are freed", "[ch04][shutdown]") {
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

TEST_CASE("spawning after the executor is gone returns false and frees the future", "[ch04][shutdown]") {
    auto pair = ch04::new_executor_and_spawner();
    ch04::Spawner spawner = pair.second;
    { auto gone = std::move(pair.first); }  // the executor (the receiver) is destroyed
    auto stats = std::make_shared<PollStats>();
    CHECK_FALSE(spawner.spawn(probes::SlowSelfWaker(1, stats)));
    CHECK(stats->destroyed == 1);
}

TEST_CASE("a wake after the task finished, or after the executor is gone, does nothing", "[ch04][wake][race]") {
    core::testing::hang_hint("the gate opens with a wake: does Task::wake send the task into the channel?");
    probes::Gate gate;
    core::Waker kept;
    {
        auto [executor, spawner] = ch04::new_executor_and_spawner();
        auto done = std::make_shared<std::atomic<bool>>(false);
        spawner.spawn(wait_gate_then_set(gate.future(), done));
        std::thread opener([gate] {
            while (gate.polls() == 0) std::this_thread::sleep_for(1ms);
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

TEST_CASE("run(0) is refused with std::invalid_argument", "[ch04][misuse]") {
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    CHECK_THROWS_AS(executor.run(0), std::invalid_argument);
}
