#!/usr/bin/env bash
# Runs one test binary and tells the learner what happened and what to do next.
#   run_tests.sh --chapter ch01 --dir ch01_single_future --variant exercises BINARY [catch args]
# A hang inside a test case is caught by the watchdog in tests/main.cpp
# (exit 124, names the test); `timeout` is the backstop for a hang outside any
# test case (a static destructor, a thread that never joins).
set -uo pipefail
chapter="" dir="" variant=""
while [ $# -gt 0 ]; do
  case "$1" in
    --chapter) chapter=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --variant) variant=$2; shift 2 ;;
    *) break ;;
  esac
done
bin=$1; shift
limit=${TEST_TIME_LIMIT:-300}

out=$(mktemp); trap 'rm -f "$out"' EXIT
timeout -k 5 "$limit" "$bin" --use-colour yes "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}

summary=$(grep -aE '^(test cases:|All tests passed)' "$out" | tail -n1 | sed $'s/\x1b\\[[0-9;]*m//g')
echo
case $rc in
  0) verdict=pass ;;
  124) verdict=hang
       grep -q '\*\*\* HANG' "$out" ||
         echo "!!! $bin ran past ${limit} s outside any test case (a thread that never ends?)" ;;
  1|2|3|4|5|6|7|8|9|1[0-9]|[2-9][0-9]|1[01][0-9]|12[0-3]) verdict=fail ;;
  *) verdict=crash
     echo "!!! $bin died of signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null || echo '?'))." ;
     echo "    The test that was running is named above. Run it under gdb to see where:" ;
     echo "    gdb -ex run --args $bin \"<test name>\"" ;;
esac

if [ "$variant" = exercises ] && [ -n "$chapter" ]; then
  mkdir -p build/progress
  echo "$verdict ${summary}" > "build/progress/$chapter"
fi

if [ "$variant" = exercises ]; then
  case $verdict in
    pass) echo "==> $chapter: all tests pass. Well done!"
          echo "    Compare with the reference:  make diff-$chapter"
          next=$(printf 'ch%02d' $((10#${chapter#ch} + 1)))
          if ls -d ${next}_*/ >/dev/null 2>&1; then
            echo "    Then go on:                  read ${next}_*/README.md and run make check-$next"
          fi ;;
    *) echo "==> $chapter: not there yet (${summary:-$verdict})."
       echo "    Edit the files in exercises/$dir/ (the chapter card: $dir/README.md),"
       echo "    then run make check-$chapter again.  Stuck? make hint-$chapter, or peek: make diff-$chapter" ;;
  esac
fi
exit $rc
