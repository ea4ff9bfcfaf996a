"""Figures a reader can read: every figure of the built site, opened in headless Chromium at 1366 px.

On every page of ``_toc.yml``, each image in the article must be a numbered figure ("Fig. N") with
a caption, and carry alt text that describes it (words, not a file path or a hash). Each figure is
an SVG whose labels are ``<text>`` elements (``course_pkg.plots`` writes them so): the test reads
the smallest font size of the file and scales it by the width the browser gave the image over the
SVG's own width, which is the size in CSS px a reader sees. No text may be smaller than 9 px.

The site must be built first (``make book``); a missing build fails, it is never skipped. Run with
``-s`` to see the table of every figure and its smallest text, which the last test prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

import pytest

from site_visits import DESKTOP, PAGES, SITE, PageVisit
from test_website import _require_site

pytestmark = [pytest.mark.book, pytest.mark.browser]

MIN_TEXT_PX = 9.0
SVG_NS = "{http://www.w3.org/2000/svg}"
FONT_SIZE = re.compile(r"font-size:\s*([0-9.]+)(px|pt)?")
FONT_SHORTHAND = re.compile(r"(?:^|;)\s*font:[^;]*?([0-9.]+)(px|pt)")
# What alt text must not be: a path or file name, a long hex hash, or nothing but a file extension.
PATH_LIKE = re.compile(r"(^|/)[^\s/]*\.(png|svg|jpe?g|gif|webp)$|[0-9a-f]{16,}|^\.\./|/_images/", re.I)


@dataclass
class Figure:
    """One image of a page as the browser laid it out, and the text inside its file."""

    page: str
    src: str
    alt: str
    number: str            # "Fig. 3" (empty when the image is not in a numbered figure)
    caption: str           # the caption's text without its number
    figure_id: str
    rendered_width: float  # CSS px at 1366 px
    svg_width: float | None = None     # user units of the SVG's viewBox (None: not an SVG)
    smallest_size: float | None = None  # smallest font size in SVG user units
    smallest_text: str = ""

    @property
    def smallest_px(self) -> float | None:
        if self.svg_width is None or self.smallest_size is None:
            return None
        return self.smallest_size * self.rendered_width / self.svg_width

    @property
    def label(self) -> str:
        return self.number or self.figure_id or Path(urlsplit(self.src).path).name[:16]


def _font_sizes(svg_text: str) -> tuple[float, list[tuple[float, str]]]:
    """The viewBox width and ``(font size, text)`` of every ``<text>`` of an SVG (user units).

    A ``<text>`` counts once, at the smallest size of its pieces (``<tspan>`` sub/superscripts).
    Fails on a text that is scaled by a transform: its size would not be the one written.
    """
    root = ElementTree.fromstring(svg_text.encode())
    view_box = root.get("viewBox")
    assert view_box, "the SVG has no viewBox"
    width = float(view_box.split()[2])
    found = []
    for text in root.iter(f"{SVG_NS}text"):
        sizes = []
        for node in text.iter():
            transform = node.get("transform", "")
            assert "scale" not in transform and "matrix" not in transform, \
                f"text {''.join(text.itertext())!r} is scaled by a transform ({transform})"
            style = node.get("style", "")
            for pattern in (FONT_SIZE, FONT_SHORTHAND):
                match = pattern.search(style)
                if match:
                    size = float(match.group(1))
                    sizes.append(size * 4 / 3 if match.group(2) == "pt" else size)
            if node.get("font-size"):
                sizes.append(float(re.match(r"[0-9.]+", node.get("font-size")).group(0)))
        content = "".join(piece.strip() for piece in text.itertext())
        if content:
            assert sizes, f"text {content!r} has no font size"
            found.append((min(sizes), content))
    return width, sorted(found)


def _site_file(src: str) -> Path:
    path = SITE / unquote(urlsplit(src).path).lstrip("/")
    assert path.is_file(), f"{src} is not a file of the site"
    return path


@pytest.fixture(scope="module")
def figures(site_visits: dict[tuple[str, int], PageVisit]) -> dict[str, list[Figure]]:
    """Every page's article images at 1366 px (from the session's visits), with the smallest
    text of each SVG."""
    found: dict[str, list[Figure]] = {}
    for (name, width), visit in site_visits.items():
        if width != DESKTOP:
            continue
        items = [Figure(page=name, **item) for item in visit.figures]
        for item in items:
            path = _site_file(item.src)
            if path.suffix == ".svg":
                item.svg_width, sizes = _font_sizes(path.read_text())
                if sizes:
                    item.smallest_size, item.smallest_text = sizes[0]
        found[name] = items
    return found


def _page(figures: dict[str, list[Figure]], name: str) -> list[Figure]:
    _require_site()
    if name not in figures:
        pytest.fail(f"{name}.html is missing from {SITE}: run `make book`", pytrace=False)
    return figures[name]


@pytest.mark.parametrize("name", PAGES)
def test_every_image_is_a_numbered_figure_with_a_caption(figures, name: str) -> None:
    bad = [f"{f.label}: number {f.number!r}, caption {f.caption[:40]!r}" for f in _page(figures, name)
           if not re.fullmatch(r"Fig(ure|\.) \d+", f.number.rstrip(". ")) or len(f.caption.split()) < 4]
    assert not bad, f"{name}: images without a numbered figure or a caption of a few words: {bad}"


@pytest.mark.parametrize("name", PAGES)
def test_every_figure_has_alt_text_that_describes_it(figures, name: str) -> None:
    bad = [f"{f.label}: {f.alt[:60]!r}" for f in _page(figures, name)
           if PATH_LIKE.search(f.alt.strip()) or len(f.alt.split()) < 8]
    assert not bad, f"{name}: alt text that is a path, a hash or too short to describe the figure: {bad}"


@pytest.mark.parametrize("name", PAGES)
def test_smallest_figure_text_is_at_least_9_css_px(figures, name: str) -> None:
    problems = []
    for f in _page(figures, name):
        if f.svg_width is None:
            problems.append(f"{f.label}: {Path(f.src).name} is not an SVG, its text cannot be measured")
        elif f.smallest_px is None:
            continue  # an SVG without any text: nothing to read
        elif f.smallest_px < MIN_TEXT_PX:
            problems.append(f"{f.label}: {f.smallest_text[:30]!r} renders at {f.smallest_px:.1f} px")
    assert not problems, f"{name}: {problems}"


def test_print_the_figure_table(figures, capsys: pytest.CaptureFixture) -> None:
    """Print page, figure and smallest text in CSS px at 1366 px (a report; fails only without a site)."""
    _require_site()
    rows = [(name, f.label, f.figure_id, f"{f.rendered_width:.0f}",
             "-" if f.smallest_px is None else f"{f.smallest_px:.1f}")
            for name in PAGES for f in figures.get(name, [])]
    header = ("page", "figure", "name", "width px", "smallest text px")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in [header] + rows]
    counts = {name: len(figures.get(name, [])) for name in PAGES}
    measured = [f.smallest_px for name in PAGES for f in figures.get(name, []) if f.smallest_px is not None]
    with capsys.disabled():
        print("\n" + "\n".join(lines))
        print(f"{sum(counts.values())} figures on {sum(1 for c in counts.values() if c)} of {len(PAGES)} pages; "
              f"smallest text {min(measured, default=float('nan')):.1f} px at 1366 px")
    assert rows, "the site has no figures"
