"""Expected values: the instructor source run through the very same sandbox pipeline.

Running the solution cells in capture mode records, per test cell, the check calls and their
outputs; those are what a student's outputs are compared with. A test cell whose instructor run
records no check call is a plain nbgrader test (an empty list here), scored as nbgrader scores
it (:mod:`autograder.plain`); a source that never names ``course_pkg`` is not run at all.
The run is cached under ``<cache_dir>/<assignment>[-<notebook>]-<key>`` where ``key`` hashes the source notebook, the course's
checks and the runner, so editing any of them recomputes it. The cache is read back with the
same validation as a student's run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from autograder.assignment import Assignment
from autograder.errors import AssignmentError
from autograder.execution import RUNNER, execute
from autograder.rebuild import rebuild
from autograder.sandbox import Limits, SandboxConfig
from autograder.untrusted import load_arrays, read_records


@dataclasses.dataclass(frozen=True)
class ExpectedCall:
    """One check call of the instructor's run: ``check`` name, ``params`` and output ``arrays``."""

    check: str
    params: dict[str, Any]
    arrays: dict[str, np.ndarray]


def uses_checks(assignment: Assignment) -> bool:
    """Whether the source can call a course check at all (some cell names ``course_pkg``).

    A source that does not is a plain nbgrader notebook: its tests are scored as nbgrader scores
    them and there are no expected values to compute, so its instructor run is skipped (nbgrader
    does not run the source before grading either).
    """
    return any("course_pkg" in c.source for c in assignment.notebook.cells)


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/rnn-course-autograder`` (``~/.cache/...`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rnn-course-autograder"


def cache_key(assignment: Assignment, config: SandboxConfig) -> str:
    """A digest of everything that decides the expected values."""
    h = hashlib.sha256(assignment.sha256.encode())
    checks_dir = config.package_dir() / "checks"
    for path in sorted(checks_dir.rglob("*.py")):
        h.update(path.relative_to(checks_dir).as_posix().encode())
        h.update(path.read_bytes())
    forward = config.package_dir() / "forward_inputs.py"  # builds inputs handed in as data
    if forward.is_file():
        h.update(forward.read_bytes())
    h.update(RUNNER.read_bytes())
    return h.hexdigest()[:16]


def _read_expected(assignment: Assignment, capture: Path) -> dict[str, list[ExpectedCall]]:
    records, problems = read_records(capture)
    if problems:
        raise AssignmentError(f"the instructor run produced unreadable records: {problems[:3]}")
    out: dict[str, list[ExpectedCall]] = {t.grade_id: [] for t in assignment.tests}
    for rec in records:
        if rec.cell not in out:
            continue
        if rec.error is not None:
            raise AssignmentError(
                f"the instructor source fails its own test {rec.cell!r}: {rec.error}"
            )
        arrays = load_arrays(capture, rec)
        missing = [n for n in rec.output_names if n not in arrays]
        if missing:
            raise AssignmentError(
                f"the instructor source's {rec.check} in {rec.cell!r} did not produce {missing}"
            )
        out[rec.cell].append(ExpectedCall(rec.check, rec.params, arrays))
    return out


def compute_expected(
    assignment: Assignment,
    config: SandboxConfig,
    limits: Limits,
    cell_timeout: float,
    cache_dir: Path | None = None,
    preload: tuple[str, ...] | None = None,
) -> dict[str, list[ExpectedCall]]:
    """The expected check calls per test grade_id, from the cache or a fresh sandboxed run.

    ``preload``: as for the submissions (:func:`autograder.execution.execute`), the run is a child
    forked from the pre-warmed sandbox that has these modules imported. The instructor source then
    runs under the same per-cell limit as a submission, on the same footing: a cold import of
    TensorFlow alone can take longer than a tight limit on a loaded machine.

    Raises:
        AssignmentError: the instructor source does not run cleanly or a test calls no check.
        SandboxUnavailable: the sandbox cannot start.
    """
    if not uses_checks(assignment):  # a plain nbgrader notebook: nothing to record, no run
        return {t.grade_id: [] for t in assignment.tests}
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    label = assignment.name
    if assignment.part not in ("", assignment.name):
        label += f"-{assignment.part}"
    final = cache_dir / f"{label}-{cache_key(assignment, config)}"
    if (final / "complete").is_file():
        return _read_expected(assignment, final / "capture")
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rnn-ag-expected-") as tmp:
        ex = execute(rebuild(assignment, None), Path(tmp) / "run", config, limits, cell_timeout,
                     assignment.data_files, preload)
        # A plain test (no check call) may fail in the source, as nbgrader allows (a hidden test
        # that a visible-only solution fails); every other cell must run cleanly.
        checked = {r.cell for r in ex.records}
        plain = {t.index for t in assignment.tests if t.grade_id not in checked}
        bad = [c for c in (ex.status or {}).get("cells", [])
               if c["status"] != "ok" and not (c["index"] in plain and c["status"] == "error")]
        if ex.status is None or not ex.status["finished"] or bad or ex.sandbox.killed:
            detail = (f"cell {bad[0]['grade_id'] or bad[0]['index']}: {bad[0]['ename']}: "
                      f"{bad[0]['evalue']}") if bad else (
                ex.sandbox.killed or (ex.status or {}).get("runner_error") or ex.sandbox.stderr[-1000:])
            raise AssignmentError(f"the instructor source {assignment.source_path.name} of "
                                  f"{assignment.name!r} does not run cleanly in the sandbox ({detail})")
        expected = _read_expected(assignment, ex.capture_dir)
        staged = Path(tempfile.mkdtemp(prefix=".tmp-", dir=cache_dir))
        if ex.capture_dir.is_dir():
            shutil.copytree(ex.capture_dir, staged / "capture")
        else:  # no check call at all: a course of plain nbgrader tests
            (staged / "capture").mkdir()
        (staged / "complete").write_text(assignment.sha256 + "\n")
        try:
            os.rename(staged, final)
        except OSError:  # another process cached it first
            shutil.rmtree(staged, ignore_errors=True)
    return expected
