// core/waker.hpp: Wake, Waker and Context, the way a future asks to be polled again.
//
// Contract:
// - core::Wake is the behaviour behind a waker: one virtual `wake()`. It may
//   be called from any thread, any number of times, also after the future it
//   was made for has finished, so implementations must be thread-safe and
//   must tolerate "too late".
// - core::Waker is a cheap, copyable handle to a shared Wake object. Copying,
//   destroying and calling wake() on *different* Waker objects from different
//   threads is safe (it is a std::shared_ptr inside). One Waker object that is
//   assigned on one thread while read on another needs a lock, like any value.
// - `a.will_wake(b)` is true when a and b were made from the same Wake object,
//   so waking either does the same thing. Futures use it to skip re-storing an
//   unchanged waker.
// - core::Context is what poll() receives. It is only valid during that one
//   call: a future that needs to wake later copies `cx.waker()`.
//
// Rust counterparts: std::task::Wake (the `Wake` trait for Arc<W>),
// std::task::Waker (with Waker::from(Arc<W>), Waker::noop(), will_wake),
// std::task::Context.
#pragma once

#include <concepts>
#include <memory>
#include <utility>

namespace core {

class Wake {
public:
    virtual ~Wake() = default;
    virtual void wake() = 0;
};

class Waker {
public:
    // Rust's `Waker::from(Arc<W>)`: the waker shares ownership of `w`, so the
    // Wake object lives as long as any copy of the waker does.
    template <class W>
        requires std::derived_from<W, Wake>
    static Waker from(std::shared_ptr<W> w) {
        return Waker(std::shared_ptr<Wake>(std::move(w)));
    }

    // A waker that does nothing. Useful for busy-polling (chapter 1) and tests.
    static Waker noop() { return Waker(nullptr); }

    // Default-constructed wakers are no-op wakers too, so a future can hold a
    // Waker member before its first poll.
    Waker() = default;

    void wake() const {
        if (target_) target_->wake();
    }

    bool will_wake(const Waker& other) const noexcept { return target_ == other.target_; }

private:
    explicit Waker(std::shared_ptr<Wake> target) : target_(std::move(target)) {}
    std::shared_ptr<Wake> target_;
};

class Context {
public:
    explicit Context(const Waker& waker) noexcept : waker_(waker) {}
    // A Context only borrows: `Context cx(Waker::noop());` would keep a
    // reference to a temporary that dies at the semicolon. Name the waker.
    Context(Waker&&) = delete;
    // A Context borrows its waker for one poll; copying it would invite
    // keeping it past that poll.
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    const Waker& waker() const noexcept { return waker_; }

private:
    const Waker& waker_;
};

}  // namespace core
