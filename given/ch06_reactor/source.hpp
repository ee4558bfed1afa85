// ch06_reactor/source.hpp: Source, a registered fd (given).
//
// Contract:
// - A Source registers its fd with a reactor on construction, and on
//   destruction deregisters it and then closes it, in that order: closed
//   first, the number could be reused by another thread and registered
//   before our deregistration removed *its* entry.
// - The I/O futures reach the registry through it: poll_ready,
//   clear_readiness, drop_interest, for this fd.
//
// Rust counterpart: tokio's Registration / PollEvented.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "ch06_reactor/fd.hpp"
#include "ch06_reactor/reactor.hpp"
#include "core/poll.hpp"
#include "core/waker.hpp"

namespace ch06 {

// [book:source]
// A registered fd: registers on construction, deregisters and then closes on
// destruction (in that order: closed first, the number could be reused by
// another thread and registered before our deregistration removed *its* entry).
class Source {
public:
    Source(std::shared_ptr<Reactor> reactor, Fd fd)
        : reactor_(std::move(reactor)), fd_(std::move(fd)), slot_(reactor_->register_source(fd_.get())) {}
    ~Source() {
        if (slot_) reactor_->deregister_source(*slot_);
    }  // fd_ closes after this body
    Source(const Source&) = delete;
    Source& operator=(const Source&) = delete;

    int fd() const { return fd_.get(); }
    const std::shared_ptr<Reactor>& reactor() const { return reactor_; }
    core::Poll<std::uint64_t> poll_ready(Interest i, core::Context& cx) { return reactor_->poll_ready(*slot_, i, cx); }
    void clear_readiness(Interest i, std::uint64_t tick) { reactor_->clear_readiness(*slot_, i, tick); }
    void drop_interest(Interest i) { reactor_->drop_interest(*slot_, i); }

private:
    std::shared_ptr<Reactor> reactor_;
    Fd fd_;
    std::shared_ptr<detail::IoSlot> slot_;
};
// [/book:source]

}  // namespace ch06
