// Probes the chapter 2 tests share (test code, not part of the exercise).
#pragma once

#include <dirent.h>

#include <atomic>
#include <chrono>
#include <concepts>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "core/core.hpp"
#include "core/testing.hpp"

namespace ch02_test {

using namespace std::chrono_literals;

// Ready on its first poll with the value it was made with.
template <class T>
class Ready {
public:
    using Output = T;
    explicit Ready(T value) : value_(std::move(value)) {}
    core::Poll<T> poll(core::Context&) { return core::Poll<T>::ready(std::move(value_)); }

private:
    T value_;
};

// Wraps a future and counts its polls in a shared counter that outlives it.
template <core::Future F>
class Counted {
public:
    using Output = core::OutputOf<F>;
    Counted(F inner, std::shared_ptr<std::atomic<int>> polls) : inner_(std::move(inner)), polls_(std::move(polls)) {}
    core::Poll<Output> poll(core::Context& cx) {
        polls_->fetch_add(1);
        return inner_.poll(cx);
    }

private:
    F inner_;
    std::shared_ptr<std::atomic<int>> polls_;
};

// Pending (waking itself) `pending` times, then throws std::runtime_error.
class ThrowsAfter {
public:
    using Output = int;
    ThrowsAfter(int pending, std::string message) : pending_(pending), message_(std::move(message)) {}
    core::Poll<int> poll(core::Context& cx) {
        if (pending_ > 0) {
            --pending_;
            cx.waker().wake();
            return core::Poll<int>::pending();
        }
        throw std::runtime_error(message_);
    }

private:
    int pending_;
    std::string message_;
};

// The tests' hand-offs use core::testing::Latch (a mutex and a condition
// variable), not std::latch: libstdc++ 12 builds std::latch on its atomic
// wait machinery, which has lost-wakeup bugs. It does not spin or yield
// either: on a loaded machine a yield can hand the core away for a whole time
// slice, and a thousand rounds of that look like a hang.
using Latch = core::testing::Latch;

// Wakes `waker` on a test's helper thread. An exception there (a stub's
// core::todo in unpark) would end the whole program, so it is swallowed: the
// test's own thread meets the same stub and fails cleanly.
inline void wake_from_helper(const core::Waker& waker) noexcept {
    try {
        waker.wake();
    } catch (...) {
    }
}

// Waits (yielding) until pred() holds or `limit` passes; returns pred().
template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds limit = 2000ms) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) return pred();
        std::this_thread::sleep_for(100us);
    }
    return true;
}

// A helper thread that can never hang or crash the test:
// - an exception thrown on it is kept and rethrown on the test's thread by
//   finished_within(), so a stub's core::todo fails the test cleanly;
// - fn may take a `const std::atomic<bool>& stop`, set when the Helper is
//   destroyed (the test is over: stop waiting);
// - if it is still stuck when the Helper is destroyed (a park that never
//   returns), it is detached rather than joined, so the test fails instead of
//   freezing. Everything fn touches must therefore be owned by fn (shared_ptr
//   captures), never a reference to the test's locals.
class Helper {
    struct Shared {
        std::atomic<bool> done{false};
        std::atomic<bool> stop{false};
        std::exception_ptr error;  // written before done (release), read after (acquire)
    };

public:
    template <class Fn>
    explicit Helper(Fn fn) : shared_(std::make_shared<Shared>()) {
        thread_ = std::thread([fn = std::move(fn), shared = shared_]() mutable {
            try {
                if constexpr (std::invocable<Fn&, const std::atomic<bool>&>) {
                    fn(shared->stop);
                } else {
                    fn();
                }
            } catch (...) {
                shared->error = std::current_exception();
            }
            shared->done.store(true, std::memory_order_release);
        });
    }
    Helper(const Helper&) = delete;
    Helper& operator=(const Helper&) = delete;

    bool finished() const { return shared_->done.load(std::memory_order_acquire); }

    // True if fn returned within `limit`; rethrows what fn threw.
    bool finished_within(std::chrono::milliseconds limit = 2000ms) {
        bool done = wait_until([&] { return finished(); }, limit);
        if (done && shared_->error) std::rethrow_exception(std::exchange(shared_->error, nullptr));
        return done;
    }

    ~Helper() {
        shared_->stop.store(true);
        if (wait_until([&] { return finished(); }, 1000ms)) {
            thread_.join();
        } else {
            thread_.detach();  // stuck (the test has failed): don't freeze the run
        }
    }

private:
    std::shared_ptr<Shared> shared_;
    std::thread thread_;
};

// The ids of this process's live threads (the entries of /proc/self/task).
inline std::set<long> live_threads() {
    std::set<long> ids;
    if (DIR* dir = opendir("/proc/self/task")) {
        while (dirent* entry = readdir(dir)) {
            if (entry->d_name[0] != '.') ids.insert(std::strtol(entry->d_name, nullptr, 10));
        }
        closedir(dir);
    }
    return ids;
}

// How many threads of `now` are not in `before`.
inline int threads_started_since(const std::set<long>& before, const std::set<long>& now = live_threads()) {
    int n = 0;
    for (long id : now) n += before.count(id) == 0 ? 1 : 0;
    return n;
}

// True once thread `tid` of this process is asleep in the kernel (state S in
// /proc: a futex wait, such as a condition variable's), or has exited.
inline bool asleep_or_gone(long tid) {
    const std::string path = "/proc/self/task/" + std::to_string(tid) + "/stat";
    FILE* f = std::fopen(path.c_str(), "r");
    if (!f) return true;
    char buf[512] = {};
    const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    const std::string line(buf, n);
    const auto paren = line.rfind(')');  // the name may hold spaces; the state follows ") "
    return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'S';
}

// A waker built from a raw vtable, so the test sees each clone as it
// happens: on_clone runs inside every copy of the waker (a future storing
// it), on the copying thread. Counts wakes; the probe outlives its wakers.
class CloneWatch {
public:
    std::function<void()> on_clone;  // set before the waker is used
    std::atomic<int> wakes{0};
    std::atomic<int> live{0};
    core::Waker waker() {
        live.fetch_add(1);
        return core::Waker::from_raw(core::RawWaker{this, &vtable});
    }

private:
    static CloneWatch* self(const void* data) { return static_cast<CloneWatch*>(const_cast<void*>(data)); }
    static const void* clone(const void* data) {
        self(data)->live.fetch_add(1);
        if (self(data)->on_clone) self(data)->on_clone();
        return data;
    }
    static void wake(const void* data) {
        self(data)->wakes.fetch_add(1);
        self(data)->live.fetch_sub(1);
    }
    static void wake_by_ref(const void* data) { self(data)->wakes.fetch_add(1); }
    static void drop(const void* data) { self(data)->live.fetch_sub(1); }
    static constexpr core::RawWakerVTable vtable{&clone, &wake, &wake_by_ref, &drop};
};

}  // namespace ch02_test
