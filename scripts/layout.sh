#!/usr/bin/env bash
# `make test`'s check of the tree's layout (CONTRIBUTING.md, "Where code lives"):
# - every file under exercises/ is the learner's: it calls core::todo(, it has
#   a reference of the same name in solutions/, and it is not that reference;
# - every file of solutions/ has its stub (make diff-chNN pairs them);
# - a given file (given/chNN_name/) exists once: no stub or reference has its
#   name, which would shadow it on the include path;
# - every learner file is named by an #include in one of its chapter's test
#   files (the piece that introduces it): check-chNN re-runs a passed piece
#   when a file its test names changed, so an unnamed file's regression would
#   surface in a later piece, under a misleading message.
set -uo pipefail
bad=0
problem() { echo "  $1"; bad=$((bad + 1)); }
for f in exercises/*/*; do
  [ -f "$f" ] || continue
  rel=${f#exercises/}
  grep -q 'core::todo(' "$f" || problem "$f has no core::todo(: a file the learner does not edit belongs in given/${rel}"
  if [ ! -f "solutions/$rel" ]; then problem "$f has no reference solutions/$rel"
  elif cmp -s "$f" "solutions/$rel"; then problem "$f is identical to solutions/$rel: move it to given/$rel"; fi
  chapter=${rel%%/*}
  grep -qs "^#include \"$rel\"" "$chapter"/tests/test_*.cpp ||
    problem "$f is named by no #include in $chapter/tests/test_*.cpp: include it in the test of the piece that introduces it"
done
for f in solutions/*/*; do
  [ -f "$f" ] || continue
  [ -f "exercises/${f#solutions/}" ] || problem "$f has no stub exercises/${f#solutions/}"
done
for f in given/*/*; do
  [ -f "$f" ] || continue
  rel=${f#given/}
  for v in exercises solutions; do
    [ -e "$v/$rel" ] && problem "$v/$rel shadows the given $f on the include path"
  done
done
n=$(ls exercises/*/* | wc -l); g=$(ls given/*/* 2>/dev/null | wc -l)
if [ $bad -eq 0 ]; then echo "layout: $n learner files, each with its reference and a todo; $g given files, each once"; fi
[ $bad -eq 0 ]
