// Probes for the chapter 3 tests: small futures whose polls and wakes a test
// can count and steer, stand-ins for the queue's tests, and the instrumented
// `queued` flag. Plain classes with constructors (no aggregates inside
// co_await: g++ 12 mishandles those).
//
// Every test file includes this header BEFORE the chapter's headers: it
// defines CH03_QUEUED_FLAG, which task.hpp reads to pick the flag's type, and
// all test files must agree on it (they may be compiled as one program).
#pragma once

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/core.hpp"
#include "core/testing.hpp"

namespace ch03 {
class Task;  // the queue's tests only need the name
}

namespace probes {

using namespace std::chrono_literals;

// How many times slower than a plain build this run is: the scripts' factor
// (EXECUTOR_TEST_SLOWDOWN, core::testing::slowdown), and at least 10 under a
// sanitizer, 30 under valgrind. Only upper bounds on time are multiplied by it.
inline double slowdown() {
    double factor = core::testing::slowdown();
    double floor = 1;
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
    floor = 10;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
    floor = 10;
#endif
#endif
    if (const char* preload = std::getenv("LD_PRELOAD"); preload && std::strstr(preload, "vgpreload"))
        floor = 30;  // running under valgrind
    return factor > floor ? factor : floor;
}

// ---- the instrumented `queued` flag ----------------------------------------

// One planned stop: the thread that armed it stops right after its next
// access to a PausableFlag, until the test releases it.
class FlagPause {
public:
    // Arms the stop for the calling thread (one access, then disarmed).
    void arm_this_thread() { armed() = this; }
    // Called by the armed thread once it is past the code under test, so a
    // test waiting in wait_reached() never waits for an access that never came.
    void disarm_this_thread() {
        if (armed() == this) armed() = nullptr;
        reached_.count_down();
    }
    void wait_reached() const { reached_.wait(); }  // the armed thread stopped (or is done)
    void release() { release_.count_down(); }
    bool stopped() const { return stopped_.load(); }  // did it stop inside an access?

    static FlagPause*& armed() {
        thread_local FlagPause* pause = nullptr;
        return pause;
    }
    void stop_here() {
        stopped_ = true;
        reached_.count_down();
        release_.wait();
    }

private:
    core::testing::Latch reached_{1}, release_{1};
    std::atomic<bool> stopped_{false};
};

// A std::atomic<bool> with the same members a Task may use on its flag
// (load, store, exchange, compare_exchange_*, =, conversion to bool). After
// each access it checks whether the calling thread armed a FlagPause, and if
// so stops there: the test gets to run another thread between this access
// and the next one. With no pause armed it is a plain atomic.
class PausableFlag {
    using mo = std::memory_order;

public:
    constexpr PausableFlag(bool v) noexcept : value_(v) {}  // NOLINT: `QueuedFlag queued{true}`
    PausableFlag(const PausableFlag&) = delete;
    PausableFlag& operator=(const PausableFlag&) = delete;

    bool load(mo order = std::memory_order_seq_cst) const noexcept { return after(value_.load(order)); }
    void store(bool v, mo order = std::memory_order_seq_cst) noexcept {
        value_.store(v, order);
        after(v);
    }
    bool exchange(bool v, mo order = std::memory_order_seq_cst) noexcept { return after(value_.exchange(v, order)); }
    bool compare_exchange_strong(bool& expected, bool desired, mo order = std::memory_order_seq_cst) noexcept {
        return after(value_.compare_exchange_strong(expected, desired, order));
    }
    bool compare_exchange_strong(bool& expected, bool desired, mo success, mo failure) noexcept {
        return after(value_.compare_exchange_strong(expected, desired, success, failure));
    }
    bool compare_exchange_weak(bool& expected, bool desired, mo order = std::memory_order_seq_cst) noexcept {
        return after(value_.compare_exchange_weak(expected, desired, order));
    }
    bool compare_exchange_weak(bool& expected, bool desired, mo success, mo failure) noexcept {
        return after(value_.compare_exchange_weak(expected, desired, success, failure));
    }
    operator bool() const noexcept { return load(); }  // NOLINT: as std::atomic<bool>
    bool operator=(bool v) noexcept {
        store(v);
        return v;
    }

private:
    static bool after(bool result) noexcept {
        if (FlagPause* pause = std::exchange(FlagPause::armed(), nullptr)) pause->stop_here();
        return result;
    }
    std::atomic<bool> value_;
};

// ---- futures a test steers ---------------------------------------------

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

// Counts a latch down when it is destroyed (a moved-from one does nothing):
// a coroutine that takes it by value tells the test when its frame is freed.
class CountDownOnDrop {
public:
    explicit CountDownOnDrop(std::shared_ptr<core::testing::Latch> l) : latch_(std::move(l)) {}
    CountDownOnDrop(CountDownOnDrop&& o) noexcept : latch_(std::move(o.latch_)) {}
    CountDownOnDrop& operator=(CountDownOnDrop&&) = delete;
    ~CountDownOnDrop() {
        if (latch_) latch_->count_down();
    }

private:
    std::shared_ptr<core::testing::Latch> latch_;
};

// Opens a one-shot latch unless that already happened: run from a
// core::ScopeExit, it keeps a test that fails early from leaving a helper
// thread waiting forever (its join would hang).
inline void open_latch(core::testing::Latch& latch) {
    if (!latch.try_wait()) latch.count_down();
}

// ---- for the queue's own tests -----------------------------------------

// The ready queue only moves shared_ptr<Task>s around; it never looks inside
// one. So its tests push stand-ins: a shared_ptr<Task> that owns `marker`
// and carries its address. It is compared, or turned back into the int* it
// came from; never used as a Task.
inline std::shared_ptr<ch03::Task> stand_in(const std::shared_ptr<int>& marker) {
    return std::shared_ptr<ch03::Task>(marker, reinterpret_cast<ch03::Task*>(marker.get()));
}

// The kernel's thread id of the calling thread (for thread_is_asleep).
inline long this_thread_tid() { return static_cast<long>(::syscall(SYS_gettid)); }

// True when the thread `tid` of this process is asleep in the kernel (state
// S: a futex wait, such as a condition variable's). Linux's /proc; false if
// it cannot tell.
inline bool thread_is_asleep(long tid) {
    std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
    std::string line((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto paren = line.rfind(')');  // the name may contain spaces; the state follows ") "
    return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'S';
}

// Waits until thread `tid` is asleep, or `backstop` has passed (then the
// caller goes on anyway: the test still passes or fails on what it checks).
inline void wait_until_asleep(long tid, std::chrono::nanoseconds backstop, std::stop_token stop = {}) {
    auto give_up = std::chrono::steady_clock::now() + backstop;
    while (!thread_is_asleep(tid) && !stop.stop_requested() && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(1ms);
}

// Appends to a log shared by the tasks of one test (executor thread only).
using Log = std::shared_ptr<std::vector<std::string>>;
inline Log make_log() { return std::make_shared<std::vector<std::string>>(); }

}  // namespace probes

// task.hpp reads this: every test of the chapter uses the instrumented flag.
#define CH03_QUEUED_FLAG ::probes::PausableFlag
