#!/usr/bin/env bash
# `make sanitize`: the core tests, the protocol models and every chapter's
# tests against solutions/, built and run under AddressSanitizer +
# UndefinedBehaviorSanitizer and, apart, ThreadSanitizer, at -O0 and -O2,
# with g++ and clang++: eight builds. Any sanitizer report fails the run.
# SANITIZE_CONFIGS="g++:thread:-O2 clang++:address:-O0" picks configurations
# (compiler:sanitizer:optimisation); CI runs four of them (see .ci/run).
set -uo pipefail
default=""
for cxx in g++ clang++; do for san in address thread; do for opt in -O0 -O2; do
  default+="$cxx:$san:$opt "
done; done; done
configs=${SANITIZE_CONFIGS:-$default}
jobs=$(nproc 2>/dev/null || echo 2)
. scripts/report.sh
for config in $configs; do
  IFS=: read -r cxx san opt <<<"$config"
  label="CXX=$cxx SAN=$san OPT=\"$opt -g\""
  echo "=== sanitize: $label"
  if ! make -s deps CXX="$cxx" SAN="$san" ||
     ! make -j"$jobs" -O -s solution-binaries CXX="$cxx" SAN="$san" OPT="$opt -g"; then
    report_step "build with $label" false; continue
  fi
  build=$(make -s print-build CXX="$cxx" SAN="$san" OPT="$opt -g")
  for bin in "$build/core/tests" "$build/model/tests" "$build"/solutions/*/tests; do
    REPORT_WIDTH=48 report_step "$bin" env SAN="$san" scripts/run_tests.sh --quiet "$bin"
  done
done
report_summary sanitize
