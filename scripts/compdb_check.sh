#!/usr/bin/env bash
# `make test`'s editors check: compile_commands.json gives every exercises/
# and given/ file (and every chapter test) an entry of its own that searches
# exercises/ first and never solutions/, every solutions/ header one that
# searches solutions/, and each such entry, run through its compiler's
# preprocessor, reads no file of the other side (scripts/compdb_check.py).
# When clangd is installed, clangd --check also reads the first exercises/
# header and the first given/ one, and must use the header's own entry and
# report nothing. clangd is an editor's tool, not a build dependency, so it is
# not installed for this: the rules and the preprocessor prove the resolution;
# clangd adds only that it reads the entries as written.
#   scripts/compdb_check.sh [DATABASE]   (default compile_commands.json; run in the checkout)
# Self-test: tools/selftest_compdb.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python=""
for py in python3 /usr/bin/python3; do
  command -v "$py" >/dev/null 2>&1 && "$py" -c 'import json' 2>/dev/null && { python=$py; break; }
done
if [ -z "$python" ]; then
  # (Debian's clang recommends python3, so it is usually there; install it the project's way)
  "$here/deps.sh" python3 >&2 || { echo "compdb: this check needs python3 (see above)"; exit 1; }
  python=python3
fi
clangd=()
if command -v clangd >/dev/null 2>&1; then clangd=(--clangd); else echo "compdb: (clangd is not installed: its own reading is not checked)"; fi
exec "$python" "$here/compdb_check.py" "${clangd[@]}" "$@"
