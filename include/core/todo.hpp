// core/todo.hpp: the "not implemented yet" marker every exercise stub uses.
//
// Contract: core::todo("what to write, and where") throws core::NotImplemented,
// whose what() starts with "not implemented yet: ". The test runner recognises
// the prefix, so a chapter's tests fail with a message that tells the learner
// what to do next rather than hanging or crashing.
//
// Rust counterpart: the `todo!()` macro.
#pragma once

#include <exception>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace core {

namespace detail {
// The first todo() reached since the test runner last asked, on any thread:
// a stub called on a worker thread may throw where no test sees it (a runtime
// catches a task's exception and reports it on stderr), and the test then
// fails or hangs for a reason it cannot name. The test main reads this after
// each test case and names the stub in its summary.
struct TodoSeen {
    std::mutex mutex;
    std::string first;
};
inline TodoSeen& todo_seen() {
    static TodoSeen seen;
    return seen;
}
inline std::string take_todo_seen() {
    auto& s = todo_seen();
    std::lock_guard lock(s.mutex);
    return std::exchange(s.first, std::string());
}
}  // namespace detail

// Deliberately not a std::logic_error: tests check that misuse throws
// logic_error, and a stub must not pass such a check by accident.
class NotImplemented : public std::exception {
public:
    explicit NotImplemented(std::string_view what) : message_("not implemented yet: " + std::string(what)) {}
    const char* what() const noexcept override { return message_.c_str(); }

private:
    std::string message_;
};

[[noreturn]] inline void todo(std::string_view what) {
    NotImplemented e(what);
    {
        auto& seen = detail::todo_seen();
        std::lock_guard lock(seen.mutex);
        if (seen.first.empty()) seen.first = e.what();
    }
    throw e;
}

}  // namespace core
