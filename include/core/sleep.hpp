// core/sleep.hpp: sleep_for / sleep_until, timer futures served by one shared thread.
//
// Contract:
// - `co_await core::sleep_for(d)` completes once at least `d` has passed
//   since the *first poll* (like tokio, the clock starts when the timer is
//   polled, which for an awaited sleep is when the await begins).
// - Pending timers cost one heap entry each, not a thread: one background
//   timer thread owns a min-heap of deadlines, sleeps until the earliest, and
//   wakes the stored waker of each timer that is due. 100 000 concurrent
//   sleeps use that one thread.
// - The waker is re-read on every poll and replaced when it changed
//   (will_wake), so a future moved to another task still gets its wake.
// - Dropping a Sleep before it fires cancels it: the heap only holds a weak
//   reference, so the waker (and whatever task it keeps alive) is freed at
//   once, not at the deadline.
//
// Rust counterpart: tokio::time::sleep / sleep_until (tokio drives timers
// from its runtime; we use a thread so the timer works under any executor,
// including the ones the learner writes).
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <thread>
#include <vector>

#include "core/poll.hpp"
#include "core/waker.hpp"

namespace core {

namespace detail {

// What a Sleep shares with the timer thread.
struct TimerSlot {
    std::mutex mutex;
    bool fired = false;
    Waker waker;
};

class TimerThread {
public:
    using Clock = std::chrono::steady_clock;

    static TimerThread& instance() {
        static TimerThread timers;  // started on first use, joined at exit
        return timers;
    }

    void add(Clock::time_point deadline, const std::shared_ptr<TimerSlot>& slot) {
        bool earliest;
        {
            std::lock_guard lock(mutex_);
            if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
            heap_.push(Entry{deadline, slot});
            earliest = heap_.top().slot.lock() == slot;
        }
        // Only a new earliest deadline changes how long the thread sleeps.
        if (earliest) cv_.notify_one();
    }

    ~TimerThread() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        cv_.notify_one();
        if (thread_.joinable()) thread_.join();
    }

private:
    struct Entry {
        Clock::time_point deadline;
        std::weak_ptr<TimerSlot> slot;
        bool operator>(const Entry& o) const { return deadline > o.deadline; }
    };

    void run() {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            if (heap_.empty()) {
                cv_.wait(lock);
                continue;
            }
            // A copy, not a reference into the heap: wait_until releases the
            // lock, and a push from another thread may reallocate the heap.
            const auto earliest = heap_.top().deadline;
            if (Clock::now() < earliest) {
                cv_.wait_until(lock, earliest);
                continue;
            }
            std::vector<std::shared_ptr<TimerSlot>> due;
            while (!heap_.empty() && heap_.top().deadline <= Clock::now()) {
                if (auto slot = heap_.top().slot.lock()) due.push_back(std::move(slot));
                heap_.pop();  // a dropped Sleep's entry just disappears
            }
            // Wake without holding the heap lock: a waker may run arbitrary
            // executor code, which may start a new sleep.
            lock.unlock();
            for (auto& slot : due) fire(*slot);
            lock.lock();
        }
    }

    static void fire(TimerSlot& slot) {
        Waker waker;
        {
            std::lock_guard lock(slot.mutex);
            slot.fired = true;
            waker = std::move(slot.waker);
        }
        waker.wake();
    }

    std::mutex mutex_;
    std::condition_variable cv_;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace detail

class [[nodiscard]] Sleep {
public:
    using Output = void;
    using Clock = std::chrono::steady_clock;

    explicit Sleep(Clock::duration d) : duration_(d) {}
    static Sleep until(Clock::time_point deadline) {
        Sleep s(Clock::duration::zero());
        s.deadline_ = deadline;
        return s;
    }

    Poll<void> poll(Context& cx) {
        if (!slot_) {  // first poll: start the clock and register
            if (!deadline_) deadline_ = Clock::now() + duration_;
            if (*deadline_ <= Clock::now()) return Poll<void>::ready();
            slot_ = std::make_shared<detail::TimerSlot>();
            slot_->waker = cx.waker();
            detail::TimerThread::instance().add(*deadline_, slot_);
            return Poll<void>::pending();
        }
        std::lock_guard lock(slot_->mutex);
        if (slot_->fired) return Poll<void>::ready();
        if (!slot_->waker.will_wake(cx.waker())) slot_->waker = cx.waker();
        return Poll<void>::pending();
    }

private:
    Clock::duration duration_;
    std::optional<Clock::time_point> deadline_;
    std::shared_ptr<detail::TimerSlot> slot_;
};

inline Sleep sleep_for(Sleep::Clock::duration d) { return Sleep(d); }
inline Sleep sleep_until(Sleep::Clock::time_point deadline) { return Sleep::until(deadline); }

}  // namespace core
