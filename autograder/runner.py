"""The program that runs INSIDE the sandbox: execute the rebuilt notebook, report plain data.

Usage (inside bubblewrap only)::

    python -I -B runner.py JOB.json

``JOB.json`` holds ``{"cells": [{"index", "kind", "grade_id", "source"}], "status_path",
"capture_dir", "cell_timeout", "max_output_chars"}``. Cells run in order in one IPython
``InteractiveShell`` (so ``%matplotlib`` and friends work). Before a test cell the runner calls
``course_pkg.checks.capture.set_current_cell(grade_id)`` so that every check record names its
cell. After every cell it rewrites ``status_path`` (JSON, written to a temporary name then
renamed) with each finished cell's status, exception name and message, and its stdout/stderr
truncated to ``max_output_chars`` and, as ``"result"``, the ``text/plain`` of the cell's
execute_result (what a kernel would send; None when the cell displays no value; capped at
:data:`MAX_RESULT_CHARS`, a longer one ends in a marker so it never reads as a number);
``"running"`` names the cell in progress, so the trusted side
knows where a killed run stopped. A cell that runs longer than ``cell_timeout`` seconds is
interrupted and the next cell runs. Nothing here is trusted: the grader only reads the JSON
status and the capture records, and validates both.

This file imports only the standard library, IPython and course_pkg.checks.
"""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import time


MAX_RESULT_CHARS = 1000


class CellTimeout(Exception):
    """Raised inside a cell that ran longer than the per-cell time limit."""


class CappedText(io.TextIOBase):
    """A text stream that keeps the first ``limit`` characters and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        text = str(text)
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def value(self) -> str:
        out = "".join(self.parts)
        if self.dropped:
            out += f"\n[output truncated: {self.dropped} more characters not shown]"
        return out


def _write_status(path: str, status: dict) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(status, fh)
    os.replace(tmp, path)


def _on_alarm(signum, frame):  # noqa: ANN001 - signal handler signature
    raise CellTimeout("the cell ran longer than the per-cell time limit")


_SHELL = None
"""The shell :func:`preload` made (a pre-warmed zygote forks with it; each child uses its copy)."""


def _make_shell():
    if _SHELL is not None:
        return _SHELL
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "NoColor"
    config.InteractiveShell.xmode = "Plain"
    shell = InteractiveShell.instance(config=config)
    shell.showtraceback = lambda *args, **kwargs: None  # errors are reported as data instead
    shell.showsyntaxerror = lambda *args, **kwargs: None
    shell.last_results = []  # text/plain of each value the display hook showed in this cell
    compute = shell.displayhook.compute_format_data

    def recording(result):  # noqa: ANN001, ANN202 - IPython's signature
        format_dict, md_dict = compute(result)
        text = format_dict.get("text/plain")
        if isinstance(text, str):
            if len(text) > MAX_RESULT_CHARS:
                text = text[:MAX_RESULT_CHARS] + "\n[value truncated]"
            shell.last_results.append(text)
        return format_dict, md_dict

    shell.displayhook.compute_format_data = recording
    return shell


START_FD_ENV = "GRADER_START_FD"
"""The grader's start pipe: the runner writes ``started`` there, then closes it, before anything
else, so that the grader knows the sandbox started without trusting anything written later."""


def _report_start() -> None:
    fd = os.environ.pop(START_FD_ENV, None)
    if fd is not None and fd.isdigit():
        try:
            os.write(int(fd), b"started\n")
        finally:
            os.close(int(fd))


def preload() -> None:
    """Import what every job needs and make the shell (the pre-warmed zygote calls this once,
    before forking; a cold run does the same at its start)."""
    global _SHELL
    import course_pkg.checks.capture  # noqa: F401

    _SHELL = _make_shell()


def main(job_path: str) -> int:
    """Run the job described in ``job_path``; return 0 when every cell was attempted."""
    _report_start()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails with EFBIG instead
    with open(job_path, encoding="utf-8") as fh:
        job = json.load(fh)
    status_path = job["status_path"]
    limit = int(job.get("max_output_chars", 20000))
    cell_timeout = float(job.get("cell_timeout", 60))
    status: dict = {"cells": [], "running": None, "finished": False, "runner_error": None}
    _write_status(status_path, status)
    try:
        from course_pkg.checks import capture
        shell = _make_shell()
    except Exception as exc:  # noqa: BLE001 - reported as data
        status["runner_error"] = f"{type(exc).__name__}: {exc}"[:2000]
        _write_status(status_path, status)
        return 1
    signal.signal(signal.SIGALRM, _on_alarm)
    real_stdout, real_stderr = sys.stdout, sys.stderr
    for cell in job["cells"]:
        status["running"] = cell["index"]
        _write_status(status_path, status)
        capture.set_current_cell(cell["grade_id"] if cell["kind"] == "test" else None)
        out, err = CappedText(limit), CappedText(limit)
        shell.last_results.clear()
        sys.stdout, sys.stderr = out, err
        start = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, cell_timeout)
        try:
            result = shell.run_cell(cell["source"], store_history=False, silent=False)
        except BaseException as exc:  # noqa: BLE001 - a timeout that escaped IPython
            result = None
            escaped = exc
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            sys.stdout, sys.stderr = real_stdout, real_stderr
        error = None
        if result is None:
            error = escaped
        elif result.error_before_exec is not None:
            error = result.error_before_exec
        elif result.error_in_exec is not None:
            error = result.error_in_exec
        entry = {
            "index": cell["index"],
            "kind": cell["kind"],
            "grade_id": cell["grade_id"],
            "status": "ok" if error is None else ("timeout" if isinstance(error, CellTimeout) else "error"),
            "ename": None if error is None else type(error).__name__,
            "evalue": None if error is None else str(error)[:2000],
            "stdout": out.value(),
            "stderr": err.value(),
            "seconds": round(time.monotonic() - start, 3),
            "result": shell.last_results[-1] if shell.last_results and error is None else None,
        }
        if isinstance(error, SyntaxError) and error.lineno is not None:
            entry["evalue"] = f"{error.msg} (line {error.lineno})"
        status["cells"].append(entry)
        status["running"] = None
        _write_status(status_path, status)
    capture.set_current_cell(None)
    status["finished"] = True
    _write_status(status_path, status)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
