// ch07_work_stealing/live_list.hpp: LiveTasks, every task not yet finished (given).
//
// Contract:
// - insert(task) by the worker whose poll of the task first returned
//   Pending; false (and nothing kept) once closed, so a waiting task is
//   either refused (the worker ends it as Cancelled) or seen by the shutdown.
// - remove(task) when a listed task completes (by the worker that completed it).
// - close_and_take() (the runtime's destructor, after the workers are
//   joined) refuses later inserts and hands over every task still listed,
//   with the list's reference, so their futures can be freed.
//
// Why a list at all: an idle task is owned only by its wakers, which may sit
// in a timer or a socket table forever; without a list the shutdown could
// not find it. Why only tasks that waited: a task that never returned
// Pending is in a queue or on a worker, where the shutdown finds it anyway,
// and most tasks of a busy runtime finish in their first poll: they never
// pay for the list's lock (two lock/unlock pairs per task, a quarter of
// ch07's spawn -> complete before this change). Chapter 5 used an unordered_map (a node allocation per
// task); here the links live in the task's Header: no allocation. The list
// is split in shards, each with its own mutex, chosen by the task's address,
// so two workers completing tasks rarely want the same lock.
//
// Rust counterpart: tokio's runtime/task/list.rs (OwnedTasks, a sharded
// intrusive linked list).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "ch07_work_stealing/task.hpp"

namespace ch07 {

class LiveTasks {
public:
    static constexpr std::uint32_t shards = 16;

    bool insert(Header* task) {
        std::uint32_t i = shard_of(task);
        task->live_shard = i;
        Shard& s = shards_[i];
        std::lock_guard lock(s.mutex);
        if (s.closed) return false;
        task->live_prev = nullptr;
        task->live_next = s.head;
        if (s.head) s.head->live_prev = task;
        s.head = task;
        task->listed = true;
        return true;
    }

    void remove(Header* task) {
        Shard& s = shards_[task->live_shard];
        std::lock_guard lock(s.mutex);
        if (task->live_prev) {
            task->live_prev->live_next = task->live_next;
        } else if (s.head == task) {
            s.head = task->live_next;
        } else {
            return;  // not listed (taken by the shutdown)
        }
        if (task->live_next) task->live_next->live_prev = task->live_prev;
        task->live_prev = task->live_next = nullptr;
    }

    std::vector<Header*> close_and_take() {
        std::vector<Header*> out;
        for (Shard& s : shards_) {
            std::lock_guard lock(s.mutex);
            s.closed = true;
            for (Header* t = s.head; t;) {
                Header* next = t->live_next;
                t->live_prev = t->live_next = nullptr;
                out.push_back(t);
                t = next;
            }
            s.head = nullptr;
        }
        return out;
    }

    void close() {
        for (Shard& s : shards_) {
            std::lock_guard lock(s.mutex);
            s.closed = true;
        }
    }

private:
    static std::uint32_t shard_of(const Header* task) {
        auto a = reinterpret_cast<std::uintptr_t>(task);
        return std::uint32_t((a >> 6) ^ (a >> 12)) % shards;
    }

    struct alignas(64) Shard {
        std::mutex mutex;
        Header* head = nullptr;
        bool closed = false;
    };
    Shard shards_[shards];
};

}  // namespace ch07
