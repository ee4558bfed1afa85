// demo-ch07: one task spawns many jobs from inside the runtime; each job
// yields a few times and may sleep on ch07's own timer. The demo counts the
// jobs each worker thread ran: all of them start on the spawning worker's
// queue, so any job another worker ran was stolen (or taken from the
// injection queue after an overflow). Then it reports the cost per job.
//
//   make demo-ch07 SOLUTION=1
//   make demo-ch07 SOLUTION=1 ARGS="--jobs 100000 --workers 2 --sleep-ms 0"
//   make demo-ch07 SOLUTION=1 ARGS="--jobs 200 --trace build/ch07.json"
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ch07_work_stealing/executor.hpp"
#include "core/core.hpp"
#include "core/trace.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Tally {
    std::mutex mutex;
    std::map<std::thread::id, long> jobs_per_thread;
};

core::Async<long> job(int id, int yields, int sleep_ms, Tally* tally) {
    for (int i = 0; i < yields; ++i) co_await core::yield_now();
    if (sleep_ms > 0) co_await ch07::sleep_for(std::chrono::milliseconds(1 + id % sleep_ms));
    {
        std::lock_guard lock(tally->mutex);
        ++tally->jobs_per_thread[std::this_thread::get_id()];
    }
    co_return id;
}

core::Async<long> fan_out(int jobs, int yields, int sleep_ms, bool trace, Tally* tally) {
    std::vector<ch07::JoinHandle<long>> handles;
    handles.reserve(std::size_t(jobs));
    for (int id = 0; id < jobs; ++id) {
        auto work = job(id, yields, sleep_ms, tally);
        if (trace) {
            handles.push_back(ch07::spawn(core::traced("job " + std::to_string(id), std::move(work))));
        } else {
            handles.push_back(ch07::spawn(std::move(work)));
        }
    }
    long sum = 0;
    for (auto& h : handles) sum += co_await h;
    co_return sum;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"ch07 demo: a task spawns many jobs; see the workers steal them, and what a job costs"};
    int jobs = 20'000, workers = 2, yields = 3, sleep_ms = 5;
    std::string trace_file;
    app.add_option("--jobs", jobs, "jobs the root task spawns")->check(CLI::Range(1, 10'000'000));
    app.add_option("--workers", workers, "worker threads")->check(CLI::Range(1, 256));
    app.add_option("--yields", yields, "times each job yields")->check(CLI::Range(0, 10'000));
    app.add_option("--sleep-ms", sleep_ms, "each job sleeps 1..N ms on ch07's timer (0: no sleep)")
        ->check(CLI::Range(0, 10'000));
    app.add_option("--trace", trace_file, "write a Chrome trace-event JSON file (open it in ui.perfetto.dev)");
    CLI11_PARSE(app, argc, argv);

    try {
        bool trace = !trace_file.empty();
        if (trace) core::trace::start();
        Tally tally;
        ch07::Runtime rt(static_cast<std::size_t>(workers));
        auto start = Clock::now();
        long sum = rt.block_on(rt.spawn(fan_out(jobs, yields, sleep_ms, trace, &tally)));
        double wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        long expected = long(jobs) * (jobs - 1) / 2;
        std::printf("%d jobs (%d yields%s each) spawned by one task, on %d worker(s)\n", jobs, yields,
                    sleep_ms ? (", a sleep of 1.." + std::to_string(sleep_ms) + " ms").c_str() : "", workers);
        std::printf("sum of the results: %ld (%s)\n", sum, sum == expected ? "right" : "WRONG");
        int t = 0;
        for (const auto& [id, n] : tally.jobs_per_thread)
            std::printf("  worker thread %d ran %ld jobs (%.0f%%)\n", ++t, n, 100.0 * double(n) / jobs);
        auto m = rt.metrics();
        std::printf("wall time %.1f ms, %.2f us per job; now %zu of %zu workers awake, %zu searching\n", wall_ms,
                    wall_ms * 1000 / jobs, m.unparked, m.workers, m.searching);
        if (trace) {
            core::trace::stop();
            core::trace::write_json(trace_file);
            std::printf("trace: %zu events in %s (open it at https://ui.perfetto.dev, \"Open trace file\")\n",
                        core::trace::event_count(), trace_file.c_str());
        }
        return sum == expected ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "demo-ch07: %s\n", e.what());
        return 1;
    }
}
