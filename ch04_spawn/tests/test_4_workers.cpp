// Chapter 4, piece 4: run(n) on several worker threads. A wake can now land
// while another thread polls the task; no task is ever polled twice at once.
#include "testing/catch.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "ch04_spawn/executor.hpp"
#include "core/core.hpp"
#include "core/scope_exit.hpp"
#include "core/testing.hpp"
#include "core/todo.hpp"
#include "probes.hpp"

using core::testing::PollStats;

namespace {

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

// Ready at its first poll, after raising a signal: "a worker got this far".
class Sentinel {
public:
    using Output = void;
    explicit Sentinel(std::shared_ptr<probes::Signal> ran) : ran_(std::move(ran)) {}
    core::Poll<void> poll(core::Context&) {
        ran_->raise();
        return core::Poll<void>::ready();
    }

private:
    std::shared_ptr<probes::Signal> ran_;
};

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

// Built with a sanitizer or run under valgrind: they reserve address space
// of their own, which the address-space limit below would starve.
bool under_a_sanitizer_or_valgrind() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
    return true;
#endif
#endif
    const char* preload = std::getenv("LD_PRELOAD");
    return preload && std::strstr(preload, "valgrind");
}

// In a forked child (one thread, nothing shared with the test process): make
// every new thread ask for a 1 GiB stack and cap the address space so that
// exactly one such stack fits. Then run(3) starts worker 1, fails to start
// worker 2 (std::system_error), and must join worker 1 before it rethrows.
// The child never returns into the test runner: every way out is _exit.
// Exit status: 0 as expected, 3 the limit did not bite, 4/5 wrong outcome,
// 7 the code under test is not written yet.
int run_with_one_thread_to_spare() {
    constexpr std::size_t stack = std::size_t{1} << 30;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, stack);
    pthread_setattr_default_np(&attr);
    std::size_t pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    rlim_t limit = pages * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) + stack + stack / 2;
    rlimit as{limit, limit};
    if (setrlimit(RLIMIT_AS, &as) != 0) return 3;

    auto counter = std::make_shared<std::atomic<int>>(0);
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    for (int i = 0; i < 10; ++i) spawner.spawn(probes::count_one(counter));
    { auto gone = std::move(spawner); }
    try {
        executor.run(3);
    } catch (const std::system_error&) {
        return counter->load() == 10 ? 0 : 4;  // worker 1 did the work, then was joined
    }
    return 3;
}

[[noreturn]] void child_main() {
    int code;
    try {
        code = run_with_one_thread_to_spare();
    } catch (const core::NotImplemented&) {
        code = 7;
    } catch (...) {
        code = 5;
    }
    _exit(code);
}

}  // namespace

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
    auto sentinel_ran = std::make_shared<probes::Signal>();
    spawner.spawn(probes::WokenDuringPoll(state));
    // Worker A sits inside the first poll. The other thread wakes the task
    // 1000 times, then spawns a sentinel. The channel is FIFO and worker B is
    // free: if the wakes wrongly queued the task, B takes it (a concurrent
    // poll) before it takes the sentinel. So once the sentinel has run, a
    // wrong executor has shown itself, and a right one never will: no sleep.
    std::thread waker([state, sentinel_ran, s = std::move(spawner)]() mutable {
        state->inside.wait();
        for (int i = 0; i < 1000; ++i) state->waker.wake();
        s.spawn(Sentinel(sentinel_ran));
        { auto gone = std::move(s); }
        sentinel_ran->wait_for(std::chrono::seconds(5));  // a backstop: B is free, it runs at once
        state->release.count_down();
    });
    {
        probes::OpenOnExit let_in(std::shared_ptr<core::testing::Latch>(state, &state->inside));
        probes::OpenOnExit let_out(std::shared_ptr<core::testing::Latch>(state, &state->release));
        executor.run(2);
    }
    waker.join();
    INFO("another worker polled the task while the first was still inside poll: a wake of a RUNNING "
         "task must only leave the NOTIFIED note");
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

TEST_CASE("on two workers, an exception thrown by one task is reported once on stderr, and the other tasks finish",
          "[ch04][workers][race]") {
    core::testing::hang_hint("a task that threw must count as finished (drop its Sender)");
    auto [executor, spawner] = ch04::new_executor_and_spawner();
    auto counter = std::make_shared<std::atomic<int>>(0);
    for (int i = 0; i < 50; ++i) spawner.spawn(probes::count_one(counter));
    spawner.spawn(throw_after_yield("task 7 failed on purpose"));
    spawner.spawn(throw_an_int());
    for (int i = 0; i < 50; ++i) spawner.spawn(probes::count_one(counter));
    { auto gone = std::move(spawner); }
    std::string err;
    {
        probes::CaptureStderr capture;
        executor.run(2);
        err = capture.text();
    }
    CAPTURE(err);
    CHECK(counter->load() == 100);
    INFO("catch the exception around poll, print its what() once to std::cerr, mark the task finished");
    CHECK(probes::occurrences(err, "task 7 failed on purpose") == 1);
}

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
        core::ScopeExit release([&stop] { stop.store(true); });  // however the test leaves, the hammers stop
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

TEST_CASE("run(3) that cannot start its second extra worker joins the first, then rethrows std::system_error",
          "[ch04][workers]") {
    if (under_a_sanitizer_or_valgrind()) {
        WARN("skipped: the address-space limit this test uses would starve the sanitizer or valgrind; "
             "the plain build runs it");
        return;
    }
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) child_main();
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    if (WIFSIGNALED(status)) {
        FAIL("run() left a started worker thread joinable when starting the next one failed: "
             "std::terminate (the child died of signal " << WTERMSIG(status) << "). Join the threads "
             "already started, then rethrow (core::ScopeExit)");
    }
    int code = WEXITSTATUS(status);
    if (code == 7) throw core::NotImplemented("Executor::run (seen in a forked child)");
    if (code == 3) {
        WARN("inconclusive here: the address-space limit did not make starting a thread fail");
        return;
    }
    INFO("exit code " << code << ": 4 = the started worker had not done the work when run() threw "
         "(join it before rethrowing), 5 = run() threw something other than the std::system_error");
    CHECK(code == 0);
}
