// ch02_waker/timer_future.hpp: TimerFuture, a future completed by another thread.
//
// Contract:
// - TimerFuture(d) is Ready once at least d has passed since its first poll
//   (like core::sleep_for, the clock starts when it is first polled: futures
//   are lazy and do nothing until then).
// - The first Pending poll starts a thread that sleeps until the deadline,
//   marks the timer completed and wakes the waker of the *latest* poll: every
//   poll stores cx.waker() unless `will_wake` says it is the one already
//   stored. (A future may be polled by a different task or executor next
//   time; waking a stale waker would wake the wrong one, or nobody.)
// - A duration too long for the clock (up to Clock::duration::max(), "never")
//   must not overflow the deadline: Clock::now() + d wraps into the past and
//   fires at once. core::clamp_sleep (core/deadline.hpp) caps it at 30 years.
// - Destroying a TimerFuture that has not fired cancels it: its thread is
//   told to stop, joined, and wakes nobody. The destructor does not wait for
//   the deadline. It may run on the timer's own thread (when that thread's
//   waker copy was the last owner of the TimerFuture's owner): then the thread
//   is detached, not joined, since a thread cannot join itself.
// - wake() must not throw: an exception escaping it on the timer's thread
//   ends the program (std::terminate), as from any thread's function.
// - A TimerFuture may be moved (its state is on the heap) but not copied.
//
// The shortcut: one thread per timer. That is fine for a handful of timers and
// hopeless for 100 000 (each thread costs a stack and a kernel task).
// core::sleep_for shows the fix: one timer thread with a heap of deadlines,
// and a production runtime folds even that into its event loop (epoll's
// timeout), so sleeping costs no thread at all.
//
// Rust counterpart: the async book's TimerFuture (Arc<Mutex<SharedState>>
// with `completed` and `waker: Option<Waker>`), here cancellable.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include "core/core.hpp"

namespace ch02 {

class TimerFuture {
public:
    using Output = void;
    using Clock = std::chrono::steady_clock;

    explicit TimerFuture(Clock::duration duration) : duration_(duration) {}

    TimerFuture(TimerFuture&&) noexcept = default;
    TimerFuture& operator=(TimerFuture&&) = delete;  // would have to cancel a timer
    ~TimerFuture() { cancel(); }

    // [book:timer_poll]
    core::Poll<void> poll(core::Context& cx) {
        if (!state_) throw std::logic_error("ch02::TimerFuture polled after it was moved from");
        if (duration_ <= Clock::duration::zero()) return core::Poll<void>::ready();
        {
            std::lock_guard lock(state_->mutex);
            if (state_->completed) return core::Poll<void>::ready();
            // Store the waker of *this* poll before anything can fire, and
            // only if it changed: a copy costs an atomic increment.
            if (!state_->waker.will_wake(cx.waker())) state_->waker = cx.waker();
        }
        if (!thread_.joinable()) {  // first poll: start the clock
            thread_ = std::thread(run, state_, Clock::now() + core::clamp_sleep(duration_));
        }
        return core::Poll<void>::pending();
    }
    // [/book:timer_poll]

private:
    // What the future and its thread share. The thread holds a shared_ptr
    // too, so it stays valid even if the TimerFuture is moved.
    struct State {
        std::mutex mutex;
        std::condition_variable cv;  // lets the destructor cut the sleep short
        bool completed = false;
        bool cancelled = false;
        core::Waker waker;  // the waker of the latest poll
    };

    // [book:timer_thread]
    static void run(std::shared_ptr<State> state, Clock::time_point deadline) {
        core::Waker waker;
        {
            std::unique_lock lock(state->mutex);
            // wait_until returns true when cancelled, false at the deadline.
            if (state->cv.wait_until(lock, deadline, [&] { return state->cancelled; })) return;
            state->completed = true;
            waker = std::move(state->waker);  // nobody needs it after this
        }
        // Wake outside the lock: the wake may make another thread poll us at
        // once, and that poll takes the same lock.
        waker.wake();
    }
    // [/book:timer_thread]

    // [book:timer_cancel]
    void cancel() noexcept {
        if (!thread_.joinable()) return;  // never polled, or moved from
        {
            std::lock_guard lock(state_->mutex);
            state_->cancelled = true;
        }
        // Notify after unlocking is safe here: state_ keeps the condition
        // variable alive through the call (and the thread holds its own share).
        state_->cv.notify_one();
        // Who runs this destructor? Usually the future's owner, and we join:
        // the thread is gone when the destructor returns. But the timer
        // thread's waker copy may be the last owner of whatever owns this
        // TimerFuture (a task nobody else holds any more): dropping it after
        // wake() destroys us *on the timer thread*, and a thread joining
        // itself throws (std::terminate, from a noexcept destructor). There
        // it detaches instead: the thread owns everything it still touches
        // (its own share of State), and it is about to return.
        // (No design keeps the thread from holding the last reference: it must
        // own a waker copy while it calls wake(), and any copy may be the last.)
        if (thread_.get_id() == std::this_thread::get_id()) {
            thread_.detach();
        } else {
            thread_.join();
        }
    }
    // [/book:timer_cancel]

    Clock::duration duration_;
    std::shared_ptr<State> state_ = std::make_shared<State>();
    std::thread thread_;
};

static_assert(core::Future<TimerFuture>);

}  // namespace ch02
