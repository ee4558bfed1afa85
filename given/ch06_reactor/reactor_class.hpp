// ch06_reactor/reactor_class.hpp: the Reactor class, its data, and the parts of it you do not write (given).
//
// A Reactor owns an epoll instance and one thread that waits on it. This
// file declares every member; the bodies you write live in three files, one
// idea each (include ch06_reactor/reactor.hpp, which brings all of them):
//   registry.hpp   register_source, deregister_source, poll_ready,
//                  clear_readiness, drop_interest
//   timers.hpp     add_timer, ms_until_next_timer, take_due_timers
//   reactor.hpp    turn, on_event: one turn of the loop
// Given here: start, the destructor, poke, run (the loop around turn),
// release (the deleter), fire, current/Enter, and the probes tests read.
// What it keeps per socket and per timer (IoSlot, TimerSlot): slots.hpp.
//
// Who calls what:
//     register_source / deregister_source   any thread (a socket's Source)
//     poll_ready / clear_readiness /
//     drop_interest                         the thread polling an I/O future
//     add_timer                             the thread polling a Sleep
//     the loop (run, turn)                  the reactor thread only
// One mutex, the registry lock (mutex_), guards sources_, every IoSlot,
// timers_, events_, stopping_ and failure_.
//
// Rust counterpart: mio::Poll + tokio's I/O driver (runtime/io/driver.rs)
// with its ScheduledIo per source, and tokio's timer wheel.
#pragma once

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <queue>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ch06_reactor/fd.hpp"
#include "ch06_reactor/slots.hpp"
#include "core/poll.hpp"
#include "core/waker.hpp"

namespace ch06 {

class Reactor : public std::enable_shared_from_this<Reactor> {
public:
    using Clock = std::chrono::steady_clock;

    // Creates the epoll instance and starts the reactor thread.
    static std::shared_ptr<Reactor> start() {
        std::shared_ptr<Reactor> reactor(new Reactor(), &Reactor::release);
        // run() takes this lock before it reads thread_ (to detach it).
        std::lock_guard lock(reactor->mutex_);
        reactor->thread_ = std::thread([r = reactor.get()] { r->run(); });
        return reactor;
    }

    ~Reactor() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        poke();
        // Not joinable when release() deferred us to the reactor thread
        // itself: run() detached it and is the one deleting us.
        if (thread_.joinable()) thread_.join();
    }
    Reactor(const Reactor&) = delete;
    Reactor& operator=(const Reactor&) = delete;

    // The registry (registry.hpp).
    std::shared_ptr<detail::IoSlot> register_source(int fd);
    void deregister_source(detail::IoSlot& slot);
    core::Poll<std::uint64_t> poll_ready(detail::IoSlot& slot, Interest interest, core::Context& cx);
    void clear_readiness(detail::IoSlot& slot, Interest interest, std::uint64_t tick);
    void drop_interest(detail::IoSlot& slot, Interest interest);

    // A timer (timers.hpp).
    void add_timer(Clock::time_point deadline, const std::shared_ptr<detail::TimerSlot>& slot);

    // Makes epoll_wait return, so that a turn begins: a new earliest timer,
    // shutdown, or a test that waits for a turn (turns()).
    void poke() {
        std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(poke_.get(), &one, sizeof one);
    }

    // For tests and the demo.
    std::size_t sources() const {
        std::lock_guard lock(mutex_);
        return sources_.size();
    }
    std::uint64_t events() const {  // readiness events delivered, all sources
        std::lock_guard lock(mutex_);
        return events_;
    }
    std::uint64_t turns() const {  // turns finished, their wakes delivered
        return turns_.load(std::memory_order_acquire);
    }
    std::string failure() const {  // why the reactor thread stopped early (a turn threw), or ""
        std::lock_guard lock(mutex_);
        return failure_;
    }

    // The reactor that futures polled on this thread use: set by the runtime
    // on its workers and in block_on, or by a test with Reactor::Enter.
    static std::shared_ptr<Reactor> current() {
        if (!current_)
            throw std::logic_error(
                "ch06: no reactor on this thread: use sockets and sleeps inside a ch06::Runtime "
                "(a task or block_on), or enter one with ch06::Reactor::Enter");
        return current_->shared_from_this();
    }
    class Enter {
    public:
        explicit Enter(Reactor& r) : previous_(std::exchange(current_, &r)) {}
        ~Enter() { current_ = previous_; }
        Enter(const Enter&) = delete;
        Enter& operator=(const Enter&) = delete;

    private:
        Reactor* previous_;
    };

private:
    struct TimerEntry {
        Clock::time_point deadline;
        std::weak_ptr<detail::TimerSlot> slot;  // a dropped Sleep just disappears
        bool operator>(const TimerEntry& o) const { return deadline > o.deadline; }
    };

    Reactor() : epoll_(::epoll_create1(EPOLL_CLOEXEC)), poke_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
        if (!epoll_.valid()) throw_errno("epoll_create1");
        if (!poke_.valid()) throw_errno("eventfd");
        epoll_event ev{};
        ev.events = EPOLLIN;  // level-triggered: it stays ready until drained
        ev.data.fd = poke_.get();
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, poke_.get(), &ev) < 0) throw_errno("epoll_ctl(ADD, eventfd)");
    }

    // The reactor thread: turns until the destructor says stop. A turn that
    // throws (a bug, or a TODO in the exercise) stops the reactor loudly
    // rather than killing the process: every I/O future then waits forever,
    // and the test's watchdog names it.
    void run() {
        running_here_ = this;
        { std::lock_guard lock(mutex_); }  // start() has finished writing thread_
        try {
            while (turn()) {
                turns_.fetch_add(1, std::memory_order_release);
                if (delete_after_turn_) break;
            }
        } catch (const std::exception& e) {
            std::fprintf(stderr, "ch06::Reactor: the reactor thread stopped: %s\n", e.what());
            std::lock_guard lock(mutex_);
            failure_ = e.what();
        }
        if (delete_after_turn_) {
            thread_.detach();  // a thread cannot join itself
            delete this;
        }
    }

    // The shared_ptr's deleter. Usually the last owner is a worker or the
    // runtime. But a wake on the reactor thread can drop the last waker of a
    // task whose future holds a Sleep or a socket, and with it the last
    // reference to us: ~Reactor would then join the thread it runs on
    // (std::terminate, "Resource deadlock avoided"). There the deletion
    // waits until the turn is over and run() has control again.
    static void release(Reactor* r) {
        if (running_here_ == r)
            r->delete_after_turn_ = true;  // only the reactor thread reads it
        else
            delete r;
    }

    // One turn (reactor.hpp).
    bool turn();
    void on_event(const epoll_event& ev, std::vector<core::Waker>& to_wake);

    // The timer heap, under the registry lock (timers.hpp).
    int ms_until_next_timer() const;
    void take_due_timers(std::vector<std::shared_ptr<detail::TimerSlot>>& due);

    // [book:fire]
    // A due timer, after the registry lock is released: mark the Sleep's
    // slot fired and wake its waker, outside the slot's own lock.
    static void fire(detail::TimerSlot& slot) {
        core::Waker waker;
        {
            std::lock_guard lock(slot.mutex);
            slot.fired = true;
            waker = std::move(slot.waker);
        }
        waker.wake();
    }
    // [/book:fire]

    Fd epoll_;
    Fd poke_;                   // an eventfd: written to interrupt epoll_wait
    mutable std::mutex mutex_;  // the registry lock: sources_, every IoSlot, timers_, events_, stopping_, failure_
    std::unordered_map<int, std::shared_ptr<detail::IoSlot>> sources_;
    std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<>> timers_;
    std::uint64_t events_ = 0;
    bool stopping_ = false;
    std::string failure_;  // see failure()
    std::atomic<std::uint64_t> turns_{0};  // written by run() only
    std::thread thread_;
    bool delete_after_turn_ = false;  // see release()
    static inline thread_local Reactor* current_ = nullptr;
    static inline thread_local Reactor* running_here_ = nullptr;  // set on the reactor thread
};

}  // namespace ch06
