// Probes shared by chapter 6's tests: socket pairs, fd and thread counts, a
// reactor "settle" barrier, wakers that spy on the registry lock, and the
// delay server started as a child process on an ephemeral port.
#pragma once

#include "testing/catch.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ch06_reactor/executor.hpp"
#include "core/core.hpp"
#include "core/scope_exit.hpp"
#include "core/testing.hpp"

extern char** environ;

namespace ch06_test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// (POSIX rather than <filesystem>, which alone costs every test file 0.4 s
// of compile time: this header is in the learner's loop.)
inline int count_entries(const char* dir) {
    int n = 0;
    if (DIR* d = opendir(dir)) {
        while (dirent* e = readdir(d)) {
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) ++n;
        }
        closedir(d);
    }
    return n;
}
// Open fds of this process (the directory listing's own fd included, always).
inline int fd_count() { return count_entries("/proc/self/fd"); }
inline int thread_count() { return count_entries("/proc/self/task"); }

inline double ms_of(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Raises the soft RLIMIT_NOFILE to at least `want` (up to the hard limit).
inline bool ensure_fd_limit(rlim_t want) {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return false;
    if (rl.rlim_cur >= want) return true;
    rl.rlim_cur = std::min(want, rl.rlim_max);
    return ::setrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= want;
}

// Two connected, non-blocking Unix stream sockets: [0] is registered by the
// test, [1] is the peer the test writes to.
inline std::pair<ch06::Fd, ch06::Fd> socket_pair() {
    int fds[2];
    // No REQUIRE on success: a passing assertion here would become the
    // "reported line" of an exception the test's next call throws (a stub's
    // "not implemented yet"), and point the learner at this helper.
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0)
        FAIL("socketpair: " << std::strerror(errno));
    return {ch06::Fd(fds[0]), ch06::Fd(fds[1])};
}

inline void send_bytes(const ch06::Fd& fd, std::size_t n) {
    std::string data(n, 'x');
    REQUIRE(::send(fd.get(), data.data(), n, MSG_NOSIGNAL) == ssize_t(n));
}

// What usually hangs a test that talks over sockets.
inline const char* const io_hang_hint =
    "an I/O future that returned Pending without its waker in the registry (poll_ready), a wake lost "
    "between EAGAIN and clear_readiness (the tick), a read that treats 0 (end of stream) as 'nothing yet', "
    "or readiness cleared after a read that returned data (edge-triggered: only EAGAIN may clear the "
    "readiness, never a read that returned data)";

// Waits (yielding) until pred() holds or a generous bound passes.
template <class Pred>
bool eventually(Pred pred) {
    auto deadline = Clock::now() + core::testing::scaled(5s);
    while (!pred()) {
        if (Clock::now() > deadline) return false;
        std::this_thread::sleep_for(100us);
    }
    return true;
}

// A Wake that releases a waiting thread (a tiny parker with a token).
class Signal : public core::Wake {
public:
    void wake() override {
        std::lock_guard lock(mutex_);
        set_ = true;
        cv_.notify_all();  // under the lock: the waiter may destroy us once it sees set_
    }
    bool wait_for(std::chrono::nanoseconds d) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, d, [&] { return set_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool set_ = false;
};

// Returns once the reactor has finished a turn that began after this call:
// every event the kernel had reported before it has been handled and its
// wakes delivered. It pokes the reactor (its eventfd) and waits for two more
// finished turns (Reactor::turns(), counted by the given run loop): the
// first may have been under way at the call, the second began after it. No
// timer is involved, so the registry's tests need none of the timer code.
inline void settle(ch06::Reactor& reactor) {
    const auto done = reactor.turns();
    for (auto target : {done + 1, done + 2}) {
        reactor.poke();
        const bool turned = eventually([&] { return reactor.turns() >= target || !reactor.failure().empty(); });
        if (const std::string failure = reactor.failure(); !failure.empty())
            FAIL("the reactor thread stopped, a turn threw: " << failure);
        INFO("the reactor thread finished no turn after a poke: it is stuck inside one (epoll_wait must "
             "wait without the registry lock, and a poke, an event on the eventfd poke_, must end the wait)");
        REQUIRE(turned);
    }
}

// A waker whose wake() tries to take the registry lock from another thread
// (Reactor::sources() takes it). Delivered after the lock is released, the
// helper gets it at once; delivered under the lock, it cannot until wake()
// returns, and the probe notes that.
class RegistryLockSpy : public core::Wake {
public:
    explicit RegistryLockSpy(std::shared_ptr<ch06::Reactor> r) : reactor_(std::move(r)) {}
    void wake() override {
        auto got_lock = std::make_shared<std::promise<void>>();
        auto done = got_lock->get_future();
        std::thread helper([r = reactor_, got_lock] {
            (void)r->sources();
            got_lock->set_value();
        });
        if (done.wait_for(core::testing::scaled(2s)) != std::future_status::ready) {
            held_during_wake_.store(true);
            helper.detach();  // it finishes once the lock is released
        } else {
            helper.join();
        }
        wakes_.fetch_add(1);
    }
    int wakes() const { return wakes_.load(); }
    bool held_during_wake() const { return held_during_wake_.load(); }

private:
    std::shared_ptr<ch06::Reactor> reactor_;
    std::atomic<int> wakes_{0};
    std::atomic<bool> held_during_wake_{false};
};

// A waker whose destructor tries to take the registry lock from another
// thread (Reactor::sources() takes it) and notes whether it could within a
// generous backstop. A waker destroyed under the registry lock blocks it.
class RegistryLockOnDrop : public core::Wake {
public:
    RegistryLockOnDrop(std::shared_ptr<ch06::Reactor> r, std::shared_ptr<std::atomic<int>> blocked)
        : reactor_(std::move(r)), blocked_(std::move(blocked)) {}
    ~RegistryLockOnDrop() override {
        auto got_lock = std::make_shared<std::promise<void>>();
        auto done = got_lock->get_future();
        std::thread helper([r = reactor_, got_lock] {
            (void)r->sources();
            got_lock->set_value();
        });
        if (done.wait_for(core::testing::scaled(1s)) != std::future_status::ready) {
            blocked_->fetch_add(1);
            helper.detach();  // we may hold that lock ourselves: it gets it once it is released
        } else {
            helper.join();
        }
    }
    void wake() override {}

private:
    std::shared_ptr<ch06::Reactor> reactor_;
    std::shared_ptr<std::atomic<int>> blocked_;
};

// A waker that notes the kernel id of the thread that woke it.
class ThreadIdOfWaker : public core::Wake {
public:
    void wake() override { tid_.store(static_cast<int>(::syscall(SYS_gettid))); }
    int tid() const { return tid_.load(); }

private:
    std::atomic<int> tid_{0};
};

// Whether thread `tid` of this process is blocked in epoll_wait right now:
// /proc/self/task/<tid>/syscall starts with the number of the system call
// it sleeps in ("running" while it runs).
inline bool in_epoll_wait(int tid) {
    std::string path = "/proc/self/task/" + std::to_string(tid) + "/syscall";
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char buf[64];
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0) return false;
    buf[n] = 0;
    char* end = nullptr;
    long nr = std::strtol(buf, &end, 10);
    if (end == buf) return false;
    bool epoll = nr == SYS_epoll_pwait;
#ifdef SYS_epoll_wait
    epoll = epoll || nr == SYS_epoll_wait;
#endif
#ifdef SYS_epoll_pwait2
    epoll = epoll || nr == SYS_epoll_pwait2;
#endif
    return epoll;
}

// Installs a no-op handler for `sig` *without* SA_RESTART for the scope, so
// that a blocking system call the signal interrupts returns EINTR.
class NoRestartHandler {
public:
    explicit NoRestartHandler(int sig) : sig_(sig) {
        struct sigaction sa {};
        sa.sa_handler = [](int) {};
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0;  // no SA_RESTART
        ::sigaction(sig_, &sa, &old_);
    }
    ~NoRestartHandler() { ::sigaction(sig_, &old_, nullptr); }
    NoRestartHandler(const NoRestartHandler&) = delete;
    NoRestartHandler& operator=(const NoRestartHandler&) = delete;

private:
    int sig_;
    struct sigaction old_ {};
};

// Connected client and server ends on 127.0.0.1, made inside rt.
// Checks that every socket is non-blocking (a blocking one hangs a worker in
// read() instead of returning EAGAIN, which only shows as a hang).
inline bool is_nonblocking(int fd) { return (::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }

inline core::Async<std::pair<ch06::TcpStream, ch06::TcpStream>> make_tcp_pair() {
    auto listener = ch06::TcpListener::bind(0);
    if (!is_nonblocking(listener.fd())) FAIL("the listening socket is blocking: socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)");
    ch06::TcpStream client = co_await ch06::TcpStream::connect(listener.port());
    if (!is_nonblocking(client.fd())) FAIL("the connecting socket is blocking: socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)");
    ch06::TcpStream server = co_await listener.accept();
    if (!is_nonblocking(server.fd())) FAIL("the accepted socket is blocking: accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)");
    co_return std::make_pair(std::move(client), std::move(server));
}

// --- the delay server, as a child process ------------------------------------
// Its binary sits at the top of the build folder ($(BUILD)/delayserver), and
// the Makefile builds it before the tests. The test binary is some levels
// below: $(BUILD)/<variant>/ch06/tests, $(BUILD)/pristine/ch06/tests,
// $(BUILD)/mutants/ch06/<slug>/tests; so look in each folder above it, nearest
// first. DELAYSERVER names another one.
inline std::string delayserver_path() {
    if (const char* env = std::getenv("DELAYSERVER"); env && *env) return env;
    char buf[4096];
    ssize_t len = readlink("/proc/self/exe", buf, sizeof buf - 1);
    std::string exe = len > 0 ? std::string(buf, static_cast<std::size_t>(len)) : std::string();
    auto parent = [](const std::string& path) {
        auto slash = path.rfind('/');
        return slash == std::string::npos || slash == 0 ? std::string() : path.substr(0, slash);
    };
    for (std::string dir = parent(exe); !dir.empty(); dir = parent(dir)) {
        std::string candidate = dir + "/delayserver";
        struct stat st {};
        if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return candidate;
    }
    // Not found: name where it should be, so the failure says where to look.
    return parent(parent(parent(exe))) + "/delayserver";
}

class DelayServer {
public:
    explicit DelayServer(std::vector<std::string> extra = {}) {
        const std::string path = delayserver_path();
        INFO("the delay server should be at " << path << " (make builds it with the tests)");
        REQUIRE(access(path.c_str(), X_OK) == 0);
        std::vector<std::string> args{path, "--port", "0"};
        args.insert(args.end(), extra.begin(), extra.end());
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        int out[2];
        REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
        ch06::Fd read_end(out[0]), write_end(out[1]);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
        int rc = ::posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        REQUIRE(rc == 0);
        // A REQUIRE below that fails throws out of this constructor, and no
        // destructor runs: stop the child here, or it outlives the tests.
        core::ScopeExit stop_child([&] {
            ::kill(pid_, SIGTERM);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        });
        write_end = ch06::Fd();
        // The first line names the port: "... listening on 127.0.0.1:<port>".
        std::string line;
        auto deadline = Clock::now() + core::testing::scaled(10s);
        while (line.find('\n') == std::string::npos && Clock::now() < deadline) {
            pollfd p{read_end.get(), POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            char buf[256];
            ssize_t n = ::read(read_end.get(), buf, sizeof buf);
            if (n <= 0) break;
            line.append(buf, std::size_t(n));
        }
        INFO("the delay server's first line: \"" << line << "\"");
        auto colon = line.rfind(':');
        REQUIRE(colon != std::string::npos);
        port_ = std::uint16_t(std::stoi(line.substr(colon + 1)));
        REQUIRE(port_ != 0);
        stop_child.dismiss();
    }
    ~DelayServer() {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    DelayServer(const DelayServer&) = delete;
    DelayServer& operator=(const DelayServer&) = delete;

    std::uint16_t port() const { return port_; }
    // Still running? (a crash on bad input shows here)
    bool alive() const {
        int status = 0;
        return ::waitpid(pid_, &status, WNOHANG) == 0;
    }

private:
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

// Sends raw bytes with the chapter's own stream, then reads the whole answer.
inline core::Async<std::string> raw_exchange(std::uint16_t port, std::string bytes) {
    ch06::TcpStream stream = co_await ch06::TcpStream::connect(port);
    co_await ch06::write_all(&stream, bytes);
    std::string answer = co_await ch06::read_to_end(&stream);
    co_return answer;
}

}  // namespace ch06_test
