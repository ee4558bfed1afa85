// Hidden test cases that misbehave on purpose, so `make test` can prove the
// harness keeps its promises: a hang becomes a named failure within seconds,
// a crash names its test, a failure at exit (a leak report) is not a pass,
// and the stub check notices a test that passes.
// They are tagged [.] (hidden): nothing runs them unless asked by tag.
#include "testing/catch.hpp"

#include <pthread.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <optional>
#include <thread>

#include "core/live_tasks.hpp"
#include "core/testing.hpp"
#include "core/todo.hpp"

TEST_CASE("selftest: a test that hangs forever", "[.][hang]") {
    core::testing::hang_hint("this test parks on purpose (harness self-test)");
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}

TEST_CASE("selftest: a test that crashes", "[.][crash]") {
    std::raise(SIGSEGV);
}

// Passes, then the process fails as it exits, as LeakSanitizer makes a
// leaking binary do after its last test.
TEST_CASE("selftest: passes, then the binary fails at exit", "[.][exit-fail]") {
    std::atexit([] { std::_Exit(23); });
    SUCCEED();
}

TEST_CASE("selftest: a stub that is not implemented", "[.][stub]") {
    core::todo("selftest stub");
}

TEST_CASE("selftest: a test that passes against the stubs", "[.][stub]") {
    SUCCEED();
}

// The runner goes on after a hang or a crash (scripts/run_tests.sh): these
// five run in this order, and make test expects 2 passed, 1 failed, 1 hung,
// 1 crashed, and a summary that names each.
TEST_CASE("selftest: resume 1 passes", "[.][resume]") { SUCCEED(); }

TEST_CASE("selftest: resume 2 hangs", "[.][resume]") {
    core::testing::hang_hint("resume 2 parks on purpose (harness self-test)");
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}

TEST_CASE("selftest: resume 3 fails", "[.][resume]") {
    INFO("resume 3 fails on purpose");
    CHECK(1 + 1 == 3);
}

TEST_CASE("selftest: resume 4 crashes", "[.][resume]") { std::raise(SIGSEGV); }

TEST_CASE("selftest: resume 5 passes", "[.][resume]") { SUCCEED(); }

// TESTS= takes a test name exactly as --list-tests prints it, whatever is in it.
TEST_CASE("selftest: a name with 'quotes', \"double quotes\", (parentheses), commas, [brackets] and a \\ backslash",
          "[.][names]") {
    SUCCEED();
}
TEST_CASE("selftest: a name with 'quotes'", "[.][names]") { SUCCEED(); }

// Resources a passing test case leaves behind fail it (tests/infra/resources.hpp).
TEST_CASE("selftest: leaves a thread running", "[.][leak]") {
    // Detached and parked for a while: a worker nobody joined.
    std::thread([] {
        pthread_setname_np(pthread_self(), "forgotten");
        std::this_thread::sleep_for(std::chrono::seconds(30));
    }).detach();
    SUCCEED();
}
TEST_CASE("selftest: leaves a file descriptor open", "[.][leak]") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);  // never closed
    SUCCEED();
}
TEST_CASE("selftest: leaves a task alive", "[.][leak]") {
    // A task object (it has the LiveTaskCount member every chapter's task
    // has) that is never freed, as one caught in a cycle through its own
    // waker is. Kept in static storage, not in a real cycle: a heap cycle
    // would also be reported by LeakSanitizer when the binary exits.
    static std::optional<core::testing::LiveTaskCount> never_freed;
    never_freed.emplace();
    SUCCEED();
}
TEST_CASE("selftest: a thread that ends on its own a moment later is not a leak", "[.][leak-ok]") {
    std::thread([] { std::this_thread::sleep_for(std::chrono::milliseconds(20)); }).detach();
    SUCCEED();
}
TEST_CASE("selftest: a task freed on another thread a moment later is not a leak", "[.][leak-ok]") {
    // As a waker the timer thread drops after the test case's end frees its task.
    auto task = std::make_shared<core::testing::LiveTaskCount>();
    std::thread([task = std::move(task)]() mutable {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        task.reset();
    }).detach();
    SUCCEED();
}

// A stub reached on another thread, which catches it (as a runtime's worker
// reports a task's exception and goes on): the summary names the stub.
TEST_CASE("selftest: a stub reached on a worker thread", "[.][todo-thread]") {
    std::thread([] {
        try {
            core::todo("Worker::run_task: the stub a worker reached");
        } catch (const std::exception&) {
            // a worker would print it on stderr and go on
        }
    }).join();
    FAIL("spawned tasks never completed");
}
