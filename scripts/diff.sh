#!/usr/bin/env bash
# `make diff-chNN`: the learner's files beside the reference.
# DIFF=side shows them in two columns instead of a unified diff.
set -uo pipefail
dir=$1
color=never; [ -t 1 ] && color=always
# The reference marks the regions the book quotes with `// [book:NAME]` lines.
# They are not part of the exercise, so the diff reads a copy without them.
ref=$(mktemp -d); trap 'rm -rf "$ref"' EXIT
mkdir -p "$ref/solutions"
cp -r "solutions/$dir" "$ref/solutions/"
find "$ref/solutions" -type f -exec sed -i -E '/^ *\/\/ \[\/?book:[A-Za-z0-9_-]+\] *$/d' {} +
if [ "${DIFF:-}" = side ]; then
  diff -r -y -W "${COLUMNS:-160}" --color="$color" "exercises/$dir" "$ref/solutions/$dir"
else
  diff -r -u --color="$color" "exercises/$dir" "$ref/solutions/$dir"
fi | sed "s|$ref/||g"
case ${PIPESTATUS[0]} in
  0) echo "exercises/$dir is identical to solutions/$dir." ;;
  1) echo; echo "(- lines are yours in exercises/$dir, + lines the reference in solutions/$dir; DIFF=side for two columns)" ;;
  *) exit 2 ;;
esac
exit 0
