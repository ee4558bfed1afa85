"""The parts of the book's site that are not one page: the colours of both
themes (CSS variables and Pygments' token colours), the search index and the
one-page print version. Used by tools/book_html.py.
"""
import html
import json
import re

from pygments.formatters import HtmlFormatter
from pygments.styles import get_style_by_name
from pygments.token import Token

# Pygments' "default" and "github-dark" are the two styles whose every token
# colour reads at WCAG AA (contrast >= 4.5) on their own background.
CODE_STYLE = {"light": "default", "dark": "github-dark"}

COLOURS = {
    "light": {
        "bg": "#ffffff", "fg": "#222222", "muted": "#5f5f5f", "link": "#2a4d7a", "rule": "#e4e4e4",
        "sidebar-bg": "#f4f2ec", "sidebar-border": "#ddd8c8", "sidebar-hover": "#e8e4d8",
        "current-bg": "#2a4d7a", "current-fg": "#ffffff", "inline-code-bg": "#f1efe7",
        "code-border": "#c9c3a8", "caption-bg": "#ecebe4", "table-border": "#cccccc", "th-bg": "#f4f2ec",
        "exercise-bg": "#fff4d6", "exercise-border": "#e0a800", "walk-bg": "#e8f0e4", "walk-border": "#5a8a4a",
        "quote-fg": "#505050", "quote-border": "#cccccc", "mark-bg": "#ffe27a", "mark-fg": "#222222",
    },
    "dark": {
        "bg": "#1a1c20", "fg": "#dcdcd6", "muted": "#a3a39c", "link": "#8cb8f0", "rule": "#34373d",
        "sidebar-bg": "#222429", "sidebar-border": "#34373d", "sidebar-hover": "#2e3137",
        "current-bg": "#3b6296", "current-fg": "#ffffff", "inline-code-bg": "#2b2e34",
        "code-border": "#4a4f58", "caption-bg": "#262a31", "table-border": "#474b52", "th-bg": "#25282d",
        "exercise-bg": "#3a3218", "exercise-border": "#c99a1e", "walk-bg": "#1f3324", "walk-border": "#5a8a4a",
        "quote-fg": "#b9b9b2", "quote-border": "#4a4d52", "mark-bg": "#6b5a12", "mark-fg": "#ffffff",
    },
}

# Where the dark colours apply: the system asks for dark and the reader has not
# picked light, or the reader picked dark. Paper is always light (screen only).
DARK_BY_SYSTEM = 'html:not([data-theme="light"])'
DARK_BY_CHOICE = 'html[data-theme="dark"]'


def _variables(selector, theme):
    style = get_style_by_name(CODE_STYLE[theme])
    colours = dict(COLOURS[theme], **{"code-bg": style.background_color,
                                      "code-fg": style.style_for_token(Token.Text)["color"] or ""})
    colours["code-fg"] = "#" + colours["code-fg"] if colours["code-fg"] else colours["fg"]
    body = " ".join(f"--{k}: {v};" for k, v in colours.items())
    return f"{selector} {{ {body} color-scheme: {theme}; }}\n"


def _token_colours(theme, scope):
    return "\n".join(HtmlFormatter(style=CODE_STYLE[theme]).get_token_style_defs(scope)) + "\n"


def _dark_tokens(scope):
    # Forget the light style's token colours first, so a token the dark style
    # leaves alone is not painted in a light theme's dark colour.
    return (f"{scope} .highlight span {{ color: inherit; background: none; font-weight: inherit; font-style: inherit; }}\n"
            + _token_colours("dark", f"{scope} .highlight"))


def colour_css():
    return ("\n/* ---- colours (tools/book_site.py) ---- */\n"
            + _variables(":root", "light")
            + _token_colours("light", ".highlight")
            + "@media screen and (prefers-color-scheme: dark) {\n"
            + _variables(DARK_BY_SYSTEM, "dark") + _dark_tokens(DARK_BY_SYSTEM) + "}\n"
            + "@media screen {\n" + _variables(DARK_BY_CHOICE, "dark") + _dark_tokens(DARK_BY_CHOICE) + "}\n")


def _plain(fragment):
    fragment = re.sub(r'<a class="anchor"[^>]*>#</a>|<!--.*?-->', "", fragment, flags=re.S)
    # A block's end separates words; an inline tag (a highlighted token) does not.
    fragment = re.sub(r"</?(?:p|li|ol|ul|pre|h\d|t[dhr]|table|div|br|figure|figcaption|blockquote|nav)\b[^>]*>",
                      " ", fragment)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", fragment))).strip()


def _without_page_toc(article):
    return re.sub(r'<nav class="page-toc".*?</nav>\n', "", article, flags=re.S)


def search_index(pages, titles, articles):
    """window.bookSearchIndex: the pages, and one entry per section (h1 to the first h2,
    then each h2 and h3): [page, anchor, heading, text]. A script, not JSON, so that a
    page opened from file:// can load it (no fetch across files)."""
    sections = []
    for p, name in enumerate(pages):
        article = _without_page_toc(articles[name])
        parts = re.split(r'<h([1-3]) id="([^"]*)">(.*?)</h\1>', article, flags=re.S)
        # parts: text before the h1, then (level, id, heading, text after it) per heading.
        for i in range(1, len(parts), 4):
            level, hid, heading, text = parts[i:i + 4]
            sections.append([p, "" if level == "1" else hid, _plain(heading), _plain(text)])
    index = {"pages": [[name[:-3] + ".html", titles[name]] for name in pages], "sections": sections}
    return "window.bookSearchIndex = " + json.dumps(index, ensure_ascii=False, separators=(",", ":")) + ";\n"


def _namespaced(stem, article, stems):
    """One page's article inside print.html: its ids get the page's name in front (every
    chapter has a "the-exercise"), and links to pages of the book become links within."""
    article = re.sub(r' id="([^"]*)"', lambda m: f' id="{stem}--{m.group(1)}"', _without_page_toc(article))

    def link(m):
        page, anchor = m.group(1), m.group(2)
        target = stem if page == "" else page[:-5] if page.endswith(".html") else None
        if target not in stems:
            return m.group(0)
        return f'href="#{target}--{anchor}"' if anchor else f'href="#{target}"'

    return re.sub(r'href="([^":/#"]*\.html|)(?:#([^"]*))?"', link, article)


def print_body(pages, titles, articles, book_title):
    stems = {name[:-3] for name in pages}
    contents = "".join(f'<li><a href="#{name[:-3]}">{html.escape(titles[name])}</a></li>' for name in pages)
    sections = "".join(f'<section class="print-page" id="{name[:-3]}">\n{_namespaced(name[:-3], articles[name], stems)}'
                       '</section>\n' for name in pages)
    return ('<body class="print-book">\n<main id="content">\n<p class="print-note">'
            f'{html.escape(book_title)}: every page of the book, in order, on one page to print or save as PDF. '
            '<button id="print-button" type="button">Print</button> <a href="README.html">Back to the book</a></p>\n'
            f'<nav class="print-contents" aria-label="Contents"><p>Contents</p><ol>{contents}</ol></nav>\n'
            f'{sections}</main>\n<script src="book.js"></script>\n</body></html>\n')
