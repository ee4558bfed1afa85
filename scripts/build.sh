#!/usr/bin/env bash
# Builds with every core busy and prints a compile error once.
#   build.sh MAKE [make arguments...]      (the Makefile calls it as $(MAKE))
# make keeps going past a test file that does not compile (-k), so every file
# that can be built is built; then the first failing file's errors are shown
# in full, and the others are only counted: an error in a header shows up in
# every test file that includes it, and reading it once is enough.
set -uo pipefail
make=$1; shift
errs=$(mktemp); trap 'rm -f "$errs"' EXIT
color=""; [ -t 1 ] && color=-fdiagnostics-color=always
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

t0=${EPOCHREALTIME//[!0-9]/}   # microseconds
# make's own "*** [target] Error 1" lines repeat what the summary below says.
COMPILE_ERRORS_TO=$errs "$make" -k -j"$jobs" -O COMPILE_COLOR="$color" "$@" 2>&1 |
  grep --line-buffered -v -E "^make(\[[0-9]+\])?: (\*\*\* |Target .* not remade because of errors|'.*' is up to date\.)"
rc=${PIPESTATUS[0]}
# make loop-time reads how long the build took.
[ -n "${LOOP_TIMING:-}" ] && echo "build $(( (${EPOCHREALTIME//[!0-9]/} - t0) / 1000 ))" >>"$LOOP_TIMING"
[ "$rc" -eq 0 ] && exit 0
if [ ! -s "$errs" ]; then
  echo "!!! the build failed (the message is above)."
  exit "$rc"
fi

strip() { sed $'s/\x1b\\[[0-9;]*[mK]//g'; }
first_error() { strip < "$1" | grep -m1 -E 'error|Error' ; }
mapfile -t failed < "$errs"
src=${failed[0]%% *}; log=${failed[0]#* }
echo
echo "!!! $src does not compile:"
cat "$log"
if [ ${#failed[@]} -gt 1 ]; then
  want=$(first_error "$log")
  same=() other=()
  for entry in "${failed[@]:1}"; do
    if [ "$(first_error "${entry#* }")" = "$want" ]; then same+=("${entry%% *}"); else other+=("${entry%% *}"); fi
  done
  if [ ${#same[@]} -gt 0 ]; then
    echo "!!! ${#same[@]} more test file(s) failed with the same first error (it is in a header they share): ${same[*]}"
  fi
  for f in "${other[@]}"; do
    echo "!!! $f failed too, with another error; see ${f##*/}'s log: $(grep -F "$f " "$errs" | head -n1 | cut -d' ' -f2)"
  done
fi
exit "$rc"
