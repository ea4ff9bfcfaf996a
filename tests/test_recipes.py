"""The recipes: the CLI's "test" preset writes a valid JSON result in seconds (config, seeds, one
record per run with its curve, a summary, the environment, the reproducing command), and the
summaries and tables compute what they claim."""

import json
import subprocess
import sys

import pytest

from course_pkg.recipes import (
    REPRODUCTIONS,
    command_line,
    format_table,
    load_result,
    recipe_module,
    report,
    result_path,
    run_recipe,
)
from course_pkg.recipes._common import first_epoch_below, summarize

pytestmark = pytest.mark.keras


def check_document(doc: dict, recipe: str, n_runs: int, group_keys: tuple[str, ...]) -> None:
    assert doc["recipe"] == recipe and doc["preset"] == "test" and doc["schema"] == 1
    assert doc["seeds"] == doc["config"]["seeds"] == [0]
    assert doc["command"].startswith(f"python -m course_pkg.recipes {recipe} --preset test --out ")
    assert len(doc["runs"]) == n_runs
    for record in doc["runs"]:
        assert len(record["curve"]) == record["epochs_run"] == doc["config"]["epochs"]
        assert record["test_mse"] == record["curve"][-1] > 0
        assert record["params"] > 0 and record["wall_s"] > 0
    assert all(set(group_keys) <= set(row) for row in doc["summary"])
    assert sum(row["n"] for row in doc["summary"]) == n_runs
    env = doc["environment"]
    assert {"python", "numpy", "keras", "backend"} <= set(env) and env[env["backend"]]
    assert doc["baseline_mse"] in (pytest.approx(1 / 6), pytest.approx(1 / 12))


def test_cli_test_preset_writes_a_valid_json_result(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "course_pkg.recipes", "adding_problem", "--preset", "test",
         "--out", str(tmp_path)], capture_output=True, text=True, timeout=300, check=True)
    path = tmp_path / "adding_problem_test.json"
    assert path.is_file()
    assert f"wrote {path}" in completed.stdout
    assert "test MSE (mean ± std)" in completed.stdout and "reproduce with: python -m" in completed.stdout
    doc = json.loads(path.read_text())
    check_document(doc, "adding_problem", n_runs=2, group_keys=("kind", "T"))
    assert [r["kind"] for r in doc["runs"]] == ["simple_rnn", "lstm"]
    assert doc["command"] == f"python -m course_pkg.recipes adding_problem --preset test --out {tmp_path.as_posix()}"


@pytest.mark.parametrize("recipe,n_runs,keys", [
    ("forget_bias", 2, ("unit_forget_bias",)),
    ("lstm_ablation", 2, ("kind",)),
])
def test_run_recipe_test_preset_in_process(recipe, n_runs, keys, tmp_path):
    seen = []
    doc = run_recipe(recipe, "test", out=str(tmp_path), progress=seen.append)
    check_document(doc, recipe, n_runs, keys)
    assert len(seen) == n_runs
    assert json.loads(result_path(tmp_path, recipe, "test").read_text())["runs"] == doc["runs"]
    assert load_result(recipe, "test", folders=[tmp_path / "missing", tmp_path])["summary"] == doc["summary"]


def test_forget_bias_runs_differ_only_in_the_bias_and_share_seeds_and_data(tmp_path):
    doc = run_recipe("forget_bias", "test")
    on, off = doc["runs"]
    assert (on["unit_forget_bias"], off["unit_forget_bias"]) == (True, False)
    assert on["seed"] == off["seed"] and on["params"] == off["params"]
    assert on["curve"] != off["curve"]


def test_the_same_seed_reproduces_the_same_curve():
    a = run_recipe("lstm_ablation", "test")["runs"]
    b = run_recipe("lstm_ablation", "test")["runs"]
    assert [r["curve"] for r in a] == [r["curve"] for r in b]


def test_presets_every_recipe_has_test_book_full_and_full_uses_several_seeds():
    for name in REPRODUCTIONS:
        presets = recipe_module(name).PRESETS
        assert list(presets) == ["test", "book", "full"]
        assert len(presets["full"]["seeds"]) >= 3
    with pytest.raises(ValueError, match=r"argument preset expected one of \['test', 'book', 'full'\], got 'huge'"):
        run_recipe("adding_problem", "huge")
    with pytest.raises(ValueError, match=r"argument name expected one of"):
        run_recipe("copy_task", "test")


def test_summarize_mean_std_solved_and_steps_to_solve():
    runs = [
        {"kind": "lstm", "T": 10, "test_mse": 0.004, "curve": [0.2, 0.05, 0.004], "steps_per_epoch": 10},
        {"kind": "lstm", "T": 10, "test_mse": 0.002, "curve": [0.2, 0.002], "steps_per_epoch": 10},
        {"kind": "rnn", "T": 10, "test_mse": 0.16, "curve": [0.17, 0.16], "steps_per_epoch": 10},
    ]
    lstm, rnn = summarize(runs, ("kind", "T"), solved_mse=0.01)
    assert lstm["mean"] == pytest.approx(0.003) and lstm["std"] == pytest.approx(0.001)
    assert (lstm["solved"], lstm["n"], lstm["steps_to_solve"]) == (2, 2, 25.0)
    assert (rnn["solved"], rnn["steps_to_solve"]) == (0, None)
    assert first_epoch_below([0.3, 0.2, 0.1], 0.15) == 3 and first_epoch_below([0.3], 0.1) is None
    table = format_table([lstm, rnn], [("kind", "model"), ("mse", "MSE"), ("solved", "solved")])
    assert table.splitlines()[2].split() == ["lstm", "0.0030", "±", "0.0010", "2/2"]
    assert table.splitlines()[3].split() == ["rnn", "0.1600", "±", "0.0000", "0/1"]


def test_report_says_what_ran_the_table_and_the_command():
    doc = run_recipe("forget_bias", "test")
    text = report(doc)
    lines = text.splitlines()
    assert lines[0].startswith("forget_bias, preset 'test': 2 runs, seeds [0], ")
    assert lines[2].split()[:3] == ["forget", "bias", "1"]
    assert lines[4].split()[0] == "True" and lines[5].split()[0] == "False"
    assert lines[-1] == "reproduce with: python -m course_pkg.recipes forget_bias --preset test --out DIR"


def test_load_result_without_the_file_is_none(tmp_path):
    assert load_result("adding_problem", "full", folders=[tmp_path]) is None


def test_command_line_names_recipe_preset_and_folder():
    assert command_line("forget_bias", "full", "course_pkg/recipes/results") == (
        "python -m course_pkg.recipes forget_bias --preset full --out course_pkg/recipes/results")


def test_committed_full_results_exist_and_say_how_they_were_made():
    for name in REPRODUCTIONS:
        doc = load_result(name, "full")
        assert doc is not None, f"course_pkg/recipes/results/{name}_full.json is missing"
        assert doc["command"] == (
            f"python -m course_pkg.recipes {name} --preset full --out course_pkg/recipes/results")
        assert len(doc["seeds"]) >= 3 and len(doc["runs"]) == sum(r["n"] for r in doc["summary"])
