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
