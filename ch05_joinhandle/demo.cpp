// demo-ch05: fan-out / fan-in. One future (run by block_on) spawns many jobs
// with ch05::spawn; each sleeps a random few milliseconds on the shared timer
// and returns a value; then it joins every handle and adds the values up.
// Jobs that throw (--fail-every) come back as exceptions at their join.
// The point: the sleeps overlap, so the wall time is a small fraction of
// their sum, on only --workers threads.
//
//   make demo-ch05 SOLUTION=1
//   make demo-ch05 SOLUTION=1 ARGS="--jobs 10000 --workers 2 --max-ms 20"
//   make demo-ch05 SOLUTION=1 ARGS="--jobs 200 --fail-every 7 --trace ch05.json"
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "ch05_joinhandle/executor.hpp"
#include "core/core.hpp"
#include "core/trace.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Plan {
    std::vector<int> sleep_ms;  // one per job
    int fail_every = 0;         // 0: no job fails
    bool trace = false;
};

core::Async<long> job(int id, int ms, bool fail) {
    co_await core::sleep_for(std::chrono::milliseconds(ms));
    if (fail) throw std::runtime_error("job " + std::to_string(id) + " failed on purpose");
    co_return long(id) * ms;  // something only this job can compute
}

struct Totals {
    long sum = 0;
    int ok = 0;
    int failed = 0;
    std::string first_error;
};

// Runs inside block_on, so ch05::spawn finds the runtime.
core::Async<Totals> fan_out_fan_in(Plan plan) {
    std::vector<ch05::JoinHandle<long>> handles;
    handles.reserve(plan.sleep_ms.size());
    for (int id = 0; id < int(plan.sleep_ms.size()); ++id) {
        bool fail = plan.fail_every > 0 && id % plan.fail_every == plan.fail_every - 1;
        auto work = job(id, plan.sleep_ms[id], fail);
        if (plan.trace) {
            handles.push_back(ch05::spawn(core::traced("job " + std::to_string(id), std::move(work))));
        } else {
            handles.push_back(ch05::spawn(std::move(work)));
        }
    }
    Totals totals;
    for (auto& h : handles) {
        try {
            totals.sum += co_await h;
            ++totals.ok;
        } catch (const std::exception& e) {  // the job's own exception, rethrown at the join
            if (totals.failed++ == 0) totals.first_error = e.what();
        }
    }
    co_return totals;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"ch05 demo: spawn many sleeping jobs, join them all, compare wall time with the sum of sleeps"};
    int jobs = 1000;
    int workers = 2;
    unsigned seed = 1;
    int min_ms = 1, max_ms = 5;
    int fail_every = 0;
    std::string trace_file;
    app.add_option("--jobs", jobs, "how many tasks to spawn")->check(CLI::Range(1, 1'000'000));
    app.add_option("--workers", workers, "worker threads of the runtime")->check(CLI::Range(1, 256));
    app.add_option("--seed", seed, "seed of the random sleep lengths");
    app.add_option("--min-ms", min_ms, "shortest sleep of a job, ms")->check(CLI::Range(0, 10'000));
    app.add_option("--max-ms", max_ms, "longest sleep of a job, ms")->check(CLI::Range(0, 10'000));
    app.add_option("--fail-every", fail_every, "every Nth job throws (0: none)")->check(CLI::Range(0, 1'000'000));
    app.add_option("--trace", trace_file, "write a Chrome trace-event JSON file (open it in ui.perfetto.dev)");
    CLI11_PARSE(app, argc, argv);
    if (max_ms < min_ms) {
        std::fprintf(stderr, "--max-ms (%d) must be >= --min-ms (%d)\n", max_ms, min_ms);
        return 2;
    }

    Plan plan;
    plan.fail_every = fail_every;
    plan.trace = !trace_file.empty();
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> pick(min_ms, max_ms);
    long sleep_sum_ms = 0;
    for (int i = 0; i < jobs; ++i) {
        plan.sleep_ms.push_back(pick(rng));
        sleep_sum_ms += plan.sleep_ms.back();
    }

    try {
        if (plan.trace) core::trace::start();
        ch05::Runtime rt(workers);
        auto start = Clock::now();
        Totals totals = rt.block_on(fan_out_fan_in(plan));
        double wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();

        std::printf("%d jobs on %d worker thread(s), sleeps of %d..%d ms (seed %u)\n", jobs, workers, min_ms,
                    max_ms, seed);
        std::printf("joined: %d ok, %d threw", totals.ok, totals.failed);
        if (totals.failed) std::printf(" (first: \"%s\")", totals.first_error.c_str());
        std::printf("\ntotal of the values:  %ld\n", totals.sum);
        std::printf("sum of the sleeps:    %ld ms\n", sleep_sum_ms);
        std::printf("wall time:            %.1f ms\n", wall_ms);
        if (sleep_sum_ms > 0)
            std::printf("concurrency gained:   %.1fx (sum of sleeps / wall time)\n", double(sleep_sum_ms) / wall_ms);
        std::printf("per job:              %.2f us of wall time (spawn + polls + join)\n", wall_ms * 1000 / jobs);
        if (plan.trace) {
            core::trace::stop();
            core::trace::write_json(trace_file);
            std::printf("trace: %zu events in %s (open it at https://ui.perfetto.dev, \"Open trace file\")\n",
                        core::trace::event_count(), trace_file.c_str());
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "demo-ch05: %s\n", e.what());
        return 1;
    }
    return 0;
}
