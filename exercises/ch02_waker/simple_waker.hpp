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

class SimpleWaker : public core::Wake {
public:
    // The stub throws here, on the thread that builds the waker (block_on's),
    // rather than in wake(), which may run on a timer thread where an
    // exception would end the whole program.
    explicit SimpleWaker([[maybe_unused]] std::shared_ptr<Parker> parker) {
        core::todo("ch02::SimpleWaker: keep the parker so that a waker copy that outlives block_on can still "
                   "wake it safely; see book/ch02_waker.md#the-waker-and-why-it-holds-the-parker-by-shared_ptr");
    }

    void wake() override {
        core::todo("ch02::SimpleWaker::wake: unpark the parker of the thread in block_on, from any thread, any "
                   "number of times; see book/ch02_waker.md#the-waker-and-why-it-holds-the-parker-by-shared_ptr");
    }

private:
    // TODO: how is the parker held, if the waker may outlive block_on?
};

}  // namespace ch02
