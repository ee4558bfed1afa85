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
#include "core/scope_exit.hpp"

namespace ch02 {

namespace detail {
// True while this thread is inside block_on. thread_local: block_on on two
// different threads is fine, only nesting on one thread is a bug.
inline thread_local bool in_block_on = false;
}  // namespace detail

// [book:block_on]
template <core::Future F>
core::OutputOf<F> block_on(F future) {
    if (detail::in_block_on)
        throw std::logic_error(
            "ch02::block_on called from inside a future that ch02::block_on is already polling "
            "on this thread: the inner call would park the thread, and the outer future could "
            "never be polled again to make the progress the inner one waits for (a deadlock). "
            "co_await the future instead of blocking on it.");
    detail::in_block_on = true;
    // Cleared on every way out, exceptions included, so the next block_on on
    // this thread works.
    core::ScopeExit leave([]() noexcept { detail::in_block_on = false; });

    // A fresh parker per call, shared with the waker: a copy of the waker may
    // outlive this call, and a stale token from an earlier call cannot leak
    // into this one.
    auto parker = std::make_shared<Parker>();
    const core::Waker waker = core::Waker::from(std::make_shared<SimpleWaker>(parker));
    core::Context cx(waker);

    for (;;) {
        auto result = future.poll(cx);
        if (result.is_ready()) return result.take();
        // Pending: the future has handed our waker to whoever will finish it.
        // If that wake already happened (during the poll, or just now), the
        // token is waiting and park() returns at once: nothing is lost.
        parker->park();
    }
}
// [/book:block_on]

}  // namespace ch02
