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
// TODO: a thread_local flag "this thread is inside block_on", and a guard
// class that throws std::logic_error (say it would deadlock) when the flag is
// already set, sets it otherwise, and clears it in its destructor, so an
// exception leaving the future does not leave the flag stuck.
}  // namespace detail

template <core::Future F>
core::OutputOf<F> block_on([[maybe_unused]] F future) {
    core::todo("block_on in exercises/ch02_waker/block_on.hpp: make a shared Parker and a "
               "core::Waker from a SimpleWaker on it; loop { poll; Ready -> return result.take(); "
               "Pending -> parker->park(); }; throw std::logic_error when nested");
}

}  // namespace ch02
