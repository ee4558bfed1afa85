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
#include "core/todo.hpp"
#include "core/waker.hpp"

namespace ch06 {

inline ReadFuture::~ReadFuture() {
    // A task that drops this future while it waits: what must the
    // registry forget, so that no event ever wakes a task that is gone?
}

inline core::Poll<std::size_t> ReadFuture::poll(core::Context& cx) {
    // Which answer of read() is the end of the stream, and is it Pending?
    // After a read that returned data, is the socket drained?
    (void)cx;
    core::todo("ReadFuture::poll: loop { poll_ready(read) (Pending: the registry kept our waker); "
               "read(); data or 0 (end of stream) is Ready; EAGAIN: clear_readiness with that tick and "
               "loop; other errors throw }; see book/ch06_reactor.md#readiness-eagain-and-the-tick");
}

inline WriteFuture::~WriteFuture() {
    // The same question as ~ReadFuture's.
}

inline core::Poll<std::size_t> WriteFuture::poll(core::Context& cx) {
    // What does a write to a peer that left do to a process by default?
    (void)cx;
    core::todo("WriteFuture::poll: the same loop as ReadFuture's, for writing, with send(MSG_NOSIGNAL) so "
               "a peer that left is an EPIPE, never a SIGPIPE; see book/ch06_reactor.md#readiness-eagain-and-the-tick");
}

inline core::Poll<TcpStream> TcpStream::Connect::poll(core::Context& cx) {
    // A non-blocking connect answers EINPROGRESS. When is it over, and
    // how do you learn whether it worked?
    (void)cx;
    core::todo("TcpStream::Connect::poll: start() once, then wait until the socket is writable and read "
               "SO_ERROR (non-zero: throw it); not connected yet (getpeername) counts as EAGAIN; see book/ch06_reactor.md#the-io-futures");
}

inline void TcpStream::Connect::start() {
    // Which error paths could leave the new socket open?
    (void)port_;
    core::todo("TcpStream::Connect::start: a non-blocking socket, owned by an Fd at once, connect() to "
               "127.0.0.1:port (EINPROGRESS is fine), then a Source in stream_; see book/ch06_reactor.md#the-io-futures");
}

inline TcpListener TcpListener::bind(std::uint16_t port) {
    // Which error paths could leave the new socket open?
    (void)port;
    core::todo("TcpListener::bind: a non-blocking socket owned by an Fd before anything can throw, "
               "SO_REUSEADDR, bind to 127.0.0.1:port, listen, then register it; see book/ch06_reactor.md#the-io-futures");
}

inline TcpListener::Accept::~Accept() {
    // The same question as ~ReadFuture's.
}

inline core::Poll<TcpStream> TcpListener::Accept::poll(core::Context& cx) {
    (void)cx;
    core::todo("TcpListener::Accept::poll: the readiness loop around accept4(SOCK_NONBLOCK); a "
               "connection that died in the backlog (ECONNABORTED) is not the listener's error; see book/ch06_reactor.md#the-io-futures");
}

}  // namespace ch06
