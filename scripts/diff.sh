#!/usr/bin/env bash
# `make diff-chNN`: the learner's files beside the reference.
# DIFF=side shows them in two columns instead of a unified diff.
set -uo pipefail
dir=$1
color=never; [ -t 1 ] && color=always
if [ "${DIFF:-}" = side ]; then
  diff -r -y -W "${COLUMNS:-160}" --color="$color" "exercises/$dir" "solutions/$dir"
else
  diff -r -u --color="$color" "exercises/$dir" "solutions/$dir"
fi
case $? in
  0) echo "exercises/$dir is identical to solutions/$dir." ;;
  1) echo; echo "(- lines are yours in exercises/$dir, + lines the reference in solutions/$dir; DIFF=side for two columns)" ;;
  *) exit 2 ;;
esac
exit 0
