// core/async.hpp: Async<T>, a C++20 coroutine that is a core::Future.
//
// Contract:
// - A function returning core::Async<T> is a coroutine. Calling it runs
//   nothing (it is lazy); it starts on its first poll, like a Rust async fn.
// - Async<T> is itself a core::Future with Output T, so an executor polls it
//   like any hand-written future.
// - Inside the coroutine, `co_await f` works on any core::Future f. It polls f
//   with the Context of the current outer poll. If f is Pending, the
//   coroutine stays suspended and the outer poll returns Pending; the next
//   poll of the Async polls f again and resumes the coroutine only once f is
//   Ready. `co_await` on an rvalue moves the future into the coroutine frame;
//   on an lvalue it polls that object in place (it must outlive the await).
// - An exception thrown in the coroutine leaves through poll(); one thrown by
//   an awaited future's poll() comes out of the `co_await`, so try/catch
//   around it works as expected.
// - Destroying an Async destroys its coroutine frame, and with it every local
//   and every future it was awaiting. Polling a completed or moved-from
//   Async throws std::logic_error.
// - The frame lives on the heap, so an Async may be moved freely, even
//   between polls (it is "Unpin" in Rust terms).
//
// Rust counterpart: `async fn` / `async {}` blocks and `.await`.
//
// C++ traps (the book explains each): a capturing lambda must not be a
// coroutine (its captures die with the lambda object, before the frame), and
// a coroutine that will be spawned must take its parameters by value.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "core/block_pool.hpp"
#include "core/future.hpp"
#include "core/scope_exit.hpp"

namespace core {

template <class T>
class Async;

namespace detail {

template <class>
inline constexpr bool always_false = false;

// [book:pending_await]
// A co_await that returned Pending leaves a way to poll its future again.
struct PendingAwait {
    bool (*poll)(void* awaiter, Context& cx) = nullptr;
    void* awaiter = nullptr;
};
// [/book:pending_await]

// [book:await_result]
// Holds the result of an awaited future: a value, "done" for void, or the
// exception its poll threw (rethrown from await_resume, inside the coroutine).
template <class T>
struct AwaitResult {
    std::optional<T> value;
    std::exception_ptr error;
    template <class F>
    bool try_poll(F& future, Context& cx) {
        try {
            auto p = future.poll(cx);
            if (p.is_pending()) return false;
            value.emplace(p.take());
        } catch (...) {
            error = std::current_exception();
        }
        return true;
    }
    T get() {
        if (error) std::rethrow_exception(error);
        return std::move(*value);
    }
};
// [/book:await_result]
template <>
struct AwaitResult<void> {
    std::exception_ptr error;
    template <class F>
    bool try_poll(F& future, Context& cx) {
        try {
            if (future.poll(cx).is_pending()) return false;
        } catch (...) {
            error = std::current_exception();
        }
        return true;
    }
    void get() {
        if (error) std::rethrow_exception(error);
    }
};

// [book:promise]
class PromiseBase {
public:
    std::suspend_always initial_suspend() noexcept { return {}; }  // lazy
    // Stay suspended at the end so poll() can read the result; the Async
    // destroys the frame.
    std::suspend_always final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { error_ = std::current_exception(); }

    // F is `X&` for an lvalue (polled in place) or `X` for an rvalue (moved
    // into the awaiter, which lives in the coroutine frame).
    template <class F>
        requires Future<std::remove_cvref_t<F>>
    auto await_transform(F&& future);

    template <class A>
        requires(!Future<std::remove_cvref_t<A>>)
    std::suspend_never await_transform(A&&) {
        static_assert(always_false<A>,
                      "inside core::Async, co_await works only on a core::Future "
                      "(a type with `using Output = ...;` and `Poll<Output> poll(Context&)`)");
        return {};
    }

#if !defined(CORE_POOL_COMPILED_OUT)
    // The frame's memory. Where a runtime asked for it on this thread
    // (pool::FramesFromPool, on its workers) it comes from the block pool,
    // else from ::operator new as usual. The frame may die on any thread,
    // so one byte past its end remembers which (asio's recycling allocator
    // keeps such a byte too). Compiled out under the sanitizers.
    static void* operator new(std::size_t n) {
        if (pool::frames_here()) return pool::allocate_frame(n);
        auto* p = static_cast<unsigned char*>(::operator new(n + 1));
        p[n] = 0;  // not pooled
        return p;
    }
    static void operator delete(void* frame, std::size_t n) noexcept {
        if (static_cast<unsigned char*>(frame)[n]) return pool::deallocate_frame(frame, n);
        ::operator delete(frame);
    }
#endif

    Context* cx = nullptr;  // the Context of the poll in progress
    PendingAwait pending;   // set while suspended on a Pending future
    std::exception_ptr error_;
};
// [/book:promise]

// [book:awaiter]
template <class F>
class FutureAwaiter {
    using Fut = std::remove_cvref_t<F>;
    using Out = typename Fut::Output;

public:
    FutureAwaiter(F&& future, PromiseBase& promise)
        : future_(std::forward<F>(future)), promise_(promise) {}

    // The first poll happens here, so a future that is Ready at once never
    // suspends the coroutine.
    bool await_ready() { return result_.try_poll(future_, *promise_.cx); }
    void await_suspend(std::coroutine_handle<>) noexcept {
        promise_.pending = {&FutureAwaiter::poll_again, this};
    }
    Out await_resume() { return result_.get(); }

private:
    static bool poll_again(void* self, Context& cx) {
        auto* me = static_cast<FutureAwaiter*>(self);
        return me->result_.try_poll(me->future_, cx);
    }

    F future_;  // a value, or a reference for an awaited lvalue
    PromiseBase& promise_;
    AwaitResult<Out> result_;
};

template <class F>
    requires Future<std::remove_cvref_t<F>>
auto PromiseBase::await_transform(F&& future) {
    return FutureAwaiter<F>(std::forward<F>(future), *this);
}
// [/book:awaiter]

// [book:promise_t]
template <class T>
class Promise : public PromiseBase {
public:
    Async<T> get_return_object();
    template <class U>
        requires std::convertible_to<U&&, T>
    void return_value(U&& v) {
        value.emplace(std::forward<U>(v));
    }
    std::optional<T> value;
};
// [/book:promise_t]

template <>
class Promise<void> : public PromiseBase {
public:
    Async<void> get_return_object();
    void return_void() noexcept {}
};

}  // namespace detail

// [book:async]
template <class T>
class [[nodiscard]] Async {
public:
    using Output = T;
    using promise_type = detail::Promise<T>;

    Async(Async&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
    Async& operator=(Async&& other) noexcept {
        if (this != &other) {
            destroy();
            handle_ = std::exchange(other.handle_, {});
        }
        return *this;
    }
    ~Async() { destroy(); }

    Poll<T> poll(Context& cx) {
        if (!handle_) throw std::logic_error("core::Async polled after it was moved from");
        if (handle_.done()) throw std::logic_error("core::Async polled again after it completed");
        auto& promise = handle_.promise();
        promise.cx = &cx;
        ScopeExit clear_context([&promise]() noexcept { promise.cx = nullptr; });  // the Context dies with this poll

        if (promise.pending.poll) {
            if (!promise.pending.poll(promise.pending.awaiter, cx)) return Poll<T>::pending();
            promise.pending = {};
        }
        handle_.resume();
        if (!handle_.done()) return Poll<T>::pending();
        if (promise.error_) std::rethrow_exception(std::exchange(promise.error_, nullptr));
        if constexpr (std::is_void_v<T>) {
            return Poll<void>::ready();
        } else {
            return Poll<T>::ready(std::move(*promise.value));
        }
    }

private:
    friend promise_type;
    explicit Async(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}
    void destroy() noexcept {
        if (handle_) std::exchange(handle_, {}).destroy();
    }
    std::coroutine_handle<promise_type> handle_;
};
// [/book:async]

// [book:get_return_object]
template <class T>
Async<T> detail::Promise<T>::get_return_object() {
    return Async<T>(std::coroutine_handle<Promise>::from_promise(*this));
}
inline Async<void> detail::Promise<void>::get_return_object() {
    return Async<void>(std::coroutine_handle<Promise>::from_promise(*this));
}
// [/book:get_return_object]

static_assert(Future<Async<int>> && Future<Async<void>>);

}  // namespace core
