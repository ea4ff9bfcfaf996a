"""Structure of the lstm_and_gru notebooks: markers, metadata, tests, release.

Fast checks on the files only; tests/test_assignment_lstm_and_gru_nbgrader.py grades them with
nbgrader and tests/test_assignment_lstm_and_gru_release_scores.py with the autograder.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from autograder.assignment import load_assignment
from autograder.release import STUB_LINE, verify_release
from course_pkg.checks import get_check
from course_pkg.colab import setup_cell

from nbgrader_course import nb_meta

ROOT = Path(__file__).resolve().parents[1]
NAME = "lstm_and_gru"
SOURCE = ROOT / "assignments" / "source" / NAME / f"{NAME}.ipynb"
RELEASE = ROOT / "assignments" / "release" / NAME / f"{NAME}.ipynb"
# grade_id -> what the answer cell defines (None: a value, `ratios`) and what its tests pass
GRADED = {
    "lstm_step_forward": ("lstm_step_forward", "lstm_step_forward"),
    "lstm_step_backward": ("lstm_step_backward", "lstm_step_backward"),
    "lstm_forward": ("lstm_forward", "lstm_forward"),
    "gru_step_forward": ("gru_step_forward", "gru_step_forward"),
    "peephole_lstm_cell": ("PeepholeLSTMCell", "PeepholeLSTMCell"),
    "gradient_norms": ("gradient_norms", "gradient_norms"),
    "vanishing_experiment": (None, "ratios"),
}
POINTS = {"lstm_step_forward": (2, 2), "lstm_step_backward": (3, 3), "lstm_forward": (2, 2),
          "gru_step_forward": (2, 2), "peephole_lstm_cell": (3, 3), "gradient_norms": (2, 2),
          "vanishing_experiment": (2,)}


@pytest.fixture(scope="module")
def source() -> nbformat.NotebookNode:
    return nbformat.read(SOURCE, as_version=4)


@pytest.fixture(scope="module")
def release() -> nbformat.NotebookNode:
    return nbformat.read(RELEASE, as_version=4)



def test_first_code_cell_is_the_shared_set_up_cell(source):
    first = next(c for c in source.cells if c.cell_type == "code")
    assert first.source == setup_cell()  # the same cell as every book page (tests/test_colab.py)


def test_setup_cell_quiets_tensorflow_before_importing_keras(source):
    setup = next(c for c in source.cells if nb_meta(c).get("grade_id") == "imports")
    text = setup.source
    assert 'os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"' in text
    assert text.index("TF_CPP_MIN_LOG_LEVEL") < text.index("import keras")
    assert "import tensorflow" not in text and "tf.keras" not in text
    assert "import course_pkg.checks as check" in text


def test_answer_cells_have_marker_and_metadata(source):
    answers = [c for c in source.cells if nb_meta(c).get("solution")]
    assert [nb_meta(c)["grade_id"] for c in answers] == list(GRADED)
    for cell in answers:
        grade_id = nb_meta(cell)["grade_id"]
        assert cell.source.splitlines()[0] == f"# graded-cell: {grade_id}"
        assert nb_meta(cell)["grade"] is False and nb_meta(cell)["locked"] is False
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
        tree = ast.parse(cell.source)
        defined = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        expected = GRADED[grade_id][0]
        assert defined == ([expected] if expected else []), grade_id
        assert "course_pkg" not in cell.source


def test_the_keras_answer_uses_keras_ops_only(source):
    (cell,) = [c for c in source.cells if nb_meta(c).get("grade_id") == "peephole_lstm_cell"]
    body = cell.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
    assert "ops." in body
    assert not re.search(r"\bnp\.|\btf\.|tensorflow|jax|torch", body)
    for name in ("kernel", "recurrent_kernel", "bias", "p_i", "p_f", "p_o"):
        assert f'name="{name}"' in cell.source  # the weight names the check sets


def test_each_answer_has_its_test_cells_with_the_points(source):
    tests = [c for c in source.cells if nb_meta(c).get("grade")]
    ids = [nb_meta(c)["grade_id"] for c in tests]
    expected_ids = []
    for grade_id, points in POINTS.items():
        expected_ids += [f"test_{grade_id}", f"test_{grade_id}_hidden"][:len(points)]
    assert ids == expected_ids
    points = {nb_meta(c)["grade_id"]: nb_meta(c)["points"] for c in tests}
    for grade_id, pts in POINTS.items():
        assert points[f"test_{grade_id}"] == pts[0]
        if len(pts) == 2:
            assert points[f"test_{grade_id}_hidden"] == pts[1]
    assert sum(points.values()) == 30
    for cell in tests:
        meta = nb_meta(cell)
        assert cell.source.splitlines()[0] == f"# graded-test: {meta['grade_id']}"
        assert meta["locked"] is True and meta["solution"] is False and meta["points"] > 0
        assert ("### BEGIN HIDDEN TESTS" in cell.source) == meta["grade_id"].endswith("_hidden")
        code = [line for line in cell.source.splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
        assert code, meta["grade_id"]
        grade_id = meta["grade_id"].removeprefix("test_").removesuffix("_hidden")
        arg = GRADED[grade_id][1]
        for line in code:  # only calls into course_pkg.checks
            assert re.fullmatch(rf"check\.{grade_id}\({arg}(, \w+=[\w.]+)*\)", line), line


def test_autograder_reads_the_template(source):
    assignment = load_assignment(NAME, ROOT / "assignments")
    assert [a.grade_id for a in assignment.answers] == list(GRADED)
    assert [a.label for a in assignment.answers][4] == "PeepholeLSTMCell"
    assert assignment.max_score == 30.0
    owners = {t.grade_id: t.answer_id for t in assignment.tests}
    for grade_id in GRADED:
        assert owners[f"test_{grade_id}"] == grade_id
    assert sum(t.hidden for t in assignment.tests) == 6


def test_hidden_tests_cover_the_edge_cases(source):
    hidden = "\n".join(c.source for c in source.cells if "BEGIN HIDDEN TESTS" in c.source)
    assert "check.lstm_forward(lstm_forward, N=1, T=1" in hidden
    assert "check.peephole_lstm_cell(PeepholeLSTMCell, N=1, T=1" in hidden
    assert "check.gradient_norms(gradient_norms, N=1, T=1" in hidden
    for name in ("lstm_step_forward", "lstm_step_backward", "gru_step_forward"):
        assert f"check.{name}({name}, N=1" in hidden
    visible = "\n".join(c.source for c in source.cells
                        if nb_meta(c).get("grade") and "HIDDEN" not in c.source)
    for params in re.findall(r"\((\w+(?:, \w+=[\w.]+)+)\)", hidden):
        assert params not in visible  # hidden tests use other shapes and seeds


def test_test_parameters_are_known_to_the_checks(source):
    calls = 0
    for cell in source.cells:
        if not nb_meta(cell).get("grade"):
            continue
        for name, args in re.findall(r"check\.(\w+)\(\w+((?:, \w+=[\w.]+)*)\)", cell.source):
            keys = set(re.findall(r"(\w+)=", args))
            assert keys <= set(get_check(name).defaults), (name, keys)
            calls += 1
    assert calls == 7 + 12


def test_committed_release_passes_verification(release):
    verify_release(SOURCE, RELEASE)
    text = "\n".join(c.source for c in release.cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    code = "\n".join(c.source for c in release.cells if c.cell_type == "code")
    for leaked in ("dc_prev = dc * f", "ops.sigmoid(a_o + self.p_o * c)",
                   "h_next = z * h_prev + (1.0 - z) * hh", "g = (g * (1.0 - h_t ** 2)) @ U.T",
                   "seed=1234"):
        assert leaked not in code, leaked
    assert text.count(STUB_LINE) == len(GRADED)
    # The class skeleton survives: the stub sits inside call, build and get_config stay.
    (cell,) = [c for c in release.cells if nb_meta(c).get("grade_id") == "peephole_lstm_cell"]
    assert f"        {STUB_LINE}\n        return h, [h, c]" in cell.source
    assert 'name="p_o"' in cell.source and "def get_config(self):" in cell.source
    ast.parse(cell.source)


def test_markdown_explains_each_part_with_equations_and_shapes(source):
    text = "\n".join(c.source for c in source.cells if c.cell_type == "markdown")
    for needle in ("You will learn", "i, f, c, o", "z, r, h", "reset_after=True",
                   r"dc_{\text{prev}} = dc \odot f_t", "(2, 3H)", "keras.ops", "peephole",
                   "spectral radius", "(N, T, D)", "Hint", "1e-4"):
        assert needle in text, needle
