// Joining: values of every kind come back, from tasks and from block_on,
// whichever side of the completion/join race comes first; exceptions too.
#include "testing/catch.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ch07_work_stealing/executor.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace ch07_test;

namespace {

struct CodedError : std::runtime_error {
    CodedError(const std::string& what, int code) : std::runtime_error(what), code(code) {}
    int code;
};

core::Async<int> throw_coded(std::string what, int code) {
    throw CodedError(what, code);
    co_return 0;
}

core::Async<long> spawn_and_join(int n) {
    std::vector<ch07::JoinHandle<int>> handles;
    for (int i = 1; i <= n; ++i) handles.push_back(ch07::spawn(value_of(i)));
    long sum = 0;
    for (auto& h : handles) sum += co_await h;
    co_return sum;
}

// Polls a JoinHandle; right after its first Pending (so the join has left
// its waker) it fires the trigger that lets the task finish.
class JoinThenFire {
public:
    using Output = int;
    JoinThenFire(ch07::JoinHandle<int> handle, core::testing::Trigger trigger)
        : handle_(std::move(handle)), trigger_(std::move(trigger)) {}
    core::Poll<int> poll(core::Context& cx) {
        auto p = handle_.poll(cx);
        if (p.is_pending() && !fired_) {
            fired_ = true;
            trigger_.fire();
        }
        return p;
    }
    bool fired() const { return fired_; }

private:
    ch07::JoinHandle<int> handle_;
    core::testing::Trigger trigger_;
    bool fired_ = false;
};

// A result whose move constructor throws once `armed` is set, and that counts
// its own destruction (moved-from objects do not count: one object is made).
class ArmedMove {
public:
    ArmedMove(std::shared_ptr<std::atomic<bool>> armed, std::shared_ptr<std::atomic<int>> drops)
        : armed_(std::move(armed)), drops_(std::move(drops)) {}
    ArmedMove(ArmedMove&& o) : armed_(o.armed_), drops_(o.drops_) {
        if (armed_->load()) throw std::runtime_error("the result's move constructor threw");
        o.drops_.reset();
    }
    ArmedMove& operator=(ArmedMove&&) = delete;
    ~ArmedMove() {
        if (drops_) drops_->fetch_add(1);
    }

private:
    std::shared_ptr<std::atomic<bool>> armed_;
    std::shared_ptr<std::atomic<int>> drops_;
};

core::Async<ArmedMove> armed_move(std::shared_ptr<std::atomic<bool>> armed, std::shared_ptr<std::atomic<int>> drops) {
    co_return ArmedMove(std::move(armed), std::move(drops));
}

}  // namespace

TEST_CASE("a JoinHandle gives back the task's value: int, std::string, move-only and void", "[ch07][join]") {
    core::testing::hang_hint("block_on(handle) never returns: does completing a task wake its join?");
    ch07::Runtime rt(2);
    CHECK(rt.block_on(rt.spawn(value_of(42))) == 42);
    CHECK(rt.block_on(rt.spawn(string_of("hello"))) == "hello!");
    auto boxed_value = rt.block_on(rt.spawn(boxed(9)));
    REQUIRE(boxed_value != nullptr);
    CHECK(*boxed_value == 9);
    auto flag = std::make_shared<std::atomic<bool>>(false);
    rt.block_on(rt.spawn(set_flag(flag)));
    INFO("joining a void task returns only after the task ran");
    CHECK(flag->load());
}

TEST_CASE("10 000 handles joined in a loop sum correctly", "[ch07][join][race]") {
    core::testing::hang_hint("a join that is never woken, or a task that is never polled");
    ch07::Runtime rt(2);
    constexpr int n = 10'000;
    std::vector<ch07::JoinHandle<int>> handles;
    handles.reserve(n);
    for (int i = 1; i <= n; ++i) handles.push_back(rt.spawn(value_of(i)));
    long sum = rt.block_on(sum_handles(std::move(handles)));
    CHECK(sum == long(n) * (n + 1) / 2);
}

TEST_CASE("a task can spawn tasks with ch07::spawn and join them", "[ch07][join][race]") {
    core::testing::hang_hint("a task joining its children never returns: is ch07::spawn using this runtime?");
    ch07::Runtime rt(2);
    auto parent = rt.spawn(spawn_and_join(100));
    CHECK(rt.block_on(std::move(parent)) == 5050);
    INFO("the same, with the parent's joins done inside block_on's own future");
    CHECK(rt.block_on(spawn_and_join(100)) == 5050);
}

TEST_CASE("the join sees a task that finished before the join was first polled", "[ch07][join][race]") {
    core::testing::hang_hint("block_on(handle) of an already finished task parks forever");
    ch07::Runtime rt(2);
    for (int rep = 0; rep < 1000; ++rep) {
        auto h = rt.spawn(value_of(rep));
        INFO("repetition " << rep);
        REQUIRE(eventually([&] { return h.is_finished(); }));
        REQUIRE(rt.block_on(std::move(h)) == rep);
    }
}

TEST_CASE("the join is woken by a task that finishes after the join was first polled",
          "[ch07][join][race]") {
    core::testing::hang_hint(
        "the task completed after the join left its waker, but nobody woke the join: "
        "does Cell::finish wake the join waker when JOIN_WAKER is set?");
    ch07::Runtime rt(2);
    for (int rep = 0; rep < 1000; ++rep) {
        core::testing::Trigger trigger;
        auto h = rt.spawn(wait_then(trigger.future(), rep));
        JoinThenFire join(std::move(h), trigger);
        INFO("repetition " << rep);
        REQUIRE(rt.block_on(std::move(join)) == rep);
    }
}

TEST_CASE("spawn and join racing freely always give the value", "[ch07][join][race]") {
    core::testing::hang_hint("a lost wake between the task's completion and the join's poll");
    ch07::Runtime rt(2);
    for (int rep = 0; rep < 1000; ++rep) {
        INFO("repetition " << rep);
        REQUIRE(rt.block_on(rt.spawn(value_of(rep))) == rep);
    }
}

TEST_CASE("a task's exception comes back at the join with its type and message", "[ch07][join]") {
    ch07::Runtime rt(2);
    auto h = rt.spawn(throw_coded("disk on fire", 7));
    try {
        rt.block_on(std::move(h));
        FAIL("the join of a task that threw must rethrow the task's exception");
    } catch (const CodedError& e) {
        CHECK(std::string(e.what()) == "disk on fire");
        CHECK(e.code == 7);
    }
}

TEST_CASE("a throwing task does not kill its worker", "[ch07][join]") {
    core::testing::hang_hint("the only worker died (or stopped) after a task threw");
    ch07::Runtime rt(1);  // one worker: if it dies, nothing else runs
    for (int i = 0; i < 10; ++i) {
        auto bad = rt.spawn(throw_coded("boom", i));
        CHECK_THROWS_AS(rt.block_on(std::move(bad)), CodedError);
    }
    CHECK(rt.block_on(rt.spawn(value_of(5))) == 5);
}

TEST_CASE("an exception thrown by block_on's own future comes out of block_on", "[ch07][join]") {
    ch07::Runtime rt(1);
    CHECK(rt.block_on(rt.spawn(value_of(2))) == 2);
    CHECK_THROWS_AS(rt.block_on(throw_coded("direct", 1)), CodedError);
    INFO("the runtime stays usable afterwards");
    CHECK(rt.block_on(value_of(3)) == 3);
}

TEST_CASE("polling a JoinHandle again after it returned is a clear logic error", "[ch07][join]") {
    ch07::Runtime rt(1);
    auto h = rt.spawn(value_of(1));
    REQUIRE(eventually([&] { return h.is_finished(); }));
    core::Waker noop = core::Waker::noop();
    core::Context cx(noop);
    REQUIRE(h.poll(cx).is_ready());
    auto msg = logic_error_message([&] { (void)h.poll(cx); });
    CHECK_THAT(msg, Catch::Contains("JoinHandle") && Catch::Contains("again"));
}

TEST_CASE("a handle dropped after its task finished destroys a result whose move throws, never std::terminate",
          "[ch07][join]") {
    core::testing::hang_hint("the task never finished: is it scheduled and polled to the end?");
    auto armed = std::make_shared<std::atomic<bool>>(false);
    auto drops = std::make_shared<std::atomic<int>>(0);
    ch07::Runtime rt(2);
    {
        auto handle = rt.spawn(armed_move(armed, drops));
        while (!handle.is_finished()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        REQUIRE(drops->load() == 0);
        armed->store(true);  // from now on, moving the stored result throws
    }  // ~JoinHandle (noexcept): the outcome nobody will read is destroyed here
    INFO("dropping a finished task's handle must destroy its result in place (the cell's drop_outcome): "
         "moving it out first lets a throwing move escape ~JoinHandle, which is std::terminate");
    CHECK(drops->load() == 1);
}
