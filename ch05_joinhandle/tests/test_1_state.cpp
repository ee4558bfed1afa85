// Step 1: TaskState, the mutex version of the task's state machine, on its
// own (no runtime). The cases are in state_cases.hpp, shared with
// test_9_atomic_state.cpp.
#include "testing/catch.hpp"

#include <atomic>
#include <list>
#include <thread>
#include <vector>

#include "ch05_joinhandle/state.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace ch05_test;
using ch05::AfterPoll;
using ch05::Phase;

#define CH05_STATE ch05::TaskState
#define CH05_STATE_TAG "[ch05][state]"
#include "state_cases.hpp"
#undef CH05_STATE
#undef CH05_STATE_TAG
