// The book's script (tools/book_html.py copies it to build/book/book.js):
// the menu button, the light/dark button and the search. Every page works
// without it; it only adds. Opened from file://, so nothing is fetched: the
// search index is a script (search_index.js), loaded the first time the
// search box is used.
(function () {
  "use strict";
  const root = document.documentElement;
  const $ = (id) => document.getElementById(id);

  // ---- the menu button (narrow screens): opens and closes the chapter list ----
  const menu = $("menu-button");
  function setMenu(open) {
    document.body.classList.toggle("sidebar-open", open);
    if (menu) menu.setAttribute("aria-expanded", String(open));
  }
  if (menu) {
    menu.addEventListener("click", () => setMenu(!document.body.classList.contains("sidebar-open")));
    // A click beside the open list closes it, as Escape does.
    document.addEventListener("click", (e) => {
      if (!$("sidebar").contains(e.target) && !menu.contains(e.target)) setMenu(false);
    });
  }

  // ---- light or dark: the system's choice until the reader picks one ----
  const themeButton = $("theme-button");
  const systemDark = window.matchMedia("(prefers-color-scheme: dark)");
  const isDark = () => (root.dataset.theme || (systemDark.matches ? "dark" : "light")) === "dark";
  function showTheme() {
    if (!themeButton) return;
    themeButton.querySelector(".theme-label").textContent = isDark() ? "Light" : "Dark";
    themeButton.title = isDark() ? "Show the light colours" : "Show the dark colours";
  }
  if (themeButton) {
    themeButton.addEventListener("click", () => {
      root.dataset.theme = isDark() ? "light" : "dark";
      try { localStorage.setItem("book-theme", root.dataset.theme); } catch (e) { /* private mode */ }
      showTheme();
    });
    systemDark.addEventListener("change", showTheme);
    showTheme();
  }

  // The page's table of sections starts folded on a small screen: the text comes first.
  const toc = document.querySelector(".page-toc details");
  if (toc && window.matchMedia("(max-width: 50rem)").matches) toc.open = false;

  const printButton = $("print-button");
  if (printButton) printButton.addEventListener("click", () => window.print());

  // ---- search ----
  const input = $("search");
  const results = $("search-results");
  const status = $("search-status");
  if (!input || !results) return;
  const scriptDir = document.currentScript.src.replace(/[^/]*$/, "");
  let lowered = null;  // the index's text in lower case, made once

  function loadIndex(then) {
    if (window.bookSearchIndex) return then();
    let s = document.getElementById("search-index-script");
    if (!s) {
      s = document.createElement("script");
      s.id = "search-index-script";
      s.src = scriptDir + "search_index.js";
      s.onerror = () => { status.textContent = "The search index (search_index.js) is missing: run make book."; };
      document.head.appendChild(s);
    }
    s.addEventListener("load", then);
  }

  const escapeHtml = (t) => t.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
  const escapeRegExp = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const count = (hay, needle) => { let n = 0, i = 0; while ((i = hay.indexOf(needle, i)) >= 0) { n++; i += needle.length; } return n; };

  function marked(text, words) {
    const pattern = new RegExp(words.map(escapeRegExp).join("|"), "gi");
    let out = "", last = 0;
    for (const m of text.matchAll(pattern)) {
      out += escapeHtml(text.slice(last, m.index)) + "<mark>" + escapeHtml(m[0]) + "</mark>";
      last = m.index + m[0].length;
    }
    return out + escapeHtml(text.slice(last));
  }

  function snippet(text, lower, words) {
    const where = words.map((w) => lower.indexOf(w)).filter((i) => i >= 0);
    const at = where.length > 0 ? Math.min(...where) : 0;
    let start = Math.max(0, at - 60);
    if (start > 0) start = Math.min(at, text.indexOf(" ", start) + 1);  // from the start of a word
    return (start > 0 ? "… " : "") + text.slice(start, at + 120) + (at + 120 < text.length ? " …" : "");
  }

  // Every word must appear in a section (its heading or its text); a word in the heading counts most.
  function search(query) {
    const index = window.bookSearchIndex;
    lowered = lowered || index.sections.map(([, , heading, text]) => [heading.toLowerCase(), text.toLowerCase()]);
    const words = query.toLowerCase().split(/\s+/).filter((w) => w.length > 0);
    const found = [];
    index.sections.forEach((section, i) => {
      const [heading, text] = lowered[i];
      let score = 0;
      for (const w of words) {
        const n = 10 * count(heading, w) + count(text, w);
        if (n === 0) return;
        score += n;
      }
      found.push([score, i]);
    });
    found.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    return { words, hits: found.map(([, i]) => index.sections[i]) };
  }

  function show() {
    const query = input.value.trim();
    results.innerHTML = "";
    if (query.length < 2) { status.textContent = ""; return; }
    const { words, hits } = search(query);
    const pages = window.bookSearchIndex.pages;
    status.textContent = hits.length === 0 ? "Nothing found." :
      hits.length === 1 ? "1 section." : hits.length > 30 ? `${hits.length} sections, the first 30:` : `${hits.length} sections.`;
    for (const [p, anchor, heading, text] of hits.slice(0, 30)) {
      const [file, title] = pages[p];
      const li = document.createElement("li");
      li.innerHTML = `<a href="${file}${anchor ? "#" + anchor : ""}"><span class="page">${escapeHtml(title)}</span>` +
        `${marked(heading, words)}</a><p class="snippet">${marked(snippet(text, text.toLowerCase(), words), words)}</p>`;
      results.appendChild(li);
    }
  }

  let timer = 0;
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => loadIndex(show), 80); });
  input.addEventListener("focus", () => loadIndex(() => {}), { once: true });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { const first = results.querySelector("a"); if (first) first.click(); }
    if (e.key === "Escape") { input.value = ""; show(); input.blur(); }
  });
  // "/" anywhere (outside a text field) goes to the search box, opening the menu on a small screen.
  document.addEventListener("keydown", (e) => {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) return;
    e.preventDefault();
    setMenu(true);
    input.focus();
  });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") setMenu(false); });

  // book.html?search=words opens with the results shown.
  const asked = new URLSearchParams(location.search).get("search");
  if (asked) { input.value = asked; setMenu(true); loadIndex(show); }
})();
