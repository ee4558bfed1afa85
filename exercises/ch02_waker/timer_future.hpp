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

    core::Poll<void> poll([[maybe_unused]] core::Context& cx) {
        core::todo("ch02::TimerFuture::poll: Ready once the duration has passed since the first poll; until "
                   "then Pending, with the waker of the latest poll stored for the timer's thread, which the "
                   "first poll starts; a huge duration (Clock::duration::max()) must not overflow the deadline; "
                   "see book/ch02_waker.md#timerfuture-a-future-completed-by-a-thread");
    }

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

    // TODO: the timer thread's body. What may end its sleep early, what must
    // it change before anyone is woken, and where may it not be standing when
    // it calls wake()?
    static void run([[maybe_unused]] std::shared_ptr<State> state, [[maybe_unused]] Clock::time_point deadline) {}

    // TODO: called by the destructor. A dropped timer wakes nobody, its
    // destructor does not wait for the deadline, and it may run on the timer's
    // own thread (book: "The destructor may run on the timer's own thread").
    void cancel() noexcept {}

    [[maybe_unused]] Clock::duration duration_;  // read by the poll you write
    std::shared_ptr<State> state_ = std::make_shared<State>();
    std::thread thread_;
};

static_assert(core::Future<TimerFuture>);

}  // namespace ch02
