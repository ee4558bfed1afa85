#!/usr/bin/env bash
# `make test`'s check that the contributor's pages name real files, so a map
# of the repository cannot quietly go stale when a file moves:
#   doc_paths.sh FILE.md...      one line, or each path that does not exist
#
# Checked, outside code blocks (fenced or indented):
# - every `backticked` word holding a "/" is a path from the repository's
#   root (`scripts/check.sh`, `given/ch06_reactor/`);
# - every link target [text](target) that is not a URL is a path from the
#   page's own folder (an #anchor after it is ignored).
# Not checked, as patterns rather than paths: a word with a placeholder in it
# (NN, _name, <, *, ...), anything under build/ and object files (made by the
# build), and words with spaces, quotes, "=", ":" or "(" (commands, options,
# #include lines, C++).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
bad=0 n=0
while IFS=$'\t' read -r where kind path; do
  case $path in
    *NN*|*_name*|*'<'*|*'>'*|*'*'*|*...*|*'$'*|*'{'*|*=*|*:*|*'('*|*'#'*|*'"'*|build/*|/*|-*) continue ;;
    *.o|*.so|*.a|*.gch|*.pch) continue ;;  # made by the build
  esac
  if [ "$kind" = link ]; then
    file=${where%%:*}
    dir=$(dirname "$file")
    target="$dir/$path"
  else
    case $path in */*) ;; *) continue ;; esac
    target=$path
  fi
  n=$((n + 1))
  [ -e "$target" ] || { echo "  $where: \`$path\` does not exist"; bad=$((bad + 1)); }
done < <(perl -ne '
  if (/^\s*```/) { $fenced = !$fenced; next }
  # An indented line is code after a blank line or more code; after text it
  # continues a list item.
  $code = /^(    |\t)/ && ($blank || $code);
  $blank = /^\s*$/;
  next if $fenced || $code;
  while (/`([^`\s]+)`/g) { print "$ARGV:$.\tpath\t$1\n" }
  while (/\]\(([^)\s#]+)(?:#[^)]*)?\)/g) { my $t = $1; print "$ARGV:$.\tlink\t$t\n" unless $t =~ m{^[a-z]+:} }
  if (eof) { close ARGV; $blank = 1; $code = 0 }  # $. counts lines per file
' "$@")
if [ $bad -eq 0 ]; then echo "doc paths: $n paths named in $*, every one exists"; fi
[ $bad -eq 0 ]
