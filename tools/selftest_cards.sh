#!/usr/bin/env bash
# Self-test of scripts/cards.sh on the fixtures in tools/testdata/cards/, run
# by `make test`: a well-formed card passes (a template test listed with and
# without its " - Type"), and a card with every fault fails, naming each one.
# The test binaries there are stand-ins (bin/fake_catch.sh) that answer the
# two listings cards.sh asks of a real one.
#   tools/selftest_cards.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cards="$here/../scripts/cards.sh"
cd "$here/testdata/cards" || exit 1
failures=0

. "$here/expect.sh"  # expect <what> <text that must appear> <output>

out=$(bash "$cards" bin ch09 2>&1) ||
  { echo "selftest: cards.sh rejected a well-formed card:"; sed 's/^/    /' <<<"$out"; failures=$((failures + 1)); }
expect "the summary line" "cards: 1 chapter, 6 test names, every piece in its step" "$out"

if out=$(bash "$cards" bin ch08 2>&1); then
  echo "selftest: cards.sh accepted a card with faults:"; sed 's/^/    /' <<<"$out"; failures=$((failures + 1))
fi
c=ch08_y/README.md
expect "a name that is no test" "$c:15: \`pop returns the oldest tsk\` is not a test of ch08" "$out"
expect "a test missing from the card" "$c: the test \"a test nobody listed\" is not on the card" "$out"
expect "a test under a tag it does not carry" "$c:14: \`a mis-tagged test\` is listed under \`[queue]\`, but the test does not carry that tag (its tags: [ch08][task])" "$out"
expect "a test under another piece's file" "$c:19: \`two wakes queue it once\` is listed under \`test_2_task.cpp\`, but its TEST_CASE is in \`test_3_task_races.cpp\`" "$out"
expect "a [race] test not marked" "$c:13: \`pop sleeps until a push\` carries [race]" "$out"
expect "a [race] mark on a test without the tag" "$c:18: \`a task is queued once\` is marked \`[race]\`, but the test does not carry [race]" "$out"
expect "a test listed twice" "$c:20: \`push then pop\` is on the card twice (also at $c:12)" "$out"
expect "an entry without backticks" "$c:21: an entry is" "$out"
expect "a malformed group heading" "$c:23: a group heading is" "$out"
expect "a wrong piece number" "$c:17: \`test_2_task.cpp\` is piece 2 of 3, not piece 3" "$out"
expect "a piece without a group" "$c: piece 3 (\`test_3_task_races.cpp\`) has no group" "$out"
expect "a piece's file missing from the steps" "$c: \"## Steps\" does not name \`test_1_queue.cpp\` (piece 1 of 3)" "$out"
expect "the steps out of piece order" "$c:6: \"## Steps\" names \`test_3_task_races.cpp\` (piece 3) before \`test_2_task.cpp\` (piece 2)" "$out"
expect "the closing line" "cards: 1 of 1 chapters do not match their tests" "$out"

if [ "$failures" -eq 0 ]; then echo "selftest: cards.sh passes the good card and names every fault of the bad one"; fi
[ "$failures" -eq 0 ]
