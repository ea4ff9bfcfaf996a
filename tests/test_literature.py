"""The literature tables of course_pkg.literature are complete and consistent with the book: every
citation key is in book/references.bib, every chapter is in _toc.yml, every pattern is one of the
course's, every application is in the page's table; and the page's figures draw, within the
column and above the smallest font."""

from __future__ import annotations

import math
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from book_toc import toc_pages  # noqa: E402

from course_pkg.literature import (  # noqa: E402
    APPLICATIONS,
    CITED_RESULTS,
    PATTERN_LABELS,
    PATTERN_NAMES,
    by_key,
    citation_keys,
    results_for,
)
from course_pkg.plots.literature import (  # noqa: E402
    application_gids,
    draw_application_map,
    plot_cited_results,
    plot_literature_results,
)
from course_pkg.plots.style import MAX_WIDTH, MIN_FONT_SIZE, new_figure, text_sizes  # noqa: E402
from course_pkg.plots.unrolled import PATTERNS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIB_KEYS = set(re.findall(r"(?m)^@\w+\{([^,\s]+),", (ROOT / "book" / "references.bib").read_text("utf-8")))
CHAPTERS = {Path(page).name for page in toc_pages(ROOT)}
PAGE = (ROOT / "book" / "literature.md").read_text("utf-8")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_patterns_are_the_course_patterns_of_the_unrolled_diagrams():
    assert set(PATTERN_LABELS) == set(PATTERN_NAMES)
    assert set(PATTERN_LABELS) <= set(PATTERNS)


@pytest.mark.parametrize("application", APPLICATIONS, ids=lambda a: a.key)
def test_each_application_record_is_complete(application):
    for field in ("key", "name", "short", "cited_as", "data", "compute", "result"):
        assert getattr(application, field).strip(), f"{application.key}: empty {field}"
    assert application.pattern in PATTERN_LABELS, f"{application.key}: unknown pattern {application.pattern!r}"
    assert application.citations, f"{application.key}: no citation"
    missing = [key for key in application.citations if key not in BIB_KEYS]
    assert not missing, f"{application.key}: {missing} not in book/references.bib"
    unknown = [c for c in application.chapters if c not in CHAPTERS]
    assert application.chapters and not unknown, f"{application.key}: chapters {unknown} not in _toc.yml"


def test_application_keys_are_unique_and_found_by_key():
    keys = [a.key for a in APPLICATIONS]
    assert len(keys) == len(set(keys)) == 11
    assert all(by_key(key).key == key for key in keys)
    with pytest.raises(KeyError, match="no application 'nope'"):
        by_key("nope")


@pytest.mark.parametrize("application", APPLICATIONS, ids=lambda a: a.key)
def test_the_page_cites_and_links_each_application(application):
    for key in application.citations:
        assert re.search(rf"\{{cite:[pt]\}}`[^`]*\b{key}\b", PAGE), f"the page never cites {key}"
    for chapter in application.chapters:
        assert f"{{doc}}`{chapter}`" in PAGE, f"the page never links {chapter}"


def test_cited_results_are_finite_cited_and_printed_as_the_papers_print_them():
    assert citation_keys() <= BIB_KEYS
    for r in CITED_RESULTS:
        assert math.isfinite(r.value) and r.value > 0
        assert r.metric in {"BLEU", "WER", "CER", "METEOR"}
        assert float(r.printed) == pytest.approx(r.value)
    assert [r.printed for r in results_for("sutskever2014")] == ["33.30", "26.17", "30.59", "34.81", "36.5"]
    lipnet = {(r.setting, r.metric): r.value for r in results_for("assael2016") if r.system == "LipNet"}
    assert lipnet == {("overlapped speakers", "CER"): 1.9, ("overlapped speakers", "WER"): 4.8,
                      ("unseen speakers", "CER"): 6.4, ("unseen speakers", "WER"): 11.4}


def test_every_cited_figure_appears_on_the_page():
    for r in CITED_RESULTS:
        assert r.printed in PAGE, f"{r.citation} {r.system} {r.printed} is not on the page"


def test_application_map_draws_one_box_per_application_within_the_column():
    fig = draw_application_map()
    assert sorted(application_gids(fig)) == sorted(f"application:{a.key}" for a in APPLICATIONS)
    assert fig.get_figwidth() <= MAX_WIDTH + 1e-9
    assert min(size for size, _ in text_sizes(fig)) >= MIN_FONT_SIZE


def test_application_map_refuses_an_unknown_pattern():
    odd = APPLICATIONS[0].__class__(**{**APPLICATIONS[0].__dict__, "pattern": "one_to_one"})
    with pytest.raises(ValueError, match="one_to_one"):
        draw_application_map([odd])


def test_results_figure_draws_two_panels_of_bars_readable():
    fig = plot_literature_results()
    assert len(fig.axes) == 2
    assert [len(ax.patches) for ax in fig.axes] == [5, 3]
    assert fig.get_figwidth() <= MAX_WIDTH + 1e-9
    assert min(size for size, _ in text_sizes(fig)) >= MIN_FONT_SIZE


def test_cited_results_bars_need_one_metric():
    _, (ax,) = new_figure()
    with pytest.raises(ValueError, match="one metric"):
        plot_cited_results(ax, results_for("assael2016"))
