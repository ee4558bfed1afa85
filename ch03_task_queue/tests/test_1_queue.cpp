// Chapter 3, piece 1: the ready queue on its own (ready_queue.hpp only).
// The queue never looks inside a task, so these tests push stand-ins (see
// probes.hpp): a learner who has written only the queue sees them go green.
#include "probes.hpp"  // first: see the note at its top

#include "testing/catch.hpp"

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
