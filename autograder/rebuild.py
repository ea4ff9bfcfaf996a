"""Rebuild the notebook that is actually run: the instructor source with the student's answers.

Every cell comes from the instructor source except the answer cells, which come from the
submission (see :mod:`autograder.matching`). Test cells, hidden tests included, are the
instructor's whatever the submission did to them; cells the student added are not run. A
missing answer becomes a cell that raises ``NotImplementedError`` with a message naming it.
Lines that would install packages (``%pip``/``!pip``) are replaced by ``pass`` since the
sandbox has no network.
"""

from __future__ import annotations

import dataclasses
import re

from autograder.assignment import Assignment
from autograder.matching import MatchResult

_INSTALL_LINE = re.compile(r"^([ \t]*)[%!]\s*(pip|conda|mamba|apt|apt-get)\b.*$", re.M)


@dataclasses.dataclass(frozen=True)
class RunCell:
    """A cell to run: its ``index`` in the source, ``kind`` (setup/answer/test), grade_id, source."""

    index: int
    kind: str
    grade_id: str | None
    source: str

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


def neutralise_installs(source: str) -> str:
    """Replace package-installing magics with ``pass`` (indentation kept)."""
    return _INSTALL_LINE.sub(lambda m: f"{m.group(1)}pass  # skipped while grading", source)


def rebuild(assignment: Assignment, match: MatchResult | None) -> list[RunCell]:
    """The cells to run, in source order.

    Args:
        assignment: the instructor template.
        match: the student's answers; ``None`` runs the instructor's own solutions (used to
            compute the expected values).
    """
    answer_ids = {a.grade_id for a in assignment.answers}
    test_ids = {t.grade_id for t in assignment.tests}
    cells: list[RunCell] = []
    for cell in assignment.notebook.code_cells():
        gid = cell.grade_id
        if gid in answer_ids and cell.is_solution:
            if match is None:
                source = cell.source
            else:
                found = match.answers[gid]
                source = found.source if found.source is not None else (
                    f"raise NotImplementedError({('answer cell ' + repr(gid) + ' is missing from the submission')!r})"
                )
            cells.append(RunCell(cell.index, "answer", gid, source))
        elif gid in test_ids and cell.is_test:
            cells.append(RunCell(cell.index, "test", gid, cell.source))
        else:
            cells.append(RunCell(cell.index, "setup", gid, neutralise_installs(cell.source)))
    return cells
