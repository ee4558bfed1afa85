// ch07_work_stealing/header.hpp: a task's Header, its vtable and its waker table (given).
//
// Yours, in task.hpp: the Header's drop_ref, wake_by_ref, wake_by_val and
// abort, and the four functions of the waker table. Cell<F>, the rest of the
// task, is given in cell.hpp.
#pragma once

#include <cstdint>
#include <cstdio>
#include <exception>

#include "ch07_work_stealing/state.hpp"
#include "core/waker.hpp"

namespace ch07 {

class Shared;  // scheduler.hpp: the runtime's state every task points at
struct Header;

namespace detail {
// Defined in scheduler.hpp. schedule() queues a task whose queue reference
// the caller already counted; yield_now=true means "to the back of the
// queue", the rest may take the LIFO slot.
void schedule(Shared& shared, Header* task, bool yield_now);
bool list_waiting_task(Shared& shared, Header* task);  // false: shutting down
void remove_from_live_list(Shared& shared, Header* task);
void retain(Shared& shared);
void release(Shared& shared);
void retain_for_task(Shared& shared);   // a task's reference: no atomic on a worker of this runtime
void release_for_task(Shared& shared);
}  // namespace detail

// [book:header]
struct TaskVTable {
    void (*poll)(Header*);      // one poll, or free an aborted future; consumes the queue's reference
    void (*shutdown)(Header*);  // the runtime's destructor: free the future, report Cancelled
    void (*dealloc)(Header*);   // the last reference is gone: free the block
};

struct Header {
    TaskState state;
    const TaskVTable* vtable;
    Shared* shared;                 // counted (by Cell's constructor): the runtime's state outlives its tasks
    Header* live_prev = nullptr;    // the list of live tasks, for shutdown
    Header* live_next = nullptr;
    std::uint32_t live_shard = 0;
    bool listed = false;            // in the live list (set by the worker running it, read after)

    Header(const TaskVTable* v, Shared* s) : vtable(v), shared(s) {}

    // Yours, in task.hpp:
    void drop_ref(std::uint64_t n = 1);
    void wake_by_ref();
    void wake_by_val();
    void abort();
};
// [/book:header]

// [book:raw_waker]
// The waker table: a task's waker is its Header pointer plus these four
// (yours, in task.hpp).
inline const void* task_waker_clone(const void* p);
inline void task_waker_wake(const void* p);
inline void task_waker_wake_by_ref(const void* p);
inline void task_waker_drop(const void* p);
inline constexpr core::RawWakerVTable task_waker_table{task_waker_clone, task_waker_wake, task_waker_wake_by_ref,
                                                       task_waker_drop};
// [/book:raw_waker]

// What the join of an aborted task (or one dropped by shutdown) throws.
class Cancelled : public std::exception {
public:
    const char* what() const noexcept override {
        return "ch07::Cancelled: the task was aborted (JoinHandle::abort) or its runtime "
               "shut down before it finished, so it has no result";
    }
};

namespace detail {
inline void report_unobserved(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ch07: a detached task threw, and nobody will join it: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "ch07: a detached task threw something that is not a std::exception\n");
    }
}
}  // namespace detail

}  // namespace ch07
