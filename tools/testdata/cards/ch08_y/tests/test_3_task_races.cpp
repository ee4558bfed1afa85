// A fixture for scripts/cards.sh's self-test: never compiled, only read.
TEST_CASE("two wakes queue it once", "[ch08][task][race]") {}
TEST_CASE("a test nobody listed", "[ch08][task]") {}
