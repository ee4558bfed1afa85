// ch06_reactor/net_classes.hpp: the TCP classes, their data, and the parts of them you do not write (given).
//
// This file declares ReadFuture, WriteFuture, TcpStream (and its Connect
// future), TcpListener (and its Accept future). The bodies you write are in
// net.hpp (include that one): the futures' poll and destructors,
// Connect::start, TcpListener::bind. Given here: the constructors, the
// streams' and listeners' accessors, and two helpers.
//
// Every future borrows its Source (a stream or listener must outlive the
// futures it made), and `waiting_` is true exactly while the registry holds
// the future's waker.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <utility>

#include "ch06_reactor/source.hpp"
#include "core/poll.hpp"
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

class [[nodiscard]] ReadFuture {
public:
    using Output = std::size_t;
    ReadFuture(Source& source, std::span<char> buf) : source_(&source), buf_(buf) {}
    ReadFuture(ReadFuture&& o) noexcept : source_(o.source_), buf_(o.buf_), waiting_(std::exchange(o.waiting_, false)) {}
    ReadFuture& operator=(ReadFuture&&) = delete;
    ~ReadFuture();                                    // net.hpp
    core::Poll<std::size_t> poll(core::Context& cx);  // net.hpp

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
    ~WriteFuture();                                   // net.hpp
    core::Poll<std::size_t> poll(core::Context& cx);  // net.hpp

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
    core::Poll<TcpStream> poll(core::Context& cx);  // net.hpp

private:
    void start();  // net.hpp

    std::uint16_t port_;
    std::optional<TcpStream> stream_;  // the socket being connected; closed with us if it fails
};

inline TcpStream::Connect TcpStream::connect(std::uint16_t port) { return Connect(port); }

class TcpListener {
public:
    class Accept;

    static TcpListener bind(std::uint16_t port);  // net.hpp
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
    ~Accept();                                      // net.hpp
    core::Poll<TcpStream> poll(core::Context& cx);  // net.hpp

private:
    Source* source_;
    bool waiting_ = false;
};

inline TcpListener::Accept TcpListener::accept() { return Accept(*source_); }

}  // namespace ch06
