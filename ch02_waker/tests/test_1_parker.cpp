// Chapter 2: Parker, park() and unpark() with token semantics.
//
// Every park that might block runs on a ch02_test::Helper thread, and the test
// waits for it with a time limit: a parker that loses a token fails the test
// instead of freezing it.
//
// Two races cannot be hit on purpose from outside a parker: an unpark that
// lands while park() has checked the token but not yet gone to sleep, and a
// notify that comes after park() returned and the parker was destroyed. To
// force them open every run, this file hooks the condition variable's calls
// into the C library (pthread_cond_wait / _signal / _broadcast, which
// std::condition_variable uses; the test binary replaces them, see
// tests/infra/wakeups.cpp) and holds a chosen call for a moment, on one
// thread the test arms. ThreadSanitizer needs those calls for itself, so under
// SAN=thread the hooks are left out (and that build finds the same bugs as
// data races instead). The same replacement makes every other wait return at
// once, as a spurious wakeup may: park() must wait in a loop.
#include "testing/catch.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "ch02_waker/parker.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace std::chrono_literals;
using ch02_test::Helper;

// (core/testing.hpp: 0 under ThreadSanitizer, which needs those calls itself)
#define CH02_CONDVAR_HOOKS CORE_TESTING_CONDVAR_HOOKS

namespace ch02_parker_window {

// Armed per thread by a test; each hook disarms itself before doing anything.
thread_local bool hold_next_wait = false;    // hold this thread's next wait, before it sleeps
thread_local bool hold_next_notify = false;  // hold this thread's next notify, before it is sent
thread_local bool count_notifies = false;    // count this thread's notifies

class Control {
public:
    void reset() {
        std::lock_guard lock(mutex_);
        *this->state() = State{};
    }
    // In the hooked wait: say so, then wait (bounded) for release().
    void hold_wait() {
        std::unique_lock lock(mutex_);
        state()->wait_held = true;
        cv_.notify_all();
        cv_.wait_for(lock, core::testing::scaled(2s), [&] { return state()->released; });
    }
    bool wait_for_wait_held(std::chrono::nanoseconds limit, const Helper& parked) {
        return wait_for(limit, [&] { return state()->wait_held; }, parked);
    }
    void release() {
        std::lock_guard lock(mutex_);
        state()->released = true;
        cv_.notify_all();
    }
    void note_notify() {
        std::lock_guard lock(mutex_);
        ++state()->notifies;
        cv_.notify_all();
    }
    int notifies() {
        std::lock_guard lock(mutex_);
        return state()->notifies;
    }
    // In the hooked notify: say so, wait (bounded) for the parker to be
    // declared dead, and tell whether this notify would touch it.
    bool hold_notify(const void* cond) {
        std::unique_lock lock(mutex_);
        state()->notify_held = true;
        cv_.notify_all();
        cv_.wait_for(lock, core::testing::scaled(300ms), [&] { return state()->dead_begin != nullptr; });
        auto* c = static_cast<const char*>(cond);
        bool hit = state()->dead_begin && c >= state()->dead_begin && c < state()->dead_end;
        if (hit) state()->notified_dead = true;
        return hit;
    }
    bool wait_for_notify_held(std::chrono::nanoseconds limit, const Helper& unparker) {
        return wait_for(limit, [&] { return state()->notify_held; }, unparker);
    }
    void declare_dead(const void* begin, std::size_t size) {
        std::lock_guard lock(mutex_);
        state()->dead_begin = static_cast<const char*>(begin);
        state()->dead_end = state()->dead_begin + size;
        cv_.notify_all();
    }
    bool notified_dead() {
        std::lock_guard lock(mutex_);
        return state()->notified_dead;
    }

private:
    struct State {
        bool wait_held = false, released = false, notify_held = false, notified_dead = false;
        int notifies = 0;
        const char* dead_begin = nullptr;
        const char* dead_end = nullptr;
    };
    State* state() { return &state_; }
    // Waits until pred() or the helper finished (a stub threw) or the limit.
    template <class Pred>
    bool wait_for(std::chrono::nanoseconds limit, Pred pred, const Helper& helper) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        std::unique_lock lock(mutex_);
        while (!pred() && !helper.finished() && std::chrono::steady_clock::now() < deadline)
            cv_.wait_for(lock, 1ms);
        return pred();
    }
    std::mutex mutex_;
    std::condition_variable cv_;
    State state_;
};

// Never destroyed: a hook may run on a thread that outlives the test.
inline Control& control() {
    static Control* const c = new Control();
    return *c;
}

// The hooks, called by the test binary's condition-variable calls
// (tests/infra/wakeups.cpp), which keeps the hooks' own waits out of them.
inline void before_wait() {
    if (hold_next_wait) {
        hold_next_wait = false;
        control().hold_wait();  // park() has checked the token and holds its mutex: the window
    }
}
// Returns true when the notify must be dropped (it would touch a destroyed
// parker: the test has recorded it).
inline bool before_notify(const void* cond) {
    if (count_notifies) control().note_notify();
    if (!hold_next_notify) return false;
    hold_next_notify = false;
    return control().hold_notify(cond);
}
[[maybe_unused]] const bool hooks_installed = [] {
    core::testing::detail::set_condvar_hooks({&before_wait, &before_notify});
    return true;
}();

}  // namespace ch02_parker_window


TEST_CASE("an unpark before park is not lost: park returns at once", "[ch02][parker]") {
    auto parker = std::make_shared<ch02::Parker>();
    parker->unpark();  // nobody is parked yet: the token must wait
    Helper h([parker] {
        // Real waits only: an injected spurious wakeup would hide a lost unpark.
        core::testing::NoSpuriousWakeupsHere real_waits;
        parker->park();
    });
    INFO("park() after unpark() must find the token and return; it blocked instead (lost unpark?)");
    CHECK(h.finished_within(2000ms));
}

TEST_CASE("an unpark that lands after park() checked the token, before it sleeps, is not lost",
          "[ch02][parker][race]") {
    core::testing::hang_hint(
        "park() is asleep although unpark() ran: set the token and notify while holding the parker's mutex "
        "(see book/ch02_waker.md, 'Notify under the lock, or after it?')");
    auto& window = ch02_parker_window::control();
    window.reset();
    auto parker = std::make_shared<ch02::Parker>();
    Helper parked([parker] {
        ch02_parker_window::hold_next_wait = true;  // stop inside park(), between its check and its sleep
        parker->park();
        ch02_parker_window::hold_next_wait = false;
    });
    if (CH02_CONDVAR_HOOKS && !window.wait_for_wait_held(core::testing::scaled(2s), parked)) {
        INFO("park() returned (or threw) with no unpark at all, or never waited on a std::condition_variable");
        REQUIRE(parked.finished_within(2000ms));  // rethrows what park() threw
        FAIL("park() returned although nobody called unpark()");
    }
    Helper unparker([parker] {
        ch02_parker_window::count_notifies = true;
        parker->unpark();
    });
    // Keep the window open until the unpark has done all it can without the
    // parker's mutex: finished, or notified. A correct unpark needs the mutex
    // first, so it does neither, and the window closes after a short while.
    ch02_test::wait_until([&] { return unparker.finished() || window.notifies() > 0; },
                          std::chrono::duration_cast<std::chrono::milliseconds>(core::testing::scaled(300ms)));
    window.release();
    INFO("unpark() ran while park() was between its check of the token and its sleep, and park() slept on: "
         "a lost unpark. The token must be set, and the notify sent, while holding the mutex park() checks under");
    CHECK(parked.finished_within(2000ms));
    CHECK(unparker.finished_within(2000ms));
}

TEST_CASE("a spurious wakeup of the condition variable does not make park() return without a token",
          "[ch02][parker]") {
    // The test binary makes the first wait of every thread return at once,
    // as POSIX allows a condition variable to (tests/infra/wakeups.cpp).
    auto parker = std::make_shared<ch02::Parker>();
    Helper h([parker] { parker->park(); });
    std::this_thread::sleep_for(50ms);  // a park that returns on the spurious wakeup has returned by now
    INFO("park() returned although nobody called unpark(): its condition variable woke spuriously (the "
         "tests inject such wakeups, as POSIX allows) and park() took that for an unpark. Wait in a loop "
         "that checks the token: `while (!token_) cv_.wait(lock);` or `cv_.wait(lock, pred)`");
    CHECK_FALSE(h.finished());
    parker->unpark();
    CHECK(h.finished_within(2000ms));
}

TEST_CASE("two unparks before a park make one token: the second park blocks", "[ch02][parker][race]") {
    auto parker = std::make_shared<ch02::Parker>();
    parker->unpark();
    parker->unpark();
    auto returned = std::make_shared<std::atomic<int>>(0);
    Helper h([parker, returned] {
        parker->park();
        returned->fetch_add(1);
        parker->park();
        returned->fetch_add(1);
    });
    INFO("the first park() must consume the token left by the unparks and return");
    REQUIRE(ch02_test::wait_until([&] { return *returned >= 1; }));
    std::this_thread::sleep_for(100ms);  // give a wrong parker time to let the second park through
    INFO("the second park() returned without a new unpark: unparks must not add up (a bool, not a counter)");
    CHECK(*returned == 1);
    parker->unpark();
    INFO("the unpark() after the second park() began must wake it");
    INFO("it may not slip between its check of the token and its sleep: set the token, then notify, "
         "both under the lock");
    CHECK(h.finished_within(2000ms));
    CHECK(*returned == 2);
}

TEST_CASE("unpark wakes a thread that is already parked", "[ch02][parker][race]") {
    auto parker = std::make_shared<ch02::Parker>();
    auto started = std::make_shared<ch02_test::Latch>(1);
    Helper h([parker, started] {
        started->count_down();
        parker->park();
    });
    started->wait();
    std::this_thread::sleep_for(20ms);  // most likely parked by now (either order must work)
    CHECK_FALSE(h.finished());
    parker->unpark();
    INFO("unpark() must notify the condition variable the parked thread waits on");
    INFO("and may not slip between its check of the token and its sleep: set the token, then notify, "
         "both under the lock");
    CHECK(h.finished_within(2000ms));
}

TEST_CASE("unpark() does not touch the parker after the lock is released (park may have returned and destroyed it)",
          "[ch02][parker][race]") {
    core::testing::hang_hint("park() must return once the token is there");
    auto& window = ch02_parker_window::control();
    window.reset();
    auto storage = std::make_shared<std::optional<ch02::Parker>>(std::in_place);
    Helper unparker([storage] {
        ch02_parker_window::hold_next_notify = true;  // hold unpark()'s notify just before it is sent
        (*storage)->unpark();
        ch02_parker_window::hold_next_notify = false;
    });
    window.wait_for_notify_held(core::testing::scaled(2s), unparker);
    // The token is set. A park() now returns as soon as it can take the mutex;
    // then the parker dies, as block_on's does when block_on returns.
    (*storage)->park();
    const void* address = &**storage;
    storage->reset();
    window.declare_dead(address, sizeof(ch02::Parker));
    REQUIRE(unparker.finished_within(2000ms));
    INFO("unpark() notified the condition variable after releasing the mutex, when park() had already returned "
         "and the Parker was destroyed: a use after free. Notify while holding the lock "
         "(see book/ch02_waker.md, 'Notify under the lock, or after it?')");
    CHECK_FALSE(window.notified_dead());
}

TEST_CASE("park and unpark ping-pong 3000 times between two threads without losing a wake", "[ch02][parker][race]") {
    constexpr int rounds = 3000;
    auto ping = std::make_shared<ch02::Parker>();
    auto pong = std::make_shared<ch02::Parker>();
    Helper a([ping, pong](const std::atomic<bool>& stop) {
        for (int i = 0; i < rounds && !stop; ++i) {
            ping->unpark();
            pong->park();
        }
    });
    Helper b([ping, pong](const std::atomic<bool>& stop) {
        for (int i = 0; i < rounds && !stop; ++i) {
            ping->park();
            pong->unpark();
        }
    });
    INFO("one side is stuck in park(): an unpark() was lost (token set without the lock? notify before the set?)");
    CHECK(a.finished_within(8000ms));
    CHECK(b.finished_within(2000ms));
}

TEST_CASE("unparks from 8 threads at once leave one token, not many", "[ch02][parker][race]") {
    constexpr int threads = 8, unparks_each = 1000;
    auto parker = std::make_shared<ch02::Parker>();
    auto start = std::make_shared<ch02_test::Latch>(threads);
    {
        std::vector<std::unique_ptr<Helper>> unparkers;
        for (int t = 0; t < threads; ++t) {
            unparkers.push_back(std::make_unique<Helper>([parker, start] {
                start->arrive_and_wait();  // all start together: maximum contention
                for (int i = 0; i < unparks_each; ++i) parker->unpark();
            }));
        }
        for (auto& u : unparkers) REQUIRE(u->finished_within(5000ms));
    }
    auto returned = std::make_shared<std::atomic<int>>(0);
    Helper h([parker, returned] {
        parker->park();
        returned->fetch_add(1);
        parker->park();
        returned->fetch_add(1);
    });
    INFO("8000 unparks happened before this park: it must return at once");
    REQUIRE(ch02_test::wait_until([&] { return *returned >= 1; }));
    std::this_thread::sleep_for(100ms);
    INFO("the second park() returned: the 8000 unparks were counted, not collapsed into one token");
    CHECK(*returned == 1);
    parker->unpark();
    CHECK(h.finished_within(2000ms));
}
