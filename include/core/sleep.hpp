// core/sleep.hpp: sleep_for / sleep_until, timer futures served by one shared thread.
//
// Contract:
// - `co_await core::sleep_for(d)` completes once at least `d` has passed
//   since the *first poll* (like tokio, the clock starts when the timer is
//   polled, which for an awaited sleep is when the await begins). `d` may be
//   in any unit; one too long for the clock (duration::max(): "sleep
//   forever") saturates to a deadline about 30 years away, so the sleep
//   stays Pending instead of overflowing into the past (core/deadline.hpp).
// - Pending timers cost one heap entry each, not a thread: one background
//   timer thread owns a min-heap of deadlines, sleeps until the earliest, and
//   wakes the stored waker of each timer that is due. 100 000 concurrent
//   sleeps use that one thread.
// - The waker is re-read on every poll and replaced when it changed
//   (will_wake), so a future moved to another task still gets its wake.
// - Dropping a Sleep before it fires cancels it: the heap only holds a weak
//   reference, so the waker (and whatever task it keeps alive) is freed at
//   once, not at the deadline.
// - Exit: the timer is never destroyed. It is created by the first sleep
//   and lives until the process ends; its thread is detached and simply
//   stops existing when the process does (exit does not wait for it). So a
//   Sleep may be created, polled and fire at any time, also after main
//   returns: from the destructor of an executor at namespace scope, or from an
//   atexit handler. A sleep still pending when the process ends never fires.
// - A wake() that throws on the timer thread is reported on stderr and
//   dropped: one bad waker does not take down every sleep in the process.
//   (A waker should not throw; this only keeps the damage local.)
// - If registering a sleep throws (the timer's heap cannot grow), the
//   exception leaves that poll and the Sleep is as if never polled: the next
//   poll registers again.
//
// Rust counterpart: tokio::time::sleep / sleep_until (tokio drives timers
// from its runtime; we use a thread so the timer works under any executor,
// including the ones the learner writes).
#pragma once

#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <thread>
#include <vector>

#include "core/deadline.hpp"
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

    // The process's one timer, created on first use and deliberately never
    // destroyed. A function-local `static TimerThread` would be destroyed at
    // exit before every static object constructed earlier than it (an
    // executor at namespace scope, say), and a worker polling a Sleep during
    // exit would then use a dead timer. An object that is never destroyed
    // cannot be used after its destruction; the operating system takes the
    // memory and the thread back when the process ends.
    static TimerThread& instance() {
        static TimerThread* const timers = new TimerThread();
        return *timers;
    }

    void add(Clock::time_point deadline, const std::shared_ptr<TimerSlot>& slot) {
        bool earliest;
        {
            std::lock_guard lock(mutex_);
            heap_.push(Entry{deadline, slot});
            earliest = heap_.top().slot.lock() == slot;
        }
        // Notify after unlocking: the timer is immortal, so its condition
        // variable outlives any notify. Only a new earliest deadline changes
        // how long the thread sleeps.
        if (earliest) cv_.notify_one();
    }

    TimerThread(const TimerThread&) = delete;
    TimerThread& operator=(const TimerThread&) = delete;

private:
    // Detached: nobody ever joins it, and nothing it touches is destroyed.
    // Named, so that a test's check of the threads it leaves behind knows it
    // (it lives as long as the process, on purpose).
    TimerThread() {
        std::thread([this] {
            pthread_setname_np(pthread_self(), "core-timer");
            run();
        }).detach();
    }
    ~TimerThread() = delete;  // never destroyed, see instance()

    struct Entry {
        Clock::time_point deadline;
        std::weak_ptr<TimerSlot> slot;
        bool operator>(const Entry& o) const { return deadline > o.deadline; }
    };

    [[noreturn]] void run() {
        std::unique_lock lock(mutex_);
        for (;;) {
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
            due.clear();  // drop the slots (and any task they keep) unlocked too
            lock.lock();
        }
    }

    static void fire(TimerSlot& slot) noexcept {
        Waker waker;
        {
            std::lock_guard lock(slot.mutex);
            slot.fired = true;
            waker = std::move(slot.waker);
        }
        // An exception escaping here would end the process (a thread's
        // function may not throw) and with it every other sleep: contain it.
        try {
            waker.wake();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "core::sleep: a waker threw from wake() on the timer thread (ignored): %s\n",
                         e.what());
        } catch (...) {
            std::fprintf(stderr, "core::sleep: a waker threw from wake() on the timer thread (ignored)\n");
        }
    }

    std::mutex mutex_;
    std::condition_variable cv_;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
};

}  // namespace detail

class [[nodiscard]] Sleep {
public:
    using Output = void;
    using Clock = std::chrono::steady_clock;

    template <class Rep, class Period>
    explicit Sleep(std::chrono::duration<Rep, Period> d) : duration_(clamp_sleep(d)) {}
    static Sleep until(Clock::time_point deadline) {
        Sleep s(Clock::duration::zero());
        s.deadline_ = deadline;
        return s;
    }

    Poll<void> poll(Context& cx) {
        if (!slot_) {  // first poll: start the clock and register
            if (!deadline_) deadline_ = Clock::now() + duration_;
            if (*deadline_ <= Clock::now()) return Poll<void>::ready();
            auto slot = std::make_shared<detail::TimerSlot>();
            slot->waker = cx.waker();
            // Keep the slot only once it is registered: if add() throws, this
            // Sleep stays unregistered and the next poll tries again (kept
            // first, the slot would make every later poll Pending forever).
            detail::TimerThread::instance().add(*deadline_, slot);
            slot_ = std::move(slot);
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

template <class Rep, class Period>
Sleep sleep_for(std::chrono::duration<Rep, Period> d) {
    return Sleep(d);
}
inline Sleep sleep_until(Sleep::Clock::time_point deadline) { return Sleep::until(deadline); }

}  // namespace core
