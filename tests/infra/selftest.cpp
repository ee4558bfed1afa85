// Hidden test cases that misbehave on purpose, so `make test` can prove the
// harness keeps its promises: a hang becomes a named failure within seconds,
// a crash names its test, and the stub check notices a test that passes.
// They are tagged [.] (hidden): nothing runs them unless asked by tag.
#include <catch2/catch.hpp>

#include <csignal>
#include <thread>

#include "core/testing.hpp"
#include "core/todo.hpp"

TEST_CASE("selftest: a test that hangs forever", "[.][hang]") {
    core::testing::hang_hint("this test parks on purpose (harness self-test)");
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}

TEST_CASE("selftest: a test that crashes", "[.][crash]") {
    std::raise(SIGSEGV);
}

TEST_CASE("selftest: a stub that is not implemented", "[.][stub]") {
    core::todo("selftest stub");
}

TEST_CASE("selftest: a test that passes against the stubs", "[.][stub]") {
    SUCCEED();
}
