// The delay server under abuse, in both variants (reactor and blocking),
// through the chapter's own client: every bad input gets a clear 4xx or a
// clean close, and the next good request is served.
#include "testing/catch.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include "probes.hpp"

using namespace ch06_test;

namespace {

int status_of(const std::string& raw) {
    if (raw.rfind("HTTP/1.1 ", 0) != 0 || raw.size() < 12) return 0;
    return std::atoi(raw.c_str() + 9);
}

core::Async<std::string> good_request(std::uint16_t port) {
    ch06::HttpResponse r = co_await ch06::http_get(port, "/10/still%20here");
    co_return std::to_string(r.status) + " " + r.body;
}

// Sends the start of a request and nothing more, then reads the answer.
core::Async<std::string> half_request(std::uint16_t port) {
    ch06::TcpStream stream = co_await ch06::TcpStream::connect(port);
    co_await ch06::write_all(&stream, "GET /10/x HTTP/1.1\r\nHost: x");
    std::string answer = co_await ch06::read_to_end(&stream);
    co_return answer;
}

core::Async<std::string> half_request_and_a_good_one(std::uint16_t port) {
    auto stuck = ch06::spawn(half_request(port));
    auto start = Clock::now();
    std::string good = co_await good_request(port);
    auto good_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    std::string timed_out = co_await stuck;
    co_return good + " | " + std::to_string(good_ms) + " ms | " + std::to_string(status_of(timed_out));
}

// Asks for a 40 ms delay, then resets the connection while the server waits.
core::Async<void> leave_mid_wait(std::uint16_t port) {
    ch06::TcpStream stream = co_await ch06::TcpStream::connect(port);
    co_await ch06::write_all(&stream, "GET /40/bye HTTP/1.1\r\n\r\n");
    co_await ch06::sleep_for(std::chrono::milliseconds(5));
    linger l{1, 0};
    ::setsockopt(stream.fd(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

// The head timeout is short, so the half-sent request's test is quick, and
// scaled, so that on a busy machine a good request's head is not cut off.
const auto head_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(core::testing::scaled(100ms));

std::vector<std::string> variant_args(bool blocking) {
    std::vector<std::string> a{"--header-timeout-ms", std::to_string(head_timeout.count())};
    if (blocking) a.push_back("--blocking");
    return a;
}

}  // namespace

TEST_CASE("the delay server answers GET /<ms>/<message> after <ms> ms, and 4xx for a malformed path",
          "[ch06][server]") {
    core::testing::hang_hint(io_hang_hint);
    const bool blocking = GENERATE(false, true);
    INFO((blocking ? "blocking" : "reactor") << " variant of the delay server");
    DelayServer server(variant_args(blocking));
    ch06::Runtime rt(1);
    auto start = Clock::now();
    ch06::HttpResponse ok = rt.block_on(ch06::http_get(server.port(), "/30/hello%20there"));
    CHECK(Clock::now() - start >= 30ms);
    CHECK(ok.status == 200);
    CHECK(ok.body == "hello there");
    CHECK(rt.block_on(ch06::http_get(server.port(), "/nothing")).status == 404);
    CHECK(rt.block_on(ch06::http_get(server.port(), "/abc/x")).status == 400);
    CHECK(rt.block_on(ch06::http_get(server.port(), "/-5/x")).status == 400);
    CHECK(rt.block_on(ch06::http_get(server.port(), "/99999999999/x")).status == 400);
    CHECK(status_of(rt.block_on(raw_exchange(server.port(), "POST /1/x HTTP/1.1\r\n\r\n"))) == 405);
    CHECK(server.alive());
}

TEST_CASE("garbage, an oversized request line or head get 400, 414 or 431, and the next good request is served",
          "[ch06][server]") {
    core::testing::hang_hint(io_hang_hint);
    const bool blocking = GENERATE(false, true);
    INFO((blocking ? "blocking" : "reactor") << " variant of the delay server");
    DelayServer server(variant_args(blocking));
    ch06::Runtime rt(1);
    std::string garbage("\x01\x02\xff\xfe garbage \x7f\r\n\r\n", 18);
    CHECK(status_of(rt.block_on(raw_exchange(server.port(), garbage))) == 400);
    CHECK(rt.block_on(good_request(server.port())) == "200 still here");
    CHECK(status_of(rt.block_on(raw_exchange(server.port(), "GET /1/" + std::string(5000, 'a') + " HTTP/1.1\r\n\r\n"))) ==
          414);
    std::string huge_head = "GET /1/x HTTP/1.1\r\n";
    for (int i = 0; i < 200; ++i) huge_head += "X-Filler-" + std::to_string(i) + ": " + std::string(60, 'f') + "\r\n";
    CHECK(status_of(rt.block_on(raw_exchange(server.port(), huge_head + "\r\n"))) == 431);
    CHECK(rt.block_on(good_request(server.port())) == "200 still here");
    CHECK(server.alive());
}

TEST_CASE("a half-sent request gets 408 after the head timeout and holds up nobody meanwhile", "[ch06][server]") {
    core::testing::hang_hint(io_hang_hint);
    const bool blocking = GENERATE(false, true);
    INFO((blocking ? "blocking" : "reactor") << " variant of the delay server (head timeout " << head_timeout.count()
                                             << " ms)");
    DelayServer server(variant_args(blocking));
    ch06::Runtime rt(1);
    std::string result = rt.block_on(half_request_and_a_good_one(server.port()));
    INFO("good answer | its time | status of the half-sent request: " << result);
    CHECK(result.rfind("200 still here | ", 0) == 0);
    CHECK(result.substr(result.size() - 3) == "408");
    CHECK(server.alive());
}

TEST_CASE("a client that leaves while the server waits does not take it down", "[ch06][server]") {
    core::testing::hang_hint(io_hang_hint);
    const bool blocking = GENERATE(false, true);
    INFO((blocking ? "blocking" : "reactor") << " variant of the delay server");
    DelayServer server(variant_args(blocking));
    ch06::Runtime rt(1);
    for (int i = 0; i < 3; ++i) rt.block_on(leave_mid_wait(server.port()));
    // The server answers the leavers 40 ms after their requests: to no one.
    std::this_thread::sleep_for(core::testing::scaled(50ms));
    CHECK(rt.block_on(good_request(server.port())) == "200 still here");
    CHECK(server.alive());
}
