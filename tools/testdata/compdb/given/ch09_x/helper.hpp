// Given code both sides include.
#pragma once

namespace ch09 {
inline int helper() { return 1; }
}  // namespace ch09
