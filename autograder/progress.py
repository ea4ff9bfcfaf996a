"""Progress during a batch: a tqdm bar on a terminal, one plain line per submission elsewhere (CI).

A :class:`Progress` is a grading observer (see :func:`autograder.grading.grade_all`): it is told
the number of submissions to grade, then each finished report, exactly once each. Plain lines
look like::

    grading 40 submission(s)
    graded 12/40 alice: 30 / 30 (graded)

Example:
    >>> grade_all("rnn_from_scratch", ["subs/"], settings, observers=(Progress(),))  # doctest: +SKIP
"""

from __future__ import annotations

import sys
from typing import TextIO

from autograder.reports import SubmissionReport
from autograder.submissions import Submission

MODES = ("auto", "bar", "lines", "none")


class Progress:
    """Shows a batch's progress on ``stream`` (default ``sys.stderr``).

    Args:
        mode: ``"bar"`` (tqdm), ``"lines"`` (one line per submission), ``"none"``, or ``"auto"``:
            a bar when ``stream`` is a terminal, lines otherwise.
        stream: where to write.
    """

    def __init__(self, mode: str = "auto", stream: TextIO | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"--progress must be one of {', '.join(MODES)}, got {mode!r}")
        self.stream = stream if stream is not None else sys.stderr
        if mode == "auto":
            isatty = getattr(self.stream, "isatty", None)
            mode = "bar" if isatty is not None and isatty() else "lines"
        self.mode = mode
        self.total = 0
        self.count = 0
        self.bar = None

    def start(self, total: int) -> None:
        """A batch of ``total`` submissions begins."""
        self.total, self.count = total, 0
        try:
            self._begin(total)
        except (OSError, ValueError):
            self.mode, self.bar = "none", None

    def _begin(self, total: int) -> None:
        if self.mode == "bar":
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=self.stream, unit="submission", desc="grading",
                            dynamic_ncols=True)
        elif self.mode == "lines":
            print(f"grading {total} submission(s)", file=self.stream, flush=True)

    def finished(self, sub: Submission, report: SubmissionReport) -> None:
        """One submission has its report (a closed stream silences the progress, nothing else)."""
        self.count += 1
        try:
            self._show(report)
        except (OSError, ValueError):  # e.g. stderr piped into a `head` that has exited
            self.mode, self.bar = "none", None

    def _show(self, report: SubmissionReport) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(f"{report.name}: {report.score:g}/{report.max_score:g}", refresh=False)
            self.bar.update(1)
            if self.count >= self.total:
                self.bar.close()
        elif self.mode == "lines":
            print(f"graded {self.count}/{self.total} {report.name}: {report.score:g} / "
                  f"{report.max_score:g} ({report.status})", file=self.stream, flush=True)
