"""Wall time of the website build: a cold build and a rebuild with the execution cache in place.

Both phases run what ``make book`` runs: ``tools/execute_book.py --jobs N`` (the pages executed N
at a time into the build's jupyter-cache), then ``jupyter-book build . --all -W -n --keep-going``:

* **cold**: ``_build`` is deleted first, so every notebook page executes (no jupyter-cache);
* **cached**: the same commands again; ``--all`` re-renders every page, but notebook outputs come
  from the jupyter-cache that the cold build left in ``_build/.jupyter_cache``.

The cold build also records each page's execution time, as jupyter-cache measured it
(``execution_seconds`` of every notebook in ``_build/.jupyter_cache/global.db``): an application
chapter's budget is 45 s on the 2-core machine, its live training included. With ``--jobs 2`` the
pages share the two cores, so these times are longer than a page alone takes; ``--jobs 1`` (one
page at a time, as ``jupyter-book build`` alone executes them) measures each page's own time.

The figures are recorded with the date, the machine (CPU model, cores, memory, load average at the
start) and the git commit in ``benchmarks/results/book_build.json``; ``book_build.md`` is rendered
from it. Measuring the same commit on the same machine again replaces that row; anything else is
appended. Nothing is recorded when a build fails: the script prints the end of its log and exits 1.

Run it from the repository root (it takes minutes)::

    python -m benchmarks.book_build                          # builds into ./_build, 2 pages at once
    python -m benchmarks.book_build --jobs 1                 # one page at a time: each page's time
    python -m benchmarks.book_build --path-output /tmp/bb    # builds into /tmp/bb/_build
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from benchmarks.recording import Machine, describe_machine, git_commit, merge_run

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
BUILD_ARGS = ["build", ".", "--all", "-W", "-n", "--keep-going"]
COMMAND = "tools/execute_book.py --jobs N && jupyter-book " + " ".join(BUILD_ARGS)


@dataclass
class BuildTiming:
    """One measurement: cold and cached wall times in seconds, plus what was measured."""

    date: str
    commit: str
    dirty: bool
    machine: Machine
    python: str
    jupyter_book: str
    pages: int
    cold_s: float
    cached_s: float | None  # None: a cold build timed alone (the CI's book stage)
    page_seconds: dict[str, float]
    jobs: int = 1  # pages executed at once (rows before tools/execute_book.py: 1)


def jupyter_book_executable() -> str:
    """The ``jupyter-book`` next to this Python (the project's venv), else the one on PATH."""
    beside = Path(sys.executable).parent / "jupyter-book"
    if beside.exists():
        return str(beside)
    found = shutil.which("jupyter-book")
    if found is None:
        raise FileNotFoundError("jupyter-book is not installed: run `make setup`")
    return found


def timed_build(path_output: Path, log: Path, jobs: int) -> tuple[float, int]:
    """Run the page execution and the build once; return (wall seconds, exit status).

    Output goes to ``log``.
    """
    execute = [sys.executable, str(REPO / "tools" / "execute_book.py"), "--jobs", str(jobs),
               "--path-output", str(path_output)]
    build = [jupyter_book_executable(), *BUILD_ARGS]
    if path_output.resolve() != REPO:
        build += ["--path-output", str(path_output)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    with log.open("w") as out:
        start = time.perf_counter()
        status = 0
        for command in (execute, build):
            status = subprocess.run(
                command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
            ).returncode
            if status:
                break
        seconds = time.perf_counter() - start
    return seconds, status


#: The most seconds one page may take to execute in the cold build (its live training included).
PAGE_BUDGET_S = 45.0


def page_execution_seconds(build_dir: Path) -> dict[str, float]:
    """Seconds each notebook page took to execute, from the jupyter-cache of ``build_dir``,
    keyed by its path relative to the repository (``book/lstm.md``); pages in table order."""
    import sqlite3

    database = build_dir / ".jupyter_cache" / "global.db"
    if not database.is_file():
        return {}
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT uri, data FROM nbcache").fetchall()
    seconds = {}
    for uri, data in rows:
        value = json.loads(data or "{}").get("execution_seconds")
        if value is not None:
            path = Path(uri)
            seconds[str(path.relative_to(REPO)) if path.is_relative_to(REPO) else uri] = round(value, 1)
    return dict(sorted(seconds.items(), key=lambda item: -item[1]))


def measure(path_output: Path = REPO, log_dir: Path | None = None, jobs: int = 2) -> BuildTiming:
    """Delete ``path_output/_build``, build cold, build again cached; return the timings.

    ``jobs`` pages execute at once (``tools/execute_book.py --jobs``).

    Raises:
        RuntimeError: a build exited non-zero; the message holds the end of its log.
    """
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="book_build_"))
    build_dir = path_output / "_build"
    machine = describe_machine()
    commit, dirty = git_commit()
    shutil.rmtree(build_dir, ignore_errors=True)
    seconds = {}
    for phase in ("cold", "cached"):
        log = log_dir / f"{phase}.log"
        print(f"[book_build] {phase} build: {COMMAND.replace('N', str(jobs), 1)} (log: {log})",
              flush=True)
        seconds[phase], status = timed_build(path_output, log, jobs)
        print(f"[book_build] {phase} build: {seconds[phase]:.1f} s, exit {status}", flush=True)
        if status != 0:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
            raise RuntimeError(f"the {phase} build failed (exit {status}); end of {log}:\n{tail}")
        if phase == "cold":
            page_seconds = page_execution_seconds(build_dir)
    html = build_dir / "html"
    pages = sum(1 for page in html.rglob("*.html")
                if page.parent != html and not page.relative_to(html).parts[0].startswith("_"))
    return BuildTiming(
        date=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        commit=commit,
        dirty=dirty,
        machine=machine,
        python=platform.python_version(),
        jupyter_book=metadata.version("jupyter-book"),
        pages=pages,
        cold_s=round(seconds["cold"], 1),
        cached_s=round(seconds["cached"], 1),
        page_seconds=page_seconds,
        jobs=jobs,
    )


def record(timing: BuildTiming, results: Path = RESULTS) -> list[dict]:
    """Merge ``timing`` into ``book_build.json`` and rewrite ``book_build.md``; return the rows.

    A row for the same commit (and dirtiness) on the same CPU model and core count is replaced;
    otherwise the row is appended (``benchmarks.recording.merge_run``).
    """
    results.mkdir(parents=True, exist_ok=True)
    path = results / "book_build.json"
    rows: list[dict] = json.loads(path.read_text())["runs"] if path.exists() else []
    row = asdict(timing)
    rows = merge_run(rows, row, same_keys=("commit", "dirty", "jobs"))
    document = {
        "benchmark": "book_build",
        "command": COMMAND,
        "phases": {
            "cold_s": "rm -rf _build, then the commands: every notebook page executes",
            "cached_s": "the commands again, notebook outputs from the jupyter-cache",
            "jobs": "pages executed at once by tools/execute_book.py (1 before it existed)",
        },
        "runs": rows,
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    (results / "book_build.md").write_text(render_markdown(rows))
    return rows


def render_markdown(rows: list[dict]) -> str:
    """A markdown table of ``rows``, newest first."""
    lines = [
        "# Book build wall time",
        "",
        f"`{COMMAND}`, measured by `python -m benchmarks.book_build`.",
        "*Cold*: `_build` deleted first, every notebook page executes, *jobs* pages at a time.",
        "*Cached*: the same commands again; pages are re-rendered but notebook outputs come from",
        "the jupyter-cache. Rows before `tools/execute_book.py` existed ran `jupyter-book build`",
        "alone, one page at a time (jobs 1).",
        "The load average is the machine's at the start: a shared machine makes the figures noisy.",
        "",
        "| date (UTC) | commit | machine | load | pages | jobs | cold build (s) | cached rebuild (s) | ratio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in sorted(rows, key=lambda r: r["date"], reverse=True):
        machine = row["machine"]
        commit = row["commit"] + (" (dirty)" if row["dirty"] else "")
        cached = row["cached_s"]
        ratio = f"{row['cold_s'] / cached:.1f}x" if cached else "-"
        lines.append(
            f"| {row['date'].replace('T', ' ').rstrip('Z')} | `{commit}` "
            f"| {machine['cpu_model']}, {machine['cores']} cores, {machine['memory_gib']} GiB "
            f"| {machine['load_average_1min']} | {row['pages']} | {row.get('jobs', 1)} "
            f"| {row['cold_s']:.1f} "
            f"| {f'{cached:.1f}' if cached else '-'} | {ratio} |"
        )
    alone = [r for r in rows if r.get("jobs", 1) == 1 and r.get("page_seconds")]
    latest = max(alone, key=lambda r: r["date"]) if alone else None
    if latest:
        shared = [r for r in rows if r.get("jobs", 1) > 1 and r["commit"] == latest["commit"]
                  and r.get("page_seconds")]
        beside = max(shared, key=lambda r: r["date"]) if shared else None
        extra = f" | {beside['jobs']} at once (s)" if beside else ""
        lines += ["", f"## Execution time per page, cold build of `{latest['commit']}`", "",
                  f"Budget: {PAGE_BUDGET_S:.0f} s per page on the 2-core machine, live training "
                  "included, measured with the page executing alone (jobs 1)"
                  + (f"; beside it, the same page while {beside['jobs']} pages shared the cores."
                     if beside else "."),
                  "", f"| page | alone (s) | within budget{extra} |",
                  "|---|---|---|" + ("---|" if beside else "")]
        for page, value in latest["page_seconds"].items():
            row = f"| `{page}` | {value:.1f} | {'yes' if value <= PAGE_BUDGET_S else '**no**'} |"
            if beside:
                row += f" {beside['page_seconds'].get(page, float('nan')):.1f} |"
            lines.append(row)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Measure, record and print the book build timings; exit status 1 when a build fails."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.book_build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path-output", type=Path, default=REPO,
                        help="folder that receives _build (default: the repository root)")
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="folder for book_build.json and book_build.md")
    parser.add_argument("--jobs", type=int, default=2,
                        help="pages executed at once, as make book does (default 2); 1 measures "
                             "each page's own execution time")
    args = parser.parse_args(argv)
    try:
        timing = measure(args.path_output.resolve(), jobs=args.jobs)
    except RuntimeError as error:
        print(f"[book_build] {error}", file=sys.stderr)
        return 1
    record(timing, args.results)
    print(
        f"[book_build] cold {timing.cold_s:.1f} s ({timing.jobs} pages at once), "
        f"cached {timing.cached_s:.1f} s, "
        f"{timing.pages} pages, commit {timing.commit}{' (dirty)' if timing.dirty else ''}, "
        f"{timing.machine.cores} cores ({timing.machine.cpu_model}); "
        f"recorded in {args.results / 'book_build.json'}"
    )
    for page, value in timing.page_seconds.items():
        flag = "" if value <= PAGE_BUDGET_S else f"  over the {PAGE_BUDGET_S:.0f} s budget"
        print(f"[book_build]   {page:<36} {value:6.1f} s{flag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
