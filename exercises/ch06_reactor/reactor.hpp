// ch06_reactor/reactor.hpp: Reactor, the part of the runtime that waits on the kernel.
//
// YOUR PART: register_source, deregister_source, poll_ready, clear_readiness,
// drop_interest, add_timer, turn, on_event, ms_until_next_timer,
// take_due_timers. Given: start, the destructor, current/Enter, run, poke,
// fire, and Source at the end.
//
// Contract:
// - A Reactor owns an epoll instance and one thread that waits on it. Who
//   calls what:
//     register_source / deregister_source   any thread (a socket's Source)
//     poll_ready / clear_readiness /
//     drop_interest                         the thread polling an I/O future
//     add_timer                             the thread polling a Sleep
//     the loop (run)                        the reactor thread only
// - The registry maps each registered fd to an IoSlot: for each direction
//   (read, write), "is it ready?" and the waker of the task waiting on it.
//   Readiness is edge-triggered (EPOLLET): the kernel reports a change once,
//   and the slot remembers it until a syscall on the fd says EAGAIN.
// - poll_ready answers Ready(tick) when the direction is ready; otherwise it
//   stores the caller's waker (replacing an older one) and answers Pending.
//   clear_readiness(tick) forgets the readiness after EAGAIN, unless an event
//   newer than `tick` arrived meanwhile.
// - deregister_source removes the fd from epoll and from the registry before
//   its owner closes it, and drops its wakers: no event for a later fd with
//   the same number can reach them. drop_interest forgets the waiter of one
//   direction (its future was dropped).
// - Timers: the loop also keeps a heap of deadlines; epoll_wait sleeps until
//   the earliest, and due timers are fired in the same turn as the I/O.
// - Every wake is delivered after the registry lock is released: a waker may
//   run any code, which may take that lock again.
//
// Why a thread of its own: chapter 5's workers park on a condition variable
// in the scheduler, and we keep the runtime as it was. The price is one
// thread and one cross-thread wake per event. tokio instead lets a worker
// that has nothing to run park *in* epoll_wait (its I/O driver), so an event
// is handled with no thread hop; the book's last section says what that
// takes.
//
// Rust counterpart: mio::Poll + tokio's I/O driver (runtime/io/driver.rs)
// with its ScheduledIo per source, and tokio's timer wheel.
#pragma once

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <queue>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ch06_reactor/fd.hpp"
#include "core/poll.hpp"
#include "core/todo.hpp"
#include "core/waker.hpp"

namespace ch06 {

enum class Interest : int { read = 0, write = 1 };

namespace detail {

// One registered source, as the registry sees it. Every field is guarded by
// the reactor's registry mutex.
struct IoSlot {
    explicit IoSlot(int f) : fd(f) {}
    const int fd;
    // Optimistic: a new source counts as ready both ways, so the first poll
    // tries the syscall, and only an EAGAIN makes it wait for the kernel.
    bool ready[2] = {true, true};
    std::uint64_t tick = 0;  // readiness events delivered to this source so far
    core::Waker waiter[2];   // who waits to read / to write (no-op: nobody)
};

// What a Sleep shares with the reactor's timer heap.
struct TimerSlot {
    std::mutex mutex;
    bool fired = false;
    core::Waker waker;
};

inline int index(Interest i) { return static_cast<int>(i); }

}  // namespace detail

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

    std::shared_ptr<detail::IoSlot> register_source(int fd) {
        // Who else could already have an entry for this fd number, and what
        // would its wakers do to the new socket? Which epoll flags make one
        // registration serve both directions for the socket's whole life?
        (void)fd;
        core::todo("Reactor::register_source: add the fd to the registry (a fresh IoSlot, ready both ways) "
                   "and to epoll, for reading and writing, edge-triggered, once; refuse an fd that is "
                   "still registered; see book/ch06_reactor.md#the-registry-and-its-lifetimes");
    }

    void deregister_source(detail::IoSlot& slot) {
        // The waker of a task may be the last owner of that task: where must
        // it be destroyed, relative to the registry lock?
        (void)slot;
        core::todo("Reactor::deregister_source: remove the fd from epoll and from the registry and drop its "
                   "wakers (after the lock), before the owner closes it; see book/ch06_reactor.md#the-registry-and-its-lifetimes");
    }

    core::Poll<std::uint64_t> poll_ready(detail::IoSlot& slot, Interest interest, core::Context& cx) {
        // What if this future was polled by another task since it last
        // stored a waker?
        (void)slot, (void)interest, (void)cx;
        core::todo("Reactor::poll_ready: Ready(tick) if the direction is ready; otherwise keep this poll's "
                   "waker (replacing a different one) and return Pending; see book/ch06_reactor.md#readiness-eagain-and-the-tick");
    }

    void clear_readiness(detail::IoSlot& slot, Interest interest, std::uint64_t tick) {
        // What if an event arrived after the poll_ready that handed out `tick`?
        (void)slot, (void)interest, (void)tick;
        core::todo("Reactor::clear_readiness: after EAGAIN, mark the direction not ready, unless an event "
                   "newer than `tick` arrived meanwhile; see book/ch06_reactor.md#readiness-eagain-and-the-tick");
    }

    void drop_interest(detail::IoSlot& slot, Interest interest) {
        (void)slot, (void)interest;
        core::todo("Reactor::drop_interest: forget the waker waiting in this direction (its future was "
                   "dropped), destroying it outside the lock; see book/ch06_reactor.md#the-registry-and-its-lifetimes");
    }

    void add_timer(Clock::time_point deadline, const std::shared_ptr<detail::TimerSlot>& slot) {
        // The reactor thread may be asleep in epoll_wait with a timeout
        // computed before this deadline existed. What wakes it? (poke())
        (void)deadline, (void)slot;
        core::todo("Reactor::add_timer: push the deadline (holding the slot weakly) on the heap, and make "
                   "the reactor thread recompute its timeout if this is the new earliest; see book/ch06_reactor.md#timers-in-the-same-loop");
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

    // Makes epoll_wait return: a new earliest timer, or shutdown.
    void poke() {
        std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(poke_.get(), &one, sizeof one);
    }

    // The reactor thread: turns until the destructor says stop. A turn that
    // throws (a bug, or a TODO in the exercise) stops the reactor loudly
    // rather than killing the process: every I/O future then waits forever,
    // and the test's watchdog names it.
    void run() {
        running_here_ = this;
        { std::lock_guard lock(mutex_); }  // start() has finished writing thread_
        try {
            while (turn() && !delete_after_turn_) {
            }
        } catch (const std::exception& e) {
            std::fprintf(stderr, "ch06::Reactor: the reactor thread stopped: %s\n", e.what());
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

    // One turn: wait for events or the earliest deadline, note what became
    // ready under the registry lock, then wake outside it. False: stop.
    bool turn() {
        // Which of the steps below may run under the registry lock, and
        // which must not? Where does epoll_wait's timeout come from?
        core::todo("Reactor::turn: epoll_wait until an event or the earliest deadline (false once "
                   "stopping_), then, under the registry lock, note each event in its IoSlot and collect "
                   "the wakers and the due timers; wake them after unlocking; see book/ch06_reactor.md#one-turn-of-the-reactor");
    }

    void on_event(const epoll_event& ev, std::vector<core::Waker>& to_wake) {
        // The eventfd (poke_) is an event too. An fd that is no longer in the
        // registry can still be in a batch epoll_wait returned. Which event
        // bits make a direction ready (a hang-up? an error?)
        (void)ev, (void)to_wake;
        core::todo("Reactor::on_event (registry lock held): for a registered fd, bump its tick and the "
                   "event count, mark each direction the event reports ready, and move its waker out to "
                   "`to_wake`; see book/ch06_reactor.md#one-turn-of-the-reactor");
    }

    int ms_until_next_timer() const {
        core::todo("Reactor::ms_until_next_timer (registry lock held): epoll_wait's timeout, -1 without "
                   "timers, rounded up to whole ms; see book/ch06_reactor.md#timers-in-the-same-loop");
    }

    void take_due_timers(std::vector<std::shared_ptr<detail::TimerSlot>>& due) {
        (void)due;
        core::todo("Reactor::take_due_timers (registry lock held): pop every deadline that has passed and "
                   "collect the sleeps still alive; see book/ch06_reactor.md#timers-in-the-same-loop");
    }

    static void fire(detail::TimerSlot& slot) {
        core::Waker waker;
        {
            std::lock_guard lock(slot.mutex);
            slot.fired = true;
            waker = std::move(slot.waker);
        }
        waker.wake();
    }

    Fd epoll_;
    Fd poke_;                // an eventfd: written to interrupt epoll_wait
    mutable std::mutex mutex_;  // the registry lock: sources_, every IoSlot, timers_, events_, stopping_
    std::unordered_map<int, std::shared_ptr<detail::IoSlot>> sources_;
    std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<>> timers_;
    std::uint64_t events_ = 0;
    bool stopping_ = false;
    std::thread thread_;
    bool delete_after_turn_ = false;  // see release()
    static inline thread_local Reactor* current_ = nullptr;
    static inline thread_local Reactor* running_here_ = nullptr;  // set on the reactor thread
};

// A registered fd: registers on construction, deregisters and then closes on
// destruction (in that order: closed first, the number could be reused by
// another thread and registered before our deregistration removed *its* entry).
class Source {
public:
    Source(std::shared_ptr<Reactor> reactor, Fd fd)
        : reactor_(std::move(reactor)), fd_(std::move(fd)), slot_(reactor_->register_source(fd_.get())) {}
    ~Source() {
        if (slot_) reactor_->deregister_source(*slot_);
    }  // fd_ closes after this body
    Source(const Source&) = delete;
    Source& operator=(const Source&) = delete;

    int fd() const { return fd_.get(); }
    const std::shared_ptr<Reactor>& reactor() const { return reactor_; }
    core::Poll<std::uint64_t> poll_ready(Interest i, core::Context& cx) { return reactor_->poll_ready(*slot_, i, cx); }
    void clear_readiness(Interest i, std::uint64_t tick) { reactor_->clear_readiness(*slot_, i, tick); }
    void drop_interest(Interest i) { reactor_->drop_interest(*slot_, i); }

private:
    std::shared_ptr<Reactor> reactor_;
    Fd fd_;
    std::shared_ptr<detail::IoSlot> slot_;
};

}  // namespace ch06
