#!/usr/bin/env bash
# `make loop-time`: the learner's loop, measured, on a scratch copy of the
# reference (build/loop-time/src, checked with make check-chNN LEARNER=...),
# so your exercises/ are never touched and every piece compiles real code.
#
# For each chapter and each piece K: pieces 1..K-1 have passed, K is the one
# being worked on. Touch the exercise header that piece K's test file includes
# and the fewest other pieces do (the header of that piece), and time
# make check-chNN until piece K has been built and run: what a learner waits
# for after saving a file. Then, per chapter, the finishing run: every piece
# passed before, the header the most pieces include is touched, and the check
# rebuilds and runs them all.
#   loop_time.sh ch01 ch02 ...      LOOP_TIME_REPEAT=N takes the best of N
set -uo pipefail
. "$(dirname "$0")/pieces.sh"
repeat=${LOOP_TIME_REPEAT:-1}
cxx=$(make -s print-loop-cxx)
build=$(make -s print-loop-build)
src=build/loop-time/src
learner_build=$build/learner-${src//\//-}
timing=$(mktemp); trap 'rm -f "$timing"' EXIT
ms() { echo $(( $(date +%s%N) / 1000000 )); }
sec() { awk -v m="$1" 'BEGIN { printf "%.1f", m / 1000 }'; }
log=build/loop-time.log
check() {  # check ID [env...]: make check-ID on the scratch copy; sets t_build t_total (ms), t_rc
  local id=$1; shift
  : >"$timing"
  local t0; t0=$(ms)
  env "$@" LOOP_TIMING="$timing" make -s "check-$id" LEARNER="$src" >"$log" 2>&1
  t_rc=$?
  local t1; t1=$(ms)
  t_total=$((t1 - t0))
  local b; b=$(awk '/^built/ { print $2; exit }' "$timing")
  t_build=$(( ${b:-$t1} - t0 ))
  local r; r=$(awk '/^ran/ { print $2; exit }' "$timing")
  [ -n "$r" ] && [ "$*" = LOOP_TIME_STOP=1 ] && t_total=$((r - t0))
  t_failed=""; [ -n "$r" ] || t_failed=1   # the piece did not build: the figure means nothing
}

rm -rf build/loop-time; mkdir -p "$src"
echo "loop-time: $cxx (make check's compiler), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "           on a copy of the reference in $src (warming up each chapter's build first)"
printf '\n%-6s %-30s %-20s %7s %7s %7s\n' chapter piece "file touched" "build s" "run s" "total s"
worst_all=0
summary=()
for id in "$@"; do
  dir=$(ls -d "${id}"_*/ | head -n1); dir=${dir%/}
  cp -r "solutions/$dir" "$src/"
  make -s "check-$id" LEARNER="$src" >/dev/null 2>&1   # warm: every piece built, and passed
  chapter_pieces "$dir" || exit 2
  # which scratch headers each piece's test file includes (from the compiler's .d files)
  declare -A uses=()
  for f in "$src/$dir"/*; do
    n=0
    for p in "${pieces[@]}"; do grep -qF "$f" "$learner_build/$id/$p.d" 2>/dev/null && n=$((n + 1)); done
    uses[$f]=$n
  done
  worst=0
  for k in "${!pieces[@]}"; do
    # the header of piece k: included by its test, and by the fewest pieces
    pick="" best=999
    for f in "$src/$dir"/*; do
      grep -qF "$f" "$learner_build/$id/${pieces[$k]}.d" 2>/dev/null || continue
      [ "${uses[$f]}" -lt "$best" ] && { best=${uses[$f]}; pick=$f; }
    done
    [ -n "$pick" ] || continue
    bt="" bb=""
    for _ in $(seq 1 "$repeat"); do
      for j in "${!pieces[@]}"; do
        if [ "$j" -lt "$k" ]; then touch "$learner_build/$id/pieces/${pieces[$j]}.passed"
        else rm -f "$learner_build/$id/pieces/${pieces[$j]}.passed"; fi
      done
      touch "$pick"
      check "$id" LOOP_TIME_STOP=1
      if [ -n "$t_failed" ]; then
        echo "!!! loop-time: make check-$id LEARNER=$src did not build piece $((k + 1)); run it to see why." >&2
        exit 1
      fi
      if [ -z "$bt" ] || [ "$t_total" -lt "$bt" ]; then bt=$t_total bb=$t_build; fi
    done
    printf '%-6s %-30s %-20s %7s %7s %7s\n' "$id" "$((k + 1)) ${pieces[$k]#test_}" "$(basename "$pick")" \
      "$(sec "$bb")" "$(sec $((bt - bb)))" "$(sec "$bt")"
    [ "$bt" -gt "$worst" ] && worst=$bt
  done
  # the finishing run: every piece passed before; the most-included header touched
  most=$(for f in "${!uses[@]}"; do echo "${uses[$f]} $f"; done | sort -n | tail -n1); most=${most#* }
  make -s "check-$id" LEARNER="$src" >/dev/null 2>&1
  touch "$most"
  check "$id"
  if [ "$t_rc" -ne 0 ] || ! grep -q "^==> $id: all .* Well done" "$log"; then
    echo "!!! loop-time: the finishing run of the reference failed (a flaky test?): its output is in $log" >&2
    exit 1
  fi
  summary+=("$(printf '%-6s the piece being worked on, worst: %5s s   the finishing run (all %d pieces, %s touched): %5s s' \
    "$id" "$(sec "$worst")" "${#pieces[@]}" "$(basename "$most")" "$(sec "$t_total")")")
  [ "$worst" -gt "$worst_all" ] && worst_all=$worst
  unset uses
done
echo
printf '%s\n' "${summary[@]}"
echo
echo "total = build + run of the piece being worked on: make check-chNN runs that piece first"
echo "and stops there while it fails. The finishing run rebuilds and runs every piece once the"
echo "piece passes; it is not the loop, and is shown for completeness."
echo "Goal: the piece being worked on <= 3 s on an idle 2-core machine; worst here: $(sec "$worst_all") s."
echo "Load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf build/loop-time
