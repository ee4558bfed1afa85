// The runtime's workers: never two polls of one task at once, however the
// wakes arrive (from the task itself, from other threads during its poll),
// and what one task that blocks its worker costs the others.
#include "testing/catch.hpp"

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ch05_joinhandle/runtime.hpp"
#include "core/core.hpp"
#include "core/scope_exit.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace ch05_test;

TEST_CASE("no task is ever polled by two workers at once, even when it wakes itself", "[ch05][runtime][race]") {
    core::testing::hang_hint("a self-wake during poll was lost (the task never got its next poll)");
    ch05::Runtime rt(2);
    std::vector<std::shared_ptr<core::testing::PollStats>> stats;
    std::vector<ch05::JoinHandle<void>> handles;
    for (int i = 0; i < 40; ++i) {
        core::testing::CountingFuture f(200, /*wake_self=*/true);
        stats.push_back(f.stats());
        handles.push_back(rt.spawn(std::move(f)));
    }
    for (auto& h : handles) rt.block_on(std::move(h));
    for (size_t i = 0; i < stats.size(); ++i) {
        INFO("task " << i);
        CHECK(stats[i]->overlaps.load() == 0);
        INFO("one poll per self-wake plus the last one: more means a double queue entry");
        CHECK(stats[i]->polls.load() == 201);
        CHECK(stats[i]->completions.load() == 1);
        CHECK(stats[i]->destroyed.load() == 1);
    }
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
    core::ScopeExit stop_on_exit([&] { stop.store(true); });  // also when a join throws: the hammers must end
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

TEST_CASE("a task that blocks its worker stalls every other task on that worker", "[ch05][runtime]") {
    core::testing::hang_hint("the blocked task was released but the runtime did not go on");
    auto gate = std::make_shared<PollGate>();
    ch05::Runtime rt(1);
    auto open = open_on_exit(gate);
    auto blocker = rt.spawn(BlockingPoll(gate, DropProbe(make_counter()), /*ready_after=*/true));
    gate->entered.wait();  // the only worker is stuck inside that poll, as in a thread sleep
    auto other = rt.spawn(value_of(5));
    for (int i = 0; i < 1000; ++i) std::this_thread::yield();
    INFO("while one task blocks its thread (a thread sleep, a blocking receive, a long computation), "
         "nothing else runs on that worker: see the book's 'Blocking inside a task' (spawn_blocking)");
    CHECK_FALSE(other.is_finished());
    gate->open();
    CHECK(rt.block_on(std::move(other)) == 5);
    CHECK(rt.block_on(std::move(blocker)) == 7);
}
