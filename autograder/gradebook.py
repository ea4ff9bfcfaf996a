"""Record grades in nbgrader's gradebook, through nbgrader's own SQLAlchemy API.

``python -m autograder grade ... --gradebook [URL]`` writes, after grading, into the database at
``URL`` (any SQLAlchemy URL nbgrader accepts: ``sqlite:///path/gradebook.db``,
``postgresql://user@host:port/db``; without a URL, ``sqlite:///<out>/gradebook.db``):

- the assignment, its notebooks (one per source notebook, named after its file), one solution
  cell per answer cell, one code grade cell per test cell with the test's points as
  ``max_score``, and the manually graded cells (grade cells, or task cells) with their points;
- one student per submission (the submission's name is the student id);
- one submission per student, created by :meth:`nbgrader.api.Gradebook.add_submission` (so it
  mirrors the assignment as nbgrader's own ``autograde`` does), with every grade's
  ``auto_score`` set to the test's score and ``needs_manual_grade`` False (manually graded
  cells stay as nbgrader leaves them: needing manual grading); a submission that could not be
  graded scores 0 and carries its message as the solution cells' ``auto_comment``.

Recording again (a regrade) updates the same rows; manual scores and comments an instructor
entered in formgrader are left alone. nbgrader, formgrader and ``nbgrader export`` then read it
as their own.

Example:
    >>> record_grades("sqlite:///grades.db", assignment, reports)   # doctest: +SKIP
    >>> Gradebook("sqlite:///grades.db").find_submission("rnn_from_scratch", "alice").score  # doctest: +SKIP
    30.0
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from pathlib import Path

from autograder.assignment import Assignment
from autograder.reports import SubmissionReport


class GradebookError(RuntimeError):
    """The gradebook database cannot be opened or written."""


def default_url(out_dir: Path) -> str:
    """``sqlite:///<out_dir>/gradebook.db`` (absolute)."""
    return f"sqlite:///{(Path(out_dir) / 'gradebook.db').resolve()}"


def notebook_name(part: Assignment) -> str:
    """The gradebook's name for a notebook of the assignment: the source file's name without .ipynb."""
    return part.source_path.stem


def _open(url: str, course_id: str):  # noqa: ANN202 - nbgrader.api.Gradebook, imported lazily
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    # nbgrader runs the `alembic` executable from PATH when it creates a gradebook: the running
    # interpreter's folder (a virtual environment's bin) is where it is installed.
    if shutil.which("alembic") is None:
        os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    try:
        return Gradebook(url, course_id=course_id)
    except ArgumentError:
        raise GradebookError(f"--gradebook {url!r} is not a database URL (e.g. sqlite:///gradebook.db)") from None
    except (SQLAlchemyError, ImportError) as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise GradebookError(f"cannot open the gradebook {url}: {detail}") from None


def check_gradebook(url: str, course_id: str = "default_course") -> None:
    """Open (creating its tables if new) and close the gradebook: called before grading, so that
    a wrong URL or an unreachable server is reported before any time is spent.

    Raises:
        GradebookError: it cannot be opened.
    """
    _open(url, course_id).close()


def _cells(gb, part: Assignment, a: str) -> None:  # noqa: ANN001 - nbgrader.api.Gradebook
    nb = notebook_name(part)
    gb.update_or_create_notebook(nb, a)
    for answer in part.answers:
        gb.update_or_create_solution_cell(answer.grade_id, nb, a)
    for test in part.tests:
        gb.update_or_create_grade_cell(test.grade_id, nb, a, max_score=test.points, cell_type="code")
    for manual in getattr(part, "manual", ()):
        if manual.kind == "task":
            gb.update_or_create_task_cell(manual.grade_id, nb, a, max_score=manual.points, cell_type="markdown")
        else:
            gb.update_or_create_solution_cell(manual.grade_id, nb, a)
            gb.update_or_create_grade_cell(manual.grade_id, nb, a, max_score=manual.points,
                                           cell_type="markdown" if manual.kind == "markdown" else "code")


def _rows(gb, parts: tuple[Assignment, ...], a: str, student: str):  # noqa: ANN001, ANN202
    """(test name in the report, Grade) for every test, and every solution cell's Comment."""
    multi = len(parts) > 1
    grades, comments = [], []
    for part in parts:
        nb = notebook_name(part)
        prefix = f"{part.part}: " if multi else ""
        grades += [(prefix + t.grade_id, gb.find_grade(t.grade_id, nb, a, student)) for t in part.tests]
        comments += [gb.find_comment(s.grade_id, nb, a, student) for s in part.answers]
    return grades, comments


def _record(gb, parts: tuple[Assignment, ...], a: str, reports: list[SubmissionReport]) -> None:  # noqa: ANN001
    from nbgrader.api import MissingEntry

    gb.update_or_create_assignment(a)
    for part in parts:
        _cells(gb, part, a)
    for report in reports:
        gb.update_or_create_student(report.name)
        gb.update_or_create_submission(a, report.name)
        try:
            grades, comments = _rows(gb, parts, a, report.name)
        except MissingEntry:  # recorded before the assignment gained a cell: mirror it anew
            gb.remove_submission(a, report.name)
            gb.add_submission(a, report.name)
            grades, comments = _rows(gb, parts, a, report.name)
        scores = {t.name: t.score for t in report.tests}
        for name, grade in grades:
            grade.auto_score = float(scores.get(name, 0.0))
            grade.needs_manual_grade = False
        for comment in comments:
            comment.auto_comment = report.message if report.status != "graded" else None
        gb.db.commit()


def record_grades(url: str, parts: tuple[Assignment, ...], reports: list[SubmissionReport],
                  course_id: str = "default_course") -> int:
    """Write the assignment (its notebooks ``parts``) and every report's scores into the gradebook.

    Returns:
        The number of submissions recorded.

    Raises:
        GradebookError: the database cannot be opened or written.
    """
    from nbgrader.api import InvalidEntry
    from sqlalchemy.exc import SAWarning, SQLAlchemyError

    a = parts[0].name
    gb = _open(url, course_id)
    try:
        with warnings.catch_warnings():
            # nbgrader's add_submission builds its rows in a way SQLAlchemy 2 warns about
            # (SAWarning, "not in session"); the rows are written all the same.
            warnings.simplefilter("ignore", SAWarning)
            _record(gb, parts, a, reports)
    except (SQLAlchemyError, InvalidEntry) as exc:
        gb.db.rollback()
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise GradebookError(f"cannot write the gradebook {url}: {detail}") from None
    finally:
        gb.close()
    return len(reports)
