"""The pre-warmed sandbox (autograder/prefork.py, autograder/zygote.py): one submission's
processes, files and kills never reach the next, the zygote's memory is out of reach, and a
Keras model trained in forked children gives the numbers of a cold run."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import psutil
import pytest

from autograder.execution import RUN_ENV, Execution, execute
from autograder.prefork import close_all, warm_sandbox
from autograder.rebuild import RunCell
from autograder.zygote import _outermost
from autograder.sandbox import Limits, SandboxConfig

pytestmark = pytest.mark.sandbox

CONFIG = SandboxConfig()
LIMITS = Limits(wall_seconds=4, memory_mb=300, max_dir_mb=64)
NUMPY = ("numpy",)

LEAVE_BEHIND = """
import os, subprocess
subprocess.Popen(["sleep", "60"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    import time
    while True:
        time.sleep(1)
for path in ("/submission/left.txt", "/tmp/left.txt", "/dev/shm/left.txt"):
    open(path, "w").write("N")
open("/submission/deleted.bin", "wb").write(b"x" * (8 << 20))
held = open("/submission/deleted.bin", "rb")
os.unlink("/submission/deleted.bin")
os.getpid()
"""

LOOK_AROUND = """
import os
print(repr({
    "files": [p for p in ("/submission/left.txt", "/tmp/left.txt", "/dev/shm/left.txt")
              if os.path.exists(p)],
    "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "submission": sorted(os.listdir("/submission")),
    "free_mb": os.statvfs("/submission").f_bavail * os.statvfs("/submission").f_frsize >> 20,
}))
"""

READ_THE_ZYGOTE = """
import ctypes, os
tried = {}
for pid in sorted(int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()):
    try:
        with open(f"/proc/{pid}/mem", "rb") as fh:
            fh.read(1)
        tried[pid] = "read"
    except OSError as exc:
        tried[pid] = type(exc).__name__
libc = ctypes.CDLL(None, use_errno=True)
tried["ptrace 1"] = libc.ptrace(16, 1, None, None)  # PTRACE_ATTACH to the namespace's init
print(repr(tried))
"""


@pytest.fixture(scope="module", autouse=True)
def _close_sandboxes():
    """The module's warm sandboxes (one holds TensorFlow) end with it, not with pytest."""
    yield
    close_all()


def run(*sources: str, preload: tuple[str, ...] | None = NUMPY, scratch: Path,
        limits: Limits = LIMITS) -> Execution:
    cells = [RunCell(i, "answer", None, s) for i, s in enumerate(sources)]
    return execute(cells, scratch, CONFIG, limits, cell_timeout=30, preload=preload)


def printed(execution: Execution, cell: int = -1) -> object:
    """What the cell printed, read as a Python literal; a cell that printed nothing (it failed or
    ran out of time) fails the test with its status, not with a parse error of an empty string."""
    status = execution.status["cells"][cell]
    text = status["stdout"].strip()
    assert text, f"cell {cell} printed nothing; its status: {status}"
    return ast.literal_eval(text)


def sandbox(preload: tuple[str, ...] = NUMPY, limits: Limits = LIMITS):
    return warm_sandbox(CONFIG, limits, preload, (), RUN_ENV)


def test_what_one_submission_leaves_is_gone_before_the_next_runs(tmp_path: Path) -> None:
    first = run(LEAVE_BEHIND, scratch=tmp_path / "1")
    assert first.status["finished"] and first.sandbox.returncode == 0, first.status
    starts = sandbox().starts
    assert not [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", "60"]]
    second = run(LOOK_AROUND, scratch=tmp_path / "2")
    seen = printed(second)
    assert sandbox().starts == starts  # the same zygote: nothing was torn down in between
    assert seen["files"] == [] and seen["submission"] == ["status.json"]
    assert seen["processes"] == [1, 2]  # the namespace's init and the runner, nothing of run 1
    assert seen["free_mb"] > LIMITS.max_dir_mb - 2  # the deleted-but-open 8 MiB was freed


def test_a_checkout_under_tmp_is_bound_again_once_per_outermost_mount() -> None:
    # bwrap's mounts of a checkout under /tmp: the venv, a tmpfs for the masked package and
    # single files bound into that tmpfs; the child binds the first two again, with what is below
    points = ["/tmp/ci/.venv", "/tmp/ci/course_pkg", "/tmp/ci/course_pkg/__init__.py",
              "/tmp/ci/course_pkg/checks", "/tmp/ci/course_pkg_other"]
    assert _outermost(points) == ["/tmp/ci/.venv", "/tmp/ci/course_pkg", "/tmp/ci/course_pkg_other"]


def test_a_child_cannot_read_or_trace_the_zygote(tmp_path: Path) -> None:
    seen = printed(run(READ_THE_ZYGOTE, scratch=tmp_path))
    assert seen == {1: "PermissionError", "ptrace 1": -1}  # only its own init is even visible
    warm = sandbox()
    (zygote,) = [p for p in psutil.Process(warm._proc.pid).children(recursive=True)
                 if p.cmdline()[:4] == [CONFIG.python, "-I", "-B", "/grader/zygote.py"]]
    assert zygote.uids().real == (65534 if os.geteuid() == 0 else os.getuid())
    assert os.stat(f"/proc/{zygote.pid}/mem").st_uid == 0  # non-dumpable: root's, not the user's
    assert warm.threads == 1


@pytest.mark.parametrize("kill, source", [
    ("memory", "hog = [b'x' * (1 << 20) for _ in range(1024)]"),
    ("wall clock", "while True:\n    try:\n        while True:\n            pass\n"
                   "    except BaseException:\n        pass"),
])
def test_a_killed_child_restarts_the_sandbox_and_the_next_submission_grades(
        tmp_path: Path, kill: str, source: str) -> None:
    run("x = 0", scratch=tmp_path / "up")  # the sandbox is up (run alone, this test starts it)
    before = sandbox().starts
    assert before >= 1
    killed = run("x = 1", source, scratch=tmp_path / "killed")
    assert killed.sandbox.killed == kill
    assert killed.status["cells"][0]["status"] == "ok"  # what it did before the kill is kept
    after = run("print(repr({'answer': 6 * 7}))", scratch=tmp_path / "next")
    assert printed(after) == {"answer": 42} and after.sandbox.killed is None
    assert sandbox().starts == before + 1


KERAS_TRAINING = """
import keras, numpy as np
keras.utils.set_random_seed(0)
x = np.random.default_rng(0).normal(size=(64, 5, 3)).astype("float32")
y = x.sum(axis=(1, 2))[:, None]
model = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
print(repr([float(v) for v in history.history["loss"]] + [float(model.predict(x[:2], verbose=0).sum())]))
"""


@pytest.mark.keras
def test_keras_trains_the_same_in_two_forked_children_as_in_a_cold_run(tmp_path: Path) -> None:
    limits = Limits(wall_seconds=120, memory_mb=2048)
    warm = [printed(run(KERAS_TRAINING, preload=("keras", "numpy"), scratch=tmp_path / f"warm{i}",
                        limits=limits)) for i in range(2)]
    zygote = sandbox(("keras", "numpy"), limits)
    assert zygote.starts == 1 and zygote.threads == 1  # TensorFlow imported, still one thread
    cold = printed(run(KERAS_TRAINING, preload=None, scratch=tmp_path / "cold", limits=limits))
    assert warm[0] == warm[1] == cold
    assert len(cold) == 4 and cold[2] < cold[0]  # it did train
