"""Run every test: the whole suite on TensorFlow, then the Keras tests on JAX and PyTorch.

Keras fixes its backend when it is imported, so each backend needs its own pytest process:

- ``tensorflow``: every test, its test modules spread over ``--workers`` pytest-xdist workers
  (default 2) with ``--dist loadgroup``; ``tests/conftest.py`` keeps each module on one worker,
  and the modules that share an expensive session fixture (the site visits, the recipes' test
  runs) together, so nothing is computed twice.
- ``jax`` and ``torch``: the Keras tests (``-m keras``) of the cells, the shared training loop,
  the application models and every application recipe (test preset, two devices, kill and
  resume; on PyTorch, which Keras cannot train data parallel, the two-device run must stop with
  a clear error).

Modes (``--mode``):

- ``staged`` (default; ``make test`` and so CI): the TensorFlow suite first, on the xdist
  workers, each with one compute thread (ONE_THREAD); then JAX and PyTorch side by side, one
  compute thread each. Measured on the two-core CI machine: the TensorFlow suite took 2023 s in
  one process with the libraries' own thread counts (CI25) and 679 s on two workers with one
  thread each (CI27); JAX and PyTorch took 566 s + 356 s one after the other (CI24, no
  compilation cache) and 266 s side by side (CI27). Two workers with the libraries' own thread
  counts saved little (1617 s to 1475 s) and broke wall-clock limits of the grading tests
  (CI20, CI22): each library's thread pool spun on the other's cores.
- ``serial``: one after another, in one process each, with the libraries' own thread counts.
- ``together``: all three at once, the TensorFlow suite on ``--workers`` xdist workers, with the
  libraries' own thread counts.

Each run writes ``_build/test-logs/<name>.log`` and ``<name>.xml`` (JUnit, each test's seconds);
the first run of a stage is printed as it goes, the others whole when they end. Exit status 0
when every run passes.

Usage (from the repository root)::

    .venv/bin/python tools/run_tests.py [--mode staged|serial|together] [--workers 2]
        [--only NAME ...] [-- PYTEST_ARGS...]

``PYTEST_ARGS`` go to every run (e.g. ``-- -x``).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOGS = REPO / "_build" / "test-logs"

#: JAX's persistent compilation cache, shared by every process of every run (the environment
#: wins where it sets these). The JAX run trains the same recipe models in many processes (the
#: test presets, the killed run and its resumption, two devices, mixed precision) and XLA
#: compiled each afresh: measured on the killed-and-resumed sentiment run, 102 s without the
#: cache, 72 s with it empty, 53 s with it filled. The compiled programs are the same.
#: The environment of a run that shares the machine with another: one compute thread in each
#: library, so that thread pools that spin while they wait (OpenMP in PyTorch, Eigen in XLA) do
#: not take turns on the same two cores.
ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
}
ONE_THREAD_XLA_FLAG = "--xla_cpu_multi_thread_eigen=false"

JAX_COMPILATION_CACHE = {
    "JAX_COMPILATION_CACHE_DIR": str(REPO / "_build" / "jax-compilation-cache"),
    "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
    "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0",
}
KERAS_TEST_FILES = sorted(str(p.relative_to(REPO)) for p in (REPO / "tests").glob("test_cells_*.py")) + [
    "tests/test_training.py", "tests/test_models_applications.py", "tests/test_recipes_applications.py"]


@dataclass
class Run:
    """One pytest process: its name, Keras backend and arguments."""

    name: str
    backend: str
    args: list[str]
    parallel: bool = False  # spread over the xdist workers
    process: subprocess.Popen | None = field(default=None, repr=False)
    started: float = 0.0
    seconds: float = 0.0

    @property
    def log(self) -> Path:
        return LOGS / f"{self.name}.log"


def runs() -> list[Run]:
    return [
        Run("tensorflow", "tensorflow", [], parallel=True),
        Run("jax", "jax", ["-m", "keras", "-p", "no:cacheprovider", *KERAS_TEST_FILES]),
        Run("torch", "torch", ["-m", "keras", "-p", "no:cacheprovider", *KERAS_TEST_FILES]),
    ]


def command(run: Run, workers: int, extra: list[str]) -> list[str]:
    argv = [sys.executable, "-m", "pytest", *run.args, f"--junitxml={run.log.with_suffix('.xml')}",
            *extra]
    if run.parallel and workers > 1:
        argv += ["-n", str(workers), "--dist", "loadgroup"]
    return argv


def environment(run: Run, one_thread: bool) -> dict[str, str]:
    """The environment of ``run``'s pytest process; with ``one_thread``, ONE_THREAD added."""
    env = {**JAX_COMPILATION_CACHE, **os.environ, "KERAS_BACKEND": run.backend}
    if one_thread:
        env.update(ONE_THREAD)
        env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} {ONE_THREAD_XLA_FLAG}".strip()
    return env


def start(run: Run, workers: int, extra: list[str], to_terminal: bool,
          one_thread: bool = False) -> threading.Thread | None:
    """Start ``run`` writing to its log; with ``to_terminal``, also copied to this stdout as it
    comes (returns the copying thread)."""
    LOGS.mkdir(parents=True, exist_ok=True)
    env = environment(run, one_thread)
    run.started = time.monotonic()
    with open(run.log, "wb") as log:
        run.process = subprocess.Popen(command(run, workers, extra), cwd=REPO, env=env,
                                       stdout=subprocess.PIPE if to_terminal else log,
                                       stderr=subprocess.STDOUT)
    if not to_terminal:
        return None

    def copy() -> None:
        with open(run.log, "wb") as log:
            for line in run.process.stdout:
                log.write(line)
                sys.stdout.buffer.write(line)
                sys.stdout.buffer.flush()

    thread = threading.Thread(target=copy, daemon=True)
    thread.start()
    return thread


def summary_line(run: Run) -> str:
    """pytest's last count ("12 passed in 3.4s"), or the exit status where there is none."""
    counts = [line.strip("= ") for line in run.log.read_text(errors="replace").splitlines()
              if re.search(r"\d+ (passed|failed|errors?|skipped|deselected)\b.* in ", line)]
    return counts[-1] if counts else f"exit status {run.process.returncode}"


def run_one_after_another(chosen: list[Run], extra: list[str], workers: int = 1,
                          one_thread: bool = False) -> None:
    for run in chosen:
        print(f"\n::: pytest on {run.backend} ({run.log.relative_to(REPO)})", flush=True)
        start(run, workers, extra, to_terminal=True, one_thread=one_thread).join()
        run.process.wait()
        run.seconds = time.monotonic() - run.started


def run_side_by_side(chosen: list[Run], workers: int, extra: list[str], one_thread: bool) -> None:
    """Start every run of ``chosen`` at once; the first is printed as it goes, the others when
    all have ended."""
    copying = [start(run, workers, extra, to_terminal=(i == 0), one_thread=one_thread)
               for i, run in enumerate(chosen)]
    if chosen:
        print(f"\n::: pytest on {', '.join(run.backend for run in chosen)} side by side "
              f"({chosen[0].log.relative_to(REPO)} printed as it goes)", flush=True)
    try:
        while any(run.process.poll() is None for run in chosen):
            for run in chosen:
                if run.process.poll() is not None and not run.seconds:
                    run.seconds = time.monotonic() - run.started
            time.sleep(1)
    except KeyboardInterrupt:
        for run in chosen:
            if run.process.poll() is None:
                run.process.terminate()
        raise
    for i, run in enumerate(chosen):
        run.seconds = run.seconds or time.monotonic() - run.started
        if copying[i] is not None:
            copying[i].join()
        if i > 0:
            print(f"\n::: pytest on {run.backend} ({run.log.relative_to(REPO)})", flush=True)
            sys.stdout.write(run.log.read_text(errors="replace"))
            sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["staged", "serial", "together"], default="staged",
                        help="staged (default): TensorFlow on the xdist workers, then JAX and "
                             "PyTorch side by side; serial: one after another; together: all at once")
    parser.add_argument("--workers", type=int, default=2,
                        help="xdist workers of the TensorFlow run with --mode staged or together "
                             "(default 2; 1 = no xdist, one process)")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=[r.name for r in runs()],
                        help="run only these (default: all)")
    parser.add_argument("pytest_args", nargs="*", help="after --: arguments for every pytest run")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers expected a positive integer, got {args.workers}")
    chosen = [r for r in runs() if not args.only or r.name in args.only]
    if args.mode == "serial":
        run_one_after_another(chosen, args.pytest_args)
    elif args.mode == "together":
        run_side_by_side(chosen, args.workers, args.pytest_args, one_thread=False)
    else:
        run_one_after_another([r for r in chosen if r.name == "tensorflow"], args.pytest_args,
                              workers=args.workers, one_thread=args.workers > 1)
        run_side_by_side([r for r in chosen if r.name != "tensorflow"], 1, args.pytest_args,
                         one_thread=True)
    return report(chosen)


def report(chosen: list[Run]) -> int:
    """One line per run; exit status 0 when every run passed."""
    print()
    for run in chosen:
        verdict = "passed" if run.process.returncode == 0 else "FAILED"
        print(f"{run.name:>10}: {verdict} in {run.seconds:.0f} s ({summary_line(run)})")
    return 0 if all(run.process.returncode == 0 for run in chosen) else 1


if __name__ == "__main__":
    sys.exit(main())
