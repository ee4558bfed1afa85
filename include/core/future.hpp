// core/future.hpp: the Future concept and BoxFuture, a type-erased future.
//
// Contract:
// - A type F is a core::Future when it names its result `F::Output` and has
//   `Poll<Output> poll(Context&)`. Polling is the only way a future makes
//   progress: it does nothing on its own (futures are lazy).
// - A hand-written future must not be moved between polls once it has been
//   polled (it may have handed out its own address); move it in before the
//   first poll. This is the rule Rust enforces with Pin.
// - BoxFuture<T> owns any future with Output T on the heap, behind one
//   virtual call, so its address never changes and futures of different
//   types can sit in one queue. It is move-only. Polling it after it returned
//   Ready, or after it was moved from, throws std::logic_error.
//
// Rust counterparts: std::future::Future; Pin<Box<dyn Future<Output = T>>>
// (futures' BoxFuture).
#pragma once

#include <concepts>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "core/poll.hpp"
#include "core/waker.hpp"

namespace core {

template <class F>
concept Future = requires(F& f, Context& cx) {
    typename F::Output;
    { f.poll(cx) } -> std::same_as<Poll<typename F::Output>>;
};

template <Future F>
using OutputOf = typename F::Output;

template <class T>
class BoxFuture {
public:
    using Output = T;

    template <Future F>
        requires(!std::same_as<std::remove_cvref_t<F>, BoxFuture> &&
                 std::same_as<typename std::remove_cvref_t<F>::Output, T>)
    BoxFuture(F&& future)  // NOLINT: implicit, like Box::pin(fut) coercing to dyn Future
        : inner_(std::make_unique<Holder<std::remove_cvref_t<F>>>(std::forward<F>(future))) {}

    BoxFuture(BoxFuture&& other) noexcept
        : inner_(std::move(other.inner_)), state_(std::exchange(other.state_, State::moved_from)) {}
    BoxFuture& operator=(BoxFuture&& other) noexcept {
        inner_ = std::move(other.inner_);
        state_ = std::exchange(other.state_, State::moved_from);
        return *this;
    }

    Poll<T> poll(Context& cx) {
        if (state_ == State::completed)
            throw std::logic_error("core::BoxFuture polled again after it returned Ready");
        if (state_ == State::moved_from)
            throw std::logic_error("core::BoxFuture polled after it was moved from");
        Poll<T> result = inner_->poll(cx);
        if (result.is_ready()) {
            // The inner future is finished: free it now rather than when the
            // box goes, so whatever it holds (wakers, buffers) is released.
            inner_.reset();
            state_ = State::completed;
        }
        return result;
    }

private:
    struct Base {
        virtual ~Base() = default;
        virtual Poll<T> poll(Context& cx) = 0;
    };
    template <class F>
    struct Holder final : Base {
        explicit Holder(F&& f) : future(std::move(f)) {}
        explicit Holder(const F& f) : future(f) {}
        Poll<T> poll(Context& cx) override { return future.poll(cx); }
        F future;
    };
    enum class State { live, completed, moved_from };

    std::unique_ptr<Base> inner_;
    State state_ = State::live;
};

}  // namespace core
