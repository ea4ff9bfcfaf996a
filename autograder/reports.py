"""Write what students and instructors read: Gradescope ``results.json``, feedback HTML, a CSV.

``results.json`` follows Gradescope's autograder schema: ``score``, ``max_score``, ``output``,
``stdout_visibility`` and ``tests`` (``name``, ``score``, ``max_score``, ``output``,
``visibility``; hidden tests are ``after_published``). The feedback page shows test names and
messages, escaped, and never test source. ``summary.csv`` has one row per submission:
``name, score, max_score, status, message``.

Manually graded cells are tests with ``extra_data.needs_manual_grading``; their points are in
``max_score`` but not in ``score``, and ``extra_data.manual_points_pending`` sums them. An
assignment of several notebooks has a feedback section and an ``extra_data.parts`` entry per
notebook; then, or when points wait for manual grading, ``summary.csv`` adds the columns
``manual_pending`` and one ``<notebook>`` score column per notebook.
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

    @property
    def manual_pending(self) -> float:
        """Points of the manually graded cells that wait for a grader."""
        return float(sum(t.max_score for t in self.tests if t.manual))

    @property
    def parts(self) -> list[str]:
        """The notebooks' names, in order, for an assignment of several notebooks (else [])."""
        return list(dict.fromkeys(t.part for t in self.tests if t.part))

    def part_scores(self) -> dict[str, dict[str, float]]:
        """``{part: {"score", "max_score", "manual_points_pending"}}``."""
        out: dict[str, dict[str, float]] = {}
        for t in self.tests:
            if t.part:
                row = out.setdefault(t.part, {"score": 0.0, "max_score": 0.0, "manual_points_pending": 0.0})
                row["score"] += t.score
                row["max_score"] += t.max_score
                row["manual_points_pending"] += t.max_score if t.manual else 0.0
        return out


def _fmt(x: float) -> str:
    return f"{x:g}"


def results_json(report: SubmissionReport) -> dict:
    """The Gradescope ``results.json`` object."""
    output = report.message
    if report.notes:
        output += "\n" + "\n".join(f"- {n}" for n in report.notes)
    out = {
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
                **({"extra_data": {"needs_manual_grading": True}} if t.manual else {}),
            }
            for t in report.tests
        ],
    }
    if report.manual_pending or report.parts:
        out["extra_data"] = {"manual_points_pending": report.manual_pending,
                             "needs_manual_grading": report.manual_pending > 0}
        if report.parts:
            out["extra_data"]["parts"] = report.part_scores()
    return out


def feedback_html(report: SubmissionReport, assignment: str) -> str:
    """The feedback page, every student-influenced string HTML-escaped."""
    e = html.escape

    def row(t: TestResult) -> str:
        kind = "manual" if t.manual else ("pass" if t.passed else "fail")
        points = f"? / {_fmt(t.max_score)}" if t.manual else f"{_fmt(t.score)} / {_fmt(t.max_score)}"
        return (f'<tr class="{kind}"><td>{e(t.name)}'
                f'{" <em>(hidden)</em>" if t.hidden else ""}'
                f'{" <em>(needs manual grading)</em>" if t.manual else ""}</td>'
                f'<td class="pts">{points}</td><td><pre>{e(t.output)}</pre></td></tr>')

    if report.parts:
        scores = report.part_scores()
        sections = []
        for part in report.parts:
            s = scores[part]
            pending = (f", {_fmt(s['manual_points_pending'])} points need manual grading"
                       if s["manual_points_pending"] else "")
            sections.append(
                f'<tr class="part"><th colspan="3">{e(part)}.ipynb: {_fmt(s["score"])} / '
                f'{_fmt(s["max_score"])}{e(pending)}</th></tr>\n'
                + "\n".join(row(t) for t in report.tests if t.part == part))
        rows = "\n".join(sections)
    else:
        rows = "\n".join(row(t) for t in report.tests)
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
    parts = list(dict.fromkeys(p for r in reports for p in r.parts))
    extended = bool(parts) or any(r.manual_pending for r in reports)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "score", "max_score", "status", "message"]
                        + (["manual_pending", *parts] if extended else []))
        for r in sorted(reports, key=lambda r: r.name):
            row = [r.name, _fmt(r.score), _fmt(r.max_score), r.status, r.message]
            if extended:
                scores = r.part_scores()
                row += [_fmt(r.manual_pending)] + [_fmt(scores[p]["score"]) if p in scores else ""
                                                    for p in parts]
            writer.writerow(row)
    return path
