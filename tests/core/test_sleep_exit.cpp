// The shared timer (and the trace recorder) at the edges of a process's
// life: a sleep polled during exit, and a waker that throws on the timer
// thread.
//
// The exit test runs this same binary again as a child process (with
// CORE_TEST_SLEEP_AT_EXIT set). The child registers an atexit handler *before*
// the timer exists, then uses the timer and exits. C++ runs atexit handlers
// and static destructors in reverse order of registration, so the handler,
// standing in for an executor at namespace scope that drains its tasks on
// shutdown, runs after the timer would have been destroyed. With a timer that
// is destroyed at exit, its sleep never fires (the child reports it and exits
// with 3) or, under ASan, it is a use after free.
#include "testing/catch.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/core.hpp"
#include "core/testing.hpp"
#include "core/trace.hpp"

extern char** environ;

using namespace std::chrono_literals;

namespace {

// A wake that sets a flag a thread can wait for, with a time limit.
class FlagWake : public core::Wake {
public:
    void wake() override {
        std::lock_guard lock(mutex_);
        woken_ = true;
        cv_.notify_all();
    }
    bool wait_for(std::chrono::milliseconds limit) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, limit, [&] { return woken_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool woken_ = false;
};

// What a runtime's worker does with a sleeping task: poll, wait for the wake,
// poll again. Returns false if the wake never came.
bool sleep_once(std::chrono::milliseconds d) {
    auto flag = std::make_shared<FlagWake>();
    const core::Waker waker = core::Waker::from(flag);
    core::Context cx(waker);
    core::Sleep sleep = core::sleep_for(d);
    if (sleep.poll(cx).is_ready()) return true;
    if (!flag->wait_for(std::chrono::duration_cast<std::chrono::milliseconds>(core::testing::scaled(5s))))
        return false;
    return sleep.poll(cx).is_ready();
}

// The child's atexit handler: a sleep polled while the process exits.
void sleep_during_exit() {
    if (!sleep_once(1ms)) {
        std::fputs("child: a sleep polled during exit never fired (the timer was already destroyed)\n", stderr);
        std::_Exit(3);
    }
    std::fputs("child: slept during exit\n", stderr);
    // The trace recorder is a process-wide object too, created after this
    // handler was registered: a destroyed one would be written after free
    // (AddressSanitizer reports it; a plain build may lose the name).
    core::trace::name_thread("exiting thread");
    if (core::trace::json().find("exiting thread") == std::string::npos) {
        std::fputs("child: the trace recorder lost a thread name given during exit\n", stderr);
        std::_Exit(4);
    }
    std::fputs("child: traced during exit\n", stderr);
}

// Runs before main, in the child only, and never returns there.
const bool sleep_at_exit_child = [] {
    if (!std::getenv("CORE_TEST_SLEEP_AT_EXIT")) return false;
    std::atexit(sleep_during_exit);  // registered before the timer exists
    if (!sleep_once(1ms)) std::_Exit(2);  // creates the timer, as a runtime's first sleep would
    core::trace::start();                 // and the trace recorder, as a demo's --trace would
    std::exit(0);
}();

// Runs this binary again as the child; returns its exit status and stderr.
std::pair<int, std::string> run_child() {
    int pipe_fds[2];
    REQUIRE(pipe(pipe_fds) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    std::vector<std::string> env_strings{"CORE_TEST_SLEEP_AT_EXIT=1"};
    for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    // The path /proc/self/exe names, not that link itself: under valgrind the
    // link is valgrind's own program, while readlink gives this test binary.
    char self[PATH_MAX] = {};
    REQUIRE(readlink("/proc/self/exe", self, sizeof self - 1) > 0);
    char* argv[] = {self, nullptr};
    pid_t pid;
    int rc = posix_spawn(&pid, self, &actions, nullptr, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    REQUIRE(rc == 0);
    std::string output;
    char buf[512];
    for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof buf)) > 0;) output.append(buf, static_cast<std::size_t>(n));
    close(pipe_fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return {status, output};
}

class ThrowingWake : public core::Wake {
public:
    explicit ThrowingWake(std::shared_ptr<FlagWake> called) : called_(std::move(called)) {}
    void wake() override {
        called_->wake();
        throw std::runtime_error("a waker that throws (on purpose, from a test)");
    }

private:
    std::shared_ptr<FlagWake> called_;
};

}  // namespace

TEST_CASE("a sleep polled during exit (after the timer's static would be gone) still fires", "[core][sleep][exit]") {
    core::testing::hang_hint("the child process polling a sleep at exit did not finish: a timer destroyed at exit");
    auto [status, output] = run_child();
    INFO("child's stderr:\n" << output);
    INFO("a sleep polled from an atexit handler registered before the timer existed must still fire: "
         "the timer must never be destroyed (see the exit contract in core/sleep.hpp)");
    INFO("child " << (WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                          : "died of signal " + std::to_string(WTERMSIG(status))));
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(output.find("child: slept during exit") != std::string::npos);
    INFO("the trace recorder must outlive exit too (see core/trace.hpp, Recorder::instance)");
    CHECK(output.find("child: traced during exit") != std::string::npos);
}

TEST_CASE("a waker that throws on the timer thread does not stop the timer", "[core][sleep][race]") {
    core::testing::hang_hint("the timer thread died or stopped after a waker threw from wake()");
    auto called = std::make_shared<FlagWake>();
    {
        const core::Waker throwing = core::Waker::from(std::make_shared<ThrowingWake>(called));
        core::Context cx(throwing);
        core::Sleep sleep = core::sleep_for(1ms);
        REQUIRE(sleep.poll(cx).is_pending());
        REQUIRE(called->wait_for(std::chrono::duration_cast<std::chrono::milliseconds>(core::testing::scaled(5s))));
    }
    INFO("after a wake() threw on the timer thread, a later sleep must still fire");
    CHECK(sleep_once(1ms));
}
