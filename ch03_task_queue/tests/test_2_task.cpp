// Chapter 3, piece 2: the task and its `queued` flag (task.hpp, which brings
// the ready queue). No executor: each test makes a queue and a task, polls
// the task by hand on this thread (playing the executor), and looks at what
// the wakes put in the queue.
#include "probes.hpp"  // first: see the note at its top

#include "testing/catch.hpp"

#include <memory>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

#include "ch03_task_queue/task.hpp"
#include "core/core.hpp"
#include "core/scope_exit.hpp"
#include "core/testing.hpp"

static_assert(std::is_same_v<ch03::QueuedFlag, probes::PausableFlag>,
              "include probes.hpp before the chapter's headers");

namespace {

// A ready queue and tasks on it, polled by hand on this thread.
class TaskBench {
public:
    TaskBench() = default;
    TaskBench(const TaskBench&) = delete;
    TaskBench& operator=(const TaskBench&) = delete;
    // A future that keeps its waker (a Gate) and the task that owns the
    // future form a cycle; finishing every task here breaks it, however the
    // test ended (a stub's drop_future throws: then there is nothing to free).
    ~TaskBench() {
        for (auto& task : tasks_) try {
                task->drop_future();
            } catch (...) {
            }
    }

    std::shared_ptr<ch03::Task> make_task(core::BoxFuture<void> future) {
        auto task = std::make_shared<ch03::Task>(std::move(future), queue, std::this_thread::get_id());
        tasks_.push_back(task);
        return task;
    }

    // How many times `task` sits in the ready queue right now. Pushes a
    // stand-in behind whatever is there and pops up to it, so it never waits;
    // the queue is empty afterwards.
    int entries_of(const std::shared_ptr<ch03::Task>& task) {
        auto end = std::make_shared<int>(0);
        queue->push(probes::stand_in(end), false);
        int count = 0;
        for (auto popped = queue->pop(); popped != probes::stand_in(end); popped = queue->pop())
            count += popped == task ? 1 : 0;
        return count;
    }

    std::shared_ptr<ch03::ReadyQueue> queue = std::make_shared<ch03::ReadyQueue>();

private:
    std::vector<std::shared_ptr<ch03::Task>> tasks_;
};

class ThrowOnPoll {
public:
    using Output = void;
    explicit ThrowOnPoll(std::shared_ptr<core::testing::PollStats> stats) : stats_(std::move(stats)) {}
    ThrowOnPoll(ThrowOnPoll&& o) noexcept : stats_(std::move(o.stats_)) {}
    ~ThrowOnPoll() {
        if (stats_) stats_->destroyed.fetch_add(1);
    }
    core::Poll<void> poll(core::Context&) {
        stats_->polls.fetch_add(1);
        throw std::runtime_error("boom from poll");
    }

private:
    std::shared_ptr<core::testing::PollStats> stats_;
};

}  // namespace

TEST_CASE("Task::poll_once polls the future with a waker that puts the task back in the ready queue",
          "[ch03][task]") {
    core::testing::hang_hint("a ReadyQueue::pop waited: is the queue finished (piece 1)?");
    TaskBench bench;
    probes::Gate gate;
    auto task = bench.make_task(gate.future());
    INFO("poll_once must poll the future once and return false while it is Pending");
    REQUIRE_FALSE(task->poll_once());
    REQUIRE(gate.polls() == 1);
    INFO("nobody woke the task, yet it is in the queue");
    CHECK(bench.entries_of(task) == 0);
    gate.wake();  // the waker the future was given
    INFO("the waker handed to the future must be this task's (Waker::from(shared_from_this())), "
         "and Task::wake must push the task into its queue");
    CHECK(bench.entries_of(task) == 1);
}

TEST_CASE("a task woken 100 times between two polls sits in the ready queue once", "[ch03][task]") {
    core::testing::hang_hint("a ReadyQueue::pop waited: is the queue finished (piece 1)?");
    TaskBench bench;
    probes::Gate gate;
    auto task = bench.make_task(gate.future());
    REQUIRE_FALSE(task->poll_once());
    for (int i = 0; i < 100; ++i) gate.wake();
    int entries = bench.entries_of(task);
    INFO("queued " << entries << " times: Task::wake must push only when it is the one that raised "
         "`queued` (the exchange returned false)");
    CHECK(entries == 1);
}

TEST_CASE("a wake from inside the task's own poll puts it back in the queue (queued is cleared before the poll)",
          "[ch03][task]") {
    core::testing::hang_hint("a ReadyQueue::pop waited: is the queue finished (piece 1)?");
    TaskBench bench;
    core::testing::CountingFuture self_waking(1);  // Pending once, waking itself inside that poll
    auto stats = self_waking.stats();
    auto task = bench.make_task(std::move(self_waking));
    REQUIRE_FALSE(task->poll_once());
    int entries = bench.entries_of(task);
    INFO("lost wake: the future woke its task from inside poll and the task is not in the queue. Clear "
         "`queued` BEFORE polling: cleared after, the flag was still up when the wake came, so the wake "
         "pushed nothing, and then the clear forgot it");
    REQUIRE(entries == 1);
    CHECK(task->poll_once());
    CHECK(stats->completions == 1);
}

TEST_CASE("two threads waking an idle task at once queue it once, even when one stops right after touching the flag",
          "[ch03][task][race]") {
    core::testing::hang_hint("two wakes of one task: a ReadyQueue::pop waited, or Task::wake blocked");
    TaskBench bench;
    probes::Gate gate;
    auto task = bench.make_task(gate.future());
    REQUIRE_FALSE(task->poll_once());  // idle now: `queued` is down, nobody has woken it
    // The other thread stops right after its first access to `queued` (the
    // instrumented flag does that), then this thread wakes the task, then the
    // other thread goes on. With one read-modify-write the other thread has
    // already raised the flag when it stops; with a load and a store apart,
    // both threads see the flag down and both push.
    probes::FlagPause pause;
    core::Waker waker = gate.waker();
    std::thread other([&pause, waker] {
        pause.arm_this_thread();
        waker.wake();
        pause.disarm_this_thread();
    });
    {
        core::ScopeExit let_go([&pause] { pause.release(); });
        pause.wait_reached();
        waker.wake();
    }
    other.join();
    int entries = bench.entries_of(task);
    CAPTURE(pause.stopped());
    INFO("queued twice: both wakes saw `queued` down. The check and the raise must be one indivisible "
         "step (queued.exchange(true) or a compare_exchange), not a load followed by a store");
    CHECK(entries == 1);
}

TEST_CASE("a finished task frees its future at once and ignores every later wake", "[ch03][task]") {
    core::testing::hang_hint("a ReadyQueue::pop waited: is the queue finished (piece 1)?");
    TaskBench bench;
    probes::Gate gate;
    auto task = bench.make_task(gate.future());
    REQUIRE_FALSE(task->poll_once());
    core::Waker late = gate.waker();
    gate.open(/*with_wake=*/false);
    INFO("poll_once must return true on the poll that finished the future");
    REQUIRE(task->poll_once());
    INFO("the future must be freed as soon as it is done (with whatever it holds)");
    CHECK(gate.destroyed());
    late.wake();
    late.wake();
    int entries = bench.entries_of(task);
    INFO("a finished task was queued again by a late wake: leave `queued` raised for good once the future "
         "is done, so every later wake stops at the exchange");
    CHECK(entries == 0);
    INFO("a stale queue entry of a finished task: poll_once must return false and poll nothing");
    CHECK_FALSE(task->poll_once());
    CHECK(gate.polls() == 2);
}

TEST_CASE("a task whose future throws is finished: the exception leaves poll_once and later wakes do nothing",
          "[ch03][task]") {
    core::testing::hang_hint("a ReadyQueue::pop waited: is the queue finished (piece 1)?");
    TaskBench bench;
    auto stats = std::make_shared<core::testing::PollStats>();
    auto task = bench.make_task(ThrowOnPoll(stats));
    CHECK_THROWS_WITH(task->poll_once(), "boom from poll");
    INFO("a future that threw is finished: free it, raise `queued` for good");
    CHECK(stats->destroyed == 1);
    task->wake();
    CHECK(bench.entries_of(task) == 0);
    CHECK_FALSE(task->poll_once());
    CHECK(stats->polls == 1);
}

TEST_CASE("Task::drop_future finishes a task without polling it", "[ch03][task]") {
    core::testing::hang_hint("a ReadyQueue::pop waited: is the queue finished (piece 1)?");
    TaskBench bench;
    probes::Gate gate;
    auto task = bench.make_task(gate.future());
    REQUIRE_FALSE(task->poll_once());
    gate.wake();  // queued now: a stale entry once the future is dropped
    INFO("drop_future returns true when it finished the task, false when it was finished already");
    CHECK(task->drop_future());
    CHECK(gate.destroyed());
    CHECK_FALSE(task->drop_future());
    gate.wake();
    INFO("the entry from before the drop stays; no wake after it may add one");
    CHECK(bench.entries_of(task) == 1);
    CHECK_FALSE(task->poll_once());
    CHECK(gate.polls() == 1);
}

TEST_CASE("a task holds its queue weakly: with the queue gone a wake does nothing, and the last waker frees the task",
          "[ch03][task]") {
    TaskBench bench;
    probes::Gate gate;
    std::weak_ptr<ch03::ReadyQueue> queue_watch = bench.queue;
    {
        // Not bench.make_task: the bench would keep the task alive.
        auto task = std::make_shared<ch03::Task>(gate.future(), bench.queue, std::this_thread::get_id());
        REQUIRE_FALSE(task->poll_once());
    }  // only the gate's waker holds the task now
    bench.queue.reset();  // the executor's reference
    INFO("the queue is still alive after its owner let go: the task keeps the queue alive (a strong "
         "reference). Keep a weak_ptr and lock() it in wake()");
    CHECK(queue_watch.expired());
    gate.wake();  // nothing to push into
    gate.wake();
    CHECK(gate.polls() == 1);
    CHECK_FALSE(gate.destroyed());
    gate.drop_waker();  // the last waker: the task and its future go with it
    INFO("the task outlived its last waker: something else owns it");
    CHECK(gate.destroyed());
}

TEST_CASE("Task::poll_once refuses to run on a thread that is not the executor's", "[ch03][task]") {
    auto queue = std::make_shared<ch03::ReadyQueue>();
    std::thread::id elsewhere;
    std::thread([&elsewhere] { elsewhere = std::this_thread::get_id(); }).join();
    auto task = std::make_shared<ch03::Task>(core::BoxFuture<void>(core::yield_now()), queue, elsewhere);
    INFO("the future is unguarded data: only the executor's thread may poll it. Throw std::logic_error");
    try {
        task->poll_once();
        FAIL("poll_once on the wrong thread did not throw");
    } catch (const core::NotImplemented&) {
        throw;
    } catch (const std::logic_error& e) {
        CHECK_THAT(e.what(), Catch::Contains("thread"));
    }
}
