"""Check an assignment's source notebooks: the course's markers against nbgrader's metadata.

The source notebook is the instructor's only source. Two things in it must agree:

- what the instructor types: the first line ``# graded-cell: <id>`` of an answer cell, the first
  line ``# graded-test: <id>`` of a test cell, an optional ``# points: <n>`` line in a test
  cell, and the ``BEGIN SOLUTION`` / ``END SOLUTION`` and ``BEGIN HIDDEN TESTS`` /
  ``END HIDDEN TESTS`` delimiters;
- what nbgrader reads: each cell's ``metadata.nbgrader`` (``grade_id``, ``solution``, ``grade``,
  ``locked``, ``points``, ``schema_version``).

:func:`lint_notebook` lists every disagreement as a :class:`Problem` (cell index, one line);
:func:`fix_notebook` fills the metadata from the markers (and, in a notebook that uses the
markers, the marker line from the metadata of a graded code cell that lacks it), leaving what
it cannot decide (points with no ``# points:`` line, a missing solution block) as problems.

The markers are this course's convention, not a requirement: a plain nbgrader notebook (no
marker in any cell) is checked against nbgrader's own rules only (its metadata schema, its
validator's rules, unique grade_ids, balanced delimiters inside the right kind of cell).

Example:
    >>> import nbformat
    >>> from nbformat.v4 import new_code_cell, new_notebook
    >>> nb = new_notebook(cells=[new_code_cell("# graded-cell: f\\ndef f():\\n"
    ...     "    ### BEGIN SOLUTION\\n    return 1\\n    ### END SOLUTION")])
    >>> [p.message for p in lint_notebook(nb)]
    ["answer cell 'f' has no nbgrader metadata"]
    >>> fix_notebook(nb)
    ["cell 0: set nbgrader metadata grade_id='f', solution=True, grade=False, locked=False, schema_version=3, task=False"]
    >>> lint_notebook(nb)
    []
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import nbformat

from autograder.assignment import ANSWER_MARKER, TEST_MARKER
from autograder.errors import SubmissionError
from autograder.notebook import parse_notebook

SCHEMA_VERSION = 3
POINTS_LINE = re.compile(r"^#\s*points:\s*(\S+)\s*$")
#: nbgrader's default delimiters (``ClearSolutions`` and ``ClearHiddenTests``): a line that
#: contains the text opens or closes a region.
DELIMITERS = {"solution": ("BEGIN SOLUTION", "END SOLUTION"),
              "hidden tests": ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")}
ANSWER_META = {"solution": True, "grade": False, "locked": False}
TEST_META = {"solution": False, "grade": True, "locked": True}


@dataclasses.dataclass(frozen=True)
class Problem:
    """One disagreement: ``cell`` is the 0-based cell index (as in the grader's messages), or
    ``None`` for the notebook as a whole."""

    cell: int | None
    message: str

    def line(self, path: Path | str) -> str:
        """``<path>: cell <n>: <message>``, the form the command line prints."""
        where = f"cell {self.cell}: " if self.cell is not None else ""
        return f"{path}: {where}{self.message}"


class BrokenNotebook(ValueError):
    """A source notebook is not valid JSON or not a notebook; the message says where."""


def read_source_notebook(path: Path) -> nbformat.NotebookNode:
    """Read an instructor notebook, with the grader's one-line message when it is broken.

    Raises:
        BrokenNotebook: ``<path>: the file is not valid JSON (line 3, column 5: ...)`` and the like.
    """
    data = path.read_bytes()
    try:
        parse_notebook(data)  # the grader's checks, with their precise messages
        return nbformat.reads(data.decode("utf-8-sig"), as_version=4)
    except SubmissionError as exc:
        raise BrokenNotebook(f"{path}: {str(exc).split('; download')[0]}") from None
    except Exception as exc:  # nbformat's own validation of a notebook that parsed as JSON
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BrokenNotebook(f"{path}: not a valid notebook: {first}") from None


def _marker(cell) -> tuple[str, str] | None:
    """``("answer" | "test", grade_id)`` from the cell's first non-blank line, or ``None``."""
    first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    for kind, pattern in (("answer", ANSWER_MARKER), ("test", TEST_MARKER)):
        match = pattern.match(first)
        if match:
            return kind, match.group(1)
    return None


def _misplaced_markers(cell) -> list[str]:
    lines = cell.source.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    out = []
    for i, line in enumerate(lines):
        if i != first and (ANSWER_MARKER.match(line.strip()) or TEST_MARKER.match(line.strip())):
            out.append(f"marker {line.strip()!r} is on line {i + 1}; it must be the first line")
    return out


def _points_line(cell) -> tuple[float | None, str | None]:
    """The value of a ``# points: <n>`` line (``None`` if absent), and an error for a bad one."""
    for line in cell.source.splitlines():
        match = POINTS_LINE.match(line.strip())
        if match:
            try:
                value = float(match.group(1))
            except ValueError:
                return None, f"'# points:' line gives {match.group(1)!r}, not a number"
            if value <= 0:
                return None, f"'# points:' line gives {match.group(1)}, points must be positive"
            return (int(value) if value.is_integer() else value), None
    return None, None


def _regions(cell) -> tuple[list[str], dict[str, bool]]:
    """Delimiter pairing problems, and which kinds of region the cell holds."""
    problems, found = [], {}
    for kind, (begin, end) in DELIMITERS.items():
        open_line = None
        for number, line in enumerate(cell.source.splitlines(), start=1):
            if begin in line:
                if open_line is not None:
                    problems.append(f"{begin} on line {number} is nested in the one on line {open_line}")
                open_line = number
                found[kind] = True
            elif end in line:
                if open_line is None:
                    problems.append(f"{end} on line {number} has no {begin} before it")
                open_line = None
        if open_line is not None:
            problems.append(f"{begin} on line {open_line} has no {end}")
    return problems, found


def _schema_problems(cell) -> list[str]:
    """nbgrader's own validator (schema v3 and its rules), as one-line messages."""
    from nbgrader.nbgraderformat import MetadataValidator
    from nbgrader.nbgraderformat.common import SchemaMismatchError
    import jsonschema

    try:
        MetadataValidator().validate_cell(cell)
    except SchemaMismatchError:
        found = cell.metadata["nbgrader"].get("schema_version")
        return [f"nbgrader metadata schema_version is {found!r}, expected {SCHEMA_VERSION}"]
    except jsonschema.ValidationError as exc:
        where = ".".join(str(p) for p in exc.path)
        return [f"nbgrader metadata{' ' + where if where else ''}: {exc.message}"]
    except Exception as exc:  # nbgrader's ValidationError (the same jsonschema class) or KeyError
        return [f"nbgrader metadata: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"]
    return []


def uses_markers(nb: nbformat.NotebookNode) -> bool:
    """Whether any cell starts with a course marker (then every graded code cell needs one)."""
    return any(_marker(cell) for cell in nb.cells)


def _expected(kind: str, grade_id: str) -> dict:
    return {"grade_id": grade_id, **(ANSWER_META if kind == "answer" else TEST_META)}


def lint_notebook(nb: nbformat.NotebookNode) -> list[Problem]:
    """Every disagreement between markers, delimiters and nbgrader metadata in ``nb``."""
    problems: list[Problem] = []
    course = uses_markers(nb)
    seen: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        say = [*_misplaced_markers(cell)]
        meta = cell.metadata.get("nbgrader")
        marker = _marker(cell)
        region_problems, regions = _regions(cell)
        say += region_problems
        if marker:
            kind, grade_id = marker
            label = f"{kind} cell {grade_id!r}"
            if cell.cell_type != "code":
                say.append(f"{label} is a {cell.cell_type} cell; markers belong in code cells")
            if not isinstance(meta, dict):
                say.append(f"{label} has no nbgrader metadata")
            else:
                for key, value in _expected(kind, grade_id).items():
                    if meta.get(key) != value:
                        say.append(f"{label}: nbgrader {key} is {meta.get(key)!r}, the marker says {value!r}")
            if kind == "answer" and not regions.get("solution"):
                say.append(f"{label} has no BEGIN SOLUTION / END SOLUTION block: the release would "
                           "replace the whole cell, marker included")
            if kind == "test":
                points, bad = _points_line(cell)
                if bad:
                    say.append(f"{label}: {bad}")
                have = meta.get("points") if isinstance(meta, dict) else None
                if points is not None and isinstance(meta, dict) and have != points:
                    say.append(f"{label}: nbgrader points is {have!r}, the '# points:' line says {points!r}")
                elif points is None and not bad and isinstance(meta, dict) and not (
                        isinstance(have, (int, float)) and have > 0):
                    say.append(f"{label} has no positive points: add a '# points: <n>' line")
        elif course and cell.cell_type == "code" and isinstance(meta, dict):
            grade_id = meta.get("grade_id") or "?"
            if meta.get("solution") is True and meta.get("grade") is not True:
                say.append(f"answer cell {grade_id!r} has no '# graded-cell: {grade_id}' first line")
            elif meta.get("grade") is True and meta.get("solution") is not True:
                say.append(f"test cell {grade_id!r} has no '# graded-test: {grade_id}' first line")
        if isinstance(meta, dict):
            say += _schema_problems(cell)
            if regions.get("solution") and meta.get("solution") is not True:
                say.append("a solution region in a cell whose nbgrader solution is not true "
                           "(nbgrader refuses to release it)")
            if regions.get("hidden tests") and meta.get("grade") is not True:
                say.append("a hidden-tests region in a cell whose nbgrader grade is not true "
                           "(nbgrader refuses to release it)")
            grade_id = meta.get("grade_id")
            if grade_id and any(meta.get(k) for k in ("grade", "solution", "locked", "task")):
                if grade_id in seen:
                    say.append(f"grade_id {grade_id!r} is also used by cell {seen[grade_id]}")
                else:
                    seen[grade_id] = index
        elif any(regions.values()) and not marker:
            kinds = " and ".join(k for k in DELIMITERS if regions.get(k))
            say.append(f"a {kinds} region in a cell without nbgrader metadata "
                       "(nbgrader refuses to release it)")
        problems += [Problem(index, message) for message in say]
    return problems


def fix_notebook(nb: nbformat.NotebookNode) -> list[str]:
    """Repair ``nb`` in place from its markers; return one line per change.

    - a cell with a marker gets the marker's nbgrader metadata (grade_id, solution, grade,
      locked, schema_version), and a test cell the points of its ``# points:`` line;
    - in a notebook that uses markers, a graded code cell without one gets the marker line of
      its metadata (an answer: ``solution`` and not ``grade``; a test: ``grade`` and not
      ``solution``);
    - nbgrader metadata with no ``schema_version`` gets the current one.
    """
    changes: list[str] = []
    course = uses_markers(nb)
    for index, cell in enumerate(nb.cells):
        marker = _marker(cell)
        meta = cell.metadata.get("nbgrader")
        if marker and cell.cell_type == "code":
            kind, grade_id = marker
            meta = cell.metadata.setdefault("nbgrader", {})
            want = {**_expected(kind, grade_id), "schema_version": SCHEMA_VERSION}
            if meta.get("task") is not False:  # what nbgrader's own assignment toolbar writes
                want["task"] = False
            if kind == "test":
                points, _ = _points_line(cell)
                if points is not None:
                    want["points"] = points
            changed = {k: v for k, v in want.items() if meta.get(k) != v}
            if changed:
                meta.update(changed)
                changes.append(f"cell {index}: set nbgrader metadata "
                               + ", ".join(f"{k}={v!r}" for k, v in changed.items()))
        elif course and not marker and cell.cell_type == "code" and isinstance(meta, dict):
            grade_id = meta.get("grade_id")
            kind = ("answer" if meta.get("solution") is True and meta.get("grade") is not True else
                    "test" if meta.get("grade") is True and meta.get("solution") is not True else None)
            if kind and grade_id:
                line = f"# graded-{'cell' if kind == 'answer' else 'test'}: {grade_id}"
                cell.source = f"{line}\n{cell.source}"
                changes.append(f"cell {index}: added the first line {line!r}")
        if isinstance(meta, dict) and "schema_version" not in meta:
            meta["schema_version"] = SCHEMA_VERSION
            changes.append(f"cell {index}: set nbgrader schema_version={SCHEMA_VERSION}")
    return changes


@dataclasses.dataclass(frozen=True)
class LintResult:
    """Per notebook: the changes ``--fix`` made and the problems left."""

    fixed: dict[Path, list[str]]
    problems: dict[Path, list[Problem]]
    broken: dict[Path, str]

    def lines(self) -> list[str]:
        """What the command line prints: fixes, then broken notebooks, then problems."""
        out = [f"fixed: {shown(path)}: {change}"
               for path, changes in self.fixed.items() for change in changes]
        out += list(self.broken.values())
        out += [p.line(shown(path)) for path, problems in self.problems.items() for p in problems]
        return out

    @property
    def clean(self) -> bool:
        return not self.broken and not any(self.problems.values())


def shown(path: Path) -> Path:
    """``path`` relative to the working directory when it lies below it, else as it is."""
    try:
        return Path(path).resolve().relative_to(Path.cwd())
    except ValueError:
        return Path(path)


def source_notebooks(course_dir: Path, assignment: str) -> list[Path]:
    """``source/<assignment>/*.ipynb``, sorted.

    Raises:
        FileNotFoundError: no such source folder, or no notebook in it (one-line message).
    """
    folder = Path(course_dir) / "source" / assignment
    if not folder.is_dir():
        raise FileNotFoundError(f"assignment {assignment!r}: no source folder {folder}")
    notebooks = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    if not notebooks:
        raise FileNotFoundError(f"assignment {assignment!r}: no .ipynb notebook in {folder}")
    return notebooks


def lint_assignment(course_dir: Path, assignment: str, fix: bool = False) -> LintResult:
    """Lint (and with ``fix`` repair, writing back only what changed) every source notebook."""
    fixed, problems, broken = {}, {}, {}
    for path in source_notebooks(course_dir, assignment):
        try:
            nb = read_source_notebook(path)
        except BrokenNotebook as exc:
            broken[path] = str(exc)
            continue
        if fix:
            changes = fix_notebook(nb)
            if changes:
                nbformat.write(nb, path)
                fixed[path] = changes
        problems[path] = lint_notebook(nb)
    return LintResult(fixed, problems, broken)
