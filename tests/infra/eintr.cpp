// EINTR on demand (linked with the test main into every test binary):
// core::testing::fail_next_read_with_eintr(fd) and fail_next_accept_with_eintr(fd)
// (core/testing.hpp) make the next read(2) or accept4(2) on that fd, from any
// thread, fail once with EINTR, as a signal that interrupts the call does.
//
// Why: "EINTR means try again" is a rule for every system-call loop, but a
// non-blocking read or accept4 never sleeps, so no real signal can interrupt
// it, and a loop that treats EINTR as an error passes every test. Here it
// meets one on the call a test chose.
//
// How: as tests/infra/wakeups.cpp does for the condition variables, this file
// defines the C functions themselves; a symbol in the executable or in a
// library loaded before libc wins the dynamic linker's lookup. Anything not
// armed goes straight to libc's function. Off under ThreadSanitizer (it
// intercepts these calls itself, to follow file descriptors); there the
// functions above arm nothing, and eintr_injected() stays 0.
#undef _FORTIFY_SOURCE  // (a fortified <unistd.h> makes read an inline wrapper)
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <atomic>
#include <cstdlib>

#include "core/testing.hpp"

namespace {
std::atomic<int> read_fd{-1};    // the fd whose next read fails, -1: none
std::atomic<int> accept_fd{-1};  // the fd whose next accept4 fails, -1: none
std::atomic<long> injected{0};

// True (once) when `fd` is the armed one: the call fails with EINTR.
[[maybe_unused]] bool take(std::atomic<int>& armed, int fd) {
    int want = fd;
    if (fd < 0 || !armed.compare_exchange_strong(want, -1)) return false;
    injected.fetch_add(1);
    errno = EINTR;
    return true;
}

template <typename F>
[[maybe_unused]] F real(const char* name) {
    void* f = dlsym(RTLD_NEXT, name);
    if (!f) std::abort();
    return reinterpret_cast<F>(f);
}
}  // namespace

void core::testing::fail_next_read_with_eintr(int fd) {
    if (CORE_TESTING_CONDVAR_HOOKS) read_fd.store(fd);
}
void core::testing::fail_next_accept_with_eintr(int fd) {
    if (CORE_TESTING_CONDVAR_HOOKS) accept_fd.store(fd);
}
long core::testing::eintr_injected() { return injected.load(); }

#if CORE_TESTING_CONDVAR_HOOKS
extern "C" ssize_t read(int fd, void* buf, size_t count) {
    using F = ssize_t (*)(int, void*, size_t);
    static const F call = real<F>("read");
    if (take(read_fd, fd)) return -1;
    return call(fd, buf, count);
}

extern "C" int accept4(int fd, struct sockaddr* addr, socklen_t* len, int flags) {
    using F = int (*)(int, struct sockaddr*, socklen_t*, int);
    static const F call = real<F>("accept4");
    if (take(accept_fd, fd)) return -1;
    return call(fd, addr, len, flags);
}
#endif
