"""Units of the nbgrader compatibility: plain-test scoring against nbgrader's own ``determine_grade``,
grouping a student's notebooks, AUTOTEST expansion, manual cells, and one-line CLI errors."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import determine_grade

from autograder.assignment import parse_template
from autograder.autotest import expand_autotests
from autograder.cli import main
from autograder.errors import AssignmentError
from autograder.parts import collect_parts, load_parts, part_of
from autograder.plain import plain_grade

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "nbgrader"


def _nbgrader_cell(outputs: list[dict], points: float) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("pass", outputs=[nbformat.from_dict(o) for o in outputs])
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "t", "points": points}
    return cell


def _runner_entry(outputs: list[dict]) -> dict:
    """What our runner reports for a cell whose kernel outputs would be ``outputs``."""
    entry = {"status": "ok", "ename": None, "evalue": None, "stdout": "", "stderr": "", "result": None}
    for o in outputs:
        if o["output_type"] == "error":
            entry.update(status="error", ename=o["ename"], evalue=o["evalue"])
        elif o["output_type"] == "stream":
            entry[o["name"]] += o["text"]
        elif o["output_type"] == "execute_result":
            entry["result"] = o["data"]["text/plain"]
    return entry


def _result(text: str) -> dict:
    return {"output_type": "execute_result", "execution_count": 1, "metadata": {},
            "data": {"text/plain": text}}


CASES = [
    [],
    [{"output_type": "stream", "name": "stdout", "text": "Success!\n"}],
    [{"output_type": "stream", "name": "stderr", "text": "a warning\n"}],
    [{"output_type": "error", "ename": "AssertionError", "evalue": "", "traceback": []}],
    [_result("0.5")], [_result("1.75")], [_result("0")], [_result("2")], [_result("-1")],
    [_result("'a string'")], [_result("[1, 2]")], [_result("nan")], [_result("np.float64(0.5)")],
    [{"output_type": "stream", "name": "stdout", "text": "x\n"}, _result("1.25")],
]


@pytest.mark.parametrize("outputs", CASES, ids=lambda o: json.dumps(o)[:60])
def test_plain_grade_equals_nbgrader_determine_grade(outputs):
    theirs, _ = determine_grade(_nbgrader_cell(outputs, 2.0))
    ours, _ = plain_grade(_runner_entry(outputs), 2.0)
    assert ours == theirs


def test_plain_grade_refuses_more_than_the_points_where_nbgrader_raises():
    with pytest.raises(ValueError, match="greater than maximum"):
        determine_grade(_nbgrader_cell([_result("3")], 2.0))
    score, message = plain_grade(_runner_entry([_result("3")]), 2.0)
    assert score == 0 and "more than its 2 points" in message


def test_part_of_recognises_nbgrader_layout_zip_and_colab_names():
    parts = ["problem1", "problem2", "problem10"]
    assert part_of("bitdiddle-ps1-problem1", parts) == ("problem1", "bitdiddle-ps1")
    assert part_of("problem10", parts) == ("problem10", "")
    assert part_of("class-alice-Copy_of_problem2", parts) == ("problem2", "class-alice")
    assert part_of("alice-problem2_1", parts) == ("problem2", "alice")
    assert part_of("alice-notes", parts) is None


def test_collect_parts_groups_folders_and_zips_per_student(tmp_path):
    nb = (FIXTURES / "ps1" / "source" / "ps1" / "problem1.ipynb").read_bytes()
    for student in ("alice", "bob"):  # nbgrader's layout, with another assignment beside it
        for assignment in ("ps1", "ps0"):
            folder = tmp_path / "submitted" / student / assignment
            folder.mkdir(parents=True)
            (folder / "problem1.ipynb").write_bytes(nb)
            (folder / "problem2.ipynb").write_bytes(nb)
    with zipfile.ZipFile(tmp_path / "carol.zip", "w") as zf:
        zf.writestr("ps1/problem1.ipynb", nb)
        zf.writestr("ps1/notes.ipynb", nb)
    subs = collect_parts([tmp_path / "submitted", tmp_path / "carol.zip"], tmp_path / "staging",
                         "ps1", ["problem1", "problem2"])
    by_name = {s.name: s for s in subs}
    assert sorted(by_name) == ["alice", "bob", "carol", "carol-ps1-notes"]
    assert sorted(by_name["alice"].parts) == ["problem1", "problem2"]
    assert "ps0" not in str(by_name["alice"].parts["problem1"].path)
    assert sorted(by_name["carol"].parts) == ["problem1"]
    assert "not one of the assignment's notebooks (problem1.ipynb, problem2.ipynb)" in by_name["carol-ps1-notes"].error


def test_load_parts_reads_every_notebook_and_the_data_files_beside_them(tmp_path):
    shutil.copytree(FIXTURES / "ps1" / "source" / "ps1", tmp_path / "source" / "ps1")
    parts = load_parts("ps1", tmp_path, tmp_path / "cache")
    assert [p.part for p in parts] == ["problem1", "problem2"]
    assert [name for name, _ in parts[0].data_files] == ["jupyter.png"]
    p1, p2 = parts
    assert [t.grade_id for t in p1.tests] == ["correct_squares", "squares_invalid_input",
                                              "correct_sum_of_squares", "sum_of_squares_uses_squares"]
    assert [(m.grade_id, m.kind, m.points) for m in p1.manual] == [
        ("sum_of_squares_equation", "markdown", 1.0), ("sum_of_squares_application", "code", 2.0),
        ("cell-938593c4a215c6cc", "task", 4.0)]
    assert (p1.max_score, p2.max_score) == (10.0, 3.0)
    assert p2.tests == () and [m.kind for m in p2.manual] == ["markdown", "markdown"]


def test_autotest_lines_need_autotests_yml_and_become_hashed_asserts(tmp_path):
    source = FIXTURES / "apps" / "autotest-hashed.ipynb"
    folder = tmp_path / "source" / "a"
    folder.mkdir(parents=True)
    shutil.copy2(source, folder / "p.ipynb")
    with pytest.raises(AssignmentError, match="no autotests.yml beside it"):
        expand_autotests(folder / "p.ipynb", source.read_bytes(), tmp_path, tmp_path / "cache")
    shutil.copy2(FIXTURES / "apps" / "autotests.yml", folder / "autotests.yml")
    expanded = expand_autotests(folder / "p.ipynb", source.read_bytes(), tmp_path, tmp_path / "cache")
    nb = parse_template("a", folder / "p.ipynb", expanded)
    test = nb.tests[0].source
    assert "AUTOTEST" not in test and "sha1(" in test and "assert" in test
    assert test.count("assert ") >= 6 and "print('Success!')" in test  # a type and a value check each


@pytest.mark.sandbox
def test_cli_errors_are_one_line_with_an_exit_status(tmp_path, capsys):
    course = tmp_path / "course"
    (course / "source" / "empty").mkdir(parents=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nbformat.write(nb, course / "source" / "empty" / "empty.ipynb")
    auto = course / "source" / "auto"
    auto.mkdir()
    shutil.copy2(FIXTURES / "apps" / "autotest-simple.ipynb", auto / "auto.ipynb")
    cases = [
        (["grade", "--assignment", "nope", "--course-dir", str(course), "x.ipynb"], 4,
         "no instructor source for assignment 'nope'"),
        (["grade", "--assignment", "empty", "--course-dir", str(course), "x.ipynb"], 4,
         "has no graded cell"),
        (["grade", "--assignment", "auto", "--course-dir", str(course), "x.ipynb"], 4,
         "has AUTOTEST lines but there is no autotests.yml"),
        (["grade", "--assignment", "../x", "--course-dir", str(course), "x.ipynb"], 4,
         "must be letters, digits"),
        (["grade", "--assignment", "empty", "--jobs", "0", "x.ipynb"], 2, "--jobs must be at least 1"),
        (["grade", "x.ipynb"], 2, "the following arguments are required: --assignment"),
        (["grade", "--assignment", "a", "--jobs", "two", "x.ipynb"], 2, "invalid int value: 'two'"),
    ]
    for argv, status, message in cases:
        argv = argv + ["--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "out")]
        try:
            rc = main(argv)
        except SystemExit as exc:  # argparse's usage errors
            rc = exc.code
        err = capsys.readouterr().err
        assert rc == status, (argv, err)
        assert err.count("\n") == 1 and err.startswith("error: ") and message in err, (argv, err)
        assert "Traceback" not in err


def _course_with(tmp_path: Path, cells: list[tuple[str, dict]], data: dict[str, str]) -> Path:
    course = tmp_path / "course"
    folder = course / "source" / "plain"
    folder.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    for source, meta in cells:
        cell = nbformat.v4.new_code_cell(source)
        if meta:
            cell.metadata["nbgrader"] = {"schema_version": 3, "locked": False, **meta}
        nb.cells.append(cell)
    nbformat.write(nb, folder / "plain.ipynb")
    for name, text in data.items():
        (folder / name).write_text(text)
    return course


@pytest.mark.sandbox
def test_displayed_numbers_stderr_and_data_files_score_as_nbgrader_in_the_sandbox(tmp_path):
    from autograder.grading import Settings, grade_all

    def test(gid: str, points: float) -> dict:
        return {"grade_id": gid, "grade": True, "solution": False, "points": points}

    cells = [
        ("x = 1", {"grade_id": "answer", "grade": False, "solution": True}),
        ("x * 0.5", test("half", 1)),                      # partial credit 0.5
        ("import sys\nprint('careful', file=sys.stderr)", test("stderr", 1)),  # 0
        ("import numpy as np\nnp.float64(0.25)", test("np_repr", 1)),  # not a float: full
        ("assert x == 1\n'done'", test("text", 2)),         # a string: full
        ("assert open('data.txt').read() == 'line 1\\n'\n"
         "try:\n    open('data.txt', 'a').write('x')\nexcept OSError:\n    pass\n"
         "else:\n    raise AssertionError('data.txt is writable')", test("data", 1)),
    ]
    course = _course_with(tmp_path, cells, {"data.txt": "line 1\n"})
    sub = tmp_path / "alice.ipynb"
    shutil.copy2(course / "source" / "plain" / "plain.ipynb", sub)
    settings = Settings(out_dir=tmp_path / "out", jobs=1, cache_dir=tmp_path / "cache")
    [report] = grade_all("plain", [sub], settings, course)
    scores = {t.name: t.score for t in report.tests}
    assert scores == {"half": 0.5, "stderr": 0.0, "np_repr": 1.0, "text": 2.0, "data": 1.0}
    by_name = {t.name: t.output for t in report.tests}
    assert "partial credit: the cell displayed 0.5" in by_name["half"]
    assert "wrote to stderr" in by_name["stderr"] and "careful" in by_name["stderr"]
    # nbgrader's own rule on the same outputs
    for name, outputs, points in [("half", [_result("0.5")], 1), ("np_repr", [_result("np.float64(0.25)")], 1),
                                  ("stderr", [{"output_type": "stream", "name": "stderr", "text": "careful\n"}], 1)]:
        assert determine_grade(_nbgrader_cell(outputs, points))[0] == scores[name]


@pytest.mark.sandbox
def test_a_plain_test_message_never_quotes_a_hidden_test_line(tmp_path):
    from autograder.grading import Settings, grade_all

    hidden = "assert answer() == 42  # the secret case"
    cells = [
        ("def answer():\n    return 42", {"grade_id": "a", "grade": False, "solution": True}),
        (f"assert answer() == 42\n### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS",
         {"grade_id": "t", "grade": True, "solution": False, "points": 1}),
    ]
    course = _course_with(tmp_path, cells, {})
    nb = nbformat.read(course / "source" / "plain" / "plain.ipynb", as_version=4)
    nb.cells[0].source = ("import json, sys\n"  # reads the job it runs and echoes the hidden test
                          "job = json.load(open('/grader/job.json'))\n"
                          "leak = [c['source'] for c in job['cells'] if c['kind'] == 'test'][0]\n"
                          "def answer():\n    print(leak, file=sys.stderr)\n    raise AssertionError(leak)")
    nbformat.write(nb, tmp_path / "mallory.ipynb")
    settings = Settings(out_dir=tmp_path / "out", jobs=1, cache_dir=tmp_path / "cache")
    [report] = grade_all("plain", [tmp_path / "mallory.ipynb"], settings, course)
    assert report.score == 0
    assert "the secret case" not in report.tests[0].output
    assert "withheld" in report.tests[0].output
    assert "the secret case" not in (tmp_path / "out" / "mallory" / "feedback.html").read_text()


@pytest.mark.sandbox
def test_nbgraders_open_relative_file_reads_data_txt_beside_it_in_the_sandbox(tmp_path):
    from autograder.grading import Settings, grade_all

    folder = tmp_path / "course" / "source" / "files"
    folder.mkdir(parents=True)
    shutil.copy2(FIXTURES / "apps" / "open_relative_file.ipynb", folder / "open_relative_file.ipynb")
    shutil.copy2(FIXTURES / "apps" / "data.txt", folder / "data.txt")
    settings = Settings(out_dir=tmp_path / "out", jobs=1, cache_dir=tmp_path / "cache")
    [report] = grade_all("files", [FIXTURES / "apps" / "open_relative_file.ipynb"], settings,
                         tmp_path / "course")
    assert (report.score, report.max_score) == (10, 10)  # nbgrader autograde gives 10 too
    (folder / "data.txt").write_text("one line\n")  # the data file decides: nbgrader gives 0
    [report] = grade_all("files", [FIXTURES / "apps" / "open_relative_file.ipynb"], settings,
                         tmp_path / "course")
    assert report.score == 0 and "AssertionError" in report.tests[0].output
