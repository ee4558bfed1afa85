// ch07_work_stealing/cell.hpp: CellBase<T> and Cell<F>, the rest of a task's one allocation (given):
// the join handshake (poll_join, drop_join_handle), the poll, finish, shutdown
// and dealloc that the Header's vtable points at, and the future itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include "ch07_work_stealing/header.hpp"
#include "core/block_pool.hpp"
#include "core/future.hpp"
#include "core/live_tasks.hpp"
#include "core/poll.hpp"
#include "core/waker.hpp"

namespace ch07 {

// The part of a task that depends only on its output type: what the
// JoinHandle<T> sees. The future lives in Cell<F> below.
template <class T>
class CellBase : public Header {
protected:
    struct Unit {};
    using Value = std::conditional_t<std::is_void_v<T>, Unit, T>;
    struct Empty {};
    struct CancelledMark {};
    struct Taken {};
    enum : std::size_t { empty, value, error, cancelled, taken };

    using Header::Header;

    core::Waker join_waker_;  // owned by the task side while JOIN_WAKER is set
    std::variant<Empty, Value, std::exception_ptr, CancelledMark, Taken> outcome_;

public:
    // [book:poll_join]
    // The JoinHandle's poll. The waker field belongs to whoever the
    // JOIN_WAKER bit says: clear, the handle may write it; set, only the
    // completing worker may touch it (to wake it). Store, then set the bit;
    // a completion that wins the race shows up as a failed set.
    core::Poll<T> poll_join(core::Context& cx) {
        Snapshot s = state.load();
        if (!s.complete()) {
            if (s.join_waker()) {
                if (join_waker_.will_wake(cx.waker())) return core::Poll<T>::pending();
                if (!state.unset_join_waker()) return take_outcome();  // it completed meanwhile
            }
            join_waker_ = cx.waker();
            if (state.set_join_waker()) return core::Poll<T>::pending();
            join_waker_ = core::Waker();  // it completed first: the field is ours again
        }
        return take_outcome();
    }
    // [/book:poll_join]

    // [book:drop_join]
    // The JoinHandle goes away (detach). If the task is complete the outcome
    // is ours to destroy now; the waker field is ours unless the completer
    // still holds it (then it drops the waker itself).
    void drop_join_handle() {
        if (state.drop_join_interest_fast()) return;  // detached before it finished: one RMW
        Snapshot after = state.drop_join_interest();
        if (after.complete()) drop_outcome();
        if (!after.join_waker()) join_waker_ = core::Waker();
        drop_ref();
    }
    // [/book:drop_join]

    bool is_finished() const { return state.load().complete(); }

protected:
    core::Poll<T> take_outcome() {
        if (outcome_.index() == taken)
            throw std::logic_error("ch07::JoinHandle polled again after it returned its result");
        auto outcome = std::exchange(outcome_, Taken{});
        if (outcome.index() == error) std::rethrow_exception(std::get<error>(outcome));
        if (outcome.index() == cancelled) throw Cancelled();
        if constexpr (std::is_void_v<T>) {
            return core::Poll<void>::ready();
        } else {
            return core::Poll<T>::ready(std::move(std::get<value>(outcome)));
        }
    }

    // Nobody will read the outcome: destroy it now, and say so if it is an
    // exception (it would vanish without a trace otherwise). Destroyed in
    // place, never moved out: this runs in ~JoinHandle, which is noexcept,
    // and a value whose move constructor throws would end in std::terminate.
    void drop_outcome() {
        std::exception_ptr unobserved;
        if (outcome_.index() == error) unobserved = std::get<error>(outcome_);
        outcome_.template emplace<taken>();
        if (unobserved) detail::report_unobserved(unobserved);
    }
};

template <core::Future F>
class Cell final : public CellBase<core::OutputOf<F>> {
    using T = core::OutputOf<F>;
    using Base = CellBase<T>;
    using Base::cancelled;
    using Base::error;
    using Base::value;

public:
    // The runtime's reference is counted last, once the future is in: if its
    // move constructor throws, nothing is left to undo (counted first, by the
    // Header, that reference was never given back and the runtime's state
    // leaked).
    Cell(F future, Shared* shared) : Base(&vtable, shared), future_(std::move(future)) {
        detail::retain_for_task(*shared);
    }
    ~Cell() noexcept { (void)free_future(); }

    // The block comes from this thread's pool (include/core/block_pool.hpp):
    // in a burst of 10^5 live tasks malloc's own per-thread cache is too small
    // to help, and each malloc and free takes its arena's lock. An
    // over-aligned future's block is operator new's.
    // (Out of line: g++ -O1 otherwise follows the block through the free
    // list into the future's move constructor and warns, wrongly, that its
    // members may be used uninitialized.)
    [[gnu::noinline]] static void* operator new(std::size_t n) { return core::pool::allocate(n); }
    static void operator delete(void* p, std::size_t n) noexcept { core::pool::deallocate(p, n); }
    static void* operator new(std::size_t n, std::align_val_t a) { return ::operator new(n, a); }
    static void operator delete(void* p, std::size_t, std::align_val_t a) noexcept { ::operator delete(p, a); }

private:
    // [book:poll]
    static void poll(Header* header) {
        auto* cell = static_cast<Cell*>(header);
        if (header->state.transition_to_running() == ToRunning::cancelled)
            return cell->finish(nullptr, std::nullopt, /*from_shutdown=*/false);
        // Lent, not counted: only a future that keeps a copy pays for a clone.
        core::WakerRef waker(core::RawWaker{header, &task_waker_table});
        core::Context cx(waker.get());
        std::optional<core::Poll<T>> ready;
        std::exception_ptr failure;
        try {
            auto p = cell->future_.poll(cx);
            if (p.is_ready()) ready.emplace(std::move(p));
        } catch (...) {
            failure = std::current_exception();
        }
        if (failure || ready) return cell->finish(std::move(failure), std::move(ready), false);
        // Pending: from here on the task may be owned by wakers alone, so the
        // shutdown must be able to find it. List it now, once; a task that
        // finishes in its first poll never takes the list's lock. A refused
        // listing means the runtime is shutting down: end it as Cancelled.
        if (!header->listed && !detail::list_waiting_task(*header->shared, header))
            return cell->finish(nullptr, std::nullopt, false);
        switch (header->state.transition_to_idle()) {
            case ToIdle::idle: return;  // a wake will queue it; our reference was dropped
            case ToIdle::repoll: return detail::schedule(*header->shared, header, /*yield_now=*/true);
            case ToIdle::cancelled: return cell->finish(nullptr, std::nullopt, false);
        }
    }
    // [/book:poll]

    // [book:finish]
    // Free the future, write the outcome, then publish COMPLETE in one RMW;
    // only then is the outcome the join's. `ready` empty and no failure
    // means cancelled. The first failure wins (poll, then destructor).
    void finish(std::exception_ptr failure, std::optional<core::Poll<T>> ready, bool from_shutdown) {
        std::exception_ptr from_destructor = free_future();
        if (!failure) failure = std::move(from_destructor);
        if (failure) {
            this->outcome_.template emplace<error>(std::move(failure));
        } else if (!ready) {
            this->outcome_.template emplace<cancelled>();
        } else if constexpr (std::is_void_v<T>) {
            this->outcome_.template emplace<value>();
        } else {
            this->outcome_.template emplace<value>(ready->take());
        }
        Snapshot s = this->state.transition_to_complete();
        if (!s.join_interest()) {
            this->drop_outcome();  // detached: nobody will read it
        } else if (s.join_waker()) {
            this->join_waker_.wake();
            if (!this->state.unset_join_waker_after_complete().join_interest())
                this->join_waker_ = core::Waker();  // the handle left meanwhile: the waker is ours to drop
        }
        if (from_shutdown) return this->drop_ref();  // the live list's reference
        if (this->listed) detail::remove_from_live_list(*this->shared, this);
        this->drop_ref(2);  // the live list's (counted from the start) and the one this worker ran it with
    }
    // [/book:finish]

    static void shutdown(Header* header) {
        auto* cell = static_cast<Cell*>(header);
        if (!header->state.transition_to_shutdown()) return header->drop_ref();
        cell->finish(nullptr, std::nullopt, /*from_shutdown=*/true);
    }

    static void dealloc(Header* header) {
        Shared* shared = header->shared;
        delete static_cast<Cell*>(header);
        detail::release_for_task(*shared);
    }

    // Runs the future's destructor once and catches what it throws (chapter
    // 5's reason for the union: optional::reset is noexcept).
    std::exception_ptr free_future() noexcept {
        if (!has_future_) return nullptr;
        has_future_ = false;
        try {
            future_.~F();
        } catch (...) {
            return std::current_exception();
        }
        return nullptr;
    }

    union {
        F future_;
    };
    bool has_future_ = true;
    [[no_unique_address]] core::testing::LiveTaskCount counted_;  // for the tests: a task never freed fails them

public:
    static constexpr TaskVTable vtable{&poll, &shutdown, &dealloc};
};

}  // namespace ch07
