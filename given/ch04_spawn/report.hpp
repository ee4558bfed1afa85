// ch04_spawn/report.hpp: report_task_exception, a failed task's one line on stderr (given).
//
// Contract:
// - report_task_exception(what) writes one whole line to std::cerr naming
//   the failure; from any thread, never interleaved with another report.
// - Task::run (task.hpp) calls it once for a future whose poll threw, and
//   the worker goes on.
//
// Why a lock: two workers whose tasks fail at once would otherwise mix
// their characters on one line (std::cerr is unit-buffered: each << is a
// write of its own).
//
// Rust counterpart: the line Rust's panic hook prints when a task panics on
// a tokio worker (tokio catches the panic with catch_unwind and keeps the
// worker; the JoinHandle gets a JoinError).
#pragma once

#include <iostream>
#include <mutex>

namespace ch04 {

// One line per failed task, whole, even when two workers report at once.
inline void report_task_exception(const char* what) {
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    std::cerr << "ch04: a task threw an exception (the executor goes on): " << what << std::endl;
}

}  // namespace ch04
