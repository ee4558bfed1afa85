// demo-ch06: fetch N URLs from the delay server at once, on one executor
// thread, and show that the wall time is the longest delay, not their sum.
//
//   make demo-ch06 SOLUTION=1
//   make demo-ch06 SOLUTION=1 ARGS="--requests 200 --min-ms 50 --max-ms 500"
//   make demo-ch06 SOLUTION=1 ARGS="--port 8080"        (a delayserver you started yourself)
//   make demo-ch06 SOLUTION=1 ARGS="--trace ch06.json"  (open it at https://ui.perfetto.dev)
//
// Without --port it starts the delay server built beside it
// (build/<config>/delayserver) on a free port, and stops it at the end.
#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ch06_reactor/executor.hpp"
#include "core/core.hpp"
#include "core/scope_exit.hpp"
#include "core/trace.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

struct Row {
    int delay_ms = 0;
    double taken_ms = 0;
    int status = 0;
    std::string error;
};

// The delay server as a child process; its first line names the port.
class ChildServer {
public:
    explicit ChildServer(const std::string& path) {
        if (!std::filesystem::exists(path))
            throw std::runtime_error("no delay server at " + path + " (make delayserver builds it)");
        std::string p = path, a1 = "--port", a2 = "0";
        char* argv[] = {p.data(), a1.data(), a2.data(), nullptr};
        int out[2];
        if (::pipe2(out, O_CLOEXEC) != 0) ch06::throw_errno("pipe2");
        ch06::Fd read_end(out[0]), write_end(out[1]);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
        int rc = ::posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) ch06::throw_errno("posix_spawn " + path, rc);
        core::ScopeExit stop_child([&] { stop(); });  // a throw below runs no destructor
        write_end = ch06::Fd();
        std::string line;
        auto deadline = Clock::now() + std::chrono::seconds(10);
        while (line.find('\n') == std::string::npos && Clock::now() < deadline) {
            pollfd pfd{read_end.get(), POLLIN, 0};
            if (::poll(&pfd, 1, 50) <= 0) continue;
            char buf[256];
            ssize_t n = ::read(read_end.get(), buf, sizeof buf);
            if (n <= 0) break;
            line.append(buf, std::size_t(n));
        }
        auto colon = line.rfind(':');
        if (colon == std::string::npos) throw std::runtime_error("the delay server did not say its port");
        port_ = std::uint16_t(std::stoi(line.substr(colon + 1)));
        stop_child.dismiss();
    }
    ~ChildServer() { stop(); }
    std::uint16_t port() const { return port_; }

private:
    void stop() {
        ::kill(pid_, SIGTERM);
        int status;
        ::waitpid(pid_, &status, 0);
    }
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

core::Async<Row> fetch_one(std::uint16_t port, int id, int delay_ms, std::atomic<int>* done) {
    Row row;
    row.delay_ms = delay_ms;
    auto start = Clock::now();
    try {
        ch06::HttpResponse r =
            co_await ch06::http_get(port, "/" + std::to_string(delay_ms) + "/request-" + std::to_string(id));
        row.status = r.status;
    } catch (const std::exception& e) {
        row.error = e.what();
    }
    row.taken_ms = ms_between(start, Clock::now());
    done->fetch_add(1);
    co_return row;
}

core::Async<std::vector<Row>> fetch_all(std::uint16_t port, std::vector<int> delays, bool trace,
                                        std::atomic<int>* done) {
    std::vector<ch06::JoinHandle<Row>> handles;
    for (int i = 0; i < int(delays.size()); ++i) {
        auto work = fetch_one(port, i, delays[i], done);
        if (trace) {
            handles.push_back(ch06::spawn(core::traced("request " + std::to_string(i), std::move(work))));
        } else {
            handles.push_back(ch06::spawn(std::move(work)));
        }
    }
    std::vector<Row> rows;
    for (auto& h : handles) rows.push_back(co_await h);
    co_return rows;
}

void draw_progress(int done, int total, bool tty) {
    const int width = 40;
    int filled = total ? done * width / total : width;
    if (tty) {
        std::printf("\r[%s%s] %d/%d", std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                    done, total);
    } else {
        std::printf("progress: %d/%d\n", done, total);
    }
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"ch06 demo: fetch many URLs from the delay server at once, on one executor thread"};
    int requests = 10;
    int port = 0;
    int min_ms = 100, max_ms = 500;
    int workers = 1;
    unsigned seed = 1;
    std::string trace_file;
    app.add_option("--requests", requests, "how many URLs to fetch at once")->check(CLI::Range(1, 5000));
    app.add_option("--port", port, "port of a running delayserver on 127.0.0.1 (0: start one)")->check(CLI::Range(0, 65535));
    app.add_option("--min-ms", min_ms, "shortest delay asked for")->check(CLI::Range(0, 30'000));
    app.add_option("--max-ms", max_ms, "longest delay asked for")->check(CLI::Range(0, 30'000));
    app.add_option("--workers", workers, "worker threads of the runtime")->check(CLI::Range(1, 64));
    app.add_option("--seed", seed, "seed of the random delays");
    app.add_option("--trace", trace_file, "write a Chrome trace-event JSON file (open it in ui.perfetto.dev)");
    CLI11_PARSE(app, argc, argv);
    if (max_ms < min_ms) {
        std::fprintf(stderr, "--max-ms (%d) must be >= --min-ms (%d)\n", max_ms, min_ms);
        return 2;
    }

    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> pick(min_ms, max_ms);
    std::vector<int> delays;
    long sum_ms = 0;
    for (int i = 0; i < requests; ++i) {
        delays.push_back(pick(rng));
        sum_ms += delays.back();
    }

    try {
        std::optional<ChildServer> child;
        if (port == 0) {
            auto exe = std::filesystem::read_symlink("/proc/self/exe");  // build/<config>/<variant>/ch06/demo
            child.emplace((exe.parent_path().parent_path().parent_path() / "delayserver").string());
            port = child->port();
            std::printf("started the delay server on 127.0.0.1:%d\n", port);
        }
        const bool tty = ::isatty(STDOUT_FILENO);
        std::atomic<int> done{0};
        std::atomic<bool> finished{false};
        std::thread progress([&] {
            int shown = -1;
            while (!finished.load()) {
                int d = done.load();
                if (d != shown && (tty || d == requests || d * 10 / requests != shown * 10 / requests)) {
                    draw_progress(d, requests, tty);
                    shown = d;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            if (shown != done.load()) draw_progress(done.load(), requests, tty);
            if (tty) std::printf("\n");
        });

        if (!trace_file.empty()) core::trace::start();
        std::vector<Row> rows;
        Clock::time_point start, end;
        {
            core::ScopeExit stop_progress([&] {
                finished.store(true);
                progress.join();
            });
            ch06::Runtime rt(static_cast<std::size_t>(workers));
            start = Clock::now();
            rows = rt.block_on(fetch_all(std::uint16_t(port), delays, !trace_file.empty(), &done));
            end = Clock::now();
        }

        std::printf("\n%8s  %10s  %10s  %s\n", "request", "delay ms", "taken ms", "status");
        int ok = 0, max_delay = 0;
        for (int i = 0; i < int(rows.size()); ++i) {
            const Row& r = rows[i];
            if (rows.size() <= 50 || i < 20 || i >= int(rows.size()) - 5) {
                std::printf("%8d  %10d  %10.1f  %s\n", i, r.delay_ms, r.taken_ms,
                            r.error.empty() ? std::to_string(r.status).c_str() : r.error.c_str());
            } else if (i == 20) {
                std::printf("%8s  (%zu more rows)\n", "...", rows.size() - 25);
            }
            ok += r.error.empty() && r.status == 200;
            max_delay = std::max(max_delay, r.delay_ms);
        }
        const double wall = ms_between(start, end);
        std::printf("\n%d of %d requests answered 200 on %d worker thread(s)\n", ok, requests, workers);
        std::printf("sum of the delays:   %ld ms\n", sum_ms);
        std::printf("longest delay:       %d ms\n", max_delay);
        std::printf("wall time:           %.1f ms\n", wall);
        if (wall > 0) std::printf("concurrency gained:  %.1fx (sum of delays / wall time)\n", double(sum_ms) / wall);
        if (!trace_file.empty()) {
            core::trace::stop();
            core::trace::write_json(trace_file);
            std::printf("trace: %zu events in %s (open it at https://ui.perfetto.dev, \"Open trace file\")\n",
                        core::trace::event_count(), trace_file.c_str());
        }
        return ok == requests ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "demo-ch06: %s\n", e.what());
        return 1;
    }
}
