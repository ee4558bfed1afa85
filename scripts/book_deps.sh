# shellcheck shell=bash
# What the book's scripts need from Debian (sourced by scripts/book.sh and
# scripts/book_browser.sh): find a Python that has a module, and install
# missing packages when we can (root, or passwordless sudo), otherwise name
# the command and fail, as scripts/deps.sh does for the compilers.

python_with() {  # python_with MODULE...: the first python3 that imports them all
  local py imports
  imports=$(printf 'import %s;' "$@")
  # `python3` may be another interpreter than Debian's (pyenv, a venv), without
  # Debian's python3-* modules; Debian's own is /usr/bin/python3.
  for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c "$imports" >/dev/null 2>&1; then
      command -v "$py"; return 0
    fi
  done
  return 1
}

install_or_explain() {  # install_or_explain WHO PACKAGE...: apt-get install them, or say how and fail
  local who=$1 sudo; shift
  [ $# -gt 0 ] || return 0
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo=none; fi
  [ "$sudo" != none ] && echo "$who: missing $*; installing Debian's packages..." >&2
  if [ "$sudo" = none ] || ! command -v apt-get >/dev/null 2>&1 ||
     ! { DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null 2>&1 ||
         { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null; }; }; then
    echo "$who: $* missing, and I could not install them myself. Please run:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y $*" >&2
    exit 1
  fi
}
