"""Every page of the book is a MyST notebook with an in-sync paired .ipynb for Colab.

The website is built from book/*.md; Colab opens the .ipynb beside it. They must hold the same
cells, and the first code cell of each must be the Colab install cell, hidden on the website.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

from book_toc import toc_pages
from course_pkg.colab import setup_cell

ROOT = Path(__file__).resolve().parents[1]


PAGES = toc_pages()


def test_toc_lists_the_course_pages():
    assert PAGES == [
        "book/intro", "book/why_sequences", "book/recurrence", "book/unfolding", "book/bptt",
        "book/char_lm",
        "book/long_term_dependencies", "book/lstm", "book/lstm_variants", "book/gru",
        "book/deep_bidirectional", "book/keras_in_practice", "book/other_designs",
        "book/reproductions", "book/lecture_claims",
        "book/sentiment", "book/slot_filling", "book/translation", "book/music",
        "book/time_series", "book/speech_ctc", "book/captioning", "book/video", "book/literature",
        "book/after_rnns",
        "book/notation", "book/bibliography",
    ]


def test_config_hides_the_paired_notebooks_from_sphinx():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert "book/*.ipynb" in config["exclude_patterns"]
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert config["sphinx"]["config"]["mathjax_path"] == "mathjax/tex-chtml.js"


@pytest.mark.parametrize("page", PAGES)
def test_page_is_a_myst_notebook_with_jupytext_header(page):
    md = ROOT / f"{page}.md"
    assert md.exists(), f"{md} is missing"
    text = md.read_text(encoding="utf-8")
    header = yaml.safe_load(text.split("---", 2)[1])
    assert header["jupytext"]["text_representation"]["format_name"] == "myst"
    assert header["jupytext"]["formats"] == "ipynb,md:myst"
    assert header["kernelspec"]["name"] == "python3"


def code_sources(nb) -> list[str]:
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


@pytest.mark.parametrize("page", PAGES)
def test_paired_notebook_is_in_sync(page):
    md = jupytext.read(ROOT / f"{page}.md")
    ipynb_path = ROOT / f"{page}.ipynb"
    assert ipynb_path.exists(), f"{ipynb_path} is missing: run `jupytext --sync {page}.md`"
    ipynb = jupytext.read(ipynb_path)
    assert [c.cell_type for c in md.cells] == [c.cell_type for c in ipynb.cells], (
        f"{page}: cell types differ; run `jupytext --sync {page}.md`"
    )
    for i, (a, b) in enumerate(zip(md.cells, ipynb.cells)):
        assert a.source == b.source, f"{page}: cell {i} differs; run `jupytext --sync {page}.md`"
        assert a.metadata.get("tags", []) == b.metadata.get("tags", []), f"{page}: cell {i} tags differ"


@pytest.mark.parametrize("page", PAGES)
def test_paired_notebook_is_valid_and_has_no_outputs(page):
    nb = nbformat.read(ROOT / f"{page}.ipynb", as_version=4)
    nbformat.validate(nb)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("page", PAGES)
def test_first_code_cell_is_the_shared_set_up_cell(page):
    """One template (course_pkg.colab), written into every page by tools/colab_sync.py; what the
    cell does is tested in tests/test_colab.py."""
    nb = jupytext.read(ROOT / f"{page}.ipynb")
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert "remove-cell" in first.metadata.get("tags", []), f"{page}: the set-up cell must be tagged remove-cell"
    assert first.source == setup_cell(), f"{page}: run `.venv/bin/python tools/colab_sync.py`"


@pytest.mark.parametrize("page", PAGES)
def test_page_says_what_you_will_learn_and_ends_with_exercises(page):
    text = (ROOT / f"{page}.md").read_text(encoding="utf-8")
    body = text.split("---", 2)[2]
    assert re.search(r"\*\*What you will (learn|find)[^*]*\*\*", body), f"{page}: no 'What you will learn'"
    headings = re.findall(r"^## (.+)$", body, flags=re.M)
    # the exercises end the page, followed only by the page's references (test_book_conventions.py)
    last = headings[:-1] if headings[-1] == "References" else headings
    assert last[-1] == "Exercises", f"{page}: the last section is {last[-1]!r}, not Exercises"
    exercises = body.split("\n## Exercises", 1)[1]
    assert exercises.count(":class: dropdown") >= 2, f"{page}: exercises need solutions in dropdowns"


def test_no_figure_is_drawn_outside_course_pkg_plots():
    for page in PAGES:
        for source in code_sources(jupytext.read(ROOT / f"{page}.md")):
            assert "plt." not in source and "matplotlib" not in source, (
                f"{page}: figures come from course_pkg.plots"
            )


def test_pages_include_code_from_course_pkg_instead_of_copies():
    # listings come from the package's source through show_source (tests/test_show_source.py)
    recurrence = (ROOT / "book/recurrence.md").read_text(encoding="utf-8")
    assert "show_source(rnn_step_forward)" in recurrence
    shared = ("rnn_step_forward", "lstm_cell_forward", "gru_cell_forward", "sigmoid")
    for page in PAGES:
        for source in code_sources(jupytext.read(ROOT / f"{page}.md")):
            for name in shared:
                assert f"def {name}(" not in source, f"{page} redefines {name}: import it"
