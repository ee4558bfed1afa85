// Model tests: every interleaving of the steps of the protocols the chapters
// rely on, with a deliberately broken variant of each that must be caught.
// The book's chapters point here (see "Proving it" in each chapter).
#include "testing/catch.hpp"

#include <algorithm>
#include <string>

#include "interleave.hpp"

using model::Explorer;
using model::Outcome;
using model::Step;
using model::Thread;

namespace {

std::string describe(const Outcome& o) {
    return o.failure ? *o.failure + "\n  after this order of steps:\n" + o.trace : "no interleaving breaks it";
}

// ---- ch02: the parker's token ---------------------------------------------
// block_on polls, finds the future Pending, parks; another thread makes the
// future Ready, then unparks. With a token, an unpark that comes before the
// park is remembered. Without one (a bare condition_variable notify), it is
// lost and block_on sleeps forever.
struct ParkWorld {
    bool future_ready = false;
    bool token = false;
    bool sleeping = false;
    bool done = false;
};

Outcome explore_parker(bool keep_token) {
    Thread<ParkWorld> block_on{"block_on", {
        {"poll the future", [](ParkWorld& w) { w.done = w.future_ready; }},
        {"park: take the token, or sleep", [](ParkWorld& w) {
             if (w.done) return;
             if (w.token) w.token = false;
             else w.sleeping = true;
         }},
        {"wait until woken", [](ParkWorld&) {}, [](const ParkWorld& w) { return !w.sleeping; }},
        {"poll again", [](ParkWorld& w) { w.done = w.done || w.future_ready; }},
    }};
    Thread<ParkWorld> waker{"waker", {
        {"the future becomes Ready", [](ParkWorld& w) { w.future_ready = true; }},
        {keep_token ? "unpark: leave a token, wake a sleeper" : "unpark: wake a sleeper, if any",
         [keep_token](ParkWorld& w) {
             if (w.sleeping) w.sleeping = false;  // the sleeper wakes up
             else if (keep_token) w.token = true;  // remembered for the next park
         }},
    }};
    return Explorer<ParkWorld>(ParkWorld{}, {block_on, waker}, [](const ParkWorld& w) -> std::optional<std::string> {
               if (!w.done) return "block_on returned without the future being Ready";
               return std::nullopt;
           }).explore();
}

// ---- ch03: the queued flag --------------------------------------------------
// The executor pops the task, clears `queued`, polls. A timer makes the future
// Ready and wakes: `if (!queued.exchange(true)) push`. If the flag is cleared
// AFTER the poll, a wake that lands during the poll sees queued == true, does
// not push, and then the flag is cleared: nobody will ever poll the task again.
struct QueueWorld {
    bool queued = true;  // the task starts in the queue
    int entries = 1;
    bool fired = false;
    bool completed = false;
    bool seen[2] = {false, false};  // for the load-then-store variant
};

// [book:clear-order]
Outcome explore_clear_order(bool clear_before_poll) {
    Step<QueueWorld> pop{"pop the task", [](QueueWorld& w) { --w.entries; }};
    Step<QueueWorld> clear{"clear queued", [](QueueWorld& w) { w.queued = false; }};
    Step<QueueWorld> poll{"poll (reads the future)", [](QueueWorld& w) { w.completed = w.fired; }};
    Thread<QueueWorld> executor{"executor", clear_before_poll ? std::vector{pop, clear, poll} : std::vector{pop, poll, clear}};
    Thread<QueueWorld> timer{"timer", {
        {"the future becomes Ready", [](QueueWorld& w) { w.fired = true; }},
        {"wake: if (!queued.exchange(true)) push", [](QueueWorld& w) {
             if (!w.queued) { w.queued = true; ++w.entries; }
         }},
    }};
    return Explorer<QueueWorld>(QueueWorld{}, {executor, timer}, [](const QueueWorld& w) -> std::optional<std::string> {
               if (!w.completed && w.entries == 0) return "lost wakeup: the future is Ready but the task is not queued";
               return std::nullopt;
           }).explore();
}
// [/book:clear-order]

// Two threads wake an idle task at once. exchange() is one atomic step; a
// load followed by a store is two, and both threads can see "not queued".
Outcome explore_double_queueing(bool use_exchange) {
    auto waker = [use_exchange](int id) {
        std::string n = "waker " + std::to_string(id);
        if (use_exchange)
            return Thread<QueueWorld>{n, {{"if (!queued.exchange(true)) push", [](QueueWorld& w) {
                                               if (!w.queued) { w.queued = true; ++w.entries; }
                                           }}}};
        return Thread<QueueWorld>{n, {
            {"load queued", [id](QueueWorld& w) { w.seen[id] = w.queued; }},
            {"if it was false: store true, push", [id](QueueWorld& w) {
                 if (!w.seen[id]) { w.queued = true; ++w.entries; }
             }},
        }};
    };
    QueueWorld idle;
    idle.queued = false;
    idle.entries = 0;
    return Explorer<QueueWorld>(idle, {waker(0), waker(1)}, [](const QueueWorld& w) -> std::optional<std::string> {
               if (w.entries != 1) return "the task sits in the queue " + std::to_string(w.entries) + " times";
               return std::nullopt;
           }).explore();
}

// ---- ch04/ch05: RUNNING and NOTIFIED ----------------------------------------
// Two workers share the queue. A wake that arrives while the task is being
// polled must not queue it (the other worker would poll it concurrently); it
// marks it NOTIFIED, and the worker that is polling re-queues it afterwards.
enum class TaskState { idle, scheduled, running, notified };

struct WorkerWorld {
    TaskState state = TaskState::scheduled;
    int queue = 1;
    int polling = 0, max_polling = 0;
    int clock = 0, last_wake = 0, last_poll = 0;
    bool has_task[2] = {false, false};
};

Outcome explore_notified(bool with_notified) {
    auto worker = [](int id) {
        return Thread<WorkerWorld>{"worker " + std::to_string(id), {
            {"try to pop", [id](WorkerWorld& w) {
                 if (w.queue > 0) { --w.queue; w.has_task[id] = true; }
             }},
            {"start polling (state = RUNNING)", [id](WorkerWorld& w) {
                 if (!w.has_task[id]) return;
                 w.state = TaskState::running;
                 w.max_polling = std::max(w.max_polling, ++w.polling);
                 w.last_poll = ++w.clock;
             }},
            {"finish polling: requeue if NOTIFIED, else IDLE", [id](WorkerWorld& w) {
                 if (!w.has_task[id]) return;
                 --w.polling;
                 if (w.state == TaskState::notified) { w.state = TaskState::scheduled; ++w.queue; }
                 else if (w.state == TaskState::running) w.state = TaskState::idle;
             }},
        }};
    };
    Thread<WorkerWorld> waker{"waker", {
        {with_notified ? "wake: IDLE -> queue it, RUNNING -> NOTIFIED" : "wake: queue it unless already queued",
         [with_notified](WorkerWorld& w) {
             w.last_wake = ++w.clock;
             if (w.state == TaskState::idle || (!with_notified && w.state == TaskState::running)) {
                 w.state = TaskState::scheduled;
                 ++w.queue;
             } else if (w.state == TaskState::running) {
                 w.state = TaskState::notified;
             }
         }},
    }};
    return Explorer<WorkerWorld>(WorkerWorld{}, {worker(0), worker(1), waker},
                                 [](const WorkerWorld& w) -> std::optional<std::string> {
                                     if (w.max_polling > 1) return "two workers polled the task at the same time";
                                     if (w.last_wake > w.last_poll && w.queue == 0)
                                         return "lost wakeup: woken after its last poll began, yet not queued";
                                     return std::nullopt;
                                 })
        .explore();
}

// ---- ch05: the JoinHandle's slot --------------------------------------------
// The join stores its waker and checks for the result; the task stores the
// result and wakes the stored waker. Checking before registering leaves a gap:
// the task completes and wakes nobody in between, and the join sleeps forever.
struct JoinWorld {
    bool result = false, waker_stored = false, join_saw_result = false, join_woken = false;
};

Outcome explore_join(bool register_first) {
    Step<JoinWorld> store{"store the join's waker", [](JoinWorld& w) { w.waker_stored = true; }};
    Step<JoinWorld> check{"check for a result", [](JoinWorld& w) { w.join_saw_result = w.result; }};
    Thread<JoinWorld> join{"join", register_first ? std::vector{store, check} : std::vector{check, store}};
    Thread<JoinWorld> task{"task", {
        {"store the result", [](JoinWorld& w) { w.result = true; }},
        {"wake the stored waker, if any", [](JoinWorld& w) { w.join_woken = w.waker_stored; }},
    }};
    return Explorer<JoinWorld>(JoinWorld{}, {join, task}, [](const JoinWorld& w) -> std::optional<std::string> {
               if (!w.join_saw_result && !w.join_woken) return "the join neither saw the result nor was woken";
               return std::nullopt;
           }).explore();
}

}  // namespace

TEST_CASE("model: a parker with a token never loses an unpark", "[model][ch02]") {
    auto ok = explore_parker(/*keep_token=*/true);
    INFO(describe(ok));
    CHECK_FALSE(ok.failure);
    CHECK(ok.schedules > 1);
}

TEST_CASE("model: a parker without a token is caught losing an early unpark", "[model][ch02]") {
    auto broken = explore_parker(/*keep_token=*/false);
    INFO("the broken parker should deadlock in some order");
    REQUIRE(broken.failure);
    CHECK_THAT(*broken.failure, Catch::Contains("deadlock"));
}

TEST_CASE("model: clearing `queued` before the poll never loses a wake", "[model][ch03]") {
    auto ok = explore_clear_order(/*clear_before_poll=*/true);
    INFO(describe(ok));
    CHECK_FALSE(ok.failure);
}

TEST_CASE("model: clearing `queued` after the poll is caught losing a wake", "[model][ch03]") {
    auto broken = explore_clear_order(/*clear_before_poll=*/false);
    REQUIRE(broken.failure);
    CHECK_THAT(*broken.failure, Catch::Contains("lost wakeup"));
    CHECK_THAT(broken.trace, Catch::Contains("poll (reads the future)"));
}

TEST_CASE("model: exchange() queues a task once when two threads wake it", "[model][ch03]") {
    auto ok = explore_double_queueing(/*use_exchange=*/true);
    INFO(describe(ok));
    CHECK_FALSE(ok.failure);
}

TEST_CASE("model: load-then-store is caught queueing a task twice", "[model][ch03]") {
    auto broken = explore_double_queueing(/*use_exchange=*/false);
    REQUIRE(broken.failure);
    CHECK_THAT(*broken.failure, Catch::Contains("2 times"));
}

TEST_CASE("model: with NOTIFIED, a task is never polled by two workers at once", "[model][ch04][ch05]") {
    auto ok = explore_notified(/*with_notified=*/true);
    INFO(describe(ok));
    CHECK_FALSE(ok.failure);
    CHECK(ok.schedules > 10);
}

TEST_CASE("model: re-queueing a running task is caught as a concurrent poll", "[model][ch04][ch05]") {
    auto broken = explore_notified(/*with_notified=*/false);
    REQUIRE(broken.failure);
    CHECK_THAT(*broken.failure, Catch::Contains("at the same time"));
}

TEST_CASE("model: a join that stores its waker before checking is always woken", "[model][ch05]") {
    auto ok = explore_join(/*register_first=*/true);
    INFO(describe(ok));
    CHECK_FALSE(ok.failure);
}

TEST_CASE("model: a join that checks before storing its waker is caught sleeping forever", "[model][ch05]") {
    auto broken = explore_join(/*register_first=*/false);
    REQUIRE(broken.failure);
    CHECK_THAT(*broken.failure, Catch::Contains("neither saw the result nor was woken"));
}

// Not run by default: `build/<compiler>-O1-g/model/tests "[show]"` prints how
// each broken variant fails, step by step.
TEST_CASE("model: show the counterexample of every broken variant", "[.][show]") {
    WARN("ch02, parker without a token:\n" << describe(explore_parker(false)));
    WARN("ch03, clearing queued after the poll:\n" << describe(explore_clear_order(false)));
    WARN("ch03, load-then-store wake:\n" << describe(explore_double_queueing(false)));
    WARN("ch04/ch05, re-queueing a running task:\n" << describe(explore_notified(false)));
    WARN("ch05, join checks before storing its waker:\n" << describe(explore_join(false)));
}
