// Probes for the chapter 4 tests. Plain classes with constructors (no
// aggregates inside co_await: g++ 12 mishandles those).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "core/core.hpp"
#include "core/testing.hpp"

namespace probes {

// Pending until open(); keeps the waker of its latest poll, even after it
// opened (like a careless future would), counts polls, notes destruction.
class Gate {
public:
    struct State {
        std::mutex mutex;
        bool open = false;
        core::Waker waker;
        int polls = 0;
        std::atomic<bool> destroyed{false};
    };
    class Future {
    public:
        using Output = void;
        explicit Future(std::shared_ptr<State> s) : state_(std::move(s)) {}
        Future(Future&& o) noexcept : state_(std::move(o.state_)) {}
        ~Future() {
            if (state_) state_->destroyed = true;
        }
        core::Poll<void> poll(core::Context& cx) {
            std::lock_guard lock(state_->mutex);
            ++state_->polls;
            state_->waker = cx.waker();
            return state_->open ? core::Poll<void>::ready() : core::Poll<void>::pending();
        }

    private:
        std::shared_ptr<State> state_;
    };

    Future future() const { return Future(state_); }
    core::Waker waker() const {
        std::lock_guard lock(state_->mutex);
        return state_->waker;
    }
    void open() const {
        core::Waker w;
        {
            std::lock_guard lock(state_->mutex);
            state_->open = true;
            w = state_->waker;  // a copy: the gate keeps its own
        }
        w.wake();
    }
    void forget_waker() const {
        std::lock_guard lock(state_->mutex);
        state_->waker = core::Waker();
    }
    int polls() const {
        std::lock_guard lock(state_->mutex);
        return state_->polls;
    }
    bool destroyed() const { return state_->destroyed; }

private:
    std::shared_ptr<State> state_ = std::make_shared<State>();
};

// Pending `pending_polls` times, waking itself in the middle of each poll and
// then giving the CPU away, which leaves a wide window for a second worker
// to poll it concurrently if the executor allows that. Counts into PollStats.
class SlowSelfWaker {
public:
    using Output = void;
    SlowSelfWaker(int pending_polls, std::shared_ptr<core::testing::PollStats> stats)
        : stats_(std::move(stats)), left_(pending_polls) {}
    SlowSelfWaker(SlowSelfWaker&& o) noexcept : stats_(std::move(o.stats_)), left_(o.left_) {}
    ~SlowSelfWaker() {
        if (stats_) stats_->destroyed.fetch_add(1);
    }
    core::Poll<void> poll(core::Context& cx) {
        if (stats_->inside.fetch_add(1) != 0) stats_->overlaps.fetch_add(1);
        stats_->polls.fetch_add(1);
        bool ready = left_ == 0;
        if (!ready) {
            --left_;
            cx.waker().wake();         // queued again while we are still inside poll
            std::this_thread::yield();  // ... and we stay inside a little longer
        } else {
            stats_->completions.fetch_add(1);
        }
        stats_->inside.fetch_sub(1);
        return ready ? core::Poll<void>::ready() : core::Poll<void>::pending();
    }

private:
    std::shared_ptr<core::testing::PollStats> stats_;
    int left_;
};

// First poll: keeps the waker, signals `inside`, and blocks until `release`
// (another thread wakes it meanwhile), then Pending. Second poll: Ready.
// Counts overlapping polls.
class WokenDuringPoll {
public:
    struct State {
        core::Waker waker;
        core::testing::Latch inside{1}, release{1};
        core::testing::PollStats stats;
    };
    using Output = void;
    explicit WokenDuringPoll(std::shared_ptr<State> s) : state_(std::move(s)) {}
    core::Poll<void> poll(core::Context& cx) {
        auto& st = state_->stats;
        if (st.inside.fetch_add(1) != 0) st.overlaps.fetch_add(1);
        bool first = st.polls.fetch_add(1) == 0;
        if (first) {
            state_->waker = cx.waker();
            state_->inside.count_down();
            state_->release.wait();
        }
        st.inside.fetch_sub(1);
        if (first) return core::Poll<void>::pending();
        st.completions.fetch_add(1);
        return core::Poll<void>::ready();
    }

private:
    std::shared_ptr<State> state_;
};

// Counts a one-shot latch down when the scope ends, unless that already
// happened, so a test that fails early never leaves a helper thread waiting.
class OpenOnExit {
public:
    explicit OpenOnExit(std::shared_ptr<core::testing::Latch> l) : latch_(std::move(l)) {}
    ~OpenOnExit() {
        if (!latch_->try_wait()) latch_->count_down();
    }
    OpenOnExit(const OpenOnExit&) = delete;
    OpenOnExit& operator=(const OpenOnExit&) = delete;

private:
    std::shared_ptr<core::testing::Latch> latch_;
};

}  // namespace probes
