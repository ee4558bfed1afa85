// The reactor on its own: the registry, readiness and ticks, wakers, the
// registry lock, deregistration, and edge-triggered behaviour. Sources are
// Unix socket pairs, wakers are counting probes, nothing else runs.
#include "testing/catch.hpp"

#include "ch06_reactor/reactor.hpp"  // this piece's file: check-chNN re-runs the piece when it changes
#include "ch06_reactor/registry.hpp"  // this piece's file: check-chNN re-runs the piece when it changes
#include "probes.hpp"

using namespace ch06_test;
using ch06::Interest;

TEST_CASE("a fresh source is in the registry and ready both ways, so the first poll tries the syscall",
          "[ch06][reactor]") {
    auto reactor = ch06::Reactor::start();
    auto [a, b] = socket_pair();
    auto slot = reactor->register_source(a.get());
    INFO("register_source must add the fd to the registry (Reactor::sources() counts it)");
    CHECK(reactor->sources() == 1);
    core::testing::CountingWaker w;
    core::Context cx(w.waker());
    INFO("a new IoSlot starts ready (optimistic): poll_ready must answer Ready, and the caller tries the syscall");
    CHECK(reactor->poll_ready(*slot, Interest::read, cx).is_ready());
    CHECK(reactor->poll_ready(*slot, Interest::write, cx).is_ready());
    reactor->deregister_source(*slot);
    CHECK(reactor->sources() == 0);
}

TEST_CASE("an idle source is reported once, not on every turn: the reactor does not spin", "[ch06][reactor]") {
    auto reactor = ch06::Reactor::start();
    auto [a, b] = socket_pair();  // always writable, nothing to read
    auto slot = reactor->register_source(a.get());
    settle(*reactor);  // the registration's own first events are behind us
    const auto events_before = reactor->events();
    for (int i = 0; i < 3; ++i) settle(*reactor);
    INFO("level-triggered interest keeps epoll_wait returning: an idle, writable socket was reported "
         << reactor->events() - events_before << " more times over three turns, and the reactor thread spins "
         << "(and every event is a newer tick, so clear_readiness never clears). Register with EPOLLET");
    CHECK(reactor->events() == events_before);
    reactor->deregister_source(*slot);
}

TEST_CASE("after EAGAIN clears the readiness, poll_ready keeps the waker and a byte that arrives wakes it once",
          "[ch06][reactor]") {
    core::testing::hang_hint("the reactor thread must call epoll_wait and wake the waker stored by poll_ready "
                             "(turn and on_event, reactor.hpp)");
    auto reactor = ch06::Reactor::start();
    auto [a, b] = socket_pair();
    auto slot = reactor->register_source(a.get());
    settle(*reactor);  // the registration's own first events are behind us, not racing the clears below
    core::testing::CountingWaker w;
    core::Context cx(w.waker());
    auto first = reactor->poll_ready(*slot, Interest::read, cx);
    REQUIRE(first.is_ready());
    reactor->clear_readiness(*slot, Interest::read, first.value());  // as if read() said EAGAIN
    INFO("after clear_readiness with the current tick, the read direction is not ready: Pending, waker kept");
    REQUIRE(reactor->poll_ready(*slot, Interest::read, cx).is_pending());
    send_bytes(b, 1);
    INFO("one byte arrived: the reactor's loop must mark the slot readable and wake the stored waker");
    REQUIRE(eventually([&] { return w.wakes() >= 1; }));
    settle(*reactor);
    CHECK(w.wakes() == 1);
    CHECK(reactor->poll_ready(*slot, Interest::read, cx).is_ready());
    reactor->deregister_source(*slot);
}

TEST_CASE("a waker replaced between two polls: the reactor wakes the latest one, never the old one",
          "[ch06][reactor]") {
    auto reactor = ch06::Reactor::start();
    auto [a, b] = socket_pair();
    auto slot = reactor->register_source(a.get());
    settle(*reactor);  // the registration's own first events are behind us, not racing the clears below
    core::testing::CountingWaker old_waker, new_waker;
    core::Context cx_old(old_waker.waker()), cx_new(new_waker.waker());
    auto first = reactor->poll_ready(*slot, Interest::read, cx_old);
    reactor->clear_readiness(*slot, Interest::read, first.value());
    REQUIRE(reactor->poll_ready(*slot, Interest::read, cx_old).is_pending());
    // The future moved to another task (or is polled by a join from elsewhere).
    REQUIRE(reactor->poll_ready(*slot, Interest::read, cx_new).is_pending());
    send_bytes(b, 1);
    INFO("poll_ready must replace the stored waker when will_wake says it changed: only the latest poll's "
         "task is waiting now, and a wake sent to the first one is lost (that task would never run)");
    REQUIRE(eventually([&] { return new_waker.wakes() + old_waker.wakes() >= 1; }));
    settle(*reactor);
    CHECK(new_waker.wakes() == 1);
    CHECK(old_waker.wakes() == 0);
    reactor->deregister_source(*slot);
}

TEST_CASE("an event that arrives between poll_ready and clear_readiness is not lost (the tick)",
          "[ch06][reactor][race]") {
    auto reactor = ch06::Reactor::start();
    auto [a, b] = socket_pair();
    auto slot = reactor->register_source(a.get());
    settle(*reactor);  // the registration's own first events are behind us, not racing the clears below
    core::testing::CountingWaker w;
    core::Context cx(w.waker());
    auto ready = reactor->poll_ready(*slot, Interest::read, cx);
    REQUIRE(ready.is_ready());
    reactor->clear_readiness(*slot, Interest::read, ready.value());
    REQUIRE(reactor->poll_ready(*slot, Interest::read, cx).is_pending());
    send_bytes(b, 1);
    REQUIRE(eventually([&] { return w.wakes() >= 1; }));
    settle(*reactor);
    // The task polls: readiness with tick t. Its read() raced ahead of a new
    // byte and saw EAGAIN; meanwhile that byte's event arrived (tick t+1).
    auto stale = reactor->poll_ready(*slot, Interest::read, cx);
    REQUIRE(stale.is_ready());
    const auto events_before = reactor->events();
    send_bytes(b, 1);
    REQUIRE(eventually([&] { return reactor->events() > events_before; }));
    reactor->clear_readiness(*slot, Interest::read, stale.value());
    INFO("clear_readiness(tick) must not clear readiness when an event newer than `tick` arrived: with edge "
         "triggering that event will never be reported again, and the reader would wait forever");
    INFO("on_event must bump the slot's tick on every event it handles, or no event is ever newer than a tick");
    CHECK(reactor->poll_ready(*slot, Interest::read, cx).is_ready());
    reactor->deregister_source(*slot);
}

TEST_CASE("a withdrawn interest (its future was dropped) is never woken", "[ch06][reactor]") {
    auto reactor = ch06::Reactor::start();
    auto [a, b] = socket_pair();
    auto slot = reactor->register_source(a.get());
    settle(*reactor);  // the registration's own first events are behind us, not racing the clears below
    core::testing::CountingWaker w;
    {
        core::Context cx(w.waker());
        auto first = reactor->poll_ready(*slot, Interest::read, cx);
        reactor->clear_readiness(*slot, Interest::read, first.value());
        REQUIRE(reactor->poll_ready(*slot, Interest::read, cx).is_pending());
    }
    reactor->drop_interest(*slot, Interest::read);
    INFO("drop_interest must take the waker out of the slot (it may keep a whole task alive)");
    CHECK(w.live_wakers() == 1);
    send_bytes(b, 1);
    REQUIRE(eventually([&] { return reactor->events() >= 1; }));
    settle(*reactor);
    INFO("the waker was withdrawn, so the event must not reach it: its task may be gone");
    CHECK(w.wakes() == 0);
    reactor->deregister_source(*slot);
}

TEST_CASE("deregistering empties the registry and drops the wakers, so the fd number can be registered again",
          "[ch06][reactor]") {
    auto reactor = ch06::Reactor::start();
    auto [a, b] = socket_pair();
    core::testing::CountingWaker w;
    {
        auto slot = reactor->register_source(a.get());
        settle(*reactor);  // the registration's own first events are behind us, not racing the clear below
        core::Context cx(w.waker());
        auto first = reactor->poll_ready(*slot, Interest::write, cx);
        reactor->clear_readiness(*slot, Interest::write, first.value());
        REQUIRE(reactor->poll_ready(*slot, Interest::write, cx).is_pending());
        reactor->deregister_source(*slot);
    }
    INFO("deregister_source must erase the fd from the registry (and from epoll) and drop its wakers");
    CHECK(reactor->sources() == 0);
    CHECK(w.live_wakers() == 1);
    // The same number again, as after close() + socket(): a stale entry would
    // answer for the new socket with the old socket's wakers.
    std::shared_ptr<ch06::detail::IoSlot> again;
    try {
        again = reactor->register_source(a.get());
    } catch (const std::logic_error& e) {
        FAIL("registering fd " << a.get() << " again failed: " << e.what()
                               << " (deregister_source must erase the registry entry)");
    }
    CHECK(reactor->sources() == 1);
    reactor->deregister_source(*again);
}

TEST_CASE("registering an fd that is still registered is a clear logic_error, and the first entry stays",
          "[ch06][reactor]") {
    auto reactor = ch06::Reactor::start();
    auto [a, b] = socket_pair();
    auto slot = reactor->register_source(a.get());
    settle(*reactor);
    core::testing::CountingWaker w;
    core::Context cx(w.waker());
    auto first = reactor->poll_ready(*slot, Interest::read, cx);
    reactor->clear_readiness(*slot, Interest::read, first.value());
    REQUIRE(reactor->poll_ready(*slot, Interest::read, cx).is_pending());
    bool refused = false;
    std::string instead = "no exception";
    try {
        (void)reactor->register_source(a.get());
    } catch (const std::logic_error&) {
        refused = true;
    } catch (const std::exception& e) {
        instead = e.what();
    }
    INFO("register_source accepted fd " << a.get() << " while it is still registered (" << instead
         << "): an owner closed it without deregistering, and replacing the entry hands the new socket the "
            "old one's wakers (or loses them). Refuse it, before touching the entry or epoll, with a "
            "std::logic_error that says so");
    CHECK(refused);
    CHECK(reactor->sources() == 1);
    send_bytes(b, 1);
    INFO("the first registration's waker must still be the one the byte wakes");
    CHECK(eventually([&] { return w.wakes() == 1; }));
    reactor->deregister_source(*slot);
}

TEST_CASE("the reactor delivers its wakes after releasing the registry lock", "[ch06][reactor]") {
    auto reactor = ch06::Reactor::start();
    auto [a, b] = socket_pair();
    auto slot = reactor->register_source(a.get());
    settle(*reactor);  // the registration's own first events are behind us, not racing the clears below
    auto spy = std::make_shared<RegistryLockSpy>(reactor);
    core::Waker waker = core::Waker::from(spy);
    core::Context cx(waker);
    auto first = reactor->poll_ready(*slot, Interest::read, cx);
    reactor->clear_readiness(*slot, Interest::read, first.value());
    REQUIRE(reactor->poll_ready(*slot, Interest::read, cx).is_pending());
    send_bytes(b, 1);
    REQUIRE(eventually([&] { return spy->wakes() >= 1; }));
    INFO("a wake was delivered while the registry lock was held: a waker that polls the task at once, or "
         "drops the last reference to a socket, needs that lock and deadlocks. Collect the wakers under "
         "the lock, release it, then wake");
    CHECK_FALSE(spy->held_during_wake());
    reactor->deregister_source(*slot);
}

TEST_CASE("a waker replaced or withdrawn leaves the registry and dies after the registry lock is released",
          "[ch06][reactor]") {
    auto reactor = ch06::Reactor::start();
    auto [a, b] = socket_pair();
    auto slot = reactor->register_source(a.get());
    settle(*reactor);  // the registration's own first events are behind us, not racing the clears below
    auto blocked = std::make_shared<std::atomic<int>>(0);
    core::testing::CountingWaker latest;
    core::Context cx_latest(latest.waker());
    auto first = reactor->poll_ready(*slot, Interest::read, cx_latest);
    REQUIRE(first.is_ready());
    reactor->clear_readiness(*slot, Interest::read, first.value());
    {
        core::Waker old = core::Waker::from(std::make_shared<RegistryLockOnDrop>(reactor, blocked));
        core::Context cx(old);
        REQUIRE(reactor->poll_ready(*slot, Interest::read, cx).is_pending());
    }  // the registry holds the only copy of that waker now
    REQUIRE(reactor->poll_ready(*slot, Interest::read, cx_latest).is_pending());  // replaces it
    {
        INFO("poll_ready destroyed the waker it replaced while holding the registry lock. A waker may own "
             "a task, whose future owns a socket, which deregisters (taking that lock): move the old waker "
             "out under the lock and let it die after unlocking");
        CHECK(blocked->load() == 0);
    }
    {
        core::Waker old = core::Waker::from(std::make_shared<RegistryLockOnDrop>(reactor, blocked));
        core::Context cx(old);
        REQUIRE(reactor->poll_ready(*slot, Interest::write, cx).is_ready());  // fresh: optimistic
        auto w = reactor->poll_ready(*slot, Interest::write, cx);
        reactor->clear_readiness(*slot, Interest::write, w.value());
        REQUIRE(reactor->poll_ready(*slot, Interest::write, cx).is_pending());
    }
    reactor->drop_interest(*slot, Interest::write);
    {
        INFO("drop_interest destroyed the withdrawn waker under the registry lock");
        CHECK(blocked->load() == 0);
    }
    {
        core::Waker old = core::Waker::from(std::make_shared<RegistryLockOnDrop>(reactor, blocked));
        core::Context cx(old);
        REQUIRE(reactor->poll_ready(*slot, Interest::read, cx).is_pending());
    }
    reactor->deregister_source(*slot);
    INFO("deregister_source destroyed a waiting waker under the registry lock");
    CHECK(blocked->load() == 0);
}

TEST_CASE("a signal that interrupts epoll_wait (EINTR) does not stop the reactor", "[ch06][reactor]") {
    core::testing::hang_hint("the reactor thread stopped or never sleeps in epoll_wait: see turn (reactor.hpp)");
    NoRestartHandler handler(SIGUSR2);
    auto reactor = ch06::Reactor::start();
    auto [a, b] = socket_pair();
    auto slot = reactor->register_source(a.get());
    settle(*reactor);
    // Learn the reactor thread's id: it is the thread that delivers a wake.
    auto probe = std::make_shared<ThreadIdOfWaker>();
    core::Waker waker = core::Waker::from(probe);
    core::Context cx(waker);
    auto first = reactor->poll_ready(*slot, Interest::read, cx);
    REQUIRE(first.is_ready());
    reactor->clear_readiness(*slot, Interest::read, first.value());
    REQUIRE(reactor->poll_ready(*slot, Interest::read, cx).is_pending());
    send_bytes(b, 1);
    REQUIRE(eventually([&] { return probe->tid() != 0; }));
    const int tid = probe->tid();
    for (int round = 0; round < 5; ++round) {
        // Quiet: asleep in epoll_wait, and no turn for 2 ms (no poke or event pending), so the
        // signal finds it there and nothing else can end that wait first.
        {
            INFO("the idle reactor thread never slept in epoll_wait (it must wait there, without the lock)");
            REQUIRE(eventually([&] {
                const auto t = reactor->turns();
                if (!in_epoll_wait(tid)) return false;
                std::this_thread::sleep_for(2ms);
                return in_epoll_wait(tid) && reactor->turns() == t;
            }));
        }
        const auto turns = reactor->turns();
        REQUIRE(::syscall(SYS_tgkill, ::getpid(), tid, SIGUSR2) == 0);
        // No poke here: an event ready when the signal lands makes epoll_wait return it instead of
        // EINTR. The interrupted wait ends the turn by itself (or stops a reactor that throws).
        if (!eventually([&] { return reactor->turns() > turns || !reactor->failure().empty(); }))
            reactor->poke();
        INFO("EINTR is not an error: treat it as a turn with no events. A signal (a handler without "
             "SA_RESTART; Ctrl-Z then fg does the same) interrupted epoll_wait, which returned -1 with "
             "errno EINTR, and the reactor stopped: " << reactor->failure());
        REQUIRE(reactor->failure().empty());
    }
    settle(*reactor);
    reactor->deregister_source(*slot);
}

TEST_CASE("edge-triggered: unread data wakes the reader once, and the reactor does not spin on it",
          "[ch06][reactor]") {
    auto reactor = ch06::Reactor::start();
    auto [a, b] = socket_pair();
    auto slot = reactor->register_source(a.get());
    settle(*reactor);  // the registration's own first events are behind us, not racing the clears below
    core::testing::CountingWaker w;
    core::Context cx(w.waker());
    auto first = reactor->poll_ready(*slot, Interest::read, cx);
    reactor->clear_readiness(*slot, Interest::read, first.value());
    REQUIRE(reactor->poll_ready(*slot, Interest::read, cx).is_pending());
    send_bytes(b, 100);  // and nobody reads it
    REQUIRE(eventually([&] { return w.wakes() >= 1; }));
    settle(*reactor);
    const auto events_before = reactor->events();
    for (int i = 0; i < 5; ++i) settle(*reactor);
    INFO("the 100 unread bytes were reported again and again (" << reactor->events() - events_before
                                                                << " more events over five turns): level-"
                                                                   "triggered interest keeps epoll_wait "
                                                                   "returning, and the reactor thread spins. "
                                                                   "Register with EPOLLET");
    CHECK(reactor->events() == events_before);
    CHECK(w.wakes() == 1);
    reactor->deregister_source(*slot);
}

TEST_CASE("after draining to EAGAIN, new data is a new edge that wakes the reader again", "[ch06][reactor]") {
    auto reactor = ch06::Reactor::start();
    auto [a, b] = socket_pair();
    auto slot = reactor->register_source(a.get());
    settle(*reactor);  // the registration's own first events are behind us, not racing the clears below
    core::testing::CountingWaker w;
    core::Context cx(w.waker());
    for (int round = 1; round <= 3; ++round) {
        auto ready = reactor->poll_ready(*slot, Interest::read, cx);
        REQUIRE(ready.is_ready());
        char buf[256];
        while (::read(a.get(), buf, sizeof buf) > 0) {
        }  // drain to EAGAIN, as every I/O future must
        reactor->clear_readiness(*slot, Interest::read, ready.value());
        REQUIRE(reactor->poll_ready(*slot, Interest::read, cx).is_pending());
        send_bytes(b, 10);
        INFO("round " << round << ": fresh data after a drain must wake the stored waker");
        REQUIRE(eventually([&] { return w.wakes() >= round; }));
    }
    reactor->deregister_source(*slot);
}
