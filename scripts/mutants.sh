#!/usr/bin/env bash
# `make mutants`: proves the plain check kills every classic bug.
#   mutants.sh ID...            every chNN_*/mutants/*.mutant of those chapters
#   mutants.sh --check ID...    only prove each mutant still applies (make test)
# Options (environment, or make variables): CHAPTER=ch03  MUTANT=<slug>
#   RUNS=20 (or MUTANT_RUNS)  MUTANT_JOBS (mutants at once; 2 when nproc >= 2)
#   MUTANT_WATCHDOG=3 (seconds per test case, times the load factor)
#   MUTANT_ABORT=1 (stop each run at its first failing test: Catch's --abort)
#
# For each mutant (format: CONTRIBUTING.md, "Mutants"): copy
# solutions/chNN_name/ and given/chNN_name/ (a mutant may break given code
# too: its file: names either) to $LOOP_BUILD/mutants/chNN/<slug>/src/, apply every
# find/replace (each find must match exactly once), build the chapter's
# pieces against that copy with make check's compiler and flags, and run the
# plain check (no STRESS, no SAN) RUNS times: the pieces in order, stopping at
# the first that fails, as make check-chNN does. Killed = every run fails and
# the output (up to that first failing piece) contains the mutant's `expect:`
# text. A run that passes, or fails without
# that text, ends the mutant's runs early: it survived.
set -uo pipefail
here=$(dirname "$0")
check_only=""
if [ "${1:-}" = --check ]; then check_only=1; shift; fi
runs=${RUNS:-${MUTANT_RUNS:-20}}
loop_build=${LOOP_BUILD:-$(make -s print-loop-build)}
loop_opt=${LOOP_OPT:--O0 -g1 -fPIC}
loop_cxx=${LOOP_CXX:-$(make -s print-loop-cxx)}
. "$here/slowdown.sh"
. "$here/pieces.sh"
set_slowdown ""
watchdog=$(awk -v w="${MUTANT_WATCHDOG:-3}" -v f="$EXECUTOR_TEST_SLOWDOWN" 'BEGIN { s = w * f; printf "%d\n", (s == int(s)) ? s : int(s) + 1 }')
if [ -n "${MUTANT_JOBS:-}" ]; then jobs=$MUTANT_JOBS
elif [ "$(nproc 2>/dev/null || echo 1)" -ge 2 ]; then jobs=2; else jobs=1; fi

# ---- reading and applying a .mutant file ------------------------------------------
# parse FILE: sets m_name m_file m_expect, and m_find[] / m_replace[]
parse() {
  local path=$1 mode=header line cur_find=""
  local -a lines=()
  m_name="" m_file="" m_expect="" m_find=() m_replace=() m_error=""
  joined() { local IFS=$'\n'; printf '%s' "${lines[*]}"; }
  while IFS= read -r line || [ -n "$line" ]; do
    case $mode in
      header)
        case $line in
          "--- find") mode=find; lines=() ;;
          name:*) m_name=$(sed -E 's/^name:[ \t]*//; s/[ \t\r]+$//' <<<"$line") ;;
          file:*) m_file=$(sed -E 's/^file:[ \t]*//; s/[ \t\r]+$//' <<<"$line") ;;
          expect:*) m_expect=$(sed -E 's/^expect:[ \t]*//; s/[ \t\r]+$//' <<<"$line") ;;
          ""|"#"*) ;;
          *) m_error="line '$line' before the first '--- find' is not name:, file: or expect:"; return 1 ;;
        esac ;;
      find)
        if [ "$line" = "--- replace" ]; then cur_find=$(joined); lines=(); mode=replace
        elif [[ $line == "--- "* ]]; then m_error="'$line' inside a find block (expected '--- replace')"; return 1
        else lines+=("$line"); fi ;;
      replace)
        if [ "$line" = "--- find" ] || [ "$line" = "--- end" ]; then
          [ -n "$cur_find" ] || { m_error="an empty find block"; return 1; }
          m_find+=("$cur_find"); m_replace+=("$(joined)"); lines=()
          if [ "$line" = "--- end" ]; then mode=end; else mode=find; fi
        elif [[ $line == "--- "* ]]; then m_error="'$line' inside a replace block"; return 1
        else lines+=("$line"); fi ;;
      end) ;;
    esac
  done <"$path"
  [ "$mode" = end ] || { m_error="no '--- end' line"; return 1; }
  [ -n "$m_name" ] || { m_error="no 'name:' line"; return 1; }
  [ -n "$m_file" ] || { m_error="no 'file:' line"; return 1; }
  [ -n "$m_expect" ] || { m_error="no 'expect:' line"; return 1; }
  return 0
}

# apply ROOT: applies the parsed mutant to ROOT/<m_file>; m_error on failure
apply() {
  local target=$1/$m_file content i n rest
  [ -f "$target" ] || { m_error="file: $m_file does not exist"; return 1; }
  content=$(cat "$target"; printf x); content=${content%x}
  for i in "${!m_find[@]}"; do
    n=0 rest=$content
    while [[ $rest == *"${m_find[$i]}"* ]]; do n=$((n + 1)); rest=${rest#*"${m_find[$i]}"}; done
    if [ $n -ne 1 ]; then
      m_error="find #$((i + 1)) matches $n times in $m_file (it must match exactly once): $(head -n1 <<<"${m_find[$i]}" | sed 's/^ *//')"
      return 1
    fi
    content="${content%%"${m_find[$i]}"*}${m_replace[$i]}${content#*"${m_find[$i]}"}"
  done
  printf '%s' "$content" >"$target"
}

# copy_reference CHDIR ROOT: the chapter's reference and given files, as
# ROOT/solutions/CHDIR/ and ROOT/given/CHDIR/ (the paths a mutant's file: names)
copy_reference() {
  mkdir -p "$2/solutions" "$2/given"
  cp -r "solutions/$1" "$2/solutions/"
  if [ -d "given/$1" ]; then cp -r "given/$1" "$2/given/"; fi
}

# ---- which mutants ------------------------------------------------------------------
files=()
for id in "$@"; do
  [ -n "${CHAPTER:-}" ] && [ "$CHAPTER" != "$id" ] && continue
  for f in "$id"_*/mutants/*.mutant; do
    [ -f "$f" ] || continue
    [ -n "${MUTANT:-}" ] && [ "$(basename "$f" .mutant)" != "$MUTANT" ] && continue
    files+=("$f")
  done
done
if [ ${#files[@]} -eq 0 ]; then
  if [ -n "${CHAPTER:-}${MUTANT:-}" ]; then
    echo "!!! mutants: no mutant matches CHAPTER='${CHAPTER:-}' MUTANT='${MUTANT:-}'."
    echo "    The mutants: $(ls ch[0-9][0-9]_*/mutants/*.mutant 2>/dev/null | tr '\n' ' ')"
    exit 2
  fi
  echo "mutants: no chNN_*/mutants/*.mutant yet."
  exit 0
fi

# ---- make test: every mutant still applies --------------------------------------------
if [ -n "$check_only" ]; then
  bad=0 scratch=$(mktemp -d); trap 'rm -rf "$scratch"' EXIT
  for f in "${files[@]}"; do
    rm -rf "$scratch"/*
    chdir=${f%%/*}
    copy_reference "$chdir" "$scratch"
    if ! parse "$f"; then echo "  $f: $m_error"; bad=$((bad + 1)); continue; fi
    case $m_file in solutions/"$chdir"/*|given/"$chdir"/*) ;; *) echo "  $f: file: $m_file is not under solutions/$chdir/ or given/$chdir/"; bad=$((bad + 1)); continue ;; esac
    if ! apply "$scratch"; then echo "  $f: $m_error"; bad=$((bad + 1)); continue; fi
    echo "  ok  $f ($m_name)"
  done
  echo "mutants --check: $((${#files[@]} - bad)) of ${#files[@]} apply"
  [ $bad -eq 0 ]; exit
fi

# ---- make mutants ---------------------------------------------------------------------
results=$(mktemp -d); rows=$(mktemp); trap 'rm -rf "$results" "$rows"' EXIT
abort_arg=(); [ -n "${MUTANT_ABORT:-}" ] && abort_arg=(--abort)
# The rule tables (scripts/rules.sh): a mutant named in a row must fail in
# that row's test, not merely somewhere.
"$here/rules.sh" --rows "$@" >"$rows" 2>/dev/null
row_tests() { awk -F'\t' -v m="$1" '$1 == m { print $2 }' "$rows"; }

one_mutant() {  # one_mutant FILE INDEX: writes results/INDEX (tab-separated row)
  local f=$1 idx=$2 chdir=${1%%/*} slug id dir bin r log line verdict="" kills=0
  slug=$(basename "$f" .mutant); id=${chdir%%_*}
  dir=$loop_build/mutants/$id/$slug
  row() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$id" "$slug" "$2" "$3" >"$results/$idx"; }
  if ! parse "$f"; then row "?" "error" "$f: $m_error"; return; fi
  rm -rf "$dir"; mkdir -p "$dir/src"
  copy_reference "$chdir" "$dir/src"
  if ! apply "$dir/src"; then row "$m_name" "error" "$f: $m_error"; return; fi
  # One folder first on the include path: the reference and the given files
  # together (no name is in both), so a mutated given file shadows given/'s.
  mv "$dir/src/solutions/$chdir" "$dir/src/$chdir"
  if [ -d "$dir/src/given/$chdir" ]; then cp "$dir/src/given/$chdir"/* "$dir/src/$chdir/"; fi
  rm -rf "$dir/src/solutions" "$dir/src/given"
  if ! make -s CXX="$loop_cxx" OPT="$loop_opt" MUTANT_DIR="$dir" MUTANT_CHAPTER="$chdir" mutant-binary >"$dir/build.log" 2>&1; then
    row "$m_name" "error" "does not compile (see $dir/build.log)"; return
  fi
  local -a pieces tests
  chapter_pieces "$chdir" 2>"$dir/pieces.log" || { row "$m_name" "error" "$(cat "$dir/pieces.log")"; return; }
  mapfile -t tests < <(row_tests "$slug")
  for r in $(seq 1 "$runs"); do
    log=$dir/run$r.log
    # As make check-chNN runs a learner's code that has no piece passed yet:
    # piece by piece in order, stopping at the first that fails.
    local rc=0 p
    : >"$log"; : >"$log.progress"
    for p in "${pieces[@]}"; do
      # (the braces keep bash's own "Aborted" job message out of the table)
      { EXECUTOR_PROGRESS=$log.progress WATCHDOG_SECONDS=$watchdog timeout -k 5 300 "$dir/pieces/$p" --use-colour no "${abort_arg[@]}" >>"$log" 2>&1; } 2>/dev/null
      rc=$?
      [ $rc -eq 0 ] || break
    done
    if [ $rc -eq 0 ]; then verdict="survived: run $r passed"; break; fi
    if ! grep -qF -- "$m_expect" "$log"; then
      line=$(grep -m1 -E 'FAILED|HANG|error|fatal' "$log" | cut -c1-120)
      verdict="failed without '$m_expect' in run $r (see $log): $line"; break
    fi
    if [ ${#tests[@]} -gt 0 ] && ! awk -F'\t' '($1 == "fail" || $1 == "hang") { print $2 }' "$log.progress" | grep -qxF -f <(printf '%s\n' "${tests[@]}"); then
      verdict="failed in run $r, but not in its rule row's test \"${tests[0]}\" (see $log)"; break
    fi
    kills=$r
  done
  line=$(grep -m1 -F -- "$m_expect" "$dir/run1.log" 2>/dev/null | sed -E 's/^[ \t]+//' | cut -c1-150)
  if [ -z "$verdict" ]; then row "$m_name" "$kills/$runs" "$line"; else row "$m_name" "$kills/$runs" "$verdict"; fi
}

echo "mutants: ${#files[@]} mutant(s), $runs runs each, $jobs at a time, watchdog ${watchdog} s per test case"
echo "         (built like make check: $loop_opt; a run ends at a hang, so a hanging mutant costs ${watchdog} s a run)"
start=$SECONDS
i=0
for f in "${files[@]}"; do
  i=$((i + 1))
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  ( one_mutant "$f" "$(printf '%04d' $i)"; IFS=$'\t' read -r n _ s k _ <"$results/$(printf '%04d' $i)"; printf '  %-6s %-28s %s\n' "${f%%_*}" "$s" "$k" ) &
done
wait

echo
printf '%-5s %-44s %-8s %s\n' chap "mutant (variant)" killed "message"
killed=0 total=0
for r in "$results"/*; do
  IFS=$'\t' read -r name id slug kills msg <"$r"
  total=$((total + 1))
  [ "$kills" = "$runs/$runs" ] && killed=$((killed + 1))
  printf '%-5s %-44s %-8s %s\n' "$id" "${name:0:44}" "$kills" "$msg"
done
echo
echo "mutants: $killed of $total killed in every one of $runs runs ($((SECONDS - start)) s)"
[ $killed -eq $total ]
