"""Grade many submissions: one trusted pipeline per submission, in a local process pool.

For each submission: parse and validate the file -> match its answer cells -> flag answers
that use ``course_pkg`` -> rebuild the notebook from the instructor source -> run it
in the sandbox -> score on the trusted side -> write ``results.json`` and ``feedback.html``.
An assignment of several notebooks grades each notebook of a submission as its own part (its
own sandboxed run, tests named ``<part>: <grade_id>``); a missing or broken notebook scores 0
for its part only. Every failure of one submission (a broken file, a hostile notebook, even a
crashed worker process) becomes that submission's error report; the others are graded as if
it were absent.
Only a sandbox that cannot start stops everything: grading then refuses to run.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Protocol

from autograder.assignment import Assignment
from autograder.class_summary import write_class_summary
from autograder.errors import SandboxUnavailable, SubmissionError
from autograder.execution import execute
from autograder.expected import ExpectedCall, compute_expected
from autograder.matching import match_submission
from autograder.notebook import load_notebook
from autograder.parts import collect_parts, load_parts
from autograder.policy import course_pkg_use
from autograder.prefork import close_all, notebook_imports
from autograder.rebuild import rebuild
from autograder.reports import SubmissionReport, write_submission, write_summary
from autograder.sandbox import Limits, SandboxConfig, check_sandbox
from autograder.scoring import TestResult, manual_results, score_tests
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
        prefork: run each submission in a child forked from a pre-warmed sandbox that already
            imported what the assignment's notebooks import (:mod:`autograder.prefork`);
            False: a sandbox and an interpreter of its own per submission.
    """

    out_dir: Path = Path("grading_output")
    jobs: int = max(1, os.cpu_count() or 1)
    limits: Limits = Limits()
    cell_timeout: float = 120.0
    sandbox: SandboxConfig = SandboxConfig()
    cache_dir: Path | None = None
    prefork: bool = True


@dataclasses.dataclass(frozen=True)
class _Part:
    """One notebook of the assignment with what grading it needs."""

    assignment: Assignment
    expected: dict[str, list[ExpectedCall]]
    released_tests: dict[str, str]
    released_cells: dict[str, str]


@dataclasses.dataclass(frozen=True)
class _Context:
    parts: tuple[_Part, ...]
    settings: Settings

    @property
    def assignment(self) -> Assignment:
        """The first (for a one-notebook assignment: the only) part."""
        return self.parts[0].assignment

    @property
    def max_score(self) -> float:
        return float(sum(p.assignment.max_score for p in self.parts))


def _preload(assignment: Assignment, settings: Settings) -> tuple[str, ...] | None:
    """What the pre-warmed sandbox imports before it forks a run of ``assignment``: the modules
    the instructor source imports, or ``None`` (a cold sandbox per run) without prefork."""
    if not settings.prefork:
        return None
    return notebook_imports([c.source for c in assignment.notebook.code_cells()])


def _released(assignment: Assignment) -> tuple[dict[str, str], dict[str, str]]:
    """The release's test cells and all its graded cells by grade_id (empty without a release)."""
    folder = assignment.source_path.parent.parent.parent / "release" / assignment.name
    try:
        nb = load_notebook(folder / assignment.source_path.name)
    except SubmissionError:
        return {}, {}
    tests = {c.grade_id: c.source for c in nb.code_cells() if c.grade_id and c.is_test}
    return tests, {c.grade_id: c.source for c in nb.cells if c.grade_id}


def _not_graded(parts: tuple[Assignment, ...], message: str, multi: bool) -> list[TestResult]:
    out = []
    for a in parts:
        prefix = f"{a.part}: " if multi else ""
        out += [TestResult(prefix + t.grade_id, 0.0, t.points, f"not graded: {message}", t.hidden,
                           a.part if multi else "") for t in a.tests]
        out += [TestResult(prefix + m.grade_id, 0.0, m.points, f"not graded: {message}", False,
                           a.part if multi else "") for m in a.manual]
    return out


def _error_report(sub_name: str, parts: tuple[Assignment, ...], message: str,
                  seconds: float) -> SubmissionReport:
    tests = tuple(_not_graded(parts, message, len(parts) > 1))
    return SubmissionReport(sub_name, "error", message, tests, (),
                            float(sum(a.max_score for a in parts)), seconds)


def _grade_notebook(sub: Submission, part: _Part, settings: Settings) -> tuple[list[TestResult], list[str]]:
    """Grade one notebook against one part: its tests and manual cells, and notes.

    Raises:
        SubmissionError: the notebook cannot be read.
    """
    a = part.assignment
    if sub.error is not None or sub.path is None:
        raise SubmissionError(sub.error or "no file")
    notebook = load_notebook(sub.path)
    match = match_submission(a, notebook, part.released_tests)
    notes = match.notes(a)
    reference_users = {  # answers that use course_pkg: grade_id -> the module used
        spec.grade_id: module for spec in a.answers
        if match.answers[spec.grade_id].source is not None
        and (module := course_pkg_use(match.answers[spec.grade_id].source or "")) is not None
    }
    with tempfile.TemporaryDirectory(prefix="rnn-ag-run-") as tmp:
        execution = execute(rebuild(a, match), Path(tmp) / "run", settings.sandbox,
                            settings.limits, settings.cell_timeout, a.data_files,
                            _preload(a, settings))
        tests = score_tests(a, match, reference_users, execution, part.expected)
    tests += manual_results(a, notebook, match, part.released_cells)
    killed = execution.sandbox.killed
    if killed == "wall clock":
        notes.append(f"the run was stopped at the wall-clock limit of {settings.limits.wall_seconds:g} s")
    elif killed == "memory":
        notes.append(f"the run was stopped: it used more than {settings.limits.memory_mb} MB of memory")
    elif killed == "disk":
        notes.append(f"the run was stopped: it reached the disk limit of {settings.limits.max_dir_mb} MB "
                     "(files written, deleted ones still open included)")
    elif execution.sandbox.disk_limit_hit:
        notes.append(f"the run reached the disk limit of {settings.limits.max_dir_mb} MB: "
                     "writes past it failed")
    if execution.sandbox.pids_limit_hit:
        notes.append(f"the run reached the limit of {settings.limits.max_processes} processes")
    names = {c.index: c.grade_id or str(c.index) for c in a.notebook.cells}  # trusted names only
    timeouts = [names[c["index"]] for c in (execution.status or {}).get("cells", [])
                if c["status"] == "timeout" and c["index"] in names]
    if timeouts:
        notes.append(f"cell(s) {', '.join(timeouts)} ran longer than {settings.cell_timeout:g} s "
                     "and were interrupted")
    notes.extend(f"capture data: {p}" for p in execution.problems[:5])
    return tests, notes


def _message(tests: list[TestResult], max_score: float) -> str:
    auto = [t for t in tests if not t.manual]
    score = sum(t.score for t in tests)
    message = f"{score:g} / {max_score:g} points: {sum(t.passed for t in auto)} of {len(auto)} tests passed"
    pending = sum(t.max_score for t in tests if t.manual)
    if pending:
        message += f"; {pending:g} points need manual grading"
    return message


def error_report(sub_name: str, ctx: _Context, message: str) -> SubmissionReport:
    """The report of a submission that could not be graded at all (every test 0, ``message``)."""
    return _error_report(sub_name, tuple(p.assignment for p in ctx.parts), message, 0.0)


class Dispatcher(Protocol):
    """Grades a batch somewhere else (e.g. :class:`autograder.distributed.DaskDispatcher`).

    Called with the submissions, the grading context and ``done``; returns one report per
    submission in the order given, having called ``done(report)`` once for each as it finished.
    ``done`` writes the report (so a dispatcher never writes reports itself).
    """

    def __call__(self, subs: list[Submission], ctx: _Context,
                 done: Callable[[SubmissionReport], None]) -> list[SubmissionReport]: ...


class Observer(Protocol):
    """Watches a batch (progress, regrade manifest): told the total, then each finished report."""

    def start(self, total: int) -> None: ...

    def finished(self, sub: Submission, report: SubmissionReport) -> None: ...


def grade_submission(sub: Submission, ctx: _Context) -> SubmissionReport:
    """Grade one submission and write its reports (never raises except SandboxUnavailable)."""
    start = time.monotonic()
    settings = ctx.settings
    assignments = tuple(p.assignment for p in ctx.parts)
    multi = len(ctx.parts) > 1
    try:
        if not multi:
            tests, notes = _grade_notebook(sub, ctx.parts[0], settings)
        else:
            if sub.error is not None:
                raise SubmissionError(sub.error)
            tests, notes = [], []
            for part in ctx.parts:
                label = part.assignment.part
                found = (sub.parts or {}).get(label)
                try:
                    if found is None:
                        raise SubmissionError(f"{label}.ipynb is not in the submission")
                    part_tests, part_notes = _grade_notebook(found, part, settings)
                except SubmissionError as exc:
                    part_tests = _not_graded((part.assignment,), f"{label}.ipynb: {exc}", False)
                    part_notes = [f"could not grade {label}.ipynb: {exc}"]
                tests += [dataclasses.replace(t, name=f"{label}: {t.name}", part=label)
                          for t in part_tests]
                notes += [n if n.startswith("could not grade") else f"{label}: {n}" for n in part_notes]
        report = SubmissionReport(sub.name, "graded", _message(tests, ctx.max_score), tuple(tests),
                                  tuple(notes), ctx.max_score, time.monotonic() - start)
    except SandboxUnavailable:
        raise
    except SubmissionError as exc:
        report = _error_report(sub.name, assignments, f"could not grade this submission: {exc}",
                               time.monotonic() - start)
    except Exception as exc:  # noqa: BLE001 - one submission never stops the others
        report = _error_report(sub.name, assignments,
                               f"internal error while grading: {type(exc).__name__}: {exc}",
                               time.monotonic() - start)
    write_submission(report, ctx.assignment.name, settings.out_dir)
    return report


def _run_pool(subs: list[Submission], ctx: _Context, jobs: int,
              done: Callable[[Submission, SubmissionReport], None] = lambda s, r: None,
              ) -> dict[str, SubmissionReport | BaseException]:
    out: dict[str, SubmissionReport | BaseException] = {}
    with cf.ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(grade_submission, s, ctx): s for s in subs}
        for fut in cf.as_completed(futures):
            try:
                out[futures[fut].name] = fut.result()
            except BaseException as exc:  # noqa: BLE001 - sorted out by the caller
                out[futures[fut].name] = exc
            else:
                done(futures[fut], out[futures[fut].name])
    return out


def grade_all(
    assignment_name: str,
    paths: list[str | Path],
    settings: Settings,
    course_dir: str | Path | None = None,
    *,
    dispatcher: Dispatcher | None = None,
    observers: tuple[Observer, ...] = (),
    select: Callable[[list[Submission], tuple[Assignment, ...]],
                     tuple[list[Submission], list[SubmissionReport]]] | None = None,
) -> list[SubmissionReport]:
    """Grade every submission found in ``paths``; write all reports, ``summary.csv`` and ``summary.html``.

    ``dispatcher`` grades elsewhere (default: here, in a pool of ``settings.jobs`` processes);
    ``observers`` are told the total and each finished report; ``select`` splits the submissions
    into those to grade and the reports kept from an earlier run (see :mod:`autograder.regrade`).

    Raises:
        SandboxUnavailable: the sandbox cannot start (nothing is graded).
        AssignmentError: the instructor source is missing or does not pass its own tests.
    """
    check_sandbox(settings.sandbox)
    assignments = load_parts(assignment_name, course_dir, settings.cache_dir)
    assignment = assignments[0]
    out_dir = Path(settings.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    parts = []
    for a in assignments:
        expected = compute_expected(a, settings.sandbox, settings.limits,
                                    settings.cell_timeout, settings.cache_dir, _preload(a, settings))
        parts.append(_Part(a, expected, *_released(a)))
    ctx = _Context(tuple(parts), settings)
    with tempfile.TemporaryDirectory(prefix="rnn-ag-staging-") as staging:
        if len(assignments) > 1:
            subs = collect_parts(list(paths), staging, assignment_name, [a.part for a in assignments])
        else:
            subs = collect_submissions(list(paths), staging)
        kept: list[SubmissionReport] = []
        if select is not None:
            subs, kept = select(subs, tuple(assignments))
        by_name = {s.name: s for s in subs}
        for obs in observers:
            obs.start(len(subs))

        def done(sub: Submission, report: SubmissionReport) -> None:
            for obs in observers:
                obs.finished(sub, report)

        if dispatcher is not None:
            def write(report: SubmissionReport) -> None:
                write_submission(report, assignment.name, out_dir)
                done(by_name[report.name], report)

            reports = dispatcher(subs, ctx, write)
        elif settings.jobs <= 1 or len(subs) <= 1:
            reports = []
            try:
                for s in subs:
                    reports.append(grade_submission(s, ctx))
                    done(s, reports[-1])
            finally:
                close_all()  # this process's warm sandboxes end with the batch
        else:
            results = _run_pool(subs, ctx, min(settings.jobs, len(subs)), done)
            reports = []
            for sub in subs:
                result = results[sub.name]
                if isinstance(result, BrokenProcessPool):  # retry alone: maybe another one broke it
                    result = _run_pool([sub], ctx, 1, done)[sub.name]
                if isinstance(result, SandboxUnavailable):
                    raise result
                if isinstance(result, BaseException):
                    report = _error_report(sub.name, assignments,
                                           f"the grading process failed: {type(result).__name__}: {result}", 0.0)
                    write_submission(report, assignment.name, out_dir)
                    done(sub, report)
                    result = report
                reports.append(result)
    reports = kept + reports
    write_summary(reports, out_dir)
    write_class_summary(reports, assignment.name, ctx.max_score, out_dir)
    return reports
