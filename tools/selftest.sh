#!/usr/bin/env bash
# Self-test of the book's tools on the fixtures in tools/testdata/, run by
# `make test`: the giveaway measure counts exactly the lines it should, and
# `hint.sh --check` accepts a good ladder and names every fault of a bad one.
#   tools/selftest.sh BUILD/tools/giveaway
set -uo pipefail
giveaway=$(realpath "${1:?usage: tools/selftest.sh GIVEAWAY_BINARY}")
here=$(cd "$(dirname "$0")" && pwd)
hint="$here/../scripts/hint.sh"
failures=0

. "$here/expect.sh"  # expect <what> <text that must appear> <output>
row() { printf '%-7s %-36s %6s %6s %6s' "$@"; }

# ---- giveaway ---------------------------------------------------------------------
out=$("$giveaway" --root "$here/testdata/giveaway" 2>&1)
expect "a constructor's init list counts, the stub's copy gives it away" "$(row ch09 S::S 2 2 '100 %')" "$out"
expect "overloads are matched in file order (1)" "$(row ch09 S::f 1 0 '0 %')" "$out"
expect "overloads are matched in file order (2): a stub message joined from pieces" "$(row ch09 S::f 1 1 '100 %')" "$out"
expect "operator() is a function" "$(row ch09 'S::operator()' 1 0 '0 %')" "$out"
expect "a requires-clause and comments with braces in them" "$(row ch09 g 2 1 '50 %')" "$out"
expect "code after '## The exercise' does not count" "$(row ch09 '= whole chapter' 7 4 '57 %')" "$out"
expect "no '## The exercise': the whole book counts; '}' and 'return;' are trivia" "$(row ch08 Q::push 2 1 '50 %')" "$out"
"$giveaway" --root "$here/testdata/giveaway" --max 60 --summary >/dev/null 2>&1 ||
  { echo "selftest: giveaway --max 60 failed on chapters at 50 % and 57 %"; failures=$((failures + 1)); }
if "$giveaway" --root "$here/testdata/giveaway" --max 55 --summary >/dev/null 2>&1; then
  echo "selftest: giveaway --max 55 passed a chapter at 57 %"; failures=$((failures + 1))
fi

# ---- hint.sh --check -----------------------------------------------------------------
cd "$here/testdata/hints" || exit 1
out=$(bash "$hint" --check bin ch09 2>&1) ||
  { echo "selftest: hint.sh --check rejected a well-formed ladder:"; sed 's/^/    /' <<<"$out"; failures=$((failures + 1)); }
if out=$(bash "$hint" --check bin ch08 2>&1); then
  echo "selftest: hint.sh --check accepted a malformed ladder"; failures=$((failures + 1))
fi
expect "a piece with two levels" 'piece "queue" has 2 level(s)' "$out"
expect "an empty level" 'piece "task", level 2 is empty' "$out"
expect "a piece twice" 'piece "task" appears twice' "$out"
expect "a heading that is not a piece" 'not "## Something else"' "$out"
expect "levels out of order" 'expected "### 2", found "### 3"' "$out"
expect "a piece that is no test tag" 'piece "nosuchtag" is not a tag of any ch08 test case' "$out"
expect "a test tag without a piece" 'no piece for the test tag [executor]' "$out"

# ---- hint.sh: one level, and a bad PIECE / LEVEL ------------------------------------------
state=$(mktemp -d); trap 'rm -rf "$state"' EXIT
cp -r ch09_x "$state/" && cd "$state" || exit 1
out=$(PIECE=task LEVEL=2 bash "$hint" ch09_x 2>&1)
expect "PIECE and LEVEL show that level" "The interleaving." "$out"
out=$(PIECE=task bash "$hint" ch09_x 2>&1)
expect "the next call climbs from what was shown" "Hint 3 of 3 for piece 'task'" "$out"
out=$(PIECE=task bash "$hint" ch09_x 2>&1)
expect "at level 3 it shows level 3 again and says so" "already the last hint" "$out"
out=$(PIECE=nope bash "$hint" ch09_x 2>&1)
expect "a bad PIECE lists the good ones" "The pieces are: queue task" "$out"
out=$(LEVEL=4 PIECE=task bash "$hint" ch09_x 2>&1)
expect "a bad LEVEL says which are good" "LEVEL must be 1, 2 or 3" "$out"

if [ "$failures" -eq 0 ]; then echo "selftest: giveaway and hint.sh behave on every fixture"; fi
[ "$failures" -eq 0 ]
