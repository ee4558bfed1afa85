// Tests of the Future concept and core::BoxFuture.
#include "testing/catch.hpp"

#include <memory>
#include <string>
#include <vector>

#include "core/core.hpp"
#include "core/testing.hpp"

using namespace core;

namespace {
// The smallest hand-written future: Ready at once with a value.
class Ready42 {
public:
    using Output = int;
    Poll<int> poll(Context&) { return 42; }
};
struct NotAFuture {
    int poll(Context&) { return 0; }
};
}  // namespace

static_assert(Future<Ready42>);
static_assert(!Future<NotAFuture>, "poll must return Poll<Output>");
static_assert(!Future<int>);
static_assert(Future<BoxFuture<int>>);
static_assert(!std::is_copy_constructible_v<BoxFuture<int>>, "BoxFuture is move-only");

TEST_CASE("a BoxFuture polls the future it holds", "[core][boxfuture]") {
    testing::CountingWaker probe;
    Context cx(probe.waker());
    BoxFuture<int> boxed = Ready42();
    auto p = boxed.poll(cx);
    REQUIRE(p.is_ready());
    CHECK(p.value() == 42);
}

TEST_CASE("futures of different types share one queue once boxed", "[core][boxfuture]") {
    std::vector<BoxFuture<void>> queue;
    queue.emplace_back(testing::CountingFuture(0));
    queue.emplace_back(yield_now());
    testing::CountingWaker probe;
    Context cx(probe.waker());
    CHECK(queue[0].poll(cx).is_ready());
    CHECK(queue[1].poll(cx).is_pending());
    CHECK(probe.wakes() == 1);  // yield_now woke itself
    CHECK(queue[1].poll(cx).is_ready());
}

TEST_CASE("a BoxFuture frees its future as soon as it completes", "[core][boxfuture]") {
    testing::CountingFuture counted(1);
    auto stats = counted.stats();
    BoxFuture<void> boxed = std::move(counted);
    testing::CountingWaker probe;
    Context cx(probe.waker());
    CHECK(boxed.poll(cx).is_pending());
    CHECK(stats->destroyed == 0);
    CHECK(boxed.poll(cx).is_ready());
    CHECK(stats->destroyed == 1);
}

TEST_CASE("polling a BoxFuture after Ready or after a move is a clear error", "[core][boxfuture]") {
    testing::CountingWaker probe;
    Context cx(probe.waker());
    BoxFuture<int> boxed = Ready42();
    REQUIRE(boxed.poll(cx).is_ready());
    CHECK_THROWS_WITH(boxed.poll(cx), Catch::Contains("after it returned Ready"));

    BoxFuture<int> source = Ready42();
    BoxFuture<int> target = std::move(source);
    CHECK_THROWS_WITH(source.poll(cx), Catch::Contains("moved from"));  // NOLINT(bugprone-use-after-move)
    CHECK(target.poll(cx).is_ready());
}
