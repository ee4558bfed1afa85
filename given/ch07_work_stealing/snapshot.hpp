// ch07_work_stealing/snapshot.hpp: the bits of a task's state word, and the answers of its transitions (given).
//
// TaskState (state.hpp, yours) keeps the word; Snapshot reads one value of it.
#pragma once

#include <cstdint>

namespace ch07 {

// [book:state_bits]
struct Snapshot {
    static constexpr std::uint64_t RUNNING = 1 << 0;
    static constexpr std::uint64_t COMPLETE = 1 << 1;
    static constexpr std::uint64_t NOTIFIED = 1 << 2;
    static constexpr std::uint64_t CANCELLED = 1 << 3;
    static constexpr std::uint64_t JOIN_INTEREST = 1 << 4;
    static constexpr std::uint64_t JOIN_WAKER = 1 << 5;
    static constexpr std::uint64_t REF_ONE = 1 << 6;
    // A new task: queued once, its handle alive, and three references: the
    // list of live tasks (counted now, though the task joins the list only
    // when it first waits), the queue entry, the JoinHandle.
    static constexpr std::uint64_t INITIAL = NOTIFIED | JOIN_INTEREST | 3 * REF_ONE;

    std::uint64_t bits;
    bool running() const { return bits & RUNNING; }
    bool complete() const { return bits & COMPLETE; }
    bool notified() const { return bits & NOTIFIED; }
    bool cancelled() const { return bits & CANCELLED; }
    bool join_interest() const { return bits & JOIN_INTEREST; }
    bool join_waker() const { return bits & JOIN_WAKER; }
    std::uint64_t refs() const { return bits / REF_ONE; }
};
// [/book:state_bits]

enum class ToRunning { poll, cancelled };        // transition_to_running
enum class ToIdle { idle, repoll, cancelled };   // transition_to_idle (after Pending)
enum class Wake { nothing, submit };             // wakes and abort

}  // namespace ch07
