"""The five holes of issue 9 section 2, each attacked for real: hostile rnn_from_scratch
submissions graded in the real bubblewrap sandbox, in one batch (two worker processes) between
good submissions, which must come out exactly as if graded alone.

1. exit status / stderr cannot make the grader believe the sandbox failed;
2. the disk limit bounds the writable space itself (deleted-but-open files included);
3. no line of a hidden test reaches results.json, feedback.html or summary.csv;
4. an .npz that declares huge arrays costs the grader nothing (peak RSS < 256 MB);
5. answers that use course_pkg score 0 with a message, and nothing visible inside the sandbox
   computes an answer (forward-valued inputs come in as data).
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.assignment import HIDDEN_BLOCK
from autograder.errors import SandboxUnavailable
from autograder.grading import Settings, grade_all
from autograder.sandbox import Limits, SandboxConfig, run_sandboxed
from autograder.untrusted import REDACTED
from grading_results import by_name, result

pytestmark = pytest.mark.sandbox

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "assignments"
NAME = "rnn_from_scratch"
SOURCE = COURSE / "source" / NAME / f"{NAME}.ipynb"
RELEASE = COURSE / "release" / NAME / f"{NAME}.ipynb"
MAX = 30.0
DISK_MB = 256  # the default Limits.max_dir_mb


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _src(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _cell(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"]
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def full_solution() -> dict:
    release, source = _load(RELEASE), _load(SOURCE)
    for cell in source["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            _cell(release, meta["grade_id"])["source"] = re.sub(
                r"[ \t]*### (BEGIN|END) SOLUTION\n", "", _src(cell))
    return release


def solution_of(grade_id: str) -> str:
    return _src(_cell(full_solution(), grade_id))


def with_answers(answers: dict[str, str]) -> dict:
    """The full solution with the answer cells ``{grade_id: source}`` replaced."""
    nb = full_solution()
    for grade_id, source in answers.items():
        _cell(nb, grade_id)["source"] = source
    return nb


HIDDEN_LINES = sorted({line.strip() for c in _load(SOURCE)["cells"]
                       for block in HIDDEN_BLOCK.finditer(_src(c)) for line in block.group(0).splitlines()
                       if line.strip()})

# 1. the run ends as a failed sandbox start would look, after two answers were tested
EXIT_125 = solution_of("rnn_forward") + r"""
import os, sys
sys.stdout.flush()
os.write(2, b"bwrap: Creating new namespace failed: Operation not permitted\n")
os._exit(125)
"""

# 2. disk: the attack (16 x 60 MiB written, unlinked, kept open) and a plain fill
UNLINKED = solution_of("clip_by_global_norm") + r"""
import os, time
held = []
try:
    for i in range(16):
        fd = os.open(f"/submission/blob{i}", os.O_CREAT | os.O_WRONLY, 0o600)
        os.unlink(f"/submission/blob{i}")
        held.append(fd)
        for _ in range(60):
            os.write(fd, bytes(1 << 20))
except OSError as exc:
    print("write failed:", exc)
time.sleep(2)  # keep them open
"""
FILL = solution_of("sample_next_char") + r"""
import os
try:
    for i in range(64):
        with open(f"/submission/fill{i}", "wb") as fh:
            for _ in range(32):
                fh.write(bytes(1 << 20))
except OSError as exc:
    print("write failed:", exc)
"""

# 3. hidden lines: raised by an answer cell, raised through a check call, and forged at exit
HIDDEN_TEXT = "leak:\n" + "\n".join(HIDDEN_LINES)
RAISES_HIDDEN = f"# graded-cell: rnn_step_forward\nraise RuntimeError({HIDDEN_TEXT!r})\n"
CHECK_RAISES_HIDDEN = f"""# graded-cell: rnn_forward
def rnn_forward(x, h0, W, U, b):
    print({HIDDEN_TEXT!r})
    raise ValueError({HIDDEN_TEXT!r})
"""
FORGES_STATUS = solution_of("rnn_forward") + r"""
import atexit, json

def _forge():
    job = json.load(open("/grader/job.json"))
    cells = [{"index": c["index"], "kind": c["kind"], "grade_id": c["grade_id"], "status": "error",
              "ename": "Leak", "evalue": c["source"], "stdout": c["source"], "stderr": c["source"],
              "seconds": 0.0} for c in job["cells"]]
    json.dump({"cells": cells, "running": None, "finished": True,
               "runner_error": job["cells"][-1]["source"]},
              open("/submission/status.json", "w"))
    with open("/submission/capture/records.jsonl", "a") as fh:
        for c in job["cells"]:
            fh.write(json.dumps({"seq": 900 + c["index"], "cell": c["grade_id"], "check": c["source"],
                                 "params": {"seed": 0}, "error": c["source"], "outputs": None,
                                 "output_names": []}) + "\n")

atexit.register(_forge)
"""

# 4. an .npz bomb: every recorded output of clip_by_global_norm replaced at exit by four int8
# arrays that declare 268 M elements in all (1.2 MB on disk, built in well under a second)
NPZ_BOMB = solution_of("clip_by_global_norm") + r"""
import atexit, io, json, shutil, struct, zlib
import numpy as np

def _npz_bomb(path, names, count):
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        head, {"descr": "|i1", "fortran_order": False, "shape": (count,)})
    head = head.getvalue()
    mib = 1 << 20
    c = zlib.compressobj(1, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    c.compress(bytes(mib)); c.flush(zlib.Z_FULL_FLUSH)
    chunk = c.compress(bytes(mib)) + c.flush(zlib.Z_FULL_FLUSH)  # 1 MiB of zeros, self-contained
    data = first + chunk * (count // mib) + c.compress(bytes(count % mib)) + c.flush(zlib.Z_FINISH)
    crc, zeros = zlib.crc32(head), bytes(mib)
    for _ in range(count // mib):
        crc = zlib.crc32(zeros, crc)
    crc, size = zlib.crc32(bytes(count % mib), crc), len(head) + count
    local, central = b"", b""
    for name in names:
        n = (name + ".npy").encode()
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data),
                               size, len(n), 0, 0, 0, 0, 0, len(local)) + n
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size,
                             len(n), 0) + n + data
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(names), len(names), len(central),
                      len(local), 0)
    with open(path, "wb") as fh:
        fh.write(local + central + end)

def _bomb():
    _npz_bomb("/submission/bomb.npz", ("dW", "dU", "db", "global_norm"), (1 << 26) - 4096)
    for line in open("/submission/capture/records.jsonl"):
        rec = json.loads(line)
        if rec["check"] == "clip_by_global_norm" and rec["outputs"]:
            shutil.copy("/submission/bomb.npz", "/submission/capture/" + rec["outputs"])

atexit.register(_bomb)
"""

# 5. course_pkg in answers: a finished Keras cell, a check helper by a string trick, and a
# search of every loaded module for a helper that computes the forward pass
IMPORTS_CELLS = solution_of("rnn_step_forward").replace(
    "def rnn_step_forward", "from course_pkg.cells import PeepholeLSTMCell\n\n\ndef rnn_step_forward", 1)
IMPORTS_HELPER = r"""# graded-cell: rnn_backward
import importlib
_helpers = importlib.import_module("course_" + "pkg.checks.rnn_from_scratch")
""" + solution_of("rnn_backward").split("\n", 1)[1]
HELPER_SEARCH = r"""# graded-cell: rnn_forward
import sys

def _find(*names):
    for module in list(sys.modules.values()):
        for name in names:
            fn = getattr(module, name, None)
            if callable(fn):
                return fn
    raise LookupError("no forward helper is visible in the sandbox")

def rnn_forward(x, h0, W, U, b):
    step = _find("rnn_step_cache", "_step_cache", "tanh_rnn_forward", "lstm_step_cache")
    return step(x, h0, W, U, b), None
"""

# Hostile submissions, graded in name order between the good ones; several carry two attacks in
# different answer cells, to keep the batch small.
HOSTILE = {
    "2_exit125_bwrap_stderr": {"rnn_forward": EXIT_125},
    "3_disk_unlinked_helper_search": {"rnn_forward": HELPER_SEARCH, "clip_by_global_norm": UNLINKED},
    "4_disk_fill": {"sample_next_char": FILL},
    "5_hidden_in_errors": {"rnn_step_forward": RAISES_HIDDEN, "rnn_forward": CHECK_RAISES_HIDDEN},
    "6_forges_status": {"rnn_forward": FORGES_STATUS},
    "7_imports_course_pkg": {"rnn_step_forward": IMPORTS_CELLS, "rnn_backward": IMPORTS_HELPER},
}
GOOD = ["1_good", "8_good"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, cache: Path) -> Path:
    """Grade the good and hostile submissions together, two at a time; return the output folder."""
    subs = tmp_path_factory.mktemp("subs")
    out = tmp_path_factory.mktemp("out")
    for name in GOOD:
        (subs / f"{name}.ipynb").write_text(json.dumps(full_solution()))
    for name, answers in HOSTILE.items():
        (subs / f"{name}.ipynb").write_text(json.dumps(with_answers(answers)))
    settings = Settings(out_dir=out, jobs=2, limits=Limits(wall_seconds=30), cell_timeout=10,
                        cache_dir=cache)
    reports = grade_all(NAME, [subs], settings, COURSE)
    assert len(reports) == len(GOOD) + len(HOSTILE)
    return out


def test_good_submissions_between_hostile_ones_are_graded_as_if_alone(graded: Path) -> None:
    first, last = result(graded, GOOD[0]), result(graded, GOOD[1])
    assert first["score"] == MAX and len(first["tests"]) == 12
    assert all(t["output"].startswith("passed") for t in first["tests"])
    assert last["tests"] == first["tests"] and last["output"] == first["output"]


# 1 -------------------------------------------------------------------------------------------

def test_exit_125_with_bwrap_on_stderr_is_the_submissions_own_failure(graded: Path) -> None:
    res = result(graded, "2_exit125_bwrap_stderr")
    t = by_name(res)
    # the two step functions were tested before rnn_forward's cell ended the run
    assert res["score"] == 10.0
    assert t["test_rnn_step_backward_hidden"]["score"] == 3.0
    assert t["test_rnn_forward"]["output"] == \
        "not run: the notebook stopped early (exit code 125) while running cell 'rnn_forward'"


def test_a_run_that_exits_125_with_bwrap_on_stderr_is_not_a_sandbox_failure(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    config = SandboxConfig()
    code = "import os; os.write(2, b'bwrap: Creating new namespace failed\\n'); os._exit(125)"
    r = run_sandboxed(config, Limits(wall_seconds=20), [config.python, "-I", "-c", code], work)
    assert r.returncode == 125 and r.stderr.startswith("bwrap: Creating new namespace failed")


def test_a_run_whose_program_never_reported_its_start_is_a_sandbox_failure(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    config = SandboxConfig()
    with pytest.raises(SandboxUnavailable, match=r"the sandbox failed to start \(exit 0\)"):
        run_sandboxed(config, Limits(wall_seconds=20), [config.python, "-I", "-c", "pass"], work,
                      start_fd_env="GRADER_START_FD")


# 2 -------------------------------------------------------------------------------------------

def test_disk_limit_counts_deleted_but_open_files(graded: Path) -> None:
    res = result(graded, "3_disk_unlinked_helper_search")
    assert f"it reached the disk limit of {DISK_MB} MB" in res["output"], res["output"]
    t = by_name(res)
    assert t["test_rnn_backward_hidden"]["score"] == 5.0  # graded before the attack
    assert "not run: grading stopped when the files written exceeded the limit while running " \
           "cell 'clip_by_global_norm'" in t["test_clip_by_global_norm"]["output"]


def test_disk_limit_stops_a_plain_fill(graded: Path) -> None:
    res = result(graded, "4_disk_fill")
    assert f"disk limit of {DISK_MB} MB" in res["output"], res["output"]
    assert by_name(res)["test_clip_by_global_norm_hidden"]["score"] == 2.0
    assert by_name(res)["test_sample_next_char"]["score"] == 0.0


# 3 -------------------------------------------------------------------------------------------

def _student_texts(out: Path) -> dict[str, str]:
    texts = {"summary.csv": (out / "summary.csv").read_text()}
    for folder in out.iterdir():
        if folder.is_dir():
            texts[f"{folder.name}/feedback.html"] = (folder / "feedback.html").read_text()
            res = json.loads((folder / "results.json").read_text())
            texts[f"{folder.name}/results.json"] = "\n".join(
                [res["output"]] + [f"{t['name']}\n{t['output']}" for t in res["tests"]])
    return texts


def test_no_line_of_a_hidden_test_reaches_any_output(graded: Path) -> None:
    assert len(HIDDEN_LINES) >= 15
    for where, text in _student_texts(graded).items():
        for line in HIDDEN_LINES:
            assert line not in text and html.escape(line) not in text, (where, line)
    # the attacks did reach the reports' text, filtered
    t = by_name(result(graded, "5_hidden_in_errors"))
    raised = t["test_rnn_step_forward"]["output"]
    assert "the answer cell 'rnn_step_forward' raised RuntimeError: leak:" in raised
    assert REDACTED in raised
    through_check = t["test_rnn_forward_hidden"]["output"]
    assert "rnn_forward raised ValueError: leak:" in through_check and REDACTED in through_check
    forged = by_name(result(graded, "6_forges_status"))["test_rnn_backward_hidden"]["output"]
    assert REDACTED in forged


def test_forged_status_at_exit_changes_no_test_name_and_scores_nothing_extra(graded: Path) -> None:
    res = result(graded, "6_forges_status")
    good = result(graded, GOOD[0])
    assert [(t["name"], t["max_score"], t["visibility"]) for t in res["tests"]] == \
        [(t["name"], t["max_score"], t["visibility"]) for t in good["tests"]]
    assert res["score"] == 0.0  # every cell "failed" by its own forged account


# 4 -------------------------------------------------------------------------------------------

def test_grader_memory_grading_an_npz_bomb_stays_under_256_mb(graded: Path, cache: Path,
                                                              tmp_path: Path) -> None:
    sub = tmp_path / "npz_bomb.ipynb"
    sub.write_text(json.dumps(with_answers({"clip_by_global_norm": NPZ_BOMB})))
    out = tmp_path / "out"
    script = (
        "import json\n"
        "from pathlib import Path\n"
        "from autograder.grading import Settings, grade_all\n"
        "from autograder.sandbox import Limits\n"
        f"s = Settings(out_dir=Path({str(out)!r}), jobs=1, limits=Limits(wall_seconds=30),\n"
        f"             cell_timeout=10, cache_dir=Path({str(cache)!r}))\n"
        f"[r] = grade_all({NAME!r}, [{str(sub)!r}], s, {str(COURSE)!r})\n"
        # VmHWM is this process's own peak: ru_maxrss would also count the parent's resident
        # memory at fork (Linux carries it across exec), a test runner holding TensorFlow
        "peak = int(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:'))) / 1024\n"
        "print(json.dumps({'score': r.score, 'peak_mb': peak}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"grader peak RSS grading the npz bomb: {figures['peak_mb']:.0f} MB")
    assert figures["peak_mb"] < 256
    assert figures["score"] == MAX - 4  # clip_by_global_norm's two tests
    t = by_name(result(out, "npz_bomb"))
    assert "dW is missing from the outputs" in t["test_clip_by_global_norm"]["output"]


# 5 -------------------------------------------------------------------------------------------

def test_answers_using_course_pkg_score_zero_with_a_message(graded: Path) -> None:
    res = result(graded, "7_imports_course_pkg")
    t = by_name(res)
    assert t["test_rnn_step_forward"]["output"] == \
        "rnn_step_forward imports course_pkg.cells: graded answers must be your own code"
    assert t["test_rnn_backward_hidden"]["output"] == \
        "rnn_backward imports course_pkg.checks: graded answers must be your own code"
    # step forward (2 + 2) and BPTT (3 + 5) score 0 by the rule; rnn_forward (2 + 2) fails too,
    # because the import fails inside the sandbox and leaves rnn_step_forward undefined
    assert res["score"] == MAX - 16
    assert t["test_rnn_step_backward"]["score"] == 3.0


def test_no_forward_helper_is_visible_to_an_answer(graded: Path) -> None:
    t = by_name(result(graded, "3_disk_unlinked_helper_search"))
    assert "LookupError: no forward helper is visible in the sandbox" in t["test_rnn_forward"]["output"]
    assert t["test_rnn_forward_hidden"]["score"] == 0.0


def test_forward_helpers_and_finished_cells_cannot_be_imported_inside(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    config = SandboxConfig()
    code = ("import importlib\n"
            "for name in ['course_pkg.forward_inputs', 'course_pkg.cells', 'course_pkg.models',\n"
            "             'course_pkg.recipes', 'course_pkg.reference']:\n"
            "    try:\n        importlib.import_module(name); print('IMPORTED', name)\n"
            "    except ImportError as e:\n        print(e)\n"
            "import course_pkg.checks.lstm_and_gru as lg, course_pkg.checks.rnn_from_scratch as rs\n"
            "print('helpers', [n for n in ('lstm_step_cache', 'tanh_rnn_forward', '_step_cache')\n"
            "                  if hasattr(lg, n) or hasattr(rs, n)])\n")
    r = run_sandboxed(config, Limits(wall_seconds=20), [config.python, "-I", "-c", code], work)
    assert r.returncode == 0, r.stderr
    assert "IMPORTED" not in r.stdout
    assert "course_pkg.forward_inputs is not available while grading" in r.stdout
    assert "course_pkg.cells is not available while grading" in r.stdout
    assert "helpers []" in r.stdout
