#!/usr/bin/env bash
# bench/icount.sh BINARY: instructions per task for each executor's spawn
# benchmark, under valgrind's callgrind (no hardware counters needed).
# Each executor runs alone (--only) at two sizes; the difference divided by
# the difference in tasks cancels start-up, thread creation and the harness.
set -euo pipefail
bin=$1
small=${ICOUNT_SMALL:-2000}
large=${ICOUNT_LARGE:-6000}
command -v valgrind >/dev/null || { echo "bench-icount: needs valgrind (sudo apt-get install -y valgrind)"; exit 1; }
count() {  # $1 executor, $2 tasks -> total instructions of the run
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" --bench spawn --only "$1" --tasks "$2" \
    --repeat 1 --no-warmup 2>&1 >/dev/null | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' | tail -1
}
names=(floor asio-1 tbb-1 ch03 ch04-1 ch05-1 ch07-1 ch07-1-plain)
printf '%-14s %16s\n' executor instructions/task
declare -A per
for n in "${names[@]}"; do
  a=$(count "$n" "$small"); b=$(count "$n" "$large")
  if [ -z "$a" ] || [ -z "$b" ] || [ "$a" = "$b" ]; then printf '%-14s %16s\n' "$n" "n/a"; continue; fi
  per[$n]=$(( (b - a) / (large - small) ))
  printf '%-14s %16d\n' "$n" "${per[$n]}"
done
if [ -n "${per[asio-1]:-}" ]; then
  echo; echo "ratios to asio-1:"
  for n in "${names[@]}"; do
    [ -n "${per[$n]:-}" ] && awk -v n="$n" -v a="${per[$n]}" -v b="${per[asio-1]}" 'BEGIN{printf "  %-14s %.2fx\n", n, a/b}'
  done
fi
echo "(spawn -> complete of a trivial task, $small and $large tasks subtracted; atomic RMWs are not counted: callgrind has no event for them)"
