#!/usr/bin/env python3
"""Renders the book (book/*.md) to a static site that works from file://
with no server and no network. Called by scripts/book.sh (`make book`),
which makes sure cmark-gfm and Pygments (Debian's cmark-gfm and
python3-pygments) are installed.

    book_html.py BOOK_DIR OUT_DIR

Every page has the chapter list (a menu on a narrow screen), a search box,
previous / next links, a table of its sections, a `#` link on each heading,
and a caption on each code excerpt naming its source file. A chapter page
links to its card, its stubs and its tests. OUT_DIR/print.html is the whole
book on one page. Light and dark follow the system, and a button swaps them.
The style and the script are tools/book_assets/book.css and book.js;
tools/book_site.py builds the search index, the print page and the colours.

Order of the pages: README.md (the index) first, then the chapters
chNN_*.md in number order, then every other page (the appendices) by name.
A chapter appears as soon as its file exists.
"""
import glob
import html
import os
import re
import shutil
import subprocess
import sys

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
import book_site

ASSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "book_assets")
BOOK_TITLE = "An async executor from scratch"
CHAPTER = re.compile(r"(ch\d\d_\w+)\.md$")


def page_order(book_dir):
    names = sorted(n for n in os.listdir(book_dir) if n.endswith(".md"))
    chapters = [n for n in names if CHAPTER.match(n)]
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
    # Links into the book (from the cards, from other pages) rely on them.
    s = re.sub(r"[^\w\- ]", "", html.unescape(re.sub(r"<[^>]+>", "", text)).strip().lower()).replace(" ", "-")
    n = seen.get(s, 0)
    seen[s] = n + 1
    return s if n == 0 else f"{s}-{n}"


def add_anchors(body, headings):
    """Gives every heading its id and a `#` link to itself; collects (level, id, html) of h2 and h3."""
    seen = {}

    def repl(m):
        level, inner = int(m.group(1)), m.group(2)
        hid = slug(inner, seen)
        if level in (2, 3):
            headings.append((level, hid, inner))
        link = "" if level == 1 else f' <a class="anchor" href="#{hid}" aria-label="Link to this section">#</a>'
        return f'<h{level} id="{hid}">{inner}{link}</h{level}>'

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


def caption_excerpts(body, to_repo):
    """An excerpt's marker (<!-- code: FILE [REGION] -->, see tools/bookcheck.cpp) becomes a
    caption naming the file, linked to it. The marker stays: the browser check counts them."""
    def repl(m):
        marker, path, region, block = m.group(1), m.group(2), m.group(3), m.group(4)
        where = f' <code class="region">[book:{html.escape(region)}]</code>' if region else ""
        return (f'{marker}\n<figure class="excerpt"><figcaption><a href="{html.escape(to_repo)}/{html.escape(path)}">'
                f'<code>{html.escape(path)}</code></a>{where}</figcaption>\n{block}</figure>')

    return re.sub(r"(<!--\s*code:\s*(\S+)(?:\s+([\w-]+))?\s*-->)\s*(<pre.*?</pre>)", repl, body, flags=re.S)


def chapter_links(name, repo_dir, to_repo):
    """A chapter's way back to the workbook: its card, its stubs, its tests (those that exist)."""
    m = CHAPTER.match(name)
    if not m:
        return ""
    d = m.group(1)
    wanted = [("The card", f"{d}/README.md"), ("your files (the stubs)", f"exercises/{d}/"),
              ("the tests", f"{d}/tests/")]
    links = [f'{label}: <a href="{to_repo}/{path}"><code>{path}</code></a>'
             for label, path in wanted if os.path.exists(os.path.join(repo_dir, path))]
    return f'<p class="chapter-links">{" · ".join(links)}</p>\n' if links else ""


def page_toc(headings):
    """"On this page": the h2 headings, each with its h3 headings under it."""
    if len(headings) < 2:
        return ""
    groups = []  # (h2 link, [its h3 links])
    for level, hid, inner in headings:
        text = re.sub(r"</?a\b[^>]*>", "", inner)  # no link inside a link
        link = f'<a href="#{hid}">{text}</a>'
        if level == 2 or not groups:
            groups.append((link, []))
        else:
            groups[-1][1].append(link)
    items = "".join(f"<li>{top}" + (f"<ol>{''.join(f'<li>{s}</li>' for s in subs)}</ol>" if subs else "") + "</li>"
                    for top, subs in groups)
    return ('<nav class="page-toc" aria-label="On this page"><details open><summary>On this page</summary>'
            f'<ol>{items}</ol></details></nav>\n')


def fix_links(body, to_repo, book_name):
    """A link to another page (X.md) goes to its .html; any other relative link names a file
    of the repository, relative to book/, and goes there from the site's folder."""
    def repl(m):
        href = html.unescape(m.group(1))
        if re.match(r"[a-zA-Z][\w+.-]*:|#|/", href):
            return m.group(0)
        path, _, frag = href.partition("#")
        if "/" not in path and path.endswith(".md"):
            target = path[:-3] + ".html"
        else:
            target = to_repo + "/" + os.path.normpath(os.path.join(book_name, path)).replace(os.sep, "/")
        return f'href="{html.escape(target + ("#" + frag if frag else ""))}"'

    return re.sub(r'href="([^"]*)"', repl, body)


def render(md_path, name, repo_dir, to_repo):
    """The page's article HTML, and its (level, id, html) h2/h3 headings."""
    out = subprocess.run(
        ["cmark-gfm", "--unsafe", "-e", "table", "-e", "autolink", "-e", "strikethrough", md_path],
        check=True, capture_output=True, text=True).stdout
    book_name = os.path.basename(os.path.dirname(os.path.abspath(md_path)))
    headings = []
    body = add_anchors(fix_links(out, to_repo, book_name), headings)
    body = caption_excerpts(highlight_code(body), to_repo)
    top = chapter_links(name, repo_dir, to_repo) + page_toc(headings)
    return re.sub(r"(</h1>\n)", lambda m: m.group(1) + top, body, count=1), headings


def nav(pages, titles, current):
    items = []
    part = None
    for name in pages:
        kind = "Start" if name == "README.md" else "Chapters" if CHAPTER.match(name) else "Appendices"
        if kind != part and kind != "Start":
            items.append(f'<li class="part">{kind}</li>')
        part = kind
        cls = ' class="current" aria-current="page"' if name == current else ""
        items.append(f'<li><a{cls} href="{name[:-3]}.html">{html.escape(titles[name])}</a></li>')
    return (f'<nav id="sidebar" class="sidebar" aria-label="The book">\n'
            f'<a class="book" href="README.html">{BOOK_TITLE}</a>\n'
            '<div class="search" role="search"><input id="search" type="search" autocomplete="off" '
            'placeholder="Search the book ( / )" aria-label="Search the book">\n'
            '<p id="search-status" class="search-status" aria-live="polite"></p>'
            '<ol id="search-results" class="search-results"></ol></div>\n'
            f'<ol class="chapters">{"".join(items)}</ol>\n'
            '<p class="extras"><a href="print.html">The whole book on one page (to print)</a></p>\n</nav>')


def pager(pages, titles, i, where):
    prev = (f'<a class="prev" rel="prev" href="{pages[i - 1][:-3]}.html">&larr; {html.escape(titles[pages[i - 1]])}</a>'
            if i > 0 else "")
    nxt = (f'<a class="next" rel="next" href="{pages[i + 1][:-3]}.html">{html.escape(titles[pages[i + 1]])} &rarr;</a>'
           if i + 1 < len(pages) else "")
    return f'<div class="pager {where}">{prev}{nxt}</div>'


def head(title):
    # The inline script runs before the first paint: no flash of the wrong colours.
    return ('<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="color-scheme" content="light dark">\n'
            f'<title>{html.escape(title)}</title>\n<link rel="stylesheet" href="book.css">\n'
            '<script>document.documentElement.classList.add("js");'
            'try { var t = localStorage.getItem("book-theme"); if (t) document.documentElement.dataset.theme = t; }'
            ' catch (e) {}</script>\n</head>')


def topbar(title):
    return ('<a class="skip-link" href="#content">Skip to the text</a>\n<header class="topbar">'
            '<button id="menu-button" class="menu-button" type="button" aria-controls="sidebar" aria-expanded="false">'
            '<span aria-hidden="true">&#9776;</span> Contents</button>'
            f'<a class="topbar-title" href="#content" title="Back to the top">{html.escape(title)}</a>'
            '<button id="theme-button" class="theme-button" type="button" title="Light or dark">'
            '<span aria-hidden="true">&#9680;</span> <span class="theme-label">Dark</span></button></header>')


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"  book  {path}")


def main():
    book_dir, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    for old in glob.glob(os.path.join(out_dir, "*.html")):  # a renamed chapter's page must not linger
        os.remove(old)
    repo_dir = os.path.dirname(os.path.abspath(book_dir))
    to_repo = os.path.relpath(repo_dir, os.path.abspath(out_dir)).replace(os.sep, "/")
    pages = page_order(book_dir)
    titles = {n: title_of(os.path.join(book_dir, n)) for n in pages}
    with open(os.path.join(ASSETS, "book.css"), encoding="utf-8") as f:
        write(os.path.join(out_dir, "book.css"), f.read() + book_site.colour_css())
    shutil.copyfile(os.path.join(ASSETS, "book.js"), os.path.join(out_dir, "book.js"))
    articles = {}
    for i, name in enumerate(pages):
        body, headings = render(os.path.join(book_dir, name), name, repo_dir, to_repo)
        articles[name] = body
        write(os.path.join(out_dir, name[:-3] + ".html"),
              f'{head(titles[name])}<body>\n{topbar(titles[name])}\n<main id="content">\n{pager(pages, titles, i, "top")}\n'
              f'<article>\n{body}</article>\n{pager(pages, titles, i, "bottom")}\n</main>\n'
              f'{nav(pages, titles, name)}\n<script src="book.js"></script>\n</body></html>\n')
    write(os.path.join(out_dir, "search_index.js"), book_site.search_index(pages, titles, articles))
    write(os.path.join(out_dir, "print.html"),
          head(f"{BOOK_TITLE}: the whole book") + book_site.print_body(pages, titles, articles, BOOK_TITLE))


if __name__ == "__main__":
    main()
