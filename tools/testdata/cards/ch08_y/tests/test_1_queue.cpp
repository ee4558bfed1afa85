// A fixture for scripts/cards.sh's self-test: never compiled, only read.
TEST_CASE("push then pop", "[ch08][queue]") {}
TEST_CASE("pop sleeps until a push", "[ch08][queue][race]") {}
TEST_CASE("a mis-tagged test", "[ch08][task]") {}
