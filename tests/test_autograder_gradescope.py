"""The Gradescope bundle: built by the CLI, unzipped into a simulated /autograder, run_autograder run.

The simulated root is laid out as Gradescope lays it out (``source/`` = the unzipped bundle,
``submission/`` in, ``results/results.json`` out), with ``$AUTOGRADER_ROOT`` pointing at it and
``$AUTOGRADER_PYTHON`` at this environment (what setup.sh installs on Gradescope: it needs apt
and the package index, so it is only syntax-checked here). results.json is checked against
Gradescope's documented schema.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from autograder.cli import main
from test_autograder_cases import ROOT, _write, full_solution, with_answer

pytestmark = pytest.mark.sandbox

NAME = "rnn_from_scratch"

# Gradescope's results.json ("Autograder specifications", gradescope-autograders.readthedocs.io).
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
RESULTS_SCHEMA = {
    "type": "object",
    "properties": {
        "score": {"type": "number"},
        "max_score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "score": {"type": "number"}, "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]}, "name": {"type": "string"},
                "name_format": {"type": "string"}, "number": {"type": "string"},
                "output": {"type": "string"}, "output_format": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "visibility": VISIBILITY, "extra_data": {"type": "object"},
            },
            "required": ["name", "score", "max_score", "output", "visibility"],
            "additionalProperties": False,
        }},
    },
    "required": ["score", "tests"],
    "additionalProperties": False,
}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "bundle.zip"
    assert main(["gradescope", "--assignment", NAME, "--out", str(out)]) == 0
    return out


def _autograder_root(tmp: Path, bundle: Path) -> Path:
    root = tmp / "autograder"
    (root / "submission").mkdir(parents=True)
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(root / "source")
    return root


def _run(root: Path) -> tuple[subprocess.CompletedProcess, dict]:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    proc = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=300)
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, RESULTS_SCHEMA)
    return proc, results


def test_bundle_holds_scripts_grader_and_instructor_source(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        modes = {i.filename: stat.S_IMODE(i.external_attr >> 16) for i in zf.infolist()}
        setup = zf.read("setup.sh").decode()
        assert zf.read("grader/autograder/grading.py") == (ROOT / "autograder" / "grading.py").read_bytes()
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755
    assert {f"course/source/{NAME}/{NAME}.ipynb", f"course/release/{NAME}/{NAME}.ipynb",
            "grader/pyproject.toml", "grader/constraints.txt", "grader/course_pkg/checks/core.py"} <= names
    assert not any("__pycache__" in n for n in names)
    assert 'pip install -q -c grader/constraints.txt numpy "./grader[grader]"' in setup
    assert "bubblewrap" in setup and f"--assignment {NAME}" in setup
    subprocess.run(["bash", "-n", "/dev/stdin"], input=setup, text=True, check=True)


def test_run_autograder_writes_schema_valid_results(bundle: Path, tmp_path: Path) -> None:
    root = _autograder_root(tmp_path, bundle)
    _write(root / "submission", NAME, full_solution())
    proc, results = _run(root)
    assert proc.returncode == 0, proc.stderr
    assert results["score"] == results["max_score"] == 30.0
    assert len(results["tests"]) == 12 and all(t["score"] == t["max_score"] for t in results["tests"])
    assert {t["visibility"] for t in results["tests"]} == {"visible", "after_published"}
    # a wrong answer in a student-named file (the only notebook) loses that answer's points
    (root / "submission" / f"{NAME}.ipynb").unlink()
    _write(root / "submission", "my_homework",
           with_answer("rnn_forward", "# graded-cell: rnn_forward\ndef rnn_forward(*a):\n    return None\n"))
    proc, results = _run(root)
    assert proc.returncode == 0, proc.stderr
    assert results["score"] == 26.0
    assert {t["name"] for t in results["tests"] if t["score"] == 0} == {"test_rnn_forward", "test_rnn_forward_hidden"}


def test_run_autograder_without_a_notebook_says_so(bundle: Path, tmp_path: Path) -> None:
    root = _autograder_root(tmp_path, bundle)
    (root / "submission" / "notes.txt").write_text("forgot the notebook")
    proc, results = _run(root)
    assert proc.returncode == 0, proc.stderr
    assert results == {"score": 0.0, "max_score": 30.0, "stdout_visibility": "hidden", "tests": [],
                       "output": f"no .ipynb notebook was submitted: upload {NAME}.ipynb"}


def test_gradescope_unknown_assignment_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["gradescope", "--assignment", "nope", "--out", str(tmp_path / "b.zip")]) == 4
    err = capsys.readouterr().err
    assert err.startswith("error: no instructor source for assignment 'nope'") and err.count("\n") == 1
    assert not (tmp_path / "b.zip").exists()
