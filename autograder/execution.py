"""Run a rebuilt notebook in the sandbox and collect its untrusted outputs.

Layout of one run's scratch folder (on the host)::

    <scratch>/job.json        the cells to run (bound read-only at /grader/job.json)
    <scratch>/inputs/         check inputs that need forward values, built here
                              (:mod:`autograder.inputs`), bound read-only at /grader/inputs
    <scratch>/work/           bound writable at /submission: status.json, capture/, student files;
                              as root a tmpfs of ``limits.max_dir_mb`` (see
                              :func:`autograder.sandbox.bounded_workdir`), unmounted after the run
    <scratch>/out/            what the grader keeps: status.json, capture/records.jsonl and the
                              .npz files the records name, each capped, copied out of work/

The runner (:mod:`autograder.runner`) is bound read-only at ``/grader/runner.py``; the
assignment's data files (``jupyter.png``, ``data.txt``...) are bound read-only beside the
notebook, at ``/submission/<name>``, so a notebook opens them by relative path. Every text
read back passes through a :class:`~autograder.untrusted.Redactor` built from the hidden-test
blocks of the cells that ran, so no consumer sees a hidden test's line, whatever the run wrote.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import stat
from pathlib import Path

from autograder.assignment import HIDDEN_BLOCK
from autograder.inputs import planned_calls, write_inputs
from autograder.prefork import WarmUnavailable, warm_sandbox
from autograder.rebuild import RunCell
from autograder.runner import START_FD_ENV
from autograder.sandbox import (
    INSIDE_DIR,
    Limits,
    SandboxConfig,
    SandboxResult,
    bounded_workdir,
    run_sandboxed,
)
from autograder.untrusted import (
    MAX_NPZ_BYTES,
    MAX_RECORDS_BYTES,
    MAX_STATUS_BYTES,
    Record,
    Redactor,
    read_records,
    read_status,
)

RUNNER = Path(__file__).resolve().parent / "runner.py"
RUN_ENV = {"COURSE_CHECK_CAPTURE_DIR": f"{INSIDE_DIR}/capture", "COURSE_CHECK_INPUTS_DIR": "/grader/inputs"}
"""The environment a run adds to the sandbox's: where the checks write records, read inputs."""



@dataclasses.dataclass(frozen=True)
class Execution:
    """A finished run: the runner's ``status`` (None when it wrote none), the ``records`` of check
    calls, ``problems`` found reading them, the ``capture_dir`` holding their arrays and the
    ``sandbox`` result (exit code, kill reason). All text in them is already redacted."""

    status: dict | None
    records: list[Record]
    problems: list[str]
    capture_dir: Path
    sandbox: SandboxResult


def hidden_lines(cells: list[RunCell]) -> list[str]:
    """Every non-blank line (stripped) of the hidden-test blocks of the test cells in ``cells``."""
    lines: list[str] = []
    for cell in cells:
        if cell.kind == "test":
            for block in HIDDEN_BLOCK.finditer(cell.source):
                lines += [line.strip() for line in block.group(0).splitlines() if line.strip()]
    return lines


def _copy_regular(src: Path, dst: Path, cap: int) -> bool:
    """Copy ``src`` to ``dst`` when it is a regular file (not a link) of at most ``cap`` bytes."""
    try:
        fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > cap:
            return False
        with os.fdopen(os.dup(fd), "rb") as fh, open(dst, "wb") as out:
            shutil.copyfileobj(fh, out, 1 << 20)
        return True
    finally:
        os.close(fd)


def _collect(work: Path, out: Path) -> None:
    """Copy the runner's outputs (capped, regular files only) from ``work`` to ``out``."""
    (out / "capture").mkdir(parents=True)
    _copy_regular(work / "status.json", out / "status.json", MAX_STATUS_BYTES)
    capture = work / "capture"
    if not capture.is_dir() or capture.is_symlink():
        return
    if _copy_regular(capture / "records.jsonl", out / "capture" / "records.jsonl", MAX_RECORDS_BYTES):
        records, _ = read_records(out / "capture")
        for name in sorted({r.outputs for r in records if r.outputs is not None}):
            _copy_regular(capture / name, out / "capture" / name, MAX_NPZ_BYTES)


def _write_inputs(cells: list[RunCell], inputs: Path) -> None:
    write_inputs(cells, inputs)
    for path in (inputs, *inputs.iterdir()):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def execute(
    cells: list[RunCell],
    scratch: Path,
    config: SandboxConfig,
    limits: Limits,
    cell_timeout: float,
    data_files: tuple[tuple[str, Path], ...] = (),
    preload: tuple[str, ...] | None = None,
) -> Execution:
    """Run ``cells`` in the sandbox with capture mode on; ``scratch`` must be an empty folder.

    ``data_files`` are ``(name, host path)`` pairs bound read-only at ``/submission/<name>``.
    With ``preload`` (module names), the run is a child forked from this process's pre-warmed
    sandbox that imported them (:mod:`autograder.prefork`); a zygote that cannot start means a
    cold run. Without, a sandbox of its own is started for the run.
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
    env = RUN_ENV
    out = scratch / "out"
    result = None
    if preload is not None:
        try:
            result = warm_sandbox(config, limits, preload, data_files, env).run(
                json.dumps(job), repr(planned_calls(cells)), lambda folder: _write_inputs(cells, folder),
                lambda folder: _collect(folder, out))
        except WarmUnavailable:
            shutil.rmtree(out, ignore_errors=True)
    if result is None:
        job_path = scratch / "job.json"
        job_path.write_text(json.dumps(job))
        os.chmod(job_path, 0o644)
        inputs = scratch / "inputs"
        _write_inputs(cells, inputs)
        with bounded_workdir(work, limits):
            result = run_sandboxed(
                config, limits,
                [config.python, "-I", "-B", "/grader/runner.py", "/grader/job.json"],
                work,
                ro_files={"/grader/runner.py": RUNNER, "/grader/job.json": job_path,
                          "/grader/inputs": inputs,
                          **{f"{INSIDE_DIR}/{name}": host for name, host in data_files}},
                env=env, start_fd_env=START_FD_ENV,
            )
            _collect(work, out)
    redact = Redactor(hidden_lines(cells))
    result = dataclasses.replace(result, stdout=redact(result.stdout), stderr=redact(result.stderr))
    capture = out / "capture"
    records, problems = read_records(capture, redact)
    return Execution(read_status(out / "status.json", redact), records, problems, capture, result)
