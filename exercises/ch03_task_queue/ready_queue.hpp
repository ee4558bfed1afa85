// ch03/ready_queue.hpp: the executor's inbox of tasks that asked to be polled.
//
// Contract:
// - push(task) may be called from any thread (a waker runs wherever the
//   event happened: the timer thread, another task, a test thread).
// - pop() is called by the executor's thread only; it blocks until a task
//   is there, so an executor with nothing to do sleeps instead of spinning.
// - FIFO: a task that wakes itself goes behind the ones already waiting,
//   which is what lets tasks take turns.
//
// The queue does not know about duplicates: the Task's `queued` flag makes
// sure one task is pushed at most once per poll (see task.hpp).
//
// Rust counterpart: the `Mutex<VecDeque<Arc<Task>>>` + thread::park pair of
// a toy executor, or an mpsc channel (chapter 4 turns it into one).
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

#include "core/todo.hpp"

namespace ch03 {

class Task;  // task.hpp; the queue only holds shared_ptrs to it

class ReadyQueue {
public:
    // notify=false is for the executor's own thread: it is busy running a
    // poll right now, and checks the queue before it next sleeps.
    void push([[maybe_unused]] std::shared_ptr<Task> task, [[maybe_unused]] bool notify = true) {
        // Who else touches the deque, and from which thread? Who may be
        // asleep in pop() right now, and how does it learn about this task?
        core::todo("ReadyQueue::push: add the task at the back; any thread may call it, and an executor "
                   "asleep in pop() must wake up when notify is true; see book/ch03_task_queue.md#the-ready-queue");
    }

    std::shared_ptr<Task> pop() {
        // What if the task was pushed (without a notify) before we got here?
        core::todo("ReadyQueue::pop: return the oldest task, sleeping (not spinning) while there is none; "
                   "a task pushed before the call must be returned at once; "
                   "see book/ch03_task_queue.md#the-ready-queue");
    }

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::shared_ptr<Task>> tasks_;
};

}  // namespace ch03
