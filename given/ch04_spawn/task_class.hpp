// ch04_spawn/task_class.hpp: the Task class, its state word and its fields (given).
//
// Yours, in task.hpp: Task::wake, run, requeue and finish, the four functions
// that move the state word.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include "ch04_spawn/channel.hpp"
#include "core/future.hpp"
#include "core/live_tasks.hpp"
#include "core/waker.hpp"

namespace ch04 {

class Task : public core::Wake, public std::enable_shared_from_this<Task> {
public:
    // [book:state]
    // The task state, one atomic word:
    //   0                    idle: pending, nobody will poll it until a wake
    //   NOTIFIED             in the ready channel (or about to be): do not queue again
    //   RUNNING              a worker is polling it right now
    //   RUNNING | NOTIFIED   woken during that poll: the worker re-queues it after
    //   DONE                 finished: wakes are ignored
    // NOTIFIED is chapter 3's `queued` flag; RUNNING is what several workers add.
    static constexpr std::uint8_t NOTIFIED = 1, RUNNING = 2, DONE = 4;
    // [/book:state]

    Task(core::BoxFuture<void> future, Sender<std::shared_ptr<Task>> sender)
        : future_(std::move(future)), sender_(std::move(sender)) {}

    void wake() override;  // any thread, any number of times, in any state
    void run();            // a worker, with a task it received from the channel

private:
    void requeue();  // back into the ready channel
    void finish();   // done for good

    std::atomic<std::uint8_t> state_{NOTIFIED};  // born queued: spawn sends it
    // Touched only by the worker whose run() holds RUNNING (or, for sender_,
    // by the waker that moved the state from idle: the task is in nobody's
    // hands then).
    std::optional<core::BoxFuture<void>> future_;
    std::optional<Sender<std::shared_ptr<Task>>> sender_;
    [[no_unique_address]] core::testing::LiveTaskCount counted_;  // for the tests: a task never freed fails them
};

}  // namespace ch04
