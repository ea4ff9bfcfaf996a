"""The instructor's template: which cells are answers, which are tests, and what each is worth.

Everything the autograder trusts comes from the instructor source notebook
(``<course_dir>/source/<name>/<name>.ipynb``), never from a submission. Conventions:

- answer cell: nbgrader ``solution: true`` and a ``grade_id``; first line ``# graded-cell: <id>``.
- test cell: nbgrader ``grade: true``, ``points`` and a ``grade_id``; first line
  ``# graded-test: <id>``. Hidden tests sit between ``### BEGIN HIDDEN TESTS`` and
  ``### END HIDDEN TESTS`` and are removed from the release.
- a test cell belongs to the nearest answer cell above it (that answer's reference check).
- manually graded cell: nbgrader ``solution: true, grade: true`` (code or markdown) or a
  ``task: true`` cell with ``points``; its points count in the maximum, and its answer goes to
  the feedback marked "needs manual grading" (a code one also runs, as an answer cell).

An assignment may hold several notebooks (``source/<name>/*.ipynb``); each is one
:class:`Assignment` part (see :mod:`autograder.parts`).
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import re
from pathlib import Path

from autograder.errors import AssignmentError, SubmissionError
from autograder.notebook import Cell, Notebook

ANSWER_MARKER = re.compile(r"^#\s*graded-cell:\s*([A-Za-z0-9_.-]+)\s*$")
TEST_MARKER = re.compile(r"^#\s*graded-test:\s*([A-Za-z0-9_.-]+)\s*$")
HIDDEN_BLOCK = re.compile(
    r"^[ \t]*###\s*BEGIN HIDDEN TESTS.*?^[ \t]*###\s*END HIDDEN TESTS[^\n]*\n?", re.S | re.M
)
SOLUTION_BLOCK = re.compile(
    r"^([ \t]*)###\s*BEGIN SOLUTION.*?^[ \t]*###\s*END SOLUTION[^\n]*", re.S | re.M
)


def defined_functions(source: str) -> list[str]:
    """Names of the top-level functions and classes ``source`` defines (``[]`` if it does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    return [
        node.name for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]


def strip_hidden(source: str) -> str:
    """The test cell as released: the hidden-test block removed."""
    return HIDDEN_BLOCK.sub("", source)


def normalise(source: str) -> str:
    """Source text compared modulo trailing spaces and blank lines at either end."""
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


@dataclasses.dataclass(frozen=True)
class AnswerSpec:
    """An answer cell of the template: its ``grade_id``, solution ``source``, defined ``functions``."""

    grade_id: str
    index: int
    source: str
    functions: tuple[str, ...]

    @property
    def label(self) -> str:
        """The graded function's name when there is one, else the grade_id."""
        return self.functions[0] if self.functions else self.grade_id


@dataclasses.dataclass(frozen=True)
class TestSpec:
    """A test cell of the template, with its ``points`` and the answer it belongs to."""

    grade_id: str
    index: int
    source: str
    points: float
    hidden: bool
    answer_id: str | None

    @property
    def released_source(self) -> str:
        return strip_hidden(self.source)


@dataclasses.dataclass(frozen=True)
class ManualSpec:
    """A manually graded cell: ``kind`` is ``"code"``, ``"markdown"`` (an answer) or ``"task"``."""

    grade_id: str
    index: int
    kind: str
    points: float


@dataclasses.dataclass(frozen=True)
class Assignment:
    """An assignment's instructor template.

    Attributes:
        name: the assignment name (``"rnn_from_scratch"``).
        source_path: the instructor source notebook.
        notebook: its parsed cells.
        answers: answer cells in notebook order.
        tests: test cells in notebook order.
        sha256: digest of the source file (keys the expected-values cache).
        manual: manually graded cells in notebook order.
        part: the notebook's name without ``.ipynb`` (the assignment name for a one-notebook one).
        data_files: ``(name, host path)`` of the files and folders beside the notebook, made
            available read-only in the run's working directory.
    """

    name: str
    source_path: Path
    notebook: Notebook
    answers: tuple[AnswerSpec, ...]
    tests: tuple[TestSpec, ...]
    sha256: str
    manual: tuple[ManualSpec, ...] = ()
    part: str = ""
    data_files: tuple[tuple[str, Path], ...] = ()

    @property
    def max_score(self) -> float:
        """Every point of the notebook: tests and manually graded cells."""
        return float(sum(t.points for t in self.tests) + sum(m.points for m in self.manual))

    def answer(self, grade_id: str) -> AnswerSpec:
        for a in self.answers:
            if a.grade_id == grade_id:
                return a
        raise KeyError(grade_id)


def parse_template(name: str, source_path: Path, data: bytes) -> Assignment:
    """Build the :class:`Assignment` from the bytes of the instructor source."""
    try:
        from autograder.notebook import parse_notebook

        nb = parse_notebook(data)
    except SubmissionError as exc:
        raise AssignmentError(f"instructor source {source_path}: {exc}") from None
    answers: list[AnswerSpec] = []
    tests: list[TestSpec] = []
    manual: list[ManualSpec] = []
    seen: set[str] = set()
    for cell in nb.cells:
        gid = cell.grade_id
        is_task = cell.nbgrader.get("task") is True
        graded_answer = cell.is_solution and cell.nbgrader.get("grade") is True
        if gid is None or not (cell.is_solution or cell.is_test or is_task):
            continue
        if gid in seen:
            raise AssignmentError(f"instructor source {source_path}: grade_id {gid!r} is used twice")
        seen.add(gid)
        if graded_answer or is_task:
            manual.append(ManualSpec(gid, cell.index, "task" if is_task else cell.cell_type,
                                     _points(cell, gid)))
        if cell.cell_type != "code" or is_task:
            continue
        if cell.is_solution:
            answers.append(AnswerSpec(gid, cell.index, cell.source, tuple(defined_functions(cell.source))))
        else:
            tests.append(TestSpec(
                gid, cell.index, cell.source, _points(cell, gid),
                hidden=HIDDEN_BLOCK.search(cell.source) is not None,
                answer_id=answers[-1].grade_id if answers else None,
            ))
    if not tests and not manual:
        raise AssignmentError(
            f"instructor source {source_path} has no graded cell (no test cell with points, no "
            "manually graded answer or task): there is nothing to grade"
        )
    return Assignment(name, source_path, nb, tuple(answers), tuple(tests),
                      hashlib.sha256(data).hexdigest(), tuple(manual), source_path.stem)


def _points(cell: Cell, gid: str) -> float:
    points = cell.nbgrader.get("points", 0)
    if isinstance(points, str):
        try:
            points = float(points)
        except ValueError:
            pass
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not points >= 0:
        raise AssignmentError(f"graded cell {gid!r}: points must be a non-negative number, got {points!r}")
    return float(points)


def default_course_dir() -> Path:
    """``./assignments`` when it exists, else the repository's ``assignments/`` folder."""
    here = Path.cwd() / "assignments"
    if (here / "source").is_dir():
        return here
    return Path(__file__).resolve().parent.parent / "assignments"


def load_assignment(name: str, course_dir: str | Path | None = None) -> Assignment:
    """Load ``<course_dir>/source/<name>/<name>.ipynb``.

    Raises:
        AssignmentError: the name is unsafe, the file is missing or it is not a valid template.
    """
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or name.startswith("."):
        raise AssignmentError(f"assignment name {name!r} must be letters, digits, '_', '-' or '.'")
    course = Path(course_dir) if course_dir is not None else default_course_dir()
    path = course / "source" / name / f"{name}.ipynb"
    if not path.is_file():
        raise AssignmentError(f"no instructor source for assignment {name!r}: {path} does not exist")
    return parse_template(name, path, path.read_bytes())


def find_marker(cell: Cell, pattern: re.Pattern[str]) -> str | None:
    """The grade_id named by ``cell``'s first non-blank line, when it is a marker comment."""
    m = pattern.match(cell.first_line)
    return m.group(1) if m else None
