"""course_pkg.show_source: the pages' listings come from the package source itself."""

import ast
import importlib
import inspect
from functools import reduce
from pathlib import Path

import pytest


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


def _code_cells(page):
    """The code of every code cell of a MyST page."""
    cell = None
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```{code-cell}"):
            cell = []
        elif line == "```" and cell is not None:
            if cell and cell[0] == "---":                       # the cell's YAML metadata
                cell = cell[cell.index("---", 1) + 1:]
            yield "\n".join(line for line in cell if not line.startswith((":", "%", "!")))
            cell = None
        elif cell is not None:
            cell.append(line)


def _shown_on_pages():
    """(page, name, object) for every object a ``show_source(...)`` call of the book lists.

    Names are resolved through the page's own ``from course_pkg... import ...`` lines.
    """
    for page in sorted(BOOK.glob("*.md")):
        trees = [ast.parse(code) for code in _code_cells(page)]
        imported = {alias.asname or alias.name: (node.module, alias.name)
                    for tree in trees for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module.startswith("course_pkg")
                    for alias in node.names}
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "show_source":
                    for arg in node.args:
                        name = ast.unparse(arg)
                        first, *rest = name.split(".")
                        module, attribute = imported[first]
                        obj = getattr(importlib.import_module(module), attribute)
                        yield page.stem, name, reduce(getattr, rest, obj)


def test_the_pages_show_package_code_with_show_source():
    shown = {name for _, name, _ in _shown_on_pages()}
    assert {"lstm_cell_forward", "lstm_cell_backward", "gru_cell_forward", "gru_cell_backward",
            "numerical_gradient", "relative_error", "tbptt_windows", "tbptt_backward"} <= shown


def test_no_page_uses_literalinclude_which_colab_cannot_show():
    pages = [page.stem for page in BOOK.glob("*.md") if "{literalinclude}" in page.read_text()]
    assert not pages, f"use show_source(...) in a code cell instead of literalinclude on {pages}"


@pytest.mark.parametrize("page, name, obj", [pytest.param(*shown, id=f"{shown[0]}:{shown[1]}")
                                             for shown in _shown_on_pages()])
def test_every_listing_on_a_page_fits_in_100_columns(page, name, obj):
    obj = obj.fget if isinstance(obj, property) else obj
    long = [line for line in inspect.getsource(obj).splitlines() if len(line) > 100]
    assert not long, f"book/{page}.md shows {name}, whose lines are wider than 100 columns: {long}"
