#!/usr/bin/env bash
# The hint ladder (format: CONTRIBUTING.md, "Hints: chNN_name/hints.md").
#
#   hint.sh chNN_name                 make hint-chNN: the next level for the
#                                     first piece (in hints.md order) whose
#                                     tests fail against your exercises/
#   PIECE=queue hint.sh chNN_name     the next level of that piece
#   LEVEL=2 hint.sh chNN_name         that level of the failing piece
#   PIECE=queue LEVEL=2 hint.sh ...   exactly that one
#   hint.sh --check BUILD chNN ...    make test: every chapter's hints.md has
#                                     three non-empty levels per piece, and its
#                                     pieces are exactly the piece tags of the
#                                     chapter's tests (--list-tags of the
#                                     reference binary in BUILD)
#
# How the failing piece is found: the chapter's exercise test binary (the one
# `make check-chNN` builds and runs; `make hint-binary` brings it up to date) is run
# once per piece, in hints.md order, with the piece's tag as the filter, a
# watchdog (HINT_WATCHDOG_SECONDS, default 10 as in make check, per test case) and a
# backstop (HINT_TIMEOUT, default 60 s, per piece). The first piece whose run
# fails is the one. A hang counts as a failure, so this never hangs.
# What was shown is remembered in build/hints/chNN.state ("piece level" lines),
# so the next call climbs one level; at level 3 it shows level 3 again.
# (HINT_BINARY=<test binary> replaces the exercise binary: for testing this script.)
set -uo pipefail

# ---- reading hints.md ----------------------------------------------------------

pieces() {  # pieces FILE: the piece names, in file order
  awk '/^## piece:/ { sub(/^## piece:[ \t]*/, ""); sub(/[ \t\r]+$/, ""); print }' "$1"
}

level_text() {  # level_text FILE PIECE N: the text of one level, blank edges trimmed
  awk -v want="$2" -v lvl="$3" '
    /^## /  { piece = ""; if ($0 ~ /^## piece:/) { p = $0; sub(/^## piece:[ \t]*/, "", p); sub(/[ \t\r]+$/, "", p); piece = p }; on = 0; next }
    /^### / { l = $0; sub(/^### */, "", l); sub(/[ \t\r]+$/, "", l); on = (piece == want && l == lvl); next }
    on      { lines[++n] = $0 }
    END {
      first = 1; while (first <= n && lines[first] ~ /^[ \t\r]*$/) first++
      last = n;  while (last >= first && lines[last] ~ /^[ \t\r]*$/) last--
      for (i = first; i <= last; i++) print lines[i]
    }' "$1"
}

validate() {  # validate FILE: one line per problem; silent when the ladder is well formed
  awk -v file="$1" '
    function close_piece() {
      if (piece == "") return
      if (level != 3) printf "%s: piece \"%s\" has %d level(s); it needs exactly three (### 1, ### 2, ### 3)\n", file, piece, level
      else if (!text[3]) printf "%s: piece \"%s\", level 3 is empty\n", file, piece
    }
    /^## / {
      close_piece()
      if ($0 !~ /^## piece:[ \t]*[^ \t\[\]]+[ \t\r]*$/) {
        printf "%s:%d: a second-level heading must be \"## piece: <tag>\" (one word, the test tag without brackets), not \"%s\"\n", file, NR, $0
        piece = ""; next
      }
      piece = $0; sub(/^## piece:[ \t]*/, "", piece); sub(/[ \t\r]+$/, "", piece)
      npieces++
      if (seen[piece]++) printf "%s:%d: piece \"%s\" appears twice\n", file, NR, piece
      level = 0; delete text; next
    }
    /^### / {
      l = $0; sub(/^### */, "", l); sub(/[ \t\r]+$/, "", l)
      if (piece == "") { printf "%s:%d: \"%s\" outside any \"## piece:\" section\n", file, NR, $0; next }
      if (level > 0 && !text[level]) printf "%s: piece \"%s\", level %d is empty\n", file, piece, level
      if (l != level + 1) printf "%s:%d: piece \"%s\": expected \"### %d\", found \"%s\" (levels are ### 1, ### 2, ### 3 in order)\n", file, NR, piece, level + 1, $0
      level++; next
    }
    piece != "" && level > 0 && $0 !~ /^[ \t\r]*$/ { text[level] = 1 }
    END {
      close_piece()
      if (npieces == 0) printf "%s: no \"## piece: <tag>\" section\n", file
    }' "$1"
}

# The piece tags of a test binary: every tag except [chNN], [race] and
# Catch2's hidden/special ones ([.], [!...], [#file]).
piece_tags() {
  "$1" --list-tags 2>/dev/null | grep -oE '\[[^]]+\]' | tr -d '[]' |
    grep -vE '^(ch[0-9]+|race|\..*|!.*|#.*)$' | sort -u
}

# ---- make test: --check --------------------------------------------------------

if [ "${1:-}" = --check ]; then
  build=$2; shift 2
  problems=0
  for id in "$@"; do
    dir=$(ls -d "${id}"_*/ 2>/dev/null | head -n1); dir=${dir%/}
    file="$dir/hints.md"
    if [ ! -f "$file" ]; then
      echo "$id: $file is missing (a hint ladder per piece: see CONTRIBUTING.md)"; problems=$((problems + 1)); continue
    fi
    before=$problems
    out=$(validate "$file")
    if [ -n "$out" ]; then echo "$out"; problems=$((problems + $(wc -l <<<"$out"))); fi
    bin="$build/solutions/$id/tests"
    if [ ! -x "$bin" ]; then echo "$id: $bin is not built (make $bin)"; problems=$((problems + 1)); continue; fi
    tags=$(piece_tags "$bin")
    have=$(pieces "$file" | sort -u)
    for p in $(comm -13 <(echo "$tags") <(echo "$have")); do
      echo "$file: piece \"$p\" is not a tag of any $id test case (the tags are: $(echo $tags))"; problems=$((problems + 1))
    done
    for t in $(comm -23 <(echo "$tags") <(echo "$have")); do
      echo "$file: no piece for the test tag [$t] (every piece tag gets a ladder)"; problems=$((problems + 1))
    done
    [ "$problems" -eq "$before" ] && echo "$id: $(pieces "$file" | wc -l) pieces, three levels each, one per piece tag"
  done
  [ "$problems" -eq 0 ]
  exit
fi

# ---- make hint-chNN ------------------------------------------------------------

dir=${1:?usage: hint.sh chNN_name | hint.sh --check BUILD chNN ...}
dir=${dir%/}
id=${dir%%_*}
file="$dir/hints.md"
piece=${PIECE:-}
level=${LEVEL:-}

if [ ! -f "$file" ]; then
  echo "hint: chapter $id has no hint ladder yet ($file does not exist)."
  echo "      Here is the chapter card's Hints section instead ($dir/README.md):"
  echo
  awk '/^## Hints/{on=1; print; next} /^## /{on=0} on' "$dir/README.md"
  exit 0
fi
problems=$(validate "$file")
if [ -n "$problems" ]; then
  echo "hint: $file is not a well-formed ladder (the chapter's author should fix it):" >&2
  echo "$problems" | sed 's/^/      /' >&2
fi
mapfile -t all < <(pieces "$file")
if [ ${#all[@]} -eq 0 ]; then echo "hint: $file has no \"## piece: <tag>\" section." >&2; exit 1; fi
list="${all[*]}"

if [ -n "$piece" ] && ! printf '%s\n' "${all[@]}" | grep -qxF -- "$piece"; then
  echo "hint: chapter $id has no piece '$piece'. The pieces are: $list" >&2
  echo "      e.g. make hint-$id PIECE=${all[0]} LEVEL=1" >&2
  exit 2
fi
if [ -n "$level" ] && ! [[ "$level" =~ ^[123]$ ]]; then
  echo "hint: LEVEL must be 1, 2 or 3 (1 a nudge, 2 the invariant, 3 a sketch), not '$level'." >&2
  exit 2
fi

state="build/hints/$id.state"
mkdir -p build/hints
shown() { awk -v p="$1" '$1 == p { print $2 }' "$state" 2>/dev/null | tail -n1; }

why=""
if [ -z "$piece" ]; then
  # Find the first piece whose tests fail against the learner's code.
  bin=${HINT_BINARY:-}  # HINT_BINARY: for testing this script
  if [ -z "$bin" ]; then
    echo "hint: running your chapter $id tests piece by piece (built as make check-$id builds them)..."
    bin=$(make -s --no-print-directory hint-binary HINT_CHAPTER="$id" 2>/dev/null) || bin=""
  fi
  if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "hint: your exercises/$dir/ does not compile, so I cannot tell which piece fails."
    echo "      make check-$id shows the compiler's message. A hint for the piece you were on:"
    piece=$(tail -n1 "$state" 2>/dev/null | awk '{print $1}')
    piece=${piece:-${all[0]}}
    why="(the piece you were last on)"
  else
    for p in "${all[@]}"; do
      out=$(WATCHDOG_SECONDS=${HINT_WATCHDOG_SECONDS:-10} timeout -k 2 "${HINT_TIMEOUT:-60}" "$bin" "[$p]" 2>&1)
      rc=$?
      if grep -q 'No test cases matched' <<<"$out"; then continue; fi
      if [ $rc -ne 0 ]; then
        piece=$p
        case $rc in
          124) why="(its tests hang: [$p])" ;;
          13[0-9]|14[0-9]) why="(its tests crash: [$p])" ;;
          *) why="(the first piece whose tests fail: [$p])" ;;
        esac
        break
      fi
    done
    if [ -z "$piece" ]; then
      echo "hint: every piece of chapter $id passes its tests ($list). No hint needed!"
      echo "      Any hint is still there: make hint-$id PIECE=<piece> LEVEL=<1-3>"
      exit 0
    fi
  fi
fi

before=$(shown "$piece"); before=${before:-0}
last_again=""
if [ -z "$level" ]; then
  level=$((before + 1))
  if [ "$level" -gt 3 ]; then level=3; last_again=1; fi
fi
text=$(level_text "$file" "$piece" "$level")
# Remember the highest level shown for this piece, before printing (a closed
# pipe cannot lose it); the last line is the piece we are on.
{ grep -v -- "^$piece " "$state" 2>/dev/null; echo "$piece $((level > before ? level : before))"; } > "$state.new" && mv "$state.new" "$state"
names=(nudge invariant sketch)
echo "Hint $level of 3 for piece '$piece' of chapter $id, the ${names[$((level - 1))]}${why:+ $why}"
echo
echo "$text" | sed 's/^/    /'
echo

if [ -n "$last_again" ]; then
  echo "That was already the last hint for '$piece' (level 3 of 3): it is shown again."
  echo "Still stuck? Read the walkthrough in book/$(basename "$(ls book/"${id}"_*.md 2>/dev/null | head -n1)"), or peek: make diff-$id"
elif [ "$level" -lt 3 ] && [ "$before" -lt 3 ]; then
  next=$(( (level > before ? level : before) + 1 ))
  if [ -n "${PIECE:-}" ]; then
    echo "make hint-$id PIECE=$piece shows level $next (LEVEL=<1-3> shows any). Pieces: $list"
  else
    echo "make hint-$id again shows level $next while '$piece' is the first piece that fails. Pieces: $list"
  fi
else
  echo "That is the last level for '$piece'. Pieces: $list"
fi
