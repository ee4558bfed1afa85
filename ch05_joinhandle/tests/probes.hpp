// Probes shared by chapter 5's tests: small coroutines, a drop counter, a
// future that blocks inside its poll until the test lets it go, and a check
// for "this throws a clear std::logic_error".
//
// Only core headers here: each test file includes the one piece of the
// chapter it tests, so editing state.hpp does not rebuild the slot's tests.
// Every name a test file defines must be unique across the chapter's test
// files (they may be compiled as one translation unit): shared ones live here.
#pragma once

#include "testing/catch.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/core.hpp"
#include "core/scope_exit.hpp"
#include "core/testing.hpp"

namespace ch05_test {

using namespace std::chrono_literals;
using Counter = std::shared_ptr<std::atomic<int>>;
inline Counter make_counter() { return std::make_shared<std::atomic<int>>(0); }

// Counts its own destruction (a moved-from probe does not count), so a test
// can see when the future that holds it is freed.
class DropProbe {
public:
    explicit DropProbe(Counter drops) : drops_(std::move(drops)) {}
    DropProbe(DropProbe&& other) noexcept : drops_(std::move(other.drops_)) {}
    DropProbe& operator=(DropProbe&&) = delete;
    ~DropProbe() {
        if (drops_) drops_->fetch_add(1);
    }

private:
    Counter drops_;
};

// --- coroutines (free functions, parameters by value) ----------------------
inline core::Async<int> value_of(int v) { co_return v; }
inline core::Async<std::string> string_of(std::string s) { co_return s + "!"; }
inline core::Async<std::unique_ptr<int>> boxed(int v) { co_return std::make_unique<int>(v); }
inline core::Async<void> set_flag(std::shared_ptr<std::atomic<bool>> flag) {
    flag->store(true);
    co_return;
}
inline core::Async<void> set_flag_after(core::testing::Trigger::Future f, std::shared_ptr<std::atomic<bool>> flag) {
    co_await f;
    flag->store(true);
}
inline core::Async<int> sleep_then([[maybe_unused]] DropProbe probe, std::chrono::milliseconds d, int v) {
    co_await core::sleep_for(d);
    co_return v;
}
inline core::Async<int> wait_then(core::testing::Trigger::Future f, int v) {
    co_await f;
    co_return v;
}

// An exception with a field of its own: the join must rethrow this very
// object, not a std::exception sliced from it.
struct CodedError : std::runtime_error {
    CodedError(const std::string& what, int code) : std::runtime_error(what), code(code) {}
    int code;
};

using Latch = core::testing::Latch;  // mutex + condition variable: its wake cannot be lost

// --- a future that blocks inside its first poll ------------------------------
// The test waits for `entered`, does something while the task is running,
// then open()s the gate. The first poll then returns Ready(7) or Pending
// (without arranging a wake); later polls stay Pending.
struct PollGate {
    Latch entered{1};
    Latch go{1};
    std::atomic<bool> opened{false};
    void open() {
        if (!opened.exchange(true)) go.count_down();  // may be called twice
    }
};
// Opens the gate when the test leaves its scope, even through a failed
// REQUIRE, so a worker never stays blocked and ~Runtime can join it.
inline auto open_on_exit(std::shared_ptr<PollGate> gate) {
    return core::ScopeExit([gate = std::move(gate)] { gate->open(); });
}

class BlockingPoll {
public:
    using Output = int;
    BlockingPoll(std::shared_ptr<PollGate> gate, DropProbe probe, bool ready_after)
        : gate_(std::move(gate)), probe_(std::move(probe)), ready_after_(ready_after) {}
    core::Poll<int> poll(core::Context&) {
        if (polled_) return core::Poll<int>::pending();
        polled_ = true;
        gate_->entered.count_down();
        gate_->go.wait();
        return ready_after_ ? core::Poll<int>(7) : core::Poll<int>::pending();
    }

private:
    std::shared_ptr<PollGate> gate_;
    DropProbe probe_;
    bool ready_after_;
    bool polled_ = false;
};

// --- "this is a clear logic error" ---------------------------------------------
// A stub's core::todo also throws a std::logic_error; it is rethrown so the
// test fails with "not implemented yet" instead of passing by accident.
template <class Fn>
std::string logic_error_message(Fn&& fn) {
    try {
        fn();
    } catch (const core::NotImplemented&) {
        throw;
    } catch (const std::logic_error& e) {
        return e.what();
    }
    return "(no exception was thrown)";
}

// A std::thread whose exception is rethrown by join() on the test's thread,
// so a TODO (or a bug) in code run by a helper thread fails the test cleanly
// instead of calling std::terminate.
class CheckedThread {
public:
    template <class Fn>
    explicit CheckedThread(Fn fn)
        : thread_([this, fn = std::move(fn)]() mutable {
              try {
                  fn();
              } catch (...) {
                  error_ = std::current_exception();
              }
          }) {}
    ~CheckedThread() {
        if (thread_.joinable()) thread_.join();
    }
    void join() {
        thread_.join();
        if (error_) std::rethrow_exception(error_);
    }

private:
    std::exception_ptr error_;
    std::thread thread_;  // last: starts after error_ exists
};

// Waits (yielding, not sleeping) until pred() holds or a generous backstop
// (5 s, scaled for slow builds) has passed.
template <class Pred>
bool eventually(Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + core::testing::scaled(5s);
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::yield();
    }
    return true;
}

// How many rounds a race test runs: `full` on a plain build, fewer when the
// run is slowed down (sanitizers, valgrind, a loaded machine), where every
// round starts real threads; never fewer than a tenth.
inline int rounds(int full) {
    int scaled_down = static_cast<int>(full / core::testing::slowdown());
    return scaled_down > full / 10 ? scaled_down : full / 10;
}

// Brings a fresh task state (either version) to `idle`: popped, polled,
// Pending, nobody woke it.
template <class State>
void to_idle(State& s) {
    REQUIRE(s.start_running());
    REQUIRE(s.after_pending() == decltype(s.after_pending())::park);
}

}  // namespace ch05_test
