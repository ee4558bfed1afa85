// ch02_waker/block_on.hpp: block_on that sleeps while the future is Pending.
//
// Contract:
// - block_on(future) takes the future by value, polls it on the calling
//   thread and returns its output (void for a void future). Between polls the
//   thread is parked: it is polled again only after a wake (one wake per
//   poll, however many wakes arrived). A wake that lands before the park,
//   during the poll or from any number of threads at once, is never lost.
// - An exception thrown by poll() leaves through block_on; the thread can
//   call block_on again afterwards.
// - Calling block_on from inside a future that block_on is polling on the
//   same thread throws std::logic_error (it would deadlock, see below).
//   Two threads may each run their own block_on at the same time.
//
// Rust counterpart: futures::executor::block_on, pollster::block_on. The
// nested-call check is what tokio does with "Cannot start a runtime from
// within a runtime".
#pragma once

#include <memory>
#include <stdexcept>
#include <utility>

#include "ch02_waker/parker.hpp"
#include "ch02_waker/simple_waker.hpp"
#include "core/core.hpp"

namespace ch02 {

namespace detail {
// TODO: how does block_on know that this thread is already inside a
// block_on, and what makes sure it forgets it on every way out (an exception
// from the future included)? core/scope_exit.hpp may help.
}  // namespace detail

template <core::Future F>
core::OutputOf<F> block_on([[maybe_unused]] F future) {
    core::todo("ch02::block_on: poll the future on this thread and return its output; between polls sleep "
               "until a wake (never lose one, never poll without one); a call nested inside a future this "
               "thread is polling throws std::logic_error (it would deadlock); see "
               "book/ch02_waker.md#block_on");
}

}  // namespace ch02
