// The reference of exercises/ch09_x/answer.hpp.
#pragma once
#include "ch09_x/helper.hpp"

namespace ch09 {
inline int answer() { return helper() * 42; }
}  // namespace ch09
