// ch06_reactor/http.hpp: a tiny HTTP/1.1 GET over TcpStream (given).
//
// Contract:
// - write_all(stream, data) writes every byte (write() may take fewer).
// - http_get(port, path) connects to 127.0.0.1:port, sends
//   `GET <path> HTTP/1.1` with `Connection: close`, reads the answer to the
//   end of the stream and returns its status and body. A body shorter than
//   its Content-Length (the server closed in the middle of the answer) is a
//   std::runtime_error that says so, never a hang; an answer that is not
//   HTTP is one too.
// - Coroutine parameters are values or pointers, never references (a
//   spawned coroutine outlives its caller's locals).
//
// Not the exercise: this is what the tests and the demo fetch with.
#pragma once

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <stdexcept>
#include <string>

#include "ch06_reactor/net.hpp"
#include "core/async.hpp"

namespace ch06 {

struct HttpResponse {
    int status = 0;
    std::string body;
};

inline core::Async<void> write_all(TcpStream* stream, std::string data) {
    std::size_t sent = 0;
    while (sent < data.size()) sent += co_await stream->write(std::span<const char>(data).subspan(sent));
}

// Everything the peer sends until it closes (at most `limit` bytes).
inline core::Async<std::string> read_to_end(TcpStream* stream, std::size_t limit = 1 << 20) {
    std::string all;
    char buf[4096];
    for (;;) {
        std::size_t n = co_await stream->read(std::span<char>(buf));
        if (n == 0) co_return all;
        all.append(buf, n);
        if (all.size() > limit) throw std::runtime_error("http: answer larger than " + std::to_string(limit) + " bytes");
    }
}

inline HttpResponse parse_response(const std::string& raw) {
    auto head_end = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/1.", 0) != 0 || raw.size() < 12 || head_end == std::string::npos)
        throw std::runtime_error("http: the server closed the connection after " + std::to_string(raw.size()) +
                                 " bytes, before a complete HTTP head");
    HttpResponse r;
    r.status = std::atoi(raw.c_str() + 9);
    r.body = raw.substr(head_end + 4);
    std::string head = raw.substr(0, head_end);
    for (auto& c : head) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (auto at = head.find("\r\ncontent-length:"); at != std::string::npos) {
        std::size_t expected = std::strtoul(head.c_str() + at + 17, nullptr, 10);
        if (r.body.size() < expected)
            throw std::runtime_error("http: the server closed the connection in the middle of the answer: " +
                                     std::to_string(r.body.size()) + " of " + std::to_string(expected) +
                                     " body bytes arrived");
        r.body.resize(expected);
    }
    return r;
}

inline core::Async<HttpResponse> http_get(std::uint16_t port, std::string path) {
    TcpStream stream = co_await TcpStream::connect(port);
    co_await write_all(&stream, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                                    "\r\nConnection: close\r\n\r\n");
    std::string raw = co_await read_to_end(&stream);
    co_return parse_response(raw);
}

}  // namespace ch06
