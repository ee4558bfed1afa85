#!/usr/bin/env bash
# `make watch-chNN`: runs make check-chNN, then again every time a file of the
# chapter under exercises/ is saved, clearing the screen between runs.
# It waits with inotifywait (Debian's inotify-tools, installed like the other
# dependencies) and falls back to looking once a second when that is missing;
# it says which (WATCH_POLL=1 forces polling). Ctrl-C stops it.
#   watch.sh chNN chNN_name
# WATCH_CHECK replaces the check it runs (make test's self-test of this script);
# WATCH_ROUNDS stops it after that many checks.
set -uo pipefail
id=$1 dir=$2
watched=${WATCH_DIR:-exercises/$dir}
rounds=0
[ -d "$watched" ] || { echo "watch: $watched does not exist"; exit 2; }
if [ -n "${WATCH_POLL:-}" ]; then
  how="polling once a second (WATCH_POLL is set)"
elif command -v inotifywait >/dev/null 2>&1 || scripts/deps.sh inotifywait:inotify-tools >/dev/null 2>&1; then
  how="inotify"
else
  how="polling once a second (install inotify-tools for instant, idle waiting)"
fi

waiter=""
stop() {
  [ -n "$waiter" ] && kill "$waiter" 2>/dev/null
  echo
  echo "watch-$id: stopped."
  exit 0
}
trap stop INT TERM

snapshot() { find "$watched" -type f -printf '%p %T@ %s\n' 2>/dev/null | sort; }

while :; do
  [ -t 1 ] && printf '\033[H\033[2J\033[3J'
  echo "watch-$id: make check-$id ($(date +%H:%M:%S))"
  # A save made while the check runs must not wait for the next one: what the
  # files were when the check started is compared with what they are after.
  started=$(snapshot)
  if [ -n "${WATCH_CHECK:-}" ]; then bash -c "$WATCH_CHECK"; else make --no-print-directory "check-$id"; fi
  rounds=$((rounds + 1))
  if [ -n "${WATCH_ROUNDS:-}" ] && [ "$rounds" -ge "$WATCH_ROUNDS" ]; then echo "watch-$id: $rounds checks run (WATCH_ROUNDS)"; exit 0; fi
  echo
  if [ "$(snapshot)" != "$started" ]; then
    echo "watch-$id: a file in $watched/ was saved while the check ran: checking again."
    sleep 0.2
    continue
  fi
  echo "watch-$id: waiting for you to save a file in $watched/ ($how). Ctrl-C stops."
  if [ "$how" = inotify ]; then
    # Editors save by writing in place or by writing a new file and renaming it.
    inotifywait -q -r -e close_write -e moved_to -e create -e delete "$watched" >/dev/null 2>&1 &
    waiter=$!
    wait "$waiter"
    waiter=""
    sleep 0.2  # an editor's save is often several events: let them settle
  else
    before=$(snapshot)
    while [ "$(snapshot)" = "$before" ]; do sleep 1; done
  fi
done
