#!/usr/bin/env bash
# `make bench`: builds every bench/*.cpp against solutions/ at -O2 and runs it.
# Benchmarks print ratios measured side by side in one run; they never fail
# on a number (tests assert behaviour, benchmarks report figures).
set -euo pipefail
build=$1
shopt -s nullglob
benches=(bench/*.cpp)
if [ ${#benches[@]} -eq 0 ]; then echo "bench: no benchmark programs yet (bench/*.cpp)"; exit 0; fi
# The peers (asio, oneTBB) come from Debian's packages: installed as root,
# otherwise named with the command; without them their rows are left out.
[ -x bench/deps.sh ] && { bench/deps.sh || echo "bench: going on without the missing peers"; }
for src in "${benches[@]}"; do
  name=$(basename "$src" .cpp)
  make -s "$build/bench/$name"
  echo "=== $name"
  "$build/bench/$name" ${BENCH_ARGS:-}
done
