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

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concepts>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "core/core.hpp"
#include "core/testing.hpp"
#include "core/trace.hpp"
