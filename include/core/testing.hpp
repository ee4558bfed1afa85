// core/testing.hpp: probes the tests of every chapter share.
//
// Contract (each probe is thread-safe unless it says otherwise):
// - WakeCounter / CountingWaker: a waker that counts its wakes, and how many
//   copies of it are alive (so a test can see a waker that leaked or was
//   never cloned).
// - CountingFuture: Pending a given number of times (waking itself each time
//   unless told not to), then Ready. Its shared PollStats count polls, drops,
//   and polls that overlapped on two threads (must stay 0).
// - Trigger: a future completed by `fire()` from any thread; it wakes the
//   waker of the latest poll.
// - Latch: std::latch's interface on a mutex and a condition variable. Tests
//   use it instead of std::latch: libstdc++ 12 builds std::latch on its
//   atomic-wait machinery, which has lost-wakeup bugs (the family of GCC bug
//   104928), and a probe must never be the thing that hangs.
// - thread_cpu_time(): CPU time of the calling thread, for "did it spin?".
// - slowdown() / scaled(d): how much slower than a plain build this run is
//   (EXECUTOR_TEST_SLOWDOWN, set by the scripts: sanitizers, valgrind, a
//   loaded machine). A test that must bound a time uses scaled(bound), so
//   one knob keeps a busy machine from failing the reference.
// - hang_hint("..."): what the watchdog should say if this test hangs.
//   The watchdog (in the test main) fails any test case that runs longer
//   than WATCHDOG_SECONDS (default 10) with the test's name and that hint.
// - live_tasks() (core/live_tasks.hpp): task objects alive in the process;
//   the test main fails a passing test case that leaves more than it found.
//
// Rust counterpart: the futures-test crate (counting wakers, pending-once
// futures, assertions about polls).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "core/live_tasks.hpp"
#include "core/poll.hpp"
#include "core/waker.hpp"

namespace core::testing {

class WakeCounter : public Wake {
public:
    void wake() override { wakes_.fetch_add(1, std::memory_order_relaxed); }
    int wakes() const { return wakes_.load(std::memory_order_relaxed); }

private:
    std::atomic<int> wakes_{0};
};

class CountingWaker {
public:
    CountingWaker() : counter_(std::make_shared<WakeCounter>()), waker_(Waker::from(counter_)) {}
    const Waker& waker() const { return waker_; }
    int wakes() const { return counter_->wakes(); }
    // Wakers made from this probe that are still alive, this one's included.
    long live_wakers() const { return counter_.use_count() - 1; }

private:
    std::shared_ptr<WakeCounter> counter_;
    Waker waker_;
};

struct PollStats {
    std::atomic<int> polls{0};
    std::atomic<int> inside{0};        // threads inside poll() right now
    std::atomic<int> overlaps{0};      // polls that found another poll running
    std::atomic<int> completions{0};   // times poll() returned Ready
    std::atomic<int> destroyed{0};     // live futures destroyed (not moved-from)
};

class CountingFuture {
public:
    using Output = void;
    explicit CountingFuture(int pending_polls, bool wake_self = true)
        : stats_(std::make_shared<PollStats>()), pending_left_(pending_polls), wake_self_(wake_self) {}
    CountingFuture(CountingFuture&& o) noexcept
        : stats_(std::move(o.stats_)), pending_left_(o.pending_left_), wake_self_(o.wake_self_) {}
    CountingFuture& operator=(CountingFuture&&) = delete;
    ~CountingFuture() {
        if (stats_) stats_->destroyed.fetch_add(1);
    }

    std::shared_ptr<PollStats> stats() const { return stats_; }

    Poll<void> poll(Context& cx) {
        if (stats_->inside.fetch_add(1) != 0) stats_->overlaps.fetch_add(1);
        stats_->polls.fetch_add(1);
        bool ready = pending_left_ == 0;
        if (!ready) {
            --pending_left_;
            if (wake_self_) cx.waker().wake();
        } else {
            stats_->completions.fetch_add(1);
        }
        stats_->inside.fetch_sub(1);
        return ready ? Poll<void>::ready() : Poll<void>::pending();
    }

private:
    std::shared_ptr<PollStats> stats_;
    int pending_left_;
    bool wake_self_;
};

class Trigger {
    struct State {
        std::mutex mutex;
        bool fired = false;
        Waker waker;
        int polls = 0;
    };

public:
    class Future {
    public:
        using Output = void;
        explicit Future(std::shared_ptr<State> s) : state_(std::move(s)) {}
        Poll<void> poll(Context& cx) {
            std::lock_guard lock(state_->mutex);
            ++state_->polls;
            if (state_->fired) return Poll<void>::ready();
            state_->waker = cx.waker();  // always the latest poll's waker
            return Poll<void>::pending();
        }

    private:
        std::shared_ptr<State> state_;
    };

    Future future() const { return Future(state_); }
    void fire() const {
        Waker waker;
        {
            std::lock_guard lock(state_->mutex);
            state_->fired = true;
            waker = std::move(state_->waker);
        }
        waker.wake();  // outside the lock: the wake may poll us right away
    }
    int polls() const {
        std::lock_guard lock(state_->mutex);
        return state_->polls;
    }

private:
    std::shared_ptr<State> state_ = std::make_shared<State>();
};

class Latch {
public:
    explicit Latch(std::ptrdiff_t count) : count_(count) {}
    Latch(const Latch&) = delete;
    Latch& operator=(const Latch&) = delete;

    void count_down(std::ptrdiff_t n = 1) {
        std::lock_guard lock(mutex_);
        count_ -= n;
        if (count_ <= 0) cv_.notify_all();
    }
    bool try_wait() const {
        std::lock_guard lock(mutex_);
        return count_ <= 0;
    }
    void wait() const {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return count_ <= 0; });
    }
    void arrive_and_wait(std::ptrdiff_t n = 1) {
        count_down(n);
        wait();
    }

private:
    mutable std::mutex mutex_;
    mutable std::condition_variable cv_;
    std::ptrdiff_t count_;
};

inline std::chrono::nanoseconds thread_cpu_time() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

// --- time bounds under load ----------------------------------------------
// The one place a test's time bound learns how slow this run is. Tests assert
// behaviour; a bound on time is only a generous backstop, and it scales.
inline double slowdown() {
    static const double factor = [] {
        const char* env = std::getenv("EXECUTOR_TEST_SLOWDOWN");
        double f = env ? std::atof(env) : 1.0;
        return f >= 1.0 ? f : 1.0;
    }();
    return factor;
}

template <class Rep, class Period>
auto scaled(std::chrono::duration<Rep, Period> bound) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(bound * slowdown());
}

// --- watchdog hint ------------------------------------------------------
// --- condition variables under test (tests/infra/wakeups.cpp) -------------
// Every test binary replaces the C library's condition-variable calls, which
// std::condition_variable uses, with its own: every other wait of each thread
// returns at once, as a spurious wakeup may, so a wait without a loop around
// its condition fails; and a test may hook waits and notifies to hold a race
// window open. ThreadSanitizer needs those calls for itself: in a TSan build
// nothing is replaced (CORE_TESTING_CONDVAR_HOOKS is 0). Defined in the test
// binaries only.
#if defined(__SANITIZE_THREAD__)
#define CORE_TESTING_CONDVAR_HOOKS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)  // (clang; g++ 12 has no __has_feature)
#define CORE_TESTING_CONDVAR_HOOKS 0
#endif
#endif
#ifndef CORE_TESTING_CONDVAR_HOOKS
#define CORE_TESTING_CONDVAR_HOOKS 1
#endif

// EINTR on demand (tests/infra/eintr.cpp): the next read(2), or accept4(2),
// on `fd`, from any thread, fails once with EINTR, as a signal that
// interrupts it does (a non-blocking call never sleeps, so a real signal
// cannot reach it). Off (arms nothing) under ThreadSanitizer.
void fail_next_read_with_eintr(int fd);
void fail_next_accept_with_eintr(int fd);
long eintr_injected();  // so far, in this process

long spurious_wakeups_injected();  // so far, in this process
bool spurious_wakeups_enabled();   // false under TSan and with EXECUTOR_SPURIOUS_WAKEUPS=0
// Turns the injection off on this thread while it lives (a test that holds a
// race window open needs the waits it aims at to be real ones).
class NoSpuriousWakeupsHere {
public:
    NoSpuriousWakeupsHere();
    ~NoSpuriousWakeupsHere();
    NoSpuriousWakeupsHere(const NoSpuriousWakeupsHere&) = delete;
    NoSpuriousWakeupsHere& operator=(const NoSpuriousWakeupsHere&) = delete;

private:
    bool was_;
};
namespace detail {
// A test's hooks: before_wait runs before a real wait sleeps (the mutex is
// held); before_notify runs before a signal or broadcast and returns true to
// drop it. Set once, before the threads that use them start.
struct CondvarHooks {
    void (*before_wait)() = nullptr;
    bool (*before_notify)(const void* cond) = nullptr;
};
void set_condvar_hooks(CondvarHooks hooks);
}  // namespace detail

namespace detail {
struct HangHint {
    std::mutex mutex;
    std::string text;
};
inline HangHint& hang_hint_slot() {
    static HangHint slot;
    return slot;
}
}  // namespace detail

// Tell the watchdog what usually causes a hang in the current test case.
inline void hang_hint(std::string text) {
    auto& slot = detail::hang_hint_slot();
    std::lock_guard lock(slot.mutex);
    slot.text = std::move(text);
}

}  // namespace core::testing
