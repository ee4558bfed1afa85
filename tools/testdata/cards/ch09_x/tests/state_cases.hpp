// A fixture for scripts/cards.sh's self-test: never compiled, only read.
TEMPLATE_TEST_CASE("a state case, with (parentheses) and 'quotes'", STATE_TAG, STATE) {}
