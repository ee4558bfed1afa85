// bench/executors: chapters 3, 4, 5 and 7 beside asio, oneTBB and the floor,
// on the same work, measured side by side in ONE run, as ratios to asio.
//
// Benchmarks (each a median of --repeat runs after one warm-up run):
//   spawn     spawn -> complete of --tasks trivial tasks, spawned from inside
//             the runtime where the API allows it; ns per task
//   yield     --tasks/10 tasks that yield 10 times each; ns per poll
//   pingpong  two tasks waking each other --tasks times; ns per hand-off,
//             on 1 and on 2 workers
//   sleepers  10^5 (--quick: 2000) tasks sleeping until deadlines spread
//             over 200 ms; lateness p50/p99, RSS per task (in a forked
//             child, so earlier runs' freed memory does not hide it), the
//             bytes of the future itself, and the process's thread count
// Every 2-worker figure carries the core-to-core hand-off measured right
// before and after it: on a shared 2-core machine that swings between ~40
// and ~200 ns, and a figure is only comparable within one regime.
//
// bench/README.md explains the harness and its pitfalls.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <functional>
#include <malloc.h>
#include <memory>
#include <mutex>
#include <new>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "ch03_task_queue/executor.hpp"
#include "ch04_spawn/executor.hpp"
#include "ch05_joinhandle/executor.hpp"
#include "ch07_work_stealing/executor.hpp"
#include "core/core.hpp"

#if __has_include(<asio.hpp>)
#include <asio.hpp>
#define BENCH_HAVE_ASIO 1
#endif
#if __has_include(<tbb/task_group.h>) && defined(BENCH_WITH_TBB)
#include <tbb/task_arena.h>
#include <tbb/task_group.h>
#define BENCH_HAVE_TBB 1
#endif

// ---- counting allocator: bytes allocated (to size a future) ----------------
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

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

double ns_since(Clock::time_point start) {
    return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
}

// One completion signal per run: the last task to arrive wakes the waiter.
struct Done {
    std::atomic<long> left{0};
    std::mutex mutex;
    std::condition_variable cv;
    bool done = false;
    void reset(long n) {
        left.store(n);
        std::lock_guard lock(mutex);
        done = false;
    }
    std::function<void()> at_last_arrival;  // the sleepers' thread count; empty elsewhere
    void arrive() {
        if (left.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
        if (at_last_arrival) at_last_arrival();
        std::lock_guard lock(mutex);
        done = true;
        cv.notify_one();
    }
    void wait() {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return done; });
    }
};

// ---- the work, as coroutines and as hand-written futures ---------------------
core::Async<void> child(Done* d) {
    d->arrive();
    co_return;
}
class ChildFuture {  // no coroutine frame: one allocation per task in ch07
public:
    using Output = void;
    explicit ChildFuture(Done* d) : d_(d) {}
    core::Poll<void> poll(core::Context&) {
        d_->arrive();
        return core::Poll<void>::ready();
    }

private:
    Done* d_;
};
core::Async<void> yielder(int yields, Done* d) {
    for (int i = 0; i < yields; ++i) co_await core::yield_now();
    d->arrive();
}
core::Async<void> nothing() { co_return; }
// Keeps a block_on-driven executor (ch03) running until every task arrived.
core::Async<void> until_all_arrived(Done* d) {
    while (d->left.load() > 0) co_await core::sleep_for(std::chrono::milliseconds(1));
}

template <class Spawn>
core::Async<void> spawn_children(long n, Done* d, Spawn spawn) {
    for (long i = 0; i < n; ++i) spawn(child(d));
    co_return;
}
core::Async<void> ch05_root(long n, Done* d) {
    for (long i = 0; i < n; ++i) (void)ch05::spawn(child(d));
    co_return;
}
core::Async<void> ch07_root(long n, Done* d) {
    for (long i = 0; i < n; ++i) (void)ch07::spawn(child(d));
    co_return;
}
core::Async<void> ch07_root_handwritten(long n, Done* d) {
    for (long i = 0; i < n; ++i) (void)ch07::spawn(ChildFuture(d));
    co_return;
}

// Two players pass a turn back and forth `rounds` times in total.
struct Rally {
    std::mutex mutex;
    core::Waker waiter[2];
    int turn = 0;
    long rounds = 0, limit = 0;
};
class Player {
public:
    using Output = void;
    Player(Rally* r, int me, Done* d) : r_(r), me_(me), d_(d) {}
    core::Poll<void> poll(core::Context& cx) {
        core::Waker other;
        bool finished;
        {
            std::lock_guard lock(r_->mutex);
            if (r_->turn == me_ && r_->rounds < r_->limit) {
                ++r_->rounds;
                r_->turn = 1 - me_;
                other = r_->waiter[1 - me_];
            }
            finished = r_->rounds >= r_->limit;
            if (finished) other = r_->waiter[1 - me_];
            // Store the waker only when it changed, as a real future does:
            // a copy costs a reference count (or a shared_ptr) per poll.
            if (!r_->waiter[me_].will_wake(cx.waker())) r_->waiter[me_] = cx.waker();
        }
        other.wake();
        if (finished) d_->arrive();
        return finished ? core::Poll<void>::ready() : core::Poll<void>::pending();
    }

private:
    Rally* r_;
    int me_;
    Done* d_;
};

// ---- the harness ------------------------------------------------------------------
struct Options {
    long tasks = 100'000;
    int workers = 2;
    int repeat = 7;
    long sleepers = 100'000;
    bool quick = false;
    bool warmup = true;
    std::string only, bench, json;
};

double handoff_ns() {
    // Two threads pass a counter back and forth; ns per one-way hand-off.
    constexpr int rounds = 2000;
    std::atomic<int> flag{0};
    auto spin_until = [&](int v) {
        for (int spins = 0; flag.load(std::memory_order_acquire) != v; ++spins)
            if (spins > 2000) std::this_thread::yield();  // the other thread may be descheduled
    };
    std::thread other([&] {
        for (int i = 0; i < rounds; ++i) {
            spin_until(2 * i + 1);
            flag.store(2 * i + 2, std::memory_order_release);
        }
    });
    spin_until(0);
    auto start = Clock::now();
    for (int i = 0; i < rounds; ++i) {
        flag.store(2 * i + 1, std::memory_order_release);
        spin_until(2 * i + 2);
    }
    double ns = ns_since(start) / (2.0 * rounds);
    other.join();
    return ns;
}

struct Figure {
    std::string bench, name;
    double median = 0;             // ns of wall time per unit
    double cpu_median = 0;         // ns of the process's CPU time per unit (all threads)
    std::vector<double> runs;
    int workers = 1;
    double handoff_before = 0, handoff_after = 0;
    std::string note;
};

double median_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

double process_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}

// run_once returns wall ns per unit of work for one run; `units` is how
// many units one run does, to turn the process's CPU time into a per-unit
// figure too (CPU time suffers less from a loaded machine than wall time,
// but it counts a spinning thread's spins as work).
Figure measure(const Options& o, const std::string& bench, const std::string& name, int workers, double units,
               const std::function<double()>& run_once, std::string note = "") {
    Figure f{bench, name, 0, 0, {}, workers, 0, 0, std::move(note)};
    if (workers > 1) f.handoff_before = handoff_ns();
    if (o.warmup) (void)run_once();
    std::vector<double> cpu;
    for (int i = 0; i < o.repeat; ++i) {
        double before = process_cpu_ns();
        f.runs.push_back(run_once());
        cpu.push_back((process_cpu_ns() - before) / units);
    }
    if (workers > 1) f.handoff_after = handoff_ns();
    f.median = median_of(f.runs);
    f.cpu_median = median_of(cpu);
    return f;
}

bool selected(const Options& o, const std::string& bench, const std::string& name) {
    return (o.bench.empty() || o.bench == bench) && (o.only.empty() || o.only == name);
}

// ---- spawn -> complete ----------------------------------------------------------
void bench_spawn(const Options& o, std::vector<Figure>& out) {
    const long n = o.tasks;
    Done done;
    auto add = [&](const std::string& name, int workers, const std::function<double()>& fn, std::string note = "") {
        if (selected(o, "spawn", name)) out.push_back(measure(o, "spawn", name, workers, double(n), fn, std::move(note)));
    };
    add("floor", 1, [&] {
        done.reset(n);
        auto start = Clock::now();
        core::Waker noop = core::Waker::noop();
        core::Context cx(noop);
        for (long i = 0; i < n; ++i) {
            auto f = child(&done);
            (void)f.poll(cx);
        }
        return ns_since(start) / n;
    }, "create, poll, destroy one core::Async<void>");
#ifdef BENCH_HAVE_ASIO
    for (int w : {1, o.workers}) {
        add("asio-" + std::to_string(w), w, [&, w] {
            asio::io_context ctx(w);
            auto guard = asio::make_work_guard(ctx);
            std::vector<std::thread> threads;
            for (int i = 0; i < w; ++i) threads.emplace_back([&] { ctx.run(); });
            done.reset(n);
            auto start = Clock::now();
            asio::post(ctx, [&] {
                for (long i = 0; i < n; ++i) asio::post(ctx, [&] { done.arrive(); });
            });
            done.wait();
            double ns = ns_since(start) / n;
            guard.reset();
            for (auto& t : threads) t.join();
            return ns;
        }, "io_context post+run, posted from a handler");
    }
#endif
#ifdef BENCH_HAVE_TBB
    for (int w : {1, o.workers}) {
        add("tbb-" + std::to_string(w), w, [&, w] {
            tbb::task_arena arena(w);
            done.reset(n);
            double ns = 0;
            arena.execute([&] {
                tbb::task_group tg;
                auto start = Clock::now();
                tg.run([&] {
                    for (long i = 0; i < n; ++i) tg.run([&] { done.arrive(); });
                });
                tg.wait();
                ns = ns_since(start) / n;
            });
            return ns;
        }, "task_group in a task_arena (the caller is one of the threads)");
    }
#endif
    add("ch03", 1, [&] {
        ch03::Executor ex;
        done.reset(n);
        auto start = Clock::now();
        for (long i = 0; i < n; ++i) ex.spawn(child(&done));
        ex.block_on(nothing());
        return ns_since(start) / n;
    }, "spawned from outside, then block_on");
    for (int w : {1, o.workers}) {
        add("ch04-" + std::to_string(w), w, [&, w] {
            done.reset(n);
            auto start = Clock::now();
            auto [executor, spawner] = ch04::new_executor_and_spawner();
            for (long i = 0; i < n; ++i) spawner.spawn(child(&done));
            { auto dropped = std::move(spawner); }
            executor.run(unsigned(w));
            return ns_since(start) / n;
        }, "spawned from outside; run() starts its threads");
    }
    for (int w : {1, o.workers}) {
        add("ch05-" + std::to_string(w), w, [&, w] {
            ch05::Runtime rt{std::size_t(w)};
            done.reset(n);
            auto start = Clock::now();
            (void)rt.spawn(ch05_root(n, &done));
            done.wait();
            return ns_since(start) / n;
        }, "a task spawns them (detached)");
    }
    for (int w : {1, o.workers}) {
        add("ch07-" + std::to_string(w), w, [&, w] {
            ch07::Runtime rt{std::size_t(w)};
            done.reset(n);
            auto start = Clock::now();
            (void)rt.spawn(ch07_root(n, &done));
            done.wait();
            return ns_since(start) / n;
        }, "a task spawns them (detached)");
    }
    for (int w : {1, o.workers}) {
        add("ch07-" + std::to_string(w) + "-plain", w, [&, w] {
            ch07::Runtime rt{std::size_t(w)};
            done.reset(n);
            auto start = Clock::now();
            (void)rt.spawn(ch07_root_handwritten(n, &done));
            done.wait();
            return ns_since(start) / n;
        }, "hand-written future: no coroutine frame, one allocation per task");
    }
}

// ---- per poll with yields ---------------------------------------------------
void bench_yield(const Options& o, std::vector<Figure>& out) {
    constexpr int yields = 10;
    const long tasks = std::max(1L, o.tasks / 10);
    const double polls = double(tasks) * (yields + 1);
    Done done;
    auto add = [&](const std::string& name, int workers, const std::function<double()>& fn, std::string note = "") {
        if (selected(o, "yield", name)) out.push_back(measure(o, "yield", name, workers, polls, fn, std::move(note)));
    };
#ifdef BENCH_HAVE_ASIO
    add("asio-1", 1, [&] {
        asio::io_context ctx(1);
        auto guard = asio::make_work_guard(ctx);
        std::thread runner([&] { ctx.run(); });
        done.reset(tasks);
        struct Hop {
            asio::io_context* ctx;
            Done* d;
            int left;
            void operator()() {
                if (left-- > 0) return asio::post(*ctx, *this);
                d->arrive();
            }
        };
        auto start = Clock::now();
        asio::post(ctx, [&] {
            for (long i = 0; i < tasks; ++i) asio::post(ctx, Hop{&ctx, &done, yields});
        });
        done.wait();
        double ns = ns_since(start) / polls;
        guard.reset();
        runner.join();
        return ns;
    }, "a handler that re-posts itself");
#endif
#ifdef BENCH_HAVE_TBB
    add("tbb-1", 1, [&] {
        tbb::task_arena arena(1);
        done.reset(tasks);
        double ns = 0;
        arena.execute([&] {
            tbb::task_group tg;
            // No yield in a task_group: a task that runs its next hop as a new
            // task is the closest thing (a new task per hop, not a re-poll).
            struct Hop {
                tbb::task_group* tg;
                Done* d;
                int left;
                void operator()() const {
                    if (left > 0) return tg->run(Hop{tg, d, left - 1});
                    d->arrive();
                }
            };
            auto start = Clock::now();
            tg.run([&] {
                for (long i = 0; i < tasks; ++i) tg.run(Hop{&tg, &done, yields});
            });
            tg.wait();
            ns = ns_since(start) / polls;
        });
        return ns;
    }, "a task that runs its next hop as a new task");
#endif
    add("ch03", 1, [&] {
        ch03::Executor ex;
        done.reset(tasks);
        auto start = Clock::now();
        for (long i = 0; i < tasks; ++i) ex.spawn(yielder(yields, &done));
        ex.block_on(nothing());
        return ns_since(start) / polls;
    });
    add("ch04-1", 1, [&] {
        done.reset(tasks);
        auto start = Clock::now();
        auto [executor, spawner] = ch04::new_executor_and_spawner();
        for (long i = 0; i < tasks; ++i) spawner.spawn(yielder(yields, &done));
        { auto dropped = std::move(spawner); }
        executor.run(1);
        return ns_since(start) / polls;
    });
    add("ch05-1", 1, [&] {
        ch05::Runtime rt(1);
        done.reset(tasks);
        auto start = Clock::now();
        for (long i = 0; i < tasks; ++i) (void)rt.spawn(yielder(yields, &done));
        done.wait();
        return ns_since(start) / polls;
    });
    add("ch07-1", 1, [&] {
        ch07::Runtime rt(1);
        done.reset(tasks);
        auto start = Clock::now();
        for (long i = 0; i < tasks; ++i) (void)rt.spawn(yielder(yields, &done));
        done.wait();
        return ns_since(start) / polls;
    });
}

// ---- wake ping-pong ------------------------------------------------------------
void bench_pingpong(const Options& o, std::vector<Figure>& out) {
    const long rounds = o.tasks;
    Done done;
    Rally rally;
    auto reset = [&] {
        done.reset(2);
        rally.turn = 0;
        rally.rounds = 0;
        rally.limit = rounds;
        rally.waiter[0] = rally.waiter[1] = core::Waker();
    };
    auto add = [&](const std::string& name, int workers, const std::function<double()>& fn, std::string note = "") {
        if (selected(o, "pingpong", name))
            out.push_back(measure(o, "pingpong", name, workers, double(rounds), fn, std::move(note)));
    };
#ifdef BENCH_HAVE_ASIO
    for (int w : {1, o.workers}) {
        add("asio-" + std::to_string(w), w, [&, w] {
            asio::io_context ctx(w);
            auto guard = asio::make_work_guard(ctx);
            std::vector<std::thread> threads;
            for (int i = 0; i < w; ++i) threads.emplace_back([&] { ctx.run(); });
            std::atomic<long> left{rounds};
            done.reset(1);
            std::function<void()> hit = [&] {
                if (left.fetch_sub(1, std::memory_order_relaxed) > 1) return asio::post(ctx, hit);
                done.arrive();
            };
            auto start = Clock::now();
            asio::post(ctx, hit);
            done.wait();
            double ns = ns_since(start) / rounds;
            guard.reset();
            for (auto& t : threads) t.join();
            return ns;
        }, "each handler posts the next");
    }
#endif
    add("ch03", 1, [&] {
        ch03::Executor ex;
        reset();
        auto start = Clock::now();
        ex.spawn(Player(&rally, 0, &done));
        ex.spawn(Player(&rally, 1, &done));
        ex.block_on(nothing());
        return ns_since(start) / rounds;
    });
    add("ch04-1", 1, [&] {
        reset();
        auto start = Clock::now();
        auto [executor, spawner] = ch04::new_executor_and_spawner();
        spawner.spawn(Player(&rally, 0, &done));
        spawner.spawn(Player(&rally, 1, &done));
        { auto dropped = std::move(spawner); }
        executor.run(1);
        return ns_since(start) / rounds;
    });
    for (int w : {1, o.workers}) {
        add("ch05-" + std::to_string(w), w, [&, w] {
            ch05::Runtime rt{std::size_t(w)};
            reset();
            auto start = Clock::now();
            (void)rt.spawn(Player(&rally, 0, &done));
            (void)rt.spawn(Player(&rally, 1, &done));
            done.wait();
            return ns_since(start) / rounds;
        });
        add("ch07-" + std::to_string(w), w, [&, w] {
            ch07::Runtime rt{std::size_t(w)};
            reset();
            auto start = Clock::now();
            (void)rt.spawn(Player(&rally, 0, &done));
            (void)rt.spawn(Player(&rally, 1, &done));
            done.wait();
            return ns_since(start) / rounds;
        });
    }
}

// ---- 10^5 sleepers, each measured in a forked child -------------------------------
struct SleepResult {
    double p50_us = 0, p99_us = 0, rss_per_task = 0, future_bytes = 0;
    int threads = 0;
    bool ok = false;
};

long rss_bytes() {
    long pages = 0, resident = 0;
    std::ifstream("/proc/self/statm") >> pages >> resident;
    return resident * sysconf(_SC_PAGESIZE);
}
int thread_count() {
    int n = 0;
    if (DIR* d = opendir("/proc/self/task")) {
        while (dirent* e = readdir(d))
            if (e->d_name[0] != '.') ++n;
        closedir(d);
    }
    return n;
}

core::Async<void> core_sleeper(Clock::time_point deadline, long long* late, Done* d) {
    co_await core::sleep_until(deadline);
    *late = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - deadline).count();
    d->arrive();
}
core::Async<void> ch07_sleeper(Clock::time_point deadline, long long* late, Done* d) {
    co_await ch07::sleep_until(deadline);
    *late = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - deadline).count();
    d->arrive();
}

// Runs in the child: spawns n sleepers with `spawn(deadline, late*)`, waits.
template <class Setup>
SleepResult sleepers_in_child(long n, Setup setup) {
    std::vector<long long> late(std::size_t(n), 0);
    Done done;
    done.reset(n);
    auto base = Clock::now() + milliseconds(n > 10'000 ? 400 : 100);
    auto deadline = [&](long i) { return base + std::chrono::microseconds(200'000 * i / n); };
    long rss0 = rss_bytes();
    SleepResult r;
    int threads = 0;
    long rss1 = 0;
    // Counted again by the last sleeper to wake, on the executor's thread
    // while it still runs: ch03 and ch04 start their threads (and the shared
    // timer's) only once they run, after spawned() was called.
    int threads_at_end = 0;  // published to this thread by done's mutex
    done.at_last_arrival = [&] { threads_at_end = thread_count(); };
    setup(n, deadline, late.data(), &done, [&] {  // called once everything is spawned
        rss1 = rss_bytes();
        threads = thread_count();
    });
    done.wait();
    std::sort(late.begin(), late.end());
    r.p50_us = double(late[std::size_t(n / 2)]) / 1000;
    r.p99_us = double(late[std::size_t(n * 99 / 100)]) / 1000;
    r.rss_per_task = double(rss1 - rss0) / n;
    r.threads = std::max(threads, threads_at_end);
    r.ok = Clock::now() > base;
    return r;
}

template <class Setup>
SleepResult sleepers_forked(long n, Setup setup, double future_bytes) {
    int fds[2];
    if (pipe(fds) != 0) return {};
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        SleepResult r = sleepers_in_child(n, setup);
        std::string s = std::to_string(r.p50_us) + " " + std::to_string(r.p99_us) + " " +
                        std::to_string(r.rss_per_task) + " " + std::to_string(r.threads) + "\n";
        (void)!write(fds[1], s.data(), s.size());
        _exit(0);
    }
    close(fds[1]);
    std::string text;
    char buf[256];
    ssize_t k;
    while ((k = read(fds[0], buf, sizeof buf)) > 0) text.append(buf, std::size_t(k));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    SleepResult r;
    std::istringstream in(text);
    r.ok = bool(in >> r.p50_us >> r.p99_us >> r.rss_per_task >> r.threads);
    r.future_bytes = future_bytes;
    return r;
}

template <class Make>
double bytes_of_future(Make make) {
    long long before = g_bytes.load();
    { auto f = make(); }
    return double(g_bytes.load() - before);
}

struct SleepFigure {
    std::string name;
    SleepResult r;
};

void bench_sleepers(const Options& o, std::vector<SleepFigure>& out) {
    const long n = o.sleepers;
    Done dummy;
    long long dummy_late = 0;
    auto t0 = Clock::now();
    double core_bytes = bytes_of_future([&] { return core_sleeper(t0, &dummy_late, &dummy); });
    double ch07_bytes = bytes_of_future([&] { return ch07_sleeper(t0, &dummy_late, &dummy); });
    auto want = [&](const std::string& name) { return selected(o, "sleepers", name); };
#ifdef BENCH_HAVE_ASIO
    if (want("asio-1"))
        out.push_back({"asio-1", sleepers_forked(n, [](long k, auto deadline, long long* late, Done* d, auto spawned) {
            asio::io_context ctx(1);
            std::vector<std::unique_ptr<asio::steady_timer>> timers;
            timers.reserve(std::size_t(k));
            for (long i = 0; i < k; ++i) {
                auto dl = deadline(i);
                timers.push_back(std::make_unique<asio::steady_timer>(ctx, dl));
                long long* slot = &late[i];
                timers.back()->async_wait([slot, dl, d](const asio::error_code&) {
                    *slot = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - dl).count();
                    d->arrive();
                });
            }
            spawned();
            ctx.run();
        }, double(sizeof(asio::steady_timer)))});
#endif
    if (want("ch03"))
        out.push_back({"ch03", sleepers_forked(n, [](long k, auto deadline, long long* late, Done* d, auto spawned) {
            ch03::Executor ex;
            for (long i = 0; i < k; ++i) ex.spawn(core_sleeper(deadline(i), &late[i], d));
            spawned();
            ex.block_on(until_all_arrived(d));  // ch03 runs tasks only inside block_on
        }, core_bytes)});
    if (want("ch04-1"))
        out.push_back({"ch04-1", sleepers_forked(n, [](long k, auto deadline, long long* late, Done* d, auto spawned) {
            auto [executor, spawner] = ch04::new_executor_and_spawner();
            for (long i = 0; i < k; ++i) spawner.spawn(core_sleeper(deadline(i), &late[i], d));
            spawned();
            { auto dropped = std::move(spawner); }
            executor.run(1);
        }, core_bytes)});
    if (want("ch05-1"))
        out.push_back({"ch05-1", sleepers_forked(n, [](long k, auto deadline, long long* late, Done* d, auto spawned) {
            ch05::Runtime rt(1);
            for (long i = 0; i < k; ++i) (void)rt.spawn(core_sleeper(deadline(i), &late[i], d));
            spawned();
            d->wait();
        }, core_bytes)});
    for (int w : {1, o.workers}) {
        std::string name = "ch07-" + std::to_string(w);
        if (want(name))
            out.push_back({name, sleepers_forked(n, [w](long k, auto deadline, long long* late, Done* d, auto spawned) {
                ch07::Runtime rt{std::size_t(w)};
                for (long i = 0; i < k; ++i) (void)rt.spawn(ch07_sleeper(deadline(i), &late[i], d));
                spawned();
                d->wait();
            }, ch07_bytes)});
    }
}

// ---- printing --------------------------------------------------------------------
std::string regime(double ns) { return ns < 100 ? "near" : "far"; }

void print(const Options& o, const std::vector<Figure>& figs, const std::vector<SleepFigure>& sleeps) {
    std::printf("tasks %ld, median of %d runs (after one warm-up), %u hardware threads\n", o.tasks, o.repeat,
                std::thread::hardware_concurrency());
    std::string bench;
    double asio1 = 0, asio1_cpu = 0;
    for (const auto& f : figs) {
        if (f.bench != bench) {
            bench = f.bench;
            asio1 = asio1_cpu = 0;
            for (const auto& g : figs)
                if (g.bench == bench && g.name == "asio-1") {
                    asio1 = g.median;
                    asio1_cpu = g.cpu_median;
                }
            const char* unit = bench == "yield" ? "ns/poll" : bench == "pingpong" ? "ns/wake" : "ns/task";
            std::printf("\n== %s (wall and process CPU per unit)\n  %-16s %10s %8s %10s %8s  %-24s %s\n", bench.c_str(),
                        "executor", unit, "x asio-1", "cpu ns", "x asio-1", "hand-off before/after", "what");
        }
        char ratio[32] = "-";
        if (asio1 > 0) std::snprintf(ratio, sizeof ratio, "%.2fx", f.median / asio1);
        char cpu_ratio[32] = "-";
        if (asio1_cpu > 0) std::snprintf(cpu_ratio, sizeof cpu_ratio, "%.2fx", f.cpu_median / asio1_cpu);
        char handoff[64] = "";
        if (f.workers > 1)
            std::snprintf(handoff, sizeof handoff, "%.0f/%.0f ns (%s)", f.handoff_before, f.handoff_after,
                          regime((f.handoff_before + f.handoff_after) / 2).c_str());
        std::printf("  %-16s %10.1f %8s %10.1f %8s  %-24s %s\n", f.name.c_str(), f.median, ratio, f.cpu_median,
                    cpu_ratio, handoff, f.note.c_str());
    }
    if (!sleeps.empty()) {
        std::printf("\n== sleepers (%ld tasks, deadlines spread over 200 ms, each in a forked child)\n", o.sleepers);
        std::printf("  %-10s %12s %12s %12s %14s %14s %8s\n", "executor", "late p50 us", "late p99 us", "RSS B/task",
                    "future bytes", "RSS - future", "threads");
        for (const auto& s : sleeps)
            std::printf("  %-10s %12.0f %12.0f %12.0f %14.0f %14.0f %8d\n", s.name.c_str(), s.r.p50_us, s.r.p99_us,
                        s.r.rss_per_task, s.r.future_bytes, s.r.rss_per_task - s.r.future_bytes, s.r.threads);
    }
    std::printf("\nratios are to asio-1 measured in this same run; 'near'/'far' is the core-to-core regime\n"
                "(hand-off < 100 ns or not) around each multi-worker figure. Compare ratios, not nanoseconds.\n");
}

void write_json(const std::string& path, const Options& o, const std::vector<Figure>& figs,
                const std::vector<SleepFigure>& sleeps) {
    std::ofstream out(path);
    out << "{\"tasks\":" << o.tasks << ",\"repeat\":" << o.repeat << ",\"figures\":[";
    for (std::size_t i = 0; i < figs.size(); ++i) {
        const auto& f = figs[i];
        out << (i ? "," : "") << "{\"bench\":\"" << f.bench << "\",\"name\":\"" << f.name << "\",\"median_ns\":"
            << f.median << ",\"cpu_ns\":" << f.cpu_median << ",\"workers\":" << f.workers << ",\"handoff_before_ns\":" << f.handoff_before
            << ",\"handoff_after_ns\":" << f.handoff_after << ",\"runs\":[";
        for (std::size_t j = 0; j < f.runs.size(); ++j) out << (j ? "," : "") << f.runs[j];
        out << "]}";
    }
    out << "],\"sleepers\":[";
    for (std::size_t i = 0; i < sleeps.size(); ++i) {
        const auto& s = sleeps[i];
        out << (i ? "," : "") << "{\"name\":\"" << s.name << "\",\"p50_us\":" << s.r.p50_us
            << ",\"p99_us\":" << s.r.p99_us << ",\"rss_per_task\":" << s.r.rss_per_task
            << ",\"future_bytes\":" << s.r.future_bytes << ",\"threads\":" << s.r.threads << "}";
    }
    out << "]}\n";
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Chapters 3, 4, 5 and 7 beside asio, oneTBB and the floor, side by side in one run."};
    Options o;
    app.add_option("--tasks", o.tasks, "tasks per run (spawn), rounds (pingpong)")->check(CLI::Range(1L, 100'000'000L));
    app.add_option("--workers", o.workers, "workers for the multi-worker figures")->check(CLI::Range(2, 64));
    app.add_option("--repeat", o.repeat, "measured runs per figure (the median is reported)")->check(CLI::Range(1, 1000));
    app.add_option("--sleepers", o.sleepers, "sleeping tasks in the sleepers benchmark")->check(CLI::Range(10L, 10'000'000L));
    app.add_option("--json", o.json, "also write every figure (and every run) to this file");
    app.add_flag("--quick", o.quick, "small sizes, one repeat: a smoke run for make test (figures are noise)");
    app.add_option("--only", o.only, "run one executor (e.g. ch07-1, asio-1): for make bench-icount");
    app.add_option("--bench", o.bench, "run one benchmark: spawn, yield, pingpong, sleepers")
        ->check(CLI::IsMember({"spawn", "yield", "pingpong", "sleepers"}));
    app.add_flag("!--no-warmup", o.warmup, "skip the warm-up run (bench-icount)");
    CLI11_PARSE(app, argc, argv);
    if (o.quick) {
        o.tasks = std::min(o.tasks, 2000L);
        o.repeat = 1;
        o.sleepers = std::min(o.sleepers, 1000L);
    }

    std::vector<SleepFigure> sleeps;
    if (o.bench.empty() || o.bench == "sleepers") bench_sleepers(o, sleeps);  // first: forks a clean process

    // glibc skips atomic instructions in a process that never started a
    // thread; start one so single-threaded figures pay what a real program pays.
    std::thread([] {}).join();

    std::vector<Figure> figs;
    if (o.bench.empty() || o.bench == "spawn") bench_spawn(o, figs);
    if (o.bench.empty() || o.bench == "yield") bench_yield(o, figs);
    if (o.bench.empty() || o.bench == "pingpong") bench_pingpong(o, figs);
    print(o, figs, sleeps);
    if (!o.json.empty()) write_json(o.json, o, figs, sleeps);
    return 0;
}
