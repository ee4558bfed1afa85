// Probes for the chapter 3 tests: small futures whose polls and wakes a test
// can count and steer. Plain classes with constructors (no aggregates inside
// co_await: g++ 12 mishandles those).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/core.hpp"
#include "core/testing.hpp"

namespace probes {

using namespace std::chrono_literals;

// How many times slower than a plain build this run is: sanitizers cost
// 5-15x, valgrind ~30x. Only the upper bounds that catch "too slow" are
// multiplied by it; a plain build checks exactly what it always did.
inline double slowdown() {
    double factor = 1;
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
    factor = 10;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
    factor = 10;
#endif
#endif
    if (const char* preload = std::getenv("LD_PRELOAD"); preload && std::strstr(preload, "vgpreload"))
        factor = 30;  // running under valgrind
    return factor;
}

// A future that stays Pending until open() is called. It keeps the waker of
// its latest poll (so a test can wake it at will), counts its polls, and
// notes when it is destroyed.
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
            if (state_->open) return core::Poll<void>::ready();
            state_->waker = cx.waker();
            return core::Poll<void>::pending();
        }

    private:
        std::shared_ptr<State> state_;
    };

    Future future() const { return Future(state_); }
    core::Waker waker() const {
        std::lock_guard lock(state_->mutex);
        return state_->waker;
    }
    void wake() const { waker().wake(); }
    // Opens the gate; with_wake=false leaves the waking to someone else.
    void open(bool with_wake = true) const {
        core::Waker w;
        {
            std::lock_guard lock(state_->mutex);
            state_->open = true;
            w = state_->waker;
        }
        if (with_wake) w.wake();
    }
    // Forgets the stored waker (as a timer does once it has fired).
    void drop_waker() const {
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

// A future whose poll blocks the polling thread until a latch opens: it
// holds the executor still while other threads do something.
class HoldPoll {
public:
    using Output = void;
    HoldPoll(std::shared_ptr<core::testing::Latch> entered, std::shared_ptr<core::testing::Latch> release)
        : entered_(std::move(entered)), release_(std::move(release)) {}
    core::Poll<void> poll(core::Context&) {
        entered_->count_down();
        release_->wait();
        return core::Poll<void>::ready();
    }

private:
    std::shared_ptr<core::testing::Latch> entered_, release_;
};

// Pending on its first poll *without* waking itself: it keeps the waker and
// the poll blocks until some other thread has used it. Ready on the second poll.
class WokenDuringPoll {
public:
    struct State {
        core::Waker waker;
        core::testing::Latch inside{1}, woken{1};
        std::atomic<int> polls{0};
    };
    using Output = void;
    explicit WokenDuringPoll(std::shared_ptr<State> s) : state_(std::move(s)) {}
    core::Poll<void> poll(core::Context& cx) {
        if (state_->polls.fetch_add(1) > 0) return core::Poll<void>::ready();
        state_->waker = cx.waker();
        state_->inside.count_down();  // "I am inside my poll"
        state_->woken.wait();         // someone wakes me before I return
        return core::Poll<void>::pending();
    }

private:
    std::shared_ptr<State> state_;
};

// Counts a one-shot latch down when the test leaves the scope, unless that
// already happened: a test that fails early must not leave a helper thread
// waiting forever (its join would hang).
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

// Appends to a log shared by the tasks of one test (executor thread only).
using Log = std::shared_ptr<std::vector<std::string>>;
inline Log make_log() { return std::make_shared<std::vector<std::string>>(); }

}  // namespace probes
