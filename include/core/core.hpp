// core/core.hpp: every given primitive in one include.
//
// The workbook's equivalent of Rust's core::task + core::future: what a
// runtime author gets for free. Chapters build executors on top of these.
#pragma once

#include "core/async.hpp"
#include "core/deadline.hpp"
#include "core/future.hpp"
#include "core/poll.hpp"
#include "core/scope_exit.hpp"
#include "core/sleep.hpp"
#include "core/todo.hpp"
#include "core/waker.hpp"
#include "core/yield.hpp"
