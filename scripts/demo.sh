#!/usr/bin/env bash
# `make demo-chNN`: runs the chapter's demo inside build/demo/, so a file it
# writes (`ARGS="--trace ch04.json"`) lands there and not in the repository;
# then names the files it wrote. EXECUTOR_ROOT tells a demo where the
# repository is, should it need a file from it.
#   demo.sh BINARY [demo options...]
set -uo pipefail
bin=$(realpath "$1"); shift
root=$(pwd)
out=build/demo
mkdir -p "$out"
stamp=$(mktemp); trap 'rm -f "$stamp"' EXIT
(cd "$out" && EXECUTOR_ROOT=$root "$bin" "$@")
rc=$?
wrote=$(find "$out" -type f -newer "$stamp" 2>/dev/null | sort)
if [ -n "$wrote" ]; then
  echo
  echo "The demo wrote (relative paths in ARGS are taken from $out/):"
  sed 's/^/    /' <<<"$wrote"
  grep -q '\.json$' <<<"$wrote" && echo "    A trace opens in https://ui.perfetto.dev (Open trace file)."
fi
exit $rc
