// Tests of core::Async<T>: laziness, co_await on any future, re-polling a
// Pending future, exceptions, and what is destroyed when.
#include "testing/catch.hpp"

#include <memory>
#include <stdexcept>
#include <string>

#include "core/core.hpp"
#include "core/testing.hpp"

using namespace core;
using testing::CountingFuture;
using testing::CountingWaker;
using testing::Trigger;

namespace {

// Coroutines are free functions taking parameters by value (see async.hpp).
Async<int> set_flag_and_return(std::shared_ptr<bool> ran, int v) {
    *ran = true;
    co_return v;
}

Async<int> await_trigger(Trigger::Future f, int v) {
    co_await std::move(f);
    co_return v;
}

Async<int> add_two(Async<int> a, Async<int> b) {
    int x = co_await std::move(a);
    int y = co_await std::move(b);
    co_return x + y;
}

Async<std::unique_ptr<std::string>> make_unique_string() {
    co_await yield_now();
    co_return std::make_unique<std::string>("moved out");
}

Async<void> throw_after_yield() {
    co_await yield_now();
    throw std::runtime_error("thrown inside the coroutine");
}

class ThrowingFuture {
public:
    using Output = int;
    Poll<int> poll(Context&) { throw std::out_of_range("thrown by poll()"); }
};

Async<std::string> catch_awaited_exception() {
    try {
        co_await ThrowingFuture();
    } catch (const std::out_of_range& e) {
        co_return std::string("caught: ") + e.what();
    }
    co_return "not caught";
}

Async<void> await_counted(CountingFuture f) { co_await std::move(f); }

Async<int> await_lvalue(std::shared_ptr<Trigger> trigger) {
    auto fut = trigger->future();
    co_await fut;  // polled in place, not moved
    co_return 1;
}

template <class F>
auto poll_once(F& f, const Waker& w) {
    Context cx(w);
    return f.poll(cx);
}

}  // namespace

TEST_CASE("an Async runs nothing until it is polled", "[core][async]") {
    auto ran = std::make_shared<bool>(false);
    auto fut = set_flag_and_return(ran, 5);
    CHECK_FALSE(*ran);
    auto p = poll_once(fut, Waker::noop());
    CHECK(*ran);
    REQUIRE(p.is_ready());
    CHECK(p.value() == 5);
}

TEST_CASE("a Pending co_await keeps the coroutine suspended and re-polls the same future", "[core][async]") {
    Trigger trigger;
    auto fut = await_trigger(trigger.future(), 7);
    CountingWaker probe;
    CHECK(poll_once(fut, probe.waker()).is_pending());
    CHECK(poll_once(fut, probe.waker()).is_pending());
    CHECK(trigger.polls() == 2);
    trigger.fire();
    CHECK(probe.wakes() == 1);  // the awaited future got our waker
    auto p = poll_once(fut, probe.waker());
    REQUIRE(p.is_ready());
    CHECK(p.value() == 7);
    CHECK(trigger.polls() == 3);
}

TEST_CASE("the awaited future is polled with the waker of the current outer poll", "[core][async]") {
    Trigger trigger;
    auto fut = await_trigger(trigger.future(), 0);
    CountingWaker first, second;
    CHECK(poll_once(fut, first.waker()).is_pending());
    CHECK(poll_once(fut, second.waker()).is_pending());
    trigger.fire();
    CHECK(first.wakes() == 0);
    CHECK(second.wakes() == 1);
}

TEST_CASE("nested Async values compose with co_await", "[core][async]") {
    Trigger t1, t2;
    auto fut = add_two(await_trigger(t1.future(), 2), await_trigger(t2.future(), 3));
    CountingWaker probe;
    CHECK(poll_once(fut, probe.waker()).is_pending());
    t1.fire();
    CHECK(poll_once(fut, probe.waker()).is_pending());
    t2.fire();
    auto p = poll_once(fut, probe.waker());
    REQUIRE(p.is_ready());
    CHECK(p.value() == 5);
}

TEST_CASE("an Async can return a move-only value", "[core][async]") {
    auto fut = make_unique_string();
    CHECK(poll_once(fut, Waker::noop()).is_pending());
    auto p = poll_once(fut, Waker::noop());
    REQUIRE(p.is_ready());
    CHECK(*p.take() == "moved out");
}

TEST_CASE("an exception thrown in the coroutine leaves through poll", "[core][async]") {
    auto fut = throw_after_yield();
    CHECK(poll_once(fut, Waker::noop()).is_pending());
    CHECK_THROWS_WITH(poll_once(fut, Waker::noop()), "thrown inside the coroutine");
}

TEST_CASE("an exception from an awaited future's poll can be caught inside the coroutine", "[core][async]") {
    auto fut = catch_awaited_exception();
    auto p = poll_once(fut, Waker::noop());
    REQUIRE(p.is_ready());
    CHECK(p.value() == "caught: thrown by poll()");
}

TEST_CASE("polling an Async after it completed, or after a move, is a clear error", "[core][async]") {
    auto fut = set_flag_and_return(std::make_shared<bool>(false), 1);
    REQUIRE(poll_once(fut, Waker::noop()).is_ready());
    CHECK_THROWS_WITH(poll_once(fut, Waker::noop()), Catch::Contains("after it completed"));

    auto thrown = throw_after_yield();
    CHECK(poll_once(thrown, Waker::noop()).is_pending());
    CHECK_THROWS(poll_once(thrown, Waker::noop()));
    CHECK_THROWS_WITH(poll_once(thrown, Waker::noop()), Catch::Contains("after it completed"));

    auto source = set_flag_and_return(std::make_shared<bool>(false), 1);
    auto target = std::move(source);
    CHECK_THROWS_WITH(poll_once(source, Waker::noop()), Catch::Contains("moved from"));
}

TEST_CASE("dropping a suspended Async destroys the future it awaits", "[core][async]") {
    CountingFuture counted(5, /*wake_self=*/false);
    auto stats = counted.stats();
    {
        auto fut = await_counted(std::move(counted));
        CHECK(poll_once(fut, Waker::noop()).is_pending());
        CHECK(stats->polls == 1);
        CHECK(stats->destroyed == 0);
    }
    CHECK(stats->destroyed == 1);
}

TEST_CASE("an Async may be moved between polls (its frame is on the heap)", "[core][async]") {
    Trigger trigger;
    auto fut = await_trigger(trigger.future(), 9);
    CHECK(poll_once(fut, Waker::noop()).is_pending());
    auto moved = std::move(fut);
    trigger.fire();
    auto p = poll_once(moved, Waker::noop());
    REQUIRE(p.is_ready());
    CHECK(p.value() == 9);
}

TEST_CASE("co_await on an lvalue polls that object in place", "[core][async]") {
    auto trigger = std::make_shared<Trigger>();
    auto fut = await_lvalue(trigger);
    CHECK(poll_once(fut, Waker::noop()).is_pending());
    trigger->fire();
    CHECK(poll_once(fut, Waker::noop()).is_ready());
    CHECK(trigger->polls() == 2);
}
