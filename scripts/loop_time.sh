#!/usr/bin/env bash
# `make loop-time`: the learner's loop, measured. For each chapter: build its
# exercise tests once (warm), then touch one exercise file and time
# `make check-chNN` (build + run), for two files: the one the fewest test
# files include and the one the most include (from the compiler's .d files).
# Prints a table of seconds, with the machine's load beside it.
#   loop_time.sh ch01 ch02 ...      LOOP_TIME_REPEAT=N takes the best of N
set -uo pipefail
repeat=${LOOP_TIME_REPEAT:-1}
cxx=${CXX:-g++}
build=$(make -s print-loop-build)
timing=$(mktemp); trap 'rm -f "$timing"' EXIT
ms() { echo $(( $(date +%s%N) / 1000000 )); }
sec() { awk -v m="$1" 'BEGIN { printf "%.1f", m / 1000 }'; }

echo "loop-time: $cxx, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (warming up the builds...)"
for id in "$@"; do make -s "check-$id" >/dev/null 2>&1; done
printf '\n%-6s %-24s %8s %8s %8s %8s %8s\n' chapter "file touched" rebuilt "build s" "run s" "total s" "cpu s"
for id in "$@"; do
  dir=$(ls -d "${id}"_*/ | head -n1); dir=${dir%/}
  objdir=$build/exercises/$id
  ntu=$(ls "$dir"/tests/*.cpp | wc -l)
  # For each exercise header: how many of the chapter's test files depend on it.
  # (Only the .d files of test files that exist: a renamed test leaves an old one.)
  deps=(); for t in "$dir"/tests/*.cpp; do deps+=("$objdir/$(basename "$t" .cpp).d"); done
  counts=$(for f in exercises/"$dir"/*; do
    n=$(grep -l -F "$f" "${deps[@]}" 2>/dev/null | wc -l)
    echo "$n $f"
  done | sort -n)
  fewest=$(head -n1 <<<"$counts"); most=$(tail -n1 <<<"$counts")
  for pick in "$fewest" "$most"; do
    n=${pick%% *} f=${pick#* }
    best_total="" best_build="" best_cpu=""
    for _ in $(seq 1 "$repeat"); do
      touch "$f"; : >"$timing"
      t0=$(ms)
      cpu=$( { TIMEFORMAT='%U %S'; time LOOP_TIMING=$timing make -s "check-$id" >/dev/null 2>&1; } 2>&1 | awk '{ printf "%d", ($1 + $2) * 1000 }')
      t1=$(ms)
      total=$((t1 - t0)); b=$(awk '/^build/ { print $2; exit }' "$timing")
      if [ -z "$best_total" ] || [ "$total" -lt "$best_total" ]; then best_total=$total best_build=${b:-0} best_cpu=$cpu; fi
    done
    printf '%-6s %-24s %8s %8s %8s %8s %8s\n' "$id" "$(basename "$f")" "$n/$ntu" "$(sec "$best_build")" \
      "$(sec $((best_total - best_build)))" "$(sec "$best_total")" "$(sec "$best_cpu")"
    [ "$fewest" = "$most" ] && break
  done
done
echo
echo "rebuilt = the chapter's test files that include the touched file (and recompile);"
echo "cpu = user + system seconds of the whole check (on a busy machine the wall time"
echo "grows with the load, the CPU time much less; on 2 idle cores, total >= cpu / 2)."
echo "Goal: total <= 3 s on an idle 2-core machine. Load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
