// ch07_work_stealing/local_queue.hpp: LocalQueue, a worker's bounded lock-free run queue.
//
// Contract:
// - One owner thread (the worker) calls push() and pop(); any number of
//   other workers call steal_into() at the same time. No lock anywhere.
// - push(task, overflow) appends at the tail. When the ring is full, half of
//   it (the oldest) plus the new task go to `overflow` in one batch (the
//   runtime's injection queue), so pushing never fails and never blocks.
// - pop() takes from the head (FIFO), or returns nullptr when empty.
// - steal_into(dst) moves half of this queue (rounded up) into `dst` (the
//   thief's own queue) and returns one of the stolen tasks to run, or
//   nullptr if there was nothing or another thief is already stealing.
// - Every task pushed comes out exactly once: by pop, by a steal, or in an
//   overflow batch.
//
// How: positions are 32-bit counters that wrap. `tail` is written only by
// the owner. `head` packs two positions: `real` (the next task to hand out)
// and `steal` (where the thief in progress started copying). A thief claims
// [real, real + n) by moving `real` with one CAS, copies the tasks while
// `steal` still holds the slots against the owner's pushes, then moves
// `steal` up to `real` with another CAS.
//
// Hooks: tests stop a thread between two steps through the Hooks type
// (no-ops in the runtime), to force the interleavings a bug needs.
//
// The class, its data and the given parts: local_queue_class.hpp (given).
//
// Rust counterpart: tokio's runtime/scheduler/multi_thread/queue.rs (the
// same protocol; our code), and the idea of Chase-Lev deques (crossbeam-deque).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "ch07_work_stealing/local_queue_class.hpp"
#include "core/todo.hpp"

namespace ch07 {

// [book:push]
// Owner only. `overflow(tasks, n)` takes a batch of tasks elsewhere.
template <class Hooks>
template <class Overflow>
void BasicLocalQueue<Hooks>::push(Header* task, Overflow&& overflow) {
    (void)task;
    (void)overflow;
    core::todo("LocalQueue::push (owner only): append at the tail; write the slot before publishing the tail; when full, hand the older half plus this task to overflow in one batch (claimed with a CAS on head); never block; see book/ch07_work_stealing.md#the-local-queue");
}
// [/book:push]

// [book:pop]
// Owner only. Moves `real` (and `steal` with it when no thief is active)
// with a CAS, because a thief may be moving `real` at the same moment.
template <class Hooks>
Header* BasicLocalQueue<Hooks>::pop() {
    core::todo("LocalQueue::pop (owner only): take from real, moving head with a CAS (a thief may move it too); nullptr when empty; see book/ch07_work_stealing.md#the-local-queue");
}
// [/book:pop]

// [book:steal]
// Any other worker. `dst` is the thief's own queue (only the thief pushes
// to it, so writing its slots and publishing its tail is safe here).
template <class Hooks>
Header* BasicLocalQueue<Hooks>::steal_into(BasicLocalQueue& dst) {
    (void)dst;
    core::todo("LocalQueue::steal_into (another worker): claim half (rounded up) by moving real with a CAS, copy into dst, then let steal catch up with real; return one task, publish the rest in dst; nullptr if empty or another thief is busy; see book/ch07_work_stealing.md#the-local-queue");
}
// [/book:steal]

// Full, no thief: move the older half out in one claim, plus `task`.
template <class Hooks>
template <class Overflow>
bool BasicLocalQueue<Hooks>::push_overflow(Header* task, std::uint32_t real, std::uint32_t tail, Overflow& overflow) {
    (void)real;
    (void)tail;
    (void)task;
    (void)overflow;
    core::todo("LocalQueue::push_overflow: claim the older half with one CAS from (real, real) and give it, plus task, to overflow; false if a thief moved head first; see book/ch07_work_stealing.md#the-local-queue");
}

}  // namespace ch07
