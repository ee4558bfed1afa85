// Chapter 4, piece 2: the task and its state word, driven by hand. The test
// plays the worker: it calls Task::run() itself and looks into the ready
// channel after each step, so every interleaving here happens in the same
// order on every run. Only task.hpp (and the channel it sends into).
#include "testing/catch.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "ch04_spawn/task.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

namespace {

using TaskPtr = std::shared_ptr<ch04::Task>;

// The executor's end of a ready channel, with a window into it: how many
// tasks are queued, how many Senders are alive. (detail::Channel is given
// code, the same in the stub and the reference.)
class ReadyChannel {
public:
    TaskPtr make_task(core::BoxFuture<void> future) {
        return std::make_shared<ch04::Task>(std::move(future), ch04::Sender<TaskPtr>(channel_));
    }
    std::size_t queued() const {
        std::lock_guard lock(channel_->mutex);
        return channel_->queue.size();
    }
    std::size_t senders() const {
        std::lock_guard lock(channel_->mutex);
        return channel_->senders;
    }
    // Like a worker's recv(), for a test that knows a task is queued.
    TaskPtr take() {
        REQUIRE(queued() > 0);
        return *receiver_->recv();
    }
    void drop_receiver() { receiver_.reset(); }

private:
    std::shared_ptr<ch04::detail::Channel<TaskPtr>> channel_ =
        std::make_shared<ch04::detail::Channel<TaskPtr>>();
    std::optional<ch04::Receiver<TaskPtr>> receiver_{std::in_place, channel_};
};

// A future whose polls are written by the test: poll number n (from 1) calls
// script(cx, n). Counts polls and notes its destruction.
class Scripted {
public:
    using Output = void;
    using Script = std::function<core::Poll<void>(core::Context&, int)>;
    struct Stats {
        std::atomic<int> polls{0};
        std::atomic<bool> destroyed{false};
    };
    Scripted(Script script, std::shared_ptr<Stats> stats, std::function<void()> on_destroy = {})
        : script_(std::move(script)), stats_(std::move(stats)), on_destroy_(std::move(on_destroy)) {}
    Scripted(Scripted&& o) noexcept
        : script_(std::move(o.script_)), stats_(std::move(o.stats_)), on_destroy_(std::move(o.on_destroy_)) {}
    ~Scripted() {
        if (!stats_) return;  // moved from
        stats_->destroyed = true;
        if (on_destroy_) on_destroy_();
    }
    core::Poll<void> poll(core::Context& cx) { return script_(cx, ++stats_->polls); }

private:
    Script script_;
    std::shared_ptr<Stats> stats_;
    std::function<void()> on_destroy_;
};

core::Poll<void> pending() { return core::Poll<void>::pending(); }
core::Poll<void> ready() { return core::Poll<void>::ready(); }

}  // namespace

TEST_CASE("run polls a queued task once; a task left Pending with no wake stays out of the channel",
          "[ch04][task]") {
    ReadyChannel ready_channel;
    auto stats = std::make_shared<Scripted::Stats>();
    TaskPtr task = ready_channel.make_task(Scripted([](core::Context&, int) { return pending(); }, stats));
    task->run();  // born NOTIFIED, as if just received from the channel
    CHECK(stats->polls == 1);
    INFO("nobody woke the task: after a Pending poll it is idle, not back in the channel");
    CHECK(ready_channel.queued() == 0);
    CHECK_FALSE(stats->destroyed);
}

TEST_CASE("wakes of an idle task put it in the channel once, however many come before its poll",
          "[ch04][task]") {
    ReadyChannel ready_channel;
    auto stats = std::make_shared<Scripted::Stats>();
    TaskPtr task = ready_channel.make_task(Scripted([](core::Context&, int) { return pending(); }, stats));
    task->run();
    REQUIRE(ready_channel.queued() == 0);
    task->wake();
    INFO("a wake of an idle task must send it into the channel (only the wake that finds it idle)");
    CHECK(ready_channel.queued() == 1);
    task->wake();
    task->wake();
    INFO("the task is already queued (NOTIFIED): more wakes must not queue it twice");
    CHECK(ready_channel.queued() == 1);
    TaskPtr again = ready_channel.take();
    again->run();
    CHECK(stats->polls == 2);
    CHECK(ready_channel.queued() == 0);
}

TEST_CASE("a wake during the poll does not queue the running task, and queues it once after the poll",
          "[ch04][task]") {
    ReadyChannel ready_channel;
    auto stats = std::make_shared<Scripted::Stats>();
    std::size_t queued_during_poll = 99;
    TaskPtr task = ready_channel.make_task(Scripted(
        [&](core::Context& cx, int n) {
            if (n > 1) return ready();
            cx.waker().wake();  // the task wakes itself while it is RUNNING
            cx.waker().wake();
            queued_during_poll = ready_channel.queued();
            return pending();
        },
        stats));
    task->run();
    {
        INFO("a wake during the poll put the RUNNING task in the channel: another worker would poll it "
             "while this one still is (chapter 3's flag on several workers). A wake of a RUNNING task "
             "only leaves the NOTIFIED note");
        CHECK(queued_during_poll == 0);
    }
    {
        INFO("the wake that came during the poll was lost: after a Pending poll, a NOTIFIED note "
             "means the worker queues the task again (book: Several workers: RUNNING and NOTIFIED)");
        CHECK(ready_channel.queued() == 1);
    }
    if (ready_channel.queued() > 0) {
        ready_channel.take()->run();
        CHECK(stats->polls == 2);
    }
}

TEST_CASE("a finished task drops its future and its Sender at once, and ignores later wakes",
          "[ch04][task]") {
    ReadyChannel ready_channel;
    auto stats = std::make_shared<Scripted::Stats>();
    TaskPtr task = ready_channel.make_task(Scripted([](core::Context&, int) { return ready(); }, stats));
    REQUIRE(ready_channel.senders() == 1);
    task->run();  // Ready: finished, while we still hold the task (like a kept waker would)
    {
        INFO("a finished task kept its Sender: run() would never return while anybody holds a waker "
             "of it. finish() must drop the Sender at once");
        CHECK(ready_channel.senders() == 0);
    }
    {
        INFO("a finished task must destroy its future at once, not when the last waker goes");
        CHECK(stats->destroyed);
    }
    task->wake();
    task->wake();
    INFO("a wake after the task finished queued it again: a finished task stays DONE");
    CHECK(ready_channel.queued() == 0);
    CHECK(stats->polls == 1);
}

TEST_CASE("a poll that throws is reported once on stderr and finishes the task", "[ch04][task]") {
    ReadyChannel ready_channel;
    auto stats = std::make_shared<Scripted::Stats>();
    TaskPtr task = ready_channel.make_task(Scripted(
        [](core::Context& cx, int) -> core::Poll<void> {
            cx.waker().wake();  // a note left before the throw must not bring it back
            throw std::runtime_error("the poll failed on purpose");
        },
        stats));
    std::string err;
    {
        probes::CaptureStderr capture;
        INFO("an exception escaped Task::run: catch it around the poll (std::exception and ...)");
        CHECK_NOTHROW(task->run());
        err = capture.text();
    }
    CAPTURE(err);
    CHECK(probes::occurrences(err, "the poll failed on purpose") == 1);
    INFO("a task whose poll threw is finished: its future and Sender are dropped, it is not queued");
    CHECK(stats->destroyed);
    CHECK(ready_channel.senders() == 0);
    CHECK(ready_channel.queued() == 0);
}

// finish() runs the future's destructor, which is user code: here it wakes
// the task it belongs to (a guard that notifies on the way out would). The
// task must already be DONE then, or that wake queues a finished task.
TEST_CASE("a task is DONE before its future is destroyed: a wake from that destructor does nothing",
          "[ch04][task]") {
    ReadyChannel ready_channel;
    auto stats = std::make_shared<Scripted::Stats>();
    auto kept = std::make_shared<core::Waker>();
    std::size_t queued_by_destructor = 99;
    TaskPtr task = ready_channel.make_task(Scripted(
        [kept](core::Context& cx, int) -> core::Poll<void> {
            *kept = cx.waker();
            throw std::runtime_error("thrown so that finish() destroys the future");
        },
        stats,
        [kept, &queued_by_destructor, &ready_channel] {
            kept->wake();
            queued_by_destructor = ready_channel.queued();
        }));
    {
        probes::CaptureStderr quiet;
        task->run();
    }
    REQUIRE(stats->destroyed);
    INFO("a wake during finish() queued the finished task again: make the state DONE first, then "
         "drop the future and the Sender (book: Several workers: RUNNING and NOTIFIED)");
    CHECK(queued_by_destructor == 0);
    CHECK(ready_channel.queued() == 0);
    *kept = core::Waker();  // the last waker: the task goes
}

TEST_CASE("a wake after the executor's receiver is gone does nothing, and the task is freed with its waker",
          "[ch04][task]") {
    ReadyChannel ready_channel;
    auto stats = std::make_shared<Scripted::Stats>();
    TaskPtr task = ready_channel.make_task(Scripted([](core::Context&, int) { return pending(); }, stats));
    task->run();
    core::Waker waker = core::Waker::from(task);
    task.reset();  // only the waker holds the task now
    ready_channel.drop_receiver();
    waker.wake();  // send() fails: nobody is there to poll it
    CHECK(stats->polls == 1);
    waker = core::Waker();
    INFO("the last waker was dropped: the task and its future must be freed");
    CHECK(stats->destroyed);
}

// What a waker wrote before wake() must be visible to the next poll. Here the
// wake finds the task already queued (NOTIFIED), so the only link between the
// waking thread and the worker is the state word itself: the worker's
// exchange(RUNNING, acquire) reads the waker's fetch_or(release). The test
// thread and the waking thread share nothing else that orders them (the flag
// `woken` is relaxed on purpose).
// On x86 this passes even with a plain store(RUNNING): the hardware keeps the
// stores in order. `make check-ch04 SAN=thread` sees the missing ordering and
// reports a data race on `message` (book: Proving it). The other store bug of
// this word, a plain store(NOTIFIED) after a failed compare-and-swap when
// leaving RUNNING, has no test at all: it needs a second wake inside a window
// of a few instructions, and only a memory-model checker explores that (book:
// "Why every transition is a read-modify-write").
TEST_CASE("what a waker wrote before waking a queued task is seen by the task's next poll",
          "[ch04][task][race]") {
    core::testing::hang_hint("the waking thread never woke the task");
    ReadyChannel ready_channel;
    auto stats = std::make_shared<Scripted::Stats>();
    struct Shared {
        int message = 0;  // plain, not atomic: the state word must order it
        int seen = -1;
        core::Waker waker;
    };
    auto shared = std::make_shared<Shared>();
    TaskPtr task = ready_channel.make_task(Scripted(
        [shared](core::Context& cx, int n) {
            if (n == 1) {
                shared->waker = cx.waker();
                return pending();
            }
            shared->seen = shared->message;
            return ready();
        },
        stats));
    task->run();          // first poll: hands out its waker, goes idle
    task->wake();         // queued again by this thread: NOTIFIED, in the channel
    core::Waker copy = shared->waker;  // copied here, so the other thread adds no count of its own
    std::atomic<bool> woken{false};
    core::testing::Latch may_go{1};
    std::thread other([&shared, &copy, &woken, &may_go] {
        shared->message = 42;
        copy.wake();  // finds NOTIFIED: no send, only the state word carries the news
        woken.store(true, std::memory_order_relaxed);
        may_go.wait();
    });
    while (!woken.load(std::memory_order_relaxed)) std::this_thread::yield();
    ready_channel.take()->run();  // the second poll reads message
    may_go.count_down();
    other.join();
    INFO("the second poll did not see what the waker wrote before wake(): run() must take RUNNING "
         "with an acquiring read-modify-write (exchange), which reads the waker's fetch_or");
    CHECK(shared->seen == 42);
}
