#!/usr/bin/env python3
"""The book's site (build/book/, `make book`) in a real browser: headless
Chromium, driven over its DevTools protocol. Fails, naming the page and what
is wrong, when

  - a page does not render: a script error, a resource that does not load,
    no h1, no text, the style sheet not applied;
  - the search, for a term only one chapter uses (--search-term, used only by
    the page --search-page), does not list that page, or lists another;
  - at 400 px wide the chapter list shows before (or over) the text, the menu
    button does not open and close it, or the page scrolls sideways;
  - text reads at a contrast below 4.5 (3 for large text) in the light or
    the dark colours (emulated prefers-color-scheme), or the dark colours
    leave the page light, or the light/dark button does not swap them;
  - printed (emulated print media, 700 px paper), the chapter list or the
    menu shows, or a code block or table is cut off;
  - an excerpt (its <!-- code: FILE --> marker) has no caption linking to
    FILE, or a page has fewer excerpts than its Markdown source;
  - a relative link names a file that does not exist, or an anchor that is
    not on its page.

It keeps screenshots for a person to look at (their paths are printed):
every page at 1280 px; the first page and the search page also at 400 px
(the menu closed and open), in the dark colours, and printed (a PNG, and a
PDF of the search page); the search's results.

    book_browser_check.py SITE [--sources BOOK_DIR] [--search-term T] [--search-page GLOB]
    book_browser_check.py --selftest SITE --expect FILE ...   (SITE built from a faulty fixture)

With --selftest the check passes when it finds each failure FILE lists, and
no other failure on a page FILE does not name. The probes that run inside
each page are tools/book_browser_probes.js; the browser, tools/cdp.py.
"""
import argparse
import fnmatch
import glob
import os
import re
import shutil
import signal
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
from cdp import BrowserError, Chromium

HERE = os.path.dirname(os.path.abspath(__file__))
DESKTOP = dict(width=1280, height=800, deviceScaleFactor=1, mobile=False)
NARROW = dict(width=400, height=800, deviceScaleFactor=1, mobile=True)
PAPER = dict(width=700, height=1000, deviceScaleFactor=1, mobile=False)
MIN_CONTRAST = 4.5
# The whole book on one page: the other pages' text again, so its colours are
# not measured twice; it has no chapter list and no search.
ONE_PAGE_BOOK = "print.html"


def file_url(path):
    return "file://" + urllib.parse.quote(os.path.abspath(path))


class SiteCheck:
    def __init__(self, browser, site, shots):
        self.b, self.site, self.shots_dir = browser, os.path.abspath(site), shots
        self.failures, self.shots = [], []
        self.ids, self.links = {}, []  # page path -> ids; (page, url, description)
        with open(os.path.join(HERE, "book_browser_probes.js"), encoding="utf-8") as f:
            self.probes = f.read()

    def fail(self, page, what):
        failure = f"{page}: {what}"
        if failure not in self.failures:  # a page opened twice reports its fault once
            self.failures.append(failure)
            print(f"  FAIL {failure}", flush=True)

    def shot(self, name, what, pdf=False):
        if not self.shots_dir:
            return
        path = os.path.join(self.shots_dir, name)
        (self.b.pdf if pdf else self.b.screenshot)(path)
        self.shots.append((path, what))

    # ---- one page, in each of its looks ----
    def open(self, page, metrics, scheme="light", media=""):
        self.emulate(metrics, scheme, media)
        self.b.goto(file_url(os.path.join(self.site, page)))
        self.b.evaluate(self.probes)

    def emulate(self, metrics, scheme="light", media=""):
        self.b.call("Emulation.setDeviceMetricsOverride", **metrics)
        self.b.call("Emulation.setEmulatedMedia", media=media,
                    features=[{"name": "prefers-color-scheme", "value": scheme}])

    def probe(self, name, *args):
        return self.b.evaluate(f"window.bookProbe.{name}({', '.join(map(repr, args))})")

    def errors_so_far(self, page):
        """Script errors and failed loads the browser reported since the page was opened."""
        for event in self.b.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                d = params["exceptionDetails"]
                message = d.get("exception", {}).get("description") or d.get("text")
                self.fail(page, f"a script error: {message.splitlines()[0]}")
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                e = params["entry"]
                self.fail(page, f"the browser logs an error: {e['text']} {e.get('url', '')}".strip())
            elif method == "Runtime.consoleAPICalled" and params["type"] == "error":
                self.fail(page, f"console.error: {' '.join(str(a.get('value', '')) for a in params['args'])}")
        self.b.events.clear()

    def check_page(self, page, md_path, detailed):
        """Every check of one page; detailed: also its dark, printed and 400 px screenshots
        (and "with pdf": a PDF of it printed)."""
        stem = page[:-5]
        self.open(page, DESKTOP)
        r = self.probe("render")
        if not r["h1"]:
            self.fail(page, "no h1 heading: the page did not render")
        if r["textLength"] < 100:
            self.fail(page, f"only {r['textLength']} characters of text: the page did not render")
        if not r["styled"]:
            self.fail(page, "the style sheet (book.css) did not apply")
        self.ids[os.path.join(self.site, page)] = set(self.probe("ids"))
        self.links += [(page, link["url"], link["what"]) for link in self.probe("links")]
        self.check_excerpts(page, md_path)
        if page != ONE_PAGE_BOOK:
            self.check_contrast(page, "light")
        self.shot(f"{stem}.png", f"{page} at 1280 px, light colours")

        self.emulate(DESKTOP, scheme="dark")
        if page != ONE_PAGE_BOOK:
            self.check_contrast(page, "dark")
        if detailed:
            self.b.evaluate(f"window.scrollTo(0, {max(0, self.probe('firstExcerptTop') - 120)})")
            self.shot(f"{stem}-dark.png", f"{page} at 1280 px, dark colours, at its first code block")
            self.b.evaluate("window.scrollTo(0, 0)")

        self.emulate(PAPER, media="print")
        p = self.probe("printLayout")
        for selector in p["printed"]:
            self.fail(page, f"printed, it shows {selector}: only the text should print")
        for block in p["clipped"][:5]:
            self.fail(page, f"printed on 700 px of paper, a block is cut off: \"{block}\"")
        if detailed:
            self.shot(f"{stem}-print.png", f"{page} as printed (print media, 700 px)")
        if detailed == "with pdf":
            self.shot(f"{stem}-print.pdf", f"{page} printed to PDF", pdf=True)
        self.errors_so_far(page)
        if r["hasSidebar"]:
            self.check_narrow(page, detailed)
            self.errors_so_far(page)

    def check_excerpts(self, page, md_path):
        found = self.probe("excerpts")
        for e in found:
            if not e["captioned"]:
                self.fail(page, f"the excerpt of {e['file']} (\"{e['code']}\") has no caption")
            elif not e["linked"]:
                self.fail(page, f"the caption of the excerpt of {e['file']} does not link to {e['file']}")
        if md_path:
            with open(md_path, encoding="utf-8") as f:
                want = len(re.findall(r"^<!--\s*code:", f.read(), flags=re.M))
            if len(found) != want:
                self.fail(page, f"{len(found)} excerpt(s) on the page, {want} in {os.path.basename(md_path)}")

    def check_contrast(self, page, scheme):
        c = self.probe("contrast", MIN_CONTRAST)
        if c["checked"] == 0:
            self.fail(page, f"({scheme}) no text to measure")
        for p in c["problems"]:
            self.fail(page, f"({scheme} colours) text {p['colours']} reads at contrast {p['ratio']:.2f}, needs "
                            f"{p['need']}: {p['where']} \"{p['text']}\" ({p['count']} place(s))")
        if scheme == "dark" and c["pageLuminance"] > 0.2:
            self.fail(page, "(dark colours) the page stays light under prefers-color-scheme: dark")

    def check_narrow(self, page, detailed):
        stem = page[:-5]
        if detailed:  # opened at 400 px, as a phone would: the page's script sees the small screen
            self.open(page, NARROW)
        else:  # the same page made narrow: enough to see where the list and the text go
            self.emulate(NARROW)
        n = self.probe("narrow")
        if n["sidebarOnScreen"]:
            self.fail(page, "at 400 px the chapter list shows before the text is read (it should wait for the menu)")
            return
        if n["textTop"] is None or n["textTop"] >= n["height"] or n["h1Top"] is None or n["h1Top"] >= n["height"]:
            self.fail(page, f"at 400 px the text starts below the first screen (its h1 at {n['h1Top']} px)")
        if n["pageWidth"] > n["width"] + 1:
            self.fail(page, f"at 400 px the page is {n['pageWidth']} px wide: it scrolls sideways")
        if n["menu"] is None:
            self.fail(page, "at 400 px there is no menu button to show the chapter list")
            return
        if not detailed:  # the menu's script is the same on every page: it is opened on two
            return
        self.shot(f"{stem}-400px.png", f"{page} at 400 px, as it opens")
        self.b.click(*n["menu"])
        if not self.wait(lambda: self.probe("narrow")["sidebarWhole"]):
            self.fail(page, "at 400 px the menu button does not bring the whole chapter list on screen")
            return
        self.shot(f"{stem}-400px-menu.png", f"{page} at 400 px, the menu open")
        self.b.click(n["width"] - 4, n["height"] // 2)
        if not self.wait(lambda: not self.probe("narrow")["sidebarOnScreen"]):
            self.fail(page, "at 400 px a click beside the open chapter list does not close it")

    def wait(self, condition, timeout=3.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.05)
        return condition()

    # ---- the search, from the first page ----
    def check_search(self, start, term, page_glob, sources):
        users = []
        if sources:
            for md in sorted(glob.glob(os.path.join(sources, "*.md"))):
                with open(md, encoding="utf-8") as f:
                    if term.lower() in f.read().lower():
                        users.append(os.path.basename(md)[:-3] + ".html")
            if [u for u in users if not fnmatch.fnmatch(u, page_glob)] or not users:
                self.fail("search", f"the search term '{term}' should be used by the {page_glob} page only, but is used "
                                 f"by: {', '.join(users) or 'no page'}; pick another with --search-term")
                return
        self.open(start, DESKTOP)
        if not self.b.evaluate("!!document.getElementById('search') && (document.getElementById('search').focus(), true)"):
            self.fail("search", f"no search box (#search) on {start}")
            return
        self.b.call("Input.insertText", text=term)
        self.wait(lambda: self.probe("searchResults")["status"] != "", timeout=10)
        found = self.probe("searchResults")
        listed = sorted({os.path.basename(urllib.parse.urlparse(link["url"]).path) for link in found["links"]})
        safe_term = re.sub(r"[^\w-]", "_", term)
        self.shot(f"search-{safe_term}.png", f"the search for '{term}' on {start}")
        if not any(fnmatch.fnmatch(p, page_glob) for p in listed):
            self.fail("search", f"on {start}, a search for '{term}' does not list the {page_glob} page "
                             f"(it says \"{found['status']}\", lists {', '.join(listed) or 'nothing'})")
        for p in listed:
            if users and p not in users:
                self.fail("search", f"on {start}, a search for '{term}' lists {p}, whose source does not use it")
        self.links += [(f"{start} (search results)", link["url"], link["what"]) for link in found["links"]]
        self.errors_so_far(start)

    # ---- the light/dark button, on the first page ----
    def check_theme_button(self, start):
        self.open(start, DESKTOP)
        button = self.b.evaluate("(() => { const b = document.getElementById('theme-button'); if (!b) return null;"
                                 " const r = b.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()")
        if button is None:
            self.fail(start, "no light/dark button (#theme-button)")
            return
        looks = []
        for _ in range(2):
            self.b.click(*button)
            looks.append(self.wait(lambda: self.probe("contrast", 0)["pageLuminance"] < 0.2, timeout=1))
        self.b.evaluate("localStorage.clear()")  # the reader's choice would outlive this test
        if looks != [True, False]:
            self.fail(start, "the light/dark button does not turn the page dark, then light again")
        self.errors_so_far(start)

    # ---- every link and anchor, once every page has been seen ----
    def check_links(self):
        outside = anchors = 0
        for page, url, what in self.links:
            parsed = urllib.parse.urlparse(url)
            if parsed.scheme != "file":
                outside += 1
                continue
            path = urllib.parse.unquote(parsed.path)
            shown = os.path.relpath(path, self.site)
            if not os.path.exists(path):
                self.fail(page, f"broken link {what}: {shown} does not exist")
                continue
            if not parsed.fragment:
                continue
            anchors += 1
            fragment = urllib.parse.unquote(parsed.fragment)
            if path not in self.ids and path.endswith(".html"):
                with open(path, encoding="utf-8", errors="replace") as f:
                    self.ids[path] = set(re.findall(r'\b(?:id|name)="([^"]*)"', f.read()))
            if path not in self.ids:
                self.fail(page, f"link {what}: #{fragment} points into {shown}, which is not a page")
            elif fragment not in self.ids[path]:
                self.fail(page, f"broken anchor {what}: {shown} has no #{fragment}")
        print(f"  links: {len(self.links)} checked ({anchors} with an anchor); "
              f"{outside} to other sites not followed (offline)")


def pages_of(site):
    names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(site, "*.html")))
    return sorted(names, key=lambda n: (n != "README.html", n == "print.html", n))


def run(args):
    site = args.site
    shots = None if args.no_screenshots else args.shots or os.path.join(site, "screenshots")
    if shots:
        shutil.rmtree(shots, ignore_errors=True)
        os.makedirs(shots)
    pages = pages_of(site)
    if not pages:
        return [f"{site}: no pages (*.html): run make book"], []
    started = time.monotonic()
    browser = Chromium(args.chromium)
    check = SiteCheck(browser, site, shots)
    try:
        for name in ("Page.enable", "Runtime.enable", "Log.enable"):
            browser.call(name)
        if args.sources:
            for md in sorted(glob.glob(os.path.join(args.sources, "*.md"))):
                if os.path.basename(md)[:-3] + ".html" not in pages:
                    check.fail(os.path.basename(md), "has no page in the site")
        search_pages = [p for p in pages if fnmatch.fnmatch(p, args.search_page)]
        for page in pages:
            md = os.path.join(args.sources, page[:-5] + ".md") if args.sources else None
            detailed = "with pdf" if page in search_pages[:1] else page == pages[0]
            try:
                check.check_page(page, md if md and os.path.exists(md) else None, detailed)
            except BrowserError as e:
                check.fail(page, f"the browser could not check it: {e}")
        try:
            check.check_search(pages[0], args.search_term, args.search_page, args.sources)
        except BrowserError as e:
            check.fail("search", f"the browser could not search on {pages[0]}: {e}")
        try:
            check.check_theme_button(pages[0])
        except BrowserError as e:
            check.fail(pages[0], f"the browser could not try the light/dark button: {e}")
        check.check_links()
    finally:
        browser.close()
    print(f"  {len(pages)} pages in {time.monotonic() - started:.0f} s")
    return check.failures, check.shots


def selftest(args, failures):
    """Every expected failure found, none of the excluded ones, and nothing failing on a
    page the expectations leave clean."""
    expected, faulty_pages = [], set()
    with open(args.expect, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                wanted = not line.startswith("not ")
                page, _, text = line.removeprefix("not ").partition(": ")
                expected.append((wanted, page, text))
                faulty_pages.add(page)
    ok = True
    for wanted, page, text in expected:
        hit = any(f.startswith(page + ": ") and text in f for f in failures)
        verdict = ("found" if hit else "MISSED") if wanted else ("WRONGLY REPORTED" if hit else "not reported, right")
        print(f"  {verdict}: {'' if wanted else 'not '}{page}: ...{text}...")
        ok &= hit == wanted
    for f in failures:
        if f.split(": ", 1)[0] not in faulty_pages:
            print(f"  UNEXPECTED (on a page that should pass): {f}")
            ok = False
    print("book browser self-test: " + ("every fault caught, the clean pages pass" if ok else "FAILED"))
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", help="the built site, e.g. build/book")
    parser.add_argument("--sources", help="the Markdown it was built from, e.g. book")
    parser.add_argument("--search-term", default="epoll_ctl")
    parser.add_argument("--search-page", default="ch06_*.html")
    parser.add_argument("--shots", help="where the screenshots go (default SITE/screenshots)")
    parser.add_argument("--no-screenshots", action="store_true", help="take none (the self-test)")
    parser.add_argument("--chromium", default="chromium")
    parser.add_argument("--selftest", action="store_true")
    parser.add_argument("--expect", help="with --selftest: the failures the fixture must produce")
    args = parser.parse_args()
    # Stopped by `timeout`: leave through run()'s finally, which closes the browser.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("book browser check: stopped (SIGTERM); the browser is closed"))
    try:
        failures, shots = run(args)
    except BrowserError as e:
        print(f"book browser check: the browser failed: {e}")
        return 1
    if args.selftest:
        return selftest(args, failures)
    print("  screenshots (open them to see the site):")
    for path, what in shots:
        print(f"    {os.path.relpath(path)}  {what}")
    if failures:
        print(f"book browser check: {len(failures)} problem(s), listed above")
        return 1
    print("book browser check: every page renders, searches, reads in both colours, prints and links")
    return 0


if __name__ == "__main__":
    sys.exit(main())
