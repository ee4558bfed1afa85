// ch05_joinhandle/errors.hpp: Cancelled and TimedOut, thrown where a value was awaited (given).
//
// Contract:
// - Joining a task that was aborted (JoinHandle::abort), or that its
//   runtime dropped at shutdown before it finished, throws ch05::Cancelled
//   (JoinSlot::poll_join, join.hpp).
// - A timeout(fut, d) whose deadline passes first throws ch05::TimedOut, fut
//   already dropped (timeout.hpp).
// - Both are std::exceptions whose what() says what happened and why there is
//   no value.
//
// Rust counterpart: tokio's JoinError::is_cancelled() (runtime/task/error.rs)
// and tokio::time::error::Elapsed; there they are the Err of a Result, here
// they are thrown.
#pragma once

#include <exception>

namespace ch05 {

// What the join throws for a task that was aborted, or that its runtime
// dropped at shutdown before it finished.
class Cancelled : public std::exception {
public:
    const char* what() const noexcept override {
        return "ch05::Cancelled: the task was aborted (JoinHandle::abort) or its runtime "
               "shut down before it finished, so it has no result";
    }
};

// What a timed-out timeout throws.
class TimedOut : public std::exception {
public:
    const char* what() const noexcept override {
        return "ch05::TimedOut: the deadline passed before the future finished; the future was dropped";
    }
};

}  // namespace ch05
