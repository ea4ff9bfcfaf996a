"""The shared training loop and hardware presets (course_pkg.recipes.training / .hardware), on a
small GRU classifier: per-epoch history, checkpoint, state and CSV log; a resumed run continues
where the checkpoint stopped and ends where an uninterrupted run ends; mixed precision computes in
16 bits with a float32 output; bad sizes and a foreign checkpoint are refused. The recipes'
own runs (data parallel on two devices, a killed run resumed) are in test_recipes_applications.py."""

import csv
import json

import numpy as np
import pytest

from course_pkg.recipes.hardware import Hardware, hardware_for, hardware_scope
from course_pkg.recipes.training import (
    application_document,
    application_report,
    fit,
    format_epoch,
    num_examples,
)

pytestmark = pytest.mark.keras


def data(n=128, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 10, 3)).astype("float32")
    return x, (x.sum(axis=(1, 2)) > 0).astype("float32")


def build():
    import keras

    model = keras.Sequential([keras.Input((10, 3)), keras.layers.GRU(8), keras.layers.Dropout(0.3),
                              keras.layers.Dense(1, activation="sigmoid", dtype="float32")])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


def test_fit_records_history_checkpoint_state_and_log(tmp_path):
    x, y = data()
    seen = []
    result = fit(build, x, y, validation_data=data(32, 1), epochs=3, batch_size=32, seed=0,
                 run_dir=tmp_path, progress=seen.append)
    assert result.resumed_epochs == 0 and result.wall_s > 0
    assert set(result.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 3 for v in result.history.values())
    assert result.history["loss"][-1] < result.history["loss"][0]
    assert [r["epoch"] for r in seen] == [1, 2, 3] and seen[-1]["epochs"] == 3
    assert format_epoch(seen[0]).startswith("epoch 1/3  ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.weights.h5", "log.csv",
                                                         "state.json"]
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["epochs_done"] == 3 and state["history"] == result.history
    rows = list(csv.DictReader(open(tmp_path / "log.csv")))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    assert float(rows[-1]["val_loss"]) == pytest.approx(result.history["val_loss"][-1], rel=1e-5)


def test_a_run_continued_from_its_checkpoint_ends_as_an_uninterrupted_one(tmp_path):
    x, y = data()
    whole = fit(build, x, y, epochs=3, batch_size=32, seed=4)
    first = fit(build, x, y, epochs=3, batch_size=32, seed=4, run_dir=tmp_path)
    # The same run_dir again: all three epochs are loaded, none trained.
    again = fit(build, x, y, epochs=3, batch_size=32, seed=4, run_dir=tmp_path)
    assert again.resumed_epochs == 3 and again.history == first.history
    np.testing.assert_allclose(whole.history["loss"], first.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(again.model.predict(x[:8], verbose=0),
                               first.model.predict(x[:8], verbose=0), rtol=1e-6)
    # Stopped after one epoch, continued to three: the same batches and the same dropout masks.
    fit(build, x, y, epochs=1, batch_size=32, seed=4, run_dir=tmp_path / "part")
    continued = fit(build, x, y, epochs=3, batch_size=32, seed=4, run_dir=tmp_path / "part")
    assert continued.resumed_epochs == 1
    np.testing.assert_allclose(continued.history["loss"], whole.history["loss"], rtol=1e-6)


def test_a_checkpoint_of_another_run_is_refused(tmp_path):
    x, y = data()
    fit(build, x, y, epochs=1, batch_size=32, seed=0, run_dir=tmp_path, fingerprint={"units": 8})
    with pytest.raises(ValueError, match="holds the checkpoint of a different run"):
        fit(build, x, y, epochs=1, batch_size=32, seed=0, run_dir=tmp_path,
            fingerprint={"units": 16})


def test_bad_sizes_are_refused():
    x, y = data()
    with pytest.raises(ValueError, match="same number of examples .* got \\[64, 128\\]"):
        fit(build, x, y[:64], epochs=1, batch_size=32, seed=0)
    with pytest.raises(ValueError, match="batch_size 33 is not a multiple of the 2 devices"):
        fit(build, x, y, epochs=1, batch_size=33, seed=0,
            hardware=Hardware(devices=("cpu:0", "cpu:1")))
    with pytest.raises(ValueError, match="argument epochs expected a positive integer, got 0"):
        fit(build, x, y, epochs=0, batch_size=32, seed=0)
    assert num_examples({"a": x, "b": (x, y)}) == 128


@pytest.mark.parametrize("policy, compute", [("mixed_float16", "float16"),
                                             ("mixed_bfloat16", "bfloat16")])
def test_mixed_precision_computes_in_16_bits_with_a_float32_output(policy, compute):
    import keras

    x, y = data()
    result = fit(build, x, y, epochs=2, batch_size=32, seed=0, hardware=Hardware(precision=policy))
    gru, _, dense = result.model.layers
    assert gru.compute_dtype == compute and gru.variable_dtype == "float32"
    assert dense.compute_dtype == "float32"
    assert np.isfinite(result.history["loss"]).all()
    assert keras.config.dtype_policy().name == "float32"  # restored after the run


def test_presets_choose_precision_and_devices_from_the_gpus():
    t4 = [{"name": "gpu:0", "compute_capability": 7.5}]
    a100s = [{"name": f"gpu:{i}", "compute_capability": 8.0} for i in range(4)]
    assert hardware_for("book") == Hardware()
    assert hardware_for("colab", gpus=[]) == Hardware()
    assert hardware_for("colab", gpus=t4) == Hardware("mixed_float16", "auto", ())
    full = hardware_for("full", gpus=a100s)
    assert full.precision == "mixed_bfloat16" and full.replicas == 4
    assert full.devices == ("gpu:0", "gpu:1", "gpu:2", "gpu:3")
    with pytest.raises(ValueError, match="argument preset expected one of"):
        hardware_for("huge")
    with pytest.raises(ValueError, match="argument precision expected one of"):
        Hardware(precision="float8")


def test_hardware_scope_restores_the_policy_after_an_error():
    import keras

    with pytest.raises(RuntimeError):
        with hardware_scope(Hardware(precision="mixed_bfloat16")):
            assert keras.config.dtype_policy().name == "mixed_bfloat16"
            raise RuntimeError("boom")
    assert keras.config.dtype_policy().name == "float32"


def test_application_document_and_report():
    doc = application_document("sentiment", "test", "out", {"seed": 3, "epochs": 2},
                               {"test_accuracy": 0.8125, "n_test": 64}, {"loss": [0.7, 0.6]},
                               Hardware(), 1.26, data={"kind": "package"})
    assert doc["seeds"] == [3] and doc["metrics"]["test_accuracy"] == 0.8125
    assert doc["hardware"]["replicas"] == 1 and doc["data"] == {"kind": "package"}
    assert doc["command"] == "python -m course_pkg.recipes sentiment --preset test --out out"
    text = application_report(doc)
    assert "test_accuracy  0.8125" in text and "float32 on 1 device(s)" in text


@pytest.mark.slow
def test_two_models_in_a_row_train_data_parallel_in_one_process():
    """A recipe that trains several models on two devices (one strategy per device group; two
    would collide on their collective keys)."""
    import subprocess
    import sys

    script = """
from course_pkg.recipes.hardware import Hardware, split_cpu
devices = split_cpu(2)
import numpy as np, keras
from course_pkg.recipes.training import fit
x = np.random.default_rng(0).random((128, 8, 3), dtype="float32"); y = x.mean(axis=(1, 2))
for units in (4, 8):
    def build():
        model = keras.Sequential([keras.Input((8, 3)), keras.layers.LSTM(units), keras.layers.Dense(1)])
        model.compile("adam", "mse")
        return model
    result = fit(build, x, y, epochs=1, batch_size=64, seed=0, hardware=Hardware(devices=devices))
    print("trained", units, result.model.count_params())
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    import keras

    if keras.backend.backend() == "torch":   # Keras has no data parallelism on PyTorch
        assert proc.stderr.strip().splitlines()[-1] == (
            "NotImplementedError: split_cpu: data parallelism is implemented for the TensorFlow "
            "(tf.distribute) and JAX (keras.distribution) backends; Keras has none for 'torch': "
            "train on one device")
        return
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split("\n")[:2] == ["trained 4 133", "trained 8 393"]
