#!/usr/bin/env bash
# `make book`: renders book/*.md to build/book/*.html with cmark-gfm (GitHub's
# Markdown, tables included). Installs Debian's cmark-gfm when it can.
set -euo pipefail
if ! command -v cmark-gfm >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "book: installing Debian's cmark-gfm..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmark-gfm >/dev/null 2>&1 ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmark-gfm >/dev/null; }
  else
    echo "book: cmark-gfm is missing. Please run: sudo apt-get install -y cmark-gfm" >&2
    exit 1
  fi
fi
mkdir -p build/book
for md in book/*.md; do
  name=$(basename "$md" .md)
  html="build/book/$name.html"
  title=$(head -n1 "$md" | sed 's/^# *//')
  {
    printf '<!doctype html>\n<html><head><meta charset="utf-8"><title>%s</title>\n' "$title"
    cat <<'CSS'
<style>
body { max-width: 46em; margin: 2em auto; padding: 0 1em; font: 17px/1.55 Georgia, serif; color: #222; }
code, pre { font: 14px/1.4 ui-monospace, Menlo, Consolas, monospace; }
pre { background: #f6f6f3; padding: .8em 1em; overflow-x: auto; border-left: 3px solid #c9c3a8; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .3em .6em; }
h1, h2, h3 { font-family: system-ui, sans-serif; }
</style></head><body>
CSS
    # Links between chapters point at the .md files; in HTML they are .html.
    cmark-gfm --unsafe -e table -e autolink -e strikethrough "$md" | sed -E 's/href="([^":]*)\.md(#[^"]*)?"/href="\1.html\2"/g'
    printf '</body></html>\n'
  } > "$html"
  echo "  book  $html"
done
echo "Open build/book/README.html in a browser."
