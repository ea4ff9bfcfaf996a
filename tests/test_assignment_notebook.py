"""Structure of the rnn_from_scratch notebooks: markers, metadata, tests, release.

Fast checks on the files only; tests/test_assignment_nbgrader.py grades them with nbgrader.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from autograder.release import STUB_LINE, ReleaseError, verify_release
from course_pkg.checks import get_check
from course_pkg.colab import setup_cell

from nbgrader_course import nb_meta

ROOT = Path(__file__).resolve().parents[1]
NAME = "rnn_from_scratch"
SOURCE = ROOT / "assignments" / "source" / NAME / f"{NAME}.ipynb"
RELEASE = ROOT / "assignments" / "release" / NAME / f"{NAME}.ipynb"
GRADED = ["rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
          "clip_by_global_norm", "sample_next_char"]


@pytest.fixture(scope="module")
def source() -> nbformat.NotebookNode:
    return nbformat.read(SOURCE, as_version=4)


@pytest.fixture(scope="module")
def release() -> nbformat.NotebookNode:
    return nbformat.read(RELEASE, as_version=4)



def test_first_code_cell_is_the_shared_set_up_cell(source):
    first = next(c for c in source.cells if c.cell_type == "code")
    assert first.source == setup_cell()  # the same cell as every book page (tests/test_colab.py)


def test_answer_cells_have_marker_and_metadata(source):
    answers = [c for c in source.cells if nb_meta(c).get("solution")]
    assert [nb_meta(c)["grade_id"] for c in answers] == GRADED
    for cell in answers:
        grade_id = nb_meta(cell)["grade_id"]
        assert cell.source.splitlines()[0] == f"# graded-cell: {grade_id}"
        assert nb_meta(cell)["grade"] is False and nb_meta(cell)["locked"] is False
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
        tree = ast.parse(cell.source)
        assert [n.name for n in tree.body if isinstance(n, ast.FunctionDef)] == [grade_id]
        assert "course_pkg" not in cell.source  # answers never touch the reference


def test_each_answer_has_a_visible_and_a_hidden_test_cell(source):
    tests = [c for c in source.cells if nb_meta(c).get("grade")]
    ids = [nb_meta(c)["grade_id"] for c in tests]
    assert ids == [i for g in GRADED for i in (f"test_{g}", f"test_{g}_hidden")]
    assert sum(nb_meta(c)["points"] for c in tests) == 30
    for cell in tests:
        meta = nb_meta(cell)
        assert cell.source.splitlines()[0] == f"# graded-test: {meta['grade_id']}"
        assert meta["locked"] is True and meta["solution"] is False and meta["points"] > 0
        hidden = meta["grade_id"].endswith("_hidden")
        assert ("### BEGIN HIDDEN TESTS" in cell.source) == hidden
        code = [line for line in cell.source.splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
        assert code, meta["grade_id"]
        name = meta["grade_id"].removeprefix("test_").removesuffix("_hidden")
        for line in code:  # only calls into course_pkg.checks, with the check's own name
            assert re.fullmatch(rf"check\.{name}\({name}(, \w+=[\w.]+)*\)", line), line


def test_hidden_tests_cover_the_edge_cases(source):
    hidden = "\n".join(c.source for c in source.cells if "BEGIN HIDDEN TESTS" in c.source)
    assert "check.rnn_forward(rnn_forward, N=1, T=1" in hidden
    assert "check.rnn_backward(rnn_backward, N=3, T=1" in hidden
    assert "check.rnn_backward(rnn_backward, N=1, T=5" in hidden
    assert "check.rnn_step_backward(rnn_step_backward, N=1" in hidden
    assert "grad_scale=0.0" in hidden and "temperature=0.01" in hidden
    visible = "\n".join(c.source for c in source.cells
                        if nb_meta(c).get("grade") and "HIDDEN" not in c.source)
    for params in re.findall(r"\((\w+(?:, \w+=[\w.]+)+)\)", hidden):
        assert params not in visible  # hidden tests use other shapes and seeds


def test_test_parameters_are_known_to_the_checks(source):
    for cell in source.cells:
        if not nb_meta(cell).get("grade"):
            continue
        for name, args in re.findall(r"check\.(\w+)\(\w+((?:, \w+=[\w.]+)*)\)", cell.source):
            keys = set(re.findall(r"(\w+)=", args))
            assert keys <= set(get_check(name).defaults), (name, keys)


def test_committed_release_passes_verification(release):
    verify_release(SOURCE, RELEASE)
    text = "\n".join(c.source for c in release.cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert "np.tanh(x @ W + h_prev @ U + b)" not in text
    assert text.count(STUB_LINE) == len(GRADED)


def test_verification_catches_a_leaked_solution_and_a_lost_marker(tmp_path, release):
    leaked = nbformat.from_dict(release)
    cell = next(c for c in leaked.cells if nb_meta(c).get("grade_id") == "rnn_forward")
    cell.source = cell.source.replace("# graded-cell: rnn_forward\n", "") + "\n### END SOLUTION"
    path = tmp_path / "bad.ipynb"
    nbformat.write(leaked, path)
    with pytest.raises(ReleaseError) as info:
        verify_release(SOURCE, path)
    assert "still contains 'END SOLUTION'" in str(info.value)
    assert "release cell 'rnn_forward' lost its marker" in str(info.value)


def test_markdown_explains_each_part_with_equations_and_shapes(source):
    text = "\n".join(c.source for c in source.cells if c.cell_type == "markdown")
    for needle in ("$$h_t = \\tanh", "1 - h_t^2", "(N, T, D)", "global norm", "temperature",
                   "Hint", "You will learn"):
        assert needle in text, needle
