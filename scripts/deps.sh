#!/usr/bin/env bash
# Makes sure the compiler, Catch2 and CLI11 are here; installs Debian's
# packages when it can (root, or passwordless sudo), otherwise names the exact
# command to run. Called by every make target that compiles.
#   LOOP=1 deps.sh       for the learner's loop's compiler (make loop-deps)
#   deps.sh [TOOL ...]   also needs these commands (package = command name, or
#                        command:package), e.g. `deps.sh valgrind` for make
#                        memcheck, `deps.sh inotifywait:inotify-tools` for make watch
set -euo pipefail
CXX=${CXX:-g++}
compiler=$(basename "${CXX%% *}")
missing=()

case "$compiler" in
  clang++*) compiler_pkg=clang ;;
  *) compiler_pkg=g++ ;;
esac
command -v "${CXX%% *}" >/dev/null 2>&1 || missing+=("$compiler_pkg")

has_header() {  # has_header <header>: can the compiler (or g++/cpp) find it?
  local cc="${CXX%% *}"
  command -v "$cc" >/dev/null 2>&1 || cc=cpp
  echo "#include <$1>" | "$cc" -x c++ -std=c++20 -E - >/dev/null 2>&1
}
# Catch2 v3 (catch_all.hpp) or v2 (catch.hpp): include/testing/catch.hpp takes either.
# (CATCH2_ROOT: a v3 unpacked by hand or by make test-catch2-v3; the Makefile checks it.)
[ -n "${CATCH2_ROOT:-}" ] || has_header catch2/catch_all.hpp || has_header catch2/catch.hpp || missing+=(catch2)
has_header CLI/CLI.hpp || missing+=(libcli11-dev)
# A sanitizer build needs the compiler's sanitizer runtime.
if [ -n "${SAN:-}" ] && command -v "${CXX%% *}" >/dev/null 2>&1; then
  case "$SAN" in address) flag=address,undefined ;; *) flag=$SAN ;; esac
  probe=$(mktemp -d)
  if ! echo 'int main() { return 0; }' | "${CXX%% *}" -x c++ -fsanitize="$flag" - -o "$probe/a.out" >/dev/null 2>&1; then
    case "$compiler" in
      clang++*) missing+=(libclang-rt-dev) ;;
      *) missing+=(libasan8 libubsan1 libtsan2) ;;
    esac
  fi
  rm -rf "$probe"
fi
# GNU timeout turns a test binary that ignores the watchdog into a failure.
command -v timeout >/dev/null 2>&1 || missing+=(coreutils)
for tool in "$@"; do command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}"); done

[ ${#missing[@]} -eq 0 ] && exit 0

# Catch2's package is named by the release: Debian 12 has `catch2` (v2);
# Debian 13 and Ubuntu 24.04 have `libcatch2-dev` (v3) and no v2. The one
# apt has a candidate for is the one (asked again after an apt-get update).
catch2_package() {
  local p
  for p in libcatch2-dev catch2; do
    apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]' && { echo "$p"; return; }
  done
  echo catch2
}
packages() {  # the missing packages, Catch2's under this release's name
  local p
  for p in "${missing[@]}"; do
    if [ "$p" = catch2 ]; then catch2_package; else echo "$p"; fi
  done
}

echo "deps: missing $(packages | xargs); installing the distribution's packages..." >&2
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo=none; fi
if [ "$sudo" != none ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  if $sudo apt-get install -y -qq $(packages) >/dev/null 2>&1 ||
     { $sudo apt-get update -qq && $sudo apt-get install -y -qq $(packages); }; then
    echo "deps: installed $(packages | xargs)" >&2
    exit 0
  fi
fi
pkgs=$(packages | xargs)
echo "deps: could not install the packages myself. Please run:" >&2
echo "    sudo apt-get update && sudo apt-get install -y $pkgs" >&2
[[ " ${missing[*]} " == *" catch2 "* ]] &&
  echo "      (Catch2 is the package catch2 on Debian 12, libcatch2-dev on Debian 13 and Ubuntu 24.04)" >&2
if [ -n "${LOOP:-}" ] && [ "$compiler_pkg" = clang ]; then
  echo "      (make check-chNN compiles with clang++, twice as fast as g++ here;" >&2
  echo "       to use g++ instead: make check-chNN CXX=g++)" >&2
fi
exit 1
