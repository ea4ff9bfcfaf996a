"""Every assignment's source notebook is the instructor's source: lint-clean and committed clean."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.lint import lint_notebook

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "assignments" / "source").glob("*/*.ipynb"))


def test_both_course_assignments_have_a_source():
    assert [p.stem for p in SOURCES] == ["lstm_and_gru", "rnn_from_scratch", "seq2seq_attention",
                                         "sequence_models"]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_source_lints_clean(path):
    """Its markers and its nbgrader metadata agree (autograder lint)."""
    assert lint_notebook(nbformat.read(path, as_version=4)) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_source_is_committed_clean(path):
    """No outputs or execution counts, unique cell ids, the course kernel: a tidy diff."""
    source = nbformat.read(path, as_version=4)
    nbformat.validate(source)
    code = [c for c in source.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    ids = [c.get("id") for c in source.cells]
    assert None not in ids and len(set(ids)) == len(ids)
    assert source.metadata.kernelspec.name == "python3"
