#!/usr/bin/env bash
# Self-test of scripts/compdb_check.sh on the small checkout in
# tools/testdata/compdb/ (one chapter, ch09_x), run by `make test`: the
# database scripts/compdb.sh writes for it passes, and bad.json, whose every
# entry is wrong in its own way, fails, naming each file and fault.
#   tools/selftest_compdb.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
check="$here/../scripts/compdb_check.sh"
cd "$here/testdata/compdb" || exit 1
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$here/expect.sh"  # expect <what> <text that must appear> <output>

bash "$here/../scripts/compdb.sh" g++ >"$tmp/good.json"
out=$(bash "$check" "$tmp/good.json" 2>&1) ||
  { echo "selftest: compdb_check.sh rejected compdb.sh's database:"; sed 's/^/    /' <<<"$out"; failures=$((failures + 1)); }
expect "the summary line" "compdb: 4 learner files resolve to exercises/ first, 1 reference files to solutions/, 1 more have entries (4 preprocessed;" "$out"
if command -v clangd >/dev/null 2>&1; then
  expect "clangd's reading" "clangd --check used the entries of exercises/ch09_x/answer.hpp and given/ch09_x/helper.hpp" "$out"
fi

# bad.json names the checkout it describes @ROOT@: this folder, wherever it is.
bad=$(<bad.json)
printf '%s\n' "${bad//@ROOT@/$PWD}" >"$tmp/bad.json"
if out=$(bash "$check" "$tmp/bad.json" 2>&1); then
  echo "selftest: compdb_check.sh accepted a bad database:"; sed 's/^/    /' <<<"$out"; failures=$((failures + 1))
fi
expect "a learner's header without an entry (its only one is another checkout's)" \
  "compdb: exercises/ch09_x/answer.hpp: has no entry" "$out"
expect "a file under tests/ without an entry" "compdb: tests/infra/support.cpp: has no entry" "$out"
expect "a given header whose entry searches solutions/" \
  "compdb: given/ch09_x/helper.hpp: its entry searches solutions/: go-to-definition can open the reference" "$out"
expect "a given header whose entry searches given/ before exercises/" \
  "compdb: given/ch09_x/runner.hpp: its entry does not search exercises/ first (its include path: -Iinclude -Igiven -Iexercises" "$out"
expect "a test whose entry searches the checkout's root (-I.)" \
  "compdb: ch09_x/tests/test_1_answer.cpp: its entry searches the checkout's root" "$out"
expect "a reference header whose entry searches exercises/" \
  "compdb: solutions/ch09_x/answer.hpp: a reference file's entry searches exercises/" "$out"
expect "an entry whose flags look right but that reads a solutions/ file (-include)" \
  "compdb: given/ch09_x/runner.hpp: its entry resolves an include to solutions/ch09_x/answer.hpp" "$out"
expect "an entry that cannot find a header its file includes" \
  "compdb: solutions/ch09_x/answer.hpp: its entry cannot find ch09_x/helper.hpp, which is in given/" "$out"
expect "the closing line" "compdb: 8 problem(s) in $tmp/bad.json" "$out"

echo '[{"directory": ' >"$tmp/broken.json"
out=$(bash "$check" "$tmp/broken.json" 2>&1) && { echo "selftest: compdb_check.sh accepted a database that is not JSON"; failures=$((failures + 1)); }
expect "a database that is not JSON" "compdb: $tmp/broken.json: cannot be read as JSON" "$out"

if [ "$failures" -eq 0 ]; then echo "selftest: compdb_check.sh passes compdb.sh's database and names every fault of a bad one"; fi
[ "$failures" -eq 0 ]
