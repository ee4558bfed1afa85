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
#include <string>
#include <string_view>

namespace core {

// Deliberately not a std::logic_error: tests check that misuse throws
// logic_error, and a stub must not pass such a check by accident.
class NotImplemented : public std::exception {
public:
    explicit NotImplemented(std::string_view what) : message_("not implemented yet: " + std::string(what)) {}
    const char* what() const noexcept override { return message_.c_str(); }

private:
    std::string message_;
};

[[noreturn]] inline void todo(std::string_view what) { throw NotImplemented(what); }

}  // namespace core
