#!/usr/bin/env bash
# Runs one test binary and tells the learner what happened and what to do next.
#   run_tests.sh [--chapter ch01 --dir ch01_single_future --variant exercises|solutions|core]
#                [--quiet | --failures-only] [--stress N] [--piece LABEL] BINARY [catch test spec...]
# --piece LABEL: BINARY is one piece of the chapter (scripts/check.sh runs them
# one by one); the verdict names LABEL, and check.sh says what comes next.
# --quiet: the binary's output is shown only when something failed, after the
# run, without colour (make sanitize's table).
# --failures-only (make check-chNN's pieces, unless VERBOSE=1): the same, in
# colour on a terminal and without Catch's banner: a piece that passes shows
# its verdict line alone (not Catch's totals, nor what its tests print); a
# failing one shows Catch's report of its failing tests, then the summary.
# (Nothing the summary needs is lost: a stub reached on a worker thread, a
# hang's hint come from the progress file, not from the output.)
# Without a spec, TESTS from the environment picks the tests (make check-chNN
# TESTS=...): a test name exactly as `--list-test-names-only` prints it (any
# spaces, quotes, parentheses or commas; runs of white space count as one),
# or a Catch test spec such as a tag ("[queue]") or a wildcard ("*wake*").
# A filter that matches no test is an error that names it.
#
# Every hang and every crash is reported, and the run goes on: the watchdog in
# tests/main.cpp ends a hanging binary (exit 124) and names the test in
# EXECUTOR_PROGRESS; this script then restarts the binary on the tests that
# had not run yet, and ends with one summary of every failure and hang, each
# with its hint. `timeout` is the backstop for a hang outside any test case
# (a static destructor, a thread that never joins).
#
# --stress N runs the [race] tests (or the spec) N times in shuffled order with
# fresh random seeds and prints the seed of a failure, so the run can be replayed.
set -uo pipefail
here=${0%/*}; [ "$here" = "$0" ] && here=.
chapter="" dir="" variant="" quiet="" failures_only="" stress="" piece=""
while [ $# -gt 0 ]; do
  case "$1" in
    --chapter) chapter=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --variant) variant=$2; shift 2 ;;
    --quiet) quiet=1; shift ;;
    --failures-only) failures_only=1; shift ;;
    --stress) stress=$2; shift 2 ;;
    --piece) piece=$2; shift 2 ;;
    *) break ;;
  esac
done
bin=$1; shift
limit=${TEST_TIME_LIMIT:-600}
who=${piece:-${chapter:-$(basename "$(dirname "$bin")")}}

# Sanitizers: stop at the first report and make it fail the run.
# Their reports go to files (log_path), shown after each run, so that the
# summary can quote a report's first line.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
san_log=$tmp/sanitizer
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0:log_path=$san_log}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:log_path=$san_log}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:log_path=$san_log}
san_first=""  # the first line of the first sanitizer report of this run
show_sanitizer_reports() {  # show_sanitizer_reports FILE-OR-"": print the reports written so far
  local f line
  for f in "$san_log".*; do
    [ -f "$f" ] || continue
    if [ -n "$1" ]; then cat "$f" >>"$1"; else cat "$f"; fi
    if [ -z "$san_first" ]; then
      line=$(grep -m1 -E 'ERROR: [A-Za-z]+Sanitizer|WARNING: ThreadSanitizer|runtime error:' "$f")
      san_first=$(sed -E 's/^==[0-9]+==//; s/ \(pid=[0-9]+\)//' <<<"$line")
    fi
    rm -f "$f"
  done
}
. "$here/slowdown.sh"
set_slowdown "${SAN:-}"

# (The loop runs this script once per piece: the counting below uses bash's
# builtins, not a process per count.)
nlines() {  # nlines VAR TEXT: VAR = the number of lines of TEXT (0 when empty)
  local -n n_=$1
  local -a lines_=()
  [ -n "$2" ] && mapfile -t lines_ <<<"$2"
  n_=${#lines_[@]}
}

catch_escape() {  # a test name as a Catch test spec that matches exactly it
  sed -e 's/[][\\,"]/\\&/g' <<<"$1"
}

# ---- which tests --------------------------------------------------------------
filter=""
if [ $# -gt 0 ]; then filter="$*"; elif [ -n "${TESTS:-}" ]; then filter=$TESTS; fi
all_names=$("$bin" --list-test-names-only 2>/dev/null)      # hidden [.] ones left out
nlines total "$all_names"
spec=""
if [ -n "$filter" ]; then
  every_name=$("$bin" --list-test-names-only '*' 2>/dev/null | sed '/^$/d')  # hidden ones too
  # A test name (copied from a listing, maybe wrapped) first; else a Catch spec.
  exact=$(WANT="$filter" awk 'function norm(s) { gsub(/[ \t\r\n]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s); return s }
    BEGIN { want = norm(ENVIRON["WANT"]) } norm($0) == want { print; exit }' <<<"$every_name")
  if [ -n "$exact" ]; then spec=$(catch_escape "$exact"); else spec=$filter; fi
  # (--list-test-names-only exits with the number of tests it lists.)
  matched=$("$bin" --list-test-names-only "$spec" 2>/dev/null | sed '/^$/d')
  if [ -z "$matched" ]; then
    echo "!!! TESTS='$filter' matches no test of $who, so nothing ran."
    echo "    TESTS takes a test name exactly as this lists it:  $bin --list-tests"
    echo "    or a tag, one of: $("$bin" --list-tags 2>/dev/null | grep -oE '\[[^]]+\]' | sort -u | tr '\n' ' ')"
    exit 2
  fi
else
  matched=$all_names
fi

# ---- --stress: shuffled, seeded repeats -------------------------------------------
if [ -n "$stress" ]; then
  [ -n "$filter" ] || spec="[race]"
  for i in $(seq 1 "$stress"); do
    seed=$(( (RANDOM << 15 | RANDOM) + 1 ))
    if ! out=$(timeout -k 5 "$limit" "$bin" "$spec" --order rand --rng-seed "$seed" 2>&1); then
      echo "$out" | tail -n 60
      echo
      echo "!!! stress: run $i of $stress failed with seed $seed. Replay this test order with:"
      echo "    $bin '$spec' --order rand --rng-seed $seed"
      echo "    The seed fixes the order of the tests (and Catch's random numbers), not the"
      echo "    order in which threads interleave: the operating system picks that anew on"
      echo "    every run. So a replay that passes does not mean the failure was a fluke."
      echo "    Run it several times (STRESS=50), or build with SAN=thread to see the race."
      exit 1
    fi
    if [ -t 1 ]; then
      printf '\rstress: %d/%d runs of %s passed' "$i" "$stress" "$spec"
    else
      printf 'stress: %d/%d runs of %s passed\n' "$i" "$stress" "$spec"
    fi
  done
  [ -t 1 ] && echo
  exit 0
fi

# ---- run, and go on after a hang or a crash ---------------------------------
colour=no; [ -t 1 ] && [ -z "$quiet" ] && colour=yes
capture=$quiet$failures_only   # the output goes to $out, shown only after a failure
# The watchdog's limit as tests/main.cpp computes it: WATCHDOG_SECONDS, or
# 10 s times the slowdown factor (a busy machine, a sanitizer, valgrind).
if [ "${WATCHDOG_SECONDS:-0}" -gt 0 ] 2>/dev/null; then hang_limit=$WATCHDOG_SECONDS
else hang_limit=$(awk -v f="${EXECUTOR_TEST_SLOWDOWN:-1}" 'BEGIN { if (f < 1) f = 1; printf "%d\n", 10 * f + 0.5 }'); fi
progress=$tmp/progress; : >"$progress"
out=$tmp/out; : >"$out"   # (--quiet, --failures-only: the output, shown only when something failed)
if [ -z "$quiet" ]; then
  why=""; [ "$hang_limit" -ne 10 ] && [ -z "${WATCHDOG_SECONDS:-}" ] && why=" (10 s times ${EXECUTOR_TEST_SLOWDOWN}: this machine is busy, or a sanitizer slows the tests)"
  limit_line="(a test case still running after $hang_limit s is stopped as a hang$why; WATCHDOG_SECONDS=N sets it)"
  if [ -n "$failures_only" ]; then echo "$limit_line" >>"$out"; else echo "$limit_line"; fi
fi
mapfile -t todo <<<"$matched"
ran_out=""   # set when the time limit or a crash outside a test stopped the run
restarted=""
only=()       # no filter: the first run takes every test, in order, as Catch does by itself
while [ ${#todo[@]} -gt 0 ]; do
  if [ -n "$filter" ] || [ -n "$restarted" ]; then
    printf '%s\n' "${todo[@]}" | sed -e 's/[][\\,"]/\\&/g' >"$tmp/names"  # as catch_escape, in one go
    only=(-f "$tmp/names")
  fi
  mapfile -t lines <"$progress"; mark=${#lines[@]}
  if [ -n "$capture" ]; then
    { EXECUTOR_PROGRESS=$progress timeout -k 5 "$limit" "$bin" --use-colour $colour "${only[@]}" >>"$out" 2>&1
      rc=$?; } 2>/dev/null
    show_sanitizer_reports "$out"
  else
    # (the braces keep bash's own "Segmentation fault" job message out: the summary says it)
    { EXECUTOR_PROGRESS=$progress timeout -k 5 "$limit" "$bin" --use-colour $colour "${only[@]}" 2>&1
      rc=$?; } 2>/dev/null
    show_sanitizer_reports ""
  fi
  [ "$rc" -lt 124 ] && break
  # The binary stopped early. Which test was running?
  last=$(tail -n +"$((mark + 1))" "$progress" | awk -F'\t' '$1 == "start" { name = $2 } END { print name }')
  if { [ "$rc" -eq 124 ] && ! tail -n +"$((mark + 1))" "$progress" | grep -q '^hang'; } || [ "$rc" -eq 137 ]; then
    ran_out="the whole run took longer than TEST_TIME_LIMIT=${limit} s"
  elif [ "$rc" -gt 128 ]; then
    printf 'crash\t%s\t%s\n' "$last" "signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null || echo '?'))" >>"$progress"
  fi
  [ -n "$ran_out" ] || [ -z "$last" ] && { [ -n "$ran_out" ] || ran_out="the binary died outside any test case (exit $rc)"; break; }
  rest=() seen=""
  for n in "${todo[@]}"; do
    if [ -n "$seen" ]; then rest+=("$n"); elif [ "$n" = "$last" ]; then seen=1; fi
  done
  [ -n "$seen" ] || rest=()
  todo=("${rest[@]}")
  restarted=1
  if [ ${#todo[@]} -gt 0 ]; then
    msg="=== the run goes on with the ${#todo[@]} test(s) after \"$last\""
    if [ -n "$capture" ]; then echo "$msg" >>"$out"; else echo; echo "$msg"; echo; fi
  fi
done

# ---- the summary: every failure and hang, each with its hint --------------------
# progress lines: start NAME TAGS | fail NAME WHERE WHAT | end NAME passed|failed
#                 | hang NAME HINT | crash NAME SIGNAL | todo NAME WHAT-A-STUB-THREW
read -r ran passed failed hung crashed < <(awk -F'\t' '
  $1 == "start" { ran++ } $1 == "end" && $3 == "passed" { passed++ }
  $1 == "hang" { hung++ } $1 == "crash" { crashed++ }
  $1 == "end" && $3 == "failed" { failed++ }
  END { print ran+0, passed+0, failed+0, hung+0, crashed+0 }' "$progress")
bad=$((ran - passed))
failed=$((bad - hung - crashed))
nlines selected "$matched"
# Every test passed, yet the binary failed: LeakSanitizer reports leaks when
# the process exits, after the last test (and makes the exit status 1); a
# static destructor can fail there too. That is a failure, not a pass.
exit_failed=""
[ -z "$ran_out" ] && [ "$rc" -ne 0 ] && [ "$rc" -lt 124 ] && [ "$bad" -eq 0 ] && [ "$ran" -ge "$selected" ] && exit_failed=$rc

summary_list=$(awk -F'\t' -v chapter="$chapter" -v hints="$([ "$variant" = exercises ] && echo 1)" '
  function piece(tags,   t, n, i, p) {
    n = split(tags, t, /[][]+/)
    for (i = 1; i <= n; i++) { p = t[i]; if (p != "" && p !~ /^ch[0-9]+$/ && p != "race" && p != "." && p !~ /^!/) return p }
    return ""
  }
  $1 == "start" { tags[$2] = $3; order[++n] = $2 }
  $1 == "fail" && !($2 in where) { where[$2] = $3; what[$2] = $4 }
  $1 == "end" { result[$2] = $3 }
  $1 == "hang" { result[$2] = "hang"; hint[$2] = $3 }
  $1 == "todo" { todo[$2] = $3 }
  $1 == "crash" { result[$2] = "crash"; sig[$2] = $3 }
  END {
    for (i = 1; i <= n; i++) {
      name = order[i]; r = result[name]
      if (r == "passed") continue
      p = piece(tags[name])
      if (r == "hang") { printf "  HANG   \"%s\"%s\n", name, (p != "" ? "  [" p "]" : "")
                         if (hint[name] != "") printf "         the test says: %s\n", hint[name] }
      else if (r == "crash") { printf "  CRASH  \"%s\"%s: %s\n", name, (p != "" ? "  [" p "]" : ""), sig[name]
                               if (where[name] != "") printf "         %s\n", where[name] }
      else { printf "  FAIL   \"%s\"%s\n", name, (p != "" ? "  [" p "]" : "")
             if (where[name] != "") { w = what[name]; if (length(w) > 200) w = substr(w, 1, 200) "..."
                                      printf "         %s: %s\n", where[name], w } }
      if (todo[name] != "" && index(what[name], "not implemented yet") == 0) {
        t = todo[name]; if (length(t) > 200) t = substr(t, 1, 200) "..."
        printf "         a stub was reached on some thread during this test: %s\n", t
      }
      if (hints && p != "") printf "         hint: make hint-%s PIECE=%s\n", chapter, p
    }
  }' "$progress")

went_wrong=""; { [ $bad -gt 0 ] || [ -n "$ran_out" ] || [ -n "$exit_failed" ] || [ "$ran" -lt "$selected" ]; } && went_wrong=1
without_banner() {  # Catch's "<binary> is a Catch v2.13.10 host application ..." lines, each run's
  awk '/^~+$/ { banner = 1; next }
       banner && /(host application\.|^Run with -\? for options|^Randomness seeded to: [0-9]+)$/ { next }
       banner && /^$/ { banner = 0; next }
       { banner = 0; print }' "$1"
}
if [ -n "$quiet" ] && [ -n "$went_wrong" ]; then cat "$out"; fi
if [ -n "$failures_only" ] && [ -n "$went_wrong" ]; then without_banner "$out"; fi
[ -n "$failures_only" ] && [ -z "$went_wrong" ] || echo
if [ -n "$ran_out" ]; then
  echo "!!! $bin: $ran_out; $((selected - ran)) selected test(s) did not run."
elif [ "$ran" -lt "$selected" ]; then
  echo "!!! $bin stopped early (exit $rc; a sanitizer report above?): $((selected - ran)) selected test(s) did not run."
fi
if [ -n "$san_first" ]; then
  echo "!!! the sanitizer reported: $san_first"
  echo "    (its whole report, with the stacks of each access, is above)"
elif [ -n "$exit_failed" ]; then
  echo "!!! $bin: every test passed, but the binary exited with status $exit_failed after them: a report"
  echo "    above says why (LeakSanitizer reports leaked memory when the program exits, with the"
  echo "    stack of each leaked allocation; a static object's destructor can also fail there)."
fi
if [ -n "$summary_list" ]; then
  echo "=== $who: every test that did not pass ($bad of $ran):"
  echo "$summary_list"
  [ "$hung" -gt 0 ] && echo "    A hang names the gdb command that shows where each thread waits (above, after *** HANG)."
  echo
fi

verdict=pass
if [ "$hung" -gt 0 ]; then verdict=hang; elif [ "$crashed" -gt 0 ]; then verdict=crash
elif [ $bad -gt 0 ] || [ -n "$ran_out" ] || [ "$ran" -lt "$selected" ] || [ -n "$exit_failed" ]; then verdict=fail; fi
counts="$passed of $ran passed"
[ $failed -gt 0 ] && counts+=", $failed failed"
[ "$hung" -gt 0 ] && counts+=", $hung hung"
[ "$crashed" -gt 0 ] && counts+=", $crashed crashed"
[ -n "$exit_failed" ] && counts+=", then the binary failed at exit (status $exit_failed)"

if [ "$variant" = exercises ] && [ -n "$chapter" ] && [ -z "$filter" ] && [ -z "$piece" ]; then
  mkdir -p "${PROGRESS_DIR:-build/progress}"
  case $verdict in pass) state=done ;; *) state="$passed/$total tests pass" ;; esac
  printf '%s\t%s\n' "$verdict" "$state" >"${PROGRESS_DIR:-build/progress}/$chapter"
fi

if [ -n "$piece" ]; then
  case $verdict in
    pass) echo "--> $who: all $total tests pass." ;;
    *) echo "==> $who: not there yet: $counts." ;;
  esac
elif [ -n "$filter" ]; then
  scope="TESTS='$filter' picked $selected of the $total tests of $who"
  [ "$selected" -gt "$total" ] && scope="TESTS='$filter' picked $selected tests of $who"
  case $verdict in
    pass) if [ "$selected" -lt "$total" ]; then echo "==> $who: $counts ($scope; the other $((total - selected)) did not run)."
          else echo "==> $who: $counts ($scope)."; fi
          [ "$variant" = exercises ] && echo "    Run make check-$chapter without TESTS to check the whole chapter." ;;
    *) echo "==> $who: not there yet: $counts ($scope)." ;;
  esac
elif [ "$variant" = exercises ]; then
  case $verdict in
    pass) echo "==> $chapter: all $total tests pass. Well done!"
          echo "    Compare with the reference:  make diff-$chapter"
          next=$(printf 'ch%02d' $((10#${chapter#ch} + 1)))
          if ls -d "${next}"_*/ >/dev/null 2>&1; then
            echo "    Then go on:                  read $(ls -d "${next}"_*/)README.md and run make check-$next"
          fi ;;
    *) echo "==> $chapter: not there yet: $counts."
       echo "    Edit the files in exercises/$dir/ (the chapter card: $dir/README.md),"
       echo "    then run make check-$chapter again.  Stuck? make hint-$chapter, or peek: make diff-$chapter" ;;
  esac
else
  case $verdict in
    pass) echo "==> $who: all $ran tests pass." ;;
    *) echo "==> $who: $counts." ;;
  esac
fi
[ "$verdict" = pass ]
