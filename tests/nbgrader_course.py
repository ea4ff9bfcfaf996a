"""Shared helpers of the assignment tests: real nbgrader in a throw-away course, notebooks run.

``autograde(tmp, assignment, submissions)`` copies ``assignments/nbgrader_config.py`` and the
instructor source into ``tmp``, writes each submission to ``submitted/<student>/<assignment>/``,
runs ``nbgrader generate_assignment`` (which records the source cells, hidden tests included,
in the gradebook) and ``nbgrader autograde``, and returns the course directory.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.assignment import load_assignment
from autograder.release import nbgrader_env

COURSE = Path(__file__).resolve().parents[1] / "assignments"


def autograde(tmp: Path, assignment: str, submissions: dict[str, nbformat.NotebookNode],
              timeout: float = 900) -> Path:
    """Autograde ``submissions`` (student -> notebook) with real nbgrader; return the course dir."""
    shutil.copy2(COURSE / "nbgrader_config.py", tmp / "nbgrader_config.py")
    shutil.copytree(COURSE / "source" / assignment, tmp / "source" / assignment)
    for student, nb in submissions.items():
        folder = tmp / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")
    nbgrader = [sys.executable, "-m", "nbgrader"]
    for args in (["generate_assignment", assignment, "--force"], ["autograde", assignment, "--force"]):
        start = time.perf_counter()
        proc = subprocess.run(nbgrader + args, cwd=tmp, env=nbgrader_env(), capture_output=True,
                              text=True, timeout=timeout)
        print(f"nbgrader {args[0]}: {time.perf_counter() - start:.1f} s")
        assert proc.returncode == 0, f"nbgrader {args[0]} failed:\n{proc.stdout}\n{proc.stderr}"
    return tmp


def scores(course: Path, assignment: str, student: str) -> tuple[float, dict[str, float]]:
    """The student's total and per-cell scores from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        submission = gb.find_submission(assignment, student)
        per_cell = {grade.name: grade.score for nb in submission.notebooks for grade in nb.grades}
        return submission.score, per_cell


def max_score(course: Path, assignment: str) -> float:
    """The assignment's total points as nbgrader recorded them."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return gb.find_assignment(assignment).max_score


def nb_meta(cell) -> dict:
    """A cell's nbgrader metadata ({} when it has none)."""
    return cell.metadata.get("nbgrader", {})


def execute(path: Path, timeout: float) -> tuple[nbformat.NotebookNode, float]:
    """Run the notebook at ``path`` top to bottom in a fresh kernel; return it and the seconds."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    print(f"source notebook executed in {elapsed:.1f} s")
    return nb, elapsed


def check_answers_and_points(source: nbformat.NotebookNode, assignment: str,
                             points: dict[str, tuple[int, ...]], manual: tuple[str, int],
                             test_suffixes: tuple[str, ...] = ("", "_hidden")) -> None:
    """Assert an assignment's answer cells, their tests' points and its manually graded answer.

    ``points`` maps each answer's grade_id, in notebook order, to the points of its tests
    ``test_<grade_id><suffix>`` (one per entry, suffixes taken in order); ``manual`` is the one
    markdown answer graded by hand and its points. Every answer cell names itself in its first
    line (``# graded-cell: <grade_id>``) and does not import the course package; the automatic
    tests add up to 30 points.
    """
    answers = [c for c in source.cells if nb_meta(c).get("solution") and c.cell_type == "code"]
    assert [nb_meta(c)["grade_id"] for c in answers] == list(points)
    for cell in answers:
        assert cell.source.splitlines()[0] == f"# graded-cell: {nb_meta(cell)['grade_id']}"
        assert "course_pkg" not in cell.source
    loaded = load_assignment(assignment, COURSE)
    owners = {t.grade_id: (t.answer_id, t.points) for t in loaded.tests}
    for grade_id, answer_points in points.items():
        tests = [f"test_{grade_id}{suffix}" for suffix in test_suffixes]
        assert [owners[t] for t in tests[:len(answer_points)]] == [(grade_id, p) for p in answer_points]
    assert sum(t.points for t in loaded.tests) == 30
    assert [(m.grade_id, m.kind, m.points) for m in loaded.manual] == [(manual[0], "markdown", manual[1])]
    assert loaded.max_score == 30.0 + manual[1]
