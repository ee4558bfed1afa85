#!/usr/bin/env bash
# bench/icount.sh BINARY: instructions, atomic read-modify-writes and
# simulated cache misses per task for each executor's spawn benchmark, under
# valgrind's callgrind (no hardware counters needed). Callgrind's
# --collect-bus counts "global bus events" (Ge): on x86, the lock-prefixed
# instructions and xchg with memory, i.e. every atomic read-modify-write (a
# plain atomic load or store is not one). --cache-sim=yes simulates a
# first-level data cache (D1: data misses) and a last-level cache (LL:
# instruction and data misses), with fixed sizes (32 KiB 8-way and 8 MiB
# 16-way, 64-byte lines) so the figures do not depend on the machine.
# Each executor runs alone (--only) at two sizes; the difference divided by
# the difference in tasks cancels start-up, thread creation and the harness.
set -euo pipefail
bin=$1
small=${ICOUNT_SMALL:-2000}
large=${ICOUNT_LARGE:-6000}
command -v valgrind >/dev/null || { echo "bench-icount: needs valgrind (sudo apt-get install -y valgrind)"; exit 1; }
count() {  # $1 executor, $2 tasks -> "instructions atomics D1-misses LL-misses" of the whole run
  valgrind --tool=callgrind --collect-bus=yes --cache-sim=yes --D1=32768,8,64 --LL=8388608,16,64 \
    --callgrind-out-file=/dev/null "$bin" --bench spawn --only "$1" --tasks "$2" --repeat 1 --no-warmup 2>&1 >/dev/null |
    awk '/Events *:/ { for (i = 4; i <= NF; i++) ev[i] = $i }
         /Collected *:/ { seen = 1; for (i = 4; i <= NF; i++) v[ev[i]] = $i }
         END { if (seen) print v["Ir"], v["Ge"], v["D1mr"] + v["D1mw"], v["ILmr"] + v["DLmr"] + v["DLmw"] }'
}
names=(floor asio-1 tbb-1 ch03 ch04-1 ch05-1 ch07-1 ch07-1-plain)
printf '%-14s %16s %16s %14s %14s\n' executor instructions/task atomic-RMWs/task D1-misses/task LL-misses/task
declare -A per
for n in "${names[@]}"; do
  read -r ia ga da la <<<"$(count "$n" "$small")" || true
  read -r ib gb db lb <<<"$(count "$n" "$large")" || true
  if [ -z "${ia:-}" ] || [ -z "${ib:-}" ] || [ "$ia" = "$ib" ]; then
    printf '%-14s %16s %16s %14s %14s\n' "$n" n/a n/a n/a n/a
    continue
  fi
  per[$n]=$(( (ib - ia) / (large - small) ))
  printf '%-14s %16d' "$n" "${per[$n]}"
  awk -v d=$((large - small)) -v ga="$ga" -v gb="$gb" -v da="$da" -v db="$db" -v la="$la" -v lb="$lb" \
    'BEGIN { printf " %16.1f %14.1f %14.1f\n", (gb - ga) / d, (db - da) / d, (lb - la) / d }'
done
if [ -n "${per[asio-1]:-}" ]; then
  echo; echo "instructions, as ratios to asio-1:"
  for n in "${names[@]}"; do
    [ -n "${per[$n]:-}" ] && awk -v n="$n" -v a="${per[$n]}" -v b="${per[asio-1]}" 'BEGIN{printf "  %-14s %.2fx\n", n, a/b}'
  done
fi
echo "(spawn -> complete of a trivial task, $small and $large tasks subtracted; the atomics and misses"
echo " include malloc's and the harness's own: compare executors, the floor shows the harness's share)"
