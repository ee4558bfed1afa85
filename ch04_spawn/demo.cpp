// demo-ch04: many tasks across worker threads, some spawning more, and
// where each one ran. --trace FILE writes a Chrome trace of the run.
//
//   make demo-ch04 SOLUTION=1
//   make demo-ch04 SOLUTION=1 ARGS="--tasks 8 --workers 4 --depth 3 --trace ch04.json"
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ch04_spawn/executor.hpp"
#include "core/core.hpp"
#include "core/trace.hpp"

using Clock = std::chrono::steady_clock;

namespace {

// What the tasks report back; shared by every task, hence the mutex.
struct Report {
    std::mutex mutex;
    std::map<int, int> polls_per_thread;  // trace thread id -> coroutine steps run there
    std::vector<std::string> lines;
    Clock::time_point start = Clock::now();
};

// Notes the thread this step of the task runs on; returns its small id.
int here(Report& report) {
    int tid = core::trace::thread_id();
    core::trace::name_thread("worker thread " + std::to_string(tid));
    std::lock_guard lock(report.mutex);
    ++report.polls_per_thread[tid];
    return tid;
}

// By-value parameters only (the Spawner too: the task owns its copy, and
// drops it when it finishes, which is what lets run() return).
core::Async<void> job(std::string name, int depth, int sleep_ms, ch04::Spawner spawner,
                      std::shared_ptr<Report> report) {
    std::string path = std::to_string(here(*report));
    co_await core::yield_now();  // give other tasks a turn: we may resume elsewhere
    path += " -> " + std::to_string(here(*report));
    co_await core::sleep_for(std::chrono::milliseconds(sleep_ms));
    path += " -> " + std::to_string(here(*report));
    for (int child = 1; depth > 0 && child <= 2; ++child) {
        std::string child_name = name + "." + std::to_string(child);
        spawner.spawn(core::traced(child_name, job(child_name, depth - 1, sleep_ms, spawner, report)));
    }
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - report->start).count();
    char line[160];
    std::snprintf(line, sizeof line, "%8.1f ms  task %-10s ran on threads %s%s", ms, name.c_str(), path.c_str(),
                  depth > 0 ? "  (spawned 2 more)" : "");
    std::lock_guard lock(report->mutex);
    report->lines.push_back(line);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Chapter 4: an executor and its spawners, over a channel, on several workers"};
    int tasks = 4, workers = 2, sleep_ms = 20, depth = 2;
    std::string trace_file;
    app.add_option("--tasks", tasks, "tasks spawned from main")->check(CLI::Range(1, 100000));
    app.add_option("--workers", workers, "worker threads for run()")->check(CLI::Range(1, 64));
    app.add_option("--sleep-ms", sleep_ms, "each task sleeps this long")->check(CLI::Range(0, 1000));
    app.add_option("--depth", depth, "each task spawns 2 children, this many levels deep")->check(CLI::Range(0, 12));
    app.add_option("--trace", trace_file, "write a Chrome trace-event JSON file (open it in ui.perfetto.dev)");
    CLI11_PARSE(app, argc, argv);

    if (!trace_file.empty()) core::trace::start();
    auto report = std::make_shared<Report>();
    {
        auto [executor, spawner] = ch04::new_executor_and_spawner();
        for (int i = 1; i <= tasks; ++i) {
            std::string name = "t" + std::to_string(i);
            spawner.spawn(core::traced(name, job(name, depth, sleep_ms, spawner, report)));
        }
        { auto dropped = std::move(spawner); }  // now only the tasks keep run() going
        std::printf("main is thread %d; run(%d) starts (thread ids are small integers)\n",
                    core::trace::thread_id(), workers);
        executor.run(static_cast<unsigned>(workers));
    }
    double total = std::chrono::duration<double, std::milli>(Clock::now() - report->start).count();

    for (const auto& line : report->lines) std::printf("%s\n", line.c_str());
    std::printf("\n%zu tasks finished in %.1f ms on %d worker(s); coroutine steps per thread:\n",
                report->lines.size(), total, workers);
    for (auto [tid, n] : report->polls_per_thread) std::printf("  thread %2d: %d\n", tid, n);
    if (!trace_file.empty()) {
        core::trace::stop();
        core::trace::write_json(trace_file);
        std::printf("trace: %zu events in %s (open it at https://ui.perfetto.dev, \"Open trace file\")\n",
                    core::trace::event_count(), trace_file.c_str());
    }
}
