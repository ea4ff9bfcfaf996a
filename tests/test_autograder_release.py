"""``python -m autograder release`` for any nbgrader source, and its one-line errors.

Real nbgrader runs (``generate_assignment``, a few seconds each) for the documentation course and
for the two errors only nbgrader can show; the other errors are found before nbgrader starts.
nbgrader's documentation course ``ps1`` (source, header and the release nbgrader's documentation
shows) is in tests/fixtures/nbgrader/ (BSD-3-Clause, from jupyter/nbgrader
``nbgrader/docs/source/user_guide/`` at commit 207a8e54).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.cli import main

ROOT = Path(__file__).resolve().parents[1]
PS1 = ROOT / "tests" / "fixtures" / "nbgrader" / "ps1"


def release(capsys, course: Path, assignment: str) -> tuple[int, list[str], list[str]]:
    """Run ``python -m autograder release``; return (exit status, stdout lines, stderr lines)."""
    status = main(["release", "--assignment", assignment, "--course-dir", str(course)])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err.splitlines()


@pytest.fixture
def ps1(tmp_path) -> Path:
    """nbgrader's documentation course: two notebooks and an image, a header notebook, and the
    configuration its documentation ran ``generate_assignment`` with."""
    shutil.copytree(PS1 / "source", tmp_path / "source")
    (tmp_path / "nbgrader_config.py").write_text(
        'c = get_config()\nc.IncludeHeaderFooter.header = "source/header.ipynb"\n')
    return tmp_path


def marked_course(tmp_path: Path, config: str | None) -> Path:
    """A one-question course written with this course's markers (and ``config``, if given)."""
    nb = new_notebook(cells=[
        new_code_cell("# graded-cell: cube\ndef cube(x):\n    ### BEGIN SOLUTION\n"
                      "    return x ** 3\n    ### END SOLUTION"),
        new_code_cell("# graded-test: test_cube\n# points: 1\nassert cube(2) == 8"),
    ])
    from autograder.lint import fix_notebook

    fix_notebook(nb)
    (tmp_path / "source" / "cube").mkdir(parents=True)
    nbformat.write(nb, tmp_path / "source" / "cube" / "cube.ipynb")
    if config is not None:
        (tmp_path / "nbgrader_config.py").write_text(config)
    (tmp_path / "release" / "cube").mkdir(parents=True)
    (tmp_path / "release" / "cube" / "earlier.txt").write_text("the release before")
    return tmp_path


def test_release_of_nbgrader_ps1_is_the_release_nbgrader_documents(capsys, ps1):
    status, out, err = release(capsys, ps1, "ps1")
    assert (status, err) == (0, [])
    assert out == [f"generated {ps1 / 'release' / 'ps1'}",
                   "verified; the source has no course markers, so its scores are not validated "
                   "here (grade it: python -m autograder grade --assignment ps1 ...)"]
    folder = ps1 / "release" / "ps1"
    assert sorted(p.name for p in folder.iterdir()) == ["jupyter.png", "problem1.ipynb", "problem2.ipynb"]
    assert (folder / "jupyter.png").read_bytes() == (PS1 / "source" / "ps1" / "jupyter.png").read_bytes()
    for name in ("problem1.ipynb", "problem2.ipynb"):
        ours = nbformat.read(folder / name, as_version=4)
        documented = nbformat.read(PS1 / "release" / "ps1" / name, as_version=4)
        # the header's cells, the stubs, the locked cells and nbgrader's checksums: all the same
        assert [c.source for c in ours.cells] == [c.source for c in documented.cells]
        assert [c.metadata for c in ours.cells] == [c.metadata for c in documented.cells]
    assert not (ps1 / "gradebook.db").exists()  # nbgrader ran in a scratch copy


def test_errors_found_before_nbgrader_are_one_line_each_with_their_own_exit_status(capsys, ps1):
    status, out, err = release(capsys, ps1, "ps2")
    assert (status, err) == (5, [f"error: assignment 'ps2': no source folder {ps1 / 'source' / 'ps2'}"])
    (ps1 / "source" / "empty").mkdir()
    status, out, err = release(capsys, ps1, "empty")
    assert (status, err) == (5, [f"error: assignment 'empty': no .ipynb notebook in {ps1 / 'source' / 'empty'}"])

    problem1 = ps1 / "source" / "ps1" / "problem1.ipynb"
    text = problem1.read_text()
    problem1.write_text(text.replace("    ### END SOLUTION", "", 1))
    status, out, err = release(capsys, ps1, "ps1")
    assert (status, err) == (7, [
        f"error: {problem1}: cell 2: BEGIN SOLUTION on line 6 has no END SOLUTION; see: "
        f"python -m autograder lint --assignment ps1 --course-dir {ps1}"])
    problem1.write_text(text[:200])
    status, out, err = release(capsys, ps1, "ps1")
    assert (status, err) == (6, [f"error: {problem1}: the file is not valid JSON (line 12, column 1: "
                                 "Expecting ',' delimiter)"])
    assert not (ps1 / "release").exists()


def test_a_failing_nbgrader_is_one_line_and_the_earlier_release_stays(capsys, tmp_path):
    course = marked_course(tmp_path, 'c = get_config()\nc.ClearSolutions.code_stub = {"R": "stop()"}\n')
    status, out, err = release(capsys, course, "cube")
    log = Path(err[0].rsplit("full log: ", 1)[1])
    assert (status, err) == (8, [
        f"error: nbgrader generate_assignment cube failed (exit 1): There was an error processing "
        f"assignment: {course}/source/./cube (ValueError: language 'python' has not been specified "
        f"in ClearSolutions.code_stub); full log: {log}"])
    assert "Traceback" in log.read_text()  # the whole story is in the log, not on the terminal
    assert sorted(p.name for p in (course / "release" / "cube").iterdir()) == ["earlier.txt"]


def test_a_release_that_fails_verification_is_one_line_and_is_not_installed(capsys, tmp_path):
    # No nbgrader_config.py: nbgrader's default stub replaces the solution, not the course's stub
    # whose message tells a student what to do, so the marked answer cell fails verification.
    course = marked_course(tmp_path, None)
    status, out, err = release(capsys, course, "cube")
    assert (status, err) == (9, [
        f"error: the release nbgrader generated from {course / 'source' / 'cube' / 'cube.ipynb'} "
        "failed verification (not installed): answer cell 'cube' has no stub"])
    assert sorted(p.name for p in (course / "release" / "cube").iterdir()) == ["earlier.txt"]
