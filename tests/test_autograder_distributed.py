"""Grading on a real Dask distributed cluster: same reports as the local pool, nothing lost.

A real ``dask scheduler`` and two ``dask worker`` processes (one thread each, behind their
nannies) run on 127.0.0.1. The same 40 rnn_from_scratch submissions (right, blank, two wrong
gradients, a syntax error, a broken file) are graded once with the local process pool and twice
on the cluster: every results.json (but its timing), every feedback page and summary.csv must be
identical. In the second cluster run a worker process that is grading is killed with SIGKILL:
every submission still gets exactly one report, with the pool's score.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.distributed import DaskDispatcher
from autograder.grading import Settings, grade_all
from autograder.progress import Progress
from test_autograder_cases import RNN, ROOT, _load, _src, _write, full_solution, with_answer

pytestmark = pytest.mark.sandbox

NAME = "rnn_from_scratch"
N = 40
DASK = Path(sys.executable).parent / "dask"


def _variants() -> list[dict | bytes]:
    solution = full_solution()
    step_backward = _src(next(c for c in solution["cells"]
                              if c["metadata"].get("nbgrader", {}).get("grade_id") == "rnn_step_backward"))
    return [
        solution,
        _load(RNN.release),
        with_answer("rnn_step_backward", step_backward.replace("dU = h_prev.T @ dz", "dU = dz.T @ h_prev")),
        with_answer("rnn_forward", "# graded-cell: rnn_forward\ndef rnn_forward(:\n"),
        b"{ not json",
    ]


@pytest.fixture(scope="module")
def class_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 submissions, the five variants in turn: student00 ... student39."""
    folder = tmp_path_factory.mktemp("class")
    variants = _variants()
    for i in range(N):
        _write(folder, f"student{i:02d}", variants[i % len(variants)])
    return folder


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def pool_out(class_dir: Path, cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 40 graded by the local process pool (2 processes)."""
    out = tmp_path_factory.mktemp("pool")
    grade_all(NAME, [class_dir], Settings(out_dir=out, jobs=2, cache_dir=cache))
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory):
    """A real scheduler and two real worker processes on 127.0.0.1; yields the address."""
    from distributed import Client

    scratch = tmp_path_factory.mktemp("dask")
    address = f"tcp://127.0.0.1:{_free_port()}"
    procs = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                               "--no-dashboard"], cwd=scratch, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=open(scratch / "scheduler.log", "w"))]
    for i in range(2):
        procs.append(subprocess.Popen(
            [str(DASK), "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
             "--local-directory", str(scratch / f"w{i}")], cwd=scratch, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=open(scratch / f"worker{i}.log", "w")))
    try:
        with Client(address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _strip_time(path: Path) -> dict:
    data = json.loads(path.read_text())
    data.pop("execution_time")
    return data


def assert_same_reports(pool: Path, other: Path) -> None:
    names = sorted(p.name for p in pool.iterdir() if p.is_dir())
    assert len(names) == N
    assert sorted(p.name for p in other.iterdir() if p.is_dir()) == names
    for name in names:
        assert _strip_time(other / name / "results.json") == _strip_time(pool / name / "results.json"), name
        assert (other / name / "feedback.html").read_text() == (pool / name / "feedback.html").read_text()
    assert (other / "summary.csv").read_text() == (pool / "summary.csv").read_text()


def _progress_names(text: str) -> list[str]:
    return [line.split()[2].rstrip(":") for line in text.splitlines() if line.startswith("graded ")]


def test_dask_cluster_grades_40_exactly_as_the_local_pool(pool_out: Path, class_dir: Path, cache: Path,
                                                          scheduler: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    scores = [line.split(",")[1] for line in (pool_out / "summary.csv").read_text().splitlines()[1:]]
    assert scores.count("30") == 8 and scores.count("0") == 16  # right; blank and broken
    out = tmp_path / "dask"
    code = main(["grade", "--assignment", NAME, str(class_dir), "--out", str(out), "--cache-dir", str(cache),
                 "--scheduler", scheduler, "--progress", "lines"])
    assert code == 0
    assert_same_reports(pool_out, out)
    err = capsys.readouterr().err
    assert sorted(_progress_names(err)) == [f"student{i:02d}" for i in range(N)]
    assert f"graded {N}/{N} " in err


class KillOneWorker:
    """A grading observer that SIGKILLs a worker process in the middle of a task, once."""

    def __init__(self, address: str, after: int) -> None:
        from distributed import Client

        self.client = Client(address, timeout=30, set_as_default=False)
        self.after = after
        self.count = 0
        self.killed: tuple[int, tuple[str, ...]] | None = None

    def start(self, total: int) -> None:
        pass

    def finished(self, sub, report) -> None:  # noqa: ANN001 - the observer protocol
        self.count += 1
        if self.killed is not None or self.count < self.after:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            busy = {w: keys for w, keys in self.client.processing().items() if keys}
            if busy:
                worker, keys = next(iter(busy.items()))
                pid = self.client.run(os.getpid, workers=[worker])[worker]
                os.kill(pid, signal.SIGKILL)
                self.killed = (pid, tuple(keys))
                return
            time.sleep(0.05)


def test_worker_killed_mid_batch_loses_and_duplicates_nothing(pool_out: Path, class_dir: Path, cache: Path,
                                                              scheduler: str, tmp_path: Path) -> None:
    killer = KillOneWorker(scheduler, after=10)
    lines = io.StringIO()
    out = tmp_path / "killed"
    try:
        reports = grade_all(NAME, [class_dir], Settings(out_dir=out, cache_dir=cache),
                            dispatcher=DaskDispatcher(scheduler),
                            observers=(Progress("lines", lines), killer))
    finally:
        killer.client.close()
    assert killer.killed is not None, "no worker was busy to be killed"
    pid, keys = killer.killed
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert any(k.startswith("rnn-ag-grade-student") for k in keys)
    assert sorted(r.name for r in reports) == [f"student{i:02d}" for i in range(N)]
    assert sorted(_progress_names(lines.getvalue())) == [f"student{i:02d}" for i in range(N)]
    assert_same_reports(pool_out, out)


def test_scheduler_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    sub = _write(tmp_path, "alice", b"{}")
    assert main(["grade", "--assignment", NAME, str(sub), "--out", str(tmp_path / "o"),
                 "--scheduler", "127.0.0.1:8786"]) == 2
    assert capsys.readouterr().err == \
        "error: --scheduler must look like tcp://HOST:PORT, got '127.0.0.1:8786'\n"
    assert main(["grade", "--assignment", NAME, str(sub), "--out", str(tmp_path / "o"),
                 "--scheduler", f"tcp://127.0.0.1:{_free_port()}", "--scheduler-timeout", "1",
                 "--progress", "none"]) == 10
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach the Dask scheduler at tcp://127.0.0.1:") and err.count("\n") == 1


def test_dask_grades_a_several_notebook_submission_as_the_pool(scheduler: str, cache: Path, tmp_path: Path) -> None:
    """nbgrader's ps1 (problem1 and problem2, a data file): each notebook travels as bytes."""
    course = ROOT / "tests" / "fixtures" / "nbgrader" / "ps1"
    student = course / "submitted" / "bitdiddle"
    pool = grade_all("ps1", [student], Settings(out_dir=tmp_path / "pool", jobs=1, cache_dir=cache), course)
    dask = grade_all("ps1", [student], Settings(out_dir=tmp_path / "dask", cache_dir=cache), course,
                     dispatcher=DaskDispatcher(scheduler))
    assert [dataclasses.replace(r, seconds=0) for r in dask] == [dataclasses.replace(r, seconds=0) for r in pool]
    (report,) = dask
    assert {t.part for t in report.tests} == {"problem1", "problem2"} and report.score == 1.5
