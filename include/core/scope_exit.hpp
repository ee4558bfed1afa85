// core/scope_exit.hpp: run a piece of code when a scope ends, however it ends.
//
// Contract: ScopeExit guard([&] { ... }); runs the callable once, when the
// guard is destroyed: at the closing brace, at a return, or while an
// exception unwinds through the scope. dismiss() cancels it. The callable
// must not throw (the destructor is noexcept, so a throw terminates).
//
// Executors need this in their loops: "whatever happens to this poll, count
// the task as finished" or "whatever happens, leave the RUNNING state".
//
// Rust counterpart: a guard struct with `impl Drop` (scopeguard::defer!).
#pragma once

#include <utility>

namespace core {

template <class F>
class [[nodiscard]] ScopeExit {
public:
    explicit ScopeExit(F f) : f_(std::move(f)) {}
    ScopeExit(const ScopeExit&) = delete;
    ScopeExit& operator=(const ScopeExit&) = delete;
    ~ScopeExit() {
        if (armed_) f_();
    }
    void dismiss() noexcept { armed_ = false; }

private:
    F f_;
    bool armed_ = true;
};

}  // namespace core
