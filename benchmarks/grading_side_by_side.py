"""A class of submissions graded side by side: ``nbgrader autograde`` against our sandboxed pool.

For each assignment (``rnn_from_scratch``: NumPy; ``lstm_and_gru``: NumPy and a Keras cell) the
same ``--submissions`` notebooks (30 by default) are graded

* by **nbgrader autograde**, serial as it must be: one ``nbgrader autograde <assignment>`` over
  ``submitted/<student>/<assignment>/`` in a scratch course, after ``nbgrader
  generate_assignment`` there (outside the timing: it is done once per assignment);
* by **our grader** with the local process pool, ``--jobs 2`` (``autograder.grading.grade_all``,
  each submission in its own bubblewrap sandbox), expected values computed beforehand (outside
  the timing: they are computed once per assignment version and cached);
* with ``--scheduler tcp://HOST:PORT``, also by **our grader on that Dask cluster**
  (``autograder.distributed.DaskDispatcher``, as ``grade --scheduler`` does), the same way.

Submission ``k`` is the student release with a deterministic subset of the answers filled in from
the instructor's solutions (the others keep the release's stub), so scores range over the whole
scale. The per-submission scores of the two graders must be identical; the script records them
and fails (exit 1) when they are not. Results go to ``benchmarks/results/grading_side_by_side.json``
(date, machine, commit) and ``.md``. Run::

    python -m benchmarks.grading_side_by_side                       # both assignments, 30 each
    python -m benchmarks.grading_side_by_side --assignments rnn_from_scratch --submissions 10
    python -m benchmarks.grading_side_by_side --scheduler tcp://127.0.0.1:8786   # + a Dask column
    python -m benchmarks.grading_side_by_side --scheduler local    # + a Dask column, on a cluster
                                                                   # of 2 workers started here
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.recording import describe_machine, git_commit, merge_run

REPO = Path(__file__).resolve().parent.parent
COURSE = REPO / "assignments"
ASSIGNMENTS = ("rnn_from_scratch", "lstm_and_gru", "seq2seq_attention")
RESULTS = REPO / "benchmarks" / "results" / "grading_side_by_side.json"


def solutions(name: str) -> dict[str, str]:
    """grade_id -> the instructor's answer cell with the solution delimiters removed."""
    source = json.loads((COURSE / "source" / name / f"{name}.ipynb").read_text())
    out = {}
    for cell in source["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            lines = "".join(cell["source"]).splitlines(keepends=True)
            out[meta["grade_id"]] = "".join(line for line in lines
                                            if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line)
    return out


def class_of(name: str, count: int, folder: Path) -> list[Path]:
    """``count`` submissions: ``student00.ipynb``... each answering a seeded subset of the questions
    (student00 answers nothing, student01 everything, the others a random half on average)."""
    release = json.loads((COURSE / "release" / name / f"{name}.ipynb").read_text())
    answers = solutions(name)
    rng = random.Random(f"{name}-{count}")
    paths = []
    for k in range(count):
        answered = (set() if k == 0 else set(answers) if k == 1
                    else {g for g in answers if rng.random() < 0.5})
        nb = json.loads(json.dumps(release))
        for cell in nb["cells"]:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id in answered:
                cell["source"] = answers[grade_id]
        path = folder / f"student{k:02d}.ipynb"
        path.write_text(json.dumps(nb, indent=1))
        paths.append(path)
    return paths


def _nbgrader(course: Path, *args: str) -> None:
    from autograder.release import nbgrader_env

    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
                          cwd=course, capture_output=True, text=True, env=nbgrader_env())
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


def grade_with_nbgrader(name: str, notebooks: list[Path]) -> tuple[float, dict[str, float]]:
    """Seconds of one serial ``nbgrader autograde`` over the class, and each student's score."""
    from nbgrader.api import Gradebook

    with tempfile.TemporaryDirectory(prefix="bench-nbgrader-") as tmp:
        course = Path(tmp)
        shutil.copy(COURSE / "nbgrader_config.py", course / "nbgrader_config.py")
        shutil.copytree(COURSE / "source" / name, course / "source" / name)
        _nbgrader(course, "generate_assignment", name, "--force")
        for path in notebooks:
            target = course / "submitted" / path.stem / name
            target.mkdir(parents=True)
            shutil.copy(path, target / f"{name}.ipynb")
        start = time.perf_counter()
        _nbgrader(course, "autograde", name, "--create", "--force")
        seconds = time.perf_counter() - start
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            scores = {p.stem: float(gb.find_submission(name, p.stem).score) for p in notebooks}
    return seconds, scores


def grade_with_ours(name: str, notebooks: list[Path], jobs: int,
                    scheduler: str | None = None) -> tuple[float, dict[str, float]]:
    """Seconds of ``grade_all`` over the class on ``jobs`` local processes, or on the Dask
    cluster at ``scheduler`` (expected values cached beforehand), and each student's score."""
    from autograder.grading import Settings, grade_all

    dispatcher = None
    if scheduler is not None:
        from autograder.distributed import DaskDispatcher

        dispatcher = DaskDispatcher(scheduler)
    with tempfile.TemporaryDirectory(prefix="bench-ours-") as tmp:
        cache = Path(tmp) / "cache"
        grade_all(name, notebooks[:1], Settings(out_dir=Path(tmp) / "warm", jobs=1, cache_dir=cache), COURSE)
        start = time.perf_counter()
        reports = grade_all(name, notebooks, Settings(out_dir=Path(tmp) / "out", jobs=jobs, cache_dir=cache),
                            COURSE, dispatcher=dispatcher)
        seconds = time.perf_counter() - start
    return seconds, {r.name: r.score for r in reports}


@contextlib.contextmanager
def local_cluster(workers: int):
    """A ``dask scheduler`` and ``workers`` ``dask worker`` processes (one thread each) on
    127.0.0.1, started from this environment; yields the scheduler's address."""
    import socket

    from distributed import Client

    dask = Path(sys.executable).parent / "dask"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp:
        procs = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--no-dashboard"], cwd=tmp, start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        procs += [subprocess.Popen([str(dask), "worker", address, "--nworkers", "1", "--nthreads", "1",
                                    "--no-dashboard", "--local-directory", f"{tmp}/w{i}"], cwd=tmp,
                                   start_new_session=True, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL) for i in range(workers)]
        try:
            with Client(address, timeout=120, set_as_default=False) as client:
                client.wait_for_workers(workers, timeout=120)
            yield address
        finally:
            for proc in reversed(procs):
                proc.terminate()
            for proc in reversed(procs):
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _workers(scheduler: str) -> int:
    """How many workers the Dask cluster at ``scheduler`` has now."""
    from distributed import Client

    with Client(scheduler, timeout=30, set_as_default=False) as client:
        return len(client.scheduler_info()["workers"])


def render(rows: list[dict]) -> str:
    lines = [
        "# A class graded side by side: nbgrader autograde (serial) vs our sandboxed pool",
        "",
        "Generated by `python -m benchmarks.grading_side_by_side` from `grading_side_by_side.json`.",
        "Seconds for the whole class (one-time set-up excluded on both sides: nbgrader's",
        "`generate_assignment`, our expected values); submissions per second; scores compared",
        "submission by submission.",
        "",
        "| date | commit | machine | assignment | submissions | nbgrader autograde | ours, pool | "
        "speed-up | ours per submission | ours, Dask | scores identical |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        m = r["machine"]
        for a in r["assignments"]:
            lines.append(
                f"| {r['date']} | {r['commit'][:10]} | {m['cpu_model']}, {m['cores']} cores, load "
                f"{m['load_average_1min']}"
                + (" (after: " + ", ".join(f"{k} {v}" for k, v in a["load_after"].items()) + ")"
                   if a.get("load_after") else "")
                + f" | {a['name']} | {a['submissions']} | "
                f"{a['nbgrader_s']:.1f} s ({a['submissions'] / a['nbgrader_s']:.2f}/s) | "
                f"{a['pool_s']:.1f} s ({a['submissions'] / a['pool_s']:.2f}/s, {a['jobs']} jobs) | "
                f"{a['nbgrader_s'] / a['pool_s']:.1f}x | {a['pool_s'] / a['submissions']:.2f} s | "
                + (f"{a['dask_s']:.1f} s ({a['submissions'] / a['dask_s']:.2f}/s, "
                   f"{a['dask_workers']} workers) | " if a.get("dask_s") else "— | ")
                + f"{'yes' if a['identical'] else 'NO'} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignments", nargs="+", default=list(ASSIGNMENTS), choices=ASSIGNMENTS)
    parser.add_argument("--submissions", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2, help="our pool's processes (default: 2)")
    parser.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                        help="also grade on this Dask cluster (a column of its own); 'local': on "
                             "a cluster of --jobs workers started on 127.0.0.1 for the run")
    args = parser.parse_args(argv)
    if args.submissions < 2 or args.jobs < 1:
        print("error: --submissions must be at least 2 and --jobs at least 1", file=sys.stderr)
        return 2
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with contextlib.ExitStack() as stack:
        if args.scheduler == "local":
            args.scheduler = stack.enter_context(local_cluster(args.jobs))
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    machine = describe_machine()
    measured, differ = [], []
    for name in args.assignments:
        with tempfile.TemporaryDirectory(prefix="bench-class-") as tmp:
            notebooks = class_of(name, args.submissions, Path(tmp))
            loads = {}  # the 1-minute load average as each timing ended (the machine is shared)
            nbgrader_s, theirs = grade_with_nbgrader(name, notebooks)
            loads["nbgrader"] = round(os.getloadavg()[0], 2)
            pool_s, ours = grade_with_ours(name, notebooks, args.jobs)
            loads["pool"] = round(os.getloadavg()[0], 2)
            dask_s, on_dask = (grade_with_ours(name, notebooks, args.jobs, args.scheduler)
                               if args.scheduler else (None, ours))
            if args.scheduler:
                loads["dask"] = round(os.getloadavg()[0], 2)
        identical = theirs == ours == on_dask
        differ += [f"{name}/{s}: nbgrader {theirs.get(s)}, ours {ours.get(s)}, on Dask {on_dask.get(s)}"
                   for s in sorted(set(theirs) | set(ours) | set(on_dask))
                   if not theirs.get(s) == ours.get(s) == on_dask.get(s)]
        entry = {"name": name, "submissions": args.submissions, "jobs": args.jobs,
                 "nbgrader_s": round(nbgrader_s, 2), "pool_s": round(pool_s, 2),
                 "identical": identical, "load_after": loads, "scores": ours if identical else
                 {"nbgrader": theirs, "ours": ours, "on_dask": on_dask}}
        if dask_s is not None:
            entry.update(dask_s=round(dask_s, 2), dask_workers=_workers(args.scheduler))
        measured.append(entry)
    commit, dirty = git_commit()
    row = {"date": dt.date.today().isoformat(), "commit": commit + ("+dirty" if dirty else ""),
           "machine": dataclasses.asdict(machine), "python": sys.version.split()[0],
           "assignments": measured}
    rows = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    rows = merge_run(rows, row, same_keys=("commit",))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n")
    RESULTS.with_suffix(".md").write_text(render(rows))
    print(render([row]))
    for line in differ:
        print(f"scores differ: {line}", file=sys.stderr)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
