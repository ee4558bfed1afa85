#!/usr/bin/env bash
# Runs one test binary and tells the learner what happened and what to do next.
#   run_tests.sh [--chapter ch01 --dir ch01_single_future --variant exercises|solutions|core]
#                [--quiet] [--stress N] BINARY [catch args...]
# A hang inside a test case is caught by the watchdog in tests/main.cpp
# (exit 124, names the test); `timeout` is the backstop for a hang outside any
# test case (a static destructor, a thread that never joins).
# --stress N runs the [race] tests N times in shuffled order with fresh random
# seeds and prints the seed of a failure, so the run can be replayed.
set -uo pipefail
chapter="" dir="" variant="" quiet="" stress=""
while [ $# -gt 0 ]; do
  case "$1" in
    --chapter) chapter=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --variant) variant=$2; shift 2 ;;
    --quiet) quiet=1; shift ;;
    --stress) stress=$2; shift 2 ;;
    *) break ;;
  esac
done
bin=$1; shift
limit=${TEST_TIME_LIMIT:-600}

# Sanitizers: stop at the first report and make it fail the run.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
if [ -n "${SAN:-}" ]; then export WATCHDOG_SECONDS=${WATCHDOG_SECONDS:-60}; fi

if [ -n "$stress" ]; then
  filter=${1:-[race]}
  for i in $(seq 1 "$stress"); do
    seed=$(( (RANDOM << 15 | RANDOM) + 1 ))
    if ! out=$(timeout -k 5 "$limit" "$bin" "$filter" --order rand --rng-seed "$seed" 2>&1); then
      echo "$out" | tail -n 60
      echo
      echo "!!! stress: run $i of $stress failed with seed $seed. Replay it with:"
      echo "    $bin '$filter' --order rand --rng-seed $seed"
      exit 1
    fi
    printf '\rstress: %d/%d runs of %s passed' "$i" "$stress" "$filter"
  done
  echo
  exit 0
fi

out=$(mktemp); trap 'rm -f "$out"' EXIT
if [ -n "$quiet" ]; then
  timeout -k 5 "$limit" "$bin" "$@" >"$out" 2>&1
  rc=$?
  [ $rc -eq 0 ] || cat "$out"
  exit $rc
fi
timeout -k 5 "$limit" "$bin" --use-colour yes "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}

summary=$(grep -aE '^(test cases:|All tests passed)' "$out" | tail -n1 | sed $'s/\x1b\\[[0-9;]*m//g')
echo
if [ $rc -eq 0 ]; then
  verdict=pass
elif [ $rc -eq 124 ]; then
  verdict=hang
  grep -q '\*\*\* HANG' "$out" ||
    echo "!!! $bin ran past ${limit} s outside any test case (a thread that never ends?)"
elif [ $rc -gt 128 ]; then
  verdict=crash
  echo "!!! $bin died of signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null || echo '?'))."
  echo "    The test that was running is named above. Run it under gdb to see where:"
  echo "    gdb -ex run --args $bin \"<test name>\""
else
  verdict=fail
fi

if [ "$variant" = exercises ] && [ -n "$chapter" ] && [ $# -eq 0 ]; then
  mkdir -p build/progress
  echo "$verdict ${summary}" > "build/progress/$chapter"
fi

if [ "$variant" = exercises ]; then
  case $verdict in
    pass) echo "==> $chapter: all tests pass. Well done!"
          echo "    Compare with the reference:  make diff-$chapter"
          next=$(printf 'ch%02d' $((10#${chapter#ch} + 1)))
          if ls -d "${next}"_*/ >/dev/null 2>&1; then
            echo "    Then go on:                  read $(ls -d "${next}"_*/)README.md and run make check-$next"
          fi ;;
    *) echo "==> $chapter: not there yet (${summary:-$verdict})."
       echo "    Edit the files in exercises/$dir/ (the chapter card: $dir/README.md),"
       echo "    then run make check-$chapter again.  Stuck? make hint-$chapter, or peek: make diff-$chapter" ;;
  esac
fi
exit $rc
