// Joining at the edges: a task's exception, block_on's own, and one thrown by
// a future's destructor come back at the join; a second poll of a finished
// join is a clear error; dropping a handle destroys a result nobody can take.
#include "testing/catch.hpp"

#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "ch05_joinhandle/runtime.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace ch05_test;

namespace {

core::Async<int> throw_coded(std::string what, int code) {
    throw CodedError(what, code);
    co_return 0;
}

}  // namespace

TEST_CASE("a task's exception comes back at the join with its type and message", "[ch05][join]") {
    ch05::Runtime rt(2);
    auto h = rt.spawn(throw_coded("disk on fire", 7));
    try {
        rt.block_on(std::move(h));
        FAIL("the join of a task that threw must rethrow the task's exception");
    } catch (const CodedError& e) {
        CHECK(std::string(e.what()) == "disk on fire");
        CHECK(e.code == 7);
    } catch (const std::exception& e) {
        FAIL("the join rethrew a different exception (\"" << e.what() << "\"): keep the task's exception as a "
             "std::exception_ptr (std::current_exception() in catch (...)) and rethrow that very object");
    }
}

TEST_CASE("a throwing task does not kill its worker", "[ch05][join]") {
    core::testing::hang_hint("the only worker died (or stopped) after a task threw");
    ch05::Runtime rt(1);  // one worker: if it dies, nothing else runs
    for (int i = 0; i < 10; ++i) {
        auto bad = rt.spawn(throw_coded("boom", i));
        CHECK_THROWS_AS(rt.block_on(std::move(bad)), CodedError);
    }
    CHECK(rt.block_on(rt.spawn(value_of(5))) == 5);
}

TEST_CASE("an exception thrown by block_on's own future comes out of block_on", "[ch05][join]") {
    ch05::Runtime rt(1);
    CHECK_THROWS_AS(rt.block_on(throw_coded("direct", 1)), CodedError);
    INFO("the runtime stays usable afterwards");
    CHECK(rt.block_on(value_of(3)) == 3);
}

TEST_CASE("polling a JoinHandle again after it returned is a clear logic error", "[ch05][join]") {
    ch05::Runtime rt(1);
    auto h = rt.spawn(value_of(1));
    REQUIRE(eventually([&] { return h.is_finished(); }));
    core::Waker noop = core::Waker::noop();
    core::Context cx(noop);
    REQUIRE(h.poll(cx).is_ready());
    auto msg = logic_error_message([&] { (void)h.poll(cx); });
    CHECK_THAT(msg, Catch::Contains("JoinHandle") && Catch::Contains("again"));
}

// ---- a future whose destructor throws --------------------------------------
namespace {
struct DestructorError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
struct PollError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Throws DestructorError from its destructor (a moved-from one does not).
// It never throws while another exception is already on its way out (that
// would std::terminate, in any C++ program), so a failing REQUIRE stays a
// clean failure.
class ThrowsOnDestroy {
public:
    enum class Mode { pending, ready, throws };
    using Output = int;
    ThrowsOnDestroy(Mode mode, Counter polls) : mode_(mode), polls_(std::move(polls)) {}
    ThrowsOnDestroy(ThrowsOnDestroy&& o) noexcept
        : mode_(o.mode_), polls_(std::move(o.polls_)), armed_(std::exchange(o.armed_, false)) {}
    ThrowsOnDestroy& operator=(ThrowsOnDestroy&&) = delete;
    ~ThrowsOnDestroy() noexcept(false) {
        if (armed_ && std::uncaught_exceptions() == 0) throw DestructorError("the future's destructor threw");
    }
    core::Poll<int> poll(core::Context&) {
        polls_->fetch_add(1);
        if (mode_ == Mode::throws) throw PollError("the future's poll threw");
        return mode_ == Mode::ready ? core::Poll<int>(5) : core::Poll<int>::pending();
    }

private:
    Mode mode_;
    Counter polls_;
    bool armed_ = true;
};

// The message of the exception the join throws (or "(returned N)").
std::string join_outcome(ch05::Runtime& rt, ch05::JoinHandle<int> h) {
    try {
        return "(returned " + std::to_string(rt.block_on(std::move(h))) + ")";
    } catch (const DestructorError& e) {
        return e.what();
    } catch (const PollError& e) {
        return e.what();
    } catch (const ch05::Cancelled&) {
        return "(Cancelled)";
    }
}
}  // namespace

TEST_CASE("a future whose destructor throws when aborted: the join rethrows it, the worker lives on",
          "[ch05][join]") {
    core::testing::hang_hint("the throwing destructor left the task without an outcome, or killed the only worker");
    ch05::Runtime rt(1);  // one worker: if it dies, nothing else runs
    auto polls = make_counter();
    auto h = rt.spawn(ThrowsOnDestroy(ThrowsOnDestroy::Mode::pending, polls));
    rt.block_on(rt.spawn(value_of(0)));  // FIFO: the first task has been polled and is idle
    REQUIRE(polls->load() == 1);
    h.abort();
    INFO("free the future with free_future(): its exception, not Cancelled, is the task's outcome");
    CHECK(join_outcome(rt, std::move(h)) == "the future's destructor threw");
    INFO("the worker must survive the throwing destructor and run the next task");
    CHECK(rt.block_on(rt.spawn(value_of(8))) == 8);
}

TEST_CASE("a future whose destructor throws after Ready, or after its poll threw", "[ch05][join]") {
    core::testing::hang_hint("the throwing destructor left the task without an outcome");
    ch05::Runtime rt(1);
    INFO("Ready, then the destructor threw: the task did not finish cleanly, its join rethrows (like tokio)");
    CHECK(join_outcome(rt, rt.spawn(ThrowsOnDestroy(ThrowsOnDestroy::Mode::ready, make_counter()))) ==
          "the future's destructor threw");
    INFO("the poll threw, then the destructor threw: the first failure is the one reported");
    CHECK(join_outcome(rt, rt.spawn(ThrowsOnDestroy(ThrowsOnDestroy::Mode::throws, make_counter()))) ==
          "the future's poll threw");
    CHECK(rt.block_on(rt.spawn(value_of(4))) == 4);
}

TEST_CASE("a future whose destructor throws at runtime shutdown: ~Runtime returns, the join rethrows it",
          "[ch05][join]") {
    core::testing::hang_hint("~Runtime did not return after a task's destructor threw");
    auto polls = make_counter();
    std::optional<ch05::JoinHandle<int>> h;
    {
        ch05::Runtime rt(1);
        h.emplace(rt.spawn(ThrowsOnDestroy(ThrowsOnDestroy::Mode::pending, polls)));
        rt.block_on(rt.spawn(value_of(0)));  // the task is idle now, and stays so
        REQUIRE(polls->load() == 1);
    }  // ~Runtime frees the idle task: its destructor throws inside a noexcept destructor's call tree
    REQUIRE(h->is_finished());
    core::Waker noop = core::Waker::noop();
    core::Context cx(noop);
    INFO("shutdown() must catch the destructor's exception and hand it to the join instead of Cancelled");
    std::string outcome;
    try {
        (void)h->poll(cx);
        outcome = "(returned)";
    } catch (const DestructorError& e) {
        outcome = e.what();
    } catch (const ch05::Cancelled&) {
        outcome = "(Cancelled)";
    }
    CHECK(outcome == "the future's destructor threw");
}

namespace {
// Ready with a DropProbe, after leaving a copy of its waker in `stash`: a
// stale waker outside the task (a timer or a registry keeps one), which keeps
// the task object alive as long as it lives.
class ReadyLeavingWaker {
public:
    using Output = DropProbe;
    ReadyLeavingWaker(Counter drops, std::shared_ptr<core::Waker> stash)
        : drops_(std::move(drops)), stash_(std::move(stash)) {}
    core::Poll<DropProbe> poll(core::Context& cx) {
        *stash_ = cx.waker();
        return core::Poll<DropProbe>(DropProbe(drops_));
    }

private:
    Counter drops_;
    std::shared_ptr<core::Waker> stash_;
};
}  // namespace

TEST_CASE("dropping the handle of a finished task destroys its result there, though a copy of its waker lives on",
          "[ch05][join]") {
    ch05::Runtime rt(1);
    auto drops = make_counter();
    auto stash = std::make_shared<core::Waker>();
    auto h = rt.spawn(ReadyLeavingWaker(drops, stash));
    REQUIRE(eventually([&] { return h.is_finished(); }));
    REQUIRE(drops->load() == 0);  // the result waits in the slot for a join
    { auto dropped = std::move(h); }
    INFO("~JoinHandle must destroy the result nobody can take any more (JoinSlot::detach). Kept in the "
         "slot, it lives as long as the stale waker keeps the task, and its destructor runs later on "
         "whichever thread drops that waker (tokio destroys it in drop_join_handle_slow)");
    CHECK(drops->load() == 1);
    CheckedThread elsewhere([stash = std::move(stash)]() mutable { stash.reset(); });
    elsewhere.join();
    CHECK(drops->load() == 1);
}
