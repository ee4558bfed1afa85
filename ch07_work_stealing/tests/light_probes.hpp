// Probes for chapter 7's tests that need no runtime: pieces 1 and 2 (the
// state word, the local queue) include only this, so an edit of task.hpp or
// scheduler.hpp does not make them stale. probes.hpp includes it too.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace ch07_test {

// A latch for the tests' hand-offs, used instead of std::latch: libstdc++ 12
// builds std::latch (and atomic<T>::wait) on its atomic wait/notify
// machinery, and under heavy load we saw a waiter stay asleep with the count
// already at 0 (the GCC 104928 family of lost wakeups). This one spins a
// little first, so threads released together still start together, then
// sleeps on a condition variable, whose wake cannot be lost: the last
// arriver takes the mutex before notifying.
class Latch {
public:
    explicit Latch(int count) : count_(count) {}
    Latch(const Latch&) = delete;
    Latch& operator=(const Latch&) = delete;

    void count_down() {
        if (count_.fetch_sub(1) != 1) return;
        std::lock_guard lock(mutex_);
        cv_.notify_all();
    }
    void wait() {
        for (int i = 0; i < 100; ++i) {  // short: a long yield loop can starve others under load
            if (count_.load() <= 0) return;
            std::this_thread::yield();
        }
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return count_.load() <= 0; });
    }
    void arrive_and_wait() {
        count_down();
        wait();
    }

private:
    std::atomic<int> count_;
    std::mutex mutex_;
    std::condition_variable cv_;
};

}  // namespace ch07_test
