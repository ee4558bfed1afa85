#!/usr/bin/env bash
# `make book`: renders book/*.md to build/book/*.html (tools/book_html.py):
# a chapter list and previous/next links on every page, C++ highlighted,
# wide diagrams and tables scroll sideways. Needs Debian's cmark-gfm
# (GitHub's Markdown) and python3-pygments (the highlighter); installs them
# when it can (root, or passwordless sudo), otherwise names the command.
set -euo pipefail

python_with_pygments() {  # the first python3 that can import pygments
  local py
  for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import pygments' >/dev/null 2>&1; then
      command -v "$py"; return 0
    fi
  done
  return 1
}

missing=()
command -v cmark-gfm >/dev/null 2>&1 || missing+=(cmark-gfm)
python_with_pygments >/dev/null || missing+=(python3 python3-pygments)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo=none; fi
  [ "$sudo" != none ] && echo "book: missing ${missing[*]}; installing Debian's packages..." >&2
  if [ "$sudo" = none ] || ! command -v apt-get >/dev/null 2>&1 ||
     ! { DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
         { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null; }; }; then
    echo "book: ${missing[*]} missing, and I could not install them myself. Please run:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

"$(python_with_pygments)" tools/book_html.py book build/book
echo "Open build/book/README.html in a browser."
