"""A batch as the instructor sees it: progress, the class summary page, regrading what changed.

alice submits the solution, bob the blank release; the class is graded through the CLI, then
again (both skipped: same files, same assignment), then after bob resubmits a wrong gradient
(only bob is graded), then after the instructor changes a test's points (both graded).
"""

from __future__ import annotations

import base64
import csv
import fcntl
import io
import os
import re
import select
import shutil
import struct
import termios
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.progress import Progress
from autograder.reports import SubmissionReport
from autograder.scoring import TestResult
from test_autograder_cases import COURSE, RNN, _cell, _load, _src, _write, full_solution, with_answer

pytestmark = pytest.mark.sandbox

NAME = "rnn_from_scratch"


def _scores(out: Path) -> dict[str, float]:
    with open(out / "summary.csv") as fh:
        return {row["name"]: float(row["score"]) for row in csv.DictReader(fh)}


def _grade(course: Path, subs: Path, out: Path, capsys: pytest.CaptureFixture) -> str:
    assert main(["grade", "--assignment", NAME, str(subs), "--out", str(out), "--course-dir", str(course),
                 "--jobs", "2", "--progress", "lines"]) == 0
    return capsys.readouterr().err


def test_regrade_skips_unchanged_and_grades_what_changed(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    course, subs, out = tmp_path / "course", tmp_path / "subs", tmp_path / "out"
    for part in ("source", "release"):
        shutil.copytree(COURSE / part / NAME, course / part / NAME)
    subs.mkdir()
    solution = full_solution()
    _write(subs, "alice", solution)
    _write(subs, "bob", _load(RNN.release))

    err = _grade(course, subs, out, capsys)
    assert "grading 2 submission(s)" in err and "skipped" not in err
    assert _scores(out) == {"alice": 30.0, "bob": 0.0}

    err = _grade(course, subs, out, capsys)
    assert "skipped 2 unchanged submission(s)" in err and ": alice, bob\n" in err
    assert "grading 0 submission(s)" in err and "graded " not in err
    assert _scores(out) == {"alice": 30.0, "bob": 0.0}

    step_backward = _src(_cell(solution, "rnn_step_backward"))
    _write(subs, "bob", with_answer("rnn_step_backward",
                                    step_backward.replace("dU = h_prev.T @ dz", "dU = dz.T @ h_prev")))
    err = _grade(course, subs, out, capsys)
    assert "skipped 1 unchanged submission(s)" in err and ": alice\n" in err
    assert re.search(r"^graded 1/1 bob: ", err, re.M)
    bob = _scores(out)["bob"]
    assert 0.0 < bob < 30.0

    source = course / "source" / NAME / f"{NAME}.ipynb"
    text = source.read_text()
    assert text.count('"points": 2') >= 1
    source.write_text(text.replace('"points": 2', '"points": 4', 1))  # the assignment changed
    err = _grade(course, subs, out, capsys)
    assert "skipped" not in err and "grading 2 submission(s)" in err
    assert _scores(out)["alice"] == 32.0


def test_class_summary_page_has_histogram_and_pass_rates(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    _write(subs, "alice", full_solution())
    _write(subs, "bob", _load(RNN.release))
    _write(subs, "carol", full_solution())
    _grade(COURSE, subs, out, capsys)
    page = (out / "summary.html").read_text()
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page).group(1))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (640, 320)
    assert "3 submission(s), 0 could not be graded; mean 20.00, median 30 of 30" in page
    rows = re.findall(r"<tr><td>(\w+)</td><td class=num>([\d.]+)</td><td class=num>(\d+) / (\d+)</td>"
                      r"<td class=num>(\d+)%</td><td class=num>([\d.]+)</td></tr>", page)
    assert len(rows) == 12
    assert ("test_rnn_backward_hidden", "5", "2", "3", "67", "3.33") in rows
    assert '<a href="summary.csv">' in page


def _report(name: str, score: float) -> SubmissionReport:
    return SubmissionReport(name, "graded", "m", (TestResult("t", score, 2.0, "", False),), (), 2.0)


def test_progress_is_plain_lines_when_not_a_terminal() -> None:
    stream = io.StringIO()
    p = Progress("auto", stream)
    p.start(2)
    p.finished(None, _report("alice", 2.0))
    p.finished(None, _report("bob", 0.0))
    assert stream.getvalue() == ("grading 2 submission(s)\ngraded 1/2 alice: 2 / 2 (graded)\n"
                                 "graded 2/2 bob: 0 / 2 (graded)\n")


def test_progress_is_a_bar_on_a_terminal() -> None:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 24 x 100 characters
    with open(slave, "w", closefd=True) as tty:
        p = Progress("auto", tty)
        assert p.mode == "bar"
        p.start(2)
        p.finished(None, _report("alice", 2.0))
        p.finished(None, _report("bob", 0.0))
        tty.flush()
        chunks = []
        while select.select([master], [], [], 0.5)[0]:
            chunks.append(os.read(master, 65536))
        shown = b"".join(chunks).decode()
    os.close(master)
    assert "grading: 100%" in shown and "2/2" in shown and "bob: 0/2" in shown


def test_bad_progress_mode_is_one_line(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(ValueError, match="^--progress must be one of auto, bar, lines, none, got 'loud'$"):
        Progress("loud")
