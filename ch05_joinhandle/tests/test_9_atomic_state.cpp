// Step 5: AtomicTaskState, the same machine in one atomic word, against the
// very cases TaskState passes (state_cases.hpp). To run the whole runtime on
// it too: make check-ch05 ATOMIC=1 (see the card).
#include "testing/catch.hpp"

#include <atomic>
#include <list>
#include <thread>
#include <vector>

#include "ch05_joinhandle/atomic_state.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

using namespace ch05_test;
using ch05::AfterPoll;
using ch05::Phase;

#define CH05_STATE ch05::AtomicTaskState
#define CH05_STATE_TAG "[ch05][atomic-state]"
#include "state_cases.hpp"
#undef CH05_STATE
#undef CH05_STATE_TAG
