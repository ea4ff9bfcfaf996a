"""``python -m autograder lint``: the source notebook's markers against its nbgrader metadata.

Fast: files only, no nbgrader run, no sandbox. nbgrader's documentation course ``ps1`` (a plain
nbgrader assignment without this course's markers) is in tests/fixtures/nbgrader/ (BSD-3-Clause,
from jupyter/nbgrader ``nbgrader/docs/source/user_guide/source/ps1`` at commit 207a8e54).
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from autograder.lint import fix_notebook, lint_notebook

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "assignments"
PS1 = ROOT / "tests" / "fixtures" / "nbgrader" / "ps1"
NAME = "rnn_from_scratch"


def lint(capsys, *args: str) -> tuple[int, list[str], str]:
    """Run ``python -m autograder lint ...``; return (exit status, stdout lines, stderr)."""
    status = main(["lint", *args])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


@pytest.fixture
def course(tmp_path) -> Path:
    """A scratch course holding a copy of rnn_from_scratch's source."""
    shutil.copytree(COURSE / "source" / NAME, tmp_path / "source" / NAME)
    return tmp_path


def notebook_of(course: Path) -> Path:
    return course / "source" / NAME / f"{NAME}.ipynb"


def cell_index(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.mark.parametrize("assignment", ["rnn_from_scratch", "lstm_and_gru", "seq2seq_attention",
                                        "sequence_models"])
def test_the_course_sources_lint_clean(capsys, assignment):
    status, lines, _ = lint(capsys, "--assignment", assignment, "--course-dir", str(COURSE))
    assert (status, lines) == (0, [f"{assignment}: 1 notebook(s), clean"])


def test_a_plain_nbgrader_assignment_without_course_markers_lints_clean(capsys):
    # ps1: two notebooks, markdown answers, a task cell, test cells that are not locked in the
    # source (nbgrader locks them in the release): nbgrader's rules only.
    status, lines, _ = lint(capsys, "--assignment", "ps1", "--course-dir", str(PS1))
    assert (status, lines) == (0, ["ps1: 2 notebook(s), clean"])


def test_each_problem_is_one_line_with_its_cell(capsys, course):
    path = notebook_of(course)
    nb = nbformat.read(path, as_version=4)
    answer, test, hidden = (cell_index(nb, g) for g in ("rnn_forward", "test_rnn_forward",
                                                        "test_rnn_forward_hidden"))
    nb.cells[answer].metadata.nbgrader.grade_id = "rnn_fwd"
    nb.cells[answer].source = nb.cells[answer].source.replace("### END SOLUTION", "")
    del nb.cells[test].metadata.nbgrader["points"]
    nb.cells[hidden].metadata.nbgrader.grade_id = "test_rnn_step_forward"  # used by cell 5
    nb.cells[2].source += "\n### BEGIN HIDDEN TESTS\nx = 1\n### END HIDDEN TESTS"  # read-only cell
    nbformat.write(nb, path)
    status, lines, _ = lint(capsys, "--assignment", NAME, "--course-dir", str(course))
    assert status == 1
    assert lines == [
        f"{path}: cell 2: a hidden-tests region in a cell whose nbgrader grade is not true "
        "(nbgrader refuses to release it)",
        f"{path}: cell {answer}: BEGIN SOLUTION on line 20 has no END SOLUTION",
        f"{path}: cell {answer}: answer cell 'rnn_forward': nbgrader grade_id is 'rnn_fwd', "
        "the marker says 'rnn_forward'",
        f"{path}: cell {test}: test cell 'test_rnn_forward' has no positive points: "
        "add a '# points: <n>' line",
        f"{path}: cell {test}: nbgrader metadata: nbgrader cell 'test_rnn_forward' does not have points",
        f"{path}: cell {hidden}: test cell 'test_rnn_forward_hidden': nbgrader grade_id is "
        "'test_rnn_step_forward', the marker says 'test_rnn_forward_hidden'",
        f"{path}: cell {hidden}: grade_id 'test_rnn_step_forward' is also used by cell 5",
        f"{NAME}: 1 notebook(s), 7 problem(s)",
    ]


def test_fix_fills_the_metadata_from_the_markers(capsys, course):
    path = notebook_of(course)
    original = nbformat.read(path, as_version=4)
    nb = copy.deepcopy(original)
    for cell in nb.cells:  # answers lose their metadata; tests keep only their points
        meta = cell.metadata.get("nbgrader")
        if meta and meta.get("solution"):
            del cell.metadata["nbgrader"]
        elif meta and meta.get("grade"):
            cell.metadata["nbgrader"] = {"points": meta["points"], "grade_id": "x", "locked": False}
    nbformat.write(nb, path)
    status, lines, _ = lint(capsys, "--assignment", NAME, "--course-dir", str(course))
    # 6 answers without metadata; 12 tests with 5 wrong fields each; 6 hidden-test regions in
    # cells that are not grade cells; the summary line
    assert status == 1 and len(lines) == 6 + 12 * 5 + 6 + 1
    status, lines, _ = lint(capsys, "--assignment", NAME, "--course-dir", str(course), "--fix")
    assert status == 0 and lines[-1] == f"{NAME}: 1 notebook(s), clean"
    assert lines[0] == (f"fixed: {path}: cell 4: set nbgrader metadata grade_id='rnn_step_forward', "
                        "solution=True, grade=False, locked=False, schema_version=3, task=False")
    fixed = nbformat.read(path, as_version=4)
    assert [c.metadata for c in fixed.cells] == [c.metadata for c in original.cells]
    assert [c.source for c in fixed.cells] == [c.source for c in original.cells]
    assert lint(capsys, "--assignment", NAME, "--course-dir", str(course), "--fix")[1] == [
        f"{NAME}: 1 notebook(s), clean"]  # nothing left to fix


def test_fix_restores_a_lost_marker_line_from_the_metadata(capsys, course):
    path = notebook_of(course)
    nb = nbformat.read(path, as_version=4)
    i = cell_index(nb, "clip_by_global_norm")
    original = nb.cells[i].source
    nb.cells[i].source = original.split("\n", 1)[1]
    nbformat.write(nb, path)
    status, lines, _ = lint(capsys, "--assignment", NAME, "--course-dir", str(course))
    assert (status, lines[0]) == (1, f"{path}: cell {i}: answer cell 'clip_by_global_norm' has no "
                                     "'# graded-cell: clip_by_global_norm' first line")
    status, lines, _ = lint(capsys, "--assignment", NAME, "--course-dir", str(course), "--fix")
    assert status == 0
    assert lines[0] == f"fixed: {path}: cell {i}: added the first line '# graded-cell: clip_by_global_norm'"
    assert nbformat.read(path, as_version=4).cells[i].source == original


def test_a_new_question_typed_with_markers_only_gets_its_metadata():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("# graded-cell: cube\ndef cube(x):\n"
                                  "    ### BEGIN SOLUTION\n    return x ** 3\n    ### END SOLUTION"),
        nbformat.v4.new_code_cell("# graded-test: test_cube\n# points: 1.5\nassert cube(2) == 8"),
        nbformat.v4.new_code_cell("# graded-test: test_cube_hidden\nassert cube(0) == 0"),
    ])
    assert [p.message for p in lint_notebook(nb)] == [
        "answer cell 'cube' has no nbgrader metadata",
        "test cell 'test_cube' has no nbgrader metadata",
        "test cell 'test_cube_hidden' has no nbgrader metadata",
    ]
    fix_notebook(nb)
    assert nb.cells[1].metadata.nbgrader == {"grade_id": "test_cube", "solution": False, "grade": True,
                                             "locked": True, "points": 1.5, "schema_version": 3,
                                             "task": False}
    # points cannot be guessed: the hidden test cell still needs a '# points:' line
    assert [(p.cell, p.message) for p in lint_notebook(nb)] == [
        (2, "test cell 'test_cube_hidden' has no positive points: add a '# points: <n>' line"),
        (2, "nbgrader metadata: nbgrader cell 'test_cube_hidden' does not have points"),
    ]
    nb.cells[1].source = nb.cells[1].source.replace("# points: 1.5", "# points: 2")
    assert [p.message for p in lint_notebook(nb)][0] == (
        "test cell 'test_cube': nbgrader points is 1.5, the '# points:' line says 2")


def test_a_broken_notebook_is_one_line_and_an_unknown_assignment_is_a_usage_error(capsys, course):
    path = notebook_of(course)
    path.write_text('{"cells": [', encoding="utf-8")
    status, lines, _ = lint(capsys, "--assignment", NAME, "--course-dir", str(course))
    assert (status, lines) == (1, [
        f"{path}: the file is not valid JSON (line 1, column 12: Expecting value)",
        f"{NAME}: 1 notebook(s), 1 problem(s)"])
    status, lines, err = lint(capsys, "--assignment", "nope", "--course-dir", str(course))
    assert (status, lines, err) == (2, [], f"error: assignment 'nope': no source folder "
                                           f"{course / 'source' / 'nope'}\n")
