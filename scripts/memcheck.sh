#!/usr/bin/env bash
# `make memcheck`: the core tests and the solutions' tests under valgrind:
# zero errors and zero definite or indirect leaks, or it fails.
set -uo pipefail
build=$1
scripts/deps.sh valgrind || exit 1
. scripts/slowdown.sh
set_slowdown valgrind
passed=0 failed=0
for bin in "$build/core/tests" "$build"/solutions/*/tests; do
  start=$SECONDS
  # Valgrind runs code many times slower: EXECUTOR_TEST_SLOWDOWN (scripts/slowdown.sh)
  # widens the tests' time bounds and the watchdog (10 s times the factor).
  if out=$(timeout -k 5 1500 valgrind -q --error-exitcode=99 \
        --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
        --fair-sched=yes "$bin" 2>&1); then
    passed=$((passed + 1)); printf '  ok    %-40s %4ss\n' "$bin" $((SECONDS - start))
  else
    failed=$((failed + 1)); printf '  FAIL  %-40s %4ss\n' "$bin" $((SECONDS - start))
    echo "$out" | tail -n 80 | sed 's/^/        | /'
  fi
done
echo
echo "memcheck: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
