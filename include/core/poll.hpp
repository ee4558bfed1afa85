// core/poll.hpp: the answer a future gives each time it is polled.
//
// Contract: a Poll<T> is either Ready (and holds a T) or Pending (and holds
// nothing). A future that answers Pending has promised to arrange a wake-up
// through the Waker it was polled with; the executor will not poll it again
// until that happens. Asking a Pending poll for its value is a logic error and
// throws std::logic_error, so a mix-up fails loudly instead of reading garbage.
//
// Rust counterpart: std::task::Poll<T> (Poll::Ready(v) / Poll::Pending).
#pragma once

#include <optional>
#include <stdexcept>
#include <utility>

namespace core {

template <class T>
class Poll {
public:
    // Implicit on purpose: `return value;` inside poll() reads like Rust's
    // `Poll::Ready(value)` without the noise.
    Poll(T value) : value_(std::move(value)) {}

    static Poll ready(T value) { return Poll(std::move(value)); }
    static Poll pending() { return Poll(); }

    bool is_ready() const noexcept { return value_.has_value(); }
    bool is_pending() const noexcept { return !value_.has_value(); }

    T& value() & { check(); return *value_; }
    const T& value() const& { check(); return *value_; }
    // Moves the value out; the Poll still reports Ready afterwards.
    T take() { check(); return std::move(*value_); }

private:
    Poll() = default;
    void check() const {
        if (!value_) throw std::logic_error("core::Poll: asked for the value of a Pending poll");
    }
    std::optional<T> value_;
};

template <>
class Poll<void> {
public:
    static Poll ready() { return Poll(true); }
    static Poll pending() { return Poll(false); }

    bool is_ready() const noexcept { return ready_; }
    bool is_pending() const noexcept { return !ready_; }
    // Present so generic code can write `p.take()` for every T.
    void take() const {
        if (!ready_) throw std::logic_error("core::Poll: asked for the value of a Pending poll");
    }

private:
    explicit Poll(bool ready) : ready_(ready) {}
    bool ready_;
};

}  // namespace core
