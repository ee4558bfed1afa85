#!/usr/bin/env bash
# `make test` checks the stubs as the project ships them, not the learner's
# edited exercises/: a learner halfway through the chapters still gets a green
# make test. This writes git's committed exercises/ (PRISTINE_REV, default
# HEAD) into DEST/exercises/, touching only files that changed, so the stub
# binaries rebuild only when the stubs do.
#   pristine.sh DEST
# STUBS=worktree takes exercises/ from the working tree instead (a contributor
# checking a stub change before committing it). Outside a git checkout the
# working tree is used, and it says so.
set -euo pipefail
dest=$1
rev=${PRISTINE_REV:-HEAD}
new=$(mktemp -d); trap 'rm -rf "$new"' EXIT
if [ "${STUBS:-}" = worktree ]; then
  echo "  stubs: exercises/ and given/ as they are on disk (STUBS=worktree)"
  cp -r exercises given "$new/"
elif git rev-parse --verify -q "$rev^{commit}" >/dev/null 2>&1 &&
     git archive "$rev" exercises given 2>/dev/null | tar -x -C "$new"; then
  if ! git diff --quiet "$rev" -- exercises given 2>/dev/null; then
    echo "  stubs: from git ($rev); your edits in exercises/ (or given/) are left out of make test"
  fi
else
  echo "  stubs: not a git checkout, so make test checks exercises/ as it is on disk;"
  echo "         if you have edited it, the stub check fails on the chapters you did."
  cp -r exercises given "$new/"
fi
mkdir -p "$dest/exercises" "$dest/given"
# Copy what changed; drop what is gone.
(cd "$new" && find exercises given -type f) | while read -r f; do
  if ! cmp -s "$new/$f" "$dest/$f"; then mkdir -p "$(dirname "$dest/$f")"; cp "$new/$f" "$dest/$f"; fi
done
(cd "$dest" && find exercises given -type f) | while read -r f; do
  [ -e "$new/$f" ] || rm -f "$dest/$f"
done
