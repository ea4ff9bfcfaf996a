"""lstm_and_gru through the sandboxed autograder: validation, and the nbgrader test's plants.

- ``validate_release_scores``: the source scores full marks and the release zero, graded as
  submissions are (rebuilt from the template, TensorFlow running inside the sandbox);
- the planted bugs of tests/test_assignment_lstm_and_gru_nbgrader.py score 24/30 here too, with
  the same per-term messages, and a notebook whose metadata Colab dropped is still matched by
  its marker comments (the Keras class included).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from autograder.grading import Settings, grade_all
from autograder.validation import validate_release_scores

pytestmark = pytest.mark.sandbox

COURSE = Path(__file__).resolve().parent.parent / "assignments"
NAME = "lstm_and_gru"
SOURCE = COURSE / "source" / NAME / f"{NAME}.ipynb"
RELEASE = COURSE / "release" / NAME / f"{NAME}.ipynb"
MAX = 30.0
PLANTS = {
    "wrong_p_o": ("peephole_lstm_cell", "o = ops.sigmoid(a_o + self.p_o * c)",
                  "o = ops.sigmoid(a_o + self.p_o * c_prev)"),
    "wrong_da_f": ("lstm_step_backward", "da_f = dc * c_prev * f * (1.0 - f)",
                   "da_f = dc * c_next * f * (1.0 - f)"),
}


def test_committed_release_scores_zero_and_source_full_marks():
    scores = validate_release_scores(COURSE, NAME)
    print(f"source {scores.source}/{scores.max_score}, release {scores.release}/{scores.max_score}")
    assert (scores.source, scores.release, scores.max_score) == (MAX, 0.0, MAX)


def _src(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _grade_id(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def full_solution() -> dict:
    """The release with every answer cell filled in from the instructor's solutions."""
    release = json.loads(RELEASE.read_text())
    source = json.loads(SOURCE.read_text())
    answers = {_grade_id(c): _src(c) for c in source["cells"]
               if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    for cell in release["cells"]:
        if _grade_id(cell) in answers:
            cell["source"] = re.sub(r"[ \t]*### (BEGIN|END) SOLUTION\n", "", answers[_grade_id(cell)])
    return release


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Grade five submissions in one run; return their results.json by name."""
    subs = tmp_path_factory.mktemp("subs")
    solution = full_solution()
    notebooks = {"full_solution": solution, "blank_release": json.loads(RELEASE.read_text())}
    for name, (grade_id, good, bad) in PLANTS.items():
        nb = full_solution()
        (cell,) = [c for c in nb["cells"] if _grade_id(c) == grade_id]
        assert _src(cell).count(good) == 1
        cell["source"] = _src(cell).replace(good, bad)
        notebooks[name] = nb
    stripped = full_solution()
    for cell in stripped["cells"]:
        cell["metadata"] = {}
    notebooks["metadata_stripped"] = stripped
    for name, nb in notebooks.items():
        (subs / f"{name}.ipynb").write_text(json.dumps(nb, indent=1))
    out = tmp_path_factory.mktemp("out")
    settings = Settings(out_dir=out, jobs=1, cache_dir=tmp_path_factory.mktemp("cache"))
    reports = grade_all(NAME, [subs], settings, COURSE)
    assert sorted(r.name for r in reports) == sorted(notebooks)
    return {name: json.loads((out / name / "results.json").read_text()) for name in notebooks}


def by_name(res: dict) -> dict[str, dict]:
    return {t["name"]: t for t in res["tests"]}


def test_full_solution_and_stripped_metadata_score_full_marks(graded):
    for name in ("full_solution", "metadata_stripped"):
        res = graded[name]
        assert (res["score"], res["max_score"]) == (MAX, MAX), name
        assert len(res["tests"]) == 13


def test_blank_release_scores_zero_naming_the_stub(graded):
    res = graded["blank_release"]
    assert res["score"] == 0.0
    tests = by_name(res)
    assert "peephole_lstm_cell raised NotImplementedError" in tests["test_peephole_lstm_cell"]["output"]
    assert "ratios contains NaN or inf" in tests["test_vanishing_experiment"]["output"]


def test_output_peephole_on_the_old_cell_scores_as_nbgrader_does(graded):
    res = graded["wrong_p_o"]
    tests = by_name(res)
    assert res["score"] == MAX - 6
    out = tests["test_peephole_lstm_cell"]["output"]
    assert "h_only_p_o is wrong: the output gate's peephole looks at the NEW cell state" in out
    assert "h_no_peepholes is wrong" not in out and "h_only_p_f is wrong" not in out
    assert tests["test_peephole_lstm_cell_hidden"]["score"] == 0.0


def test_forget_gradient_with_the_new_cell_scores_as_nbgrader_does(graded):
    res = graded["wrong_da_f"]
    tests = by_name(res)
    assert res["score"] == MAX - 6
    out = tests["test_lstm_step_backward"]["output"]
    assert "dW_f is wrong: this is dW's forget-gate block" in out
    assert "dU_i is wrong" not in out and "dc_prev is wrong" not in out
    assert tests["test_lstm_forward"]["score"] == 2.0
