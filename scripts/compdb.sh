#!/usr/bin/env bash
# Prints compile_commands.json for clangd and other editors. Chapter tests are
# listed against exercises/, the files a learner edits.
set -euo pipefail
cxx=${1:-g++}
dir=$(pwd)
flags="-std=c++20 -Wall -Wextra -Werror -pthread -Iinclude"
entries=()
add() {  # add <file> <extra flags>
  entries+=("  {\"directory\": \"$dir\", \"file\": \"$1\", \"command\": \"$cxx $flags $2 -c $1\"}")
}
for f in tests/main.cpp tests/core/*.cpp tools/*.cpp; do [ -f "$f" ] && add "$f" ""; done
for f in bench/*.cpp; do [ -f "$f" ] && add "$f" "-Isolutions -Igiven"; done
for ch in ch[0-9][0-9]_*/; do
  ch=${ch%/}
  for f in "$ch"/tests/*.cpp; do [ -f "$f" ] && add "$f" "-Iexercises -Igiven -I$ch/tests"; done
  [ -f "$ch/demo.cpp" ] && add "$ch/demo.cpp" "-Iexercises -Igiven"
done
echo "["
for i in "${!entries[@]}"; do
  sep=","; [ "$i" -eq $((${#entries[@]} - 1)) ] && sep=""
  echo "${entries[$i]}$sep"
done
echo "]"
