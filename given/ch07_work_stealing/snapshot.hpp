// ch07_work_stealing/snapshot.hpp: the bits of a task's state word, and the answers of its transitions (given).
//
// Snapshot reads one value of a task's state word; StateWord holds the word and the part of
// TaskState you do not write (load, drop_join_interest_fast). TaskState (state.hpp) is yours.
#pragma once

#include <atomic>
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

// The word, and TaskState's given part. TaskState derives from it.
class StateWord {
public:
    Snapshot load() const { return {word_.load(std::memory_order_acquire)}; }

    // The JoinHandle goes away before the task finished and before it ever
    // stored a waker (a detached spawn: `(void)spawn(f)`): clear
    // JOIN_INTEREST and drop the handle's reference in ONE read-modify-write
    // instead of two. Only then is it safe not to look at the block again:
    // not complete means the task still holds references of its own (the
    // live list's at least), so ours is never the last, and no waker stored
    // means there is no field to clean. False (nothing changed) otherwise:
    // take drop_join_interest's way. tokio has the same shortcut
    // (State::drop_join_handle_fast), for a task still in its first state.
    bool drop_join_interest_fast() {
        std::uint64_t cur = word_.load(std::memory_order_acquire);
        for (;;) {
            if (cur & (Snapshot::COMPLETE | Snapshot::JOIN_WAKER)) return false;
            std::uint64_t next = (cur & ~Snapshot::JOIN_INTEREST) - Snapshot::REF_ONE;
            if (word_.compare_exchange_weak(cur, next, std::memory_order_acq_rel, std::memory_order_acquire)) return true;
        }
    }

protected:
    explicit StateWord(std::uint64_t initial) : word_(initial) {}
    std::atomic<std::uint64_t> word_;
};

}  // namespace ch07
