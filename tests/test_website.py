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
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

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
# Jupyter Book 1.0.4's stack (Sphinx 7.4 + sphinx-thebe) emits its inline thebe configuration
# script twice, so the second `const THEBE_JS_URL` throws. It is harmless (thebe is not enabled:
# nothing reads it) and is the only JavaScript error tolerated here.
KNOWN_JS_ERRORS = ("Identifier 'THEBE_JS_URL' has already been declared",)
SCREENSHOT_PAGES = {"book/intro": "home", "book/bptt": "bptt"}
NBGRADER_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
# Raw TeX a reader must never see: delimiters MathJax should have consumed and common commands.
RAW_TEX = re.compile(
    r"\$\$|\\\(|\\\)|\\\[|\\\]|\$\s*\\[A-Za-z]"
    r"|\\(?:frac|partial|sum|prod|mathbf|mathrm|begin|end|odot|tanh|sigma|top|left|right)\b"
)


def _toc_pages(root: Path) -> list[str]:
    """Docnames listed in ``_toc.yml`` (root first), e.g. ``["book/intro", "book/bptt", ...]``."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections", []))
            for part in entry.get("parts", []):
                walk(part.get("chapters", []))

    walk(toc.get("chapters", []))
    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    return [re.sub(r"\.(md|ipynb)$", "", page) for page in pages]


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


PAGES = _toc_pages(BOOK_ROOT)


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
        page.on("pageerror", lambda exc: None if str(exc) in KNOWN_JS_ERRORS
                else errors.append(str(exc)))
        response = page.goto(f"{site_url}/{page_name}.html", wait_until="load", timeout=60_000)
        data = page.evaluate(_INSPECT_JS)
        page.wait_for_load_state("networkidle", timeout=30_000)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
    finally:
        context.close()
    raw_tex = sorted({m.group(0) for m in RAW_TEX.finditer(data.pop("raw_text"))})
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
    browser = request.getfixturevalue("browser")
    for name in PAGES:
        if not (SITE / f"{name}.html").is_file():
            continue  # _report fails that page's tests
        shot = SCREENSHOTS / f"{SCREENSHOT_PAGES[name]}.png" if name in SCREENSHOT_PAGES else None
        found[name] = _inspect(browser, site_url, name, shot)
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
