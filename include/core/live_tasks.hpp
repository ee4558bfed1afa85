// core/live_tasks.hpp: how many task objects are alive in this process.
//
// Contract:
// - Every chapter's task type (ch03's and ch04's Task, ch05's and ch06's
//   TaskBase, ch07's Cell) has one LiveTaskCount member. Its constructors
//   (default, copy, move) add one to a process-wide count, its destructor
//   takes one away; assigning one to another changes nothing. So the count
//   is the number of task objects constructed and not yet destroyed.
// - live_tasks() reads the count: any thread, at any time.
// - It costs one relaxed atomic add per task created and one per task
//   freed, on one cache line every worker shares: nothing for a test, but a
//   benchmark would measure it. The demos and benchmarks are built with
//   CORE_NO_LIVE_TASKS, which makes LiveTaskCount an empty class (the
//   members are [[no_unique_address]]: no byte, no instruction). The tests
//   keep it in every build, sanitizers and valgrind included (it counts
//   objects, not allocations).
//
// Why: the test main (tests/infra/resources.hpp) reads the count when a
// test case starts and again after it passed; a task still alive then is a
// leak (a task that keeps itself alive through its own waker, a ready queue
// or channel never drained, a runtime that forgets its tasks), and the test
// case fails, saying so.
//
// Rust counterpart: none in tokio itself; its tests count live tasks with
// `Arc::strong_count` and loom's leak checks.
#pragma once

#include <atomic>

namespace core::testing {

namespace detail {
inline std::atomic<long> live_task_count{0};
}  // namespace detail

// Task objects constructed and not yet destroyed, in the whole process.
inline long live_tasks() { return detail::live_task_count.load(std::memory_order_relaxed); }

// A member that counts the object it is part of (see above).
#ifdef CORE_NO_LIVE_TASKS
class LiveTaskCount {
public:
    // (user-provided, so clang's -Wunused-private-field sees a member that
    // does something when made and destroyed, as the counting one does)
    LiveTaskCount() noexcept {}
    ~LiveTaskCount() {}
};
#else
class LiveTaskCount {
public:
    LiveTaskCount() noexcept { detail::live_task_count.fetch_add(1, std::memory_order_relaxed); }
    LiveTaskCount(const LiveTaskCount&) noexcept : LiveTaskCount() {}
    LiveTaskCount(LiveTaskCount&&) noexcept : LiveTaskCount() {}
    LiveTaskCount& operator=(const LiveTaskCount&) noexcept { return *this; }
    LiveTaskCount& operator=(LiveTaskCount&&) noexcept { return *this; }
    ~LiveTaskCount() { detail::live_task_count.fetch_sub(1, std::memory_order_relaxed); }
};
#endif

}  // namespace core::testing
