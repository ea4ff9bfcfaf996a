"""Command line: ``python -m autograder {grade,release,lint,gradescope,check-sandbox}``.

Examples::

    python -m autograder grade --assignment rnn_from_scratch submissions/ extra.zip --jobs 2
    python -m autograder lint --assignment rnn_from_scratch [--fix]
    python -m autograder grade --assignment rnn_from_scratch submissions/ --scheduler tcp://10.0.0.5:8786
    python -m autograder release --assignment rnn_from_scratch
    python -m autograder check-sandbox
    python -m autograder gradescope --assignment rnn_from_scratch --out bundle.zip

Exit status: 0 when every submission has a report (broken submissions included), 2 for a usage
error or a file that cannot be read or written, 3 when the sandbox cannot start (nothing is
run), 4 when the assignment is broken (for ``release``: the source does not score full marks or
the release scores more than zero), 1 for an internal error, 130 when interrupted. ``grade``:
10 the Dask scheduler cannot be used, 11 the gradebook cannot be opened or written. ``lint``: 0
clean, 1 problems found. ``release``: 5 no source, 6 a source notebook is not valid JSON, 7 the
source fails ``lint``, 8 nbgrader failed, 9 the release fails verification. Every error is one
line on stderr, ``error: ...``, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from autograder.errors import AssignmentError, SandboxUnavailable


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors as one line (``error: ...``) and exit status 2."""

    def error(self, message: str):  # noqa: ANN201 - argparse's signature
        self.exit(2, f"error: {message} (see python -m autograder --help)\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m autograder", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    g = sub.add_parser("grade", help="grade submissions (files, folders or zips) in the sandbox")
    g.add_argument("--assignment", required=True, help="assignment name, e.g. rnn_from_scratch")
    g.add_argument("paths", nargs="+", help="notebooks, folders of notebooks, or zip archives")
    g.add_argument("--course-dir", default=None, help="course root holding source/ (default: assignments/)")
    g.add_argument("--out", default="grading_output", help="output folder (default: ./grading_output)")
    g.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="submissions at once (default: cores)")
    g.add_argument("--cache-dir", default=None, help="expected-values cache (default: ~/.cache/rnn-course-autograder)")
    g.add_argument("--timeout", type=float, default=600.0, help="wall clock per submission, seconds")
    g.add_argument("--cell-timeout", type=float, default=120.0, help="seconds per cell")
    g.add_argument("--memory-mb", type=int, default=2048, help="memory per submission, MB")
    g.add_argument("--max-processes", type=int, default=128, help="processes/threads per submission")
    g.add_argument("--bwrap", default="bwrap", help="bubblewrap executable")
    g.add_argument("--no-prefork", action="store_true",
                   help="a new sandbox and interpreter per submission instead of a child forked "
                        "from a pre-warmed one (slower; the same reports)")
    g.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="grade on this Dask distributed cluster instead of a local process pool")
    g.add_argument("--scheduler-timeout", type=float, default=30.0,
                   help="seconds to wait for the scheduler and a first worker (default: 30)")
    g.add_argument("--progress", default="auto", choices=["auto", "bar", "lines", "none"],
                   help="a bar on a terminal, one line per submission otherwise (default: auto)")
    g.add_argument("--gradebook", nargs="?", const="", default=None, metavar="URL",
                   help="record the grades in nbgrader's gradebook at this SQLAlchemy URL "
                        "(no URL: sqlite:///OUT/gradebook.db)")
    g.add_argument("--regrade-all", action="store_true",
                   help="grade every submission again, even those unchanged since the last run into --out")
    r = sub.add_parser("release", help="generate the student release and check it scores 0 (source: full marks)")
    r.add_argument("--assignment", required=True)
    r.add_argument("--course-dir", default=None)
    lint = sub.add_parser("lint", help="check the source notebooks' markers against their nbgrader metadata")
    lint.add_argument("--assignment", required=True)
    lint.add_argument("--course-dir", default=None, help="course root holding source/ (default: assignments/)")
    lint.add_argument("--fix", action="store_true", help="fill the metadata from the markers (and the reverse)")
    gs = sub.add_parser("gradescope", help="write a Gradescope autograder bundle (zip)")
    gs.add_argument("--assignment", required=True)
    gs.add_argument("--course-dir", default=None)
    gs.add_argument("--out", default=None, help="the zip to write (default: ./<assignment>-gradescope.zip)")
    c = sub.add_parser("check-sandbox", help="check that the sandbox starts")
    c.add_argument("--bwrap", default="bwrap")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    from autograder.sandbox import Limits, SandboxConfig, check_sandbox

    if args.command == "lint":
        return _lint(args)
    try:
        if args.command == "release":
            return _release(args)
        if args.command == "gradescope":
            from autograder.gradescope_bundle import build_bundle

            out = build_bundle(args.assignment, args.out or f"{args.assignment}-gradescope.zip", args.course_dir)
            print(f"wrote {out}")
            return 0
        if args.command == "check-sandbox":
            check_sandbox(SandboxConfig(bwrap=args.bwrap))
            print("sandbox OK")
            return 0
        if args.jobs < 1:
            print(f"error: --jobs must be at least 1, got {args.jobs}", file=sys.stderr)
            return 2
        from autograder.grading import Settings, grade_all
        from autograder.progress import Progress
        from autograder.regrade import Manifest

        settings = Settings(
            out_dir=Path(args.out), jobs=args.jobs,
            limits=Limits(wall_seconds=args.timeout, memory_mb=args.memory_mb,
                          max_processes=args.max_processes),
            cell_timeout=args.cell_timeout, sandbox=SandboxConfig(bwrap=args.bwrap),
            cache_dir=Path(args.cache_dir) if args.cache_dir else None,
            prefork=not args.no_prefork,
        )
        dispatcher = None
        if args.scheduler is not None:
            from autograder.distributed import DaskDispatcher

            dispatcher = DaskDispatcher(args.scheduler, args.scheduler_timeout)
        url = None
        if args.gradebook is not None:
            from autograder.gradebook import check_gradebook, default_url

            Path(args.out).mkdir(parents=True, exist_ok=True)
            url = args.gradebook or default_url(Path(args.out))
            check_gradebook(url)
        manifest = Manifest(Path(args.out), regrade_all=args.regrade_all)
        reports = grade_all(args.assignment, args.paths, settings, args.course_dir, dispatcher=dispatcher,
                            observers=(Progress(args.progress), manifest), select=manifest.select)
        if url is not None:
            from autograder.gradebook import record_grades
            from autograder.parts import load_parts

            record_grades(url, load_parts(args.assignment, args.course_dir, settings.cache_dir), reports)
            print(f"recorded {len(reports)} submission(s) in the gradebook {url}")
    except SandboxUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except AssignmentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 4
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        from autograder.distributed import SchedulerUnavailable
        from autograder.gradebook import GradebookError

        if not isinstance(exc, (SchedulerUnavailable, GradebookError)):
            print(f"error: internal error: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
            return 1
        print(f"error: {exc}", file=sys.stderr)
        return 10 if isinstance(exc, SchedulerUnavailable) else 11
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback
        print(f"error: internal error: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return 1
    width = max((len(r.name) for r in reports), default=4)
    for r in sorted(reports, key=lambda r: r.name):
        print(f"{r.name:<{width}}  {r.score:>6g} / {r.max_score:g}  {r.status:<6}  {r.message}")
    print(f"wrote {len(reports)} report(s), {Path(args.out) / 'summary.csv'} and {Path(args.out) / 'summary.html'}")
    return 0


def _lint(args: argparse.Namespace) -> int:
    """``lint``: one line per problem; 0 clean, 1 problems found, 2 no such assignment."""
    from autograder.assignment import default_course_dir
    from autograder.lint import lint_assignment

    course = Path(args.course_dir) if args.course_dir else default_course_dir()
    try:
        result = lint_assignment(course, args.assignment, fix=args.fix)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in result.lines():
        print(line)
    count = len(result.broken) + sum(len(p) for p in result.problems.values())
    notebooks = len(result.problems) + len(result.broken)
    print(f"{args.assignment}: {notebooks} notebook(s), "
          + ("clean" if result.clean else f"{count} problem(s)"))
    return 0 if result.clean else 1


def _release(args: argparse.Namespace) -> int:
    """``release``: regenerate with nbgrader, verify, then grade source and release when the
    source uses the course's markers (its checks are what the grader compares)."""
    from autograder.assignment import default_course_dir
    from autograder.lint import read_source_notebook, source_notebooks, uses_markers
    from autograder.release import ReleaseError, generate_release
    from autograder.validation import validate_release_scores

    course = Path(args.course_dir) if args.course_dir else default_course_dir()
    try:
        print(f"generated {generate_release(course, args.assignment)}")
    except ReleaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_status
    if not any(uses_markers(read_source_notebook(p)) for p in source_notebooks(course, args.assignment)):
        print("verified; the source has no course markers, so its scores are not validated here "
              f"(grade it: python -m autograder grade --assignment {args.assignment} ...)")
        return 0
    scores = validate_release_scores(course, args.assignment)
    manual = f" ({scores.manual:g} points graded by hand)" if scores.manual else ""
    print(f"validated: source {scores.source:g}/{scores.max_score:g}, "
          f"release {scores.release:g}/{scores.max_score:g}{manual}")
    return 0
