#!/usr/bin/env bash
# bench/deps.sh: the benchmark's peers, asio and oneTBB, from Debian's packages.
# As root it installs them; otherwise it prints the exact command.
# --check only says what is missing.
set -euo pipefail
missing=()
[ -f /usr/include/asio.hpp ] || missing+=(libasio-dev)
[ -f /usr/include/tbb/task_group.h ] || [ -f /usr/include/oneapi/tbb/task_group.h ] || missing+=(libtbb-dev)
command -v valgrind >/dev/null || missing+=(valgrind)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "${1:-}" = "--check" ]; then
  echo "bench: missing ${missing[*]} (make bench-deps installs them, or: sudo apt-get install -y ${missing[*]})"
  exit 1
fi
if [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${missing[@]}" || { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; }
else
  echo "bench: run: sudo apt-get install -y ${missing[*]}"
  exit 1
fi
