// ch06_reactor/net.hpp: TcpListener and TcpStream, non-blocking sockets on 127.0.0.1.
//
// YOUR PART: ReadFuture and WriteFuture (poll, destructor), Connect (poll,
// start), TcpListener::bind, Accept (poll, destructor).
//
// Contract:
// - Every socket is non-blocking and registered with the reactor of the
//   thread that made it (Reactor::current()). Each I/O future does the same
//   dance: ask the registry if the direction is ready (if not, it has kept
//   our waker: Pending); try the syscall; on EAGAIN, clear the readiness
//   with the tick we were given and ask again. A future never waits without
//   having seen EAGAIN, so no edge is missed.
// - TcpListener::bind(port) listens on 127.0.0.1 (0: the kernel picks a
//   free port; port() says which). accept() is a future of a TcpStream.
// - TcpStream::connect(port) is a future of a TcpStream connected to
//   127.0.0.1:port; a refused connection throws std::system_error.
// - stream.read(buf) is a future of the number of bytes read: > 0, or 0 at
//   end of stream (the peer closed). stream.write(buf) is a future of the
//   number of bytes written (> 0; maybe fewer than buf.size()). A reset
//   connection throws std::system_error (ECONNRESET, EPIPE): never SIGPIPE.
// - A stream or listener must outlive the futures it made (the futures
//   borrow it, as Rust's `&mut self` would). Dropping a pending future
//   withdraws its waker from the registry.
// - Every fd is owned by an Fd from the moment it exists, so no error path
//   leaks one; a stream deregisters before it closes.
//
// Rust counterpart: tokio::net::{TcpListener, TcpStream} over mio, and
// tokio's Registration::poll_read_io loop (poll_ready, syscall,
// clear_readiness on WouldBlock).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>

#include "ch06_reactor/fd.hpp"
#include "ch06_reactor/reactor.hpp"
#include "core/poll.hpp"
#include "core/todo.hpp"
#include "core/waker.hpp"

namespace ch06 {

namespace detail {

inline sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // 127.0.0.1 only, never a real interface
    return addr;
}

inline bool would_block(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

}  // namespace detail

class TcpStream;

class [[nodiscard]] ReadFuture {
public:
    using Output = std::size_t;
    ReadFuture(Source& source, std::span<char> buf) : source_(&source), buf_(buf) {}
    ReadFuture(ReadFuture&& o) noexcept : source_(o.source_), buf_(o.buf_), waiting_(std::exchange(o.waiting_, false)) {}
    ReadFuture& operator=(ReadFuture&&) = delete;
    ~ReadFuture() {
        // A task that drops this future while it waits: what must the
        // registry forget, so that no event ever wakes a task that is gone?
    }

    core::Poll<std::size_t> poll(core::Context& cx) {
        // Which answer of read() is the end of the stream, and is it Pending?
        // After a read that returned data, is the socket drained?
        (void)cx;
        core::todo("ReadFuture::poll: loop { poll_ready(read) (Pending: the registry kept our waker); "
                   "read(); data or 0 (end of stream) is Ready; EAGAIN: clear_readiness with that tick and "
                   "loop; other errors throw }; see book/ch06_reactor.md#readiness-eagain-and-the-tick");
    }

private:
    Source* source_;
    std::span<char> buf_;
    bool waiting_ = false;
};

class [[nodiscard]] WriteFuture {
public:
    using Output = std::size_t;
    WriteFuture(Source& source, std::span<const char> buf) : source_(&source), buf_(buf) {}
    WriteFuture(WriteFuture&& o) noexcept : source_(o.source_), buf_(o.buf_), waiting_(std::exchange(o.waiting_, false)) {}
    WriteFuture& operator=(WriteFuture&&) = delete;
    ~WriteFuture() {
        // The same question as ~ReadFuture's.
    }

    core::Poll<std::size_t> poll(core::Context& cx) {
        // What does a write to a peer that left do to a process by default?
        (void)cx;
        core::todo("WriteFuture::poll: the same loop as ReadFuture's, for writing, with send(MSG_NOSIGNAL) so "
                   "a peer that left is an EPIPE, never a SIGPIPE; see book/ch06_reactor.md#readiness-eagain-and-the-tick");
    }

private:
    Source* source_;
    std::span<const char> buf_;
    bool waiting_ = false;
};

class TcpStream {
public:
    class Connect;

    static Connect connect(std::uint16_t port);

    ReadFuture read(std::span<char> buf) { return ReadFuture(*source_, buf); }
    WriteFuture write(std::span<const char> buf) { return WriteFuture(*source_, buf); }
    // Half-close: the peer reads end of stream, and may still answer.
    void shutdown_write() { ::shutdown(source_->fd(), SHUT_WR); }
    int fd() const { return source_->fd(); }

    explicit TcpStream(std::unique_ptr<Source> source) : source_(std::move(source)) {}

private:
    std::unique_ptr<Source> source_;  // on the heap: futures keep its address
};

class [[nodiscard]] TcpStream::Connect {
public:
    using Output = TcpStream;
    explicit Connect(std::uint16_t port) : port_(port) {}

    core::Poll<TcpStream> poll(core::Context& cx) {
        // A non-blocking connect answers EINPROGRESS. When is it over, and
        // how do you learn whether it worked?
        (void)cx;
        core::todo("TcpStream::Connect::poll: start() once, then wait until the socket is writable and read "
                   "SO_ERROR (non-zero: throw it); not connected yet (getpeername) counts as EAGAIN; see book/ch06_reactor.md#the-io-futures");
    }

private:
    void start() {
        // Which error paths could leave the new socket open?
        (void)port_;
        core::todo("TcpStream::Connect::start: a non-blocking socket, owned by an Fd at once, connect() to "
                   "127.0.0.1:port (EINPROGRESS is fine), then a Source in stream_; see book/ch06_reactor.md#the-io-futures");
    }

    std::uint16_t port_;
    std::optional<TcpStream> stream_;  // the socket being connected; closed with us if it fails
};

inline TcpStream::Connect TcpStream::connect(std::uint16_t port) { return Connect(port); }

class TcpListener {
public:
    class Accept;

    static TcpListener bind(std::uint16_t port) {
        // Which error paths could leave the new socket open?
        (void)port;
        core::todo("TcpListener::bind: a non-blocking socket owned by an Fd before anything can throw, "
                   "SO_REUSEADDR, bind to 127.0.0.1:port, listen, then register it; see book/ch06_reactor.md#the-io-futures");
    }

    Accept accept();

    std::uint16_t port() const {
        sockaddr_in addr{};
        socklen_t len = sizeof addr;
        ::getsockname(source_->fd(), reinterpret_cast<sockaddr*>(&addr), &len);
        return ntohs(addr.sin_port);
    }
    int fd() const { return source_->fd(); }

private:
    explicit TcpListener(std::unique_ptr<Source> source) : source_(std::move(source)) {}
    std::unique_ptr<Source> source_;
};

class [[nodiscard]] TcpListener::Accept {
public:
    using Output = TcpStream;
    explicit Accept(Source& source) : source_(&source) {}
    Accept(Accept&& o) noexcept : source_(o.source_), waiting_(std::exchange(o.waiting_, false)) {}
    Accept& operator=(Accept&&) = delete;
    ~Accept() {
        // The same question as ~ReadFuture's.
    }

    core::Poll<TcpStream> poll(core::Context& cx) {
        (void)cx;
        core::todo("TcpListener::Accept::poll: the readiness loop around accept4(SOCK_NONBLOCK); a "
                   "connection that died in the backlog (ECONNABORTED) is not the listener's error; see book/ch06_reactor.md#the-io-futures");
    }

private:
    Source* source_;
    bool waiting_ = false;
};

inline TcpListener::Accept TcpListener::accept() { return Accept(*source_); }

}  // namespace ch06
