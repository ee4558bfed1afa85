// ch07_work_stealing/executor.hpp: the whole chapter 7 API in one include.
//
//   ch07::Runtime rt(workers);            workers poll tasks, stealing from each other
//   auto h = rt.spawn(fut);               ch07::JoinHandle<Output>, itself a future
//   auto h = ch07::spawn(fut);            the same, from inside a task or block_on
//   T v = rt.block_on(fut);               drive fut on this thread until it is done
//   co_await h / h.abort() / h.is_finished() / drop h (detach)
//   ch07::Cancelled                       what the join of an aborted task throws
//   co_await ch07::sleep_for(d);          a timer the workers fire
//
// Reading order: state.hpp (the task's word), task.hpp (one allocation per
// task, the waker, the join handshake), local_queue.hpp (the lock-free
// ring), inject.hpp and live_list.hpp (given), idle.hpp (searching and
// sleeping), scheduler.hpp (the worker loop), timer.hpp and sleep.hpp
// (given), join_handle.hpp, runtime.hpp.
//
// Rust counterpart: tokio's multi-thread runtime, in miniature.
#pragma once

#include "ch07_work_stealing/idle.hpp"
#include "ch07_work_stealing/inject.hpp"
#include "ch07_work_stealing/join_handle.hpp"
#include "ch07_work_stealing/live_list.hpp"
#include "ch07_work_stealing/local_queue.hpp"
#include "ch07_work_stealing/runtime.hpp"
#include "ch07_work_stealing/scheduler.hpp"
#include "ch07_work_stealing/sleep.hpp"
#include "ch07_work_stealing/state.hpp"
#include "ch07_work_stealing/task.hpp"
#include "ch07_work_stealing/timer.hpp"
