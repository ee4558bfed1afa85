// demo-ch03: the two-task program. Task i sleeps (i+1) * --sleep-ms; all run
// on one thread, so the whole run takes as long as the longest sleep, not the
// sum. Prints a timeline; --trace FILE also writes a Chrome trace.
//
//   make demo-ch03 SOLUTION=1
//   make demo-ch03 SOLUTION=1 ARGS="--tasks 5 --sleep-ms 50 --trace ch03.json"
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "ch03_task_queue/executor.hpp"
#include "core/core.hpp"
#include "core/trace.hpp"

using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// By-value parameters only: the coroutine runs long after main's loop moved on.
core::Async<void> sleeper(int id, int sleep_ms, Clock::time_point start) {
    std::printf("%8.1f ms  task %d starts, sleeps %d ms\n", ms_since(start), id, sleep_ms);
    co_await core::sleep_for(std::chrono::milliseconds(sleep_ms));
    std::printf("%8.1f ms  task %d woke up and is done\n", ms_since(start), id);
}

core::Async<int> count_tasks(int n, Clock::time_point start) {
    std::printf("%8.1f ms  block_on's own future runs, then waits for the %d tasks\n", ms_since(start), n);
    co_return n;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Chapter 3: many tasks, one thread, one ready queue"};
    int tasks = 2, sleep_ms = 100;
    std::string trace_file;
    app.add_option("--tasks", tasks, "number of tasks; task i sleeps (i+1) * sleep-ms")->check(CLI::Range(1, 100000));
    app.add_option("--sleep-ms", sleep_ms, "the shortest sleep, in ms")->check(CLI::Range(0, 2000));
    app.add_option("--trace", trace_file, "write a Chrome trace-event JSON file (open it in ui.perfetto.dev)");
    CLI11_PARSE(app, argc, argv);
    if (static_cast<long long>(tasks) * sleep_ms > 4000)
        std::printf("(the longest sleep is %lld ms)\n", static_cast<long long>(tasks) * sleep_ms);

    if (!trace_file.empty()) core::trace::start();
    core::trace::name_thread("executor (main)");

    ch03::Executor ex;
    auto start = Clock::now();
    for (int i = 0; i < tasks; ++i)
        ex.spawn(core::traced("task " + std::to_string(i + 1), sleeper(i + 1, (i + 1) * sleep_ms, start)));
    int n = ex.block_on(core::traced("block_on future", count_tasks(tasks, start)));
    double total = ms_since(start);

    std::printf("\nall %d tasks done after %.1f ms on one thread\n", n, total);
    std::printf("the sleeps add up to %lld ms; they overlapped, so it took as long as the longest (%d ms)\n",
                static_cast<long long>(tasks) * (tasks + 1) / 2 * sleep_ms, tasks * sleep_ms);
    if (!trace_file.empty()) {
        core::trace::stop();
        core::trace::write_json(trace_file);
        std::printf("trace: %zu events in %s (open it at https://ui.perfetto.dev, \"Open trace file\")\n",
                    core::trace::event_count(), trace_file.c_str());
    }
}
