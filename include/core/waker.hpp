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
// - core::RawWaker (chapter 7) is the other way to make a waker, without a
//   shared_ptr: a data pointer plus a table of four functions (clone, wake,
//   wake_by_ref, drop) that the runtime writes. Waker::from_raw(raw) takes
//   over one reference the runtime already counted; copying the Waker calls
//   clone, destroying it calls drop, wake() calls wake_by_ref. will_wake is
//   true when both the data pointer and the table are the same. Making one
//   allocates nothing.
// - core::WakerRef lends a RawWaker as a `const Waker&` for one poll without
//   counting it (Rust's ManuallyDrop<Waker>, tokio's WakerRef): its drop is
//   never called, so only a future that keeps a copy pays for a clone.
//
// Rust counterparts: std::task::Wake (the `Wake` trait for Arc<W>),
// std::task::Waker (with Waker::from(Arc<W>), Waker::noop(), will_wake,
// Waker::from_raw), std::task::RawWaker and RawWakerVTable, std::task::Context.
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

class Waker;

// Rust's RawWakerVTable: what a runtime does for each of a waker's moves.
// `clone` returns the data pointer of a new counted reference (usually the
// same pointer, after an increment); `wake` consumes the reference it is
// given; `wake_by_ref` does not; `drop` releases one reference.
struct RawWakerVTable {
    const void* (*clone)(const void* data);
    void (*wake)(const void* data);
    void (*wake_by_ref)(const void* data);
    void (*drop)(const void* data);
};

// Rust's RawWaker: the pointer and its table. It owns nothing by itself;
// Waker::from_raw turns it into an owning Waker.
struct RawWaker {
    const void* data;
    const RawWakerVTable* vtable;
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

    // Rust's `Waker::from_raw`: the new Waker owns the one reference `raw`
    // stands for, and calls `raw.vtable->drop` when it is destroyed.
    static Waker from_raw(RawWaker raw) noexcept {
        Waker w;
        w.raw_ = raw;
        return w;
    }

    Waker(const Waker& other) : target_(other.target_), raw_(other.raw_) {
        if (raw_.vtable) raw_.data = raw_.vtable->clone(raw_.data);
    }
    Waker(Waker&& other) noexcept
        : target_(std::move(other.target_)), raw_(std::exchange(other.raw_, RawWaker{nullptr, nullptr})) {}
    Waker& operator=(const Waker& other) {
        if (this != &other) *this = Waker(other);
        return *this;
    }
    Waker& operator=(Waker&& other) noexcept {
        if (this != &other) {
            release();
            target_ = std::move(other.target_);
            raw_ = std::exchange(other.raw_, RawWaker{nullptr, nullptr});
        }
        return *this;
    }
    ~Waker() { release(); }

    void wake() const {
        if (raw_.vtable) return raw_.vtable->wake_by_ref(raw_.data);
        if (target_) target_->wake();
    }

    // Rust's `Waker::wake(self)`: wakes and gives up this waker's reference
    // in one step (a runtime can skip a count up and down). The waker is a
    // no-op afterwards.
    void wake_and_release() {
        if (raw_.vtable) {
            RawWaker raw = std::exchange(raw_, RawWaker{nullptr, nullptr});
            return raw.vtable->wake(raw.data);
        }
        if (auto target = std::move(target_)) target->wake();
    }

    bool will_wake(const Waker& other) const noexcept {
        return target_ == other.target_ && raw_.data == other.raw_.data && raw_.vtable == other.raw_.vtable;
    }

private:
    explicit Waker(std::shared_ptr<Wake> target) : target_(std::move(target)) {}
    void release() noexcept {
        RawWaker raw = std::exchange(raw_, RawWaker{nullptr, nullptr});
        if (raw.vtable) raw.vtable->drop(raw.data);
    }

    std::shared_ptr<Wake> target_;          // a Waker::from(shared_ptr) waker
    RawWaker raw_{nullptr, nullptr};        // a Waker::from_raw waker (chapter 7)
};

// A RawWaker lent as a Waker for the length of one poll, without counting a
// reference: the Waker inside is never destroyed (Rust's ManuallyDrop), so its
// table's drop is never called. A future that keeps `cx.waker()` copies it,
// and that copy calls clone: the count goes up only when someone keeps one.
class WakerRef {
public:
    explicit WakerRef(RawWaker raw) noexcept : waker_(Waker::from_raw(raw)) {}
    ~WakerRef() {}  // deliberately does not destroy waker_: it owns no reference
    WakerRef(const WakerRef&) = delete;
    WakerRef& operator=(const WakerRef&) = delete;

    const Waker& get() const noexcept { return waker_; }
    operator const Waker&() const noexcept { return waker_; }

private:
    union {
        Waker waker_;
    };
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
