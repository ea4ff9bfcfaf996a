"""End-to-end grading of rnn_from_scratch submissions, real bubblewrap, real notebooks.

All submissions are built programmatically from the release and the instructor source, graded
together in one run with two worker processes (so a hostile submission shares the pool with
good ones), and each test below reads its submission's results.json / feedback.html.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import re
import zipfile
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.errors import SandboxUnavailable
from autograder.grading import Settings, grade_all
from autograder.sandbox import Limits, SandboxConfig
from grading_results import by_name, result

pytestmark = pytest.mark.sandbox

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "assignments"
NAME = "rnn_from_scratch"
SOURCE = COURSE / "source" / NAME / f"{NAME}.ipynb"
RELEASE = COURSE / "release" / NAME / f"{NAME}.ipynb"
MAX = 30.0
HOST_CANARIES = [Path("/usr/pwned_by_autograder_test"), Path("/root/pwned_by_autograder_test"),
                 ROOT / "pwned_by_autograder_test"]


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _cell(nb: dict, grade_id: str) -> dict:
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise KeyError(grade_id)


def _src(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def full_solution() -> dict:
    """The release with every answer cell filled in from the instructor's solutions."""
    release, source = _load(RELEASE), _load(SOURCE)
    for cell in source["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            text = re.sub(r"[ \t]*### (BEGIN|END) SOLUTION\n", "", _src(cell))
            _cell(release, meta["grade_id"])["source"] = text
    return release


def with_answer(grade_id: str, new_source: str) -> dict:
    nb = full_solution()
    _cell(nb, grade_id)["source"] = new_source
    return nb


def _write(folder: Path, name: str, nb: dict | bytes) -> Path:
    path = folder / f"{name}.ipynb"
    path.write_bytes(nb if isinstance(nb, bytes) else json.dumps(nb, indent=1).encode())
    return path


ESCAPE = '''# graded-cell: rnn_forward
import os
leaks = []
for p in ["{source}", "/root/.bashrc", "/etc/shadow", "{release}",
          "/proc/1/root/etc/hostname", os.path.expanduser("~/../../root/.profile")]:
    try:
        open(p).read(); leaks.append("read " + p)
    except OSError:
        pass
for p in ["/usr/pwned_by_autograder_test", "/root/pwned_by_autograder_test",
          "{root}/pwned_by_autograder_test", "/tmp/../usr/pwned_by_autograder_test"]:
    try:
        open(p, "w").write("x"); leaks.append("wrote " + p)
    except OSError:
        pass
raise RuntimeError("escape attempts: " + (", ".join(leaks) or "none succeeded"))
'''


@pytest.fixture(scope="module")
def submissions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every case as a file (or archive) in one folder."""
    subs = tmp_path_factory.mktemp("subs")
    solution = full_solution()
    _write(subs, "full_solution", solution)
    _write(subs, "blank_release", _load(RELEASE))
    step_backward = _src(_cell(solution, "rnn_step_backward"))
    _write(subs, "wrong_dU", with_answer("rnn_step_backward",
                                         step_backward.replace("dU = h_prev.T @ dz", "dU = dz.T @ h_prev")))
    seq_backward = _src(_cell(solution, "rnn_backward"))
    _write(subs, "wrong_dU_no_sum", with_answer(
        "rnn_backward", seq_backward.replace("        dU += dU_t\n", "        dU = dU_t\n")))
    forward = _src(_cell(solution, "rnn_forward"))
    _write(subs, "infinite_loop", with_answer("rnn_forward", "# graded-cell: rnn_forward\nwhile True:\n    pass\n"))
    _write(subs, "stubborn_loop", with_answer(
        "rnn_forward",
        "# graded-cell: rnn_forward\nwhile True:\n    try:\n        while True:\n            pass\n"
        "    except BaseException:\n        pass\n"))
    edited = full_solution()
    _cell(edited, "test_rnn_step_forward")["source"] = "# graded-test: test_rnn_step_forward\npass\n"
    _write(subs, "edited_test", edited)
    deleted = full_solution()
    deleted["cells"].remove(_cell(deleted, "test_rnn_backward_hidden"))
    deleted["cells"].remove(_cell(deleted, "test_rnn_forward"))
    _write(subs, "deleted_tests", deleted)
    stripped = full_solution()
    for cell in stripped["cells"]:
        cell["metadata"] = {}
    _write(subs, "metadata_stripped", stripped)
    no_markers = copy.deepcopy(stripped)
    for cell in no_markers["cells"]:
        lines = _src(cell).split("\n")
        if lines and lines[0].startswith("# graded-cell:"):
            cell["source"] = "\n".join(lines[1:])
    _write(subs, "metadata_and_markers_stripped", no_markers)
    _write(subs, "escape_attempt", with_answer("rnn_forward", ESCAPE.format(
        source=SOURCE, release=RELEASE, root=ROOT)))
    backward = _src(_cell(solution, "rnn_backward"))
    _write(subs, "uses_reference", with_answer(
        "rnn_backward",
        "# graded-cell: rnn_backward\nfrom course_pkg.reference import rnn_backward as _ref\n\n"
        "def rnn_backward(dh, cache):\n    return _ref(dh, cache)\n"))
    _write(subs, "memory_hog", with_answer(
        "clip_by_global_norm",
        "# graded-cell: clip_by_global_norm\nhog = [b'x' * (1 << 20) for _ in range(8192)]\n"))
    _write(subs, "invalid_json", b'{"cells": [ {"cell_type": "code", ')
    _write(subs, "empty_file", b"")
    archive = subs / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("class/alice.ipynb", json.dumps(solution))
        zf.writestr("class/bob.ipynb", json.dumps(_load(RELEASE)))
        zf.writestr("../evil.ipynb", json.dumps(solution))
        zf.writestr("notes.txt", "not a notebook")
    assert backward  # the source really has a rnn_backward answer
    assert forward
    return subs


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The expected-values cache shared by the module's grading runs."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, submissions: Path, cache: Path) -> Path:
    """Grade every case in one CLI run (jobs=2, each submission in a child forked from a
    pre-warmed sandbox) and return the output folder."""
    subs = submissions
    out = tmp_path_factory.mktemp("out")
    rc = main([
        "grade", "--assignment", NAME, "--course-dir", str(COURSE), "--out", str(out),
        "--jobs", "2", "--timeout", "20", "--cell-timeout", "4", "--memory-mb", "512",
        "--cache-dir", str(cache), str(subs),
    ])
    assert rc == 0
    return out


#: Cases graded again with a new sandbox and interpreter each (``--no-prefork``): the solution,
#: wrong answers, an answer that uses the reference, and one killed for memory.
COLD_CASES = ("full_solution", "blank_release", "wrong_dU_no_sum", "uses_reference", "memory_hog")


def test_a_cold_sandbox_per_submission_gives_the_same_reports(
        submissions: Path, graded: Path, cache: Path, tmp_path: Path) -> None:
    settings = Settings(out_dir=tmp_path / "cold", jobs=1, limits=Limits(wall_seconds=20, memory_mb=512),
                        cell_timeout=4, cache_dir=cache, prefork=False)
    grade_all(NAME, [submissions / f"{name}.ipynb" for name in COLD_CASES], settings, COURSE)
    for name in COLD_CASES:
        warm, cold = result(graded, name), result(tmp_path / "cold", name)
        assert warm.pop("execution_time") > 0 and cold.pop("execution_time") > 0
        assert warm == cold, name


def test_full_solution_scores_full_marks(graded: Path) -> None:
    res = result(graded, "full_solution")
    assert res["score"] == MAX and res["max_score"] == MAX
    assert len(res["tests"]) == 12
    assert all(t["score"] == t["max_score"] for t in res["tests"])
    assert by_name(res)["test_rnn_backward_hidden"]["visibility"] == "after_published"


def test_blank_release_scores_zero_with_not_implemented(graded: Path) -> None:
    res = result(graded, "blank_release")
    assert res["score"] == 0.0 and res["max_score"] == MAX
    out = by_name(res)["test_rnn_step_forward"]["output"]
    assert "rnn_step_forward raised NotImplementedError" in out


def test_wrong_dU_gets_partial_credit_and_names_dU(graded: Path) -> None:
    res = result(graded, "wrong_dU")
    t = by_name(res)
    # step backward (3 + 3) and BPTT, which calls it (3 + 5), fail; the other 16 points stay.
    assert res["score"] == 16.0
    assert t["test_rnn_step_backward"]["score"] == 0.0
    assert "dU is wrong" in t["test_rnn_step_backward"]["output"]
    assert "dW is wrong" not in t["test_rnn_step_backward"]["output"]
    assert t["test_rnn_forward"]["score"] == 2.0


def test_dU_without_the_sum_over_time_scores_as_nbgrader_does(graded: Path) -> None:
    """The same plant as tests/test_assignment_nbgrader.py, where real nbgrader gives 22/30."""
    res = result(graded, "wrong_dU_no_sum")
    t = by_name(res)
    assert res["score"] == 22.0
    assert t["test_rnn_step_backward"]["score"] == 3.0
    assert "dU is wrong: did you sum over time steps?" in t["test_rnn_backward"]["output"]


def test_infinite_loop_is_interrupted_and_other_answers_still_score(graded: Path) -> None:
    res = result(graded, "infinite_loop")
    t = by_name(res)
    assert "ran longer than the per-cell time limit" in t["test_rnn_forward"]["output"]
    assert t["test_rnn_forward"]["score"] == 0.0
    assert t["test_rnn_step_forward"]["score"] == 2.0
    assert t["test_sample_next_char_hidden"]["score"] == 2.0
    assert "rnn_forward ran longer than 4 s" in res["output"]


def test_loop_that_swallows_interrupts_is_killed_at_the_wall_clock(graded: Path) -> None:
    res = result(graded, "stubborn_loop")
    t = by_name(res)
    assert "wall-clock limit of 20 s" in res["output"]
    # tests before the loop were recorded before the kill; the rest are reported as not run
    assert t["test_rnn_step_forward"]["score"] == 2.0
    assert t["test_rnn_step_backward_hidden"]["score"] == 3.0
    assert t["test_rnn_forward"]["score"] == 0.0
    assert "grading stopped at the wall-clock limit while running cell 'rnn_forward'" in \
        t["test_rnn_forward"]["output"]
    assert res["score"] == 10.0


def test_edited_test_cell_is_restored_and_reported(graded: Path) -> None:
    res = result(graded, "edited_test")
    assert res["score"] == MAX
    assert "test cell 'test_rnn_step_forward' was edited; the original test was run instead" in res["output"]


def test_deleted_test_cells_are_restored_and_reported(graded: Path) -> None:
    res = result(graded, "deleted_tests")
    assert res["score"] == MAX
    assert "test cell 'test_rnn_backward_hidden' was deleted" in res["output"]
    assert "test cell 'test_rnn_forward' was deleted" in res["output"]


def test_stripped_metadata_falls_back_to_marker_comments(graded: Path) -> None:
    res = result(graded, "metadata_stripped")
    assert res["score"] == MAX
    assert "answer cell 'rnn_backward' had no nbgrader metadata; it was found by its " \
           "'# graded-cell' first line" in res["output"]


def test_stripped_metadata_and_markers_fall_back_to_function_names(graded: Path) -> None:
    res = result(graded, "metadata_and_markers_stripped")
    assert res["score"] == MAX
    assert "found as the cell that defines rnn_step_backward" in res["output"]


def test_reading_or_writing_outside_the_sandbox_fails(graded: Path) -> None:
    res = result(graded, "escape_attempt")
    out = by_name(res)["test_rnn_forward"]["output"]
    attempts = re.search(r"escape attempts: (.*)", out).group(1)
    # No read succeeds. The only write that may "succeed" is one into the sandbox's private
    # tmpfs /tmp: when the repository itself lives under /tmp (a CI clone), the path
    # <repo>/pwned_... exists inside the sandbox only, and the host canary below stays absent.
    leaks = [] if attempts == "none succeeded" else attempts.split(", ")
    private = [leak for leak in leaks
               if leak.startswith("wrote ") and os.path.normpath(leak[6:]).startswith("/tmp/")]
    assert leaks == private, attempts
    if leaks:
        assert str(ROOT).startswith("/tmp/"), attempts
    assert res["score"] == MAX - 4  # only rnn_forward's two tests (BPTT checks build their own cache)
    for canary in HOST_CANARIES:
        assert not canary.exists()


def test_answer_calling_the_reference_scores_zero_for_its_tests(graded: Path) -> None:
    res = result(graded, "uses_reference")
    t = by_name(res)
    message = "rnn_backward calls course_pkg.reference: graded answers must be your own code"
    assert t["test_rnn_backward"]["output"] == message
    assert t["test_rnn_backward_hidden"]["score"] == 0.0
    assert res["score"] == MAX - 8


def test_memory_hog_is_stopped_with_a_message(graded: Path) -> None:
    res = result(graded, "memory_hog")
    assert "it used more than 512 MB of memory" in res["output"]
    t = by_name(res)
    assert t["test_rnn_step_forward"]["score"] == 2.0  # ran before the hog
    assert "memory limit was exceeded while running cell 'clip_by_global_norm'" in \
        t["test_clip_by_global_norm"]["output"]


def test_invalid_json_and_empty_file_get_clear_errors(graded: Path) -> None:
    bad = result(graded, "invalid_json")
    assert bad["score"] == 0.0 and bad["max_score"] == MAX
    assert "the file is not valid JSON (line 1" in bad["output"]
    empty = result(graded, "empty_file")
    assert "the file is empty (0 bytes)" in empty["output"]


def test_zip_members_are_graded_and_zip_slip_is_refused(graded: Path) -> None:
    assert result(graded, "class-class-alice")["score"] == MAX
    assert result(graded, "class-class-bob")["score"] == 0.0
    evil = [p.name for p in graded.iterdir() if "evil" in p.name]
    assert len(evil) == 1
    assert "points outside the archive" in result(graded, evil[0])["output"]
    assert not (graded.parent / "evil.ipynb").exists()


def test_summary_csv_lists_every_submission(graded: Path) -> None:
    with open(graded / "summary.csv", newline="") as fh:
        rows = {r["name"]: r for r in csv.DictReader(fh)}
    assert len(rows) == 18
    assert rows["full_solution"]["score"] == "30" and rows["full_solution"]["status"] == "graded"
    assert rows["empty_file"]["status"] == "error"


def test_feedback_page_shows_messages_but_never_hidden_test_source(graded: Path) -> None:
    page = (graded / "wrong_dU" / "feedback.html").read_text()
    assert "dU is wrong" in page
    assert "test_rnn_backward_hidden" in page
    assert "BEGIN HIDDEN TESTS" not in page
    assert "seed=23" not in page and "check.rnn_backward(" not in page
    assert "<script" not in page


def test_grading_refuses_when_bubblewrap_is_missing_or_broken(tmp_path: Path, capsys) -> None:
    nb = _write(tmp_path, "sub", full_solution())
    for bwrap in ("/nonexistent/bwrap", "/bin/false"):
        settings = Settings(out_dir=tmp_path / "out", jobs=1, sandbox=SandboxConfig(bwrap=bwrap),
                            limits=Limits(wall_seconds=20), cache_dir=tmp_path / "cache")
        with pytest.raises(SandboxUnavailable, match="(not found|did not run|failed to start)"):
            grade_all(NAME, [nb], settings, COURSE)
        assert not (tmp_path / "out" / "sub").exists()
    rc = main(["grade", "--assignment", NAME, "--course-dir", str(COURSE), "--out", str(tmp_path / "o2"),
               "--bwrap", "/nonexistent/bwrap", str(nb)])
    assert rc == 3
    assert "Refusing to grade" in capsys.readouterr().err
    assert not (tmp_path / "o2").exists()
