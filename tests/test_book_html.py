"""The built website (_build/html, made by `make book`) shows what the pages promise.

Needs the book built first: `make test` builds it; otherwise run
`jupyter-book build . --all -W -n --keep-going`. A book built elsewhere (``--path-output DIR``) is
tested with ``BOOK_HTML=DIR/_build/html``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from course_pkg.colab import REF

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html"))
GATED = ["long_term_dependencies", "lstm", "lstm_variants", "gru", "deep_bidirectional",
         "keras_in_practice", "other_designs", "reproductions"]
PAGES = ["intro", "why_sequences", "recurrence", "unfolding", "bptt", "char_lm", *GATED, "notation",
         "bibliography"]
MATH_PAGES = [name for name in PAGES if name != "bibliography"]   # Sphinx loads MathJax only where there is math

pytestmark = pytest.mark.book


def page(name: str) -> str:
    path = HTML / "book" / f"{name}.html"
    assert path.exists(), f"{path} is missing: build the book first (make book)"
    return path.read_text(encoding="utf-8")


def page_text(name: str) -> str:
    """The page with its HTML tags removed (outputs are split into highlighted spans)."""
    return re.sub(r"<[^>]+>", "", page(name))


@pytest.mark.parametrize("name", PAGES)
def test_page_has_a_colab_button_for_its_notebook(name):
    # The Colab links open the release tag the site is built from (see tools/colab_sync.py).
    url = f"https://colab.research.google.com/github/rnn-course/rnn-course/blob/{REF}/book/{name}.ipynb"
    assert url in page(name)


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_stderr_or_error_output(name):
    html = page(name)
    assert "output stderr" not in html
    assert "Traceback" not in html
    assert "cuInit" not in html and "oneDNN" not in html


@pytest.mark.parametrize("name", PAGES)
def test_install_cell_is_hidden(name):
    assert "find_spec" not in page(name)


@pytest.mark.parametrize("name", MATH_PAGES)
def test_mathjax_is_served_locally(name):
    html = page(name)
    assert re.search(r'<script[^>]+src="\.\./_static/mathjax/tex-chtml\.js', html)
    assert "cdn.jsdelivr.net" not in html
    assert (HTML / "_static" / "mathjax" / "tex-chtml.js").exists()


@pytest.mark.parametrize(
    "name, figures",
    [("why_sequences", 1), ("recurrence", 1), ("unfolding", 4), ("bptt", 3), ("char_lm", 1),
     ("long_term_dependencies", 2), ("lstm", 8), ("lstm_variants", 2), ("gru", 3),
     ("deep_bidirectional", 2), ("keras_in_practice", 0), ("other_designs", 1),
     ("reproductions", 3)],
)
def test_figures_are_rendered(name, figures):
    # course_pkg.plots shows figures as SVG (text kept as text, see tests/test_website_figures.py)
    assert len(re.findall(r'<img[^>]+src="\.\./_images/[^"]+\.svg"', page(name))) == figures


def test_worked_example_outputs_are_on_the_page():
    html = page("recurrence")
    assert "[[4.0, 4.0], [12.0, 12.0], [32.0, 32.0]]" in html
    assert "[[8.0, 8.0], [20.0, 20.0], [44.0, 44.0]]" in html
    assert "max |Keras - reference|" in html


def test_gradient_check_table_is_on_the_page():
    html = page("bptt")
    rows = re.findall(r"\n(x|h0|W|U|b|V|c) +(\d\.\d\de-\d\d) +ok", html)
    assert [name for name, _ in rows] == ["x", "h0", "W", "U", "b", "V", "c"]
    assert all(float(err) < 1e-7 for _, err in rows)


def test_samples_at_four_temperatures():
    html = page("char_lm")
    for tau in ("0.3", "0.7", "1.0", "1.5"):
        assert f"--- temperature {tau} ---" in html


def test_labelled_equations_and_references_resolve():
    html = page("bptt")
    for label in ("eq-bptt-loss", "eq-bptt-recursion", "eq-bptt-product", "eq-bptt-bound"):
        assert f'id="equation-{label}"' in html
    assert 'href="unfolding.html#equation-eq-shared-grad"' in html


def test_lstm_page_shows_gates_carousel_and_gradient_check():
    html = page_text("lstm")
    assert "memory unit over 5000 characters: mean i_t at commas" in html
    assert "LSTM, no forget gate" in html and "tanh RNN" in html
    rows = re.findall(r"\n(x|h0|W|U|b) +(\d\.\d\de-\d\d) +ok", html)
    assert [name for name, _ in rows] == ["x", "h0", "W", "U", "b"]
    for label in ("eq-lstm-gates", "eq-lstm-cell", "eq-lstm-hidden", "eq-lstm-cec"):
        assert f'id="equation-{label}"' in page("lstm")


def test_gated_pages_link_equations_across_pages():
    assert 'href="lstm.html#equation-eq-lstm-gates"' in page("lstm_variants")
    assert 'href="gru.html#equation-eq-gru-update"' in page("lstm_variants")
    assert 'href="bptt.html#equation-eq-bptt-product"' in page("long_term_dependencies")


def test_gru_page_checks_the_opposite_update_gate_conventions():
    html = page_text("gru")
    match = re.search(r"update gate negated: +max \|difference\| = (\d\.\de[-+]\d+)", html)
    assert match and float(match.group(1)) < 1e-12
    assert "same weights:" in html and "reset_after=True" in html
    assert "<th" in page("gru")                                       # the side-by-side table


def test_keras_page_prints_shapes_timings_and_the_gpu_guard():
    html = page_text("keras_in_practice")
    assert "[(4, 6, 5), (4, 5), (4, 5)]" in html                      # return_sequences + return_state
    assert "RNN(LSTMCell)" in html and "generic loop time / layer time" in html
    assert "No GPU here: the cuDNN comparison is skipped" in html or "speed-up" in html
    match = re.search(r"max \|Keras - PyTorch-style\| = (\d\.\de[-+]\d+)", html)
    assert match and float(match.group(1)) < 1e-5
    for argument in ("proj_size", "batch_first", "bidirectional", "num_layers"):
        assert argument in html


def test_keras_page_compares_with_pytorch_and_trains_on_all_three_backends():
    """The site is built where all three backends are installed: nothing on it is skipped."""
    html = page_text("keras_in_practice")
    match = re.search(r"max \|Keras - PyTorch\| = (\d\.\de[-+]\d+)", html)
    assert match and float(match.group(1)) < 1e-5
    rows = re.findall(r"^(tensorflow|jax|torch) +(\d\.\d{7}) +(\d\.\d{7})", html, flags=re.M)
    assert [row[0] for row in rows] == ["tensorflow", "jax", "torch"]
    match = re.search(r"largest difference between backends over the 20 epochs: (\d\.\de[-+]\d+)", html)
    assert match and float(match.group(1)) < 1e-5


def test_bibliography_lists_every_reference():
    html = page("bibliography")
    bib = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    keys = re.findall(r"^@\w+\{(\w+),", bib, flags=re.M)
    assert len(keys) >= 15
    for author in ("Elman", "Werbos", "Pascanu", "Hochreiter", "Karpathy", "Goodfellow", "Graves",
                   "Greff", "Koutník", "Mikolov", "Schuster"):
        assert author in html
    assert len(re.findall(r'<div class="citation" id="', html)) == len(keys)
