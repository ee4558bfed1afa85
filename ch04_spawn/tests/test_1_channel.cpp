// Chapter 4, piece 1: the channel the executor and its spawners talk through.
// Only channel.hpp: this piece goes green before the task exists.
#include "testing/catch.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "ch04_spawn/channel.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace std::chrono_literals;

namespace {

// A thread blocked in recv(): it announces itself, and wait_until_blocked()
// returns once it is asleep inside recv (or already returned), so a test
// acts on a receiver that is really waiting, every run. Its state is shared
// with the thread, so a receiver that never wakes (a bug under test) is left
// behind, detached, instead of hanging the test in join().
class BlockedReceiver {
    struct State {
        std::atomic<pid_t> tid{0};
        std::atomic<bool> returned{false};  // set without a lock: a thread asleep after this is not in recv
        std::optional<int> got;
        probes::Signal done;
    };

public:
    explicit BlockedReceiver(ch04::Receiver<int> rx)
        : thread_([state = state_, rx = std::move(rx)] {
              state->tid.store(probes::kernel_thread_id());
              state->got = rx.recv();
              state->returned.store(true, std::memory_order_release);
              state->done.raise();
          }) {}
    ~BlockedReceiver() {
        if (state_->done.wait_for(std::chrono::seconds(2))) thread_.join();
        else thread_.detach();
    }
    BlockedReceiver(const BlockedReceiver&) = delete;
    BlockedReceiver& operator=(const BlockedReceiver&) = delete;

    bool blocked_or_done() const {
        pid_t tid = state_->tid.load();
        return returned() || (tid != 0 && probes::asleep_in_kernel(tid));
    }
    void wait_until_blocked() const {
        while (!blocked_or_done()) std::this_thread::yield();
    }
    bool returned_within(std::chrono::milliseconds bound) const { return state_->done.wait_for(bound); }
    bool returned() const { return state_->returned.load(std::memory_order_acquire); }
    pid_t tid() const { return state_->tid.load(); }
    // Read only after returned() (its acquire orders it).
    const std::optional<int>& got() const { return state_->got; }

private:
    std::shared_ptr<State> state_ = std::make_shared<State>();
    std::thread thread_;
};

struct Tracked {  // counts live instances; carries a sender of its own channel
    explicit Tracked(std::shared_ptr<int> token) : token_(std::move(token)) {}
    std::shared_ptr<int> token_;
    std::optional<ch04::Sender<Tracked>> back;
};

// The window between a notify and the queue's change, held open on every run
// (tests/infra/wakeups.cpp calls these hooks from the condition-variable
// calls; under ThreadSanitizer there are none, and the test runs unheld).
// A send armed with hold_next_notify sends its notify from inside the hook,
// then waits until the woken receiver has looked at the queue: it returned,
// or it began another wait (it found the queue empty). So a receiver woken
// before the value is queued goes back to sleep every time, not one run in a
// thousand.
namespace notify_window {
thread_local bool hold_next_notify = false;        // armed on the sending thread
std::atomic<pid_t> receiver{0};                    // the receiver's kernel thread id, 0: none
std::atomic<int> receiver_waits{0};                // real waits the receiver began
std::atomic<const BlockedReceiver*> watched{nullptr};

[[maybe_unused]] inline void before_wait() {  // (unused under TSan: no hooks there)
    const pid_t tid = receiver.load();
    if (tid != 0 && tid == probes::kernel_thread_id()) receiver_waits.fetch_add(1);
}
[[maybe_unused]] inline bool before_notify(const void* cond) {
    if (!hold_next_notify) return false;
    hold_next_notify = false;
    const int waits = receiver_waits.load();
    // Inside a hook a notify is not hooked again: this is the real one.
    ::pthread_cond_signal(static_cast<pthread_cond_t*>(const_cast<void*>(cond)));
    const auto deadline = std::chrono::steady_clock::now() + core::testing::scaled(std::chrono::seconds(2));
    const BlockedReceiver* r = watched.load();
    while (!(r && r->returned()) && receiver_waits.load() == waits && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    return true;  // sent above
}
#if CORE_TESTING_CONDVAR_HOOKS
[[maybe_unused]] const bool installed = [] {
    core::testing::detail::set_condvar_hooks({&before_wait, &before_notify});
    return true;
}();
#endif
}  // namespace notify_window

}  // namespace

TEST_CASE("values from one sender come out in the order they were sent", "[ch04][channel]") {
    auto [tx, rx] = ch04::channel<int>();
    for (int i = 0; i < 100; ++i) REQUIRE(tx.send(i));
    for (int i = 0; i < 100; ++i) {
        auto v = rx.recv();
        REQUIRE(v.has_value());
        INFO("the channel must be FIFO: values leave in the order they came in");
        CHECK(*v == i);
    }
}

TEST_CASE("each copy of a Sender counts as one more sender, and the count never goes below zero", "[ch04][channel]") {
    auto ch = std::make_shared<ch04::detail::Channel<int>>();
    auto count = [&] {
        std::lock_guard lock(ch->mutex);
        return ch->senders;
    };
    std::optional<ch04::Sender<int>> tx;
    tx.emplace(ch);
    INFO("a new Sender must count as one sender (detail::Channel::senders)");
    REQUIRE(count() == 1);
    {
        auto copy = *tx;
        INFO("a copy of a Sender was not counted: each copy must add one to the sender count (else the channel "
             "closes while the copy lives, and dropping it takes the count below zero)");
        CHECK(count() == 2);
        auto moved = std::move(copy);
        INFO("moving a Sender moves its count: the moved-from end counts for nothing");
        CHECK(count() == 2);
    }
    INFO("dropping the copy must take the count back to 1; it is " << count()
         << " (a count below zero wraps around to a huge number: a Sender that was not counted was dropped)");
    CHECK(count() == 1);
    tx.reset();
    INFO("every Sender is gone: the count must be 0, it is " << count());
    CHECK(count() == 0);
}

TEST_CASE("recv drains what is queued, then returns empty once the last sender is gone",
          "[ch04][channel]") {
    core::testing::hang_hint("recv() must return an empty optional once every Sender is gone "
                             "and the queue is drained (book: The channel). If the senders are gone and recv "
                             "still waits, a copy of a Sender was not counted: dropping it took the count below "
                             "zero, where it wrapped around to a huge number");
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

TEST_CASE("recv on an empty channel blocks while a sender is alive, and returns the value sent later",
          "[ch04][channel][race]") {
    core::testing::hang_hint("a send to a receiver already asleep in recv() did not wake it: notify after "
                             "the value is in the queue, never before");
    auto [tx, rx] = ch04::channel<int>();
    {
        BlockedReceiver receiver(rx);
        receiver.wait_until_blocked();
        if (receiver.returned()) {
            INFO("recv returned empty while a Sender was still alive: it must wait for a value "
                 "(or for the last Sender to go)");
            CHECK(receiver.got().has_value());
        }
        CHECK(tx.send(7));
        bool woke = receiver.returned_within(2s);
        INFO("a send to a receiver already asleep in recv() did not wake it: notify after the value "
             "is in the queue, never before (book: Notify under the lock, or after it?)");
        CHECK(woke);
        { auto last = std::move(tx); }  // whatever happened, let the receiver go
    }
}

TEST_CASE("a receiver woken by send finds the value already queued (send queues, then notifies)",
          "[ch04][channel][race]") {
    core::testing::hang_hint("a receiver woken by send() found no value and slept on: send must queue the value "
                             "under the lock first, and notify after");
    auto [tx, rx] = ch04::channel<int>();
    {
        BlockedReceiver receiver(rx);
        receiver.wait_until_blocked();
        REQUIRE_FALSE(receiver.returned());
        notify_window::receiver_waits.store(0);
        notify_window::watched.store(&receiver);
        notify_window::receiver.store(receiver.tid());
        notify_window::hold_next_notify = true;  // hold this send's notify until the receiver has looked
        core::ScopeExit disarm([] {              // also when send throws
            notify_window::hold_next_notify = false;
            notify_window::receiver.store(0);
            notify_window::watched.store(nullptr);
        });
        const bool sent = tx.send(42);
        notify_window::hold_next_notify = false;
        const bool woke = receiver.returned_within(1s);
        CHECK(sent);
        INFO("send notified before the value was in the queue: the receiver woke, found the queue empty, went "
             "back to sleep, and nobody wakes it again (a lost wakeup). Queue the value under the lock, then "
             "notify (book: Who is woken, and when)");
        CHECK(woke);
        { auto last = std::move(tx); }  // whatever happened, let the receiver go
        REQUIRE(receiver.returned_within(2s));
        CHECK(receiver.got() == std::optional<int>(42));
    }
}

TEST_CASE("a recv blocked on an empty channel wakes up when the last sender goes", "[ch04][channel][race]") {
    core::testing::hang_hint("the last Sender left a receiver asleep in recv(): its destructor must wake "
                             "EVERY blocked recv() (notify_all, not notify_one), after the count "
                             "reached zero");
    auto [tx, rx] = ch04::channel<int>();
    auto rx2 = rx;
    {
        BlockedReceiver first(rx), second(rx2);
        // Both asleep at once, several times in a row: then neither is merely
        // waiting for the mutex the other one held a moment ago.
        for (int calm = 0; calm < 5;) {
            calm = first.blocked_or_done() && second.blocked_or_done() ? calm + 1 : 0;
            std::this_thread::yield();
        }
        { auto last = std::move(tx); }  // drop the only sender
        INFO("the last Sender left a receiver asleep in recv(): it must wake every blocked receiver "
             "(notify_all, after the count reached zero)");
        CHECK(first.returned_within(2s));
        CHECK(second.returned_within(2s));
        if (first.returned()) CHECK_FALSE(first.got().has_value());
        if (second.returned()) CHECK_FALSE(second.got().has_value());
        // A receiver still asleep here can never be woken (no sender is left to
        // notify it): it is left behind, detached, when the test ends.
    }
}

TEST_CASE("send reports a closed channel once every receiver is gone", "[ch04][channel]") {
    auto [tx, rx] = ch04::channel<int>();
    auto rx2 = std::make_optional(rx);  // a second receiver
    { auto gone = std::move(rx); }      // the first one is dropped
    INFO("one receiver is left: send must still succeed");
    CHECK(tx.send(1));
    rx2.reset();
    INFO("no receiver left: send must return false (nobody could ever read the value)");
    CHECK_FALSE(tx.send(2));
}

TEST_CASE("dropping the last receiver frees what is still queued, even values holding a sender",
          "[ch04][channel]") {
    core::testing::hang_hint("values dropped by the last Receiver must be destroyed after unlocking: "
                             "their destructor may drop a Sender of the same channel (same mutex)");
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

TEST_CASE("a Receiver that loses the value to another Receiver waits on: it never reports closed while a Sender lives",
          "[ch04][channel][race]") {
    core::testing::hang_hint("a value sent to two competing receivers reached neither: send must queue the value, "
                             "then wake a receiver; recv must wait in a loop until a value is there or no Sender "
                             "is left");
    auto [tx, rx] = ch04::channel<int>();
    auto rx2 = rx;
    {
        BlockedReceiver first(rx);
        first.wait_until_blocked();  // asleep in recv on an empty channel (its first wait is a spurious one)
        REQUIRE(tx.send(1));         // wakes `first`...
        BlockedReceiver second(rx2);  // ...and a second receiver races it for the value
        // One of them has the value; the other woke (or came) to an empty
        // queue while a Sender lives: it must go back to sleep.
        auto has_one = [&] {
            return (first.returned() && first.got() == std::optional<int>(1)) ||
                   (second.returned() && second.got() == std::optional<int>(1));
        };
        const auto deadline = std::chrono::steady_clock::now() + core::testing::scaled(2s);
        while (!has_one() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
        first.wait_until_blocked();
        second.wait_until_blocked();
        for (const BlockedReceiver* r : {&first, &second}) {
            if (r->returned() && !r->got().has_value()) {
                FAIL("recv returned closed (an empty optional) while a Sender was alive: it woke to an "
                     "empty queue (another Receiver took the value, or the wakeup was spurious) and gave up. "
                     "Wait in a loop until a value is there or every Sender is gone");
            }
        }
        INFO("one value was sent and both receivers returned a value");
        CHECK_FALSE((first.returned() && second.returned()));
        REQUIRE(tx.send(2));  // the one still waiting gets this one
        CHECK(first.returned_within(std::chrono::duration_cast<std::chrono::milliseconds>(core::testing::scaled(2s))));
        CHECK(second.returned_within(std::chrono::duration_cast<std::chrono::milliseconds>(core::testing::scaled(2s))));
        { auto last = std::move(tx); }  // whatever happened, let the receivers go
    }
}
