// The runtime, the reactor and the delay server together: concurrency from
// one executor thread, and a thousand connections at once.
#include "testing/catch.hpp"

#include <cstdio>

#include "core/scope_exit.hpp"
#include "probes.hpp"

using namespace ch06_test;

namespace {

struct Fetched {
    int ok = 0;
    std::string first_problem;
};

core::Async<ch06::HttpResponse> fetch(std::uint16_t port, std::string path) {
    ch06::HttpResponse r = co_await ch06::http_get(port, path);
    co_return r;
}

// Spawns n fetches of /<ms>/<id> at once and joins them all.
core::Async<Fetched> fetch_all(std::uint16_t port, int n, int ms) {
    std::vector<ch06::JoinHandle<ch06::HttpResponse>> handles;
    for (int i = 0; i < n; ++i)
        handles.push_back(ch06::spawn(fetch(port, "/" + std::to_string(ms) + "/r" + std::to_string(i))));
    Fetched f;
    for (int i = 0; i < n; ++i) {
        try {
            ch06::HttpResponse r = co_await handles[i];
            if (r.status == 200 && r.body == "r" + std::to_string(i)) {
                ++f.ok;
            } else if (f.first_problem.empty()) {
                f.first_problem = "request " + std::to_string(i) + ": status " + std::to_string(r.status) +
                                  ", body \"" + r.body + "\"";
            }
        } catch (const core::NotImplemented&) {
            throw;
        } catch (const std::exception& e) {
            if (f.first_problem.empty()) f.first_problem = "request " + std::to_string(i) + ": " + e.what();
        }
    }
    co_return f;
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

}  // namespace

TEST_CASE("5 requests of 200 ms issued concurrently from one executor thread complete in about 200 ms, not 1 s",
          "[ch06][requests]") {
    core::testing::hang_hint(std::string("a request that never completes: ") + io_hang_hint);
    // The blocking, thread-per-connection server: nothing of ours on its side.
    // --gather 5 holds every request until all 5 are in flight at the server
    // together: that proves the overlap without a clock, so a busy machine
    // cannot fail the reference, and a client that sends them one after the
    // other never opens the gate (the server gives up after the timeout and
    // answers 504). The timeout is only a backstop for that broken client.
    const long gather_ms = long(ms_of(core::testing::scaled(3s)));
    DelayServer server({"--blocking", "--gather", "5", "--gather-timeout-ms", std::to_string(gather_ms)});
    ch06::Runtime rt(1);  // one executor thread
    auto start = Clock::now();
    Fetched f = rt.block_on(fetch_all(server.port(), 5, 200));
    const double took = ms_since(start);
    INFO("5 x 200 ms took " << took << " ms. The server holds each request until all 5 are in flight together; "
                               "a future that blocks the thread (a blocking connect or read, a "
                               "std::this_thread::sleep_for) sends them one after the other, and the server "
                               "gives up after " << gather_ms << " ms with 504");
    INFO(f.first_problem);
    REQUIRE(f.ok == 5);
    CHECK(took >= 200);
    std::printf("ch06 [requests]: 5 concurrent requests of 200 ms on one executor thread: %.0f ms\n", took);
}

TEST_CASE("1000 concurrent connections on loopback complete without running out of fds", "[ch06][requests]") {
    core::testing::hang_hint(std::string("1000 requests that do not all complete: ") + io_hang_hint);
    REQUIRE(ensure_fd_limit(4096));
    DelayServer server;  // the reactor server: 1000 threads would be the point of not having them
    ch06::Runtime rt(1);
    const int before = fd_count();
    int peak = before;
    std::atomic<bool> done{false};
    std::thread sampler([&] {
        while (!done.load()) {
            peak = std::max(peak, fd_count());
            std::this_thread::sleep_for(2ms);
        }
    });
    auto start = Clock::now();
    Fetched f;
    {
        core::ScopeExit stop_sampler([&] {
            done.store(true);
            sampler.join();
        });
        f = rt.block_on(fetch_all(server.port(), 1000, 100));
    }
    const double took = ms_since(start);
    INFO(f.first_problem);
    CHECK(f.ok == 1000);
    INFO("1000 requests of 100 ms took " << took << " ms");
    CHECK(took < ms_of(core::testing::scaled(8s)));
    INFO("every connection closed: the registry must be empty and the fds back to " << before);
    CHECK(rt.reactor().sources() == 0);
    CHECK(fd_count() == before);
    CHECK(server.alive());
    std::printf("ch06 [requests]: 1000 concurrent requests of 100 ms: %.0f ms, peak %d fds in the client "
                "(%d before)\n",
                took, peak, before);
}
