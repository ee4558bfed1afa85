#!/bin/sh
# A stand-in test binary for scripts/cards.sh's self-test: answers what
# cards.sh asks of a real one (--list-test-names-only, --list-tags, and
# "[tag]" --list-test-names-only) from a table of "tags<TAB>name" lines.
#   fake_catch.sh TABLE ARGS...
table=$1; shift
case "$1" in
  --list-test-names-only) cut -f2 "$table" ;;
  --list-tags)
    echo "All available tags:"
    cut -f1 "$table" | grep -oE '\[[^]]+\]' | sort | uniq -c | awk '{ printf "  %2d  %s\n", $1, $2 }'
    echo "$(cut -f1 "$table" | grep -oE '\[[^]]+\]' | sort -u | wc -l) tags" ;;
  \[*)
    [ "$2" = --list-test-names-only ] || { echo "fake_catch.sh: unexpected arguments: $*" >&2; exit 2; }
    awk -F '\t' -v tag="$1" 'index($1, tag) { print $2 }' "$table" ;;
  *) echo "fake_catch.sh: unexpected arguments: $*" >&2; exit 2 ;;
esac
