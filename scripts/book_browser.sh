#!/usr/bin/env bash
# `make book-browser`, and two of `make test`'s checks: the book's site in a
# real browser. Builds it (scripts/book.sh), then tools/book_browser_check.py
# drives headless Chromium over it: every page renders, the search finds a
# term only chapter 6 uses, a 400 px screen shows the text before the chapter
# list, both colour schemes read (contrast), printing leaves the chapter list
# out and cuts no code off, every excerpt has a caption, every relative link
# and anchor resolves. Screenshots land in build/book/screenshots/.
#   scripts/book_browser.sh              the book (build/book/)
#   scripts/book_browser.sh --selftest   the check against its faulty fixture book
#                                        (tools/testdata/book_site/): it must catch each fault
# Needs Debian's chromium and python3-websocket (the DevTools protocol from
# Python); installs them when it can, otherwise names the command.
set -euo pipefail
. scripts/book_deps.sh

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
python_with websocket >/dev/null || missing+=(python3-websocket)
install_or_explain book-browser "${missing[@]}"
py=$(python_with websocket)

if [ "${1:-}" = --selftest ]; then
  fixture=tools/testdata/book_site out=build/book-selftest
  rm -rf "$out"
  scripts/book.sh "$fixture/book" "$out/site" >/dev/null
  exec timeout -k 10 300 "$py" tools/book_browser_check.py --selftest --expect "$fixture/expected_failures.txt" \
    --sources "$fixture/book" --search-term frobnicate --no-screenshots "$out/site"
fi
scripts/book.sh >/dev/null
exec timeout -k 10 600 "$py" tools/book_browser_check.py --sources book --search-term epoll_ctl \
  --search-page 'ch06_*.html' build/book
