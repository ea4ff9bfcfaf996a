"""Any nbgrader course: our per-notebook scores equal real ``nbgrader autograde``'s.

Two assignments from nbgrader's own repository (tests/fixtures/nbgrader, BSD-3, see its README),
each in its own throw-away course: the documentation's ``ps1`` (two notebooks, an image beside
them, plain ``assert`` tests, manually graded answers and a task) and ``files``, made of
nbgrader's test fixtures (AUTOTEST and HASHED AUTOTEST cells, hidden tests, manually graded code
and markdown cells; nbgrader's notebook that opens ``data.txt`` is graded in
test_nbgrader_compat_units.py). Real ``nbgrader generate_assignment`` makes the release, one real
``nbgrader autograde`` call per assignment grades every student, and our grader grades the very
same ``submitted/`` folder; the table of both scores is printed (``pytest -s``).
"""

from __future__ import annotations

import concurrent.futures
import copy
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.grading import Settings, grade_all
from autograder.release import nbgrader_env, nbgrader_failure

pytestmark = pytest.mark.sandbox

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "nbgrader"
PS1 = FIXTURES / "ps1"
APPS = FIXTURES / "apps"
#: The ``files`` assignment: part name -> the nbgrader test fixture used as its source.
FILES_SOURCES = {
    "autotest-simple": "autotest-simple.ipynb",
    "autotest-hashed": "autotest-hashed.ipynb",
    "autotest-hidden": "autotest-hidden.ipynb",
    "autotest-multi": "autotest-multi.ipynb",
    "hidden": "test-hidden-tests.ipynb",
    "p1": "submitted-unchanged.ipynb",
}


#: Written into each throw-away course: nbgrader's defaults give a kernel 60 s to start and a
#: cell's output 4 s to arrive after its reply, which a test run sharing two cores with other
#: grading runs can exceed (nbgrader then abandons the student). Scores do not depend on these.
NBGRADER_CONFIG = """c = get_config()  # noqa: F821
c.Execute.startup_timeout = 300
c.Execute.iopub_timeout = 60
c.Execute.timeout = 120
"""


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _cell(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def _set(nb: dict, grade_id: str, source: str) -> dict:
    nb = copy.deepcopy(nb)
    _cell(nb, grade_id)["source"] = source
    return nb


def colab_copy(nb: dict) -> dict:
    """What Colab's File > Download gives back: every cell's nbgrader metadata gone."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        cell["metadata"].pop("nbgrader", None)
    return nb


def _nbgrader(course: Path, *args: str) -> str:
    """Run one nbgrader command in the course; return its output (it must succeed)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=nbgrader_env(),
                          capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    # nbgrader logs a failed student's traceback just before its ERROR lines: show that part
    first_error = output.find("| ERROR]")
    shown = output[max(0, first_error - 3000):first_error + 600] if first_error >= 0 else output[-3000:]
    assert proc.returncode == 0, f"nbgrader {args[0]} failed ({nbgrader_failure(output)}):\n{shown}"
    return f"nbgrader {' '.join(args[:2])}: {time.perf_counter() - start:.1f} s"


def _submit(course: Path, assignment: str, student: str, notebooks: dict[str, dict],
            extra: tuple[Path, ...] = ()) -> None:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    for part, nb in notebooks.items():
        (folder / f"{part}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    for path in extra:
        shutil.copy2(path, folder / path.name)


def _nbgrader_scores(course: Path, assignment: str) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        out = {}
        for sub in gb.assignment_submissions(assignment):
            out[sub.student_id] = {nb.name: float(nb.score) for nb in sub.notebooks}
        return out


def _ours(course: Path, assignment: str, tmp: Path) -> dict[str, dict[str, float]]:
    settings = Settings(out_dir=tmp / f"out-{assignment}", jobs=2, cache_dir=tmp / "cache",
                        cell_timeout=60)
    reports = grade_all(assignment, [course / "submitted"], settings, course)
    out = {}
    for r in reports:
        assert r.status == "graded", (r.name, r.message)
        out[r.name] = {part: row["score"] for part, row in r.part_scores().items()}
    return out


def _table(title: str, nbg: dict, ours: dict) -> str:
    lines = [title, f"{'student':<12} {'notebook':<20} {'nbgrader':>9} {'ours':>6}"]
    for student in sorted(ours):
        for part in sorted(ours[student]):
            theirs = nbg.get(student, {}).get(part)
            lines.append(f"{student:<12} {part:<20} {'-' if theirs is None else f'{theirs:g}':>9} "
                         f"{ours[student][part]:>6g}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> dict:
    """Both assignments released, submitted, autograded by nbgrader and graded by us."""
    tmp = tmp_path_factory.mktemp("nbgrader-course")
    # one course folder (and gradebook) per assignment, so that nbgrader works on both at once
    courses = {"ps1": tmp / "ps1-course", "files": tmp / "files-course"}
    shutil.copytree(PS1 / "source" / "ps1", courses["ps1"] / "source" / "ps1")
    files = courses["files"] / "source" / "files"
    files.mkdir(parents=True)
    for part, fixture in FILES_SOURCES.items():
        shutil.copy2(APPS / fixture, files / f"{part}.ipynb")
    shutil.copy2(APPS / "autotests.yml", files / "autotests.yml")
    for folder in courses.values():
        (folder / "nbgrader_config.py").write_text(NBGRADER_CONFIG, encoding="utf-8")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for line in pool.map(lambda a: _nbgrader(courses[a], "generate_assignment", a, "--force"), courses):
            print(line)

    # ps1: the source, the unchanged release, a partial and a wrong answer, the documentation's
    # two submitted examples, and a Colab download of the partial one.
    course = courses["ps1"]
    src = {p: _read(course / "source" / "ps1" / f"{p}.ipynb") for p in ("problem1", "problem2")}
    rel = {p: _read(course / "release" / "ps1" / f"{p}.ipynb") for p in ("problem1", "problem2")}
    squares = _cell(src["problem1"], "squares")["source"]
    squares = re.sub(r"[ \t]*### (BEGIN|END) SOLUTION\n?", "", "".join(squares))
    partial = {"problem1": _set(rel["problem1"], "squares", squares), "problem2": rel["problem2"]}
    wrong_squares = ('def squares(n):\n    return [i * 2 for i in range(n)]\n')
    wrong = {"problem1": _set(_set(rel["problem1"], "squares", wrong_squares), "sum_of_squares",
                              "def sum_of_squares(n):\n    return sum(squares(n))\n"),
             "problem2": rel["problem2"]}
    png = (PS1 / "source" / "ps1" / "jupyter.png",)
    ps1 = {"source": src, "release": rel, "partial": partial, "wrong": wrong,
           "colab": {p: colab_copy(nb) for p, nb in partial.items()}}
    for student, nbs in ps1.items():
        _submit(course, "ps1", student, nbs, png)
    for student in ("bitdiddle", "hacker"):
        folder = PS1 / "submitted" / student / "ps1"
        _submit(course, "ps1", student, {p: _read(folder / f"{p}.ipynb") for p in ("problem1", "problem2")},
                (folder / "jupyter.png", folder / "timestamp.txt"))

    # files: nbgrader's "unchanged" and "changed" submissions (the unchanged one with nbgrader's
    # wrong answer to the hidden AUTOTEST, the changed one with its right answer); two students
    # keep nbgrader's kernel starts (one per notebook) within the test budget.
    course = courses["files"]
    fsrc = {p: _read(files / f"{p}.ipynb") for p in FILES_SOURCES}
    frel = {p: _read(course / "release" / "files" / f"{p}.ipynb") for p in FILES_SOURCES}
    unchanged = {**frel, **{f"autotest-{k}": _read(APPS / f"autotest-{k}-unchanged.ipynb")
                            for k in ("simple", "hashed", "multi")},
                 "autotest-hidden": _read(APPS / "autotest-hidden-changed-wrong.ipynb"),
                 "p1": _read(APPS / "submitted-unchanged.ipynb")}
    changed = {**frel, **{f"autotest-{k}": _read(APPS / f"autotest-{k}-changed.ipynb")
                          for k in ("simple", "hashed", "multi")},
               "autotest-hidden": _read(APPS / "autotest-hidden-changed-right.ipynb"),
               "p1": _read(APPS / "submitted-changed.ipynb"), "hidden": fsrc["hidden"]}
    for student, nbs in {"unchanged": unchanged, "changed": changed}.items():
        _submit(course, "files", student, nbs)

    # nbgrader autogrades each assignment in one call, both at once, while our grader grades
    # the same submitted/ folders
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        nbgrader_done = [pool.submit(_nbgrader, courses[a], "autograde", a, "--force") for a in courses]
        ours = {a: _ours(courses[a], a, tmp) for a in courses}
        print(f"ours (ps1 and files): {time.perf_counter() - start:.1f} s")
        for done in nbgrader_done:
            print(done.result())
    print(f"all done: {time.perf_counter() - start:.1f} s")
    nbg = {a: _nbgrader_scores(courses[a], a) for a in courses}
    for a in ("ps1", "files"):
        print(_table(f"assignment {a}: per-notebook autograded scores", nbg[a], ours[a]))
    return {"nbgrader": nbg, "ours": ours, "out": tmp, "courses": courses}


@pytest.mark.parametrize("student", ["source", "release", "partial", "wrong", "bitdiddle", "hacker"])
def test_ps1_scores_equal_nbgrader_autograde_per_notebook(course, student):
    assert course["ours"]["ps1"][student] == course["nbgrader"]["ps1"][student]


def test_ps1_submissions_span_zero_partial_and_full_marks(course):
    totals = {s: sum(parts.values()) for s, parts in course["ours"]["ps1"].items()}
    assert totals["source"] == 3 and totals["release"] == 0
    assert 0 < totals["partial"] < 3 and 0 < totals["wrong"] < totals["partial"]


def test_colab_download_matches_the_unstripped_copy_where_nbgrader_gives_zero(course):
    assert course["ours"]["ps1"]["colab"] == course["ours"]["ps1"]["partial"]
    assert sum(course["ours"]["ps1"]["colab"].values()) > 0
    assert sum(course["nbgrader"]["ps1"].get("colab", {}).values()) == 0


@pytest.mark.parametrize("student", ["unchanged", "changed"])
def test_autotest_hidden_and_manual_fixtures_score_as_nbgrader(course, student):
    assert course["ours"]["files"][student] == course["nbgrader"]["files"][student]


def test_autotest_expansion_equals_nbgrader_generate_assignment(course):
    from autograder.assignment import strip_hidden
    from autograder.parts import load_parts

    root = course["courses"]["files"]
    parts = {p.part: p for p in load_parts("files", root, course["out"] / "cache")}
    for name in ("autotest-simple", "autotest-hashed", "autotest-hidden", "autotest-multi"):
        released = _read(root / "release" / "files" / f"{name}.ipynb")
        for spec in parts[name].tests:
            theirs = "".join(_cell(released, spec.grade_id)["source"])
            assert strip_hidden(spec.source).strip() == theirs.strip(), (name, spec.grade_id)
            assert "AUTOTEST" not in spec.source


def test_autotest_fixtures_score_what_nbgrader_expects(course):
    changed, unchanged = course["ours"]["files"]["changed"], course["ours"]["files"]["unchanged"]
    assert [changed[f"autotest-{k}"] for k in ("simple", "hashed", "hidden", "multi")] == [1, 1, 1, 3]
    assert [unchanged[f"autotest-{k}"] for k in ("simple", "hashed", "hidden", "multi")] == [0, 0, 0, 0]


def test_manually_graded_cells_are_pending_in_results_and_summary(course):
    out = course["out"] / "out-ps1"
    results = json.loads((out / "hacker" / "results.json").read_text())
    assert results["max_score"] == 13  # 3 autograded + 7 manual in problem1, 3 manual in problem2
    assert results["extra_data"]["manual_points_pending"] == 10
    assert results["extra_data"]["parts"]["problem2"] == {
        "score": 0.0, "max_score": 3.0, "manual_points_pending": 3.0}
    manual = {t["name"]: t for t in results["tests"] if t.get("extra_data", {}).get("needs_manual_grading")}
    assert set(manual) == {"problem1: sum_of_squares_equation", "problem1: sum_of_squares_application",
                           "problem1: cell-938593c4a215c6cc", "problem2: part-a", "problem2: part-b"}
    hacker_b = (PS1 / "submitted" / "hacker" / "ps1" / "problem2.ipynb")
    answer = "".join(_cell(_read(hacker_b), "part-b")["source"])
    assert answer.strip()[:40] in manual["problem2: part-b"]["output"]
    page = (out / "hacker" / "feedback.html").read_text()
    assert "problem1.ipynb: 3 / 10, 7 points need manual grading" in page
    assert "problem2.ipynb: 0 / 3, 3 points need manual grading" in page
    assert page.count("(needs manual grading)") == 5
    # bitdiddle left the code answer as released: 0 points and no grader needed, as nbgrader does
    bit = json.loads((out / "bitdiddle" / "results.json").read_text())
    app = next(t for t in bit["tests"] if t["name"] == "problem1: sum_of_squares_application")
    assert "extra_data" not in app and app["score"] == 0 and "as released" in app["output"]
    summary = (out / "summary.csv").read_text().splitlines()
    assert summary[0] == "name,score,max_score,status,message,manual_pending,problem1,problem2"
    assert any(line.startswith("hacker,3,13,graded,") and line.endswith(",10,3,0") for line in summary)


def test_hidden_tests_are_run_but_never_shown(course):
    out = course["out"] / "out-files"
    for student in ("unchanged", "changed"):
        text = (out / student / "feedback.html").read_text() + (out / student / "results.json").read_text()
        assert "BEGIN HIDDEN TESTS" not in text and "squares(11)" not in text
    hidden = json.loads((out / "changed" / "results.json").read_text())
    scores = {t["name"]: t["score"] for t in hidden["tests"]}
    assert scores["hidden: correct_squares"] == 0  # passes the visible asserts, fails the hidden ones
