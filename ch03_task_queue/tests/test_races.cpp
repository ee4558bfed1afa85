// Chapter 3: races and faults. Wakes from other threads at every moment of
// the executor's loop, many threads waking one task at once, and misuse.
// The interleavings are driven by latches and hand-offs, not sleeps; the
// tests tagged [race] loop many rounds so `make check-ch03 STRESS=50` can
// shake them (see book/proving_it.md).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <semaphore>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ch03_task_queue/executor.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

namespace {

// Sets a flag when the scope ends, however it ends: helper threads watch it,
// so a test that fails early never leaves them running (their join would hang).
// The helpers are std::jthreads declared before it, so they are joined after.
class StopOnExit {
public:
    explicit StopOnExit(std::atomic<bool>& stop) : stop_(stop) {}
    ~StopOnExit() { stop_.store(true); }
    StopOnExit(const StopOnExit&) = delete;
    StopOnExit& operator=(const StopOnExit&) = delete;

private:
    std::atomic<bool>& stop_;
};

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
    Relay(int rounds, std::shared_ptr<State> s) : left_(rounds), state_(std::move(s)) {}
    core::Poll<void> poll(core::Context& cx) {
        if (left_ == 0) return core::Poll<void>::ready();
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
    std::shared_ptr<State> state_;
};

// The helper for Relay: waits (spinning first, so it is awake and quick) for
// each poll's signal, waits a varying little while, then wakes.
void relay_helper(std::shared_ptr<Relay::State> state) {
    for (unsigned round = 0; !state->stop.load();) {
        bool signalled = false;
        for (int spin = 0; spin < 2000 && !signalled; ++spin) signalled = state->polled.try_acquire();
        if (!signalled && !state->polled.try_acquire_for(std::chrono::milliseconds(5))) continue;
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

// Runs `rounds` rounds, one per poll. In each, the helper threads spinning
// on `go` are released and wake the gated task, which is idle (not queued) at
// that moment, while the executor's thread wakes it too: several threads at
// the same moment (with no more threads than cores, all of them are running). With one queue
// entry per wake-up the gate is polled exactly once per round; a task queued
// twice shows up as an extra poll of the gate, noted in `first_bad_round`.
class WakeRounds {
public:
    struct Shared {
        std::atomic<int> go{0};      // the round the helpers may start
        std::atomic<int> woken{0};   // helpers done with this round
        std::atomic<bool> stop{false};
        int first_bad_round = -1;    // executor thread only (read after block_on)
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
        shared_->woken.store(0);
        core::Waker gated = gate_.waker();  // copied before the race: waker() takes a lock
        shared_->go.store(round_, std::memory_order_release);  // the helpers start...
        // ... and so does this thread, after a pause that differs from round
        // to round (0 to ~200 ns): the helpers need a moment to see `go`, and
        // sweeping the offset makes the wakes overlap in some rounds.
        std::atomic<int> pause{0};  // an atomic, so the pause loop is not optimised away
        while (pause.fetch_add(1, std::memory_order_relaxed) < (round_ * 37) % 64) {
        }
        for (int i = 0; i < 3; ++i) gated.wake();
        while (shared_->woken.load() < helpers_) std::this_thread::yield();
        cx.waker().wake();  // queued behind the gate's one entry (or several)
        return core::Poll<void>::pending();
    }

private:
    int round_ = 0;
    int rounds_, helpers_;
    probes::Gate gate_;
    std::shared_ptr<Shared> shared_;
};

void round_helper(probes::Gate gate, std::shared_ptr<WakeRounds::Shared> shared) {
    core::Waker waker;  // the gated task's waker: the same object in every round
    // Under a sanitizer or valgrind every load is slow: spin less before yielding.
    const int hot_spins = probes::slowdown() > 1 ? 2'000 : 20'000;
    for (int seen = 0, idle = 0; !shared->stop.load();) {
        int go = shared->go.load(std::memory_order_acquire);
        if (go == seen) {
            // Spin hot for a while (so every helper sees `go` within
            // nanoseconds of the others), then politely.
            if (++idle > hot_spins) std::this_thread::yield();
            continue;
        }
        idle = 0;
        seen = go;
        if (seen == 1) waker = gate.waker();  // before the race, so the lock in waker() doesn't serialize it
        for (int i = 0; i < 3; ++i) waker.wake();
        shared->woken.fetch_add(1);
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
          "[ch03][lost-wakeup][race]") {
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
        probes::OpenOnExit let_go(entered);
        ex.block_on(probes::HoldPoll(entered, woken));
    }
    other.join();
    INFO("the gated task must be polled again after the wake from the other thread");
    CHECK(gate.polls() == 2);
    CHECK(gate.destroyed());
}

TEST_CASE("wakes from another thread during the poll, before the sleep or during it are never lost (2000 rounds)",
          "[ch03][lost-wakeup][race]") {
    core::testing::hang_hint("a wake from another thread was lost. Three places to look: Task::poll_once "
                             "must clear `queued` BEFORE polling; ReadyQueue::push must notify when the "
                             "wake comes from another thread, after the task is in the deque; pop() must "
                             "wait with a predicate");
    constexpr int rounds = 2000;
    ch03::Executor ex;
    auto state = std::make_shared<Relay::State>();
    std::jthread helper(relay_helper, state);  // joins however the test ends, after `stop`
    {
        StopOnExit stop(state->stop);
        ex.block_on(Relay(rounds, state));
    }
    helper.join();
    SUCCEED("all " << rounds << " wakes arrived");
}

TEST_CASE("an idle task woken by several threads released at the same moment is queued once, round after round",
          "[ch03][dedup][race]") {
    core::testing::hang_hint("helper threads wake an idle task together; is every wake reaching the queue?");
    // Fewer rounds where every atomic load is instrumented (sanitizers,
    // valgrind): the helpers spin, and spinning is what those slow down most.
    const int rounds = probes::slowdown() > 1 ? 1000 : 20'000;
    // One helper per core but one (the executor's thread is the last waker).
    const int helpers = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 2u, 4u)) - 1;
    ch03::Executor ex;
    probes::Gate gate;
    auto shared = std::make_shared<WakeRounds::Shared>();
    ex.spawn(gate.future());
    std::vector<std::jthread> threads;  // join however the test ends, after `stop`
    for (int t = 0; t < helpers; ++t) threads.emplace_back(round_helper, gate, shared);
    {
        StopOnExit stop(shared->stop);
        ex.block_on(WakeRounds(rounds, helpers, gate, shared));
    }
    for (auto& t : threads) t.join();
    CAPTURE(helpers, shared->first_bad_round, shared->gate_polls_then);
    INFO("the gate was polled more than once in a round: two threads both queued it. Only the wake whose "
         "queued.exchange(true) returned false may push: raising the flag after the push, or a load "
         "followed by a store, lets two wakes both see false");
    CHECK(shared->first_bad_round == -1);
    CHECK(gate.polls() == rounds + 2);
}

TEST_CASE("block_on called from inside one of the executor's own tasks is refused, not a hang",
          "[ch03][misuse]") {
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
