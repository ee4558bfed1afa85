#!/usr/bin/env python3
"""Renders the book (book/*.md) to HTML pages with a chapter list, previous /
next links and C++ highlighting. Called by scripts/book.sh (`make book`),
which makes sure cmark-gfm and Pygments (Debian's cmark-gfm and
python3-pygments) are installed.

    book_html.py BOOK_DIR OUT_DIR

Order of the pages: README.md (the index) first, then the chapters
chNN_*.md in number order, then every other page (the appendices) by name.
A chapter appears as soon as its file exists.
"""
import html
import os
import re
import subprocess
import sys

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

STYLE = "friendly"

CSS = """
* { box-sizing: border-box; }
body { margin: 0; font: 17px/1.55 Georgia, serif; color: #222; background: #fff; }
nav.toc { position: fixed; top: 0; left: 0; bottom: 0; width: 17rem; overflow-y: auto;
          padding: 1.2rem 1rem; background: #f4f2ec; border-right: 1px solid #ddd8c8;
          font: 15px/1.4 system-ui, sans-serif; }
nav.toc .book { font-weight: 600; display: block; margin-bottom: .8rem; color: #222; text-decoration: none; }
nav.toc ol { list-style: none; padding: 0; margin: 0; }
nav.toc li { margin: .15rem 0; }
nav.toc li.part { margin-top: .8rem; color: #777; font-size: 13px; text-transform: uppercase; letter-spacing: .05em; }
nav.toc a { color: #2a4d7a; text-decoration: none; display: block; padding: .2rem .4rem; border-radius: 4px; }
nav.toc a:hover { background: #e8e4d8; }
nav.toc a.current { background: #2a4d7a; color: #fff; }
main { margin-left: 17rem; padding: 1rem 2.5rem 3rem; }
main > article { max-width: 56rem; }
.pager { display: flex; justify-content: space-between; gap: 1rem; font: 15px system-ui, sans-serif;
         margin: .5rem 0 1.5rem; max-width: 56rem; }
.pager.bottom { margin-top: 3rem; border-top: 1px solid #ddd; padding-top: 1rem; }
.pager a { color: #2a4d7a; text-decoration: none; }
.pager .next { margin-left: auto; text-align: right; }
h1, h2, h3, h4 { font-family: system-ui, sans-serif; line-height: 1.25; }
h2 { margin-top: 2.2rem; border-bottom: 1px solid #eee; padding-bottom: .2rem; }
a { color: #2a4d7a; }
code, pre { font: 14px/1.45 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
:not(pre) > code { background: #f3f1ea; padding: .05em .3em; border-radius: 3px; }
/* Wide code and ASCII diagrams scroll sideways instead of being cut off or wrapped. */
pre { background: #f8f8f5; padding: .8em 1em; overflow-x: auto; white-space: pre;
      border-left: 3px solid #c9c3a8; max-width: 100%; }
pre code { white-space: pre; }
/* Wide tables scroll too. */
table { border-collapse: collapse; display: block; overflow-x: auto; max-width: 100%; margin: 1em 0; }
td, th { border: 1px solid #ccc; padding: .3em .6em; vertical-align: top; }
th { background: #f4f2ec; }
/* Where the reading stops and the learner's work starts, and where the answer begins. */
h2#the-exercise { background: #fff4d6; border-left: 4px solid #e0a800; border-bottom: 0; padding: .3rem .6rem; }
h2#walkthrough-of-the-reference { background: #e8f0e4; border-left: 4px solid #5a8a4a; border-bottom: 0;
                                   padding: .3rem .6rem; }
blockquote { border-left: 3px solid #ccc; margin-left: 0; padding-left: 1em; color: #555; }
@media (max-width: 60rem) {
  nav.toc { position: static; width: auto; border-right: 0; border-bottom: 1px solid #ddd8c8; }
  main { margin-left: 0; padding: 1rem; }
}
"""


def page_order(book_dir):
    names = sorted(n for n in os.listdir(book_dir) if n.endswith(".md"))
    chapters = [n for n in names if re.match(r"ch\d\d_", n)]
    others = [n for n in names if n not in chapters and n != "README.md"]
    return (["README.md"] if "README.md" in names else []) + chapters + others


def title_of(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("# "):
                return re.sub(r"`([^`]*)`", r"\1", line[2:].strip())
    return os.path.basename(path)


def slug(text, seen):
    # GitHub's anchors: lower case, punctuation dropped, spaces become hyphens.
    s = re.sub(r"[^\w\- ]", "", html.unescape(re.sub(r"<[^>]+>", "", text)).strip().lower()).replace(" ", "-")
    n = seen.get(s, 0)
    seen[s] = n + 1
    return s if n == 0 else f"{s}-{n}"


def add_anchors(body):
    seen = {}

    def repl(m):
        level, inner = m.group(1), m.group(2)
        return f'<h{level} id="{slug(inner, seen)}">{inner}</h{level}>'

    return re.sub(r"<h([1-6])>(.*?)</h\1>", repl, body, flags=re.S)


FORMATTER = HtmlFormatter(nowrap=True)


def highlight_code(body):
    def repl(m):
        lang, code = m.group(1), html.unescape(m.group(2))
        try:
            lexer = get_lexer_by_name({"c++": "cpp", "hpp": "cpp"}.get(lang, lang))
        except ClassNotFound:
            return m.group(0)
        return f'<pre class="highlight"><code class="language-{lang}">{highlight(code, lexer, FORMATTER)}</code></pre>'

    return re.sub(r'<pre><code class="language-([\w+#-]+)">(.*?)</code></pre>', repl, body, flags=re.S)


def render(md_path):
    out = subprocess.run(
        ["cmark-gfm", "--unsafe", "-e", "table", "-e", "autolink", "-e", "strikethrough", md_path],
        check=True, capture_output=True, text=True).stdout
    # Links between pages point at the .md files; here they are .html.
    out = re.sub(r'href="([^":#]*)\.md(#[^"]*)?"', lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', out)
    return highlight_code(add_anchors(out))


def nav(pages, titles, current):
    items = []
    part = None
    for name in pages:
        kind = "Start" if name == "README.md" else "Chapters" if re.match(r"ch\d\d_", name) else "Appendices"
        if kind != part and kind != "Start":
            items.append(f'<li class="part">{kind}</li>')
        part = kind
        cls = ' class="current"' if name == current else ""
        items.append(f'<li><a{cls} href="{name[:-3]}.html">{html.escape(titles[name])}</a></li>')
    return ('<nav class="toc"><a class="book" href="README.html">An async executor from scratch</a>'
            f'<ol>{"".join(items)}</ol></nav>')


def pager(pages, titles, i, where):
    prev = (f'<a class="prev" rel="prev" href="{pages[i - 1][:-3]}.html">&larr; {html.escape(titles[pages[i - 1]])}</a>'
            if i > 0 else "")
    nxt = (f'<a class="next" rel="next" href="{pages[i + 1][:-3]}.html">{html.escape(titles[pages[i + 1]])} &rarr;</a>'
           if i + 1 < len(pages) else "")
    return f'<div class="pager {where}">{prev}{nxt}</div>'


def main():
    book_dir, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    pages = page_order(book_dir)
    titles = {n: title_of(os.path.join(book_dir, n)) for n in pages}
    with open(os.path.join(out_dir, "book.css"), "w", encoding="utf-8") as f:
        f.write(CSS + HtmlFormatter(style=STYLE).get_style_defs(".highlight"))
    for i, name in enumerate(pages):
        body = render(os.path.join(book_dir, name))
        html_path = os.path.join(out_dir, name[:-3] + ".html")
        with open(html_path, "w", encoding="utf-8") as f:
            f.write('<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
                    '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                    f'<title>{html.escape(titles[name])}</title>\n<link rel="stylesheet" href="book.css">\n'
                    f'</head><body>\n{nav(pages, titles, name)}\n<main>\n{pager(pages, titles, i, "top")}\n'
                    f'<article>\n{body}</article>\n{pager(pages, titles, i, "bottom")}\n</main>\n</body></html>\n')
        print(f"  book  {html_path}")


if __name__ == "__main__":
    main()
