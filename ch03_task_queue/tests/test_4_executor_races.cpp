// Chapter 3, piece 3 (continued): the executor under other threads. Wakes
// from other threads at every moment of the executor's loop, many threads
// waking one task at once, and misuse. The interleavings are driven by
// latches and hand-offs, not sleeps; the tests tagged [race] loop many rounds
// so `make check-ch03 STRESS=50` can shake them (see book/proving_it.md).
#include "probes.hpp"  // first: see the note at its top

#include "testing/catch.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <semaphore>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "ch03_task_queue/executor.hpp"
#include "core/core.hpp"
#include "core/scope_exit.hpp"
#include "core/testing.hpp"

static_assert(std::is_same_v<ch03::QueuedFlag, probes::PausableFlag>,
              "include probes.hpp before the chapter's headers");

namespace {

// Holds the executor inside a poll while other threads wake the gated task.
core::Async<void> hold_then_open(probes::HoldPoll hold, probes::Gate gate,
                                 std::shared_ptr<int> polls_after_storm) {
    co_await hold;
    co_await core::yield_now();
    *polls_after_storm = gate.polls();
    gate.open();
}

// Pending `rounds` times. Each poll hands its waker to a helper thread and
// signals it *before* returning, so the helper's wake lands sometimes during
// the poll, sometimes between the poll and the executor's sleep, sometimes
// once it sleeps. A wake lost in any of those moments hangs the test.
class Relay {
public:
    struct State {
        std::mutex mutex;
        core::Waker waker;
        std::binary_semaphore polled{0};
        std::atomic<bool> stop{false};
    };
    using Output = void;
    // At most `rounds` rounds, and no new round once `until` has passed: on
    // a loaded machine each hand-off between the threads can wait for a time
    // slice, and 500 of them took 6 to 27 s beside two busy loops. A lost
    // wake still hangs the round it is lost in, whatever the cap.
    Relay(int rounds, std::chrono::steady_clock::time_point until, std::shared_ptr<State> s)
        : left_(rounds), until_(until), state_(std::move(s)) {}
    core::Poll<void> poll(core::Context& cx) {
        if (left_ == 0 || std::chrono::steady_clock::now() > until_) return core::Poll<void>::ready();
        --left_;
        {
            std::lock_guard lock(state_->mutex);
            state_->waker = cx.waker();
        }
        state_->polled.release();  // "wake me" (the helper may do it at once)
        // Stay a varying little while, so some wakes land inside this poll.
        for (int i = 0; i < left_ % 4; ++i) std::this_thread::yield();
        return core::Poll<void>::pending();
    }

private:
    int left_;
    std::chrono::steady_clock::time_point until_;
    std::shared_ptr<State> state_;
};

// The helper for Relay: waits for each poll's signal, waits a varying little
// while, then wakes.
void relay_helper(std::shared_ptr<Relay::State> state) {
    for (unsigned round = 0; !state->stop.load();) {
        // (No spin of our own: libstdc++'s try_acquire already spins and
        // yields before it sleeps, and 2000 of them, each yielding to busy
        // processes, kept this thread from seeing `stop` for 10 s and more.)
        if (!state->polled.try_acquire_for(std::chrono::milliseconds(5))) continue;
        // 0 to ~15 short pauses: spreads the wake over the end of the poll,
        // the executor's way back to the queue, and its sleep.
        for (unsigned i = 0; i < (round * 7) % 16; ++i) std::this_thread::yield();
        ++round;
        core::Waker waker;
        {
            std::lock_guard lock(state->mutex);
            waker = state->waker;
        }
        waker.wake();
    }
}

// Runs `rounds` rounds, one per poll. In each round the gated task is idle
// (not queued); this poll releases the helper threads, wakes the gated task
// three times itself, and waits until every helper has woken it three times
// too. Then it queues itself behind the gate's entry. With one queue entry
// per wake-up the gate is polled exactly once per round; a task queued twice
// shows up as an extra poll, noted in `first_bad_round`. Every hand-off is a
// condition variable: nobody spins, so a busy machine only makes it slower.
// (Whether the wakes really overlap is up to the scheduler; the test that
// forces two wakes to overlap is in the task's tests, with a paused flag.)
class WakeRounds {
public:
    struct Shared {
        std::mutex mutex;
        std::condition_variable changed;
        int round = 0;         // the round the helpers may start
        int woken = 0;         // helpers done with this round
        bool stop = false;
        int first_bad_round = -1;  // executor thread only (read after block_on)
        int gate_polls_then = 0;
    };
    using Output = void;
    WakeRounds(int rounds, int helpers, probes::Gate gate, std::shared_ptr<Shared> s)
        : rounds_(rounds), helpers_(helpers), gate_(std::move(gate)), shared_(std::move(s)) {}
    core::Poll<void> poll(core::Context& cx) {
        // The gate was polled once when spawned, and once per round since.
        int polls = gate_.polls();
        if (polls != round_ + 1 && shared_->first_bad_round < 0) {
            shared_->first_bad_round = round_;
            shared_->gate_polls_then = polls;
        }
        if (round_ == rounds_) {
            gate_.open();
            return core::Poll<void>::ready();
        }
        ++round_;
        core::Waker gated = gate_.waker();
        {
            std::lock_guard lock(shared_->mutex);
            shared_->round = round_;
            shared_->woken = 0;
        }
        shared_->changed.notify_all();  // the helpers start...
        for (int i = 0; i < 3; ++i) gated.wake();  // ... and so does this thread
        {
            std::unique_lock lock(shared_->mutex);
            shared_->changed.wait(lock, [this] { return shared_->woken == helpers_; });
        }
        cx.waker().wake();  // queued behind the gate's one entry (or several)
        return core::Poll<void>::pending();
    }

private:
    int round_ = 0;
    int rounds_, helpers_;
    probes::Gate gate_;
    std::shared_ptr<Shared> shared_;
};

void wake_rounds_helper(probes::Gate gate, std::shared_ptr<WakeRounds::Shared> shared) {
    core::Waker waker;  // the gated task's waker: the same object in every round
    for (int seen = 0;;) {
        {
            std::unique_lock lock(shared->mutex);
            shared->changed.wait(lock, [&] { return shared->stop || shared->round != seen; });
            if (shared->stop) return;
            seen = shared->round;
        }
        if (!waker.will_wake(gate.waker())) waker = gate.waker();
        for (int i = 0; i < 3; ++i) waker.wake();
        {
            std::lock_guard lock(shared->mutex);
            ++shared->woken;
        }
        shared->changed.notify_all();
    }
}

core::Async<void> nested_block_on(ch03::Executor* ex, std::shared_ptr<std::string> error) {
    try {
        ex->block_on(core::yield_now());
    } catch (const std::logic_error& e) {
        *error = e.what();
    }
    co_return;
}

// A future whose destructor may throw: spawn and block_on refuse it at
// compile time (a throwing destructor where the executor destroys futures
// would be std::terminate).
class ThrowingDestructor {
public:
    using Output = void;
    core::Poll<void> poll(core::Context&);
    ~ThrowingDestructor() noexcept(false);
};
template <class F>
concept Spawnable = requires(ch03::Executor& ex, F f) { ex.spawn(std::move(f)); };
template <class F>
concept Blockable = requires(ch03::Executor& ex, F f) { ex.block_on(std::move(f)); };
static_assert(Spawnable<core::YieldNow> && Blockable<core::YieldNow>);
static_assert(!Spawnable<ThrowingDestructor> && !Blockable<ThrowingDestructor>,
              "spawn/block_on must refuse a future whose destructor may throw "
              "(requires std::is_nothrow_destructible_v<F>)");

}  // namespace

TEST_CASE("a wake from another thread that lands while the executor is busy is seen before it sleeps",
          "[ch03][executor][race]") {
    core::testing::hang_hint("the gated task was woken from another thread while the executor was polling "
                             "something else, so nobody was waiting: pop() must look at the queue (the "
                             "predicate of its wait) before it sleeps, or that wake is lost");
    ch03::Executor ex;
    probes::Gate gate;
    ex.spawn(gate.future());  // polled first: Pending, its waker stored in the gate
    auto entered = std::make_shared<core::testing::Latch>(1);
    auto woken = std::make_shared<core::testing::Latch>(1);
    std::thread other([gate, entered, woken] {
        entered->wait();  // the executor is inside the HoldPoll below, not asleep
        gate.open();      // the wake: pushes the gated task and notifies nobody
        woken->count_down();
    });
    {
        core::ScopeExit let_go([entered] { probes::open_latch(*entered); });
        ex.block_on(probes::HoldPoll(entered, woken));
    }
    other.join();
    INFO("the gated task must be polled again after the wake from the other thread");
    CHECK(gate.polls() == 2);
    CHECK(gate.destroyed());
}

TEST_CASE("wakes from another thread during the poll, before the sleep or during it are never lost, round after round",
          "[ch03][executor][race]") {
    core::testing::hang_hint("a wake from another thread was lost. Three places to look: Task::poll_once "
                             "must clear `queued` BEFORE polling; ReadyQueue::push must notify when the "
                             "wake comes from another thread, after the task is in the deque; pop() must "
                             "wait with a predicate");
    // Each round is two hand-offs between threads; on a loaded machine each
    // can take a time slice, so a busy machine gets fewer rounds (and every
    // machine stops starting new ones after 2 s: see Relay).
    const int rounds = probes::slowdown() > 1 ? 150 : 500;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    ch03::Executor ex;
    auto state = std::make_shared<Relay::State>();
    std::jthread helper(relay_helper, state);  // joins however the test ends, after `stop`
    {
        core::ScopeExit stop([state] { state->stop.store(true); });
        ex.block_on(Relay(rounds, until, state));
    }
    helper.join();
    SUCCEED("every wake of every round arrived");
}

TEST_CASE("an idle task woken by several threads in the same round is queued once per round",
          "[ch03][executor][race]") {
    core::testing::hang_hint("helper threads and the executor wake an idle task in each round; a round waits "
                             "for every helper: is a helper stuck in Task::wake, or a wake lost?");
    const int rounds = probes::slowdown() > 1 ? 200 : 1000;
    const int helpers = 3;
    ch03::Executor ex;
    probes::Gate gate;
    auto shared = std::make_shared<WakeRounds::Shared>();
    ex.spawn(gate.future());
    std::vector<std::jthread> threads;  // joined however the test ends, after `stop`
    for (int t = 0; t < helpers; ++t) threads.emplace_back(wake_rounds_helper, gate, shared);
    {
        core::ScopeExit stop([shared] {
            {
                std::lock_guard lock(shared->mutex);
                shared->stop = true;
            }
            shared->changed.notify_all();
        });
        ex.block_on(WakeRounds(rounds, helpers, gate, shared));
    }
    for (auto& t : threads) t.join();
    CAPTURE(shared->first_bad_round, shared->gate_polls_then);
    INFO("the gate was polled more than once in a round: two threads both queued it. Only the wake that "
         "raised `queued` (its exchange returned false) may push");
    CHECK(shared->first_bad_round == -1);
    CHECK(gate.polls() == rounds + 2);
}

TEST_CASE("block_on called from inside one of the executor's own tasks is refused, not a hang",
          "[ch03][executor]") {
    core::testing::hang_hint("a task called block_on on its own executor: the inner loop waits for the task "
                             "that called it. Refuse it: throw std::logic_error when block_on is already running");
    ch03::Executor ex;
    auto error = std::make_shared<std::string>();
    ex.block_on(nested_block_on(&ex, error));
    INFO("a nested block_on must throw std::logic_error saying so");
    CHECK_THAT(*error, Catch::Contains("nested"));
    // The flag is cleared on the way out: the executor works as before.
    ex.block_on(core::yield_now());
    auto again = std::make_shared<std::string>();
    ex.block_on(nested_block_on(&ex, again));
    CHECK_THAT(*again, Catch::Contains("nested"));
}

TEST_CASE("a task woken from 4 threads at once while the executor is busy is queued once",
          "[ch03][executor][race]") {
    core::testing::hang_hint("the executor is held inside one poll while 4 threads wake another task");
    ch03::Executor ex;
    probes::Gate gate;
    auto polls_after_storm = std::make_shared<int>(-1);
    ex.spawn(gate.future());
    auto entered = std::make_shared<core::testing::Latch>(1);
    auto storm_over = std::make_shared<core::testing::Latch>(4);
    std::vector<std::thread> wakers;
    for (int t = 0; t < 4; ++t)
        wakers.emplace_back([gate, entered, storm_over] {
            entered->wait();  // the executor is inside the HoldPoll: it cannot poll the gate
            for (int i = 0; i < 1000; ++i) gate.wake();
            storm_over->count_down();
        });
    probes::HoldPoll hold(entered, storm_over);
    {
        core::ScopeExit let_go([entered] { probes::open_latch(*entered); });
        ex.block_on(hold_then_open(std::move(hold), gate, polls_after_storm));
    }
    for (auto& t : wakers) t.join();
    INFO("4000 wakes from 4 threads must leave one queue entry: only the exchange that saw false pushes");
    CHECK(*polls_after_storm == 2);
    CHECK(gate.polls() == 3);
}

TEST_CASE("a wake that arrives during the task's poll is not lost", "[ch03][executor][race]") {
    core::testing::hang_hint("a wake during the poll was lost: clear `queued` BEFORE polling, not after");
    ch03::Executor ex;
    auto state = std::make_shared<probes::WokenDuringPoll::State>();
    ex.spawn(probes::WokenDuringPoll(state));
    std::thread waker([state] {
        state->inside.wait();  // the task is inside its first poll
        state->waker.wake();
        state->woken.count_down();  // only now may the poll return Pending
    });
    {
        core::ScopeExit let_go([state] { probes::open_latch(state->inside); });
        ex.block_on(core::yield_now());
    }
    waker.join();
    CHECK(state->polls == 2);
}
