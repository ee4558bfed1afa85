#!/usr/bin/env bash
# `make test`: one name per chapter, the same wherever the learner meets it.
#   names.sh ch01 ch02 ...
# The chapter card's heading gives it: "# Chapter N: <name>" on the first line
# of chNN_name/README.md, N being the chapter's place in the workbook. Then
#   the book's chapter (book/chNN_name.md) opens with that same line,
#   the book's table of pages (book/README.md) lists it as [N. <name>](chNN_name.md),
#   the README's chapter table as [chNN: <name>](chNN_name/README.md),
#   make help shows it whole (scripts/help.sh, which reads the card).
set -uo pipefail
bad=0
problem() { echo "  $1"; bad=$((bad + 1)); }
has_line() { grep -qxF -- "$2" "$1" 2>/dev/null; }
help=$(PROGRESS_DIR=$(mktemp -u) scripts/help.sh "$@")
n=0
for id in "$@"; do
  n=$((n + 1))
  dir=$(ls -d "${id}"_*/ 2>/dev/null | head -n1); dir=${dir%/}
  card=$dir/README.md book=book/$dir.md
  heading=$(head -n1 "$card" 2>/dev/null)
  if ! [[ $heading =~ ^"# Chapter $n: "(.+)$ ]]; then
    problem "$card: the first line is \"$heading\", not \"# Chapter $n: <name>\""; continue
  fi
  name=${BASH_REMATCH[1]}
  [ "$(head -n1 "$book" 2>/dev/null)" = "$heading" ] ||
    problem "$book: the first line is \"$(head -n1 "$book" 2>/dev/null)\", not the card's \"$heading\""
  grep -qF -- "| [$n. $name]($dir.md) |" book/README.md ||
    problem "book/README.md: no row \"| [$n. $name]($dir.md) |\" in the table of pages"
  grep -qF -- "| [$id: $name]($dir/README.md) |" README.md ||
    problem "README.md: no row \"| [$id: $name]($dir/README.md) |\" in the chapter table"
  grep -qE -- "^  $id +$(sed 's/[][\.*^$/]/\\&/g' <<<"$name")  " <<<"$help" ||
    problem "make help does not show \"$name\" whole beside $id"
done
if [ $bad -eq 0 ]; then echo "names: $n chapters, each with one name in its card, the book, the READMEs and make help"; fi
[ $bad -eq 0 ]
