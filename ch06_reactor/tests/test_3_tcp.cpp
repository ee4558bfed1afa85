// The I/O futures on real loopback sockets: bytes both ways, draining to
// EAGAIN, dropped futures, end of stream, resets, and fds on error paths.
#include "testing/catch.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <system_error>

#include "ch06_reactor/net.hpp"  // this piece's file: check-chNN re-runs the piece when it changes
#include "probes.hpp"

using namespace ch06_test;

namespace {

core::Async<std::string> echo_once() {
    auto listener = ch06::TcpListener::bind(0);
    auto port = listener.port();
    ch06::TcpStream client = co_await ch06::TcpStream::connect(port);
    ch06::TcpStream server = co_await listener.accept();
    co_await ch06::write_all(&client, "ping");
    client.shutdown_write();
    std::string got = co_await ch06::read_to_end(&server);
    co_await ch06::write_all(&server, got + " pong");
    server.shutdown_write();
    std::string back = co_await ch06::read_to_end(&client);
    co_return back;
}

core::Async<int> refused_connects(std::uint16_t port, int n) {
    int refused = 0;
    for (int i = 0; i < n; ++i) {
        try {
            (void)co_await ch06::TcpStream::connect(port);
        } catch (const std::system_error& e) {
            if (e.code().value() == ECONNREFUSED) ++refused;
        }
    }
    co_return refused;
}

// A port that was free a moment ago and has no listener now.
std::uint16_t closed_port(ch06::Runtime& rt) {
    ch06::Reactor::Enter enter(rt.reactor());
    auto listener = ch06::TcpListener::bind(0);
    return listener.port();
}

// Serves one request with a head that promises 100 bytes, sends 10, then
// closes (or resets, with SO_LINGER 0).
core::Async<void> serve_truncated(ch06::TcpListener* listener, bool reset) {
    ch06::TcpStream stream = co_await listener->accept();
    char buf[1024];
    (void)co_await stream.read(std::span<char>(buf));
    co_await ch06::write_all(&stream, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
    if (reset) {
        linger l{1, 0};
        ::setsockopt(stream.fd(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
}  // the stream closes here

core::Async<std::string> fetch_truncated(bool reset) {
    auto listener = ch06::TcpListener::bind(0);
    auto server = ch06::spawn(serve_truncated(&listener, reset));
    std::string error = "(no error)";
    try {
        (void)co_await ch06::http_get(listener.port(), "/");
    } catch (const std::exception& e) {
        error = e.what();
    }
    co_await server;
    co_return error;
}

core::Async<std::string> write_after_peer_left() {
    auto [client, server] = co_await make_tcp_pair();
    { ch06::TcpStream gone = std::move(server); }
    std::string data(64 * 1024, 'x');
    try {
        for (int i = 0; i < 100; ++i) co_await ch06::write_all(&client, data);
    } catch (const std::system_error& e) {
        co_return std::string(e.what());
    }
    co_return std::string("(no error after 6.4 MB)");
}

// The writer's side of big_transfer: every byte, then the end of the stream,
// so a writer that reports more than it wrote leaves the reader short.
core::Async<void> write_then_close(ch06::TcpStream* stream, std::size_t bytes) {
    std::string data(bytes, 'z');
    for (std::size_t i = 0; i < bytes; ++i) data[i] = char('a' + i % 26);
    co_await ch06::write_all(stream, std::move(data));
    stream->shutdown_write();
}

struct Transfer {
    std::size_t got = 0;
    std::size_t first_wrong = std::string::npos;  // the first byte out of place
};

// Small socket buffers (a few KiB each way) and a reader that takes 1 KiB at
// a time: no send() can take the whole buffer at once, so every write is
// partial and the writer must wait for the reader to drain.
core::Async<Transfer> big_transfer(std::size_t bytes) {
    auto listener = ch06::TcpListener::bind(0);
    int small = 4096;
    ::setsockopt(listener.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);  // the accepted socket inherits it
    ch06::TcpStream client = co_await ch06::TcpStream::connect(listener.port());
    ::setsockopt(client.fd(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ch06::TcpStream server = co_await listener.accept();
    auto writer = ch06::spawn(write_then_close(&client, bytes));
    Transfer t;
    char buf[1024];
    for (;;) {
        std::size_t n = co_await server.read(std::span<char>(buf));
        if (n == 0) break;
        for (std::size_t i = 0; i < n && t.first_wrong == std::string::npos; ++i)
            if (buf[i] != char('a' + (t.got + i) % 26)) t.first_wrong = t.got + i;
        t.got += n;
    }
    co_await writer;
    co_return t;
}

}  // namespace

namespace {
core::Async<std::string> blocking_sockets() {
    std::string blocking;
    auto listener = ch06::TcpListener::bind(0);
    if (!is_nonblocking(listener.fd())) blocking += " the listening socket;";
    ch06::TcpStream client = co_await ch06::TcpStream::connect(listener.port());
    if (!is_nonblocking(client.fd())) blocking += " the connecting socket;";
    ch06::TcpStream server = co_await listener.accept();
    if (!is_nonblocking(server.fd())) blocking += " the accepted socket;";
    co_return blocking;
}
}  // namespace

TEST_CASE("every socket is non-blocking from birth: the listener, the connecting and the accepted one",
          "[ch06][tcp]") {
    core::testing::hang_hint(io_hang_hint);
    ch06::Runtime rt(1);
    const std::string blocking = rt.block_on(blocking_sockets());
    INFO("blocking:" << blocking
                     << " one blocking read() stalls its worker and every task behind it. The accepted "
                        "socket is blocking unless accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC) "
                        "asks; socket() needs SOCK_NONBLOCK too");
    CHECK(blocking.empty());
}

TEST_CASE("a read smaller than the data waiting returns part of it, and the next read the rest at once",
          "[ch06][tcp]") {
    core::testing::hang_hint(io_hang_hint);
    ch06::Runtime rt(1);
    auto [client, server] = rt.block_on(make_tcp_pair());
    rt.block_on(ch06::write_all(&client, std::string(100, 'd')));
    core::testing::CountingWaker w;
    core::Context cx(w.waker());
    char buf[10];
    std::size_t total = 0;
    for (int i = 0; i < 10; ++i) {
        auto read = server.read(std::span<char>(buf));
        auto p = read.poll(cx);
        if (i == 0 && p.is_pending()) {  // the 100 bytes may still be on their way
            REQUIRE(eventually([&] { return w.wakes() >= 1; }));
            p = read.poll(cx);
        }
        INFO("read " << i + 1 << " of 10: " << 100 - total
                     << " bytes are still buffered, yet the read is Pending. With edge-triggered epoll no new "
                        "event will come for them: only EAGAIN may clear the readiness, never a read that "
                        "returned data");
        REQUIRE(p.is_ready());
        total += p.value();
    }
    CHECK(total == 100);
}

TEST_CASE("bind on port 0, accept, connect, write and read carry bytes both ways on 127.0.0.1", "[ch06][tcp]") {
    core::testing::hang_hint(io_hang_hint);
    ch06::Runtime rt(1);
    CHECK(rt.block_on(echo_once()) == "ping pong");
    INFO("every stream and listener is gone: their sources must have left the registry");
    CHECK(rt.reactor().sources() == 0);
}

TEST_CASE("a write bigger than the socket buffers completes as the reader drains them", "[ch06][tcp]") {
    core::testing::hang_hint(io_hang_hint);
    ch06::Runtime rt(1);
    const std::size_t bytes = 2 << 20;
    Transfer t = rt.block_on(big_transfer(bytes));
    INFO("WriteFuture::poll must return what send() returned, never the size of the buffer it was "
         "given: with small socket buffers every send() is partial. The reader got "
         << t.got << " of " << bytes << " bytes, the first wrong one at "
         << (t.first_wrong == std::string::npos ? std::string("none") : std::to_string(t.first_wrong)));
    CHECK(t.got == bytes);
    CHECK(t.first_wrong == std::string::npos);
}

TEST_CASE("a read future dropped before its data arrives withdraws its waker, and its fd number is reused safely",
          "[ch06][tcp]") {
    core::testing::hang_hint(io_hang_hint);
    ch06::Runtime rt(1);
    core::testing::CountingWaker dead_task;
    int old_fd;
    {
        auto [client, server] = rt.block_on(make_tcp_pair());
        old_fd = server.fd();
        char buf[16];
        {
            auto read = server.read(std::span<char>(buf));
            core::Context cx(dead_task.waker());
            REQUIRE(read.poll(cx).is_pending());
        }  // the read future is dropped: its task is gone
        INFO("~ReadFuture must withdraw its waker from the registry (drop_interest)");
        CHECK(dead_task.live_wakers() == 1);
        rt.block_on(ch06::write_all(&client, "late data"));
        settle(rt.reactor());
        INFO("data arrived after the read future was dropped: its waker must not be woken");
        CHECK(dead_task.wakes() == 0);
    }  // the streams close
    INFO("the closed streams must have left the registry (deregister before close)");
    CHECK(rt.reactor().sources() == 0);
    // New sockets get the lowest free numbers: old_fd again, most likely.
    auto [client2, server2] = rt.block_on(make_tcp_pair());
    INFO("fds " << client2.fd() << " and " << server2.fd() << " (the dropped read's was " << old_fd << ")");
    rt.block_on(ch06::write_all(&client2, "x"));
    rt.block_on(ch06::write_all(&server2, "y"));
    settle(rt.reactor());
    CHECK(dead_task.wakes() == 0);
}

TEST_CASE("a peer that closes: read returns 0 (end of stream) instead of waiting forever", "[ch06][tcp]") {
    core::testing::hang_hint("a read from a closed peer waited forever: is it a read that treats 0 (end of stream) "
                             "as 'nothing yet'? 0 is Ready(0), every time. Or: " + std::string(io_hang_hint));
    ch06::Runtime rt(1);
    auto [client, server] = rt.block_on(make_tcp_pair());
    { ch06::TcpStream gone = std::move(client); }
    char buf[16];
    CHECK(rt.block_on(server.read(std::span<char>(buf))) == 0);
    CHECK(rt.block_on(server.read(std::span<char>(buf))) == 0);
}

TEST_CASE("a peer that closes in the middle of an answer gives the reader a clear error, not a hang",
          "[ch06][tcp]") {
    core::testing::hang_hint(io_hang_hint);
    ch06::Runtime rt(1);
    SECTION("closed cleanly after 10 of 100 body bytes") {
        std::string error = rt.block_on(fetch_truncated(false));
        INFO(error);
        CHECK(error.find("10 of 100") != std::string::npos);
    }
    SECTION("reset (RST) after 10 of 100 body bytes") {
        std::string error = rt.block_on(fetch_truncated(true));
        INFO("a reset must come out of read() as std::system_error (ECONNRESET), or as end of stream: " << error);
        CHECK((error.find("reset") != std::string::npos || error.find("10 of 100") != std::string::npos));
    }
}

TEST_CASE("writing to a peer that left throws EPIPE or ECONNRESET, it never kills the process with SIGPIPE",
          "[ch06][tcp]") {
    core::testing::hang_hint(io_hang_hint);
    ch06::Runtime rt(1);
    std::string error = rt.block_on(write_after_peer_left());
    INFO(error);
    CHECK((error.find("Broken pipe") != std::string::npos || error.find("reset") != std::string::npos));
}

// accept4 on the listener, then read on the accepted socket, each fails once
// with EINTR (core::testing::fail_next_*_with_eintr): a signal may interrupt
// any system call, and the loop must try again.
core::Async<std::string> accept_and_read_through_eintr() {
    auto listener = ch06::TcpListener::bind(0);
    ch06::TcpStream client = co_await ch06::TcpStream::connect(listener.port());
    core::testing::fail_next_accept_with_eintr(listener.fd());
    ch06::TcpStream server = co_await listener.accept();
    co_await ch06::write_all(&client, "through");
    client.shutdown_write();
    core::testing::fail_next_read_with_eintr(server.fd());
    std::string got = co_await ch06::read_to_end(&server);
    co_return got;
}

TEST_CASE("a read or an accept that a signal interrupts (EINTR) is tried again, not reported as an error",
          "[ch06][tcp]") {
    core::testing::hang_hint(io_hang_hint);
    ch06::Runtime rt(1);
    const long before = core::testing::eintr_injected();
    std::string got;
    try {
        got = rt.block_on(accept_and_read_through_eintr());
    } catch (const std::system_error& e) {
        const std::string what = e.what();
        if (what.rfind("accept", 0) == 0)
            FAIL("EINTR from accept4() was reported as an error: a signal interrupted the call, nothing failed; "
                 "try again (book: EINTR means try again, in every loop): " << what);
        FAIL("EINTR from read() was reported as an error: a signal interrupted the call, nothing failed; try "
             "again (book: EINTR means try again, in every loop): " << what);
    }
    CHECK(got == "through");
    if (CORE_TESTING_CONDVAR_HOOKS) {
        INFO("both calls were to fail once with EINTR (tests/infra/eintr.cpp): was read() or accept4() called?");
        CHECK(core::testing::eintr_injected() - before == 2);
    }
}

TEST_CASE("connecting to a port nobody listens on throws 'Connection refused' and leaks no fd", "[ch06][tcp]") {
    core::testing::hang_hint("a connect to a port nobody listens on never finished: once the socket is writable, "
                             "Connect::poll must read SO_ERROR and throw a non-zero one (ECONNREFUSED); a failed "
                             "handshake brings no further event. Or: " + std::string(io_hang_hint));
    ch06::Runtime rt(1);
    const auto port = closed_port(rt);
    (void)rt.block_on(refused_connects(port, 1));  // warm up lazily opened fds
    const int before = fd_count();
    INFO("50 connects to 127.0.0.1:" << port << ", where nobody listens");
    CHECK(rt.block_on(refused_connects(port, 50)) == 50);
    INFO("open fds went from " << before << " to " << fd_count() << ": a socket leaked on the error path");
    CHECK(fd_count() == before);
    CHECK(rt.reactor().sources() == 0);
}

TEST_CASE("binding a port in use throws 'Address already in use' and leaks no fd", "[ch06][tcp]") {
    ch06::Runtime rt(1);
    ch06::Reactor::Enter enter(rt.reactor());
    auto taken = ch06::TcpListener::bind(0);
    const int before = fd_count();
    int refused = 0;
    for (int i = 0; i < 50; ++i) {
        try {
            (void)ch06::TcpListener::bind(taken.port());
        } catch (const std::system_error& e) {
            if (e.code().value() == EADDRINUSE) ++refused;
        }
    }
    CHECK(refused == 50);
    INFO("open fds went from " << before << " to " << fd_count()
                               << ": bind's socket leaked when bind() failed (own the fd before the first throw)");
    CHECK(fd_count() == before);
    CHECK(rt.reactor().sources() == 1);
}
