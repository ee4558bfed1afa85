// A fixture for scripts/cards.sh's self-test: never compiled, only read.
TEST_CASE("a task is queued once", "[ch08][task]") {}
TEST_CASE("a task frees its future", "[ch08][task]") {}
