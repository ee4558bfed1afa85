// Given code that includes the learner's file: it must find exercises/'s.
#pragma once
#include "ch09_x/answer.hpp"

namespace ch09 {
inline int run() { return answer(); }
}  // namespace ch09
