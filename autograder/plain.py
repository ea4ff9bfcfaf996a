"""Score a plain nbgrader test cell (one that makes no check call) exactly as nbgrader 0.9.6 does.

nbgrader's ``determine_grade`` looks at a test cell's outputs in order: an error, or anything
written to stderr, scores 0; the first ``execute_result`` gives partial credit when its
``text/plain`` reads as a number between 0 and the cell's points (a negative number or a value
that is not a number gives full points, a number above the points is refused); otherwise the
cell scores full points. The runner reports the same three facts per cell (``status``,
``stderr``, ``result``), so :func:`plain_grade` reproduces that decision on the trusted side.

Example:
    >>> plain_grade({"status": "ok", "stderr": "", "result": "0.5"}, 2.0)
    (0.5, 'partial credit: the cell displayed 0.5 (of 2 points)')
    >>> plain_grade({"status": "error", "ename": "AssertionError", "evalue": "", "stderr": "",
    ...              "result": None}, 1.0)
    (0.0, 'the test raised AssertionError')
"""

from __future__ import annotations

def partial_credit(text: str, max_points: float) -> float | None:
    """nbgrader's ``get_partial_grade`` on a ``text/plain`` value.

    Returns:
        the partial grade; ``max_points`` when the text is not a number or is negative (or NaN);
        None when the number exceeds ``max_points`` (nbgrader raises there).
    """
    try:
        grade = float(text)
    except ValueError:
        return max_points
    if grade >= 0.0:
        return None if grade > max_points else grade
    return max_points  # negative or NaN: nbgrader warns and gives full points


def plain_grade(cell: dict, max_points: float) -> tuple[float, str]:
    """``(score, message)`` for a test cell from its validated runner status entry.

    Args:
        cell: the runner's entry for the cell (``status``, ``ename``, ``evalue``, ``stderr``,
            ``result``), as validated by :func:`autograder.untrusted.read_status`.
        max_points: the cell's points from the instructor source.
    """
    if cell["status"] == "timeout":
        return 0.0, "the test ran longer than the per-cell time limit (an infinite loop?)"
    if cell["status"] != "ok":
        evalue = cell.get("evalue") or ""
        return 0.0, f"the test raised {cell.get('ename') or 'an error'}" + (f": {evalue}" if evalue else "")
    if cell.get("stderr"):
        return 0.0, "the test wrote to stderr, which nbgrader scores 0:\n" + cell["stderr"][:2000]
    result = cell.get("result")
    if result is not None:
        grade = partial_credit(result, max_points)
        # only the number read is shown, never the displayed text (it is the student's to choose)
        if grade is None:
            return 0.0, (f"the test displayed {float(result):g}, more than its {max_points:g} points "
                         "(nbgrader refuses such a cell)")
        if grade < max_points:
            return grade, f"partial credit: the cell displayed {grade:g} (of {max_points:g} points)"
    return max_points, "passed"
