// The one Catch2 main every test binary links (compiled once per build).
//
// Besides Catch2's own main it registers a listener that:
// - runs a watchdog: a test case still running after WATCHDOG_SECONDS
//   (default 10 s times core::testing::slowdown()) is reported by name, with
//   its hang_hint(), the usual causes and the gdb command line for this very
//   binary, and the binary exits with status 124 instead of freezing;
// - when EXECUTOR_PROGRESS names a file, appends one line per event to it
//   (start / fail / end / hang, tab-separated), so scripts/run_tests.sh knows
//   which test hung or crashed, restarts the binary on the tests not yet run,
//   and ends with a summary of every failure and hang;
// - names the running test case when the process dies of a signal (Catch2
//   reports SIGSEGV/SIGABRT itself; we add the hint line);
// - checks that a test case that passed left no thread running, no file
//   descriptor open and no task alive that it started, opened or spawned
//   (tests/infra/resources.hpp):
//   a leak fails the test case, names what was left, and makes the binary
//   exit non-zero (EXECUTOR_RESOURCE_CHECK=0 turns the check off);
// - in stub-check mode (EXPECT_STUBS=1) checks that every test case failed
//   with a "not implemented yet" message and prints one verdict line, which
//   `make test` reads to prove the exercise stubs fail cleanly.
//
// It builds against Catch2 v2 or v3 (testing/catch.hpp picks the one that is
// here); the few places where their listener interfaces differ are marked
// CATCH_VERSION_MAJOR. The main at the end is ours, not Catch2's, so that
// under v3 it can accept the v2 spellings of the options the scripts pass.
// (v2: this file holds Catch2's implementation, CATCH_CONFIG_RUNNER; v3: the
// Makefile links libCatch2.a, and not libCatch2Main.a.)
#define CATCH_CONFIG_RUNNER
#include "testing/catch.hpp"

#include <unistd.h>

#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/testing.hpp"
#include "core/todo.hpp"
#include "infra/resources.hpp"

namespace {

using Clock = std::chrono::steady_clock;

int watchdog_seconds() {
    const char* env = std::getenv("WATCHDOG_SECONDS");
    int s = env ? std::atoi(env) : 0;
    return s > 0 ? s : static_cast<int>(10 * core::testing::slowdown() + 0.5);
}

// The path of this binary, for the gdb command in the hang report.
std::string this_binary() {
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("<this test binary>");
}

// A test name as one shell word that Catch reads back as exactly that name:
// Catch's test-spec characters escaped with '\', then single-quoted.
std::string shell_test_arg(const std::string& name) {
    std::string spec;
    for (char c : name) {
        if (c == '\\' || c == ',' || c == '[' || c == ']' || c == '"') spec += '\\';
        spec += c;
    }
    std::string quoted = "'";
    for (char c : spec) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

// One event line for scripts/run_tests.sh (EXECUTOR_PROGRESS=<file>).
// Fields are tab-separated; tabs and newlines inside them become spaces.
void progress(std::initializer_list<std::string> fields) {
    static const char* path = std::getenv("EXECUTOR_PROGRESS");
    if (!path || !*path) return;
    std::string line;
    for (const auto& f : fields) {
        if (!line.empty()) line += '\t';
        for (char c : f) line += (c == '\t' || c == '\n' || c == '\r') ? ' ' : c;
    }
    line += '\n';
    if (FILE* out = std::fopen(path, "a")) {
        std::fputs(line.c_str(), out);
        std::fclose(out);
    }
}

#if CATCH_VERSION_MAJOR >= 3
using ListenerBase = Catch::EventListenerBase;
const Catch::TestCaseInfo& test_info(const Catch::TestCaseStats& stats) { return *stats.testInfo; }
#else
using ListenerBase = Catch::TestEventListenerBase;
const Catch::TestCaseInfo& test_info(const Catch::TestCaseStats& stats) { return stats.testInfo; }
#endif

std::string current_hint() {
    auto& slot = core::testing::detail::hang_hint_slot();
    std::lock_guard lock(slot.mutex);
    return slot.text;
}

class Watchdog : public ListenerBase {
public:
    using ListenerBase::ListenerBase;

    // Every override chains to the base: it keeps Catch2's section stack.
    void testRunStarting(Catch::TestRunInfo const& info) override {
        ListenerBase::testRunStarting(info);
        expect_stubs_ = std::getenv("EXPECT_STUBS") != nullptr;
        thread_ = std::thread([this] { watch(); });
    }

    void testCaseStarting(Catch::TestCaseInfo const& info) override {
        ListenerBase::testCaseStarting(info);
        core::testing::hang_hint("");
        if (check_resources()) resources_ = executor_tests::Resources::now();
        core::detail::take_todo_seen();  // a stub reached before this test case is not its news
        std::lock_guard lock(mutex_);
        test_name_ = info.name;
        section_.clear();
        failed_once_ = false;
        progress({"start", info.name, info.tagsAsString()});
        deadline_ = Clock::now() + std::chrono::seconds(watchdog_seconds());
        saw_not_implemented_ = false;
        cv_.notify_one();
    }

    void sectionStarting(Catch::SectionInfo const& info) override {
        ListenerBase::sectionStarting(info);
        std::lock_guard lock(mutex_);
        if (info.name != test_name_) section_ = info.name;
    }

    // (v2's listeners return whether to clear the INFO messages; v3's return nothing)
#if CATCH_VERSION_MAJOR >= 3
    void assertionEnded(Catch::AssertionStats const& stats) override { note_assertion(stats); }
#else
    bool assertionEnded(Catch::AssertionStats const& stats) override {
        note_assertion(stats);
        return true;
    }
#endif

    // The first failure of a test case, and whether a stub said "not implemented yet".
    void note_assertion(Catch::AssertionStats const& stats) {
        const auto& r = stats.assertionResult;
        // (std::string(): v3's getMessage() is a StringRef)
        const std::string message(r.getMessage());
        if (!r.succeeded() && message.find("not implemented yet") != std::string::npos)
            saw_not_implemented_ = true;
        if (!r.succeeded() && !failed_once_) {
            failed_once_ = true;
            // The first failure of the test case, for the end-of-run summary:
            // where, the messages (INFO/FAIL text), and the expression.
            std::string what;
            for (const auto& m : stats.infoMessages) what += m.message + " / ";
            if (r.hasMessage()) what += message + " / ";
            if (r.hasExpression() && r.getExpandedExpression() != r.getExpression())
                what += r.getExpressionInMacro() + " with " + r.getExpandedExpression();
            else if (r.hasExpression())
                what += r.getExpressionInMacro();
            if (what.size() >= 3 && what.compare(what.size() - 3, 3, " / ") == 0) what.resize(what.size() - 3);
            const auto& at = r.getSourceInfo();
            progress({"fail", test_name_, std::string(at.file) + ":" + std::to_string(at.line), what});
        }
    }

    void testCaseEnded(Catch::TestCaseStats const& stats) override {
        ListenerBase::testCaseEnded(stats);
        {
            std::lock_guard lock(mutex_);
            deadline_.reset();  // (the resource check below waits a bounded time of its own)
        }
        bool passed = stats.totals.assertions.failed == 0;
        // A stub reached on any thread during a failed test case (a worker
        // that caught it and reported it on stderr, say) is the likely cause:
        // the summary names it.
        if (std::string todo = core::detail::take_todo_seen(); !passed && !todo.empty()) {
            progress({"todo", test_info(stats).name, todo});
            saw_not_implemented_ = true;
        }
        if (passed && check_resources()) passed = nothing_left_behind(test_info(stats).name);
        progress({"end", test_info(stats).name, passed ? "passed" : "failed"});
        if (!expect_stubs_) return;
        ++cases_;
        if (stats.totals.assertions.failed == 0)
            offenders_.push_back("passes against the stubs: " + test_info(stats).name);
        else if (!saw_not_implemented_)
            offenders_.push_back("fails without 'not implemented yet': " + test_info(stats).name);
    }

    void testRunEnded(Catch::TestRunStats const& stats) override {
        ListenerBase::testRunEnded(stats);
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        cv_.notify_one();
        thread_.join();
        if (!expect_stubs_) return;
        if (offenders_.empty() && cases_ > 0) {
            std::cout << "stub check: ok, all " << cases_
                      << " test cases fail with 'not implemented yet'\n";
        } else {
            std::cout << "stub check: FAILED (" << cases_ << " test cases)\n";
            for (const auto& o : offenders_) std::cout << "  " << o << "\n";
        }
    }

    static int resource_failures() { return resource_failures_; }

private:
    // Off in stub-check mode (a stub that threw may leave anything behind)
    // and with EXECUTOR_RESOURCE_CHECK=0.
    bool check_resources() const {
        static const bool off = [] {
            const char* env = std::getenv("EXECUTOR_RESOURCE_CHECK");
            return env && std::string(env) == "0";
        }();
        return !off && !expect_stubs_;
    }

    // After a test case that passed: the threads it started, the fds it
    // opened and the tasks it spawned are gone (waiting a scaled second for
    // threads and tasks on their way out).
    bool nothing_left_behind(const std::string& name) {
        std::string left = resources_.settle(core::testing::scaled(std::chrono::seconds(1)));
        if (left.empty()) return true;
        ++resource_failures_;
        std::cout << "-------------------------------------------------------------------------------\n"
                  << name << "\n"
                  << "-------------------------------------------------------------------------------\n"
                  << "FAILED after the test case (resources left behind):\n  " << left << "\n\n";
        std::cout.flush();
        progress({"fail", name, "after the test case", "resources left behind: " + left});
        return false;
    }

    void watch() {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            if (!deadline_) {
                cv_.wait(lock);
            } else if (Clock::now() < *deadline_) {
                cv_.wait_until(lock, *deadline_);
            } else {
                report_hang();  // does not return
            }
        }
    }

    void report_hang() {
        std::cout.flush();
        std::string hint = current_hint();
        std::cerr << "\n*** HANG: test case \"" << test_name_ << "\""
                  << (section_.empty() ? "" : " (section \"" + section_ + "\")")
                  << " did not finish within " << watchdog_seconds() << " s.\n";
        if (!hint.empty()) std::cerr << "    Hint: " << hint << "\n";
        if (std::string todo = core::detail::take_todo_seen(); !todo.empty()) {
            std::cerr << "    A stub was reached during this test case (on some thread, which may have\n"
                         "    reported it and gone on): \"" << todo << "\"\n"
                         "    That is the likely cause: write it first.\n";
            progress({"todo", test_name_, todo});
        }
        std::cerr << "    Usual causes: a waker that wakes nobody, a park with no matching unpark,\n"
                     "    a wake lost between the poll and the park, or a lock held while waiting.\n"
                     "    Debug it: run this test alone under gdb, and when it hangs press Ctrl-C\n"
                     "    and type `thread apply all bt` to see where every thread waits:\n"
                  << "      WATCHDOG_SECONDS=100000 gdb -ex run --args " << this_binary() << " "
                  << shell_test_arg(test_name_) << "\n";
        progress({"hang", test_name_, hint});
        std::cerr.flush();
        std::_Exit(124);
    }

    std::mutex mutex_;
    std::condition_variable cv_;
    std::thread thread_;
    std::optional<Clock::time_point> deadline_;
    std::string test_name_, section_;
    bool stopping_ = false;

    bool expect_stubs_ = false;
    bool saw_not_implemented_ = false;
    bool failed_once_ = false;
    int cases_ = 0;
    std::vector<std::string> offenders_;
    executor_tests::Resources resources_;
    static inline int resource_failures_ = 0;
};

}  // namespace

CATCH_REGISTER_LISTENER(Watchdog)

namespace {
// Catch's own summary ("All tests passed") counts assertions; a leak found
// after a test case is this main's failure, so it is said below that summary,
// and the run fails.
int with_resource_failures(int rc) {
    int n = Watchdog::resource_failures();
    if (n == 0) return rc;
    std::cout << "... but " << n << " test case(s) left resources behind (\"FAILED after the test case\" "
              << "above): this run FAILS.\n";
    return rc == 0 ? 1 : rc;
}
}  // namespace

// Catch2's own main, except that under v3 it first rewrites the two v2
// options the scripts (and the README's commands) use and v3 renamed:
//   --use-colour yes|no|auto   ->  --colour-mode ansi|none|default
//   --list-test-names-only     ->  --list-tests --verbosity quiet (the same list)
// Every other option the scripts pass (a test spec, -f FILE, --list-tags,
// --order rand, --rng-seed N, --abort) is spelled the same in v2 and v3, so
// the scripts need not know which Catch2 a binary was built against.
#if CATCH_VERSION_MAJOR >= 3
namespace {
std::vector<std::string> v3_spellings(int argc, char* argv[]) {
    auto colour_mode = [](const std::string& v) { return v == "yes" ? "ansi" : v == "no" ? "none" : "default"; };
    std::vector<std::string> args;
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--use-colour" && i + 1 < argc)
            args.insert(args.end(), {"--colour-mode", colour_mode(argv[++i])});
        else if (a.starts_with("--use-colour="))
            args.insert(args.end(), {"--colour-mode", colour_mode(a.substr(a.find('=') + 1))});
        else if (a == "--list-test-names-only")
            args.insert(args.end(), {"--list-tests", "--verbosity", "quiet"});
        else
            args.push_back(a);
    }
    return args;
}
}  // namespace

int main(int argc, char* argv[]) {
    std::vector<std::string> args = v3_spellings(argc, argv);
    std::vector<char*> v3_argv;
    for (auto& a : args) v3_argv.push_back(a.data());
    v3_argv.push_back(nullptr);
    int rc = Catch::Session().run(static_cast<int>(args.size()), v3_argv.data());
    return with_resource_failures(rc);
}
#else
int main(int argc, char* argv[]) { return with_resource_failures(Catch::Session().run(argc, argv)); }
#endif
