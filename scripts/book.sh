#!/usr/bin/env bash
# `make book`: renders book/*.md to a static site in build/book/
# (tools/book_html.py) that works from file://, offline: a chapter list (a
# menu on a narrow screen), search, a table of sections and `#` links on
# headings, previous/next, C++ highlighted, each excerpt captioned with its
# source file, links from a chapter to its card and stubs, light and dark
# colours, a print style and print.html (the whole book on one page).
# Needs Debian's cmark-gfm (GitHub's Markdown) and python3-pygments (the
# highlighter); installs them when it can (root, or passwordless sudo),
# otherwise names the command.
#   scripts/book.sh [BOOK_DIR OUT_DIR]     (default: book build/book)
set -euo pipefail
. scripts/book_deps.sh
book_dir=${1:-book} out_dir=${2:-build/book}

missing=()
command -v cmark-gfm >/dev/null 2>&1 || missing+=(cmark-gfm)
python_with pygments >/dev/null || missing+=(python3 python3-pygments)
install_or_explain book "${missing[@]}"

"$(python_with pygments)" tools/book_html.py "$book_dir" "$out_dir"
echo "Open $out_dir/README.html in a browser."
