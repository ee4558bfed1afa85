#!/usr/bin/env bash
# Prints compile_commands.json for clangd and other editors (make deps writes
# it). Every file a learner opens has an entry of its own, so no editor has to
# guess one from a nearby file: an exercises/ or given/ header borrowing
# bench/executors.cpp's `-Isolutions` would send go-to-definition into the
# reference. The include path is the Makefile's:
#   chapter tests, exercises/ and given/ headers   -Iinclude -Iexercises -Igiven -IchNN_name/tests
#   solutions/ headers, bench/, the delay server   -Iinclude -Isolutions -Igiven (the reference)
#   tests/, include/, tools/                       -Iinclude
# A header's entry reads it as a header (-x c++-header) and only checks it
# (-fsyntax-only: with -c, g++ would leave a precompiled .gch beside it, which
# it then prefers to the header). Run by hand, g++ still reports "#pragma once
# in main file" for any header; clang++ and clangd do not. No compiler runs
# here: make deps rebuilds this file when a file is added or removed.
# The learner's entries carry the loop's LEARNER_WARN too (the Makefile passes
# it), so an editor shows an unused field as make check-chNN does: a warning.
# scripts/compdb_check.sh (make test) checks the result.
#   scripts/compdb.sh [CXX [LEARNER_WARN]] > compile_commands.json
set -euo pipefail
cxx=${1:-g++}
learner_warn=${2:-}
json_string() {  # the JSON form of a string: \ and " escaped
  local s=${1//\\/\\\\}
  printf '"%s"' "${s//\"/\\\"}"
}
dir=$(json_string "$(pwd)")
flags="-std=c++20 -Wall -Wextra -Werror -pthread -Iinclude"
entries=()
add() {  # add <file> <extra flags>: a source file, compiled as the Makefile does
  entries+=("  {\"directory\": $dir, \"file\": \"$1\", \"command\": \"$cxx $flags${2:+ $2} -c $1\"}")
}
add_header() {  # add_header <file> <extra flags>
  entries+=("  {\"directory\": $dir, \"file\": \"$1\", \"command\": \"$cxx -x c++-header $flags${2:+ $2} -fsyntax-only $1\"}")
}
exists() { [ -f "$1" ]; }

for f in tests/main.cpp tests/core/*.cpp tests/model/*.cpp tests/infra/*.cpp tools/*.cpp; do exists "$f" && add "$f" ""; done
for f in include/*/*.hpp tests/*/*.hpp; do exists "$f" && add_header "$f" ""; done
# The benchmark and the demos build without the live-task count (the Makefile's -DCORE_NO_LIVE_TASKS).
for f in bench/*.cpp; do exists "$f" && add "$f" "-DCORE_NO_LIVE_TASKS -Isolutions -Igiven"; done
exists ch06_reactor/delayserver.cpp && add ch06_reactor/delayserver.cpp "-Isolutions -Igiven"
for ch in ch[0-9][0-9]_*/; do
  ch=${ch%/}
  learner="${learner_warn:+$learner_warn }-Iexercises -Igiven -I$ch/tests"
  for f in "$ch"/tests/*.cpp; do exists "$f" && add "$f" "$learner"; done
  for f in "$ch"/tests/*.hpp exercises/"$ch"/*.hpp exercises/"$ch"/*.h given/"$ch"/*.hpp given/"$ch"/*.h; do
    exists "$f" && add_header "$f" "$learner"
  done
  for f in solutions/"$ch"/*.hpp solutions/"$ch"/*.h; do exists "$f" && add_header "$f" "-Isolutions -Igiven -I$ch/tests"; done
  exists "$ch/demo.cpp" && add "$ch/demo.cpp" "-DCORE_NO_LIVE_TASKS${learner_warn:+ $learner_warn} -Iexercises -Igiven"
done
echo "["
for i in "${!entries[@]}"; do
  sep=","; [ "$i" -eq $((${#entries[@]} - 1)) ] && sep=""
  echo "${entries[$i]}$sep"
done
echo "]"
