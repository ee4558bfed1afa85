// demo-ch02: the same work as demo-ch01, with a block_on that parks.
//
// Runs ch02::block_on on a sleep of --sleep-ms and prints how many times it
// was polled, and this thread's CPU time next to the wall time. --timer
// chooses the sleep: core::sleep_for (one shared timer thread, the same
// future demo-ch01 uses) or ch02::TimerFuture (a thread per timer).
//
//   make demo-ch02 SOLUTION=1
//   make demo-ch02 SOLUTION=1 ARGS="--sleep-ms 1000 --timer thread"
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <utility>

#include "ch02_waker/executor.hpp"
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
    CLI::App app{"demo-ch02: block_on parks while a sleep is pending; count the polls and the CPU time"};
    int sleep_ms = 200;
    std::string timer = "sleep";
    app.add_option("--sleep-ms", sleep_ms, "how long the future sleeps, in milliseconds")
        ->check(CLI::Range(0, 60000))
        ->capture_default_str();
    app.add_option("--timer", timer, "sleep: core::sleep_for (as in demo-ch01); thread: ch02::TimerFuture")
        ->check(CLI::IsMember({"sleep", "thread"}))
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    const auto duration = std::chrono::milliseconds(sleep_ms);
    long polls = 0;
    auto cpu_before = core::testing::thread_cpu_time();
    auto wall_before = std::chrono::steady_clock::now();
    try {
        if (timer == "sleep") {
            ch02::block_on(Counted(core::sleep_for(duration), polls));
        } else {
            ch02::block_on(Counted(ch02::TimerFuture(duration), polls));
        }
    } catch (const core::NotImplemented& e) {
        std::printf("demo-ch02: %s\n  Finish the exercise first, or run the reference: make demo-ch02 SOLUTION=1\n",
                    e.what());
        return 1;
    }
    auto cpu = core::testing::thread_cpu_time() - cpu_before;
    auto wall = std::chrono::steady_clock::now() - wall_before;

    std::printf("ch02::block_on(%s(%d ms)), parked between polls\n",
                timer == "sleep" ? "core::sleep_for" : "ch02::TimerFuture", sleep_ms);
    std::printf("  polls of the future      %12ld\n", polls);
    std::printf("  wall time                %12.1f ms\n", ms(wall));
    std::printf("  this thread's CPU time   %12.3f ms  (%.2f%% of one core)\n", ms(cpu),
                ms(wall) > 0 ? 100.0 * ms(cpu) / ms(wall) : 0.0);
    std::printf("One poll to start the timer, one after its wake. Compare: make demo-ch01 SOLUTION=1 ARGS=\"--sleep-ms %d\"\n",
                sleep_ms);
    return 0;
}
