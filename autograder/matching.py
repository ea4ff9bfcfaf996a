"""Find the student's answer and test cells, with or without nbgrader metadata.

Colab and VS Code may drop cell metadata, and students may delete it; grade_ids are therefore
only the first of three ways to find an answer:

1. a code cell whose nbgrader metadata has the answer's ``grade_id`` (``solution: true``);
2. a code cell whose first line is the marker ``# graded-cell: <grade_id>``;
3. a code cell that defines the graded function (top-level ``def`` found with ``ast``).

When several cells qualify the last one wins (students often copy a cell to try a variant;
the later one is the one they ran last). Test cells are located the same way (metadata, then
``# graded-test:`` marker, then a metadata-less cell with the released text) only to report that
one was edited or deleted: the tests that run always come from the instructor source.
"""

from __future__ import annotations

import dataclasses

from autograder.assignment import (
    ANSWER_MARKER,
    TEST_MARKER,
    Assignment,
    defined_functions,
    find_marker,
    normalise,
    strip_hidden,
)
from autograder.notebook import Cell, Notebook


@dataclasses.dataclass(frozen=True)
class AnswerMatch:
    """The student's source for one answer (None when missing) and how it was found."""

    grade_id: str
    source: str | None
    how: str | None  # "metadata", "marker", "function" or None


@dataclasses.dataclass(frozen=True)
class TestCellState:
    """Whether a test cell is present as released (``"intact"``), ``"edited"`` or ``"deleted"``."""

    grade_id: str
    state: str


@dataclasses.dataclass(frozen=True)
class MatchResult:
    answers: dict[str, AnswerMatch]
    tests: dict[str, TestCellState]

    def notes(self, assignment: Assignment) -> list[str]:
        """Human-readable remarks for the feedback, in notebook order."""
        out: list[str] = []
        for spec in assignment.answers:
            m = self.answers[spec.grade_id]
            if m.source is None:
                out.append(f"answer cell {spec.grade_id!r} ({spec.label}) was not found in the "
                           "submission: its tests score 0")
            elif m.how == "marker":
                out.append(f"answer cell {spec.grade_id!r} had no nbgrader metadata; it was found "
                           "by its '# graded-cell' first line")
            elif m.how == "function":
                out.append(f"answer cell {spec.grade_id!r} had neither metadata nor marker; it was "
                           f"found as the cell that defines {spec.label}")
        for spec in assignment.tests:
            state = self.tests[spec.grade_id].state
            if state == "edited":
                out.append(f"test cell {spec.grade_id!r} was edited; the original test was run instead")
            elif state == "deleted":
                out.append(f"test cell {spec.grade_id!r} was deleted; the original test was run instead")
        return out


def _last(cells: list[Cell]) -> Cell | None:
    return cells[-1] if cells else None


def match_submission(
    assignment: Assignment, submission: Notebook, released_tests: dict[str, str] | None = None
) -> MatchResult:
    """Locate every answer and test cell of ``assignment`` in ``submission``.

    Args:
        assignment: the instructor template.
        submission: the parsed student notebook.
        released_tests: ``{grade_id: source}`` of the release's test cells, when the release is
            available; a test cell is intact when it equals either this or the source with
            hidden tests stripped.
    """
    code = submission.code_cells()
    answer_ids = {a.grade_id for a in assignment.answers}
    test_ids = {t.grade_id for t in assignment.tests}
    claimed: set[int] = set()
    answers: dict[str, AnswerMatch] = {}

    def is_test_cell(cell: Cell) -> bool:
        return (cell.grade_id in test_ids and not cell.is_solution) or \
            find_marker(cell, TEST_MARKER) is not None

    for spec in assignment.answers:  # pass 1 and 2: metadata, then the marker comment
        cell = _last([c for c in code if c.grade_id == spec.grade_id and c.is_solution])
        how = "metadata"
        if cell is None:
            cell = _last([c for c in code if find_marker(c, ANSWER_MARKER) == spec.grade_id])
            how = "marker"
        if cell is not None:
            claimed.add(cell.index)
            answers[spec.grade_id] = AnswerMatch(spec.grade_id, cell.source, how)
    for spec in assignment.answers:  # pass 3: the cell that defines the graded function
        if spec.grade_id in answers:
            continue
        candidates = [
            c for c in code
            if c.index not in claimed and not is_test_cell(c)
            and (c.grade_id is None or c.grade_id not in answer_ids)
            and find_marker(c, ANSWER_MARKER) is None
            and spec.functions and spec.functions[0] in defined_functions(c.source)
        ]
        cell = _last(candidates)
        if cell is not None:
            claimed.add(cell.index)
            answers[spec.grade_id] = AnswerMatch(spec.grade_id, cell.source, "function")
        else:
            answers[spec.grade_id] = AnswerMatch(spec.grade_id, None, None)

    tests: dict[str, TestCellState] = {}
    for spec in assignment.tests:
        cell = _last([c for c in code if c.grade_id == spec.grade_id and not c.is_solution])
        if cell is None:
            cell = _last([c for c in code if find_marker(c, TEST_MARKER) == spec.grade_id])
        allowed = {normalise(strip_hidden(spec.source)), normalise(spec.source)}
        if released_tests and spec.grade_id in released_tests:
            allowed.add(normalise(released_tests[spec.grade_id]))
        if cell is None:  # no metadata, no marker (nbgrader's own tests have none): by its text
            cell = _last([c for c in code if c.grade_id is None and normalise(c.source) in allowed])
        if cell is None:
            tests[spec.grade_id] = TestCellState(spec.grade_id, "deleted")
            continue
        state = "intact" if normalise(cell.source) in allowed else "edited"
        tests[spec.grade_id] = TestCellState(spec.grade_id, state)
    return MatchResult(answers, tests)
