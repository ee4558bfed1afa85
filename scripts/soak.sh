#!/usr/bin/env bash
# `make soak`: the reference's whole suite (core, models, every chapter's tests)
# SOAK_RUNS times back to back (default 20) beside SOAK_BUSY busy loops
# (`yes > /dev/null`, default 2), then the list of failures. A test that fails
# here on the reference is a flake: make it event-driven, or write its time
# bound with core::testing::scaled() (the load factor of scripts/slowdown.sh).
#   BUILD=build/g++-O1-g soak.sh ch01 ch02 ...   (binaries already built)
set -uo pipefail
: "${BUILD:?BUILD must name the build directory}"
runs=${SOAK_RUNS:-20}
busy=${SOAK_BUSY:-2}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM
for _ in $(seq 1 "$busy"); do yes >/dev/null & pids+=($!); done

bins=("$BUILD/core/tests" "$BUILD/model/tests")
for id in "$@"; do bins+=("$BUILD/solutions/$id/tests"); done
echo "soak: ${#bins[@]} test binaries, $runs runs, beside $busy busy loops (load now $(cut -d' ' -f1 /proc/loadavg))"
failures=() start=$SECONDS
for run in $(seq 1 "$runs"); do
  t=$SECONDS bad=0
  for bin in "${bins[@]}"; do
    if ! out=$(scripts/run_tests.sh --quiet "$bin" 2>&1); then
      bad=$((bad + 1))
      what=$(grep -E '^  (FAIL|HANG|CRASH) ' <<<"$out" | sed -E 's/^ +//' | head -n 3 | tr '\n' ';')
      failures+=("run $run: $bin: ${what:-see the log below}")
      echo "$out" | tail -n 40 | sed 's/^/    | /'
    fi
  done
  echo "soak: run $run/$runs: $bad failing binaries ($((SECONDS - t)) s, load $(cut -d' ' -f1 /proc/loadavg), slowdown factor $(. scripts/slowdown.sh; slowdown_factor ""))"
done
echo
if [ ${#failures[@]} -eq 0 ]; then
  echo "soak: $runs runs of ${#bins[@]} binaries beside $busy busy loops, 0 failures ($((SECONDS - start)) s)"
else
  echo "soak: ${#failures[@]} failure(s) in $runs runs ($((SECONDS - start)) s):"
  printf '  %s\n' "${failures[@]}"
  exit 1
fi
