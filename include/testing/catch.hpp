// testing/catch.hpp: Catch2 for the tests, whichever major version is here.
// Every test file, probes.hpp and the test main include this instead of a
// Catch2 header, so the same tests build against
//   Catch2 v2 (Debian 12's `catch2`: one header, <catch2/catch.hpp>) and
//   Catch2 v3 (Debian 13's and Ubuntu 24.04's `libcatch2-dev`:
//              <catch2/catch_all.hpp> and libCatch2.a, which the Makefile links).
// v3 comes first: `make test-catch2-v3` puts an unpacked v3 on the include
// path (-isystem) of a machine that also has v2 installed.
//
// It lives in include/ because that folder is on the include path of every
// test build (chapter tests, tests/core, tests/model, tests/infra and the
// precompiled header); no program outside the tests includes it.
//
// Below, the few names the tests use that v3 renamed, spelled as in v2.
#pragma once

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>

#include <string>

namespace Catch {
// v2's string matcher Catch::Contains("text") is Catch::Matchers::ContainsSubstring
// in v3 (v3's Matchers::Contains is the matcher for an element of a range).
inline Matchers::StringContainsMatcher Contains(std::string const& text,
                                                CaseSensitive cs = CaseSensitive::Yes) {
    return Matchers::ContainsSubstring(text, cs);
}
}  // namespace Catch

#elif __has_include(<catch2/catch.hpp>)
#include <catch2/catch.hpp>
#else
#error "Catch2 is not installed: make deps installs it (Debian 12: catch2, Debian 13 / Ubuntu 24.04: libcatch2-dev)"
#endif
