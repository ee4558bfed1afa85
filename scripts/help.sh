#!/usr/bin/env bash
# `make help`: the chapter table with the learner's progress, and every
# command and option.
set -uo pipefail
echo "Build an async executor from scratch, one chapter at a time."
echo
# Each chapter's name as its card's heading gives it ("# Chapter N: name"),
# whole: the column is as wide as the longest (scripts/names.sh checks that
# the book and the READMEs use the same names).
declare -A title_of=()
width=5
for id in "$@"; do
  dir=$(ls -d ${id}_*/ 2>/dev/null | head -n1); dir=${dir%/}
  title_of[$id]=$(head -n1 "$dir/README.md" 2>/dev/null | sed -E 's/^# *//; s/^[Cc]hapter [0-9]+[:.]? *//')
  [ ${#title_of[$id]} -gt "$width" ] && width=${#title_of[$id]}
done
printf '  %-7s %-*s  %s\n' chapter "$width" name "your progress (last make check-chNN)"
for id in "$@"; do
  dir=$(ls -d ${id}_*/ 2>/dev/null | head -n1); dir=${dir%/}
  title=${title_of[$id]}
  status="not started"
  progress=${PROGRESS_DIR:-build/progress}/$id
  if [ -f "$progress" ]; then
    # "verdict<TAB>what the check said", e.g. "fail<TAB>on piece 3 of 4 (test_3_task)"
    IFS= read -r line < "$progress"
    verdict=${line%%[$'\t ']*} said=""
    if [[ $line == *$'\t'* ]]; then said=${line#*$'\t'}
    else  # the older "verdict test cases: 22 | 5 passed | 17 failed"
      said=$(sed -nE 's/.*test cases: *([0-9]+) *\| *([0-9]+) passed.*/\2\/\1 tests pass/p' <<<"$line")
    fi
    case $verdict in
      pass) status="done" ;;
      hang) status="a test hangs; ${said:-}" ;;
      crash) status="a test crashes; ${said:-}" ;;
      *) status="in progress: ${said:-}" ;;
    esac
    if [ -n "$(find "exercises/$dir" -newer "$progress" -type f 2>/dev/null | head -n1)" ]; then
      status="$status; edited since"
    fi
  fi
  printf '  %-7s %-*s  %s\n' "$id" "$width" "$title" "$status"
done
cat <<'TXT'

The learner's loop (NN is a chapter number, e.g. 01):
  make check-chNN     chapter NN's tests against your code in exercises/, piece by piece:
                      the piece you are on first, then (once it passes) all of them
  make watch-chNN     the same, again on every save of a file in exercises/chNN_*/ (Ctrl-C stops)
  make hint-chNN      the next hint for the first piece whose tests fail
                      (PIECE=<tag> LEVEL=1|2|3 for a given one)
  make check, make watch, make hint
                      the same for the chapter you are on: the one you checked last, or
                      once that one is done, the next (it says which, and why)
  make solve-chNN     the same tests against the reference in solutions/
  make diff-chNN      your files beside the reference (DIFF=side: two columns)
  make demo-chNN      the chapter's demo (SOLUTION=1: the reference's; ARGS="--help": its
                      options; files it writes land in build/demo/)

Proving it (see book/proving_it.md):
  make test           everything the project promises: the reference's tests, the stubs as
                      committed in git fail cleanly, demos, book, hints, mutants apply
  make core-test      the given primitives' tests and the protocol models
  make test-catch2-v3
                      make test against Catch2 v3 (Debian's libcatch2-dev from this release's
                      backports, unpacked into build/catch2-v3/; the system's Catch2 is untouched)
  make sanitize       the reference under ASan+UBSan and TSan, -O0 and -O2, both compilers
  make stress         every chapter's [race] tests, many times, shuffled (STRESS=N times)
  make memcheck       the reference's tests under valgrind
  make mutants        broken variants of the reference: does the plain check kill each?
                      (CHAPTER=ch03 MUTANT=<slug> RUNS=20 pick some)
  make soak           the reference's whole suite SOAK_RUNS=20 times beside two busy loops
  make loop-time      how long check-chNN takes after an edit, per piece of each chapter
  make book           the book as HTML in build/book/ (search, dark, print.html; works offline)
  make book-browser   the book's site checked in headless Chromium; screenshots in
                      build/book/screenshots/
  make bench          the executors side by side with asio

Options (add to any command, e.g. make check-ch03 SAN=thread TESTS="[queue]"):
  TESTS="<name>"      only that test: its name exactly as listed (quotes, commas and all)
  TESTS="[tag]"       only the tests of one piece; or any Catch test spec ("*wake*")
  ALL=1               make check-chNN runs every test of the chapter at once, not piece by piece
  VERBOSE=1           make check-chNN shows all of Catch's output, for passing pieces too
                      (by default a piece that passes shows one line, a failing one its failures)
  SAN=address|thread  build with AddressSanitizer+UBSan, or ThreadSanitizer
  STRESS=50           run the chapter's [race] tests 50 times in shuffled order
  WATCHDOG_SECONDS=30 how long a test may run before it counts as a hang (default 10 s,
                      longer on a busy machine or under a sanitizer)
  CXX=g++|clang++     the compiler (default: clang++ for check/watch/solve, g++ for the rest)
  OPT="-O2 -g"        optimisation (default: -O0 -g1 for the loop, -O1 -g for make test)
  ARGS="--flag ..."   options for make demo-chNN;  SOLUTION=1  the reference's demo
  DIFF=side           make diff-chNN in two columns
  PIECE=<tag> LEVEL=n make hint-chNN for one piece and level

Start here: read book/README.md, then ch01_single_future/README.md, then make check-ch01.
TXT
