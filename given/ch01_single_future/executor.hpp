// ch01_single_future/executor.hpp: the whole of chapter 1 in one include.
//
// A chapter-1 "executor" is block_on with a busy loop, plus the two futures
// the chapter writes by hand: Countdown (a state machine) and join (a
// combinator that runs two futures inside one).
#pragma once

#include "ch01_single_future/block_on.hpp"
#include "ch01_single_future/countdown.hpp"
#include "ch01_single_future/join.hpp"
