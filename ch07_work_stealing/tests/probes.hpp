// Probes shared by chapter 7's tests (the ones pieces 1-2 need, which must
// not pull in the runtime, are in light_probes.hpp): small coroutines, a drop counter, a
// future that blocks inside its poll until the test lets it go, and a check
// for "this throws a clear std::logic_error".
#pragma once

#include "testing/catch.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ch07_work_stealing/executor.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "light_probes.hpp"

namespace ch07_test {

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
inline core::Async<int> sleep_then([[maybe_unused]] DropProbe probe, std::chrono::milliseconds d, int v) {
    co_await core::sleep_for(d);
    co_return v;
}
inline core::Async<int> wait_then(core::testing::Trigger::Future f, int v) {
    co_await f;
    co_return v;
}
inline core::Async<long> sum_handles(std::vector<ch07::JoinHandle<int>> handles) {
    long sum = 0;
    for (auto& h : handles) sum += co_await h;
    co_return sum;
}

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
struct OpenOnExit {
    std::shared_ptr<PollGate> gate;
    ~OpenOnExit() { gate->open(); }
};

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

// --- a future that pends forever and hands its waker out ----------------------
// Its first poll keeps a copy of the waker where the test can take it (one
// counted reference on the task), then sets `polled`. A test that moves the
// waker out and wakes it by value (wake_and_release) gives that reference away.
class KeepsWakerPending {
public:
    using Output = void;
    KeepsWakerPending(std::shared_ptr<core::Waker> slot, std::shared_ptr<std::atomic<bool>> polled, DropProbe probe)
        : slot_(std::move(slot)), polled_(std::move(polled)), probe_(std::move(probe)) {}
    core::Poll<void> poll(core::Context& cx) {
        if (!polled_->load()) {
            *slot_ = cx.waker();
            polled_->store(true);
        }
        return core::Poll<void>::pending();
    }

private:
    std::shared_ptr<core::Waker> slot_;
    std::shared_ptr<std::atomic<bool>> polled_;
    DropProbe probe_;
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

// Waits (yielding, not sleeping) until pred() holds or a generous bound
// passes (5 s, scaled for load, sanitizers and valgrind).
template <class Pred>
bool eventually(Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + core::testing::scaled(5s);
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::yield();
    }
    return true;
}

// Captures what this process writes to stderr (file descriptor 2) while it
// lives, so a test can check what the runtime reported.
class StderrCapture {
public:
    StderrCapture() : file_(std::tmpfile()), saved_(dup(2)) {
        std::fflush(stderr);
        dup2(fileno(file_), 2);
    }
    ~StderrCapture() {
        restore();
        std::fclose(file_);
    }
    StderrCapture(const StderrCapture&) = delete;
    StderrCapture& operator=(const StderrCapture&) = delete;
    std::string text() {
        restore();
        std::string out;
        std::rewind(file_);
        char buf[512];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0) out.append(buf, n);
        return out;
    }

private:
    void restore() {
        if (saved_ < 0) return;
        std::fflush(stderr);
        dup2(saved_, 2);
        close(saved_);
        saved_ = -1;
    }
    std::FILE* file_;
    int saved_;
};

// How many times `needle` occurs in `text`.
inline int occurrences(const std::string& text, const std::string& needle) {
    int n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
    return n;
}

// Runs on the runtime until its body says stop: a task that is Pending once
// per call and wakes itself, for tests that need tasks to stay busy.
class Spin {
public:
    using Output = void;
    explicit Spin(std::shared_ptr<std::atomic<bool>> stop) : stop_(std::move(stop)) {}
    core::Poll<void> poll(core::Context& cx) {
        if (stop_->load()) return core::Poll<void>::ready();
        cx.waker().wake();
        return core::Poll<void>::pending();
    }

private:
    std::shared_ptr<std::atomic<bool>> stop_;
};

// Every test file of this binary must see the same runtime: a file compiled
// against an older version of a header (an object left behind by a build that
// overlapped an edit) gives Shared another layout there, and the inline
// functions the linker keeps from it then reach the wrong members (once:
// Timer::add on a Shared whose Idle had grown by 8 bytes). Each file records
// the sizes it was compiled with, at start-up; the first file that disagrees
// stops the binary with a message, before any test runs on a mixed runtime.
struct LayoutView {
    const char* file;
    std::size_t shared, worker, idle, timer, inject, live, local_queue, header, timer_entry, sleep;
    bool operator==(const LayoutView& o) const {
        return shared == o.shared && worker == o.worker && idle == o.idle && timer == o.timer &&
               inject == o.inject && live == o.live && local_queue == o.local_queue && header == o.header &&
               timer_entry == o.timer_entry && sleep == o.sleep;
    }
};

inline bool register_layout(const LayoutView& view) {
    static const LayoutView first = view;
    if (view == first) return true;
    std::fprintf(stderr,
                 "\n*** ch07 tests: %s and %s were compiled against different versions of the ch07 headers\n"
                 "    (sizeof Shared %zu vs %zu, Idle %zu vs %zu, Timer %zu vs %zu): a stale object file.\n"
                 "    Every result would be meaningless. Delete the build directory (make clean) and rebuild.\n",
                 first.file, view.file, first.shared, view.shared, first.idle, view.idle, first.timer, view.timer);
    std::abort();
}

namespace {
[[maybe_unused]] const bool layout_registered = register_layout(
    {__BASE_FILE__, sizeof(ch07::Shared), sizeof(ch07::Worker), sizeof(ch07::Idle), sizeof(ch07::Timer),
     sizeof(ch07::InjectQueue), sizeof(ch07::LiveTasks), sizeof(ch07::LocalQueue), sizeof(ch07::Header),
     sizeof(ch07::TimerEntry), sizeof(ch07::Sleep)});
}  // namespace

}  // namespace ch07_test
