"""Generate a student release from an instructor source with real nbgrader, every time.

``generate_release(course_dir, assignment)`` works for any nbgrader source folder
``<course_dir>/source/<assignment>/`` (one or several notebooks, data files beside them, with
or without this course's markers). It never reuses an earlier release: each call

1. reads every source notebook (:class:`BrokenSource` when one is not valid JSON or not a
   notebook) and lints it (:class:`SourceProblems`: markers, delimiters and nbgrader metadata
   disagree; see :mod:`autograder.lint`);
2. runs ``python -m nbgrader generate_assignment <assignment> --force`` in a temporary copy of
   the course (``nbgrader_config.py`` and ``autotests.yml`` when the course has them, else
   nbgrader's defaults;
   ``source/<assignment>/`` and the files directly in ``source/``, such as a header notebook; the
   gradebook is a scratch SQLite file there, so no ``gradebook.db`` lands in the course and an
   instructor's real gradebook is never touched). An exit status other than 0, or an ERROR line
   in nbgrader's log (nbgrader exits 0 after failing to load a config file), is
   :class:`NbgraderFailed`; nbgrader's whole output is kept in a log file the message names;
3. verifies the generated release (:class:`VerificationFailed`), then replaces
   ``<course_dir>/release/<assignment>/`` with it. A release that fails stays out of the course.

Verification, for every source:

- no cell of a released notebook contains ``BEGIN SOLUTION``/``END SOLUTION`` or
  ``BEGIN HIDDEN TESTS``/``END HIDDEN TESTS``, and no released code cell has outputs;
- every graded cell of the source (nbgrader ``solution``, ``grade`` or ``task``) is in the
  release, in the same order, with the same nbgrader ``grade_id``, ``solution``, ``grade``,
  ``task`` and ``points``.

and, only where a source uses this course's markers (``# graded-cell: <id>`` answer cells,
``# graded-test: <id>`` test cells):

- each marked cell keeps its marker comment on its first line and its ``locked`` flag;
- each answer cell holds the stub :data:`CODE_STUB` (set as nbgrader's
  ``ClearSolutions.code_stub`` in the course's ``nbgrader_config.py``), whose message says what
  to do.

Every error is a :class:`ReleaseError` with a one-line message and its own ``exit_status``
(the command line's exit status).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from autograder.lint import (BrokenNotebook, Problem, lint_notebook, read_source_notebook,
                             source_notebooks, uses_markers)

FORBIDDEN = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
ANSWER_MARKER = "# graded-cell:"
TEST_MARKER = "# graded-test:"
METADATA_KEYS = ("grade_id", "solution", "grade", "task", "points")
#: The line that replaces each solution in a release. Its message is what a student reads when a
#: check calls the unanswered function ("rnn_step_forward raised NotImplementedError: ...").
STUB_LINE = 'raise NotImplementedError("not answered yet: replace this line with your code")'
CODE_STUB = "# YOUR CODE HERE\n" + STUB_LINE
NBGRADER_TIMEOUT_S = 600


class ReleaseError(RuntimeError):
    """A release could not be generated; the message is one line, ``exit_status`` the CLI's."""

    exit_status = 9


class SourceMissing(ReleaseError):
    """No source folder, no notebook in it."""

    exit_status = 5


class BrokenSource(ReleaseError):
    """A source notebook is not valid JSON or not a notebook."""

    exit_status = 6


class SourceProblems(ReleaseError):
    """A source notebook's markers, delimiters and nbgrader metadata disagree (see ``lint``)."""

    exit_status = 7


class NbgraderFailed(ReleaseError):
    """``nbgrader generate_assignment`` failed or logged an error."""

    exit_status = 8


class VerificationFailed(ReleaseError):
    """The generated release does not pass verification."""

    exit_status = 9


def _is_graded(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("solution") or meta.get("grade") or meta.get("task"))


def _first_line(cell) -> str:
    return next((line.strip() for line in cell.source.splitlines() if line.strip()), "")


def release_problems(source_nb: Path, release_nb: Path) -> list[str]:
    """What is wrong with ``release_nb`` as the release of ``source_nb`` (``[]``: nothing)."""
    source = nbformat.read(source_nb, as_version=4)
    release = nbformat.read(release_nb, as_version=4)
    course = uses_markers(source)
    problems: list[str] = []
    for i, cell in enumerate(release.cells):
        for word in FORBIDDEN:
            if word in cell.source:
                problems.append(f"cell {i} still contains {word!r}")
        if cell.cell_type == "code" and cell.get("outputs"):
            problems.append(f"cell {i} has outputs")
    src_cells = [c for c in source.cells if _is_graded(c)]
    rel_cells = [c for c in release.cells if _is_graded(c)]
    src_ids = [c.metadata.nbgrader.get("grade_id") for c in src_cells]
    rel_ids = [c.metadata.nbgrader.get("grade_id") for c in rel_cells]
    if src_ids != rel_ids:
        problems.append(f"graded cells differ: source {src_ids}, release {rel_ids}")
    rel_by_id = dict(zip(rel_ids, rel_cells))
    for cell, grade_id in zip(src_cells, src_ids):
        meta = cell.metadata.nbgrader
        marker = _first_line(cell) if course and cell.cell_type == "code" else ""
        marked = marker.startswith((ANSWER_MARKER, TEST_MARKER))
        released = rel_by_id.get(grade_id)
        if released is None:
            continue
        rel_meta = released.metadata.get("nbgrader", {})
        for key in METADATA_KEYS + (("locked",) if marked else ()):
            if meta.get(key) != rel_meta.get(key):
                problems.append(f"release cell {grade_id!r}: metadata {key}={rel_meta.get(key)!r}, "
                                f"source has {meta.get(key)!r}")
        if marked:
            if _first_line(released) != marker:
                problems.append(f"release cell {grade_id!r} lost its marker "
                                f"(starts with {_first_line(released)!r})")
            if meta.get("solution") and STUB_LINE not in released.source:
                problems.append(f"answer cell {grade_id!r} has no stub")
    return problems


def verify_release(source_nb: Path, release_nb: Path) -> None:
    """Check ``release_nb`` against ``source_nb``.

    Raises:
        VerificationFailed: ``release <path> failed verification: <problem>; <problem>...``.
    """
    problems = release_problems(source_nb, release_nb)
    if problems:
        raise VerificationFailed(f"release {release_nb} failed verification: " + "; ".join(problems))


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


_EXCEPTION_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(?:Error|Exception|Exit)): (.+)$")


def nbgrader_failure(output: str) -> str:
    """The one line that says why nbgrader failed: its first ERROR message, with the exception
    that follows it (``Exception while loading config file ... (SyntaxError: '(' was never
    closed)``), else the last exception line, else the last line of output."""
    lines = output.splitlines()
    errors = [i for i, line in enumerate(lines) if "| ERROR]" in line]
    if errors:
        first = errors[0]
        message = lines[first].split("| ERROR]", 1)[1].strip()
        if message.endswith(":"):  # "There was an error processing assignment: <path>"
            message = message[:-1]
        cause = next((m for line in lines[first + 1:] if (m := _EXCEPTION_LINE.match(line))), None)
        return f"{message} ({cause[1]}: {cause[2]})" if cause else message
    causes = [m for line in lines if (m := _EXCEPTION_LINE.match(line))]
    if causes:
        return f"{causes[-1][1]}: {causes[-1][2]}"
    return next((line.strip() for line in reversed(lines) if line.strip()), "no output")


def check_source(course_dir: Path, assignment: str) -> list[Path]:
    """The source notebooks, each read and linted.

    Raises:
        SourceMissing, BrokenSource, SourceProblems: with one line saying what and where.
    """
    try:
        notebooks = source_notebooks(course_dir, assignment)
    except FileNotFoundError as exc:
        raise SourceMissing(str(exc)) from None
    found: list[tuple[Path, Problem]] = []
    for path in notebooks:
        try:
            nb = read_source_notebook(path)
        except BrokenNotebook as exc:
            raise BrokenSource(str(exc)) from None
        found += [(path, p) for p in lint_notebook(nb)]
    if found:
        path, first = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise SourceProblems(f"{first.line(path)}{more}; see: python -m autograder lint "
                             f"--assignment {assignment} --course-dir {course_dir}")
    return notebooks


def empty_gradebook() -> Path:
    """An empty nbgrader gradebook (SQLite), made once per nbgrader version and cached.

    nbgrader stamps a new gradebook with the schema version it asks the ``alembic`` executable
    for, a second Python process that takes seconds; a release copies this file instead.
    """
    from importlib.metadata import version

    from autograder.expected import default_cache_dir

    path = default_cache_dir() / f"empty-gradebook-nbgrader-{version('nbgrader')}.db"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        code = "import sys; from nbgrader.api import Gradebook; Gradebook(sys.argv[1]).close()"
        subprocess.run([sys.executable, "-c", code, f"sqlite:///{partial}"], env=nbgrader_env(),
                       check=True, capture_output=True, timeout=NBGRADER_TIMEOUT_S)
        os.replace(partial, path)
    return path


def _run_nbgrader(work: Path, assignment: str, course: Path) -> None:
    """``nbgrader generate_assignment`` in ``work``; raise :class:`NbgraderFailed` with one line."""
    shutil.copy2(empty_gradebook(), work / "gradebook.db")
    command = [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force",
               f"--CourseDirectory.root={work}",
               f"--CourseDirectory.db_url=sqlite:///{work / 'gradebook.db'}"]
    try:
        proc = subprocess.run(command, cwd=work, env=nbgrader_env(), capture_output=True,
                              text=True, timeout=NBGRADER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise NbgraderFailed(f"nbgrader generate_assignment {assignment} ran for more than "
                             f"{NBGRADER_TIMEOUT_S} s and was stopped") from None
    output = f"{proc.stdout}\n{proc.stderr}"
    if proc.returncode != 0 or "| ERROR]" in output:
        log = Path(tempfile.gettempdir()) / f"autograder-release-{assignment}.log"
        log.write_text(output, encoding="utf-8")
        reason = nbgrader_failure(output).replace(str(work), str(course))
        raise NbgraderFailed(f"nbgrader generate_assignment {assignment} failed "
                             f"(exit {proc.returncode}): {reason}; full log: {log}")


def generate_release(course_dir: str | os.PathLike[str], assignment: str) -> Path:
    """Regenerate ``release/<assignment>`` from ``source/<assignment>`` with nbgrader and verify it.

    Args:
        course_dir: the nbgrader course root (holds ``source/`` and, optionally,
            ``nbgrader_config.py``).
        assignment: the assignment name, a folder of ``source/``.

    Returns:
        The release folder ``<course_dir>/release/<assignment>``.

    Raises:
        ReleaseError: one of its subclasses, with a one-line message.
    """
    course = Path(course_dir).resolve()
    notebooks = check_source(course, assignment)
    source_dir = course / "source" / assignment
    with tempfile.TemporaryDirectory(prefix="nbgrader-release-") as tmp:
        work = Path(tmp)
        for name in ("nbgrader_config.py", "autotests.yml"):  # autotests.yml: AUTOTEST lines
            if (course / name).is_file():
                shutil.copy2(course / name, work / name)
        shutil.copytree(source_dir, work / "source" / assignment)
        for shared in (course / "source").iterdir():  # a header notebook the config names
            if shared.is_file():
                shutil.copy2(shared, work / "source" / shared.name)
        _run_nbgrader(work, assignment, course)
        generated = work / "release" / assignment
        for source_nb in notebooks:
            release_nb = generated / source_nb.name
            if not release_nb.is_file():
                raise VerificationFailed(f"nbgrader produced no {release_nb.name} for {source_nb}")
            problems = release_problems(source_nb, release_nb)
            if problems:
                raise VerificationFailed(f"the release nbgrader generated from {source_nb} failed "
                                         "verification (not installed): " + "; ".join(problems))
        target = course / "release" / assignment
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(generated, target)
    return target

