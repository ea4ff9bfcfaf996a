"""course_pkg.show_source: the pages' listings come from the package source itself."""

import inspect
import re
from functools import reduce
from pathlib import Path

import pytest

import course_pkg.reference

from course_pkg import show_source
from course_pkg.source import Source
from course_pkg.reference import lstm_cell_backward, lstm_cell_forward, numerical_gradient


def test_show_source_is_a_python_code_block_of_the_functions_own_source():
    markdown = show_source(numerical_gradient)._repr_markdown_()
    assert markdown.startswith("```python\ndef numerical_gradient(")
    assert markdown.endswith("\n```\n")
    assert inspect.getsource(numerical_gradient).rstrip() in markdown


def test_show_source_joins_several_functions_in_order_and_reads_as_plain_text():
    text = repr(show_source(lstm_cell_forward, lstm_cell_backward))
    assert text.index("def lstm_cell_forward(") < text.index("def lstm_cell_backward(")
    assert text == inspect.getsource(lstm_cell_forward).rstrip() + "\n\n" + \
        inspect.getsource(lstm_cell_backward).rstrip()


def test_show_source_fence_is_longer_than_any_backtick_run_in_the_code():
    markdown = Source('s = "````"\n')._repr_markdown_()
    assert markdown == '`````python\ns = "````"\n`````\n'


def test_show_source_cuts_a_dedented_part_between_two_lines():
    text = repr(show_source(numerical_gradient, start_at="for i in np.ndindex", end_at="grad[i] ="))
    lines = text.splitlines()
    assert lines[0].startswith("for i in np.ndindex(point.shape):")
    assert lines[-1] == "    grad[i] = (f_plus - f_minus) / (2 * h)"
    with pytest.raises(ValueError, match=r"show_source: end_at='no such line' is not in the listing"):
        show_source(numerical_gradient, end_at="no such line")


def test_show_source_without_an_object_says_what_it_needs():
    with pytest.raises(ValueError, match="show_source: give at least one function or class, got none"):
        show_source()


BOOK = Path(__file__).resolve().parents[1] / "book"
SHOWN = re.compile(r"^show_source\(([^)]*)\)", re.MULTILINE)
KEYWORD = re.compile(r"\w+=")


def _shown_on_pages():
    """(page, name) for every ``show_source(...)`` call in a code cell of the book."""
    for page in sorted(BOOK.glob("*.md")):
        for call in SHOWN.finditer(page.read_text(encoding="utf-8")):
            for name in call.group(1).split(","):
                if not KEYWORD.match(name.strip()):
                    yield page.stem, name.strip()


def test_the_pages_show_package_code_with_show_source():
    shown = {name for _, name in _shown_on_pages()}
    assert {"lstm_cell_forward", "lstm_cell_backward", "gru_cell_forward", "gru_cell_backward",
            "numerical_gradient", "relative_error", "tbptt_windows", "tbptt_backward"} <= shown


@pytest.mark.parametrize("page, name", list(_shown_on_pages()))
def test_every_listing_on_a_page_fits_in_100_columns(page, name):
    obj = reduce(getattr, name.split("."), course_pkg.reference)
    obj = obj.fget if isinstance(obj, property) else obj
    long = [line for line in inspect.getsource(obj).splitlines() if len(line) > 100]
    assert not long, f"book/{page}.md shows {name}, whose lines are wider than 100 columns: {long}"
