// ch03_task_queue/store_output.hpp: StoreOutput, block_on's future as a task (given).
//
// Contract:
// - StoreOutput<F>(fut, slot) is a future with Output void: each poll polls
//   fut, and when fut is Ready it puts the value in *slot (true for a void
//   fut) and is Ready itself.
// - The slot is a shared_ptr<Slot>, Slot being std::optional<T> (bool for a
//   void T); block_on keeps the other reference and reads it once the task
//   is finished.
// - What fut throws leaves through poll, untouched.
//
// Why a shared slot: block_on drops this adapter before it returns, however
// it returns, so a pointer into block_on's frame would do; a shared slot
// keeps that from being a promise every edit of block_on must keep.
//
// Rust counterpart: none; tokio's current-thread block_on (CoreGuard::block_on)
// polls its future in place, a local of the call, instead of making it a task.
#pragma once

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "core/future.hpp"

namespace ch03::detail {

template <core::Future F>
class StoreOutput {
    using T = core::OutputOf<F>;
    using Slot = std::conditional_t<std::is_void_v<T>, bool, std::optional<T>>;

public:
    using Output = void;
    StoreOutput(F inner, std::shared_ptr<Slot> slot) : inner_(std::move(inner)), slot_(std::move(slot)) {}

    core::Poll<void> poll(core::Context& cx) {
        auto p = inner_.poll(cx);
        if (p.is_pending()) return core::Poll<void>::pending();
        if constexpr (std::is_void_v<T>) *slot_ = true;
        else slot_->emplace(p.take());
        return core::Poll<void>::ready();
    }

private:
    F inner_;
    std::shared_ptr<Slot> slot_;
};

}  // namespace ch03::detail
