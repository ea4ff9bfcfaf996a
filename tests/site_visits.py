"""The built website as headless Chromium shows it: every page visited once per width, shared.

A visit opens one page of ``_toc.yml`` at one viewport width and records what the browser tests
of ``test_website.py`` and ``test_website_figures.py`` check, so that no page is loaded twice for
the same width:

- at every width in WIDTHS: the layout (overflow, cut equations, tables, Tab stops), the chapter
  list and page contents toggles (the drawer is closed with Escape between the two), the console
  errors;
- at DESKTOP width also what a reader sees (:class:`PageReport`: typesetting, images, Colab
  links, requests that failed or left localhost), every article image with its caption, and
  axe-core's WCAG 2.1 A/AA violations in the light theme and, after a click on the theme switch,
  in the dark theme.

:func:`visit_site` visits every (page, width) with BROWSERS Chromium instances at once, each
taking the next visit from one queue (desktop visits, the longest, first). ``tests/conftest.py``
runs it once per session (the ``site_visits`` fixture).

Example:
    >>> with serve_site() as url:
    ...     visits = visit_site(url)
    >>> visits["book/intro", DESKTOP].page.status
    200
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import queue
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from book_toc import toc_pages

REPO = Path(__file__).resolve().parents[1]
BOOK_ROOT = Path(os.environ.get("COURSE_BOOK_ROOT", REPO)).resolve()
SITE = BOOK_ROOT / "_build" / "html"
SCREENSHOTS = BOOK_ROOT / "_build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SCREENSHOT_PAGES = {"book/intro": "home", "book/bptt": "bptt"}

# Raw TeX a reader must never see: delimiters MathJax should have consumed and common commands.
RAW_TEX = re.compile(
    r"\$\$|\\\(|\\\)|\\\[|\\\]|\$\s*\\[A-Za-z]"
    r"|\\(?:frac|partial|sum|prod|mathbf|mathrm|begin|end|odot|tanh|sigma|top|left|right)\b"
)

WIDTHS = (390, 800, 1366)
DESKTOP = 1366
LAYOUT_SCREENSHOTS = {"book/intro": "home", "book/lstm": "lstm"}
AXE = REPO / "tools" / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

#: Chromium instances that visit pages at the same time (one per thread, each with its own
#: Playwright): much of a visit is waiting for MathJax, images and the theme's transitions.
BROWSERS = 3

PAGES = toc_pages(BOOK_ROOT)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


@contextlib.contextmanager
def serve_site() -> Iterator[str]:
    """Base URL of ``_build/html`` served by ``http.server`` on a free localhost port."""
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass(repr=False)
class PageReport:
    """What one page looked like once loaded, typeset and settled."""

    status: int
    title: str
    h1: str
    text_length: int
    math_sources: int
    math_untypeset: list[str]
    mathjax_containers: int
    mathjax_errors: list[str]
    mathjax_version: str | None
    mathjax_script: str | None
    raw_tex: list[str]
    images: list[dict]
    colab_links: list[str]
    error_outputs: list[str]
    unresolved_citations: list[str]
    nav_links: list[str]
    external_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def __repr__(self) -> str:  # short: pytest prints the fixture in every failure
        return f"<PageReport {self.title!r}>"


# Runs in the page once it has loaded: waits for MathJax's first typesetting pass and for every
# image, then reports what a reader would see.
_INSPECT_JS = r"""
async () => {
  const images = Array.from(document.images);
  images.forEach((img) => { img.loading = "eager"; });
  await Promise.all(images.map((img) => img.complete ? null :
      new Promise((ok) => { img.addEventListener("load", ok); img.addEventListener("error", ok); })));
  if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
    await window.MathJax.startup.promise;
  }
  const mathSources = Array.from(document.querySelectorAll(".math"));
  // Text a reader sees outside code and typeset math.
  const article = document.querySelector("article") || document.body;
  const clone = article.cloneNode(true);
  clone.querySelectorAll("pre, code, script, style, mjx-container, .cell_input, .cell_output")
      .forEach((node) => node.remove());
  const scripts = Array.from(document.scripts).map((s) => s.src).filter((s) => /mathjax/i.test(s));
  const outputs = Array.from(document.querySelectorAll(
      ".cell_output .stderr, .cell_output .traceback, .cell_output .error, " +
      ".output.stderr, .output.traceback, .output.error"));
  const tracebacks = Array.from(document.querySelectorAll(".cell_output"))
      .filter((node) => /Traceback \(most recent call last\)/.test(node.innerText));
  return {
    title: document.title,
    h1: (article.querySelector("h1") || {innerText: ""}).innerText,
    text_length: article.innerText.trim().length,
    math_sources: mathSources.length,
    math_untypeset: mathSources.filter((node) => !node.querySelector("mjx-container"))
        .map((node) => node.textContent.trim().slice(0, 80)),
    mathjax_containers: document.querySelectorAll("mjx-container").length,
    // TeX errors: MathJax shows parse errors as merror and, through its noundefined extension,
    // undefined macros as red text holding the macro's name.
    mathjax_errors: Array.from(document.querySelectorAll("mjx-merror"))
        .map((node) => (node.getAttribute("data-mjx-error") || node.textContent).slice(0, 120))
        .concat(Array.from(document.querySelectorAll('mjx-assistive-mml mtext[mathcolor="red"]'))
        .map((node) => node.textContent).filter((text) => text.startsWith("\\"))
        .map((text) => `undefined macro ${text}`)),
    mathjax_version: window.MathJax ? (window.MathJax.version || null) : null,
    mathjax_script: scripts.length ? scripts[0] : null,
    raw_text: clone.innerText,
    // Text set inside formulas (\text, \texttt): a backslash there is TeX MathJax did not take.
    math_text_tex: Array.from(document.querySelectorAll("mjx-assistive-mml mtext"))
        .map((node) => node.textContent).filter((text) => text.includes("\\")),
    images: images.map((img) => ({src: img.currentSrc || img.src, complete: img.complete,
                                  naturalWidth: img.naturalWidth})),
    colab_links: Array.from(document.querySelectorAll("a[href]"))
        .map((a) => a.href).filter((href) => href.includes("colab.research.google.com")),
    error_outputs: outputs.concat(tracebacks).map((node) => node.innerText.slice(0, 200)),
    unresolved_citations: Array.from(document.querySelectorAll("span.bibtex-citation"))
        .filter((node) => !node.querySelector("a")).map((node) => node.outerHTML.slice(0, 120)),
    nav_links: Array.from(document.querySelectorAll("nav a[href], .bd-sidebar a[href]"))
        .map((a) => a.href),
  };
}
"""


# Runs once MathJax has typeset the page: what overflows, what is cut, what is a Tab stop.
_LAYOUT_JS = r"""
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await new Promise((ok) => setTimeout(ok, 400));  // scroll-tabstops.js settles after typesetting
  const W = window.innerWidth;
  const scrolls = (el) => el.scrollWidth > el.clientWidth + 1;
  const text = (el) => (el.getAttribute("aria-label") || el.textContent || "").replace(/\s+/g, " ")
      .trim().slice(0, 80);
  const mathText = (el) => {
    const mml = el.querySelector("mjx-assistive-mml");
    return (mml ? mml.textContent : el.textContent).replace(/\s+/g, " ").trim().slice(0, 80);
  };
  const article = document.querySelector("article.bd-article") || document.body;
  const wide = Array.from(article.querySelectorAll("*")).filter((el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= W + 1) return false;
    // inside a box that scrolls sideways it is reachable, not cut
    for (let p = el.parentElement; p && p !== article; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if ((o === "auto" || o === "scroll" || o === "hidden") && p.getBoundingClientRect().right <= W + 1)
        return false;
    }
    return true;
  });
  const displays = Array.from(document.querySelectorAll('mjx-container[display="true"]'));
  const overlaps = [];
  document.querySelectorAll("div.math").forEach((div) => {
    const no = div.querySelector(".eqno");
    const math = div.querySelector("mjx-container mjx-math");
    if (!no || !math) return;
    // the formula as seen: clipped to its container when the container scrolls
    const a = no.getBoundingClientRect(), m = math.getBoundingClientRect();
    const c = math.closest("mjx-container").getBoundingClientRect();
    const b = {left: Math.max(m.left, c.left), right: Math.min(m.right, c.right),
               top: m.top, bottom: m.bottom};
    if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom && b.top < a.bottom)
      overlaps.push(mathText(div));
  });
  const tables = Array.from(article.querySelectorAll("table")).map((table) => {
    const box = table.closest(".pst-scrollable-table-container") || table.parentElement;
    const o = getComputedStyle(box).overflowX;
    const first = table.querySelector("tr > :first-child");
    return {text: text(table).slice(0, 40), wider: table.scrollWidth > box.clientWidth + 1,
            scrollable: o === "auto" || o === "scroll",
            first_column_fixed: !!first && getComputedStyle(first).position === "sticky"};
  });
  const tabMath = Array.from(document.querySelectorAll("mjx-container"))
      .filter((el) => el.tabIndex >= 0 && !scrolls(el));
  return {
    scroll_width: document.documentElement.scrollWidth,
    inner_width: W,
    wide: wide.slice(0, 5).map((el) => `${el.tagName.toLowerCase()}: ${text(el)}`),
    equations_scrolling: displays.filter(scrolls).map(mathText),
    equations_cut: displays.filter((el) => scrolls(el) &&
        !["auto", "scroll"].includes(getComputedStyle(el).overflowX)).map(mathText),
    equations_overlapping_number: overlaps,
    code_scrolling: Array.from(document.querySelectorAll("div.highlight pre")).filter(scrolls)
        .map((el) => text(el).slice(0, 60)),
    outputs_scrolling: Array.from(document.querySelectorAll(".cell_output pre")).filter(scrolls)
        .map((el) => text(el).slice(0, 60)),
    tables: tables,
    formula_tab_stops: tabMath.length,
    // what scrolls sideways must be reachable with the keyboard (a Tab stop that arrows scroll)
    scrolling_not_focusable: displays.filter((el) => scrolls(el) && el.tabIndex < 0)
        .map(mathText),
    formulas: document.querySelectorAll("mjx-container").length,
    favicon: (document.querySelector('link[rel~="icon"]') || {href: null}).href,
    index_links: Array.from(document.querySelectorAll('a[href*="genindex"], link[href*="genindex"]'))
        .map((el) => el.getAttribute("href")),
  };
}
"""

# True when a link of the chapter list / of the page contents is on screen and not covered.
_ON_SCREEN_JS = r"""
(selector) => Array.from(document.querySelectorAll(selector)).some((el) => {
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0 || r.right <= 0 || r.left >= window.innerWidth ||
      r.bottom <= 0 || r.top >= window.innerHeight) return false;
  const style = getComputedStyle(el);
  if (style.visibility === "hidden" || Number(style.opacity) === 0) return false;
  const hit = document.elementFromPoint(r.left + Math.min(5, r.width / 2), r.top + r.height / 2);
  return hit !== null && (hit === el || el.contains(hit) || hit.contains(el));
})
"""
_CHAPTER_LINK = ".bd-sidebar-primary nav.bd-docs-nav a.reference"
_CONTENTS_LINK = ".bd-sidebar-secondary nav a.nav-link"


@dataclass(repr=False)
class LayoutReport:
    """One page at one viewport width: overflow, toggles, search field, errors."""

    scroll_width: int
    inner_width: int
    wide: list[str]
    equations_scrolling: list[str]
    equations_cut: list[str]
    equations_overlapping_number: list[str]
    code_scrolling: list[str]
    outputs_scrolling: list[str]
    tables: list[dict]
    formula_tab_stops: int
    scrolling_not_focusable: list[str]
    formulas: int
    favicon: str | None
    index_links: list[str]
    has_contents: bool = False
    sidebar_toggle: str = ""  # what clicking the sidebar toggle did, or why it failed
    contents_toggle: str = ""
    search_on_screen: bool | None = None
    errors: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<LayoutReport {self.inner_width}px>"


def _click_toggle(page: object, button: str, target: str, width: int) -> str:
    """Click the visible ``button`` and report whether ``target`` links came on screen."""
    toggles = page.locator(button)
    visible = [i for i in range(toggles.count()) if toggles.nth(i).is_visible()]
    if not visible:
        return "no visible toggle"
    before = page.evaluate(_ON_SCREEN_JS, target)
    toggles.nth(visible[0]).click()
    page.wait_for_timeout(700)  # the theme's slide-in transition
    after = page.evaluate(_ON_SCREEN_JS, target)
    if width >= 1200 and before:  # desktop: the sidebar is shown; the toggle hides it
        ok = not after
        toggles.nth(visible[0]).click()
        page.wait_for_timeout(700)
        return "ok" if ok and page.evaluate(_ON_SCREEN_JS, target) else (
            f"desktop toggle: shown before={before}, after one click={after}")
    return "ok" if after and not before else f"shown before click={before}, after click={after}"


_FIGURES_JS = r"""
async () => {
  const article = document.querySelector("article.bd-article") || document.querySelector("article");
  const images = Array.from(article.querySelectorAll("img"));
  images.forEach((img) => { img.loading = "eager"; });
  await Promise.all(images.map((img) => img.complete ? null :
      new Promise((ok) => { img.addEventListener("load", ok); img.addEventListener("error", ok); })));
  if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
    await window.MathJax.startup.promise;
  }
  return images.map((img) => {
    const figure = img.closest("figure");
    const caption = figure ? figure.querySelector("figcaption") : null;
    const number = caption ? caption.querySelector(".caption-number") : null;
    const text = caption ? caption.querySelector(".caption-text") : null;
    return {
      src: img.currentSrc || img.src,
      alt: img.getAttribute("alt") || "",
      number: number ? number.innerText.trim() : "",
      caption: text ? text.innerText.trim() : (caption ? caption.innerText.trim() : ""),
      figure_id: figure ? (figure.id || "") : "",
      rendered_width: img.getBoundingClientRect().width,
    };
  });
}
"""


# Sets the theme before the page's own scripts run: a reader who chose the light theme.
_LIGHT_THEME_JS = "localStorage.setItem('mode', 'light'); localStorage.setItem('theme', 'light');"
_THEME_JS = "document.documentElement.dataset.theme"
#: True once no CSS transition or animation in the page is still running.
_TRANSITIONS_DONE_JS = ("() => document.getAnimations()"
                        ".every((a) => a.playState !== 'running' || a.effect === null"
                        " || a.effect.getComputedTiming().iterations === Infinity)")
#: Where the focus is, and whether the chapter drawer is shown, for a finding about the focus.
_FOCUS_JS = """() => {
  const e = document.activeElement;
  const drawer = document.querySelector('.bd-sidebar-primary');
  const first = drawer && drawer.querySelector('a, button');
  return (e ? e.outerHTML.slice(0, 120) : 'nothing') + '; the drawer is '
      + (drawer ? getComputedStyle(drawer).visibility : 'missing') + ', its first link '
      + (first ? first.outerHTML.slice(0, 120) : 'missing');
}"""


def focus_inside_js(selector: str) -> str:
    """A page function that is true while the focus is inside the element ``selector``."""
    return f"() => !!document.activeElement.closest({selector!r})"


_BLUR_JS = "() => document.activeElement && document.activeElement.blur()"
_NO_TOOLTIP_JS = "() => document.querySelector('.tooltip') === null"
_AXE_RUN_JS = """async (tags) => await axe.run(document,
    {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"""


@dataclass(repr=False)
class PageVisit:
    """One page at one width: its layout, and at DESKTOP what a reader sees, figures and axe.

    Attributes:
        layout: overflow, toggles, search field and console errors at this width.
        page: what the page shows (DESKTOP only, else None).
        figures: every article image as ``_FIGURES_JS`` reports it (DESKTOP only).
        axe: ``{"light": violations, "dark": violations}`` (DESKTOP only), each violation
            ``{"id", "impact", "help", "nodes", "count"}`` of impact critical or serious.
    """

    layout: LayoutReport
    page: PageReport | None = None
    figures: list[dict] | None = None
    axe: dict[str, list[dict]] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<PageVisit {self.layout.inner_width}px>"


def _serious_violations(result: dict) -> list[dict]:
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5], "count": len(v["nodes"])}
        for v in result["violations"] if v["impact"] in ("critical", "serious")
    ]


def _axe_in_both_themes(page: object) -> dict[str, list[dict]]:
    """axe-core's violations in the light theme, then after switching the page to dark.

    The dark theme is reached the way a reader reaches it, by clicking the header's theme switch
    (it cycles through the modes). A page that did not open light, or a switch that never shows
    the dark theme, is reported as a critical violation of its own.
    """
    assert AXE.is_file(), f"{AXE} is missing: run `make setup` (tools/setup.sh vendors axe-core)"
    page.add_script_tag(path=str(AXE))
    found: dict[str, list[dict]] = {}
    for mode in ("light", "dark"):
        if mode == "dark":
            switch = page.locator(".theme-switch-button").filter(visible=True)
            for _ in range(3):  # light -> auto -> dark, or fewer clicks from another mode
                if page.evaluate(_THEME_JS) == "dark" or not switch.count():
                    break
                switch.first.click()
            # a reader moves on after the click: the pointer leaves the switch and its focus
            # goes, so the switch's "light/dark" tooltip (shown after a hover delay, with a
            # fade) is not scanned half-faded in, as it was once on a loaded machine
            page.mouse.move(0, 0)
            page.evaluate(_BLUR_JS)
            page.wait_for_function(_NO_TOOLTIP_JS, timeout=10_000)
            # the theme's colour transitions: a loaded machine can take longer than their
            # nominal duration, and axe-core must read the final colours, not a mid-fade
            page.wait_for_timeout(100)
            page.wait_for_function(_TRANSITIONS_DONE_JS, timeout=10_000)
        theme = page.evaluate(_THEME_JS)
        if theme != mode:
            found[mode] = [{"id": "theme", "impact": "critical", "count": 1, "nodes": ["html"],
                            "help": f"expected the {mode} theme, the page shows {theme!r}"}]
        else:
            found[mode] = _serious_violations(page.evaluate(_AXE_RUN_JS, AXE_TAGS))
    return found


def visit_page(browser: object, site_url: str, name: str, width: int) -> PageVisit:
    """Open ``name`` (a docname) at ``width`` px in a fresh browser context and record it."""
    local = urlsplit(site_url).netloc
    external: list[str] = []
    failed: list[str] = []
    errors: list[str] = []
    desktop = width == DESKTOP
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.add_init_script(_LIGHT_THEME_JS)

        def route(route_obj: object) -> None:
            url = route_obj.request.url
            if urlsplit(url).netloc == local or url.startswith(("data:", "blob:", "about:")):
                route_obj.continue_()
            else:
                external.append(url)
                route_obj.abort()

        page.route("**/*", route)
        page.on("requestfailed", lambda req: failed.append(f"{req.url} ({req.failure})")
                if urlsplit(req.url).netloc == local else None)
        page.on("response", lambda resp: failed.append(f"{resp.url} (HTTP {resp.status})")
                if resp.status >= 400 else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(f"console.error: {msg.text}")
                if msg.type == "error" else None)
        response = page.goto(f"{site_url}/{name}.html", wait_until="load", timeout=60_000)
        shown: PageReport | None = None
        figures: list[dict] | None = None
        axe: dict[str, list[dict]] = {}
        if desktop:
            data = page.evaluate(_INSPECT_JS)
            page.wait_for_load_state("networkidle", timeout=30_000)
            figures = page.evaluate(_FIGURES_JS)
            if name in SCREENSHOT_PAGES:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / f"{SCREENSHOT_PAGES[name]}.png"),
                                full_page=True)
            raw_tex = sorted({m.group(0) for m in RAW_TEX.finditer(data.pop("raw_text"))})
            raw_tex += sorted(set(data.pop("math_text_tex")))
            shown = PageReport(status=response.status if response else 0, raw_tex=raw_tex,
                                    external_requests=external, failed_requests=failed,
                                    page_errors=errors, **data)
        report = LayoutReport(errors=errors, **page.evaluate(_LAYOUT_JS))
        stem = LAYOUT_SCREENSHOTS.get(name)
        if stem and width in (390, DESKTOP):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{stem}_{width}.png"))
        if desktop:
            axe = _axe_in_both_themes(page)
        report.has_contents = page.locator(_CONTENTS_LINK).count() > 0
        if desktop:
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.wait_for_timeout(300)
            report.search_on_screen = page.evaluate(
                _ON_SCREEN_JS, ".bd-sidebar-primary .search-button-field, input[type=search]")
        report.sidebar_toggle = _click_toggle(page, ".primary-toggle", _CHAPTER_LINK, width)
        if report.has_contents and not desktop:
            report.contents_toggle = _close_drawer_then_toggle_contents(page, width)
    finally:
        context.close()
    return PageVisit(layout=report, page=shown, figures=figures, axe=axe)


def _close_drawer_then_toggle_contents(page: object, width: int) -> str:
    """Close the open chapter drawer with Escape, then click the contents toggle.

    The theme moves the focus into the drawer when it opens and closes it on Escape from there;
    both are awaited (up to 10 s each), so a loaded machine does not read as a broken drawer.
    """
    try:
        page.wait_for_function(focus_inside_js(".bd-sidebar-primary"), timeout=10_000)
    except Exception:  # noqa: BLE001 - Playwright's TimeoutError, reported as the finding
        return ("opening the chapter list did not move the focus into it; the focus is on "
                + page.evaluate(_FOCUS_JS))
    page.keyboard.press("Escape")
    try:
        page.wait_for_function(f"() => !({_ON_SCREEN_JS})({_CHAPTER_LINK!r})", timeout=10_000)
    except Exception:  # noqa: BLE001
        return "the chapter list stayed open after Escape"
    return _click_toggle(page, ".secondary-toggle", _CONTENTS_LINK, width)


def visit_site(site_url: str) -> dict[tuple[str, int], PageVisit]:
    """``{(page, width): visit}`` for every built page of PAGES at every width in WIDTHS.

    Pages missing from the build are left out (their tests then fail, naming the page).
    """
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: install the Debian package chromium"
    built = [name for name in PAGES if (SITE / f"{name}.html").is_file()]
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for width in sorted(WIDTHS, key=lambda w: w != DESKTOP):  # the longest visits first
        for name in built:
            todo.put((name, width))

    def one_browser() -> list[tuple[tuple[str, int], PageVisit]]:
        done = []
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                while True:
                    try:
                        key = todo.get_nowait()
                    except queue.Empty:
                        return done
                    done.append((key, visit_page(chromium, site_url, *key)))
            finally:
                chromium.close()

    with ThreadPoolExecutor(max_workers=BROWSERS) as pool:
        futures = [pool.submit(one_browser) for _ in range(BROWSERS)]
        return {key: visit for future in futures for key, visit in future.result()}
