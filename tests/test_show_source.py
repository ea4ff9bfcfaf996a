"""course_pkg.show_source: the pages' listings come from the package source itself."""

import inspect

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


def test_show_source_without_an_object_says_what_it_needs():
    with pytest.raises(ValueError, match="show_source: give at least one function or class, got none"):
        show_source()
