"""The application recipes, run for real on the backend of this test session (the Makefile runs
this file on TensorFlow and again on JAX):

- every recipe's ``test`` preset writes a complete JSON result (metrics, seeds, configuration,
  hardware, environment, history, reproducing command);
- data parallelism: the CLI splits the CPU into two devices (``--cpu-devices 2``) and the run gives
  the metrics of the one-device run;
- resume: a run killed (SIGKILL) right after its first epoch's checkpoint, started again with the
  same ``--run-dir``, finishes with the metrics of an uninterrupted run;
- a mixed-precision (bfloat16) run of a preset completes with finite metrics.
"""

import json
import math
import os
import signal
import subprocess
import sys

import pytest

from course_pkg.recipes import APPLICATIONS, PRESET_NAMES, recipe_module
from course_pkg.recipes.training import KILL_AFTER_EPOCH_ENV

pytestmark = pytest.mark.keras

#: The recipe the process-level tests (two devices, kill and resume, bfloat16) run: a masked
#: many-to-one model whose recipe also fits a scikit-learn baseline. The machinery is shared, so
#: one recipe shows it; each such run costs a Python process with its backend (10-20 s).
PROCESS_RECIPES = ("sentiment",)


def numbers(metrics: dict) -> dict:
    return {k: v for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


@pytest.mark.parametrize("name", APPLICATIONS)
def test_every_recipe_has_four_presets_and_a_complete_test_run(name, recipe_test_runs):
    module = recipe_module(name)
    assert module.NAME == name and tuple(module.PRESETS) == PRESET_NAMES
    document = recipe_test_runs.document(name)
    folder = recipe_test_runs.folder
    on_disk = json.loads((folder / f"{name}_test.json").read_text())
    assert on_disk["metrics"] == json.loads(json.dumps(document["metrics"]))
    assert document["recipe"] == name and document["preset"] == "test"
    assert document["command"] == f"python -m course_pkg.recipes {name} --preset test --out {folder.as_posix()}"
    assert document["seeds"], "the seeds are recorded"
    values = numbers(document["metrics"])
    assert values and all(math.isfinite(v) for v in values.values()), document["metrics"]
    assert document["hardware"]["precision"] == "float32"
    import keras

    env = document["environment"]
    assert env["backend"] == keras.backend.backend() and env[env["backend"]]


def run_cli(name: str, out, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "course_pkg.recipes", name, "--preset", "test",
                           "--out", str(out), "--quiet", *extra],
                          capture_output=True, text=True, env={**os.environ, **(env or {})},
                          timeout=600)


def metrics_of(folder, name: str) -> dict:
    return numbers(json.loads((folder / f"{name}_test.json").read_text())["metrics"])


def assert_same_metrics(a: dict, b: dict, rel: float) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert b[key] == pytest.approx(a[key], rel=rel, abs=1e-6), key


@pytest.fixture(scope="module")
def one_device(tmp_path_factory):
    """The metrics of each process recipe's uninterrupted one-device run (run once per module)."""
    found = {}

    def metrics(name: str) -> dict:
        if name not in found:
            out = tmp_path_factory.mktemp(f"{name}-one")
            proc = run_cli(name, out)
            assert proc.returncode == 0, proc.stderr[-3000:]
            found[name] = metrics_of(out, name)
        return found[name]

    return metrics


@pytest.mark.slow
@pytest.mark.parametrize("name", PROCESS_RECIPES)
def test_two_devices_give_the_metrics_of_one(name, tmp_path, one_device):
    """On PyTorch, which Keras cannot train data parallel, the run stops with one clear line."""
    import keras

    two = run_cli(name, tmp_path / "two", "--cpu-devices", "2")
    if keras.backend.backend() == "torch":
        assert two.returncode == 2 and two.stderr.strip().splitlines()[-1] == (
            "error: split_cpu: data parallelism is implemented for the TensorFlow (tf.distribute) "
            "and JAX (keras.distribution) backends; Keras has none for 'torch': train on one device")
        assert not (tmp_path / "two").exists()
        return
    assert two.returncode == 0, two.stderr[-3000:]
    document = json.loads((tmp_path / "two" / f"{name}_test.json").read_text())
    assert document["hardware"]["replicas"] == 2
    assert document["hardware"]["devices"] == ["cpu:0", "cpu:1"]
    # The same batches and weights; only the order of the gradient sums differs.
    assert_same_metrics(one_device(name), metrics_of(tmp_path / "two", name), rel=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("name", PROCESS_RECIPES)
def test_a_killed_run_resumes_and_ends_as_an_uninterrupted_one(name, tmp_path, one_device):
    run_dir = tmp_path / "checkpoints"
    killed = run_cli(name, tmp_path / "resumed", "--run-dir", str(run_dir),
                     env={KILL_AFTER_EPOCH_ENV: "1"})
    assert killed.returncode == -signal.SIGKILL
    assert not (tmp_path / "resumed" / f"{name}_test.json").exists()
    assert {"checkpoint.weights.h5", "state.json", "log.csv"} <= {p.name for p in run_dir.rglob("*")}
    resumed = run_cli(name, tmp_path / "resumed", "--run-dir", str(run_dir))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert_same_metrics(one_device(name), metrics_of(tmp_path / "resumed", name), rel=1e-5)


@pytest.mark.slow
def test_a_mixed_precision_run_completes():
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        proc = run_cli("sentiment", tmp, "--precision", "mixed_bfloat16")
        assert proc.returncode == 0, proc.stderr[-3000:]
        document = json.loads((Path(tmp) / "sentiment_test.json").read_text())
    assert document["hardware"]["precision"] == "mixed_bfloat16"
    assert all(math.isfinite(v) for v in numbers(document["metrics"]).values())


def test_cli_refuses_application_options_for_reproductions():
    proc = subprocess.run([sys.executable, "-m", "course_pkg.recipes", "adding_problem",
                           "--preset", "test", "--run-dir", "x"], capture_output=True, text=True)
    assert proc.returncode == 2 and "--run-dir is for the application recipes" in proc.stderr
