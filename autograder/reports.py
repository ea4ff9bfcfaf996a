"""Write what students and instructors read: Gradescope ``results.json``, feedback HTML, a CSV.

``results.json`` follows Gradescope's autograder schema: ``score``, ``max_score``, ``output``,
``stdout_visibility`` and ``tests`` (``name``, ``score``, ``max_score``, ``output``,
``visibility``; hidden tests are ``after_published``). The feedback page shows test names and
messages, escaped, and never test source. ``summary.csv`` has one row per submission:
``name, score, max_score, status, message``.
"""

from __future__ import annotations

import csv
import dataclasses
import html
import json
from pathlib import Path
from string import Template

from autograder.scoring import TestResult

TEMPLATE = Path(__file__).resolve().parent / "templates" / "feedback.html"


@dataclasses.dataclass(frozen=True)
class SubmissionReport:
    """The outcome for one submission.

    Attributes:
        name: the submission's unique name (its output folder).
        status: ``"graded"`` or ``"error"`` (the submission could not be graded at all).
        message: one line for the CSV and the top of the feedback.
        tests: per-test results (empty when ``status`` is ``"error"``).
        notes: remarks (edited test cells, missing metadata, limits reached).
        max_score: the assignment's total points.
        seconds: time spent grading it.
    """

    name: str
    status: str
    message: str
    tests: tuple[TestResult, ...]
    notes: tuple[str, ...]
    max_score: float
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return float(sum(t.score for t in self.tests))


def _fmt(x: float) -> str:
    return f"{x:g}"


def results_json(report: SubmissionReport) -> dict:
    """The Gradescope ``results.json`` object."""
    output = report.message
    if report.notes:
        output += "\n" + "\n".join(f"- {n}" for n in report.notes)
    return {
        "score": report.score,
        "max_score": report.max_score,
        "output": output,
        "stdout_visibility": "hidden",
        "execution_time": round(report.seconds, 3),
        "tests": [
            {
                "name": t.name,
                "score": t.score,
                "max_score": t.max_score,
                "output": t.output,
                "visibility": "after_published" if t.hidden else "visible",
            }
            for t in report.tests
        ],
    }


def feedback_html(report: SubmissionReport, assignment: str) -> str:
    """The feedback page, every student-influenced string HTML-escaped."""
    e = html.escape
    rows = "\n".join(
        f'<tr class="{"pass" if t.passed else "fail"}"><td>{e(t.name)}'
        f'{" <em>(hidden)</em>" if t.hidden else ""}</td>'
        f'<td class="pts">{_fmt(t.score)} / {_fmt(t.max_score)}</td>'
        f"<td><pre>{e(t.output)}</pre></td></tr>"
        for t in report.tests
    )
    notes = ""
    if report.notes:
        notes = '<ul class="notes">' + "".join(f"<li>{e(n)}</li>" for n in report.notes) + "</ul>"
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        assignment=e(assignment), name=e(report.name), score=_fmt(report.score),
        max_score=_fmt(report.max_score), status=e(report.status), message=e(report.message),
        notes=notes, rows=rows,
    )


def write_submission(report: SubmissionReport, assignment: str, out_dir: Path) -> Path:
    """Write ``<out_dir>/<name>/results.json`` and ``feedback.html``; return the folder."""
    folder = Path(out_dir) / report.name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results_json(report), indent=2), encoding="utf-8")
    (folder / "feedback.html").write_text(feedback_html(report, assignment), encoding="utf-8")
    return folder


def write_summary(reports: list[SubmissionReport], out_dir: Path) -> Path:
    """Write ``<out_dir>/summary.csv`` (name, score, max_score, status, message)."""
    path = Path(out_dir) / "summary.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "score", "max_score", "status", "message"])
        for r in sorted(reports, key=lambda r: r.name):
            writer.writerow([r.name, _fmt(r.score), _fmt(r.max_score), r.status, r.message])
    return path
