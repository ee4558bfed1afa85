// What tools/book_browser_check.py asks a page of the book, in the browser,
// once the page has loaded. Each probe returns plain data; the check judges it.
// The site's contract: #content is the text, #sidebar the chapter list,
// #menu-button opens it on a small screen, #search and #search-results the
// search, --book-css: loaded on the root says the style sheet applied, and
// an excerpt's marker comment (<!-- code: FILE ... -->) is followed by an
// element holding a figcaption that links to FILE.
window.bookProbe = (() => {
  const shown = (e) => e !== null && e.getClientRects().length > 0 && getComputedStyle(e).visibility === "visible";
  const onScreen = (e) => {
    if (!shown(e)) return false;
    const r = e.getBoundingClientRect();
    return r.right > 1 && r.left < innerWidth - 1 && r.bottom > 1 && r.top < innerHeight - 1;
  };
  const centre = (e) => { const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; };
  const excerptOf = (e) => (e.textContent || "").trim().replace(/\s+/g, " ").slice(0, 50);

  // ---- colours, after WCAG 2's definition of contrast ----
  const rgba = (s) => {
    const m = /^rgba?\(([^)]*)\)$/.exec(s);
    if (!m) return null;
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map(parseFloat);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
  const luminance = ([r, g, b]) => {
    const f = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const css = (c) => `rgb(${c.slice(0, 3).map(Math.round).join(", ")})`;

  return {
    render() {
      const h1 = document.querySelector("h1");
      return {
        h1: h1 ? h1.textContent.trim() : "",
        textLength: document.body ? document.body.innerText.trim().length : 0,
        styled: getComputedStyle(document.documentElement).getPropertyValue("--book-css").trim() === "loaded",
        hasSidebar: document.getElementById("sidebar") !== null,
        hasSearch: document.getElementById("search") !== null,
      };
    },

    ids() {
      return [...document.querySelectorAll("[id]")].map((e) => e.id)
        .concat([...document.querySelectorAll("a[name]")].map((e) => e.name));
    },

    links() {
      return [...document.querySelectorAll("a[href], link[href], script[src], img[src]")].map((e) => ({
        url: e.href || e.src,
        what: `${e.tagName.toLowerCase()} ${e.getAttribute("href") || e.getAttribute("src")}` +
              (e.tagName === "A" && excerptOf(e) ? ` ("${excerptOf(e)}")` : ""),
      }));
    },

    excerpts() {
      const found = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_COMMENT);
      for (let c = walker.nextNode(); c !== null; c = walker.nextNode()) {
        const m = /^\s*code:\s*(\S+)/.exec(c.data);
        if (!m) continue;
        let next = c.nextSibling;
        while (next !== null && next.nodeType !== Node.ELEMENT_NODE) next = next.nextSibling;
        const link = next && next.querySelector("figcaption a[href]");
        found.push({
          file: m[1],
          captioned: link !== null && shown(link.closest("figcaption")),
          linked: link !== null && decodeURI(link.href).endsWith("/" + m[1]),
          code: next ? excerptOf(next) : "",
        });
      }
      return found;
    },

    // Every piece of text against what is behind it; each pair of colours once.
    contrast(minimum) {
      const backgrounds = new Map();
      const background = (e) => {
        if (e === null) return [255, 255, 255, 1];
        if (!backgrounds.has(e)) {
          const own = rgba(getComputedStyle(e).backgroundColor) || [0, 0, 0, 0];
          backgrounds.set(e, own[3] >= 1 ? own : over(own, background(e.parentElement)));
        }
        return backgrounds.get(e);
      };
      const opacities = new Map();
      const opacity = (e) => {
        if (e === null) return 1;
        if (!opacities.has(e)) opacities.set(e, parseFloat(getComputedStyle(e).opacity) * opacity(e.parentElement));
        return opacities.get(e);
      };
      const problems = new Map();
      let checked = 0;
      for (const e of document.body.querySelectorAll("*")) {
        if (![...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.data.trim() !== "")) continue;
        if (!shown(e) || opacity(e) < 0.1) continue;
        const style = getComputedStyle(e);
        const fg = rgba(style.color);
        if (fg === null) continue;
        checked++;
        const bg = background(e);
        const have = ratio(over(fg, bg), bg);
        const size = parseFloat(style.fontSize);
        const large = size >= 24 || (size >= 18.66 && parseInt(style.fontWeight, 10) >= 700);
        const need = large ? 3 : minimum;
        if (have >= need) continue;
        const key = `${css(over(fg, bg))} on ${css(bg)}`;
        const p = problems.get(key) || { colours: key, ratio: have, need, count: 0,
          where: `${e.tagName.toLowerCase()}${e.className ? "." + String(e.className).split(" ")[0] : ""}`,
          text: excerptOf(e) };
        p.count++;
        problems.set(key, p);
      }
      return { checked, problems: [...problems.values()], pageLuminance: luminance(background(document.body)) };
    },

    printLayout() {
      const clipped = [...document.querySelectorAll("pre, table, figure, img")]
        .filter((e) => shown(e) && (e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > innerWidth + 1))
        .map((e) => excerptOf(e));
      return {
        printed: ["#sidebar", "#menu-button", "#search"].filter((s) => shown(document.querySelector(s))),
        clipped,
        pageWidth: document.documentElement.scrollWidth,
      };
    },

    narrow() {
      const content = document.getElementById("content");
      const h1 = content && content.querySelector("h1");
      const sidebar = document.getElementById("sidebar");
      const menu = document.getElementById("menu-button");
      const r = sidebar.getBoundingClientRect();
      return {
        width: innerWidth, height: innerHeight, pageWidth: document.documentElement.scrollWidth,
        textTop: content ? content.getBoundingClientRect().top : null,
        h1Top: h1 ? h1.getBoundingClientRect().top : null,
        sidebarOnScreen: onScreen(sidebar),
        sidebarWhole: onScreen(sidebar) && r.left >= -1 && r.top >= -1 && r.right <= innerWidth + 1,
        menu: onScreen(menu) ? centre(menu) : null,
      };
    },

    searchResults() {
      const status = document.getElementById("search-status");
      return {
        status: status ? status.textContent.trim() : "",
        links: [...document.querySelectorAll("#search-results a[href]")].map((a) => ({ url: a.href, what: excerptOf(a) })),
      };
    },

    firstExcerptTop() {
      const e = document.querySelector("figure") || document.querySelector("pre");
      return e ? e.getBoundingClientRect().top + scrollY : 0;
    },
  };
})();
