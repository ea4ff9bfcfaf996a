"""Generate a student release from an instructor source notebook with real nbgrader.

``generate_release(course_dir, assignment)`` copies ``nbgrader_config.py`` and
``source/<assignment>/`` into a temporary course directory, runs
``python -m nbgrader generate_assignment <assignment> --force`` there (so no gradebook.db or
log lands in the repository), replaces ``<course_dir>/release/<assignment>/`` with the result
and verifies it:

- no cell of a released notebook contains ``BEGIN SOLUTION``/``END SOLUTION`` or
  ``BEGIN HIDDEN TESTS``/``END HIDDEN TESTS``;
- every graded cell of the source (answer cells ``# graded-cell: <id>``, test cells
  ``# graded-test: <id>``) is in the release, in the same order, with the same marker comment
  on its first line and the same nbgrader metadata (grade_id, solution, grade, locked, points);
- answer cells in the release hold the stub :data:`CODE_STUB` (set as nbgrader's
  ``ClearSolutions.code_stub`` in ``nbgrader_config.py``), whose message says what to do;
- no released code cell has outputs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

FORBIDDEN = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
ANSWER_MARKER = "# graded-cell:"
TEST_MARKER = "# graded-test:"
METADATA_KEYS = ("grade_id", "solution", "grade", "locked", "points")
#: The line that replaces each solution in a release. Its message is what a student reads when a
#: check calls the unanswered function ("rnn_step_forward raised NotImplementedError: ...").
STUB_LINE = 'raise NotImplementedError("not answered yet: replace this line with your code")'
CODE_STUB = "# YOUR CODE HERE\n" + STUB_LINE


class ReleaseError(RuntimeError):
    """nbgrader failed, or the generated release does not pass verification."""


def _graded_cells(nb: nbformat.NotebookNode) -> list[tuple[str, dict, str]]:
    """``(grade_id, nbgrader metadata, first line)`` of every answer and test cell."""
    out = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and (meta.get("solution") or meta.get("grade")):
            first = cell.source.splitlines()[0] if cell.source else ""
            out.append((meta.get("grade_id", ""), dict(meta), first))
    return out


def verify_release(source_nb: Path, release_nb: Path) -> None:
    """Check ``release_nb`` against ``source_nb``; raise :class:`ReleaseError` listing problems."""
    source = nbformat.read(source_nb, as_version=4)
    release = nbformat.read(release_nb, as_version=4)
    problems: list[str] = []
    for i, cell in enumerate(release.cells):
        for word in FORBIDDEN:
            if word in cell.source:
                problems.append(f"cell {i} still contains {word!r}")
        if cell.cell_type == "code" and cell.get("outputs"):
            problems.append(f"cell {i} has outputs")
    src_cells = _graded_cells(source)
    rel_cells = _graded_cells(release)
    src_ids = [g for g, _, _ in src_cells]
    rel_ids = [g for g, _, _ in rel_cells]
    if src_ids != rel_ids:
        problems.append(f"graded cells differ: source {src_ids}, release {rel_ids}")
    rel_by_id = {g: (m, first) for g, m, first in rel_cells}
    for grade_id, meta, first in src_cells:
        marker = ANSWER_MARKER if meta.get("solution") else TEST_MARKER
        expected_first = f"{marker} {grade_id}"
        if first.strip() != expected_first:
            problems.append(f"source cell {grade_id!r} starts with {first!r}, not {expected_first!r}")
        if grade_id not in rel_by_id:
            continue
        rel_meta, rel_first = rel_by_id[grade_id]
        if rel_first.strip() != expected_first:
            problems.append(f"release cell {grade_id!r} lost its marker (starts with {rel_first!r})")
        for key in METADATA_KEYS:
            if meta.get(key) != rel_meta.get(key):
                problems.append(
                    f"release cell {grade_id!r}: metadata {key}={rel_meta.get(key)!r}, "
                    f"source has {meta.get(key)!r}"
                )
    for cell in release.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            if STUB_LINE not in cell.source:
                problems.append(f"answer cell {meta.get('grade_id')!r} has no stub")
    if problems:
        raise ReleaseError(f"release {release_nb} failed verification:\n  - " + "\n  - ".join(problems))


def nbgrader_env() -> dict[str, str]:
    """Environment for running nbgrader as a subprocess.

    nbgrader runs the ``alembic`` executable from PATH when it opens a gradebook, so the folder
    of the running interpreter (a virtual environment's ``bin``) goes first on PATH. Capture mode
    is switched off: nbgrader runs checks in visible mode.
    """
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.pop("COURSE_CHECK_CAPTURE_DIR", None)
    return env


def generate_release(course_dir: str | os.PathLike[str], assignment: str) -> Path:
    """Run ``nbgrader generate_assignment`` for ``assignment`` and verify the result.

    Args:
        course_dir: the nbgrader course root (holds ``nbgrader_config.py``, ``source/``).
        assignment: the assignment name, a folder of ``source/``.

    Returns:
        The release folder ``<course_dir>/release/<assignment>``.

    Raises:
        FileNotFoundError: the source folder or the config file does not exist.
        ReleaseError: nbgrader failed (its output is included) or verification failed.
    """
    course = Path(course_dir).resolve()
    source_dir = course / "source" / assignment
    config = course / "nbgrader_config.py"
    if not source_dir.is_dir():
        raise FileNotFoundError(f"assignment {assignment!r}: no source folder {source_dir}")
    if not config.is_file():
        raise FileNotFoundError(f"no nbgrader_config.py in course_dir {course}")
    with tempfile.TemporaryDirectory(prefix="nbgrader-release-") as tmp:
        work = Path(tmp)
        shutil.copy2(config, work / "nbgrader_config.py")
        shutil.copytree(source_dir, work / "source" / assignment)
        env = nbgrader_env()
        proc = subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force"],
            cwd=work, env=env, capture_output=True, text=True, timeout=600,
        )
        generated = work / "release" / assignment
        if proc.returncode != 0 or not generated.is_dir():
            raise ReleaseError(
                f"nbgrader generate_assignment {assignment} failed (exit {proc.returncode}):\n"
                f"{proc.stdout}\n{proc.stderr}"
            )
        target = course / "release" / assignment
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(generated, target)
    for source_nb in sorted(source_dir.glob("*.ipynb")):
        release_nb = target / source_nb.name
        if not release_nb.is_file():
            raise ReleaseError(f"nbgrader produced no {release_nb}")
        verify_release(source_nb, release_nb)
    return target
