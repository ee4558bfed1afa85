// A fixture for scripts/cards.sh's self-test: never compiled, only read.
TEST_CASE("push then pop gives the task back", "[ch09][queue]") {}
TEST_CASE("two threads push at once, "
          "nothing is lost", "[ch09][queue][race]") {}
