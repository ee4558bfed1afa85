// Chapter 3, piece 1: the ready queue on its own (ready_queue.hpp only).
// The queue never looks inside a task, so these tests push stand-ins (see
// probes.hpp): a learner who has written only the queue sees them go green.
#include "probes.hpp"  // first: see the note at its top

#include "testing/catch.hpp"

#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <thread>
#include <vector>

#include "ch03_task_queue/ready_queue.hpp"
#include "core/scope_exit.hpp"
#include "core/testing.hpp"

TEST_CASE("ReadyQueue::pop returns a task pushed before it was called, without waiting for a notify",
          "[ch03][queue]") {
    core::testing::hang_hint("ReadyQueue::pop went to sleep although a task was already queued: pop must look at "
                             "the deque under the lock before it waits (the predicate of wait), because a push "
                             "from the executor's own thread does not notify");
    // A real wait: an injected spurious wakeup would let a pop that waits without looking find the task.
    core::testing::NoSpuriousWakeupsHere real_waits;
    ch03::ReadyQueue queue;
    auto marker = std::make_shared<int>(1);
    queue.push(probes::stand_in(marker), /*notify=*/false);
    auto got = queue.pop();
    INFO("pop returned something other than the one task pushed");
    CHECK(got == probes::stand_in(marker));
}

TEST_CASE("ReadyQueue hands tasks back in the order they were pushed (FIFO)", "[ch03][queue]") {
    core::testing::hang_hint("ReadyQueue::pop went to sleep although tasks were queued: look at the deque before waiting");
    ch03::ReadyQueue queue;
    std::vector<std::shared_ptr<int>> markers;
    for (int i = 0; i < 5; ++i) {
        markers.push_back(std::make_shared<int>(i));
        queue.push(probes::stand_in(markers.back()), false);
    }
    for (int i = 0; i < 5; ++i) {
        INFO("pop number " << i << ": the queue must be first in, first out (push_back, pop_front), "
             "or a task that wakes itself cuts in front of the others");
        CHECK(queue.pop() == probes::stand_in(markers[i]));
    }
}

TEST_CASE("ReadyQueue lets go of a task once it is popped", "[ch03][queue]") {
    core::testing::hang_hint("ReadyQueue::pop went to sleep although a task was queued");
    ch03::ReadyQueue queue;
    auto marker = std::make_shared<int>(7);
    std::weak_ptr<int> watch = marker;
    queue.push(probes::stand_in(marker), false);
    marker.reset();
    INFO("the queue must own what it holds (a shared_ptr): nobody else keeps this task alive");
    REQUIRE_FALSE(watch.expired());
    queue.pop().reset();
    INFO("after pop the queue must keep no copy, or every finished task lives as long as the queue");
    CHECK(watch.expired());
}

TEST_CASE("ReadyQueue::pop sleeps until another thread pushes, and the push wakes it", "[ch03][queue][race]") {
    core::testing::hang_hint("ReadyQueue::pop slept through a push from another thread: push(task, notify=true) "
                             "must notify the condition variable after the task is in the deque");
    ch03::ReadyQueue queue;
    auto marker = std::make_shared<int>(2);
    const long popper = probes::this_thread_tid();
    std::exception_ptr push_error;
    std::jthread pusher([&queue, &push_error, marker, popper](std::stop_token stop) {
        // Push only once the popping thread is asleep in pop(), so the
        // notify is what must wake it (with a backstop if pop never sleeps).
        probes::wait_until_asleep(popper, core::testing::scaled(std::chrono::seconds(2)), stop);
        try {
            queue.push(probes::stand_in(marker), /*notify=*/true);
        } catch (...) {
            push_error = std::current_exception();
        }
    });  // a jthread: if pop throws, leaving the scope stops and joins it
    auto got = queue.pop();
    pusher.join();
    if (push_error) std::rethrow_exception(push_error);
    INFO("pop returned something other than the task pushed: did it return after a wakeup that found the "
         "deque empty? Wait in a loop until it is not");
    CHECK(got == probes::stand_in(marker));
}

TEST_CASE("ReadyQueue loses nothing when four threads push at once", "[ch03][queue][race]") {
    core::testing::hang_hint("ReadyQueue lost a push from one of four threads: is the deque touched only under the mutex?");
    constexpr int threads = 4, per_thread = 500;
    ch03::ReadyQueue queue;
    // markers[t][i] is the i-th task of thread t.
    std::vector<std::vector<std::shared_ptr<int>>> markers(threads);
    for (int t = 0; t < threads; ++t)
        for (int i = 0; i < per_thread; ++i) markers[t].push_back(std::make_shared<int>(t * per_thread + i));
    std::vector<std::exception_ptr> errors(threads);
    std::vector<std::jthread> pushers;  // joined however the test ends
    for (int t = 0; t < threads; ++t)
        pushers.emplace_back([&queue, &markers, &errors, t] {
            try {
                for (auto& m : markers[t]) queue.push(probes::stand_in(m), true);
            } catch (...) {
                errors[t] = std::current_exception();
            }
        });
    for (auto& p : pushers) p.join();  // push never waits, so all of it is in the queue now
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
    std::vector<int> next(threads, 0);  // per thread, the index we expect to pop next
    int out_of_order = 0;
    for (int n = 0; n < threads * per_thread; ++n) {
        int id = *reinterpret_cast<int*>(queue.pop().get());  // a stand-in's address is its marker
        int t = id / per_thread;
        if (id % per_thread != next[t]) ++out_of_order;
        next[t] = id % per_thread + 1;
    }
    INFO("each thread's tasks must come out in the order that thread pushed them");
    CHECK(out_of_order == 0);
    for (int t = 0; t < threads; ++t) CHECK(next[t] == per_thread);
}

TEST_CASE("ReadyQueue::pop that loses the task to a competing pop sleeps on until the next push",
          "[ch03][queue][race]") {
    core::testing::hang_hint("a task pushed to a ReadyQueue with two threads in pop() reached neither: push must put "
                             "the task in the deque, then notify; pop must wait in a loop until the deque is not "
                             "empty");
    ch03::ReadyQueue queue;
    auto first = std::make_shared<int>(1), second = std::make_shared<int>(2);
    struct Popper {
        std::shared_ptr<ch03::Task> got;
        std::exception_ptr error;
        std::atomic<long> tid{0};
        std::atomic<bool> returned{false};
    };
    Popper a, b;
    auto pop_into = [&queue](Popper& p) {
        p.tid.store(probes::this_thread_tid());
        try {
            p.got = queue.pop();
        } catch (...) {
            p.error = std::current_exception();
        }
        p.returned.store(true);
    };
    auto backstop = [](auto d) { return core::testing::scaled(d); };
    std::jthread ta([&] { pop_into(a); });
    while (a.tid.load() == 0) std::this_thread::yield();
    const auto asleep_by = std::chrono::steady_clock::now() + backstop(std::chrono::seconds(2));
    while (!a.returned.load() && !probes::thread_is_asleep(a.tid.load()) &&
           std::chrono::steady_clock::now() < asleep_by)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (a.returned.load() && a.error) std::rethrow_exception(a.error);  // (a stub's pop)
    queue.push(probes::stand_in(first), true);  // wakes `a`...
    std::jthread tb([&] { pop_into(b); });       // ...and `b` races it for the task
    // Before the threads are joined, whatever happens: a task for each popper still waiting.
    const core::ScopeExit release([&]() noexcept {
        try {
            if (!a.returned.load()) queue.push(probes::stand_in(second), true);
            if (!b.returned.load()) queue.push(probes::stand_in(second), true);
        } catch (...) {
        }
    });
    const auto deadline = std::chrono::steady_clock::now() + backstop(std::chrono::seconds(2));
    while (!a.returned.load() && !b.returned.load() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::yield();
    while (b.tid.load() == 0) std::this_thread::yield();
    // The one that did not get the task goes back to sleep (or, wrongly, returns).
    for (int calm = 0; calm < 3 && std::chrono::steady_clock::now() < deadline;) {
        bool settled = (a.returned.load() || probes::thread_is_asleep(a.tid.load())) &&
                       (b.returned.load() || probes::thread_is_asleep(b.tid.load()));
        calm = settled ? calm + 1 : 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (Popper* p : {&a, &b}) {
        if (p->returned.load() && !p->error && p->got != probes::stand_in(first)) {
            FAIL("ReadyQueue::pop returned without a task: it woke to an empty deque (another thread popped "
                 "first, or the wakeup was spurious) and did not wait again. Wait in a loop until the deque "
                 "is not empty");
        }
    }
    INFO("one task was pushed and both pops returned");
    CHECK_FALSE((a.returned.load() && b.returned.load()));
    INFO("the task pushed reached neither pop");
    CHECK((a.returned.load() || b.returned.load()));
}
