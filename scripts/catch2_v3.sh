#!/usr/bin/env bash
# `make test-catch2-v3`: make test against Catch2 v3 on a machine whose own
# Catch2 is v2 (Debian 12), without touching the system's apt configuration.
#   1. Debian's libcatch2-dev (v3) is downloaded from the backports suite of
#      this release (bookworm-backports carries 3.7.1) through a private apt
#      configuration under build/catch2-v3/apt/: its own sources list, lists,
#      cache and (empty) status. The mirror is the one the system's own apt
#      sources name for this release, read here at run time.
#   2. The .deb is unpacked (dpkg -x) into build/catch2-v3/ (once: a later run
#      reuses it; make clean removes it).
#   3. make test CATCH2_ROOT=build/catch2-v3/usr: the Makefile puts its headers
#      first (-isystem), links its libCatch2.a, and builds in folders of their
#      own (build/<compiler>-O1-g-catch2v3/, ...).
# CATCH2_V3_SUITE=<suite> takes the package from another suite of that mirror.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=build/catch2-v3
apt_dir=$PWD/$dest/apt
package=libcatch2-dev

mirror_of() {  # mirror_of CODENAME: "URI<TAB>KEYRING" of the system's apt entry for that suite
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    case $f in
      *.sources)  # deb822: paragraphs of "Key: value" lines
        awk -v want="$1" '
          function flush() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " want " ") && uri != "") { print uri "\t" key; found = 1; exit } types = suites = uri = key = "" }
          /^[ \t]*$/ { flush(); next }
          /^[ \t]*#/ || /^[ \t]/ { next }  # comments, continuation lines
          { k = tolower($1); sub(/^[^:]*:[ \t]*/, "") }
          k == "types:" { types = $0 } k == "suites:" { suites = $0 } k == "signed-by:" { key = $0 }
          k == "uris:" { split($0, u, /[ \t]+/); uri = u[1] }
          END { if (!found) flush() }' "$f" ;;
      *)  # one-line: deb [options] URI SUITE COMPONENT...
        awk -v want="$1" '
          $1 != "deb" { next }
          { key = ""; i = 2
            if ($2 ~ /^\[/) {
              for (; i <= NF; i++) {
                o = $i; sub(/^\[/, "", o); closing = sub(/\]$/, "", o)
                if (o ~ /^signed-by=/) key = substr(o, 11)
                if (closing) { i++; break }
              }
            }
            if ($(i + 1) == want) { print $i "\t" key; exit } }' "$f" ;;
    esac
  done | head -n1
}

fetch() {
  local codename suite entry uri key apt
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  suite=${CATCH2_V3_SUITE:-$codename-backports}
  entry=$(mirror_of "$codename")
  if [ -z "$codename" ] || [ -z "$entry" ]; then
    echo "test-catch2-v3: no apt source for this release ('$codename') in /etc/apt/; cannot find $package" >&2
    exit 1
  fi
  IFS=$'\t' read -r uri key <<<"$entry"
  case $key in /*) ;; *) key="" ;; esac  # a keyring file, not a key written inline
  rm -rf "$dest"; mkdir -p "$apt_dir"/{lists/partial,cache/archives/partial,download,sources.list.d,preferences.d}
  : >"$apt_dir/status"
  echo "deb ${key:+[signed-by=$key] }$uri $suite main" >"$apt_dir/sources.list"
  apt=(apt-get -q -o Dir::Etc::sourcelist="$apt_dir/sources.list" -o Dir::Etc::sourceparts="$apt_dir/sources.list.d"
       -o Dir::Etc::preferencesparts="$apt_dir/preferences.d" -o Dir::State="$apt_dir" -o Dir::State::Lists="$apt_dir/lists"
       -o Dir::State::status="$apt_dir/status" -o Dir::Cache="$apt_dir/cache" -o Debug::NoLocking=1
       -o APT::Sandbox::User="$(id -un)")
  echo "test-catch2-v3: $package from $suite (private apt configuration in $apt_dir)"
  "${apt[@]}" update >"$apt_dir/update.log" 2>&1 || { cat "$apt_dir/update.log" >&2; exit 1; }
  (cd "$apt_dir/download" && "${apt[@]}" download "$package") >"$apt_dir/download.log" 2>&1 ||
    { cat "$apt_dir/download.log" >&2; echo "test-catch2-v3: $suite has no $package" >&2; exit 1; }
  dpkg -x "$apt_dir"/download/"$package"_*.deb "$dest"
}

[ -f "$dest/usr/include/catch2/catch_all.hpp" ] || fetch
version=$(sed -nE 's/^#define CATCH_VERSION_(MAJOR|MINOR|PATCH) ([0-9]+).*/\2/p' \
  "$dest/usr/include/catch2/catch_version_macros.hpp" | paste -sd.)
echo "test-catch2-v3: make test against Catch2 $version in $dest/usr"
exec make test CATCH2_ROOT="$dest/usr"
