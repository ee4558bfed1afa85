#!/usr/bin/env bash
# `make memcheck`: the core tests and the solutions' tests under valgrind:
# zero errors and zero definite or indirect leaks, or it fails.
set -uo pipefail
build=$1
scripts/deps.sh valgrind || exit 1
. scripts/slowdown.sh
set_slowdown valgrind
. scripts/report.sh
# Valgrind runs code many times slower: EXECUTOR_TEST_SLOWDOWN (scripts/slowdown.sh)
# widens the tests' time bounds and the watchdog (10 s times the factor).
under_valgrind() {
  timeout -k 5 1500 valgrind -q --error-exitcode=99 \
    --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
    --fair-sched=yes "$1"
}
for bin in "$build/core/tests" "$build"/solutions/*/tests; do
  REPORT_WIDTH=40 REPORT_TAIL=80 report_step "$bin" under_valgrind "$bin"
done
report_summary memcheck
