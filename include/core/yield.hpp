// core/yield.hpp: yield_now(), give other tasks a turn.
//
// Contract: the first poll wakes its own waker and returns Pending; the
// second returns Ready. Under a fair executor the task goes to the back of
// the ready queue. Also handy in tests: the simplest future that is Pending
// exactly once and wakes itself *inside* poll (a classic lost-wakeup probe).
//
// Rust counterpart: tokio::task::yield_now.
#pragma once

#include "core/poll.hpp"
#include "core/waker.hpp"

namespace core {

class [[nodiscard]] YieldNow {
public:
    using Output = void;
    Poll<void> poll(Context& cx) {
        if (yielded_) return Poll<void>::ready();
        yielded_ = true;
        cx.waker().wake();
        return Poll<void>::pending();
    }

private:
    bool yielded_ = false;
};

inline YieldNow yield_now() { return YieldNow(); }

}  // namespace core
