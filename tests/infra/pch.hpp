// The precompiled header of every test file: Catch2, the standard library
// headers the chapters use, and the given primitives. None of these change
// while a learner works, so they are parsed once per build configuration
// (build/<config>/pch/) instead of once per test file. The chapter's own
// headers are never in here: an edit to exercises/ must rebuild only the
// test files that include the edited header.
//
// A test file still includes what it uses: the precompiled header is a
// speed-up, not a way to skip includes (compile_commands.json, which editors
// read, does not use it).

#include "testing/catch.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cctype>
#include <cerrno>
#include <climits>
#include <concepts>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <exception>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <iterator>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <queue>
#include <semaphore>
#include <set>
#include <span>
#include <sstream>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

// The POSIX headers the chapters' reactor, tests and servers use.
#include <arpa/inet.h>
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/core.hpp"
#include "core/testing.hpp"
#include "core/trace.hpp"
