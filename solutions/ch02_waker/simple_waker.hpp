// ch02_waker/simple_waker.hpp: SimpleWaker, the waker of a thread in block_on.
//
// Contract:
// - SimpleWaker is a core::Wake whose wake() unparks the Parker of the thread
//   blocked in block_on. core::Waker::from(std::make_shared<SimpleWaker>(p))
//   turns it into the waker block_on hands to the future.
// - It holds the Parker by std::shared_ptr: a future may keep a copy of its
//   waker (in a timer thread, say) after block_on has returned, and wake it
//   then. That late wake unparks a Parker nobody parks on any more, which is
//   harmless, instead of touching a Parker that died with block_on's frame.
// - wake() may be called from any thread, any number of times (Parker's
//   unpark() is thread-safe and collapses repeated wakes into one token).
//
// Rust counterpart: pollster's `Signal` behind `Arc`, or futures' ThreadNotify
// (an `ArcWake` that calls `thread.unpark()`).
#pragma once

#include <memory>
#include <utility>

#include "ch02_waker/parker.hpp"
#include "core/core.hpp"

namespace ch02 {

// [book:simple_waker]
class SimpleWaker : public core::Wake {
public:
    explicit SimpleWaker(std::shared_ptr<Parker> parker) : parker_(std::move(parker)) {}

    void wake() override { parker_->unpark(); }

private:
    std::shared_ptr<Parker> parker_;  // shared: the waker may outlive block_on
};
// [/book:simple_waker]

}  // namespace ch02
