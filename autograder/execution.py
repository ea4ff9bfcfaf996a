"""Run a rebuilt notebook in the sandbox and collect its untrusted outputs.

Layout of one run's scratch folder (on the host)::

    <scratch>/job.json        the cells to run (bound read-only at /grader/job.json)
    <scratch>/work/           bound writable at /submission: status.json, capture/, student files

The runner (:mod:`autograder.runner`) is bound read-only at ``/grader/runner.py``; the
assignment's data files (``jupyter.png``, ``data.txt``...) are bound read-only beside the
notebook, at ``/submission/<name>``, so a notebook opens them by relative path.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from autograder.rebuild import RunCell
from autograder.sandbox import INSIDE_DIR, Limits, SandboxConfig, SandboxResult, run_sandboxed
from autograder.untrusted import Record, read_records, read_status

RUNNER = Path(__file__).resolve().parent / "runner.py"


@dataclasses.dataclass(frozen=True)
class Execution:
    """A finished run: the runner's ``status`` (None when it wrote none), the ``records`` of check
    calls, ``problems`` found reading them, the ``capture_dir`` holding their arrays and the
    ``sandbox`` result (exit code, kill reason)."""

    status: dict | None
    records: list[Record]
    problems: list[str]
    capture_dir: Path
    sandbox: SandboxResult


def execute(
    cells: list[RunCell],
    scratch: Path,
    config: SandboxConfig,
    limits: Limits,
    cell_timeout: float,
    data_files: tuple[tuple[str, Path], ...] = (),
) -> Execution:
    """Run ``cells`` in the sandbox with capture mode on; ``scratch`` must be an empty folder.

    ``data_files`` are ``(name, host path)`` pairs bound read-only at ``/submission/<name>``.
    """
    scratch = Path(scratch)
    work = scratch / "work"
    work.mkdir(parents=True)
    os.chmod(scratch, 0o755)
    job = {
        "cells": [c.to_json() for c in cells],
        "status_path": f"{INSIDE_DIR}/status.json",
        "capture_dir": f"{INSIDE_DIR}/capture",
        "cell_timeout": cell_timeout,
        "max_output_chars": min(limits.max_output_chars, 20000),
    }
    job_path = scratch / "job.json"
    job_path.write_text(json.dumps(job))
    os.chmod(job_path, 0o644)
    result = run_sandboxed(
        config, limits,
        [config.python, "-I", "-B", "/grader/runner.py", "/grader/job.json"],
        work,
        ro_files={"/grader/runner.py": RUNNER, "/grader/job.json": job_path,
                  **{f"{INSIDE_DIR}/{name}": host for name, host in data_files}},
        env={"COURSE_CHECK_CAPTURE_DIR": f"{INSIDE_DIR}/capture"},
    )
    capture = work / "capture"
    records, problems = read_records(capture)
    return Execution(read_status(work / "status.json"), records, problems, capture, result)
