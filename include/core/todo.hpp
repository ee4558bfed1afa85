// core/todo.hpp: the "not implemented yet" marker every exercise stub uses.
//
// Contract: core::todo("what to write, and where") throws core::NotImplemented,
// whose what() starts with "not implemented yet: ". The test runner recognises
// the prefix, so a chapter's tests fail with a message that tells the learner
// what to do next rather than hanging or crashing.
//
// Rust counterpart: the `todo!()` macro.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace core {

class NotImplemented : public std::logic_error {
public:
    explicit NotImplemented(std::string_view what)
        : std::logic_error("not implemented yet: " + std::string(what)) {}
};

[[noreturn]] inline void todo(std::string_view what) { throw NotImplemented(what); }

}  // namespace core
