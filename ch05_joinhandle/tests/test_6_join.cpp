// Joining: values of every kind come back, from tasks and from block_on,
// whichever side of the completion/join race comes first. (Exceptions and
// the other edges of a join: test_7_join_edges.cpp.)
#include "testing/catch.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "ch05_joinhandle/join_handle.hpp"  // this piece's file: check-chNN re-runs the piece when it changes
#include "ch05_joinhandle/runtime.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace ch05_test;

namespace {

core::Async<long> sum_handles(std::vector<ch05::JoinHandle<int>> handles) {
    long sum = 0;
    for (auto& h : handles) sum += co_await h;
    co_return sum;
}

core::Async<long> spawn_and_join(int n) {
    std::vector<ch05::JoinHandle<int>> handles;
    for (int i = 1; i <= n; ++i) handles.push_back(ch05::spawn(value_of(i)));
    long sum = 0;
    for (auto& h : handles) sum += co_await h;
    co_return sum;
}

// Polls a JoinHandle; right after its first Pending (so the join has left
// its waker) it fires the trigger that lets the task finish.
class JoinThenFire {
public:
    using Output = int;
    JoinThenFire(ch05::JoinHandle<int> handle, core::testing::Trigger trigger)
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
    ch05::JoinHandle<int> handle_;
    core::testing::Trigger trigger_;
    bool fired_ = false;
};

}  // namespace

TEST_CASE("a JoinHandle gives back the task's value: int, std::string, move-only and void", "[ch05][join]") {
    core::testing::hang_hint("block_on(handle) never returns: does completing a task wake its join?");
    ch05::Runtime rt(2);
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

TEST_CASE("10 000 handles joined in a loop sum correctly", "[ch05][join][race]") {
    core::testing::hang_hint("a join that is never woken, or a task that is never polled");
    ch05::Runtime rt(2);
    constexpr int n = 10'000;
    std::vector<ch05::JoinHandle<int>> handles;
    handles.reserve(n);
    for (int i = 1; i <= n; ++i) handles.push_back(rt.spawn(value_of(i)));
    long sum = rt.block_on(sum_handles(std::move(handles)));
    CHECK(sum == long(n) * (n + 1) / 2);
}

TEST_CASE("a task can spawn tasks with ch05::spawn and join them", "[ch05][join][race]") {
    core::testing::hang_hint("a task joining its children never returns: is ch05::spawn using this runtime?");
    ch05::Runtime rt(2);
    auto parent = rt.spawn(spawn_and_join(100));
    CHECK(rt.block_on(std::move(parent)) == 5050);
    INFO("the same, with the parent's joins done inside block_on's own future");
    CHECK(rt.block_on(spawn_and_join(100)) == 5050);
}

TEST_CASE("the join sees a task that finished before the join was first polled", "[ch05][join][race]") {
    core::testing::hang_hint("block_on(handle) of an already finished task parks forever");
    ch05::Runtime rt(2);
    for (int rep = 0; rep < 1000; ++rep) {
        auto h = rt.spawn(value_of(rep));
        INFO("repetition " << rep);
        REQUIRE(eventually([&] { return h.is_finished(); }));
        REQUIRE(rt.block_on(std::move(h)) == rep);
    }
}

TEST_CASE("the join is woken by a task that finishes after the join was first polled",
          "[ch05][join][race]") {
    core::testing::hang_hint(
        "the task completed after the join left its waker, but nobody woke the join: "
        "does JoinSlot wake the stored waker on completion (after unlocking)?");
    ch05::Runtime rt(2);
    for (int rep = 0; rep < 1000; ++rep) {
        core::testing::Trigger trigger;
        auto h = rt.spawn(wait_then(trigger.future(), rep));
        JoinThenFire join(std::move(h), trigger);
        INFO("repetition " << rep);
        REQUIRE(rt.block_on(std::move(join)) == rep);
    }
}

TEST_CASE("spawn and join racing freely always give the value", "[ch05][join][race]") {
    core::testing::hang_hint("a lost wake between the task's completion and the join's poll");
    ch05::Runtime rt(2);
    for (int rep = 0; rep < 1000; ++rep) {
        INFO("repetition " << rep);
        REQUIRE(rt.block_on(rt.spawn(value_of(rep))) == rep);
    }
}
