// A fixture for scripts/cards.sh's self-test: never compiled, only read.
TEST_CASE("a woken task is queued once", "[ch09][task]") {}
TEST_CASE("a wake during the poll is not lost", "[ch09][task][race]") {}
