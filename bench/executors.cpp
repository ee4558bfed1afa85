// bench/executors: the same work on the reference executors of chapters 3, 4
// and 5, measured side by side in one run.
//
// Work: --tasks tasks, each yielding --yields times (so it is polled
// yields + 1 times). We report the time per poll (wall time / polls) and the
// heap bytes allocated per task over the whole run (a counting operator new), and each figure as
// a ratio to chapter 3's single-threaded executor. Figures depend on the
// machine: compare the ratios, not the nanoseconds.
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <new>
#include <string>
#include <vector>

#include "ch03_task_queue/executor.hpp"
#include "ch04_spawn/executor.hpp"
#include "ch05_joinhandle/executor.hpp"
#include "core/core.hpp"

// ---- counting allocator: bytes the whole program allocates --------------------
// Replacing the global operator new is allowed; g++ 12 still warns that the
// free() in our operator delete "mismatches" it once both are inlined.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
static std::atomic<long long> g_bytes{0};
void* operator new(std::size_t n) {
    g_bytes.fetch_add(static_cast<long long>(n), std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

core::Async<void> yielder(int yields, std::shared_ptr<std::atomic<long>> done) {
    for (int i = 0; i < yields; ++i) co_await core::yield_now();
    done->fetch_add(1, std::memory_order_relaxed);
}

core::Async<void> nothing() { co_return; }

struct Result {
    std::string name;
    double ns_per_poll;
    double bytes_per_task;
};

Result measure(const std::string& name, int tasks, int yields, const std::function<void()>& run) {
    long long bytes_before = g_bytes.load();
    auto start = std::chrono::steady_clock::now();
    run();
    auto elapsed = std::chrono::steady_clock::now() - start;
    double polls = double(tasks) * (yields + 1);
    return {name, std::chrono::duration<double, std::nano>(elapsed).count() / polls,
            double(g_bytes.load() - bytes_before) / tasks};
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Chapters 3, 4 and 5's executors on the same work, side by side."};
    int tasks = 20'000, yields = 20;
    app.add_option("--tasks", tasks, "tasks to spawn")->check(CLI::Range(1, 10'000'000));
    app.add_option("--yields", yields, "times each task yields before it finishes")->check(CLI::Range(0, 100'000));
    CLI11_PARSE(app, argc, argv);

    std::vector<Result> results;
    auto done = std::make_shared<std::atomic<long>>(0);

    results.push_back(measure("ch03 Executor (1 thread)", tasks, yields, [&] {
        ch03::Executor ex;
        for (int i = 0; i < tasks; ++i) ex.spawn(yielder(yields, done));
        ex.block_on(nothing());
    }));
    for (unsigned workers : {1u, 2u}) {
        results.push_back(measure("ch04 run(" + std::to_string(workers) + ")", tasks, yields, [&] {
            auto [executor, spawner] = ch04::new_executor_and_spawner();
            for (int i = 0; i < tasks; ++i) spawner.spawn(yielder(yields, done));
            { auto dropped = std::move(spawner); }  // Rust's drop(spawner)
            executor.run(workers);
        }));
    }
    for (std::size_t workers : {std::size_t{1}, std::size_t{2}}) {
        results.push_back(measure("ch05 Runtime(" + std::to_string(workers) + "), joined", tasks, yields, [&] {
            ch05::Runtime rt(workers);
            std::vector<ch05::JoinHandle<void>> handles;
            handles.reserve(tasks);
            for (int i = 0; i < tasks; ++i) handles.push_back(rt.spawn(yielder(yields, done)));
            auto join_all = [](std::vector<ch05::JoinHandle<void>>* hs) -> core::Async<void> {
                for (auto& h : *hs) co_await h;
            };  // captures nothing: safe as a coroutine (it takes a pointer by value)
            rt.block_on(join_all(&handles));
        }));
    }

    const long expected = long(tasks) * long(results.size());
    if (done->load() != expected) {
        std::fprintf(stderr, "bench: %ld tasks finished, expected %ld\n", done->load(), expected);
        return 1;
    }
    std::printf("%d tasks x %d yields (%d polls each), on %u hardware threads\n\n", tasks, yields, yields + 1,
                std::thread::hardware_concurrency());
    std::printf("  %-28s %12s %8s %14s %8s\n", "executor", "ns/poll", "ratio", "bytes/task", "ratio");
    for (const auto& r : results)
        std::printf("  %-28s %12.1f %7.2fx %14.0f %7.2fx\n", r.name.c_str(), r.ns_per_poll,
                    r.ns_per_poll / results[0].ns_per_poll, r.bytes_per_task,
                    r.bytes_per_task / results[0].bytes_per_task);
    std::printf("\nratios are to ch03's single-threaded executor; bytes include the coroutine frame.\n");
    return 0;
}
