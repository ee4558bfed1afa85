// ch06_reactor/sleep_class.hpp: the Sleep future, its data, and ch06::sleep_for (given).
//
// Sleep::poll, the one function you write, is in sleep.hpp (include that
// one). A Sleep keeps the reactor alive while its entry may be in the
// reactor's timer heap, and shares a TimerSlot with that entry.
#pragma once

#include <memory>

#include "ch06_reactor/reactor.hpp"
#include "core/poll.hpp"
#include "core/waker.hpp"

namespace ch06 {

class [[nodiscard]] Sleep {
public:
    using Output = void;
    using Clock = Reactor::Clock;

    explicit Sleep(Clock::duration d) : duration_(d) {}
    core::Poll<void> poll(core::Context& cx);  // sleep.hpp

private:
    Clock::duration duration_;
    std::shared_ptr<Reactor> reactor_;  // kept alive while our entry may be in its heap
    std::shared_ptr<detail::TimerSlot> slot_;
};

inline Sleep sleep_for(Sleep::Clock::duration d) { return Sleep(d); }

}  // namespace ch06
