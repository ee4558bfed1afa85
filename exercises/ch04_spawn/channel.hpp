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
#include "core/todo.hpp"

namespace ch04 {

template <class T>
class Sender {
public:
    explicit Sender(std::shared_ptr<detail::Channel<T>> ch) : ch_(std::move(ch)) {
        // TODO: this Sender now counts. Who else may be reading the count
        // right now, from which thread?
        core::todo("Sender's constructor: a new Sender counts as one more sender of the channel "
                   "(copies count, moved-from ends do not); see book/ch04_spawn.md#the-channel");
    }
    Sender(const Sender& other) : Sender(other.ch_) {}
    Sender(Sender&& other) noexcept : ch_(std::move(other.ch_)) {}  // the count moves with it
    Sender& operator=(Sender other) noexcept {  // copy or move, then swap
        std::swap(ch_, other.ch_);
        return *this;
    }
    ~Sender() {
        // TODO: a moved-from Sender counts for nothing. When the last Sender
        // goes, the channel is closed: what must happen to every receiver
        // that is asleep in recv() right now? (A destructor must not throw:
        // no todo() here, so the stub check cannot see this one.)
    }

    bool send([[maybe_unused]] T value) const {
        // TODO: what if nobody can ever read the value? And in which order
        // do "the value is there" and "a receiver is told" happen?
        core::todo("Sender::send: queue the value without blocking and wake a receiver; "
                   "false (value dropped) once every Receiver is gone; "
                   "see book/ch04_spawn.md#the-channel");
    }

private:
    std::shared_ptr<detail::Channel<T>> ch_;
};

template <class T>
class Receiver {
public:
    explicit Receiver(std::shared_ptr<detail::Channel<T>> ch) : ch_(std::move(ch)) {
        // TODO: this Receiver now counts, like a Sender does.
        core::todo("Receiver's constructor: a new Receiver counts as one more receiver of the "
                   "channel; see book/ch04_spawn.md#the-channel");
    }
    Receiver(const Receiver& other) : Receiver(other.ch_) {}
    Receiver(Receiver&& other) noexcept : ch_(std::move(other.ch_)) {}
    Receiver& operator=(Receiver other) noexcept {
        std::swap(ch_, other.ch_);
        return *this;
    }
    ~Receiver() {
        // TODO: when the last Receiver goes, nobody will ever read what is
        // still queued. Those values may be tasks, and a task owns a Sender
        // of this very channel: what does its destructor need, and when may
        // it run? (No todo() here: destructors must not throw.)
    }

    std::optional<T> recv() const {
        // TODO: when may recv give up and say "closed"?
        core::todo("Receiver::recv: block until a value arrives (oldest first) or every Sender "
                   "is gone and the queue is drained (then an empty optional); "
                   "see book/ch04_spawn.md#the-channel");
    }

private:
    std::shared_ptr<detail::Channel<T>> ch_;
};

template <class T>
std::pair<Sender<T>, Receiver<T>> channel() {
    // TODO: two ends that share one channel, and keep it alive as long as
    // either end exists.
    core::todo("channel<T>(): a connected Sender and Receiver pair over one new channel; "
               "see book/ch04_spawn.md#the-channel");
}

}  // namespace ch04
