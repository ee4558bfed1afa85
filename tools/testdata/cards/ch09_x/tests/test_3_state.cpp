// A fixture for scripts/cards.sh's self-test: never compiled, only read.
#define STATE ch09::Locked
#define STATE_TAG "[ch09][state]"
#include "state_cases.hpp"
