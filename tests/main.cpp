// The one Catch2 main every test binary links (compiled once per build).
//
// Besides Catch2's own main it registers a listener that:
// - runs a watchdog: a test case still running after WATCHDOG_SECONDS
//   (default 10) is reported by name, with its hang_hint() and the usual
//   causes, and the binary exits with status 124 instead of freezing;
// - names the running test case when the process dies of a signal (Catch2
//   reports SIGSEGV/SIGABRT itself; we add the hint line);
// - in stub-check mode (EXPECT_STUBS=1) checks that every test case failed
//   with a "not implemented yet" message and prints one verdict line, which
//   `make test` reads to prove the exercise stubs fail cleanly.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
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

namespace {

using Clock = std::chrono::steady_clock;

int watchdog_seconds() {
    const char* env = std::getenv("WATCHDOG_SECONDS");
    int s = env ? std::atoi(env) : 0;
    return s > 0 ? s : 10;
}

std::string current_hint() {
    auto& slot = core::testing::detail::hang_hint_slot();
    std::lock_guard lock(slot.mutex);
    return slot.text;
}

class Watchdog : public Catch::TestEventListenerBase {
public:
    using TestEventListenerBase::TestEventListenerBase;

    // Every override chains to the base: it keeps Catch2's section stack.
    void testRunStarting(Catch::TestRunInfo const& info) override {
        TestEventListenerBase::testRunStarting(info);
        expect_stubs_ = std::getenv("EXPECT_STUBS") != nullptr;
        thread_ = std::thread([this] { watch(); });
    }

    void testCaseStarting(Catch::TestCaseInfo const& info) override {
        TestEventListenerBase::testCaseStarting(info);
        core::testing::hang_hint("");
        std::lock_guard lock(mutex_);
        test_name_ = info.name;
        section_.clear();
        deadline_ = Clock::now() + std::chrono::seconds(watchdog_seconds());
        saw_not_implemented_ = false;
        cv_.notify_one();
    }

    void sectionStarting(Catch::SectionInfo const& info) override {
        TestEventListenerBase::sectionStarting(info);
        std::lock_guard lock(mutex_);
        if (info.name != test_name_) section_ = info.name;
    }

    bool assertionEnded(Catch::AssertionStats const& stats) override {
        const auto& r = stats.assertionResult;
        if (!r.succeeded() && r.getMessage().find("not implemented yet") != std::string::npos)
            saw_not_implemented_ = true;
        return true;
    }

    void testCaseEnded(Catch::TestCaseStats const& stats) override {
        TestEventListenerBase::testCaseEnded(stats);
        {
            std::lock_guard lock(mutex_);
            deadline_.reset();
        }
        if (!expect_stubs_) return;
        ++cases_;
        if (stats.totals.assertions.failed == 0)
            offenders_.push_back("passes against the stubs: " + stats.testInfo.name);
        else if (!saw_not_implemented_)
            offenders_.push_back("fails without 'not implemented yet': " + stats.testInfo.name);
    }

    void testRunEnded(Catch::TestRunStats const& stats) override {
        TestEventListenerBase::testRunEnded(stats);
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

private:
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
        std::cerr << "    Usual causes: a waker that wakes nobody, a park with no matching unpark,\n"
                     "    a wake lost between the poll and the park, or a lock held while waiting.\n"
                     "    Debug it: gdb --args <this binary> \"<test name>\", then `thread apply all bt`.\n";
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
    int cases_ = 0;
    std::vector<std::string> offenders_;
};

}  // namespace

CATCH_REGISTER_LISTENER(Watchdog)
