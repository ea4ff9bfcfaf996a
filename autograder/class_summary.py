"""The class summary page: ``summary.html`` beside ``summary.csv``.

One self-contained HTML file (no network, no external files): the score histogram drawn by
matplotlib and embedded as a base64 PNG, the count, mean and median score, and one row per test
(``<part>: <grade_id>`` for a several-notebook assignment) with its points, how many submissions
passed it and the mean score it earned; manually graded cells are listed as pending. Every
string is HTML-escaped. Submissions that could not be graded count as 0.

Example:
    >>> write_class_summary(reports, "rnn_from_scratch", 30.0, Path("grading_output"))  # doctest: +SKIP
    PosixPath('grading_output/summary.html')
"""

from __future__ import annotations

import base64
import dataclasses
import html
import io
import statistics
from pathlib import Path

from autograder.reports import SubmissionReport


@dataclasses.dataclass(frozen=True)
class TestRate:
    """How the class did on one test: ``passed`` of ``total`` submissions, ``mean`` points."""

    __test__ = False  # not a pytest test class

    name: str
    max_score: float
    passed: int
    total: int
    mean: float
    manual: bool = False


def test_rates(reports: list[SubmissionReport]) -> list[TestRate]:
    """Per-test pass counts, tests in report order (a submission without the test counts as failed)."""
    names: dict[str, tuple[float, bool]] = {}
    for r in reports:
        for t in r.tests:
            names.setdefault(t.name, (t.max_score, bool(getattr(t, "manual", False))))
    out = []
    for name, (max_score, manual) in names.items():
        results = [t for r in reports for t in r.tests if t.name == name]
        scores = [t.score for t in results] + [0.0] * (len(reports) - len(results))
        out.append(TestRate(name, max_score, sum(t.passed for t in results), len(reports),
                            statistics.fmean(scores) if scores else 0.0, manual))
    return out


def histogram_png(scores: list[float], max_score: float) -> bytes:
    """A PNG (bytes) of the score histogram: one bar per point from 0 to ``max_score``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.2), dpi=100)
    ax = fig.add_subplot()
    top = max(max_score, max(scores, default=0.0), 1.0)
    bins = min(int(top) + 1, 50) if top == int(top) else 20
    ax.hist(scores, bins=bins, range=(0, top + (top / bins if bins else 1)), color="#2f6f9f",
            edgecolor="white", align="left")
    ax.set_xlabel(f"score (of {max_score:g})")
    ax.set_ylabel("submissions")
    ax.set_title(f"{len(scores)} submission(s)")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def summary_html(reports: list[SubmissionReport], assignment: str, max_score: float) -> str:
    """The page as a string."""
    e = html.escape
    scores = [r.score for r in reports]
    png = base64.b64encode(histogram_png(scores, max_score)).decode("ascii")
    errors = sum(r.status != "graded" for r in reports)
    stats = (f"{len(reports)} submission(s), {errors} could not be graded; mean "
             f"{statistics.fmean(scores):.2f}, median {statistics.median(scores):g} of "
             f"{max_score:g}") if reports else "no submissions"
    rows = "\n".join(
        f"<tr><td>{e(t.name)}</td><td class=num>{t.max_score:g}</td>"
        + ("<td colspan=3>needs manual grading</td></tr>" if t.manual else
           f"<td class=num>{t.passed} / {t.total}</td>"
           f"<td class=num>{(100.0 * t.passed / t.total if t.total else 0):.0f}%</td>"
           f"<td class=num>{t.mean:.2f}</td></tr>")
        for t in test_rates(reports))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Class summary: {e(assignment)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}td,th{{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left}}
td.num{{text-align:right}}</style></head>
<body><h1>{e(assignment)}: class summary</h1>
<p class="stats">{e(stats)}</p>
<img alt="Histogram of the scores of {len(reports)} submission(s)" src="data:image/png;base64,{png}">
<h2>Tests</h2>
<table><thead><tr><th>Test</th><th>Points</th><th>Passed</th><th>Pass rate</th><th>Mean points</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<p>Per-submission scores: <a href="summary.csv">summary.csv</a>.</p>
</body></html>
"""


def write_class_summary(reports: list[SubmissionReport], assignment: str, max_score: float,
                        out_dir: Path) -> Path:
    """Write ``<out_dir>/summary.html`` for ``assignment`` (worth ``max_score``); return its path."""
    path = Path(out_dir) / "summary.html"
    path.write_text(summary_html(reports, assignment, max_score), encoding="utf-8")
    return path
