"""Grade many submissions: one trusted pipeline per submission, in a local process pool.

For each submission: parse and validate the file -> match its answer cells -> flag answers
that use ``course_pkg.reference`` -> rebuild the notebook from the instructor source -> run it
in the sandbox -> score on the trusted side -> write ``results.json`` and ``feedback.html``.
Every failure of one submission (a broken file, a hostile notebook, even a crashed worker
process) becomes that submission's error report; the others are graded as if it were absent.
Only a sandbox that cannot start stops everything: grading then refuses to run.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import os
import tempfile
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from autograder.assignment import Assignment, load_assignment
from autograder.errors import SandboxUnavailable, SubmissionError
from autograder.execution import execute
from autograder.expected import ExpectedCall, compute_expected
from autograder.matching import match_submission
from autograder.notebook import load_notebook
from autograder.policy import uses_reference
from autograder.rebuild import rebuild
from autograder.reports import SubmissionReport, write_submission, write_summary
from autograder.sandbox import Limits, SandboxConfig, check_sandbox
from autograder.scoring import TestResult, score_tests
from autograder.submissions import Submission, collect_submissions


@dataclasses.dataclass(frozen=True)
class Settings:
    """How to grade.

    Attributes:
        out_dir: where ``<name>/results.json``, ``<name>/feedback.html`` and ``summary.csv`` go.
        jobs: submissions graded at once (processes).
        limits: sandbox limits per submission.
        cell_timeout: seconds one cell may run before it is interrupted.
        sandbox: bubblewrap configuration.
        cache_dir: expected-values cache (None: the default under ~/.cache).
    """

    out_dir: Path = Path("grading_output")
    jobs: int = max(1, os.cpu_count() or 1)
    limits: Limits = Limits()
    cell_timeout: float = 120.0
    sandbox: SandboxConfig = SandboxConfig()
    cache_dir: Path | None = None


@dataclasses.dataclass(frozen=True)
class _Context:
    assignment: Assignment
    expected: dict[str, list[ExpectedCall]]
    released_tests: dict[str, str]
    settings: Settings


def _released_tests(assignment: Assignment) -> dict[str, str]:
    path = assignment.source_path.parent.parent.parent / "release" / assignment.name / f"{assignment.name}.ipynb"
    try:
        nb = load_notebook(path)
    except SubmissionError:
        return {}
    return {c.grade_id: c.source for c in nb.code_cells() if c.grade_id and c.is_test}


def _error_report(sub_name: str, assignment: Assignment, message: str, seconds: float) -> SubmissionReport:
    tests = tuple(TestResult(t.grade_id, 0.0, t.points, f"not graded: {message}", t.hidden)
                  for t in assignment.tests)
    return SubmissionReport(sub_name, "error", message, tests, (), assignment.max_score, seconds)


def grade_submission(sub: Submission, ctx: _Context) -> SubmissionReport:
    """Grade one submission and write its reports (never raises except SandboxUnavailable)."""
    start = time.monotonic()
    a, settings = ctx.assignment, ctx.settings
    try:
        if sub.error is not None or sub.path is None:
            raise SubmissionError(sub.error or "no file")
        notebook = load_notebook(sub.path)
        match = match_submission(a, notebook, ctx.released_tests)
        notes = match.notes(a)
        reference_users = {
            spec.grade_id for spec in a.answers
            if match.answers[spec.grade_id].source is not None
            and uses_reference(match.answers[spec.grade_id].source or "")
        }
        with tempfile.TemporaryDirectory(prefix="rnn-ag-run-") as tmp:
            execution = execute(rebuild(a, match), Path(tmp) / "run", settings.sandbox,
                                settings.limits, settings.cell_timeout)
            tests = score_tests(a, match, reference_users, execution, ctx.expected)
        killed = execution.sandbox.killed
        if killed == "wall clock":
            notes.append(f"the run was stopped at the wall-clock limit of {settings.limits.wall_seconds:g} s")
        elif killed == "memory":
            notes.append(f"the run was stopped: it used more than {settings.limits.memory_mb} MB of memory")
        elif killed == "disk":
            notes.append(f"the run was stopped: it wrote more than {settings.limits.max_dir_mb} MB of files")
        if execution.sandbox.pids_limit_hit:
            notes.append(f"the run reached the limit of {settings.limits.max_processes} processes")
        timeouts = [c["grade_id"] or str(c["index"]) for c in (execution.status or {}).get("cells", [])
                    if c["status"] == "timeout"]
        if timeouts:
            notes.append(f"cell(s) {', '.join(timeouts)} ran longer than {settings.cell_timeout:g} s "
                         "and were interrupted")
        notes.extend(f"capture data: {p}" for p in execution.problems[:5])
        passed = sum(t.passed for t in tests)
        score = sum(t.score for t in tests)
        message = (f"{score:g} / {a.max_score:g} points: {passed} of {len(tests)} tests passed")
        report = SubmissionReport(sub.name, "graded", message, tuple(tests), tuple(notes),
                                  a.max_score, time.monotonic() - start)
    except SandboxUnavailable:
        raise
    except SubmissionError as exc:
        report = _error_report(sub.name, a, f"could not grade this submission: {exc}",
                               time.monotonic() - start)
    except Exception as exc:  # noqa: BLE001 - one submission never stops the others
        report = _error_report(sub.name, a, f"internal error while grading: {type(exc).__name__}: {exc}",
                               time.monotonic() - start)
    write_submission(report, a.name, settings.out_dir)
    return report


def _run_pool(subs: list[Submission], ctx: _Context, jobs: int) -> dict[str, SubmissionReport | BaseException]:
    out: dict[str, SubmissionReport | BaseException] = {}
    with cf.ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(grade_submission, s, ctx): s for s in subs}
        for fut in cf.as_completed(futures):
            try:
                out[futures[fut].name] = fut.result()
            except BaseException as exc:  # noqa: BLE001 - sorted out by the caller
                out[futures[fut].name] = exc
    return out


def grade_all(
    assignment_name: str,
    paths: list[str | Path],
    settings: Settings,
    course_dir: str | Path | None = None,
) -> list[SubmissionReport]:
    """Grade every submission found in ``paths``; write all reports and ``summary.csv``.

    Raises:
        SandboxUnavailable: the sandbox cannot start (nothing is graded).
        AssignmentError: the instructor source is missing or does not pass its own tests.
    """
    check_sandbox(settings.sandbox)
    assignment = load_assignment(assignment_name, course_dir)
    out_dir = Path(settings.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    expected = compute_expected(assignment, settings.sandbox, settings.limits,
                                settings.cell_timeout, settings.cache_dir)
    ctx = _Context(assignment, expected, _released_tests(assignment), settings)
    with tempfile.TemporaryDirectory(prefix="rnn-ag-staging-") as staging:
        subs = collect_submissions(list(paths), staging)
        if settings.jobs <= 1 or len(subs) <= 1:
            reports = [grade_submission(s, ctx) for s in subs]
        else:
            results = _run_pool(subs, ctx, min(settings.jobs, len(subs)))
            reports = []
            for sub in subs:
                result = results[sub.name]
                if isinstance(result, BrokenProcessPool):  # retry alone: maybe another one broke it
                    result = _run_pool([sub], ctx, 1)[sub.name]
                if isinstance(result, SandboxUnavailable):
                    raise result
                if isinstance(result, BaseException):
                    report = _error_report(sub.name, assignment,
                                           f"the grading process failed: {type(result).__name__}: {result}", 0.0)
                    write_submission(report, assignment.name, out_dir)
                    result = report
                reports.append(result)
    write_summary(reports, out_dir)
    return reports
