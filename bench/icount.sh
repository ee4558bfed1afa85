#!/usr/bin/env bash
# bench/icount.sh BINARY: instructions and atomic read-modify-writes per task
# for each executor's spawn benchmark, under valgrind's callgrind (no
# hardware counters needed). Callgrind's --collect-bus counts "global bus
# events" (Ge): on x86, the lock-prefixed instructions and xchg with memory,
# i.e. every atomic read-modify-write (a plain atomic load or store is not one).
# Each executor runs alone (--only) at two sizes; the difference divided by
# the difference in tasks cancels start-up, thread creation and the harness.
set -euo pipefail
bin=$1
small=${ICOUNT_SMALL:-2000}
large=${ICOUNT_LARGE:-6000}
command -v valgrind >/dev/null || { echo "bench-icount: needs valgrind (sudo apt-get install -y valgrind)"; exit 1; }
count() {  # $1 executor, $2 tasks -> "instructions atomics" of the whole run
  valgrind --tool=callgrind --collect-bus=yes --callgrind-out-file=/dev/null "$bin" --bench spawn --only "$1" \
    --tasks "$2" --repeat 1 --no-warmup 2>&1 >/dev/null | sed -n 's/.*Collected : *\([0-9]*\) *\([0-9]*\).*/\1 \2/p' | tail -1
}
names=(floor asio-1 tbb-1 ch03 ch04-1 ch05-1 ch07-1 ch07-1-plain)
printf '%-14s %16s %16s\n' executor instructions/task atomic-RMWs/task
declare -A per
for n in "${names[@]}"; do
  read -r ia ga <<<"$(count "$n" "$small")" || true
  read -r ib gb <<<"$(count "$n" "$large")" || true
  if [ -z "${ia:-}" ] || [ -z "${ib:-}" ] || [ "$ia" = "$ib" ]; then printf '%-14s %16s %16s\n' "$n" "n/a" "n/a"; continue; fi
  per[$n]=$(( (ib - ia) / (large - small) ))
  atomics=$(awk -v a="${ga:-0}" -v b="${gb:-0}" -v d=$((large - small)) 'BEGIN { printf "%.1f", (b - a) / d }')
  printf '%-14s %16d %16s\n' "$n" "${per[$n]}" "$atomics"
done
if [ -n "${per[asio-1]:-}" ]; then
  echo; echo "instructions, as ratios to asio-1:"
  for n in "${names[@]}"; do
    [ -n "${per[$n]:-}" ] && awk -v n="$n" -v a="${per[$n]}" -v b="${per[asio-1]}" 'BEGIN{printf "  %-14s %.2fx\n", n, a/b}'
  done
fi
echo "(spawn -> complete of a trivial task, $small and $large tasks subtracted; the atomics include"
echo " malloc's and the harness's own: compare executors, the floor shows the harness's share)"
