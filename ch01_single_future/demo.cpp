// demo-ch01: what a busy-polling block_on costs.
//
// Runs ch01::block_on on core::sleep_for(--sleep-ms) and prints how many
// times the sleep was polled, and this thread's CPU time next to the wall
// time. Then run demo-ch02 with the same flags: same work, parked.
//
//   make demo-ch01 SOLUTION=1                    the reference
//   make demo-ch01 ARGS="--sleep-ms 1000"        your block_on, a longer sleep
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <utility>

#include "ch01_single_future/executor.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"

namespace {

// Counts the polls of the future it wraps.
template <core::Future F>
class Counted {
public:
    using Output = core::OutputOf<F>;
    Counted(F inner, long& polls) : inner_(std::move(inner)), polls_(polls) {}
    core::Poll<Output> poll(core::Context& cx) {
        ++polls_;
        return inner_.poll(cx);
    }

private:
    F inner_;
    long& polls_;
};

double ms(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"demo-ch01: block_on busy-polls a sleep; count the polls and the CPU time it burns"};
    int sleep_ms = 200;
    app.add_option("--sleep-ms", sleep_ms, "how long the future sleeps, in milliseconds")
        ->check(CLI::Range(0, 60000))
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    long polls = 0;
    auto cpu_before = core::testing::thread_cpu_time();
    auto wall_before = std::chrono::steady_clock::now();
    try {
        ch01::block_on(Counted(core::sleep_for(std::chrono::milliseconds(sleep_ms)), polls));
    } catch (const core::NotImplemented& e) {
        std::printf("demo-ch01: %s\n  Finish the exercise first, or run the reference: make demo-ch01 SOLUTION=1\n",
                    e.what());
        return 1;
    }
    auto cpu = core::testing::thread_cpu_time() - cpu_before;
    auto wall = std::chrono::steady_clock::now() - wall_before;

    std::printf("ch01::block_on(core::sleep_for(%d ms)), polling in a loop with a no-op waker\n", sleep_ms);
    std::printf("  polls of the future      %12ld\n", polls);
    std::printf("  wall time                %12.1f ms\n", ms(wall));
    std::printf("  this thread's CPU time   %12.1f ms  (%.0f%% of one core)\n", ms(cpu),
                ms(wall) > 0 ? 100.0 * ms(cpu) / ms(wall) : 0.0);
    std::printf("Nothing told the loop when to poll, so it asked all the time.\n"
                "The same work, parked between polls: make demo-ch02 SOLUTION=1 ARGS=\"--sleep-ms %d\"\n",
                sleep_ms);
    return 0;
}
