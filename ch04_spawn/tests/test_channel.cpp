// Chapter 4: the channel the executor and its spawners talk through.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "ch04_spawn/executor.hpp"
#include "core/testing.hpp"

TEST_CASE("values from one sender come out in the order they were sent", "[ch04][channel]") {
    auto [tx, rx] = ch04::channel<int>();
    for (int i = 0; i < 100; ++i) REQUIRE(tx.send(i));
    for (int i = 0; i < 100; ++i) {
        auto v = rx.recv();
        REQUIRE(v.has_value());
        INFO("the channel must be FIFO: a std::deque, push_back and pop_front");
        CHECK(*v == i);
    }
}

TEST_CASE("recv drains what is queued, then returns empty once the last sender is gone",
          "[ch04][channel]") {
    core::testing::hang_hint("recv() must return an empty optional once every Sender is gone "
                             "(the last Sender's destructor must notify_all)");
    auto [tx, rx] = ch04::channel<int>();
    {
        auto tx2 = tx;  // a copy is a sender too
        CHECK(tx2.send(1));
        CHECK(tx.send(2));
        auto gone = std::move(tx);  // moving keeps the count: tx2 and gone are the senders
    }  // tx2 and gone are destroyed: no sender left
    CHECK(rx.recv() == std::optional<int>(1));
    CHECK(rx.recv() == std::optional<int>(2));
    INFO("closed and drained: recv must return an empty optional, not block");
    CHECK_FALSE(rx.recv().has_value());
}

TEST_CASE("a recv blocked on an empty channel wakes up when the last sender goes", "[ch04][channel][race]") {
    core::testing::hang_hint("the last Sender's destructor must wake every blocked recv (notify_all)");
    auto [tx, rx] = ch04::channel<int>();
    std::optional<std::optional<int>> got;
    std::thread receiver([&got, rx = rx] { got = rx.recv(); });
    { auto last = std::move(tx); }  // drop the only sender
    receiver.join();
    REQUIRE(got.has_value());
    CHECK_FALSE(got->has_value());
}

TEST_CASE("send reports a closed channel once every receiver is gone", "[ch04][channel]") {
    auto [tx, rx] = ch04::channel<int>();
    auto rx2 = std::make_optional(rx);  // a second receiver
    { auto gone = std::move(rx); }      // the first one is dropped
    INFO("one receiver is left: send must still succeed");
    CHECK(tx.send(1));
    rx2.reset();
    INFO("no receiver left: send must return false");
    CHECK_FALSE(tx.send(2));
}

namespace {
struct Tracked {  // counts live instances; carries a sender of its own channel
    explicit Tracked(std::shared_ptr<int> token) : token_(std::move(token)) {}
    std::shared_ptr<int> token_;
    std::optional<ch04::Sender<Tracked>> back;
};
}  // namespace

TEST_CASE("dropping the last receiver frees what is still queued, even values holding a sender",
          "[ch04][channel]") {
    core::testing::hang_hint("values dropped by the last Receiver must be destroyed after unlocking: "
                             "their destructor may drop a Sender of the same channel");
    auto token = std::make_shared<int>(0);
    {
        auto [tx, rx] = ch04::channel<Tracked>();
        for (int i = 0; i < 3; ++i) {
            Tracked t(token);
            t.back = tx;  // like a task holding a sender into its own ready queue
            REQUIRE(tx.send(std::move(t)));
        }
        CHECK(token.use_count() == 4);
        { auto last = std::move(rx); }  // the last receiver goes: nobody can read them
        INFO("the queued values must be destroyed with the last receiver (else a cycle leaks them)");
        CHECK(token.use_count() == 1);
    }
}

TEST_CASE("many senders and receivers across threads: every value arrives once, in order per sender",
          "[ch04][channel][race]") {
    core::testing::hang_hint("receivers must stop once every sender thread has dropped its Sender");
    constexpr int senders = 4, receivers = 3, per_sender = 10'000;
    auto [tx, rx] = ch04::channel<std::pair<int, int>>();
    std::vector<std::vector<std::pair<int, int>>> got(receivers);
    std::vector<std::thread> threads;
    for (int r = 0; r < receivers; ++r)
        threads.emplace_back([&got, r, rx = rx] {
            while (auto v = rx.recv()) got[r].push_back(*v);
        });
    for (int s = 0; s < senders; ++s)
        threads.emplace_back([s, tx = tx] {
            for (int i = 0; i < per_sender; ++i) tx.send({s, i});
        });
    { auto drop = std::move(tx); }
    for (auto& t : threads) t.join();

    std::map<std::pair<int, int>, int> seen;
    for (int r = 0; r < receivers; ++r) {
        std::vector<int> last(senders, -1);
        for (auto [s, i] : got[r]) {
            ++seen[{s, i}];
            if (i <= last[s]) FAIL("receiver " << r << " got value " << i << " of sender " << s
                                                << " after " << last[s] << ": not FIFO per sender");
            last[s] = i;
        }
    }
    CHECK(seen.size() == static_cast<size_t>(senders * per_sender));
    bool each_once = std::all_of(seen.begin(), seen.end(), [](auto& kv) { return kv.second == 1; });
    INFO("a value was delivered twice");
    CHECK(each_once);
}
