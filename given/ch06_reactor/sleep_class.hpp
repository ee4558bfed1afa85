// ch06_reactor/sleep_class.hpp: the Sleep future, its data, and ch06::sleep_for (given).
//
// Sleep::poll, the one function you write, is in sleep.hpp (include that
// one). A Sleep keeps the reactor alive while its entry may be in the
// reactor's timer heap, and shares a TimerSlot with that entry.
#pragma once

#include <chrono>
#include <memory>

#include "ch06_reactor/reactor.hpp"
#include "core/deadline.hpp"
#include "core/poll.hpp"
#include "core/waker.hpp"

namespace ch06 {

class [[nodiscard]] Sleep {
public:
    using Output = void;
    using Clock = Reactor::Clock;

    // Saturated here, so the first poll can add it to now: at most ~30 years
    // (a "sleep forever" of duration::max() must pend, not overflow into the past).
    template <class Rep, class Period>
    explicit Sleep(std::chrono::duration<Rep, Period> d) : duration_(core::clamp_sleep(d)) {}
    core::Poll<void> poll(core::Context& cx);  // sleep.hpp

private:
    Clock::duration duration_;
    std::shared_ptr<Reactor> reactor_;  // kept alive while our entry may be in its heap
    std::shared_ptr<detail::TimerSlot> slot_;
};

template <class Rep, class Period>
Sleep sleep_for(std::chrono::duration<Rep, Period> d) {
    return Sleep(d);
}

}  // namespace ch06
