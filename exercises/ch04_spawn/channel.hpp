// ch04/channel.hpp: an unbounded multi-producer, multi-consumer channel.
//
// Contract:
// - channel<T>() returns a connected (Sender<T>, Receiver<T>) pair. Both ends
//   are copyable; every copy counts. A moved-from end counts for nothing and
//   must not be used again.
// - send(v) never blocks (unbounded). It returns false, and drops v, once
//   every Receiver is gone: nobody could ever read it.
// - recv() blocks until a value is there and returns it; it returns an empty
//   optional once every Sender is gone AND the queue is drained. Values from
//   one sender come out in the order they were sent.
// - When the last Receiver goes, the values still queued are destroyed at
//   once (outside the lock: destroying a value may drop a Sender of this
//   very channel).
//
// Rust counterpart: std::sync::mpsc::channel, or crossbeam's unbounded()
// (which, like this one, allows many receivers).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "core/todo.hpp"

namespace ch04 {

namespace detail {
template <class T>
struct Channel {
    std::mutex mutex;
    std::condition_variable not_empty;
    std::deque<T> queue;
    std::size_t senders = 0;    // guarded by mutex, like everything here
    std::size_t receivers = 0;
};
}  // namespace detail

template <class T>
class Sender {
public:
    explicit Sender(std::shared_ptr<detail::Channel<T>> ch) : ch_(std::move(ch)) {
        // TODO: count this sender (under the channel's mutex).
        core::todo("Sender's constructor in exercises/ch04_spawn/channel.hpp: "
                   "++ch_->senders under ch_->mutex");
    }
    Sender(const Sender& other) : Sender(other.ch_) {}
    Sender(Sender&& other) noexcept : ch_(std::move(other.ch_)) {}  // the count moves with it
    Sender& operator=(Sender other) noexcept {  // copy or move, then swap
        std::swap(ch_, other.ch_);
        return *this;
    }
    ~Sender() {
        // TODO: a moved-from Sender (ch_ empty) does nothing. Otherwise
        // --senders under the lock; the LAST sender closes the channel, so
        // every recv() blocked on it must be woken (notify_all, after
        // unlocking). A destructor must not throw: no todo() here.
    }

    bool send([[maybe_unused]] T value) const {
        // TODO: under the lock, return false if no receiver is left,
        // otherwise push_back; then notify one receiver.
        core::todo("Sender::send in exercises/ch04_spawn/channel.hpp: "
                   "push_back under the mutex (false if receivers == 0), then notify_one");
    }

private:
    std::shared_ptr<detail::Channel<T>> ch_;
};

template <class T>
class Receiver {
public:
    explicit Receiver(std::shared_ptr<detail::Channel<T>> ch) : ch_(std::move(ch)) {
        // TODO: count this receiver (under the channel's mutex).
        core::todo("Receiver's constructor in exercises/ch04_spawn/channel.hpp: "
                   "++ch_->receivers under ch_->mutex");
    }
    Receiver(const Receiver& other) : Receiver(other.ch_) {}
    Receiver(Receiver&& other) noexcept : ch_(std::move(other.ch_)) {}
    Receiver& operator=(Receiver other) noexcept {
        std::swap(ch_, other.ch_);
        return *this;
    }
    ~Receiver() {
        // TODO: a moved-from Receiver does nothing. Otherwise --receivers;
        // the LAST receiver takes the queued values out (swap them into a
        // local deque under the lock) and lets them die AFTER unlocking: a
        // value's destructor may drop a Sender of this very channel, which
        // takes the same mutex. No todo() here: destructors must not throw.
    }

    std::optional<T> recv() const {
        // TODO: wait until the queue is not empty OR no sender is left;
        // return the front, or an empty optional when closed and drained.
        core::todo("Receiver::recv in exercises/ch04_spawn/channel.hpp: "
                   "wait on not_empty (predicate: !queue.empty() || senders == 0), pop_front");
    }

private:
    std::shared_ptr<detail::Channel<T>> ch_;
};

template <class T>
std::pair<Sender<T>, Receiver<T>> channel() {
    // TODO: one shared detail::Channel<T>, one Sender and one Receiver on it.
    core::todo("channel<T>() in exercises/ch04_spawn/channel.hpp: "
               "make_shared<detail::Channel<T>>(), return {Sender<T>(ch), Receiver<T>(ch)}");
}

}  // namespace ch04
