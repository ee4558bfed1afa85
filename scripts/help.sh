#!/usr/bin/env bash
# `make help`: the chapter table with the learner's progress, and the commands.
set -uo pipefail
echo "Build an async executor from scratch, one chapter at a time."
echo
printf '  %-6s %-22s %s\n' chapter topic "your progress (last make check-chNN)"
for id in "$@"; do
  dir=$(ls -d ${id}_*/ 2>/dev/null | head -n1); dir=${dir%/}
  title=$(head -n1 "$dir/README.md" 2>/dev/null | sed -E 's/^# *//; s/^[Cc]hapter [0-9]+[:.]? *//')
  status="not started"
  if [ -f "build/progress/$id" ]; then
    read -r verdict rest < "build/progress/$id"
    # rest is Catch2's summary: "test cases: 22 | 5 passed | 17 failed"
    total=$(sed -nE 's/^test cases: *([0-9]+).*/\1/p' <<<"$rest")
    pass=$(sed -nE 's/.*\| *([0-9]+) passed.*/\1/p' <<<"$rest")
    score="${pass:-0}/${total:-?} tests pass"
    case $verdict in
      pass) status="done" ;;
      hang) status="a test hangs" ;;
      crash) status="a test crashes" ;;
      *) status="in progress: $score" ;;
    esac
    if [ -n "$(find "exercises/$dir" -newer "build/progress/$id" -type f 2>/dev/null | head -n1)" ]; then
      status="$status; edited since"
    fi
  fi
  printf '  %-6s %-22s %s\n' "$id" "${title:0:22}" "$status"
done
cat <<'TXT'

Commands (NN is a chapter number, e.g. 01):
  make check-chNN     run chapter NN's tests against your code in exercises/
  make hint-chNN      a hint for the chapter, when you are stuck
  make solve-chNN     the same tests against the reference in solutions/
  make diff-chNN      your files beside the reference
  make demo-chNN      the chapter's demo (SOLUTION=1 for the reference, ARGS="--help" for options)
  make test           everything the project promises (reference, stubs, demos, book)
  make book           the book as HTML in build/book/
  make bench          the benchmark programs
  Options: CXX=clang++  SAN=address|thread  TESTS="<catch test filter>"

Start here: read book/README.md, then ch01_single_future/README.md, then make check-ch01.
TXT
