"""nbgrader's gradebook, written with nbgrader's API and read back with it: SQLite and PostgreSQL.

Three rnn_from_scratch submissions (right, blank, a wrong gradient) are graded once with
``--gradebook`` (SQLite in the output folder); a second run into the same folder skips them as
unchanged (the regrade manifest) and records the kept reports in a real PostgreSQL server,
started here from Debian's postgresql package (initdb + pg_ctl as the unprivileged ``nobody``).
Both databases must hold the assignment, its grade cells and each student's per-test scores.
"""

from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from autograder.cli import main
from test_autograder_cases import RNN, _cell, _load, _src, _write, full_solution, with_answer

pytestmark = pytest.mark.sandbox

NAME = "rnn_from_scratch"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, dict[str, float]]]:
    """(submissions folder, output folder, per-student per-test scores from results.json)."""
    import json

    subs, out = tmp_path_factory.mktemp("subs"), tmp_path_factory.mktemp("out")
    solution = full_solution()
    step_backward = _src(_cell(solution, "rnn_step_backward"))
    _write(subs, "alice", solution)
    _write(subs, "bob", _load(RNN.release))
    _write(subs, "carol", with_answer("rnn_step_backward",
                                      step_backward.replace("dU = h_prev.T @ dz", "dU = dz.T @ h_prev")))
    assert main(["grade", "--assignment", NAME, str(subs), "--out", str(out), "--jobs", "2",
                 "--progress", "none", "--gradebook"]) == 0
    scores = {s: {t["name"]: t["score"] for t in json.loads((out / s / "results.json").read_text())["tests"]}
              for s in ("alice", "bob", "carol")}
    return subs, out, scores


def assert_gradebook_holds(url: str, scores: dict[str, dict[str, float]]) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(url) as gb:
        assignment = gb.find_assignment(NAME)
        assert [nb.name for nb in assignment.notebooks] == [NAME]
        assert assignment.max_score == 30.0
        assert len(gb.find_notebook(NAME, NAME).grade_cells) == 12
        assert sorted(s.id for s in gb.students) == ["alice", "bob", "carol"]
        for student, tests in scores.items():
            sub = gb.find_submission(NAME, student)
            assert sub.score == pytest.approx(sum(tests.values()))
            assert sub.needs_manual_grade is False
            for test, score in tests.items():
                assert gb.find_grade(test, NAME, NAME, student).auto_score == score
    totals = {s: sum(t.values()) for s, t in scores.items()}
    assert totals["alice"] == 30.0 and totals["bob"] == 0.0 and 0.0 < totals["carol"] < 30.0


def test_sqlite_gradebook_holds_each_students_scores(graded) -> None:
    _, out, scores = graded
    assert_gradebook_holds(f"sqlite:///{out / 'gradebook.db'}", scores)
    with open(out / "summary.csv") as fh:
        summary = {row["name"]: float(row["score"]) for row in csv.DictReader(fh)}
    assert summary == {s: sum(t.values()) for s, t in scores.items()}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def postgres():
    """A real PostgreSQL server on 127.0.0.1, run by ``nobody``; yields its URL."""
    top = Path(tempfile.mkdtemp(prefix="rnn-ag-pg-"))
    top.chmod(0o755)
    data = top / "data"
    data.mkdir(mode=0o700)
    shutil.chown(data, "nobody", "nogroup")
    shutil.chown(top, "nobody", "nogroup")
    port = _free_port()
    as_nobody = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []

    def run(*args: str) -> None:
        subprocess.run([*as_nobody, *args], check=True, capture_output=True, text=True, timeout=60)

    run(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync")
    run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(top / "log"), "-w", "-o",
        f"-p {port} -k {top} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    try:
        run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "gradebook")
        yield f"postgresql://postgres@127.0.0.1:{port}/gradebook"
    finally:
        run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(top, ignore_errors=True)


def test_postgresql_gradebook_holds_each_students_scores(graded, postgres: str,
                                                         capsys: pytest.CaptureFixture) -> None:
    subs, out, scores = graded
    capsys.readouterr()
    assert main(["grade", "--assignment", NAME, str(subs), "--out", str(out), "--progress", "none",
                 f"--gradebook={postgres}"]) == 0
    captured = capsys.readouterr()
    assert "skipped 3 unchanged submission(s)" in captured.err
    assert f"recorded 3 submission(s) in the gradebook {postgres}" in captured.out
    assert_gradebook_holds(postgres, scores)
    # recording again updates the same rows
    assert main(["grade", "--assignment", NAME, str(subs), "--out", str(out), "--progress", "none",
                 f"--gradebook={postgres}"]) == 0
    assert_gradebook_holds(postgres, scores)


def test_gradebook_errors_are_one_line_before_any_grading(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    subs, out = _write(tmp_path, "alice", full_solution()), tmp_path / "out"
    assert main(["grade", "--assignment", NAME, str(subs), "--out", str(out), "--progress", "none",
                 "--gradebook=grades.db"]) == 11
    assert capsys.readouterr().err == \
        "error: --gradebook 'grades.db' is not a database URL (e.g. sqlite:///gradebook.db)\n"
    port = _free_port()
    assert main(["grade", "--assignment", NAME, str(subs), "--out", str(out), "--progress", "none",
                 f"--gradebook=postgresql://postgres@127.0.0.1:{port}/gradebook"]) == 11
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot open the gradebook postgresql://postgres@127.0.0.1:{port}/gradebook: ")
    assert err.count("\n") == 1
    assert not out.joinpath("alice").exists()  # nothing was graded
