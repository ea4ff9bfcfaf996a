"""Check a generated release through the real grading pipeline.

An assignment is only ready for students when its instructor source scores full marks and its
blank release scores zero without crashing, both graded exactly as student submissions are:
rebuilt from the template, run in the sandbox, scored on the trusted side. Full marks are the
autograded points: the points of manually graded cells wait for a grader in every submission.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from autograder.errors import AssignmentError
from autograder.grading import Settings, grade_all


@dataclasses.dataclass(frozen=True)
class ReleaseScores:
    """Scores of the source and the release, out of ``max_score``; ``manual`` of those points
    belong to manually graded cells (pending in every graded submission)."""

    source: float
    release: float
    max_score: float
    manual: float = 0.0


def validate_release_scores(course_dir: str | Path, assignment: str,
                            settings: Settings | None = None) -> ReleaseScores:
    """Grade ``source/<a>/<a>.ipynb`` and ``release/<a>/<a>.ipynb`` as submissions.

    Raises:
        AssignmentError: the source does not score full marks (every point but those of the
            manually graded cells), the release scores more than
            zero, or either could not be graded (the message says which and why).
    """
    course = Path(course_dir)
    notebooks = {
        "source": course / "source" / assignment / f"{assignment}.ipynb",
        "release": course / "release" / assignment / f"{assignment}.ipynb",
    }
    with tempfile.TemporaryDirectory(prefix="rnn-ag-validate-") as tmp:
        staged = []
        for kind, path in notebooks.items():
            if not path.is_file():
                raise AssignmentError(f"cannot validate {assignment!r}: {path} does not exist")
            target = Path(tmp) / "in" / f"{kind}.ipynb"
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(path.read_bytes())
            staged.append(target)
        base = settings or Settings()
        settings = dataclasses.replace(base, out_dir=Path(tmp) / "out")
        reports = {r.name: r for r in grade_all(assignment, staged, settings, course)}
    source, release = reports.get("source"), reports.get("release")
    if source is None or release is None:
        raise AssignmentError(f"validation of {assignment!r} lost a report: got {sorted(reports)}")
    problems = []
    if source.status != "graded" or source.score != source.max_score - source.manual_pending:
        failing = [t.name for t in source.tests if t.score < t.max_score]
        problems.append(f"the source scores {source.score:g}/{source.max_score:g} "
                        f"({source.message}; failing: {', '.join(failing) or 'none'})")
    if release.status != "graded" or release.score != 0:
        passing = [t.name for t in release.tests if t.score > 0]
        problems.append(f"the release scores {release.score:g}/{release.max_score:g} "
                        f"instead of 0 ({release.message}; passing: {', '.join(passing) or 'none'})")
    if problems:
        raise AssignmentError(f"assignment {assignment!r} is not ready: " + "; ".join(problems))
    return ReleaseScores(source.score, release.score, source.max_score, source.manual_pending)
