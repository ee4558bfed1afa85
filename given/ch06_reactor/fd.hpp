// ch06_reactor/fd.hpp: Fd, the one owner of a file descriptor, and errno as an exception (given).
//
// Contract:
// - Fd owns one descriptor and closes it exactly once: in its destructor, or
//   when another descriptor is moved into it. Move-only. get() lends it;
//   release() gives it up without closing it.
// - throw_errno(what) throws std::system_error with errno's code and a
//   message that starts with `what` ("connect to 127.0.0.1:8080: Connection
//   refused"), so a test can name both the call and the reason.
//
// Rust counterpart: std::os::fd::OwnedFd; std::io::Error::last_os_error().
#pragma once

#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

namespace ch06 {

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) noexcept : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            close();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { close(); }

    int get() const noexcept { return fd_; }
    bool valid() const noexcept { return fd_ >= 0; }
    int release() noexcept { return std::exchange(fd_, -1); }

private:
    void close() noexcept {
        // No retry on EINTR: on Linux the descriptor is gone either way, and
        // closing it again could close a descriptor another thread just got.
        if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    }
    int fd_ = -1;
};

[[noreturn]] inline void throw_errno(const std::string& what, int error = errno) {
    throw std::system_error(error, std::generic_category(), what);
}

}  // namespace ch06
