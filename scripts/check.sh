#!/usr/bin/env bash
# `make check-chNN`: the learner's loop, one piece at a time.
#   check.sh --chapter chNN --dir chNN_name --build DIR --learner exercises -- MAKE [args]
#
# A piece is one test file, chNN_name/tests/test_K_<what>.cpp, in the chapter
# card's order, with a binary of its own (DIR/pieces/test_K_<what>), so an
# edit rebuilds only the piece being worked on: one test file, not all of
# them. The check
#   1. runs the current piece first: the first, in order, that has not passed
#      yet (a piece that passes leaves DIR/pieces/<name>.passed; a failure
#      removes it). Only that piece is built and run, so the loop stays short;
#   2. once it passes, runs every other piece in order (rebuilding what your
#      edits made stale), and stops at the first that fails: that one is the
#      current piece from now on;
#   3. when every piece passes in one run: the chapter is done.
# Before 1: a piece that passed, but one of whose files (a file of yours its
# test file includes by name) changed since, is run again first, in order: an edit for a later piece that breaks an earlier one is
# reported at the piece it broke, not as a puzzling failure further on.
# make check-chNN ALL=1 (or TESTS=..., STRESS=...) runs the whole chapter's
# binary at once instead (the Makefile does that, not this script).
# A piece that passes shows its verdict line; one that fails, Catch's report of
# its failing tests and the summary (VERBOSE=1: all of Catch's output, always).
# A check that stops at a piece names the files to edit (those of yours the
# piece's test includes by name) and ends with one line of overall progress:
# "chapter N of 7 (its name), piece K of M".
set -uo pipefail
here=${0%/*}; [ "$here" = "$0" ] && here=.
chapter="" dir="" build="" learner=exercises
while [ $# -gt 0 ]; do
  case "$1" in
    --chapter) chapter=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --learner) learner=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "check.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
make_cmd=("$@")
. "$here/pieces.sh"
chapter_pieces "$dir" || exit 2
n=${#pieces[@]}
stamp() { echo "$build/pieces/$1.passed"; }
declare -A stale_why=()
label() { echo "piece $(($1 + 1)) of $n ($dir/tests/${pieces[$1]}.cpp)"; }
chapters=(ch[0-9][0-9]_*/)
position=0
for k in "${!chapters[@]}"; do [ "${chapters[$k]%/}" = "$dir" ] && position=$((k + 1)); done
title=$(head -n1 "$dir/README.md" 2>/dev/null | sed -E 's/^# *//; s/^[Cc]hapter [0-9]+[:.]? *//')
overall() {  # overall WHERE: the one line of overall progress
  echo "==> progress: chapter $position of ${#chapters[@]}${title:+ ($title)}, $1"
}
named_files() {  # named_files I: the files of yours piece I's test includes by name, in its order
  # (not the whole chapter that comes with them through executor.hpp: a piece
  # is about the headers its test names)
  local name
  while read -r name; do
    [ -f "$learner/$name" ] && echo "$learner/$name"
  done < <(sed -nE 's|^#include "('"$dir"'/[^"]+)".*|\1|p' "$dir/tests/${pieces[$1]}.cpp")
  return 0
}
progress() {  # progress VERDICT TEXT: what make help shows for this chapter
  # (PROGRESS_DIR: the self-test's own folder, for a learner folder of its own)
  [ "$learner" = exercises ] || [ -n "${PROGRESS_DIR:-}" ] || return 0
  local d=${PROGRESS_DIR:-build/progress}
  mkdir -p "$d"; printf '%s\t%s\n' "$1" "$2" >"$d/$chapter"
}
mark() {  # mark STAGE: make loop-time reads when each stage ended
  [ -n "${LOOP_TIMING:-}" ] && echo "$1 $(( ${EPOCHREALTIME//[!0-9]/} / 1000 ))" >>"$LOOP_TIMING"
  return 0
}

build() {  # build I [J...]: the pieces' binaries, every core busy, an error printed once
  local targets=() i
  for i in "$@"; do targets+=("$build/pieces/${pieces[$i]}"); done
  "$here/build.sh" "${make_cmd[@]}" "${targets[@]}"
}

listed() {  # listed A B C: "A, B and C"
  local out="" k
  for ((k = 1; k <= $#; k++)); do
    if [ "$k" -eq 1 ]; then out=${!k}; elif [ "$k" -eq $# ]; then out+=" and ${!k}"; else out+=", ${!k}"; fi
  done
  echo "$out"
}
what_to_edit() {  # what_to_edit I: which of your files piece I is about, to edit next
  local -a named=() earlier=() new=() old=()
  local j f again="then make check-$chapter again"
  mapfile -t named < <(named_files "$1")
  for ((j = 0; j < $1; j++)); do mapfile -t -O "${#earlier[@]}" earlier < <(named_files "$j"); done
  for f in "${named[@]}"; do
    if printf '%s\n' "${earlier[@]}" | grep -qxF -- "$f"; then old+=("${f##*/}"); else new+=("$f"); fi
  done
  if [ ${#new[@]} -gt 0 ]; then
    echo "    Edit $(listed "${new[@]}"), $again"
    [ ${#old[@]} -gt 0 ] && echo "    (its test also uses $(listed "${old[@]}"), which earlier pieces passed with)."
  elif [ ${#named[@]} -gt 0 ]; then
    local it=it; [ ${#named[@]} -gt 1 ] && it=them
    echo "    Edit $(listed "${named[@]}"), $again"
    echo "    (earlier pieces passed with $it: this piece asks more of $it)."
  else
    echo "    Edit $learner/$dir/ ($(cd "$learner/$dir" 2>/dev/null && listed *)), $again"
    echo "    (this piece's test names none of these files: it runs them all together; $dir/README.md's"
    echo "    ## Steps says which the piece is about)."
  fi
}
failed_at() {  # failed_at I [FILE]: the check stops at piece I (FILE: the edit that broke it)
  local i=$1 rest=""
  rm -f "$(stamp "${pieces[$i]}")"
  [ $((i + 1)) -lt "$n" ] && rest="; pieces $((i + 2))-$n wait for it"
  [ $((i + 1)) -eq $((n - 1)) ] && rest="; piece $n waits for it"
  echo "    This is the piece to work on now$rest."
  if [ -n "${2:-}" ]; then echo "    Edit $2 (its change broke this piece), then make check-$chapter again."
  else what_to_edit "$i"; fi
  echo "    Stuck? make hint-$chapter, or peek: make diff-$chapter"
  overall "piece $((i + 1)) of $n"
  progress fail "on piece $((i + 1)) of $n (${pieces[$i]})"
  exit 1
}

# (VERBOSE=1: all of Catch's output, as it comes, for passing pieces too)
output=--failures-only; [ -n "${VERBOSE:-}" ] && [ "${VERBOSE}" != 0 ] && output=""
run() {  # run I: run piece I; a pass leaves its stamp
  local i=$1
  if SAN="${SAN:-}" "$here/run_tests.sh" --chapter "$chapter" --dir "$dir" --variant exercises $output \
       --piece "$chapter $(label "$i")" "$build/pieces/${pieces[$i]}"; then
    touch "$(stamp "${pieces[$i]}")"
    return 0
  fi
  return 1
}

# ---- 0. passed pieces whose files changed since they passed ------------------------
current=""
for i in "${!pieces[@]}"; do
  [ -f "$(stamp "${pieces[$i]}")" ] || { current=$i; break; }
done
changed_since() {  # changed_since I: the first file of yours that piece I's test names and that changed since its pass
  local s f
  s=$(stamp "${pieces[$1]}")
  # (the files its test names, not all it includes: ch07's later pieces
  # include everything; re-running them all after every edit would cost a
  # compile each)
  while read -r f; do
    [ "$f" -nt "$s" ] && { echo "$f"; return; }
  done < <(named_files "$1")
}
stale=()
for i in "${!pieces[@]}"; do
  [ -n "$current" ] && [ "$i" -ge "$current" ] && break
  f=$(changed_since "$i")
  [ -n "$f" ] && { stale+=("$i"); stale_why[$i]=$f; }
done
if [ ${#stale[@]} -gt 0 ]; then
  for i in "${stale[@]}"; do
    echo "check-$chapter: $(label "$i") passed before, but ${stale_why[$i]} changed since: it runs again first"
  done
  # (built together with the current piece: one core each, so the wait is
  # about the same as for the current piece alone)
  if ! build "${stale[@]}" ${current:+"$current"}; then
    for i in "${stale[@]}" ${current:+"$current"}; do
      if ! "${make_cmd[@]}" -s -q "$build/pieces/${pieces[$i]}" 2>/dev/null; then
        echo "==> $chapter $(label "$i") does not compile (the first error is above)."
        failed_at "$i"
      fi
    done
  fi
  for i in "${stale[@]}"; do
    if ! run "$i"; then
      echo "    It passed before: the change to ${stale_why[$i]} broke it."
      failed_at "$i" "${stale_why[$i]}"
    fi
  done
  echo
fi

# ---- 1. the current piece --------------------------------------------------------
if [ -n "$current" ]; then
  done_before=$current
  echo "check-$chapter: $(label "$current")"
  case $done_before in
    0) ;;
    1) echo "    (piece 1 passed before; it runs again once this one passes)" ;;
    *) echo "    (pieces 1-$done_before passed before; they run again once this one passes)" ;;
  esac
  if ! build "$current"; then
    echo "==> $chapter $(label "$current") does not compile (the first error is above)."
    mark built; failed_at "$current"
  fi
  mark built
  if ! run "$current"; then mark ran; failed_at "$current"; fi
  mark ran
  # make loop-time measures the loop on one piece and stops here.
  [ -n "${LOOP_TIME_STOP:-}" ] && exit 0
fi

# ---- 2. every piece, in order, in one run ------------------------------------------------
# Build ahead in pairs (one piece per core), run in order, stop at the first
# failure. The piece that just passed above is not run twice.
echo
if [ -n "$current" ]; then
  echo "check-$chapter: now the other pieces, in order (a fix in one piece can break another)"
else
  echo "check-$chapter: every piece has passed before; now all of them, in order, in one run"
fi
count() { "$build/pieces/${pieces[$1]}" --list-test-names-only 2>/dev/null | grep -c .; }
total=0
i=0
while [ "$i" -lt "$n" ]; do
  batch=()
  for j in "$i" $((i + 1)); do
    [ "$j" -lt "$n" ] && [ "$j" != "$current" ] && batch+=("$j")
  done
  i=$((i + 2))
  [ ${#batch[@]} -gt 0 ] || continue
  built=1; build "${batch[@]}" || built=""
  for j in "${batch[@]}"; do
    # (after a failed build, the piece whose binary is not up to date is the one)
    if [ -z "$built" ] && ! "${make_cmd[@]}" -s -q "$build/pieces/${pieces[$j]}" 2>/dev/null; then
      echo "==> $chapter $(label "$j") does not compile (the first error is above)."
      failed_at "$j"
    fi
    run "$j" || failed_at "$j"
  done
done
for j in "${!pieces[@]}"; do total=$((total + $(count "$j"))); done

echo
echo "==> $chapter: all $n pieces pass, all $total tests. Well done!"
echo "    Compare with the reference:  make diff-$chapter"
next=$(printf 'ch%02d' $((10#${chapter#ch} + 1)))
if ls -d "${next}"_*/ >/dev/null 2>&1; then
  echo "    Then go on:                  read $(ls -d "${next}"_*/)README.md and run make check-$next"
  echo "                                 (or make check: it goes on where you are)"
fi
overall "all $n pieces pass"
progress pass done
exit 0
