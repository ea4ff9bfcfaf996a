"""Runs ON GRADESCOPE (from the bundle's ``run_autograder``): grade one submission, write results.json.

Gradescope's layout under ``/autograder`` (``--root``; the bundle's scripts take it from
``$AUTOGRADER_ROOT``, default ``/autograder``)::

    source/                 the unzipped bundle: course/source/<assignment>/, course/release/...
    submission/             the student's files
    results/results.json    written here (Gradescope's schema, see autograder.reports)

The notebook graded is ``<assignment>.ipynb`` anywhere under ``submission/``, else the only
``.ipynb`` there. No notebook, or several without that name, scores 0 with a message saying so.
For an assignment of several notebooks the whole ``submission/`` folder is the submission (each
notebook found by its name, see :mod:`autograder.parts`).
Grading is the same pipeline as ``python -m autograder grade`` (one submission, one process,
bubblewrap sandbox). If the sandbox cannot start on the machine, results.json says the
submission was not graded and the exit status is 3, so Gradescope reports an autograder failure
instead of a silent 0.

Usage::

    python -m autograder.gradescope_run --assignment rnn_from_scratch [--root /autograder] [--prepare]

``--prepare`` (run by ``setup.sh`` when the image is built) computes and caches the expected
values, so each submission's run only grades.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from autograder.parts import load_parts
from autograder.errors import SandboxUnavailable
from autograder.reports import results_json


def find_notebook(submission: Path, assignment: str) -> tuple[Path | None, str]:
    """The notebook to grade under ``submission`` and, when there is none, why."""
    found = sorted(p for p in submission.rglob("*.ipynb")
                   if p.is_file() and ".ipynb_checkpoints" not in p.parts and not p.name.startswith("."))
    named = [p for p in found if p.name == f"{assignment}.ipynb"]
    if len(named) == 1:
        return named[0], ""
    if len(found) == 1 and not named:
        return found[0], ""
    if not found:
        return None, f"no .ipynb notebook was submitted: upload {assignment}.ipynb"
    return None, (f"{len(found)} notebooks were submitted ({', '.join(p.name for p in found[:5])}); "
                  f"upload one, named {assignment}.ipynb")


def _write(root: Path, result: dict) -> Path:
    out = root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return out


def _not_graded(root: Path, assignment: str, message: str) -> Path:
    parts = load_parts(assignment, root / "source" / "course", root / "cache")
    return _write(root, {"score": 0.0, "max_score": float(sum(a.max_score for a in parts)), "output": message,
                         "stdout_visibility": "hidden", "tests": []})


def main(argv: list[str] | None = None) -> int:
    """Grade ``<root>/submission``; returns the exit status (0 when results.json says graded)."""
    p = argparse.ArgumentParser(prog="python -m autograder.gradescope_run")
    p.add_argument("--assignment", required=True)
    p.add_argument("--root", default="/autograder")
    p.add_argument("--prepare", action="store_true", help="only compute the expected values (setup.sh)")
    args = p.parse_args(argv)
    from autograder.grading import Settings, grade_all

    root = Path(args.root)
    course = root / "source" / "course"
    cache = root / "cache"
    if args.prepare:
        from autograder.expected import compute_expected

        s = Settings(cache_dir=cache)
        for part in load_parts(args.assignment, course, cache):
            compute_expected(part, s.sandbox, s.limits, s.cell_timeout, cache)
        print(f"expected values of {args.assignment} cached in {cache}")
        return 0
    if len(load_parts(args.assignment, course, cache)) > 1:
        notebook, why = root / "submission", ""
    else:
        notebook, why = find_notebook(root / "submission", args.assignment)
    if notebook is None:
        print(f"wrote {_not_graded(root, args.assignment, why)}")
        return 0
    with tempfile.TemporaryDirectory(prefix="rnn-ag-gradescope-") as tmp:
        settings = Settings(out_dir=Path(tmp) / "out", jobs=1, cache_dir=cache)
        try:
            (report,) = grade_all(args.assignment, [notebook], settings, course)
        except SandboxUnavailable as exc:
            _not_graded(root, args.assignment, f"not graded: the grader's sandbox cannot start on this "
                                               f"machine ({exc}); ask your instructor")
            print(f"error: {exc}", file=sys.stderr)
            return 3
    print(f"wrote {_write(root, results_json(report))}: {report.score:g} / {report.max_score:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
