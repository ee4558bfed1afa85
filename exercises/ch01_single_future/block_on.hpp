// ch01_single_future/block_on.hpp: block_on, the simplest executor there is.
//
// Contract:
// - block_on(future) takes the future by value, polls it on the calling
//   thread until it is Ready and returns its output (void for a void future).
//   A move-only output is moved out. An exception thrown by poll() leaves
//   through block_on.
// - It polls in a tight loop with core::Waker::noop(): nobody is ever told
//   "poll me again", the loop just asks again at once. That works for every
//   future, and burns one CPU core at 100 % for as long as the future is
//   Pending (the demo measures it). Chapter 2 replaces the loop by a wait.
//
// Rust counterpart: the naive `loop { if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) { return v } }`
// with `Waker::noop()`; `futures::executor::block_on` is the grown-up form.
#pragma once

#include <utility>

#include "core/core.hpp"

namespace ch01 {

template <core::Future F>
core::OutputOf<F> block_on([[maybe_unused]] F future) {
    core::todo("ch01::block_on: poll the future on this thread until it is Ready and return its output "
               "(void for a void future); after Pending, poll again at once, since the no-op waker will "
               "tell nobody; see book/ch01_single_future.md#the-executor-block_on");
}

}  // namespace ch01
