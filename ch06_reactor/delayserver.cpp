// delayserver: a small HTTP/1.1 server on 127.0.0.1 that answers late, on purpose.
//
//   delayserver --port 8080          GET /<ms>/<message> -> 200, body <message>, after <ms> ms
//   delayserver --port 0             pick a free port; the first line printed names it
//   delayserver --blocking           the same server, one blocking thread per connection
//   delayserver --blocking --gather 5   each good request first waits until 5 are in flight
//                                       together (the tests' proof that a client overlaps them)
//
// It is the peer of chapter 6's tests and demo, and it is built to take
// abuse: every request head is capped (request line 2 KiB -> 414, whole head
// 8 KiB -> 431), garbage gets 400, a path that is not /<ms>/<message> gets
// 404, a delay that is negative, not a number or above --max-delay-ms gets
// 400, a method other than GET gets 405, a half-sent request gets 408 after
// --header-timeout-ms, and a client that leaves while we wait just loses its
// answer. One answer per connection (Connection: close). The next good
// request is always served.
//
// The default build runs on chapter 6's reactor and runtime (solutions/); the
// --blocking variant uses nothing of ours but the parser below, so the tests
// can show that their client does not rely on our own code being on both
// sides of the socket.
//
// Try it:  build/g++-O1-g/delayserver --port 8080 &   curl -i http://127.0.0.1:8080/500/hello
#include <CLI/CLI.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "ch06_reactor/executor.hpp"
#include "core/core.hpp"

namespace {

struct Limits {
    std::size_t max_line = 2048;   // request line
    std::size_t max_head = 8192;   // request line + headers
    long max_delay_ms = 30'000;
    long header_timeout_ms = 5'000;
};

struct Answer {
    int status = 200;
    std::string body;
    long delay_ms = 0;
};

const char* reason(int status) {
    switch (status) {
        case 200: return "OK";
        case 400: return "Bad Request";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 414: return "URI Too Long";
        case 431: return "Request Header Fields Too Large";
        case 504: return "Gateway Timeout";
        default: return "Error";
    }
}

std::string render(const Answer& a) {
    std::string body = a.status == 200 ? a.body : a.body + "\n";
    return "HTTP/1.1 " + std::to_string(a.status) + " " + reason(a.status) +
           "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
}

Answer fail(int status, std::string why) { return Answer{status, std::move(why), 0}; }

std::string percent_decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit((unsigned char)s[i + 1]) &&
            std::isxdigit((unsigned char)s[i + 2])) {
            out += char(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// What the bytes received so far call for: nothing yet (keep reading), or an answer.
std::optional<Answer> judge(const std::string& got, const Limits& limits) {
    auto line_end = got.find("\r\n");
    if (line_end == std::string::npos) {
        if (got.size() > limits.max_line) return fail(414, "request line longer than " + std::to_string(limits.max_line) + " bytes");
        return std::nullopt;
    }
    if (line_end > limits.max_line) return fail(414, "request line longer than " + std::to_string(limits.max_line) + " bytes");
    auto head_end = got.find("\r\n\r\n");
    if (head_end == std::string::npos) {
        if (got.size() > limits.max_head) return fail(431, "request head longer than " + std::to_string(limits.max_head) + " bytes");
        return std::nullopt;
    }
    if (head_end + 4 > limits.max_head) return fail(431, "request head longer than " + std::to_string(limits.max_head) + " bytes");

    const std::string line = got.substr(0, line_end);
    for (char c : line)
        if (!std::isprint(static_cast<unsigned char>(c))) return fail(400, "the request line is not text");
    auto sp1 = line.find(' '), sp2 = line.rfind(' ');
    if (sp1 == std::string::npos || sp1 == sp2 || line.compare(sp2 + 1, 7, "HTTP/1.") != 0)
        return fail(400, "not an HTTP/1.x request line");
    if (line.substr(0, sp1) != "GET") return fail(405, "only GET is served");
    const std::string path = line.substr(sp1 + 1, sp2 - sp1 - 1);
    // /<ms>/<message>
    if (path.size() < 2 || path[0] != '/') return fail(404, "the path is /<ms>/<message>");
    auto slash = path.find('/', 1);
    if (slash == std::string::npos) return fail(404, "the path is /<ms>/<message>");
    const std::string ms = path.substr(1, slash - 1);
    if (!ms.empty() && ms[0] == '-') return fail(400, "a delay cannot be negative");
    if (ms.empty() || ms.size() > 9 || ms.find_first_not_of("0123456789") != std::string::npos)
        return fail(400, "the delay must be a number of milliseconds");
    long delay = std::stol(ms);
    if (delay > limits.max_delay_ms) return fail(400, "the delay is capped at " + std::to_string(limits.max_delay_ms) + " ms");
    return Answer{200, percent_decode(path.substr(slash + 1)), delay};
}

// ---- the server on chapter 6's reactor -------------------------------------

// A read that gives up at a deadline shared by all the reads of one request head.
class ReadBefore {
public:
    using Output = std::optional<std::size_t>;
    ReadBefore(ch06::ReadFuture read, ch06::Sleep* deadline) : read_(std::move(read)), deadline_(deadline) {}
    core::Poll<Output> poll(core::Context& cx) {
        auto r = read_.poll(cx);
        if (r.is_ready()) return Output(r.take());
        if (deadline_->poll(cx).is_ready()) return Output(std::nullopt);
        return core::Poll<Output>::pending();
    }

private:
    ch06::ReadFuture read_;
    ch06::Sleep* deadline_;
};

core::Async<void> serve(ch06::TcpStream stream, Limits limits) {
    try {
        std::string got;
        char buf[2048];
        ch06::Sleep deadline = ch06::sleep_for(std::chrono::milliseconds(limits.header_timeout_ms));
        std::optional<Answer> answer;
        while (!answer) {
            std::optional<std::size_t> n = co_await ReadBefore(stream.read(std::span<char>(buf)), &deadline);
            if (!n) answer = fail(408, "the request head did not arrive in time");
            else if (*n == 0) co_return;  // the client left before asking anything
            else {
                got.append(buf, *n);
                answer = judge(got, limits);
            }
        }
        if (answer->delay_ms > 0) co_await ch06::sleep_for(std::chrono::milliseconds(answer->delay_ms));
        co_await ch06::write_all(&stream, render(*answer));
        // Lingering close: closing with unread bytes (the rest of an
        // oversized request) sends a reset, which can destroy our answer
        // before the client reads it. Say we are done, then drain a little.
        stream.shutdown_write();
        ch06::Sleep linger = ch06::sleep_for(std::chrono::milliseconds(1000));
        for (std::size_t drained = 0; drained < (1u << 20);) {
            std::optional<std::size_t> n = co_await ReadBefore(stream.read(std::span<char>(buf)), &linger);
            if (!n || *n == 0) break;
            drained += *n;
        }
    } catch (const std::exception&) {
        // The client reset or left while we waited: its answer has nowhere to go.
    }
}

core::Async<void> serve_forever(std::uint16_t port, Limits limits) {
    auto listener = ch06::TcpListener::bind(port);
    std::printf("delayserver listening on 127.0.0.1:%u\n", listener.port());
    std::fflush(stdout);
    for (;;) {
        bool failed = false;
        try {
            ch06::TcpStream stream = co_await listener.accept();
            (void)ch06::spawn(serve(std::move(stream), limits));  // detached
        } catch (const std::exception& e) {
            // Out of fds, say: keep the server up, try again a little later.
            std::fprintf(stderr, "delayserver: accept: %s\n", e.what());
            failed = true;
        }
        if (failed) co_await ch06::sleep_for(std::chrono::milliseconds(10));  // no co_await in a catch
    }
}

// ---- the blocking variant: one thread per connection ---------------------------

// --gather N: a good request is held until N of them are in flight at the
// same time, then all of them go on to their delay. It proves overlap without
// a clock: a client that sends its requests one after the other never has two
// in flight, so it never opens the gate. A request that waits longer than
// --gather-timeout-ms breaks the gate for good: it and every later request
// get 504 at once, naming how many were ever in flight together.
struct Gather {
    int want = 0;  // 0: no gathering
    long timeout_ms = 5'000;
    std::mutex m;
    std::condition_variable cv;
    int waiting = 0, peak = 0;
    enum { closed, open, broken } state = closed;
};
Gather gather;

// Holds a good request at the gate; the answer becomes a 504 if it breaks.
void pass_gate(Answer& answer) {
    if (gather.want <= 0 || answer.status != 200) return;
    std::unique_lock lock(gather.m);
    if (gather.state == Gather::closed) {
        gather.peak = std::max(gather.peak, ++gather.waiting);
        if (gather.waiting >= gather.want) {
            gather.state = Gather::open;
            gather.cv.notify_all();
        } else if (!gather.cv.wait_for(lock, std::chrono::milliseconds(gather.timeout_ms),
                                       [] { return gather.state != Gather::closed; })) {
            gather.state = Gather::broken;
            gather.cv.notify_all();
        }
        --gather.waiting;
    }
    if (gather.state == Gather::broken)
        answer = fail(504, "--gather " + std::to_string(gather.want) + ": at most " + std::to_string(gather.peak) +
                               " request(s) were in flight together; the client sends them one after the other");
}

void serve_blocking(int fd, Limits limits) {
    ch06::Fd owner(fd);
    timeval tv{limits.header_timeout_ms / 1000, (limits.header_timeout_ms % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string got;
    char buf[2048];
    std::optional<Answer> answer;
    while (!answer) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n == 0) return;
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) answer = fail(408, "the request head did not arrive in time");
            else return;
        } else {
            got.append(buf, std::size_t(n));
            answer = judge(got, limits);
        }
    }
    pass_gate(*answer);
    std::this_thread::sleep_for(std::chrono::milliseconds(answer->delay_ms));
    std::string out = render(*answer);
    for (std::size_t sent = 0; sent < out.size();) {
        ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // the client left
        sent += std::size_t(n);
    }
    // Lingering close, as in the reactor variant (the receive timeout bounds it).
    ::shutdown(fd, SHUT_WR);
    for (std::size_t drained = 0; drained < (1u << 20);) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        drained += std::size_t(n);
    }
}

int run_blocking(std::uint16_t port, Limits limits) {
    ch06::Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener.valid()) ch06::throw_errno("socket");
    int one = 1;
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
        ch06::throw_errno("bind 127.0.0.1:" + std::to_string(port));
    if (::listen(listener.get(), SOMAXCONN) < 0) ch06::throw_errno("listen");
    socklen_t len = sizeof addr;
    ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len);
    std::printf("delayserver (blocking) listening on 127.0.0.1:%u\n", ntohs(addr.sin_port));
    std::fflush(stdout);
    for (;;) {
        int fd = ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EINTR && errno != ECONNABORTED) std::this_thread::sleep_for(std::chrono::milliseconds(10));
            continue;
        }
        try {
            std::thread(serve_blocking, fd, limits).detach();
        } catch (const std::exception&) {
            ::close(fd);  // no thread to be had: drop this one, serve the next
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"delayserver: GET /<ms>/<message> answers <message> after <ms> ms (127.0.0.1 only)"};
    int port = 8080;
    bool blocking = false;
    Limits limits;
    app.add_option("--port", port, "port on 127.0.0.1 (0: pick a free one and print it)")->check(CLI::Range(0, 65535));
    app.add_flag("--blocking", blocking, "one blocking thread per connection instead of the reactor");
    app.add_option("--max-delay-ms", limits.max_delay_ms, "longest delay served; above it, 400")->check(CLI::Range(0L, 3'600'000L));
    app.add_option("--header-timeout-ms", limits.header_timeout_ms, "time allowed for a request head; then 408")
        ->check(CLI::Range(1L, 3'600'000L));
    app.add_option("--gather", gather.want, "(with --blocking) hold each good request until this many are in flight together")
        ->check(CLI::Range(0, 10'000));
    app.add_option("--gather-timeout-ms", gather.timeout_ms, "a request held longer than this by --gather: 504 for it and every later one")
        ->check(CLI::Range(1L, 3'600'000L));
    CLI11_PARSE(app, argc, argv);
    if (gather.want > 0 && !blocking) {
        std::fprintf(stderr, "delayserver: --gather works with --blocking only\n");
        return 2;
    }

    // Many connections at once need many fds: take the hard limit.
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &rl);
    }
    try {
        if (blocking) return run_blocking(std::uint16_t(port), limits);
        ch06::Runtime rt(1);
        rt.block_on(serve_forever(std::uint16_t(port), limits));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "delayserver: %s\n", e.what());
        return 1;
    }
    return 0;
}
