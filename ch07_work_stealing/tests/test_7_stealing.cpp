// The worker loop: idle workers steal, the LIFO slot cannot starve the
// queue, the searching count comes back to zero, no wake is lost while
// tasks move between workers, and a shutdown finds tasks in every queue.
#include "testing/catch.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "ch07_work_stealing/executor.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace ch07_test;

namespace {

// Children of a spawner: each records the thread it ran on. The first one
// to run blocks its worker until a child has run on another thread (or a
// generous backstop passes), so the only way the other children can run
// meanwhile is that another worker takes them from the blocked one.
struct StealProbe {
    std::mutex mutex;
    std::set<std::thread::id> threads;
    std::atomic<bool> first_taken{false};
    Latch other_ran{1};
    std::atomic<bool> released{false};
    std::atomic<int> done{0};
};

core::Async<void> recording_child(std::shared_ptr<StealProbe> p) {
    auto me = std::this_thread::get_id();
    bool first = !p->first_taken.exchange(true);
    std::thread::id first_thread;
    {
        std::lock_guard lock(p->mutex);
        if (!first && !p->threads.empty() && p->threads.count(me) == 0 && !p->released.exchange(true))
            p->other_ran.count_down();
        p->threads.insert(me);
    }
    if (first) {
        auto deadline = std::chrono::steady_clock::now() + core::testing::scaled(std::chrono::seconds(5));
        while (!p->released.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    }
    p->done.fetch_add(1);
    co_return;
}

core::Async<void> spawn_children(std::shared_ptr<StealProbe> p, int n) {
    for (int i = 0; i < n; ++i) (void)ch07::spawn(recording_child(p));
    co_return;
}

// --- ping-pong through the LIFO slot ----------------------------------------
struct PingPong {
    std::mutex mutex;
    core::Waker waiter[2];
    int turn = 0;
    int rounds = 0;
    int limit = 0;
    std::atomic<int> marker_saw{-1};
};

core::Async<void> marker(std::shared_ptr<PingPong> pp) {
    std::lock_guard lock(pp->mutex);
    pp->marker_saw.store(pp->rounds);
    co_return;
}

// Player `me` waits for its turn, then passes it and wakes the other one.
class Player {
public:
    using Output = void;
    Player(std::shared_ptr<PingPong> pp, int me) : pp_(std::move(pp)), me_(me) {}
    core::Poll<void> poll(core::Context& cx) {
        if (me_ == 0 && !spawned_marker_) {
            spawned_marker_ = true;
            (void)ch07::spawn(marker(pp_));  // into the LIFO slot, soon pushed to the queue
        }
        core::Waker other;
        {
            std::lock_guard lock(pp_->mutex);
            if (pp_->rounds >= pp_->limit) {
                other = pp_->waiter[1 - me_];
            } else if (pp_->turn == me_) {
                ++pp_->rounds;
                pp_->turn = 1 - me_;
                other = pp_->waiter[1 - me_];
            }
            pp_->waiter[me_] = cx.waker();
        }
        other.wake();  // the other player goes to the LIFO slot: it runs next
        std::lock_guard lock(pp_->mutex);
        return pp_->rounds >= pp_->limit ? core::Poll<void>::ready() : core::Poll<void>::pending();
    }

private:
    std::shared_ptr<PingPong> pp_;
    int me_;
    bool spawned_marker_ = false;
};

core::Async<void> start_ping_pong(std::shared_ptr<PingPong> pp) {
    (void)ch07::spawn(Player(pp, 0));
    (void)ch07::spawn(Player(pp, 1));
    co_return;
}

// --- a busy task and the injection queue -------------------------------------
// The busy task yields until the task spawned from outside has run (or gives
// up 100 000 polls after it was spawned), counting its polls.
struct InjectProbe {
    std::atomic<bool> outside_ran{false};
    std::atomic<bool> spawned{false};
    std::atomic<long> polls{0};
    std::atomic<long> polls_when_ran{-1};
};

core::Async<void> busy_yielder(std::shared_ptr<InjectProbe> p) {
    long limit = -1;
    while (!p->outside_ran.load()) {
        long n = p->polls.fetch_add(1) + 1;
        if (limit < 0 && p->spawned.load()) limit = n + 100'000;
        if (limit >= 0 && n > limit) break;
        co_await core::yield_now();
    }
}

core::Async<void> from_outside(std::shared_ptr<InjectProbe> p) {
    p->polls_when_ran.store(p->polls.load());
    p->outside_ran.store(true);
    co_return;
}

// --- a relay of batons: each task waits for its number, passes it on -------
struct Relay {
    explicit Relay(int n) : wakers(n), counts(n) {}
    std::mutex mutex;
    std::vector<core::Waker> wakers;
    std::vector<int> counts;
};

class Runner {
public:
    using Output = void;
    Runner(std::shared_ptr<Relay> r, int i, int laps) : r_(std::move(r)), i_(i), laps_(laps) {}
    core::Poll<void> poll(core::Context& cx) {
        core::Waker next;
        bool done = false;
        {
            std::lock_guard lock(r_->mutex);
            int n = int(r_->counts.size());
            while (r_->counts[i_] > lap_ * 1 && lap_ < laps_) {
                ++lap_;
                int j = (i_ + 1) % n;
                ++r_->counts[j];
                next = r_->wakers[j];
            }
            done = lap_ == laps_;
            r_->wakers[i_] = cx.waker();
        }
        next.wake();
        return done ? core::Poll<void>::ready() : core::Poll<void>::pending();
    }

private:
    std::shared_ptr<Relay> r_;
    int i_, laps_, lap_ = 0;
};

// Spins spawning probes until the runtime refuses; then Pending for good.
class SpawnUntilClosed {
public:
    using Output = void;
    SpawnUntilClosed(Latch* entered, Counter drops, Counter spawned, Counter refused)
        : entered_(entered), drops_(std::move(drops)), spawned_(std::move(spawned)), refused_(std::move(refused)) {}
    core::Poll<void> poll(core::Context&) {
        if (polled_) return core::Poll<void>::pending();
        polled_ = true;
        // 300 first: the LIFO slot, this worker's local queue (256) and, by
        // overflow, the injection queue all hold some.
        for (int i = 0; i < 300; ++i) {
            (void)ch07::spawn(sleep_then(DropProbe(drops_), std::chrono::milliseconds(0), 1));
            spawned_->fetch_add(1);
        }
        entered_->count_down();
        auto deadline = std::chrono::steady_clock::now() + core::testing::scaled(std::chrono::seconds(10));
        while (std::chrono::steady_clock::now() < deadline) {
            try {
                (void)ch07::spawn(sleep_then(DropProbe(drops_), std::chrono::milliseconds(0), 1));
                spawned_->fetch_add(1);
            } catch (const std::logic_error&) {
                refused_->fetch_add(1);  // its future was destroyed too
                break;                   // closed: now leave the worker
            }
            std::this_thread::yield();
        }
        return core::Poll<void>::pending();
    }

private:
    Latch* entered_;
    Counter drops_, spawned_, refused_;
    bool polled_ = false;
};

core::Async<int> probe_value([[maybe_unused]] DropProbe probe, int v) { co_return v; }

}  // namespace

TEST_CASE("an idle worker steals from a busy one's local queue (200 tasks, no overflow)", "[ch07][stealing]") {
    core::testing::hang_hint("the second worker never took a task: steal_work / LocalQueue::steal_into");
    auto p = std::make_shared<StealProbe>();
    {
        ch07::Runtime rt(2);
        rt.block_on(rt.spawn(spawn_children(p, 200)));
        REQUIRE(eventually([&] { return p->done.load() == 200; }));
    }
    INFO("the first child blocked its worker; the other children sat in that worker's local queue (200 < 256, "
         "so none overflowed to the injection queue): only a steal lets the other worker run them");
    CHECK(p->threads.size() == 2);
}

TEST_CASE("a worker spawning 10 000 tasks while another idles: both run tasks", "[ch07][stealing]") {
    core::testing::hang_hint("children never finished: a lost task in push/overflow/steal?");
    auto p = std::make_shared<StealProbe>();
    {
        ch07::Runtime rt(2);
        rt.block_on(rt.spawn(spawn_children(p, 10'000)));
        REQUIRE(eventually([&] { return p->done.load() == 10'000; }));
    }
    CHECK(p->threads.size() == 2);
}

TEST_CASE("two tasks waking each other through the LIFO slot cannot starve the queue", "[ch07][stealing]") {
    core::testing::hang_hint("the ping-pong never ended");
    auto pp = std::make_shared<PingPong>();
    pp->limit = 10'000;
    ch07::Runtime rt(1);  // one worker: the order is the scheduler's alone
    rt.block_on(rt.spawn(start_ping_pong(pp)));
    REQUIRE(eventually([&] {
        std::lock_guard lock(pp->mutex);
        return pp->rounds >= pp->limit && pp->marker_saw.load() >= 0;
    }));
    INFO("LIFO starvation: the marker task waited in the queue while two players woke each other " << pp->limit
         << " times through the LIFO slot; it ran after round " << pp->marker_saw.load()
         << ": a LIFO slot without a bound (Shared::max_lifo_polls) starves everyone else");
    CHECK(pp->marker_saw.load() < 100);
}

TEST_CASE("a task spawned from outside runs while a yielding task keeps the only worker busy", "[ch07][stealing]") {
    core::testing::hang_hint("the busy task never stopped yielding, or the task from outside never ran");
    auto p = std::make_shared<InjectProbe>();
    ch07::Runtime rt(1);  // one worker, whose own queue is never empty from now on
    auto busy = rt.spawn(busy_yielder(p));
    REQUIRE(eventually([&] { return p->polls.load() > 0; }));
    long at_spawn = p->polls.load();
    auto outside = rt.spawn(from_outside(p));  // from outside the workers: into the injection queue
    p->spawned.store(true);
    rt.block_on(std::move(outside));
    rt.block_on(std::move(busy));
    long waited = p->polls_when_ran.load() - at_spawn;
    INFO("injection queue starved: the task spawned from outside ran after " << waited
         << " polls of a task that yields on the only worker; a worker must look at the injection queue "
            "now and then (every Shared::global_queue_interval = 31 ticks) even while its own queue has work");
    CHECK(waited < 1000);
}

TEST_CASE("once the runtime is idle no worker is left counted as searching or awake", "[ch07][stealing]") {
    core::testing::hang_hint("a spawn from outside was never run: no worker was woken (searching count stuck?)");
    ch07::Runtime rt(2);
    for (int round = 0; round < 5; ++round) {
        auto p = std::make_shared<StealProbe>();
        p->released.store(true);  // no blocking here: just a burst of work
        p->other_ran.count_down();
        rt.block_on(rt.spawn(spawn_children(p, 2000)));
        REQUIRE(eventually([&] { return p->done.load() == 2000; }));
        bool parked = eventually([&] { return rt.metrics().unparked == 0; });
        auto m = rt.metrics();
        INFO("searching count leaked: round " << round << ": " << m.searching << " searching, " << m.unparked
                                              << " awake, of " << m.workers
                                              << ". A worker that found work must leave the searching count "
                                                 "(Idle::transition_from_searching), or later wakes think someone is "
                                                 "looking and wake nobody");
        REQUIRE(parked);
        REQUIRE(m.searching == 0);
        INFO("a spawn from outside on an idle runtime must wake a worker");
        REQUIRE(rt.block_on(rt.spawn(value_of(round))) == round);
    }
}

TEST_CASE("no wake is lost while 300 tasks pass batons around and workers steal", "[ch07][stealing][race]") {
    core::testing::hang_hint("a relay stopped: a wake was lost (task state, LIFO slot, or a park without a last look)");
    constexpr int n = 300, laps = 40;
    for (std::size_t workers : {std::size_t(2), std::size_t(4)}) {
        ch07::Runtime rt(workers);
        auto relay = std::make_shared<Relay>(n);
        std::vector<ch07::JoinHandle<void>> handles;
        for (int i = 0; i < n; ++i) handles.push_back(rt.spawn(Runner(relay, i, laps)));
        {
            core::Waker first;
            {
                std::lock_guard lock(relay->mutex);
                ++relay->counts[0];
                first = relay->wakers[0];
            }
            first.wake();
        }
        for (auto& h : handles) rt.block_on(std::move(h));
        INFO(workers << " workers");
        std::lock_guard lock(relay->mutex);
        CHECK(relay->counts[0] >= laps);
    }
}

TEST_CASE("shutdown with tasks in every queue frees every future and reports Cancelled", "[ch07][stealing][race]") {
    core::testing::hang_hint("~Runtime did not return: a worker never saw the close, or a queue was not drained");
    auto drops = make_counter();
    auto spawned = make_counter();
    auto refused = make_counter();
    auto outside_drops = make_counter();
    std::vector<ch07::JoinHandle<int>> outside;
    {
        auto rt = std::make_unique<ch07::Runtime>(2);
        Latch entered(2);
        (void)rt->spawn(SpawnUntilClosed(&entered, drops, spawned, refused));
        (void)rt->spawn(SpawnUntilClosed(&entered, drops, spawned, refused));
        entered.wait();  // both workers are busy spawning into their own queues
        for (int i = 0; i < 300; ++i) outside.push_back(rt->spawn(probe_value(DropProbe(outside_drops), i)));
        for (int i = 0; i < 50; ++i)
            (void)rt->spawn(sleep_then(DropProbe(outside_drops), std::chrono::hours(1), i));
        rt.reset();  // the spinners see the close, return, and the workers leave
    }
    INFO("every task spawned from inside (" << spawned->load() << ") and outside (350) is gone after ~Runtime: "
                                             "the LIFO slots, local queues, injection queue and live list drained");
    CHECK(drops->load() == spawned->load() + refused->load());
    CHECK(outside_drops->load() == 350);
    core::Waker noop = core::Waker::noop();
    core::Context cx(noop);
    int values = 0, cancelled = 0;
    for (auto& h : outside) {
        try {
            auto p = h.poll(cx);
            REQUIRE(p.is_ready());
            ++values;
        } catch (const ch07::Cancelled&) {
            ++cancelled;
        }
    }
    CHECK(values + cancelled == 300);
}
