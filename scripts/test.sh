#!/usr/bin/env bash
# `make test`: everything the project promises, one line per check, with the
# log of any failing check printed in full. Ends with "test: N passed, N failed".
#   BUILD=build/g++-O1-g scripts/test.sh ch01 ch02 ...   (binaries already built)
set -uo pipefail
: "${BUILD:?BUILD must name the build directory}"
. scripts/slowdown.sh
set_slowdown ""  # time bounds and the watchdog grow on a busy machine
. scripts/report.sh

check() { report_step "$@"; }  # check <name> <command...>: one line, the log's tail on failure

run_binary() {  # the reference must pass, within the time limit
  timeout -k 5 "${TEST_TIME_LIMIT:-300}" "$@"
}

stubs_fail_cleanly() {  # stubs: every test case fails with "not implemented yet"
  local out rc
  out=$(EXPECT_STUBS=1 timeout -k 5 120 "$1" 2>&1); rc=$?
  echo "$out"
  if [ $rc -eq 0 ]; then echo ">> the stubs PASS this chapter's tests: a test checks nothing"; return 1; fi
  if [ $rc -ge 124 ]; then echo ">> the stub run hung or crashed (exit $rc)"; return 1; fi
  grep -q '^stub check: ok' <<<"$out" || { echo ">> not every test case failed with 'not implemented yet'"; return 1; }
}

demo_runs() { timeout -k 5 120 "$1"; }

demo_rejects_bad_option() {  # CLI11's message and a non-zero status, not a crash
  local rc
  timeout -k 5 20 "$1" --no-such-option; rc=$?
  [ $rc -ne 0 ] && [ $rc -lt 124 ]
}

harness_catches_hang() {  # a hanging test fails by name within the watchdog's time
  local out rc; out=$(WATCHDOG_SECONDS=1 timeout 20 "$BUILD/infra/selftest" "[hang]" 2>&1); rc=$?
  echo "$out"; [ $rc -eq 124 ] && grep -q 'HANG: test case "selftest: a test that hangs forever"' <<<"$out"
}
harness_names_crash() {  # a crashing test is named, and the run fails
  local out rc; out=$(timeout 20 "$BUILD/infra/selftest" "[crash]" 2>&1); rc=$?
  echo "$out"; [ $rc -ne 0 ] && grep -q 'selftest: a test that crashes' <<<"$out" && grep -q SIGSEGV <<<"$out"
}
harness_rejects_passing_stub() {  # the stub check notices a test that cannot fail
  local out; out=$(EXPECT_STUBS=1 timeout 20 "$BUILD/infra/selftest" "[stub]" 2>&1)
  echo "$out"; grep -q '^stub check: FAILED' <<<"$out" && grep -q 'passes against the stubs: selftest' <<<"$out"
}

selftest_run() {  # selftest_run TESTS-value: the learner's runner on the self-test binary
  WATCHDOG_SECONDS=1 TESTS="$1" scripts/run_tests.sh --chapter selftest --variant exercises "$BUILD/infra/selftest" 2>&1
}
harness_goes_on_after_hang() {  # every hang, crash and failure in one run, each in the summary
  local out; out=$(selftest_run "[resume]"); echo "$out"
  grep -q 'the run goes on with the 3 test(s) after "selftest: resume 2 hangs"' <<<"$out" &&
  grep -q '^  HANG   "selftest: resume 2 hangs"' <<<"$out" &&
  grep -q 'the test says: resume 2 parks on purpose' <<<"$out" &&
  grep -q '^  FAIL   "selftest: resume 3 fails"' <<<"$out" &&
  grep -q 'resume 3 fails on purpose' <<<"$out" &&
  grep -q '^  CRASH  "selftest: resume 4 crashes"' <<<"$out" &&
  grep -q '2 of 5 passed, 1 failed, 1 hung, 1 crashed' <<<"$out"
}
harness_exit_failure_is_not_a_pass() {  # a leak report at exit fails the run
  local out rc; out=$(selftest_run "[exit-fail]"); rc=$?; echo "$out"
  [ "$rc" -ne 0 ] &&
  grep -q 'every test passed, but the binary exited with status 23 after them' <<<"$out" &&
  grep -q '1 of 1 passed, then the binary failed at exit (status 23)' <<<"$out" &&
  ! grep -q 'Well done' <<<"$out"
}
harness_hang_names_gdb_command() {  # the gdb line names the real binary and the test
  local out bin; out=$(selftest_run "[resume]"); echo "$out"
  bin=$(sed -nE "s/^ *WATCHDOG_SECONDS=100000 gdb -ex run --args ([^ ]+) 'selftest: resume 2 hangs'$/\1/p" <<<"$out" | head -n1)
  [ -n "$bin" ] && [ "$bin" -ef "$BUILD/infra/selftest" ]
}
harness_fails_leaks() {  # a passing test that leaves a thread, an fd or a task behind fails, naming it
  local out rc; out=$(selftest_run "[leak]"); rc=$?; echo "$out"
  [ "$rc" -ne 0 ] &&
  grep -q '1 thread(s) still running that the test case started ("forgotten")' <<<"$out" &&
  grep -q '2 file descriptor(s) still open that the test case opened (fd [0-9]* -> pipe:' <<<"$out" &&
  grep -q '1 task(s) still alive that the test case spawned' <<<"$out" &&
  grep -q '0 of 3 passed, 3 failed' <<<"$out" || return 1
  out=$(selftest_run "[leak-ok]"); rc=$?; echo "$out"
  [ "$rc" -eq 0 ]
}
harness_leak_not_all_passed() {  # Catch's "All tests passed" is followed by the leak's verdict
  local out rc; out=$(timeout 20 "$BUILD/infra/selftest" "[leak]" 2>&1); rc=$?; echo "$out"
  [ "$rc" -ne 0 ] && grep -q '^\.\.\. but 3 test case(s) left resources behind .*: this run FAILS\.$' <<<"$out"
}
harness_names_stub_on_other_thread() {  # a todo() caught on a worker is named in the summary
  local out; out=$(selftest_run "[todo-thread]"); echo "$out"
  grep -q 'a stub was reached on some thread during this test: not implemented yet: Worker::run_task' <<<"$out" || return 1
  # make check-chNN's pieces show Catch's output only for a failure: the summary still names it
  out=$(WATCHDOG_SECONDS=1 TESTS="[todo-thread]" scripts/run_tests.sh --chapter selftest --variant exercises \
    --failures-only --piece "selftest piece" "$BUILD/infra/selftest" 2>&1); echo "$out"
  grep -q 'a stub was reached on some thread during this test: not implemented yet: Worker::run_task' <<<"$out"
}
harness_prints_hang_limit() {  # the run says how long a test may take before it is a hang
  local out; out=$(selftest_run "[names]"); echo "$out"
  grep -q '^(a test case still running after 1 s is stopped as a hang; WATCHDOG_SECONDS=N sets it)' <<<"$out" || return 1
  out=$(EXECUTOR_TEST_SLOWDOWN=2.4 TESTS="[names]" scripts/run_tests.sh --chapter selftest --variant exercises "$BUILD/infra/selftest" 2>&1); echo "$out"
  grep -q '^(a test case still running after 24 s is stopped as a hang (10 s times 2.4' <<<"$out"
}
tests_exact_name() {  # a name with quotes, parentheses, commas, brackets, a backslash
  local name out
  name=$(printf '%s' "selftest: a name with 'quotes', \"double quotes\", (parentheses), commas, [brackets] and a \\ backslash")
  out=$(selftest_run "$name"); echo "$out"
  grep -q "1 of 1 passed" <<<"$out" && grep -q "picked 1 tests of selftest" <<<"$out" || return 1
  out=$(selftest_run "selftest: a name with 'quotes',
      \"double quotes\", (parentheses), commas, [brackets] and a \\ backslash"); echo "$out"
  grep -q "1 of 1 passed" <<<"$out"  # a name wrapped over two lines, as --list-tests prints a long one
}
tests_tag_filter_never_says_done() {  # a filtered pass counts what ran and never says "well done"
  local out; out=$(selftest_run "[names]"); echo "$out"
  grep -q "2 of 2 passed (TESTS='\[names\]' picked 2 tests of selftest" <<<"$out" &&
  ! grep -qiE 'well done|go on' <<<"$out"
}
tests_no_match_is_error() {  # a filter that matches nothing is an error that names it
  local out rc; out=$(selftest_run "selftest: no such test"); rc=$?; echo "$out"
  [ $rc -eq 2 ] && grep -q "TESTS='selftest: no such test' matches no test" <<<"$out"
}
# make check-chNN's piece-by-piece run (scripts/check.sh), on the binaries of this build.
check_pieces() {  # check_pieces VARIANT-FOLDER LEARNER-ROOT [again]: chapter 1 through check.sh
  [ -n "${3:-}" ] || rm -f "$BUILD/$1/ch01/pieces/"*.passed
  scripts/check.sh --chapter ch01 --dir ch01_single_future --build "$BUILD/$1/ch01" --learner "$2" \
    -- make CXX="${TEST_CXX:-g++}" OPT="${TEST_OPT:--O1 -g}" 2>&1
}
check_stops_at_first_failing_piece() {  # the stubs: piece 1 fails, the others wait
  local out rc; out=$(check_pieces pristine "$BUILD/pristine/src/exercises"); rc=$?; echo "$out"
  [ $rc -ne 0 ] &&
  grep -q '^==> ch01 piece 1 of 4 (ch01_single_future/tests/test_1_countdown.cpp): not there yet' <<<"$out" &&
  grep -q 'pieces 2-4 wait for it' <<<"$out" &&
  ! grep -q 'piece 2 of 4' <<<"$out" && ! grep -qiE 'well done|go on' <<<"$out"
}
check_names_file_to_edit() {  # the stubs: the summary names piece 1's file and the overall progress
  local out; out=$(check_pieces pristine "$BUILD/pristine/src/exercises" again); echo "$out"
  grep -q "^    Edit $BUILD/pristine/src/exercises/ch01_single_future/countdown.hpp, then make check-ch01 again$" <<<"$out" &&
  grep -q "^==> progress: chapter 1 of $(ls -d ch[0-9][0-9]_*/ | wc -l) (.*), piece 1 of 4$" <<<"$out" &&
  grep -q 'FAILED:' <<<"$out"   # (Catch's own report of the failing tests is there too)
}
check_reference_passes_every_piece() {  # the reference: every piece, then "well done"
  local out rc n; out=$(check_pieces solutions solutions); rc=$?; echo "$out"
  n=$("$BUILD/solutions/ch01/tests" --list-test-names-only 2>/dev/null | grep -c .)
  [ $rc -eq 0 ] && [ "$(grep -c '^--> ch01 piece [1-4] of 4 .*: all [0-9]* tests pass\.$' <<<"$out")" -eq 4 ] &&
  grep -q "^==> ch01: all 4 pieces pass, all $n tests. Well done!" <<<"$out" &&
  ! grep -q 'All tests passed' <<<"$out" || return 1   # (a passing piece: its line, not Catch's totals)
  out=$(check_pieces solutions solutions again); rc=$?; echo "$out"
  [ $rc -eq 0 ] && grep -q 'every piece has passed before; now all of them' <<<"$out"
}

watch_sees_save_during_check() {  # a file saved while the check runs starts another check
  local d out; d=$(mktemp -d); mkdir -p "$d/w"; echo a >"$d/w/x.hpp"
  # The first check saves the file (as a learner would, mid-check); the second does nothing.
  out=$(WATCH_POLL=1 WATCH_DIR="$d/w" WATCH_ROUNDS=2 \
    WATCH_CHECK="[ -f '$d/saved' ] || { sleep 0.05; echo b >'$d/w/x.hpp'; touch '$d/saved'; }; echo checked" \
    timeout 20 scripts/watch.sh ch01 ch01_single_future 2>&1)
  echo "$out"; rm -rf "$d"
  grep -q 'was saved while the check ran: checking again' <<<"$out" &&
  [ "$(grep -c '^checked$' <<<"$out")" -eq 2 ]
}

check_reruns_a_piece_whose_file_changed() {  # a regression in an earlier piece is reported there
  local d=build/scratch-stale b out rc
  b="$BUILD/learner-${d//\//-}/ch01"
  rm -rf "$d"; mkdir -p "$d"; cp -r solutions/ch01_single_future "$d/"
  stale_check() {
    scripts/check.sh --chapter ch01 --dir ch01_single_future --build "$b" --learner "$d" \
      -- make CXX="${TEST_CXX:-g++}" OPT="${TEST_OPT:--O1 -g}" LEARNER="$d" 2>&1
  }
  rm -f "$b/pieces/"*.passed
  out=$(stale_check) || { echo "$out"; return 1; }
  # The learner is on piece 3 (not passed yet) and breaks piece 1's file.
  rm -f "$b/pieces/test_3_"*.passed "$b/pieces/test_4_"*.passed
  sleep 1  # (a newer mtime than the stamps, on any file system)
  git show HEAD:exercises/ch01_single_future/countdown.hpp >"$d/ch01_single_future/countdown.hpp"
  out=$(stale_check); rc=$?; echo "$out"; rm -rf "$d"
  [ $rc -ne 0 ] &&
  grep -q "^check-ch01: piece 1 of 4 (ch01_single_future/tests/test_1_countdown.cpp) passed before, but .*ch01_single_future/countdown.hpp changed since: it runs again first" <<<"$out" &&
  grep -q '^==> ch01 piece 1 of 4 .*: not there yet' <<<"$out" &&
  grep -q 'It passed before: the change to .*countdown.hpp broke it' <<<"$out" &&
  grep -q "^    Edit $d/ch01_single_future/countdown.hpp (its change broke this piece)" <<<"$out" &&
  ! grep -q 'piece 3 of 4 (ch01_single_future/tests/test_3' <<<"$out"
}

check_help_says_done_after_green() {  # make help's progress: "in progress" while red, "done" once green
  local d=build/scratch-progress p b out
  p=$(mktemp -d); b="$BUILD/learner-${d//\//-}/ch01"
  rm -rf "$d"; mkdir -p "$d"; cp -r solutions/ch01_single_future "$d/"
  progress_check() {
    PROGRESS_DIR="$p" scripts/check.sh --chapter ch01 --dir ch01_single_future --build "$b" --learner "$d" \
      -- make CXX="${TEST_CXX:-g++}" OPT="${TEST_OPT:--O1 -g}" LEARNER="$d" >/dev/null 2>&1
  }
  rm -f "$b/pieces/"*.passed
  git show HEAD:exercises/ch01_single_future/countdown.hpp >"$d/ch01_single_future/countdown.hpp"
  progress_check
  out=$(PROGRESS_DIR="$p" scripts/help.sh ch01); echo "$out"
  grep -qE '^  ch01 .* in progress: on piece 1 of 4' <<<"$out" || { rm -rf "$d" "$p"; return 1; }
  sleep 1; cp solutions/ch01_single_future/countdown.hpp "$d/ch01_single_future/"
  progress_check
  out=$(PROGRESS_DIR="$p" scripts/help.sh ch01); echo "$out"; rm -rf "$d" "$p"
  grep -qE '^  ch01 .* done$' <<<"$out"
}

# The learner's own build shows the unused-entity warnings without failing on
# them (a half-written class); every other warning is still an error.
half_written_check() {  # half_written_check FOLDER: check-ch01 of a stub with half-written code added
  scripts/check.sh --chapter ch01 --dir ch01_single_future --build "$BUILD/learner-${1//\//-}/ch01" --learner "$1" \
    -- make CXX="${TEST_CXX:-g++}" OPT="${TEST_OPT:--O1 -g}" LEARNER="$1" 2>&1
}
half_written_stub() {  # half_written_stub FOLDER: ch01's stubs from git, plus code a learner leaves half-written
  rm -rf "$1"; mkdir -p "$1"; cp -r solutions/ch01_single_future "$1/"
  git show HEAD:exercises/ch01_single_future/countdown.hpp >"$1/ch01_single_future/countdown.hpp"
  cat >>"$1/ch01_single_future/countdown.hpp" <<'CPP'

namespace ch01 {
class HalfWritten {
public:
    explicit HalfWritten(int n) { int started = n; }
private:
    int remaining_ = 0;
};
}  // namespace ch01
CPP
}
loop_shows_unused_warnings() {  # an unused private field (clang++) or variable compiles, the warning shown
  local d=build/scratch-unused out rc
  half_written_stub "$d"
  out=$(half_written_check "$d"); rc=$?; echo "$out"; rm -rf "$d"
  [ $rc -ne 0 ] && grep -q '^==> ch01 piece 1 of 4 .*: not there yet' <<<"$out" &&
  ! grep -q 'does not compile' <<<"$out" &&
  grep -q "countdown.hpp:.*warning: unused variable .started. \[-Wunused-variable\]" <<<"$out" || return 1
  if [[ $(basename "${TEST_CXX:-g++}") == clang* ]]; then
    grep -q "countdown.hpp:.*warning: private field 'remaining_' is not used \[-Wunused-private-field\]" <<<"$out"
  fi
}
loop_keeps_return_type_error() {  # a missing return is still an error in the learner's build
  local d=build/scratch-noreturn out rc
  half_written_stub "$d"
  cat >>"$d/ch01_single_future/countdown.hpp" <<'CPP'

namespace ch01 {
inline int half_written_left(int n) {
    if (n > 0) return n;
}
// (called at start-up: g++ compiles the function, and so sees its end)
static const int half_written_calls = half_written_left(1);
}  // namespace ch01
CPP
  out=$(half_written_check "$d"); rc=$?; echo "$out"; rm -rf "$d"
  [ $rc -ne 0 ] && grep -q '^==> ch01 piece 1 of 4 .* does not compile' <<<"$out" &&
  grep -qE 'countdown.hpp:.*error: .*\[-Werror[=,](-W)?return-type\]' <<<"$out"
}

check_without_number_continues() {  # make check/watch/hint with no number: the chapter you are on
  local p out rc=0
  p=$(mktemp -d)
  picks() {  # picks GOAL ID: make GOAL with no number runs GOAL-ID
    local want
    case $1 in
      check) want="scripts/check.sh --chapter $2 " ;;
      watch) want="scripts/watch.sh $2 " ;;
      hint) want="scripts/hint.sh $2_" ;;
    esac
    out=$(make -n "$1" PROGRESS_DIR="$p" 2>&1); echo "$out"
    grep -qF -- "$want" <<<"$out" || { echo ">> make $1 did not pick $2"; return 1; }
  }
  picks check ch01 && grep -q 'no chapter checked yet' <<<"$out" || rc=1
  # An older record of ch03, then a real check of ch01's stubs: ch01 was checked last.
  printf 'fail\ton piece 1 of 4 (test_1_queue)\n' >"$p/ch03"; touch -d '-1 min' "$p/ch03"
  PROGRESS_DIR="$p" check_pieces pristine "$BUILD/pristine/src/exercises" again >/dev/null
  picks check ch01 && grep -q 'the chapter you checked last' <<<"$out" || rc=1
  picks watch ch01 && picks hint ch01 || rc=1
  # ch01 done: on to ch02, which has no record (ch03, in progress, waits).
  printf 'pass\tdone\n' >"$p/ch01"
  picks check ch02 && grep -q 'ch01, the chapter you checked last, is done: on to ch02' <<<"$out" || rc=1
  # After make check-ch02 (not done yet): make check goes on at ch02.
  sleep 1; printf 'fail\ton piece 2 of 4 (test_2_simple_waker)\n' >"$p/ch02"
  picks check ch02 || rc=1
  rm -rf "$p"; return $rc
}

pristine_ignores_edits() {  # make test's stubs come from git, not from a learner's edited exercises/
  git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "not a git checkout: nothing to prove"; return 0; }
  local d rc; d=$(mktemp -d)
  git clone -q --shared . "$d/clone" || { rm -rf "$d"; return 1; }
  # A learner who finished chapter 1: the reference copied over the stubs, not committed.
  cp solutions/ch01_*/*.hpp "$d/clone/exercises/"ch01_*/
  (cd "$d/clone" && ! git diff --quiet -- exercises && scripts/pristine.sh "$d/out") &&
  mkdir -p "$d/head" && git -C "$d/clone" archive HEAD exercises | tar -x -C "$d/head" &&
  diff -r "$d/head/exercises" "$d/out/exercises"
  rc=$?; rm -rf "$d"; return $rc
}

echo "make test with $BUILD (slowdown factor $EXECUTOR_TEST_SLOWDOWN)"
check "harness: a hang becomes a named failure" harness_catches_hang
check "harness: a crash names its test" harness_names_crash
check "harness: the stub check rejects a passing test" harness_rejects_passing_stub
check "harness: after a hang or crash the run goes on, summary of all" harness_goes_on_after_hang
check "harness: the hang message gives the gdb command for the binary" harness_hang_names_gdb_command
check "harness: tests that pass in a binary that fails at exit (a leak) fail" harness_exit_failure_is_not_a_pass
check "harness: a test that leaves a thread, an fd or a task behind fails" harness_fails_leaks
check "harness: a leak's verdict follows Catch's \"All tests passed\"" harness_leak_not_all_passed
check "harness: a stub reached on a worker thread is named in the summary" harness_names_stub_on_other_thread
check "harness: every run prints the hang limit it uses" harness_prints_hang_limit
check "TESTS=: an exact name with quotes, commas, brackets, wrapped" tests_exact_name
check "TESTS=: a filtered pass counts, never says 'well done'" tests_tag_filter_never_says_done
check "TESTS=: a filter that matches nothing is an error" tests_no_match_is_error
check "stubs: make test takes them from git, not your edits" pristine_ignores_edits
check "watch-chNN: a save during a check starts another check" watch_sees_save_during_check
check "check-chNN: stops at the first failing piece, names it" check_stops_at_first_failing_piece
check "check-chNN: the summary names the file to edit, then chapter N of M, piece K of M" check_names_file_to_edit
check "check-chNN: an unused private field or variable compiles, the warning shown" loop_shows_unused_warnings
check "check-chNN: a missing return is still an error (only -Wunused-* are relaxed)" loop_keeps_return_type_error
check "make check/watch/hint with no number: the chapter you checked last, or the next" check_without_number_continues
check "check-chNN: the reference passes piece by piece, then all" check_reference_passes_every_piece
check "check-chNN: a passed piece whose file changed runs again first" check_reruns_a_piece_whose_file_changed
check "help: a chapter that went green again shows done, not in progress" check_help_says_done_after_green
check "mutants: every chNN_*/mutants/*.mutant still applies" scripts/mutants.sh --check "$@"
check "layout: exercises/ holds only the learner's files, given/ each once" scripts/layout.sh
check "docs: every path ARCHITECTURE.md, DESIGN.md, CONTRIBUTING.md, README.md name exists" scripts/doc_paths.sh ARCHITECTURE.md DESIGN.md CONTRIBUTING.md README.md
check "names: one name per chapter in its card, the book, the READMEs and make help" scripts/names.sh "$@"
check "rules: every chapter's rule table names real tests and mutants, every must/never has a row" scripts/rules.sh "$@"
check "cards: each card lists every test once, by piece, and its steps name every piece" scripts/cards.sh "$BUILD" "$@"
check "cards: cards.sh passes a good card and names each fault of a bad one" tools/selftest_cards.sh
check "editors: compile_commands.json sends exercises/ and given/ files to exercises/, never solutions/" scripts/compdb_check.sh
check "editors: compdb_check.sh passes a good database and names each fault of a bad one" tools/selftest_compdb.sh
check "core primitives: tests" run_binary "$BUILD/core/tests"
check "protocol models: every interleaving, broken variants caught" run_binary "$BUILD/model/tests"
for id in "$@"; do
  check "$id reference: tests" run_binary "$BUILD/solutions/$id/tests"
done
for id in "$@"; do
  check "$id stubs (from git): compile and fail with 'not implemented yet'" stubs_fail_cleanly "$BUILD/pristine/$id/tests"
done
for id in "$@"; do
  if [ -x "$BUILD/solutions/$id/demo" ]; then
    check "$id demo: runs with its defaults" demo_runs "$BUILD/solutions/$id/demo"
    check "$id demo: rejects a bad option" demo_rejects_bad_option "$BUILD/solutions/$id/demo"
  fi
done
for bin in "$BUILD"/bench/*; do
  [ -x "$bin" ] || continue
  check "bench $(basename "$bin"): the --quick run (asio/oneTBB rows if installed)" timeout -k 5 120 "$bin" --quick
  check "bench $(basename "$bin"): rejects a bad option" demo_rejects_bad_option "$bin"
done
check "book: every excerpt matches solutions/" "$BUILD/tools/bookcheck" book/*.md
check "book site in Chromium: pages, search, 400 px, dark, print, captions, links" scripts/book_browser.sh
check "book site: the browser check catches each fault of its fixture book" scripts/book_browser.sh --selftest
# ---- the book's exercises (tools/rules.mk): giveaway measure, hint ladders ----
check "book tools: giveaway and hint.sh on their fixtures" tools/selftest.sh "$BUILD/tools/giveaway"
check "book: exercises give away <= 25 % (make giveaway)" "$BUILD/tools/giveaway" --max 25 --summary --exercises "$BUILD/pristine/src/exercises"
check "hints: every chapter's ladder, 3 levels per piece tag" scripts/hint.sh --check "$BUILD" "$@"
# ---- end of the book's exercises block ----

report_summary test
