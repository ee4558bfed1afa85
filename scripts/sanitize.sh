#!/usr/bin/env bash
# `make sanitize`: the core tests and every chapter's tests against solutions/,
# built and run under AddressSanitizer+UndefinedBehaviorSanitizer and, apart,
# ThreadSanitizer, at -O0 and -O2, with g++ and clang++. Any report fails it.
# Narrow it with SANITIZE_COMPILERS="g++", SANITIZE_MODES="thread",
# SANITIZE_OPTS="-O2" (CI runs a subset; see .ci/run).
set -uo pipefail
compilers=${SANITIZE_COMPILERS:-g++ clang++}
modes=${SANITIZE_MODES:-address thread}
opts=${SANITIZE_OPTS:--O0 -O2}
jobs=$(nproc 2>/dev/null || echo 2)
passed=0 failed=0
for cxx in $compilers; do
  for san in $modes; do
    for opt in $opts; do
      label="$cxx SAN=$san OPT=\"$opt -g\""
      echo "=== sanitize: $label"
      if ! make -s deps CXX="$cxx" SAN="$san" || ! make -j"$jobs" -O -s solution-binaries CXX="$cxx" SAN="$san" OPT="$opt -g"; then
        echo "  FAIL  build with $label"; failed=$((failed + 1)); continue
      fi
      build=$(make -s print-build CXX="$cxx" SAN="$san" OPT="$opt -g")
      for bin in "$build/core/tests" "$build/model/tests" "$build"/solutions/*/tests; do
        start=$SECONDS
        if out=$(SAN="$san" scripts/run_tests.sh --quiet "$bin" 2>&1); then
          passed=$((passed + 1)); printf '  ok    %-40s %3ss\n' "$bin" $((SECONDS - start))
        else
          failed=$((failed + 1)); printf '  FAIL  %-40s %3ss\n' "$bin" $((SECONDS - start))
          echo "$out" | tail -n 60 | sed 's/^/        | /'
        fi
      done
    done
  done
done
echo
echo "sanitize: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
