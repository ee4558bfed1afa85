// A fixture for scripts/cards.sh's self-test: never compiled, only read.
// (Piece 4: pieces are ordered by number, so test_10 comes after test_3.)
#define STATE ch09::Atomic
#define STATE_TAG "[ch09][atomic-state]"
#include "state_cases.hpp"
