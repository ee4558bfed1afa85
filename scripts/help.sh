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
    case $verdict in
      pass) status="done" ;;
      hang) status="hangs ($rest)" ;;
      crash) status="crashes" ;;
      *) status="in progress ($rest)" ;;
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
