// ch02_waker/executor.hpp: the whole of chapter 2 in one include.
//
// A chapter-2 executor is still one future on one thread, but it sleeps while
// the future is Pending: Parker (the sleep), SimpleWaker (the alarm clock),
// block_on (the loop) and TimerFuture (a future that really needs a wake).
#pragma once

#include "ch02_waker/block_on.hpp"
#include "ch02_waker/parker.hpp"
#include "ch02_waker/simple_waker.hpp"
#include "ch02_waker/timer_future.hpp"
