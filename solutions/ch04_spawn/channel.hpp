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
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "ch04_spawn/channel_state.hpp"  // detail::Channel, the state both ends share

namespace ch04 {

// [book:sender]
template <class T>
class Sender {
public:
    explicit Sender(std::shared_ptr<detail::Channel<T>> ch) : ch_(std::move(ch)) {
        std::lock_guard lock(ch_->mutex);
        ++ch_->senders;
    }
    Sender(const Sender& other) : Sender(other.ch_) {}
    Sender(Sender&& other) noexcept : ch_(std::move(other.ch_)) {}  // the count moves with it
    Sender& operator=(Sender other) noexcept {  // copy or move, then swap
        std::swap(ch_, other.ch_);
        return *this;
    }
    ~Sender() {
        if (!ch_) return;  // moved from
        bool last;
        {
            std::lock_guard lock(ch_->mutex);
            last = --ch_->senders == 0;
        }
        // The last sender closes the channel: every blocked recv() must
        // wake up and see "closed and empty". After the unlock is safe: ch_
        // keeps the condition variable alive through the notify.
        if (last) ch_->not_empty.notify_all();
    }

    bool send(T value) const {
        {
            std::lock_guard lock(ch_->mutex);
            // Nobody can read it: `value` is destroyed on the way out, after the unlock.
            if (ch_->receivers == 0) return false;
            ch_->queue.push_back(std::move(value));
        }
        // One value, one receiver to wake; the value is in the queue before
        // anyone is told (a notify that comes first wakes nobody who can see it).
        ch_->not_empty.notify_one();
        return true;
    }

private:
    std::shared_ptr<detail::Channel<T>> ch_;
};
// [/book:sender]

// [book:receiver]
template <class T>
class Receiver {
public:
    explicit Receiver(std::shared_ptr<detail::Channel<T>> ch) : ch_(std::move(ch)) {
        std::lock_guard lock(ch_->mutex);
        ++ch_->receivers;
    }
    Receiver(const Receiver& other) : Receiver(other.ch_) {}
    Receiver(Receiver&& other) noexcept : ch_(std::move(other.ch_)) {}
    Receiver& operator=(Receiver other) noexcept {
        std::swap(ch_, other.ch_);
        return *this;
    }
    ~Receiver() {
        if (!ch_) return;
        std::deque<T> orphans;  // destroyed after the lock is released
        {
            std::lock_guard lock(ch_->mutex);
            if (--ch_->receivers == 0) orphans.swap(ch_->queue);
        }
    }

    std::optional<T> recv() const {
        std::unique_lock lock(ch_->mutex);
        ch_->not_empty.wait(lock, [&] { return !ch_->queue.empty() || ch_->senders == 0; });
        if (ch_->queue.empty()) return std::nullopt;  // closed and drained
        T value = std::move(ch_->queue.front());
        ch_->queue.pop_front();
        return value;
    }

private:
    std::shared_ptr<detail::Channel<T>> ch_;
};
// [/book:receiver]

// [book:channel]
template <class T>
std::pair<Sender<T>, Receiver<T>> channel() {
    auto ch = std::make_shared<detail::Channel<T>>();
    return {Sender<T>(ch), Receiver<T>(ch)};
}
// [/book:channel]

}  // namespace ch04
