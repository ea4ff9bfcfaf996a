"""The rnn_from_scratch assignment graded by real nbgrader, in a temporary course directory.

- the instructor source (solutions) scores full marks;
- the generated release (stubs) scores zero, and grading it does not crash;
- the source with a planted wrong dU (no sum over time) gets partial credit, and the test
  output carries the dU hint;
- the whole source notebook executes in under a minute on a CPU (the time is printed).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

import nbgrader_course

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "assignments"
NAME = "rnn_from_scratch"
SOURCE = COURSE / "source" / NAME / f"{NAME}.ipynb"
RELEASE = COURSE / "release" / NAME / f"{NAME}.ipynb"
TOTAL_POINTS = 30.0


def planted_wrong_du() -> nbformat.NotebookNode:
    """The source notebook with rnn_backward keeping only one step's dU (no sum over time)."""
    nb = nbformat.read(SOURCE, as_version=4)
    (cell,) = [c for c in nb.cells if c.source.startswith("# graded-cell: rnn_backward")]
    assert "        dU += dU_t\n" in cell.source
    cell.source = cell.source.replace("        dU += dU_t\n", "        dU = dU_t\n")
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """Autograde three submissions once; return the temporary course directory."""
    submissions = {
        "solution": nbformat.read(SOURCE, as_version=4),
        "release": nbformat.read(RELEASE, as_version=4),
        "wrong_du": planted_wrong_du(),
    }
    return nbgrader_course.autograde(tmp_path_factory.mktemp("course"), NAME, submissions)


def scores(course: Path, student: str) -> tuple[float, dict[str, float]]:
    return nbgrader_course.scores(course, NAME, student)


def test_points_total(graded):
    assert nbgrader_course.max_score(graded, NAME) == TOTAL_POINTS


def test_source_scores_full_marks(graded):
    total, per_cell = scores(graded, "solution")
    print(f"source: {total}/{TOTAL_POINTS}")
    assert total == TOTAL_POINTS
    assert len(per_cell) == 12 and all(score > 0 for score in per_cell.values())


def test_release_scores_zero_without_crashing(graded):
    total, per_cell = scores(graded, "release")
    print(f"release: {total}/{TOTAL_POINTS}")
    assert total == 0.0
    assert len(per_cell) == 12
    autograded = nbformat.read(graded / "autograded" / "release" / NAME / f"{NAME}.ipynb", 4)
    test_cells = [c for c in autograded.cells if c.source.startswith("# graded-test:")]
    assert len(test_cells) == 12
    for cell in test_cells:  # every test ran and failed with the stub's error, nothing else
        (error,) = [o for o in cell.outputs if o.output_type == "error"]
        assert error.ename == "AssertionError"
        assert "raised NotImplementedError" in error.evalue


def test_planted_wrong_du_gets_partial_credit_and_the_hint(graded):
    total, per_cell = scores(graded, "wrong_du")
    print(f"wrong dU: {total}/{TOTAL_POINTS}")
    assert per_cell["test_rnn_backward"] == 0.0
    assert per_cell["test_rnn_backward_hidden"] == 0.0
    assert total == TOTAL_POINTS - 3 - 5
    autograded = nbformat.read(graded / "autograded" / "wrong_du" / NAME / f"{NAME}.ipynb", 4)
    (cell,) = [c for c in autograded.cells if c.source.startswith("# graded-test: test_rnn_backward\n")]
    (error,) = [o for o in cell.outputs if o.output_type == "error"]
    assert "dU is wrong: did you sum over time steps?" in error.evalue
    assert "1 of 5 output(s) wrong" in error.evalue


def test_hidden_tests_are_restored_when_grading_the_release(graded):
    autograded = nbformat.read(graded / "autograded" / "release" / NAME / f"{NAME}.ipynb", 4)
    (cell,) = [c for c in autograded.cells
               if c.source.startswith("# graded-test: test_rnn_backward_hidden")]
    assert "check.rnn_backward(rnn_backward, N=3, T=1, D=2, H=4, seed=21)" in cell.source


def test_source_notebook_runs_in_under_a_minute():
    nb, elapsed = nbgrader_course.execute(SOURCE, timeout=120)
    assert elapsed < 60
    for cell in nb.cells:
        if cell.cell_type == "code":
            for out in cell.outputs:
                assert out.output_type != "error", out
                assert not (out.output_type == "stream" and out.name == "stderr"), out.text


def test_generate_release_reproduces_the_committed_release(tmp_path):
    from autograder.release import generate_release

    shutil.copy2(COURSE / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    shutil.copytree(COURSE / "source" / NAME, tmp_path / "source" / NAME)
    folder = generate_release(tmp_path, NAME)
    assert folder == tmp_path / "release" / NAME
    assert sorted(p.name for p in folder.iterdir()) == [f"{NAME}.ipynb"]
    assert not (tmp_path / "gradebook.db").exists()  # nbgrader ran in a scratch copy
    fresh = nbformat.read(folder / f"{NAME}.ipynb", as_version=4)
    committed = nbformat.read(RELEASE, as_version=4)
    assert [c.source for c in fresh.cells] == [c.source for c in committed.cells]
    assert [c.metadata for c in fresh.cells] == [c.metadata for c in committed.cells]
