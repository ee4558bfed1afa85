// The resources a test case leaves behind (included by tests/main.cpp).
//
// Resources are part of a chapter's contract: when a test case ends, the
// threads and file descriptors it started or opened are gone again, and so
// are the tasks it spawned. A runtime that never joins a worker, a reactor
// thread that outlives its last owner, a socket or an eventfd nobody closes,
// a task that keeps itself alive through its own waker: each passes every
// functional test and fails here, naming what was left.
//
// Threads are read from /proc/self/task (with their names), descriptors from
// /proc/self/fd (with what they point at). A thread meant to live as long as
// the process (core::sleep_for's timer thread, named "core-timer") is
// allowed, once it exists; the watchdog's thread starts before any test.
// Tasks are counted by core::testing::live_tasks() (core/live_tasks.hpp: a
// member of every chapter's task type), a count and not a list, so the
// message says how many, not which. Allocations are not counted.
// A thread that was joined is gone at once; a detached one that is on its
// way out (a timer thread that lost its last owner) gets a moment to finish,
// and so does a task whose last owner is on another thread (a waker the
// timer thread drops a moment later): the check polls until the counts are
// back or a scaled second has passed.
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "core/live_tasks.hpp"
#include "core/testing.hpp"

namespace executor_tests {

class Resources {
public:
    // What is there now: thread ids with their names, fds with their
    // targets, the number of live tasks.
    static Resources now() {
        Resources r;
        r.tasks_ = core::testing::live_tasks();
        for (const auto& entry : list_dir("/proc/self/task")) {
            std::ifstream comm("/proc/self/task/" + entry + "/comm");
            std::string name;
            std::getline(comm, name);
            r.threads_[entry] = name;
        }
        for (const auto& entry : list_dir("/proc/self/fd")) {
            char target[PATH_MAX];
            ssize_t n = ::readlink(("/proc/self/fd/" + entry).c_str(), target, sizeof target - 1);
            r.fds_[entry] = n > 0 ? std::string(target, static_cast<std::size_t>(n)) : "?";
        }
        return r;
    }

    // What `later` has that this snapshot had not, in words ("" when nothing),
    // leaving out threads that live as long as the process; tasks by their count.
    std::string left_behind(const Resources& later) const {
        std::string threads, fds;
        int nthreads = 0, nfds = 0;
        for (const auto& [tid, name] : later.threads_) {
            if (threads_.count(tid) || lives_forever(name)) continue;
            ++nthreads;
            threads += (threads.empty() ? "" : ", ") + ("\"" + name + "\"");
        }
        for (const auto& [fd, target] : later.fds_) {
            if (fds_.count(fd) && fds_.at(fd) == target) continue;
            ++nfds;
            fds += (fds.empty() ? "" : ", ") + ("fd " + fd + " -> " + target);
        }
        // Threads first: a thread left running often holds the tasks and fds too.
        std::string what;
        auto add = [&what](const std::string& part) { what += (what.empty() ? "" : " ") + part; };
        if (nthreads)
            add(std::to_string(nthreads) + " thread(s) still running that the test case started (" + threads +
                "): every thread a runtime, executor, reactor or timer starts must be joined (or have "
                "ended) by the time its owner is gone; look at your destructor or shutdown.");
        if (nfds)
            add(std::to_string(nfds) + " file descriptor(s) still open that the test case opened (" + fds +
                "): every fd opened must be closed when its owner is dropped (a listener, a stream, a "
                "dropped future's registration, the reactor's epoll and eventfd).");
        if (long ntasks = later.tasks_ - tasks_; ntasks > 0)
            add(std::to_string(ntasks) + " task(s) still alive that the test case spawned: a task that is "
                "never freed (a reference cycle through its own waker, a reference count never given back, "
                "a finished task that keeps its future and the wakers inside it, a ready queue or channel "
                "never drained, a runtime that forgets its tasks); every task must be freed once its "
                "runtime or executor and the wakers pointing at it are gone.");
        return what;
    }

    // Polls until nothing is left behind or the limit passes; returns what is left.
    std::string settle(std::chrono::nanoseconds limit) const {
        auto give_up = std::chrono::steady_clock::now() + limit;
        for (;;) {
            std::string left = left_behind(now());
            if (left.empty() || std::chrono::steady_clock::now() >= give_up) return left;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }

private:
    static bool lives_forever(const std::string& name) { return name == "core-timer"; }

    static std::set<std::string> list_dir(const char* path) {
        std::set<std::string> names;
        DIR* dir = ::opendir(path);
        if (!dir) return names;
        const int own = ::dirfd(dir);  // the listing's own descriptor is not the test's
        while (const dirent* e = ::readdir(dir)) {
            std::string name = e->d_name;
            if (name == "." || name == ".." || name == std::to_string(own)) continue;
            names.insert(name);
        }
        ::closedir(dir);
        return names;
    }

    std::map<std::string, std::string> threads_, fds_;
    long tasks_ = 0;
};

}  // namespace executor_tests
