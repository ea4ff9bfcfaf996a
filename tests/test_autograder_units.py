"""Fast tests of the autograder's trusted-side pieces (no sandbox): parsing, collecting,
matching, the reference policy, rebuilding, reading untrusted data, reports."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from autograder.assignment import load_assignment, strip_hidden
from autograder.errors import AssignmentError, SubmissionError
from autograder.matching import match_submission
from autograder.notebook import parse_notebook
from autograder.policy import reference_message, uses_reference
from autograder.rebuild import neutralise_installs, rebuild
from autograder.reports import SubmissionReport, feedback_html, results_json
from autograder.scoring import TestResult
from autograder.submissions import collect_submissions
from autograder.untrusted import Record, load_arrays, read_records, read_status

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "assignments"
RELEASE = COURSE / "release" / "rnn_from_scratch" / "rnn_from_scratch.ipynb"


@pytest.fixture(scope="module")
def assignment():
    return load_assignment("rnn_from_scratch", COURSE)


def nb(*cells: tuple[str, dict | None]) -> bytes:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": src, "metadata": ({"nbgrader": meta} if meta else {}),
         "outputs": [], "execution_count": None} for src, meta in cells]}).encode()


@pytest.mark.parametrize("data, message", [
    (b"", "the file is empty (0 bytes)"),
    (b"  \n", "contains only whitespace"),
    (b'{"cells": [', "not valid JSON (line 1, column 12"),
    (b"[1, 2]", "the JSON is a list, expected an object"),
    (b'{"nbformat": 4}', "no 'cells' list"),
    (b'{"nbformat": 3, "cells": []}', "nbformat is 3, expected 4"),
    (b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": 5}]}', "cell 0 has a 'source' of type int"),
    (b"\xff\xfe\x00", "not UTF-8"),
])
def test_broken_notebooks_get_clear_messages(data: bytes, message: str) -> None:
    with pytest.raises(SubmissionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_notebook(data)


def test_template_of_rnn_from_scratch(assignment) -> None:
    assert [a.grade_id for a in assignment.answers] == [
        "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
        "clip_by_global_norm", "sample_next_char"]
    assert len(assignment.tests) == 12 and assignment.max_score == 30.0
    hidden = {t.grade_id: t for t in assignment.tests}["test_rnn_backward_hidden"]
    assert hidden.hidden and hidden.answer_id == "rnn_backward" and hidden.points == 5.0
    assert "BEGIN HIDDEN" not in strip_hidden(hidden.source)


def test_unknown_assignment_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AssignmentError, match="does not exist"):
        load_assignment("nope", tmp_path)
    with pytest.raises(AssignmentError, match="must be letters"):
        load_assignment("../etc", tmp_path)


def test_release_matches_by_metadata_and_blank_answers_are_found(assignment) -> None:
    match = match_submission(assignment, parse_notebook(RELEASE.read_bytes()))
    assert all(m.how == "metadata" for m in match.answers.values())
    assert all(t.state == "intact" for t in match.tests.values())


def test_matching_falls_back_to_marker_then_function(assignment) -> None:
    sub = parse_notebook(nb(
        ("# graded-cell: rnn_step_forward\ndef rnn_step_forward(*a):\n    return 1", None),
        ("def helper():\n    pass\n\ndef rnn_backward(dh, cache):\n    return 2", None),
        ("def rnn_backward(dh, cache):\n    return 3", None),  # the later definition wins
        ("# graded-test: test_rnn_forward\nprint('mine')", None),
    ))
    match = match_submission(assignment, sub)
    assert match.answers["rnn_step_forward"].how == "marker"
    assert match.answers["rnn_backward"].how == "function"
    assert match.answers["rnn_backward"].source.endswith("return 3")
    assert match.answers["rnn_forward"].source is None
    assert match.tests["test_rnn_forward"].state == "edited"
    assert match.tests["test_rnn_step_forward"].state == "deleted"
    notes = match.notes(assignment)
    assert "answer cell 'rnn_forward' (rnn_forward) was not found in the submission: its tests score 0" in notes


def test_rebuild_keeps_instructor_tests_and_marks_missing_answers(assignment) -> None:
    sub = parse_notebook(nb(("# graded-cell: rnn_step_forward\nSTUDENT = 1", None),
                            ("# graded-test: test_rnn_step_forward\npass", None),
                            ("print('extra cell')", None)))
    cells = rebuild(assignment, match_submission(assignment, sub))
    by_id = {c.grade_id: c for c in cells}
    assert by_id["rnn_step_forward"].source.endswith("STUDENT = 1")
    assert "check.rnn_step_forward(rnn_step_forward)" in by_id["test_rnn_step_forward"].source
    assert "seed=1234" in by_id["test_rnn_step_forward_hidden"].source
    assert "is missing from the submission" in by_id["rnn_backward"].source
    assert not any("extra cell" in c.source for c in cells)


def test_install_magics_are_neutralised() -> None:
    assert neutralise_installs("if x:\n    %pip install foo\n!pip install bar") == \
        "if x:\n    pass  # skipped while grading\npass  # skipped while grading"


@pytest.mark.parametrize("source", [
    "from course_pkg.reference import rnn_backward",
    "import course_pkg.reference as r",
    "from course_pkg import reference",
    "import course_pkg\nf = course_pkg.reference.rnn_backward",
    "import importlib\nm = importlib.import_module('course_pkg.reference')",
    "m = __import__('course_pkg', fromlist=['reference'])",
    "import course_pkg\nr = getattr(course_pkg, 'reference')",
])
def test_reference_use_is_detected(source: str) -> None:
    assert uses_reference(source)


@pytest.mark.parametrize("source", [
    "import numpy as np\ndef rnn_backward(dh, cache):\n    return np.zeros(3)",
    "# I did not use course_pkg.reference here\nx = 1",
    "def f(x):\n    reference = x\n    return reference",
])
def test_own_code_is_not_flagged(source: str) -> None:
    assert not uses_reference(source)


def test_reference_message_names_the_function() -> None:
    assert reference_message("rnn_backward") == \
        "rnn_backward calls course_pkg.reference: graded answers must be your own code"


def test_zip_slip_links_and_sizes_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok/a.ipynb", "{}")
        zf.writestr("../../escape.ipynb", "{}")
        zf.writestr("/abs.ipynb", "{}")
        link = zipfile.ZipInfo("link.ipynb")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
    subs = collect_submissions([archive, tmp_path / "missing.ipynb"], tmp_path / "staging")
    by = {s.name: s for s in subs}
    assert by["batch-ok-a"].path is not None and by["batch-ok-a"].path.parent == tmp_path / "staging"
    assert "points outside the archive" in by["batch-escape"].error
    assert "absolute path" in by["batch-abs"].error
    assert "symbolic link" in by["batch-link"].error
    assert "does not exist" in by["missing"].error
    assert not (tmp_path.parent / "escape.ipynb").exists()


def test_folders_give_unique_names(tmp_path: Path) -> None:
    for who in ("alice", "bob"):
        (tmp_path / who).mkdir()
        (tmp_path / who / "rnn_from_scratch.ipynb").write_text("{}")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "x.ipynb").write_text("{}")
    names = [s.name for s in collect_submissions([tmp_path, tmp_path / "alice" / "rnn_from_scratch.ipynb"],
                                                 tmp_path / "st")]
    assert names == ["alice-rnn_from_scratch", "bob-rnn_from_scratch", "rnn_from_scratch"]


def test_untrusted_records_are_validated(tmp_path: Path) -> None:
    np.savez(tmp_path / "0.npz", h_next=np.ones((2, 3), np.float32))
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(tmp_path / "1.npz", "w") as zf:
        zf.write(tmp_path / "obj.npy", "h_next.npy")
    (tmp_path / "2.npz").symlink_to("/etc/passwd")
    good = {"seq": 0, "cell": "t", "check": "rnn_step_forward", "params": {"N": 2}, "error": None,
            "outputs": "0.npz", "output_names": ["h_next"]}
    lines = [good, {**good, "seq": 1, "outputs": "1.npz"}, {**good, "seq": 2, "outputs": "2.npz"},
             {**good, "outputs": "../../etc/passwd"}, {**good, "params": {"x": [1, 2]}}, "not a dict"]
    (tmp_path / "records.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n{broken\n")
    records, problems = read_records(tmp_path)
    assert [r.seq for r in records] == [0, 1, 2]
    assert len(problems) == 4
    arrays = load_arrays(tmp_path, records[0])
    assert arrays["h_next"].dtype == np.float64 and arrays["h_next"].shape == (2, 3)
    assert load_arrays(tmp_path, records[1]) == {}  # an object array is never unpickled
    assert load_arrays(tmp_path, records[2]) == {}  # a link is not followed
    assert isinstance(records[0], Record)


def test_untrusted_status_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    path.write_text(json.dumps({"cells": [{"index": 1, "status": "hacked", "evalue": "x" * 10_000},
                                          {"index": "2"}], "running": "x", "finished": True}))
    status = read_status(path)
    assert status["cells"][0]["status"] == "error" and len(status["cells"][0]["evalue"]) == 2000
    assert len(status["cells"]) == 1 and status["running"] is None
    path.write_text("[]")
    assert read_status(path) is None


def test_reports_follow_gradescope_schema_and_escape_html() -> None:
    tests = (TestResult("test_a", 2.0, 2.0, "passed", False),
             TestResult("test_b", 0.0, 3.0, "<script>alert(1)</script> is wrong", True))
    report = SubmissionReport("<b>eve</b>", "graded", "2 / 5 points", tests, ("note & more",), 5.0, 1.5)
    res = results_json(report)
    assert res["score"] == 2.0 and res["max_score"] == 5.0
    assert [t["visibility"] for t in res["tests"]] == ["visible", "after_published"]
    assert set(res["tests"][0]) == {"name", "score", "max_score", "output", "visibility"}
    page = feedback_html(report, "rnn_from_scratch")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;eve&lt;/b&gt;" in page and "note &amp; more" in page
    assert "Score: 2 / 5" in page
