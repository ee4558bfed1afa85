// ch07_work_stealing/timer.hpp: Timer, the runtime's deadlines, driven by the workers (given).
//
// Contract:
// - A TimerEntry lives inside the future that sleeps (ch07::Sleep), so a
//   timer costs no allocation of its own: the heap holds pointers to
//   entries, and each entry knows its index so it can leave in O(log n).
// - add(entry) from any thread. If a worker sleeps as the timer DRIVER and
//   this deadline is earlier than the one it sleeps to, add returns that
//   worker's parker for the caller to unpark (after the lock is released).
// - remove(entry): the Sleep is dropped; nothing of it stays behind.
// - take_due(now, out): every entry whose deadline has passed leaves the
//   heap; its waker moves into `out` and its `fired` flag is set (release),
//   all under the lock, so a Sleep that reads `fired` (acquire) is Ready,
//   and one dropped at that moment finds itself already out of the heap.
// - maybe_due(now) is one relaxed load: the workers ask it often.
// - start_driving(parker) makes one parking worker the driver: it sleeps
//   until the earliest deadline instead of forever. Other parking workers
//   get nullopt and sleep until notified.
//
// No thread of its own: the workers fire the timers, in their loop every
// few dozen tasks, and before they park.
//
// Rust counterpart: tokio's runtime/time (a hierarchical timing wheel,
// driven by whichever worker holds the driver while it parks). We use a
// binary heap: simpler, O(log n) instead of O(1).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "ch07_work_stealing/parker.hpp"
#include "core/waker.hpp"

namespace ch07 {

struct TimerEntry {
    static constexpr std::size_t not_queued = std::size_t(-1);
    std::chrono::steady_clock::time_point deadline;
    core::Waker waker;                     // guarded by the Timer's mutex once added
    std::size_t heap_index = not_queued;   // guarded by the Timer's mutex
    std::atomic<bool> fired{false};
};

class Timer {
public:
    using Clock = std::chrono::steady_clock;

    [[nodiscard]] Parker* add(TimerEntry* entry) {
        std::lock_guard lock(mutex_);
        entry->heap_index = heap_.size();
        heap_.push_back(entry);
        sift_up(entry->heap_index);
        publish_next();
        if (driver_ && entry->deadline < driver_deadline_) {
            driver_deadline_ = entry->deadline;
            return driver_;
        }
        return nullptr;
    }

    void remove(TimerEntry* entry) {
        std::lock_guard lock(mutex_);
        if (entry->heap_index == TimerEntry::not_queued) return;  // fired already
        erase(entry->heap_index);
        publish_next();
    }

    // False if the timer fired already (then the Sleep is Ready).
    bool update_waker(TimerEntry* entry, const core::Waker& waker) {
        std::lock_guard lock(mutex_);
        if (entry->fired.load(std::memory_order_relaxed)) return false;
        if (!entry->waker.will_wake(waker)) entry->waker = waker;
        return true;
    }

    bool maybe_due(Clock::time_point now) const {
        return next_deadline_.load(std::memory_order_relaxed) <= now.time_since_epoch().count();
    }

    void take_due(Clock::time_point now, std::vector<core::Waker>& out) {
        std::lock_guard lock(mutex_);
        while (!heap_.empty() && heap_.front()->deadline <= now) {
            TimerEntry* entry = heap_.front();
            erase(0);
            out.push_back(std::move(entry->waker));
            entry->fired.store(true, std::memory_order_release);
        }
        publish_next();
    }

    // The deadline to sleep to, or nullopt if another worker drives already.
    std::optional<Clock::time_point> start_driving(Parker* parker) {
        std::lock_guard lock(mutex_);
        if (driver_) return std::nullopt;
        driver_ = parker;
        driver_deadline_ = heap_.empty() ? Clock::time_point::max() : heap_.front()->deadline;
        return driver_deadline_;
    }
    void stop_driving() {
        std::lock_guard lock(mutex_);
        driver_ = nullptr;
    }

    std::size_t pending() {
        std::lock_guard lock(mutex_);
        return heap_.size();
    }

private:
    void publish_next() {
        next_deadline_.store(heap_.empty() ? INT64_MAX : heap_.front()->deadline.time_since_epoch().count(),
                             std::memory_order_relaxed);
    }
    void place(std::size_t i, TimerEntry* e) {
        heap_[i] = e;
        e->heap_index = i;
    }
    void sift_up(std::size_t i) {
        TimerEntry* e = heap_[i];
        while (i > 0) {
            std::size_t parent = (i - 1) / 2;
            if (!(e->deadline < heap_[parent]->deadline)) break;
            place(i, heap_[parent]);
            i = parent;
        }
        place(i, e);
    }
    void sift_down(std::size_t i) {
        TimerEntry* e = heap_[i];
        for (;;) {
            std::size_t child = 2 * i + 1;
            if (child >= heap_.size()) break;
            if (child + 1 < heap_.size() && heap_[child + 1]->deadline < heap_[child]->deadline) ++child;
            if (!(heap_[child]->deadline < e->deadline)) break;
            place(i, heap_[child]);
            i = child;
        }
        place(i, e);
    }
    void erase(std::size_t i) {
        heap_[i]->heap_index = TimerEntry::not_queued;
        TimerEntry* last = heap_.back();
        heap_.pop_back();
        if (i == heap_.size()) return;
        place(i, last);
        sift_down(i);
        sift_up(last->heap_index);
    }

    std::mutex mutex_;
    std::vector<TimerEntry*> heap_;
    std::atomic<std::int64_t> next_deadline_{INT64_MAX};  // steady_clock ticks
    Parker* driver_ = nullptr;
    Clock::time_point driver_deadline_ = Clock::time_point::max();
};

}  // namespace ch07
