// Probes for the chapter 4 tests. Plain classes with constructors (no
// aggregates inside co_await: g++ 12 mishandles those). Only core headers
// here: each test file includes the one chapter header it is about.
#pragma once

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
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
            cx.waker().wake();  // queued again while we are still inside poll
            // ... and we stay inside a little longer: a 2 us spin, not yield(),
            // which beside other busy work gives the CPU away for a time slice
            // (30 000 yields took 10 s beside two busy loops, 0.06 s idle).
            const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(2);
            while (std::chrono::steady_clock::now() < until) {
            }
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

// Redirects std::cerr into a string for the scope (restored on the way out).
class CaptureStderr {
public:
    CaptureStderr() : old_(std::cerr.rdbuf(buffer_.rdbuf())) {}
    ~CaptureStderr() { std::cerr.rdbuf(old_); }
    CaptureStderr(const CaptureStderr&) = delete;
    CaptureStderr& operator=(const CaptureStderr&) = delete;
    std::string text() const { return buffer_.str(); }

private:
    std::ostringstream buffer_;
    std::streambuf* old_;
};

inline int occurrences(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
    return n;
}

inline core::Async<void> count_one(std::shared_ptr<std::atomic<int>> counter) {
    counter->fetch_add(1);
    co_return;
}

// The kernel's id of the calling thread, and whether a thread of this
// process is asleep in the kernel right now (state 'S' in /proc). A thread
// that has announced it is about to block on a condition variable, and is
// then seen asleep, is inside that wait: no sleep-and-hope needed.
inline pid_t kernel_thread_id() { return static_cast<pid_t>(::syscall(SYS_gettid)); }
// (read(2), not an ifstream: a thread that exits between the open and the
// read makes the read fail with ESRCH, and an ifstream turns that into an
// exception that would fail the test instead of answering "not asleep".)
inline bool asleep_in_kernel(pid_t tid) {
    const std::string path = "/proc/self/task/" + std::to_string(tid) + "/stat";
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char buf[512];
    ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    if (n <= 0) return false;
    std::string_view text(buf, static_cast<std::size_t>(n));
    auto paren = text.rfind(')');  // the thread name may contain spaces: the state follows the last ')'
    return paren != std::string_view::npos && paren + 2 < text.size() && text[paren + 2] == 'S';
}

// A latch you can wait on with a backstop: wait_for() is false if the time
// ran out. The bound is scaled, so a busy machine does not fail the reference.
class Signal {
public:
    void raise() {
        std::lock_guard lock(mutex_);
        raised_ = true;
        cv_.notify_all();
    }
    bool raised() const {
        std::lock_guard lock(mutex_);
        return raised_;
    }
    template <class Rep, class Period>
    bool wait_for(std::chrono::duration<Rep, Period> bound) const {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, core::testing::scaled(bound), [this] { return raised_; });
    }

private:
    mutable std::mutex mutex_;
    mutable std::condition_variable cv_;
    bool raised_ = false;
};

}  // namespace probes
