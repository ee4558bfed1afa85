// ch06_reactor/net.hpp: TcpListener and TcpStream, non-blocking sockets on 127.0.0.1.
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
// The classes, their data and constructors: net_classes.hpp (given).
//
// Rust counterpart: tokio::net::{TcpListener, TcpStream} over mio, and
// tokio's Registration::poll_read_io loop (poll_ready, syscall,
// clear_readiness on WouldBlock).
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "ch06_reactor/fd.hpp"
#include "ch06_reactor/net_classes.hpp"
#include "ch06_reactor/reactor.hpp"
#include "core/poll.hpp"
#include "core/waker.hpp"

namespace ch06 {

// [book:read_future]
inline ReadFuture::~ReadFuture() {
    if (waiting_) source_->drop_interest(Interest::read);  // no wake for a dropped future
}

inline core::Poll<std::size_t> ReadFuture::poll(core::Context& cx) {
    for (;;) {
        auto ready = source_->poll_ready(Interest::read, cx);
        if (ready.is_pending()) {
            waiting_ = true;  // the registry holds our waker
            return core::Poll<std::size_t>::pending();
        }
        waiting_ = false;
        ssize_t n = ::read(source_->fd(), buf_.data(), buf_.size());
        if (n >= 0) return std::size_t(n);  // 0: end of stream. Readiness stays: more may be buffered
        if (detail::would_block(errno)) {
            source_->clear_readiness(Interest::read, ready.value());  // drained: wait for the next edge
            continue;
        }
        if (errno == EINTR) continue;
        throw_errno("read from fd " + std::to_string(source_->fd()));
    }
}
// [/book:read_future]

inline WriteFuture::~WriteFuture() {
    if (waiting_) source_->drop_interest(Interest::write);
}

// [book:write_poll]
inline core::Poll<std::size_t> WriteFuture::poll(core::Context& cx) {
    for (;;) {
        auto ready = source_->poll_ready(Interest::write, cx);
        if (ready.is_pending()) {
            waiting_ = true;
            return core::Poll<std::size_t>::pending();
        }
        waiting_ = false;
        // MSG_NOSIGNAL: a peer that went away is an EPIPE for this call,
        // not a SIGPIPE that kills the whole process.
        ssize_t n = ::send(source_->fd(), buf_.data(), buf_.size(), MSG_NOSIGNAL);
        if (n >= 0) return std::size_t(n);
        if (detail::would_block(errno)) {
            source_->clear_readiness(Interest::write, ready.value());
            continue;
        }
        if (errno == EINTR) continue;
        throw_errno("write to fd " + std::to_string(source_->fd()));
    }
}
// [/book:write_poll]

// [book:connect]
inline core::Poll<TcpStream> TcpStream::Connect::poll(core::Context& cx) {
    if (!stream_) start();
    for (;;) {
        auto ready = stream_->source_->poll_ready(Interest::write, cx);
        if (ready.is_pending()) return core::Poll<TcpStream>::pending();
        // Writable means the handshake ended, well or badly: SO_ERROR says which.
        int error = 0;
        socklen_t len = sizeof error;
        ::getsockopt(stream_->fd(), SOL_SOCKET, SO_ERROR, &error, &len);
        if (error != 0) throw_errno("connect to 127.0.0.1:" + std::to_string(port_), error);
        sockaddr_in peer{};
        socklen_t peer_len = sizeof peer;
        if (::getpeername(stream_->fd(), reinterpret_cast<sockaddr*>(&peer), &peer_len) == 0)
            return std::move(*stream_);
        // Not connected yet: this was the optimistic first try, connect's EAGAIN.
        stream_->source_->clear_readiness(Interest::write, ready.value());
    }
}

inline void TcpStream::Connect::start() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw_errno("socket");
    Fd owner(fd);  // from here on, every throw closes it
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // small requests go out at once
    sockaddr_in addr = detail::loopback(port_);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 && errno != EINPROGRESS)
        throw_errno("connect to 127.0.0.1:" + std::to_string(port_));
    stream_.emplace(std::make_unique<Source>(Reactor::current(), std::move(owner)));
}
// [/book:connect]

// [book:bind]
inline TcpListener TcpListener::bind(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw_errno("socket");
    Fd owner(fd);  // owned before the first throw below: each one closes it
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr = detail::loopback(port);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
        throw_errno("bind 127.0.0.1:" + std::to_string(port));
    if (::listen(fd, SOMAXCONN) < 0) throw_errno("listen");
    return TcpListener(std::make_unique<Source>(Reactor::current(), std::move(owner)));
}
// [/book:bind]

// [book:accept]
inline TcpListener::Accept::~Accept() {
    if (waiting_) source_->drop_interest(Interest::read);
}

inline core::Poll<TcpStream> TcpListener::Accept::poll(core::Context& cx) {
    for (;;) {
        auto ready = source_->poll_ready(Interest::read, cx);
        if (ready.is_pending()) {
            waiting_ = true;
            return core::Poll<TcpStream>::pending();
        }
        waiting_ = false;
        int fd = ::accept4(source_->fd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            Fd owner(fd);
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            return TcpStream(std::make_unique<Source>(source_->reactor(), std::move(owner)));
        }
        if (detail::would_block(errno)) {
            source_->clear_readiness(Interest::read, ready.value());
            continue;
        }
        // A connection that died in the backlog is not the listener's error.
        if (errno == EINTR || errno == ECONNABORTED) continue;
        throw_errno("accept on fd " + std::to_string(source_->fd()));
    }
}
// [/book:accept]

}  // namespace ch06
