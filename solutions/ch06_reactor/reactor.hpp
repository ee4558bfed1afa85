// ch06_reactor/reactor.hpp: Reactor, the part of the runtime that waits on the kernel.
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
#include "core/waker.hpp"

namespace ch06 {

enum class Interest : int { read = 0, write = 1 };

namespace detail {

// [book:io_slot]
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
// [/book:io_slot]

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

    // [book:register]
    std::shared_ptr<detail::IoSlot> register_source(int fd) {
        auto slot = std::make_shared<detail::IoSlot>(fd);
        std::lock_guard lock(mutex_);
        // An entry already there means an owner closed its fd without
        // deregistering: its wakers would answer for the new socket.
        if (!sources_.try_emplace(fd, slot).second)
            throw std::logic_error("ch06::Reactor: fd " + std::to_string(fd) +
                                   " is still in the registry: a source was closed without deregistering");
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;  // both ways, edge-triggered, once
        ev.data.fd = fd;
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) {
            int error = errno;
            sources_.erase(fd);
            throw_errno("epoll_ctl(ADD, fd " + std::to_string(fd) + ")", error);
        }
        return slot;
    }

    void deregister_source(detail::IoSlot& slot) {
        core::Waker dropped[2];  // destroyed after the lock: a waker may own a task
        std::lock_guard lock(mutex_);
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, slot.fd, nullptr);
        sources_.erase(slot.fd);
        for (int i : {0, 1}) dropped[i] = std::exchange(slot.waiter[i], core::Waker());
    }
    // [/book:register]

    // [book:poll_ready]
    core::Poll<std::uint64_t> poll_ready(detail::IoSlot& slot, Interest interest, core::Context& cx) {
        const int i = detail::index(interest);
        std::lock_guard lock(mutex_);
        if (slot.ready[i]) return slot.tick;
        // Not ready: this poll's waker is the one to wake. A future polled
        // by a different task since last time must not leave the old one.
        if (!slot.waiter[i].will_wake(cx.waker())) slot.waiter[i] = cx.waker();
        return core::Poll<std::uint64_t>::pending();
    }

    void clear_readiness(detail::IoSlot& slot, Interest interest, std::uint64_t tick) {
        std::lock_guard lock(mutex_);
        // An event that arrived after the poll_ready that gave `tick` is news
        // the failed syscall did not see: keep it, or its edge is lost.
        if (slot.tick == tick) slot.ready[detail::index(interest)] = false;
    }

    void drop_interest(detail::IoSlot& slot, Interest interest) {
        core::Waker dropped;
        std::lock_guard lock(mutex_);
        dropped = std::exchange(slot.waiter[detail::index(interest)], core::Waker());
    }
    // [/book:poll_ready]

    // [book:add_timer]
    void add_timer(Clock::time_point deadline, const std::shared_ptr<detail::TimerSlot>& slot) {
        bool earliest;
        {
            std::lock_guard lock(mutex_);
            timers_.push(TimerEntry{deadline, slot});
            earliest = timers_.top().slot.lock() == slot;
        }
        // The reactor thread may be in epoll_wait with a longer timeout.
        if (earliest) poke();
    }
    // [/book:add_timer]

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

    // [book:turn]
    // One turn: wait for events or the earliest deadline, note what became
    // ready under the registry lock, then wake outside it. False: stop.
    bool turn() {
        std::array<epoll_event, 128> events;
        int timeout_ms;
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return false;
            timeout_ms = ms_until_next_timer();
        }
        int n = ::epoll_wait(epoll_.get(), events.data(), int(events.size()), timeout_ms);
        if (n < 0 && errno != EINTR) throw_errno("epoll_wait");
        std::vector<core::Waker> to_wake;
        std::vector<std::shared_ptr<detail::TimerSlot>> due;
        {
            std::lock_guard lock(mutex_);
            for (int k = 0; k < n; ++k) on_event(events[k], to_wake);
            take_due_timers(due);
        }
        // The registry lock is released: now wake. A woken task may be
        // polled on a worker at once and call poll_ready, which locks.
        for (auto& waker : to_wake) waker.wake();
        for (auto& timer : due) fire(*timer);
        return true;
    }

    void on_event(const epoll_event& ev, std::vector<core::Waker>& to_wake) {
        if (ev.data.fd == poke_.get()) {
            std::uint64_t count;
            [[maybe_unused]] auto r = ::read(poke_.get(), &count, sizeof count);
            return;
        }
        auto it = sources_.find(ev.data.fd);
        if (it == sources_.end()) return;  // deregistered after epoll_wait returned
        detail::IoSlot& slot = *it->second;
        ++slot.tick;
        ++events_;
        // A hang-up or an error makes both directions "ready": the next
        // syscall reports it (0 from read, EPIPE or ECONNRESET from write).
        const bool readable = ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
        const bool writable = ev.events & (EPOLLOUT | EPOLLHUP | EPOLLERR);
        for (auto [i, yes] : {std::pair{0, readable}, std::pair{1, writable}}) {
            if (!yes) continue;
            slot.ready[i] = true;
            to_wake.push_back(std::exchange(slot.waiter[i], core::Waker()));
        }
    }
    // [/book:turn]

    // [book:timers]
    int ms_until_next_timer() const {
        if (timers_.empty()) return -1;  // no timer: sleep until an event or a poke
        auto left = timers_.top().deadline - Clock::now();
        if (left <= Clock::duration::zero()) return 0;
        // Round up: waking a little early would find nothing due and spin.
        auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
        return ms > INT_MAX ? INT_MAX : int(ms);
    }

    void take_due_timers(std::vector<std::shared_ptr<detail::TimerSlot>>& due) {
        const auto now = Clock::now();
        while (!timers_.empty() && timers_.top().deadline <= now) {
            if (auto slot = timers_.top().slot.lock()) due.push_back(std::move(slot));
            timers_.pop();
        }
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
    // [/book:timers]

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

// [book:source]
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
// [/book:source]

}  // namespace ch06
