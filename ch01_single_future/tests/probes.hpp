// Small futures the chapter 1 tests share (test code, not part of the exercise).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/core.hpp"

namespace ch01_test {

// Ready on its first poll with the value it was made with.
template <class T>
class Ready {
public:
    using Output = T;
    explicit Ready(T value) : value_(std::move(value)) {}
    core::Poll<T> poll(core::Context&) { return core::Poll<T>::ready(std::move(value_)); }

private:
    T value_;
};

// Wraps a future and counts how often it was polled (into a shared counter,
// so the count can be read after the future was moved into block_on).
template <core::Future F>
class Counted {
public:
    using Output = core::OutputOf<F>;
    Counted(F inner, std::shared_ptr<int> polls) : inner_(std::move(inner)), polls_(std::move(polls)) {}
    core::Poll<Output> poll(core::Context& cx) {
        ++*polls_;
        return inner_.poll(cx);
    }

private:
    F inner_;
    std::shared_ptr<int> polls_;
};

// Pending (waking itself) `pending` times, then throws std::runtime_error(message).
class ThrowsAfter {
public:
    using Output = int;
    ThrowsAfter(int pending, std::string message) : pending_(pending), message_(std::move(message)) {}
    core::Poll<int> poll(core::Context& cx) {
        if (pending_ > 0) {
            --pending_;
            cx.waker().wake();
            return core::Poll<int>::pending();
        }
        throw std::runtime_error(message_);
    }

private:
    int pending_;
    std::string message_;
};

// Pending (waking itself) `pending` times, then Ready(pending). It checks
// the rule that stands in for Rust's Pin: once polled, a future stays where it
// is. A move after the first poll, or a poll at another address than the
// first, is counted in the shared PinStats (so the test reads them after the
// future was moved into block_on and destroyed there).
struct PinStats {
    int polls = 0;
    int moves_after_poll = 0;  // move constructions from a future already polled
    int polls_elsewhere = 0;   // polls at an address other than the first poll's
};

class StaysPut {
public:
    using Output = int;
    StaysPut(int pending, std::shared_ptr<PinStats> stats) : stats_(std::move(stats)), pending_(pending), start_(pending) {}
    StaysPut(StaysPut&& other) noexcept
        : stats_(other.stats_), pending_(other.pending_), start_(other.start_), first_poll_at_(other.first_poll_at_) {
        if (first_poll_at_ != nullptr) ++stats_->moves_after_poll;
    }
    StaysPut& operator=(StaysPut&&) = delete;

    core::Poll<int> poll(core::Context& cx) {
        ++stats_->polls;
        if (first_poll_at_ == nullptr) first_poll_at_ = this;
        if (first_poll_at_ != this) ++stats_->polls_elsewhere;
        if (pending_ > 0) {
            --pending_;
            cx.waker().wake();
            return core::Poll<int>::pending();
        }
        return core::Poll<int>::ready(start_);
    }

private:
    std::shared_ptr<PinStats> stats_;
    int pending_;
    int start_;
    const StaysPut* first_poll_at_ = nullptr;
};

}  // namespace ch01_test
