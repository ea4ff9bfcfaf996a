"""The lstm_and_gru assignment graded by real nbgrader, in a temporary course directory.

- the instructor source (solutions) scores full marks;
- the generated release (stubs) scores zero, and grading it does not crash;
- two planted bugs get partial credit with the per-term hint in the test output: the output
  gate's peephole on the old cell state, and the forget gate's gradient with the new cell state;
- the whole source notebook executes in under three minutes on a CPU (the time is printed), and
  no graded cell writes to stderr (nbgrader would score a test cell that does zero).
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
NAME = "lstm_and_gru"
SOURCE = COURSE / "source" / NAME / f"{NAME}.ipynb"
RELEASE = COURSE / "release" / NAME / f"{NAME}.ipynb"
TOTAL_POINTS = 30.0
N_TESTS = 13

PLANTS = {
    # student -> (answer grade_id, correct line, planted line)
    "wrong_p_o": ("peephole_lstm_cell", "o = ops.sigmoid(a_o + self.p_o * c)",
                  "o = ops.sigmoid(a_o + self.p_o * c_prev)"),
    "wrong_da_f": ("lstm_step_backward", "da_f = dc * c_prev * f * (1.0 - f)",
                   "da_f = dc * c_next * f * (1.0 - f)"),
}


def planted(student: str) -> nbformat.NotebookNode:
    """The source notebook with one line of one answer replaced by a typical mistake."""
    grade_id, good, bad = PLANTS[student]
    nb = nbformat.read(SOURCE, as_version=4)
    (cell,) = [c for c in nb.cells if c.source.startswith(f"# graded-cell: {grade_id}\n")]
    assert cell.source.count(good) == 1
    cell.source = cell.source.replace(good, bad)
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """Autograde four submissions once; return the temporary course directory."""
    submissions = {
        "solution": nbformat.read(SOURCE, as_version=4),
        "release": nbformat.read(RELEASE, as_version=4),
        **{student: planted(student) for student in PLANTS},
    }
    return nbgrader_course.autograde(tmp_path_factory.mktemp("course"), NAME, submissions)


def scores(course: Path, student: str) -> tuple[float, dict[str, float]]:
    return nbgrader_course.scores(course, NAME, student)


def autograded_cell(course: Path, student: str, grade_id: str) -> nbformat.NotebookNode:
    nb = nbformat.read(course / "autograded" / student / NAME / f"{NAME}.ipynb", 4)
    (cell,) = [c for c in nb.cells if c.source.startswith(f"# graded-test: {grade_id}\n")]
    return cell


def error_of(cell) -> nbformat.NotebookNode:
    (error,) = [o for o in cell.outputs if o.output_type == "error"]
    return error


def test_points_total(graded):
    assert nbgrader_course.max_score(graded, NAME) == TOTAL_POINTS


def test_source_scores_full_marks_without_stderr(graded):
    total, per_cell = scores(graded, "solution")
    print(f"source: {total}/{TOTAL_POINTS}")
    assert total == TOTAL_POINTS
    assert len(per_cell) == N_TESTS and all(score > 0 for score in per_cell.values())
    nb = nbformat.read(graded / "autograded" / "solution" / NAME / f"{NAME}.ipynb", 4)
    for cell in nb.cells:
        if cell.source.startswith("# graded-test:"):
            assert not [o for o in cell.outputs if o.get("name") == "stderr"], cell.source


def test_release_scores_zero_without_crashing(graded):
    total, per_cell = scores(graded, "release")
    print(f"release: {total}/{TOTAL_POINTS}")
    assert total == 0.0
    assert len(per_cell) == N_TESTS
    nb = nbformat.read(graded / "autograded" / "release" / NAME / f"{NAME}.ipynb", 4)
    test_cells = [c for c in nb.cells if c.source.startswith("# graded-test:")]
    assert len(test_cells) == N_TESTS
    for cell in test_cells:  # every test ran and failed with an assertion naming the cause
        error = error_of(cell)
        assert error.ename == "AssertionError"
        if cell.source.startswith("# graded-test: test_vanishing_experiment"):
            assert "ratios contains NaN or inf" in error.evalue  # the answer cell's placeholder
        else:
            assert "raised NotImplementedError" in error.evalue


def test_output_peephole_on_the_old_cell_gets_partial_credit_and_the_hint(graded):
    total, per_cell = scores(graded, "wrong_p_o")
    print(f"wrong p_o: {total}/{TOTAL_POINTS}")
    assert per_cell["test_peephole_lstm_cell"] == 0.0
    assert per_cell["test_peephole_lstm_cell_hidden"] == 0.0
    assert total == TOTAL_POINTS - 3 - 3
    error = error_of(autograded_cell(graded, "wrong_p_o", "test_peephole_lstm_cell"))
    assert "h_only_p_o is wrong: the output gate's peephole looks at the NEW cell state" in error.evalue
    assert "h_no_peepholes is wrong" not in error.evalue
    assert "h_only_p_i is wrong" not in error.evalue and "h_only_p_f is wrong" not in error.evalue


def test_forget_gradient_with_the_new_cell_names_the_forget_blocks(graded):
    total, per_cell = scores(graded, "wrong_da_f")
    print(f"wrong da_f: {total}/{TOTAL_POINTS}")
    assert per_cell["test_lstm_step_backward"] == 0.0
    assert per_cell["test_lstm_step_backward_hidden"] == 0.0
    assert total == TOTAL_POINTS - 3 - 3
    error = error_of(autograded_cell(graded, "wrong_da_f", "test_lstm_step_backward"))
    assert "dU_f is wrong: this is dU's forget-gate block" in error.evalue
    assert "5 of 15 output(s) wrong" in error.evalue  # dx, dh_prev and the three forget blocks
    assert "dU_i is wrong" not in error.evalue and "dc_prev is wrong" not in error.evalue


def test_hidden_tests_are_restored_when_grading_the_release(graded):
    cell = autograded_cell(graded, "release", "test_peephole_lstm_cell_hidden")
    assert "check.peephole_lstm_cell(PeepholeLSTMCell, N=1, T=1, D=2, H=3, seed=1234)" in cell.source


def test_source_notebook_runs_in_under_three_minutes_without_stderr_in_graded_cells():
    nb, elapsed = nbgrader_course.execute(SOURCE, timeout=180)
    assert elapsed < 180
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            assert out.output_type != "error", out
        graded = cell.metadata.get("nbgrader", {}).get("grade_id") not in (
            "colab_install", "imports")
        if graded:  # the set-up cell may carry TensorFlow's one-time start-up line
            assert not [o for o in cell.outputs if o.get("name") == "stderr"], cell.source[:80]


def test_generate_release_reproduces_the_committed_release(tmp_path):
    from autograder.release import generate_release

    shutil.copy2(COURSE / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    shutil.copytree(COURSE / "source" / NAME, tmp_path / "source" / NAME)
    folder = generate_release(tmp_path, NAME)
    assert folder == tmp_path / "release" / NAME
    assert sorted(p.name for p in folder.iterdir()) == [f"{NAME}.ipynb"]
    assert not (tmp_path / "gradebook.db").exists()
    fresh = nbformat.read(folder / f"{NAME}.ipynb", as_version=4)
    committed = nbformat.read(RELEASE, as_version=4)
    assert [c.source for c in fresh.cells] == [c.source for c in committed.cells]
    assert [c.metadata for c in fresh.cells] == [c.metadata for c in committed.cells]
