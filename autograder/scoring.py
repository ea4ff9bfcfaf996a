"""Score a run on the trusted side: compare recorded outputs with the expected ones, per test.

A checked test cell (one whose instructor run records check calls) scores its points when, and
only when, the cell ran without error and every check call it made matches the instructor run's
call (same check, same parameters, every output accepted by
:func:`course_pkg.checks.compare_outputs`). A plain test cell (no check call: nbgrader's
``assert`` tests) is scored as nbgrader scores it (:mod:`autograder.plain`). A manually graded
cell scores nothing here: it is reported with the student's answer as "needs manual grading". Messages name the failing output with
its hint; they never quote a hidden test's source (the parameters of a call are shown, as the
visible tests do).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping

from autograder.assignment import HIDDEN_BLOCK, Assignment, ManualSpec, TestSpec, normalise
from autograder.execution import Execution
from autograder.expected import ExpectedCall
from autograder.matching import MatchResult
from autograder.notebook import Notebook
from autograder.plain import plain_grade
from autograder.policy import REFERENCE_MODULE, course_pkg_message
from autograder.untrusted import Record, Redactor, load_arrays


@dataclasses.dataclass(frozen=True)
class TestResult:
    """One test cell's outcome (Gradescope's ``tests[]`` entry)."""

    __test__ = False  # not a pytest test class

    name: str
    score: float
    max_score: float
    output: str
    hidden: bool
    part: str = ""
    manual: bool = False

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score and not self.manual


def _describe(check: str, params: dict) -> str:
    from course_pkg.checks import get_check

    try:
        where = get_check(check).describe(params)
    except KeyError:
        where = ""
    return f"{check} ({where})" if where else check


def _compare_call(execution: Execution, got: Record, want: ExpectedCall) -> list[str]:
    from course_pkg.checks import compare_outputs, error_message

    label = _describe(want.check, want.params)
    if got.check != want.check or got.params != want.params:
        return [f"{label}: the recorded call does not match the test (got {got.check})"]
    if got.error is not None:
        return [f"{label}: {error_message(want.check, got.error)}"]
    student = load_arrays(execution.capture_dir, got)
    return [f"{label}: {m}" for m in compare_outputs(want.check, student, want.arrays,
                                                                 want.params)]


def _stopped_message(execution: Execution, assignment: Assignment) -> str:
    status = execution.status
    killed = execution.sandbox.killed
    where = ""
    if status is not None and status.get("running") is not None:
        index = status["running"]
        cell = next((c for c in assignment.notebook.cells if c.index == index), None)
        where = f" while running cell {cell.grade_id or index!r}" if cell else ""
    if killed == "wall clock":
        return f"not run: grading stopped at the wall-clock limit{where}"
    if killed == "memory":
        return f"not run: grading stopped when the memory limit was exceeded{where}"
    if killed == "disk":
        return f"not run: grading stopped when the files written exceeded the limit{where}"
    if status is None or status.get("runner_error"):
        return "not run: the notebook could not be started in the sandbox"
    return f"not run: the notebook stopped early (exit code {execution.sandbox.returncode}){where}"


def _course_pkg_message(label: str, grade_id: str, users: Collection[str]) -> str:
    module = users[grade_id] if isinstance(users, Mapping) else REFERENCE_MODULE
    return course_pkg_message(label, module)


def score_tests(
    assignment: Assignment,
    match: MatchResult,
    reference_users: Collection[str],
    execution: Execution,
    expected: dict[str, list[ExpectedCall]],
) -> list[TestResult]:
    """Per-test results in notebook order.

    Args:
        assignment: the template (points, which answer each test belongs to).
        match: the student's answers (missing ones score 0 with a message).
        reference_users: grade_ids of answers that use ``course_pkg`` (a mapping gives the
            module each one uses; a plain set means ``course_pkg.reference``).
        execution: the student's sandboxed run.
        expected: the instructor run's calls per test grade_id.
    """
    status_cells = {c["index"]: c for c in (execution.status or {}).get("cells", [])}
    by_cell: dict[str, list[Record]] = {}
    for rec in sorted(execution.records, key=lambda r: r.seq):
        if rec.cell is not None:
            by_cell.setdefault(rec.cell, []).append(rec)
    results = []
    for spec in assignment.tests:
        if not expected[spec.grade_id]:
            results.append(_plain_result(assignment, spec, match, reference_users, execution,
                                         status_cells))
            continue
        messages = _test_messages(assignment, spec, match, reference_users, execution,
                                  status_cells, by_cell.get(spec.grade_id, []), expected[spec.grade_id])
        passed = not messages
        if passed:
            n = len(expected[spec.grade_id])
            messages = [f"passed ({n} check{'s' if n != 1 else ''})"]
        results.append(TestResult(spec.grade_id, spec.points if passed else 0.0, spec.points,
                                  "\n".join(messages), spec.hidden))
    return results


def _plain_result(
    assignment: Assignment,
    spec: TestSpec,
    match: MatchResult,
    reference_users: Collection[str],
    execution: Execution,
    status_cells: dict[int, dict],
) -> TestResult:
    """A plain test, scored from its own run only, as nbgrader does (its answer's state is a note)."""
    answer = assignment.answer(spec.answer_id) if spec.answer_id else None
    cell = status_cells.get(spec.index)
    if answer is not None and answer.grade_id in reference_users:
        score, message = 0.0, _course_pkg_message(answer.label, answer.grade_id, reference_users)
    elif cell is None:
        score, message = 0.0, _stopped_message(execution, assignment)
    else:
        score, message = plain_grade(cell, spec.points)
    if score < spec.points and answer is not None and match.answers[answer.grade_id].source is None:
        message += f"\n(the answer cell {answer.grade_id!r} was not found in the submission)"
    return TestResult(spec.grade_id, score, spec.points, withhold_hidden(message, assignment), spec.hidden)


def withhold_hidden(text: str, assignment: Assignment) -> str:
    """``text`` with every line that quotes a hidden-test line replaced by a placeholder.

    A plain test's message echoes what the run wrote (an exception's message, stderr), and code
    inside the sandbox can read the job it runs: a line of a hidden test never goes back out.
    """
    hidden = [line.strip() for t in assignment.tests for block in HIDDEN_BLOCK.findall(t.source)
              for line in block.splitlines()]
    return Redactor(hidden)(text) or ""


def manual_results(assignment: Assignment, submission: Notebook, match: MatchResult | None,
                   released: dict[str, str]) -> list[TestResult]:
    """The manually graded cells: the student's answer text, marked "needs manual grading".

    An answer left exactly as released scores 0 without a grader, as nbgrader's checksum rule
    does; a task, or an answer that cannot be told unchanged, waits for a grader (``manual``).

    Args:
        assignment: the template part.
        submission: the student's notebook (answers are found by grade_id; code answers also
            by the matching of :mod:`autograder.matching`).
        match: the matched code answers (None when the notebook was not matched).
        released: ``{grade_id: source}`` of the release's cells, when a release exists.
    """
    by_id = {c.grade_id: c for c in submission.cells if c.grade_id}
    out = []
    for spec in assignment.manual:
        text = _manual_answer(spec, by_id, match)
        points = f"{spec.points:g} point{'' if spec.points == 1 else 's'}"
        if spec.kind == "task":
            output = f"needs manual grading ({points}): a task, graded by hand"
        elif text is None:
            output = (f"needs manual grading ({points}): the answer cell was not found "
                      "in the submission (its nbgrader metadata may have been removed); grade the "
                      "notebook by hand")
        elif spec.grade_id in released and normalise(text) == normalise(released[spec.grade_id]):
            out.append(TestResult(spec.grade_id, 0.0, spec.points,
                                  "no answer: the cell is as released (0 points, as nbgrader gives)",
                                  False))
            continue
        else:
            output = f"needs manual grading ({points}). The answer:\n{text[:20000]}"
        out.append(TestResult(spec.grade_id, 0.0, spec.points, output, False, manual=True))
    return out


def _manual_answer(spec: ManualSpec, by_id: dict, match: MatchResult | None) -> str | None:
    if spec.kind == "code" and match is not None and spec.grade_id in match.answers:
        return match.answers[spec.grade_id].source
    cell = by_id.get(spec.grade_id)
    return cell.source if cell is not None else None


def _test_messages(
    assignment: Assignment,
    spec: TestSpec,
    match: MatchResult,
    reference_users: Collection[str],
    execution: Execution,
    status_cells: dict[int, dict],
    got: list[Record],
    want: list[ExpectedCall],
) -> list[str]:
    answer = assignment.answer(spec.answer_id) if spec.answer_id else None
    if answer is not None and answer.grade_id in reference_users:
        return [_course_pkg_message(answer.label, answer.grade_id, reference_users)]
    if answer is not None and match.answers[answer.grade_id].source is None:
        return [f"the answer cell {answer.grade_id!r} ({answer.label}) is missing from the submission"]
    messages: list[str] = []
    if answer is not None:
        a_status = status_cells.get(answer.index)
        if a_status is not None and a_status["status"] == "timeout":
            messages.append(f"the answer cell {answer.grade_id!r} ran longer than the per-cell time limit")
        elif a_status is not None and a_status["status"] == "error":
            messages.append(f"the answer cell {answer.grade_id!r} raised {a_status['ename']}: "
                            f"{a_status['evalue']}")
    cell = status_cells.get(spec.index)
    if cell is None:
        return messages + [_stopped_message(execution, assignment)]
    if cell["status"] == "timeout":
        return messages + ["the test ran longer than the per-cell time limit (an infinite loop?)"]
    failures: list[str] = []
    for i, call in enumerate(want):
        if i >= len(got):
            failures.append(f"{_describe(call.check, call.params)}: no result was recorded")
            continue
        failures.extend(_compare_call(execution, got[i], call))
    if len(got) > len(want):
        failures.append(f"the test recorded {len(got)} check calls, expected {len(want)}")
    if cell["status"] == "error":
        failures.insert(0, f"the test raised {cell['ename']}: {cell['evalue']}")
    if failures:
        return messages + failures
    return []
