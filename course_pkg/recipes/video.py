"""Video classification: one frame, the frames averaged, the frames in order (LRCN), frame labels.

Clips of moving real digits (``course_pkg.data.video.load_moving_digits``) whose class is the
direction of the motion, so that a single frame says nothing about it. Four models are trained
with the shared loop (``course_pkg.recipes.training.fit``), each in its own ``run_dir`` folder:

- ``per_frame``: a CNN that sees one frame of each clip (many-to-one from one image);
- ``averaging``: the same CNN on every frame, features averaged over time (order-blind);
- ``lrcn``: the CNN on every frame, then an LSTM (Donahue et al., 2015);
- ``tagger``: the CNN on every frame, then a BiLSTM labelling each frame *still* or *moving*
  (synced many-to-many). Its CNN starts from the LRCN's trained frame encoder.

Then a GRU on real sensor series (``sensor``): BasicMotions (four activities of a smart watch,
from the sktime wheel) in the test and book presets, UCI HAR (six activities of a smartphone, a
checksummed download) in the colab and full presets.

Metrics come from scikit-learn: accuracy, the confusion matrix, and the frame-level macro F1
(``still`` and ``moving`` weighted alike). The named baseline of the clip classifiers is chance,
1/4 (the classes are balanced); that of the frame labels is always saying the majority label.
The document also keeps the test clips each model got wrong (``errors``: indices into the test
split, which :func:`test_clips` rebuilds from the document) for the page's error analysis.

Run it with ``python -m course_pkg.recipes video --preset book`` or ``run_recipe("video", "book")``.
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable

import numpy as np

from ._common import check_preset, write_result
from .hardware import Hardware, hardware_for
from .training import application_document, fit

NAME = "video"

#: The models of the comparison, in the order they are trained.
MODELS = ("per_frame", "averaging", "lrcn", "tagger")

_CLIPS = {"seed": 0, "speed": 2, "filters": [8, 16], "features": 32}

PRESETS: dict[str, dict[str, Any]] = {
    # seconds, for CI: tiny clips, two epochs of every model (a killed run has one to resume).
    "test": {**_CLIPS, "size": 12, "digit_size": 10, "frames": 4, "max_pause": 2,
             "n_train": 64, "n_val": 16, "n_test": 16, "filters": [4, 8], "features": 8,
             "units": 8, "tagger_units": 4, "batch_size": 16, "learning_rate": 5e-3,
             "tagger_learning_rate": 3e-3,
             "epochs": {"per_frame": 2, "averaging": 2, "lrcn": 2, "tagger": 2},
             "sensor": "basic_motions", "sensor_pool": 5, "sensor_units": 8,
             "sensor_epochs": 2, "sensor_batch_size": 8, "sensor_learning_rate": 1e-2},
    # live on the page: 1,500 clips of 8 frames of 16 x 16; 23 s of training on two CPU cores
    # (LRCN 98.0 %, averaging 29.2 %, per-frame 25.9 %, frame macro F1 0.88, BasicMotions 97.5 %).
    "book": {**_CLIPS, "size": 16, "digit_size": 12, "frames": 8, "max_pause": 4,
             "n_train": 1500, "n_val": 400, "n_test": 400, "units": 32, "tagger_units": 32,
             "batch_size": 32, "learning_rate": 5e-3, "tagger_learning_rate": 3e-3,
             "epochs": {"per_frame": 3, "averaging": 2, "lrcn": 8, "tagger": 5},
             "sensor": "basic_motions", "sensor_pool": 2, "sensor_units": 32,
             "sensor_epochs": 15, "sensor_batch_size": 8, "sensor_learning_rate": 1e-2},
    # one T4: 20,000 clips of 16 frames of 32 x 32 with full-size digits, UCI HAR for the GRU.
    "colab": {**_CLIPS, "size": 32, "digit_size": 20, "frames": 16, "max_pause": 6,
              "n_train": 20_000, "n_val": 2_000, "n_test": 4_000, "filters": [16, 32],
              "features": 64, "units": 64, "tagger_units": 64, "batch_size": 128,
              "learning_rate": 2e-3, "tagger_learning_rate": 1e-3,
              "epochs": {"per_frame": 5, "averaging": 10, "lrcn": 10, "tagger": 10},
              "sensor": "uci_har", "sensor_pool": 1, "sensor_units": 64, "sensor_epochs": 20,
              "sensor_batch_size": 64, "sensor_learning_rate": 2e-3},
    # A100/H100: larger canvas, longer clips, more of everything.
    "full": {**_CLIPS, "size": 40, "digit_size": 28, "frames": 20, "max_pause": 8,
             "n_train": 50_000, "n_val": 5_000, "n_test": 10_000, "filters": [32, 64],
             "features": 128, "units": 128, "tagger_units": 128, "batch_size": 256,
             "learning_rate": 1e-3, "tagger_learning_rate": 1e-3,
             "epochs": {"per_frame": 5, "averaging": 15, "lrcn": 15, "tagger": 15},
             "sensor": "uci_har", "sensor_pool": 1, "sensor_units": 128, "sensor_epochs": 30,
             "sensor_batch_size": 64, "sensor_learning_rate": 1e-3},
}

#: Test clips kept per model in ``errors``.
MAX_ERRORS = 12


def load_clips(config: dict):
    """The moving-digit clips of a preset's configuration (deterministic given its seed)."""
    from course_pkg.data.video import load_moving_digits

    return load_moving_digits(config["n_train"], config["n_val"], config["n_test"],
                              frames=config["frames"], size=config["size"],
                              digit_size=config["digit_size"], speed=config["speed"],
                              max_pause=config["max_pause"], seed=config["seed"])


def test_clips(document: dict):
    """The test clips a result document was scored on (rebuilt from its configuration)."""
    return load_clips(document["config"]).test


def one_frame_each(x: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One frame per clip, at a seeded random time: frames (N, S, S, 1) and their times (N,)."""
    times = np.random.default_rng(seed).integers(0, x.shape[1], len(x))
    return x[np.arange(len(x)), times], times


def load_sensor(config: dict):
    """The sensor data of a preset, standardised per channel with the training statistics and
    averaged over ``sensor_pool`` consecutive steps: (N, T / pool, C) float32."""
    from course_pkg.data.video import load_basic_motions, load_uci_har

    data = load_basic_motions() if config["sensor"] == "basic_motions" else load_uci_har()
    mean = data.x_train.mean(axis=(0, 1))
    std = data.x_train.std(axis=(0, 1)) + 1e-6
    pool = config["sensor_pool"]

    def prepare(x):
        x = (x - mean) / std
        steps = x.shape[1] // pool * pool
        return x[:, :steps].reshape(len(x), steps // pool, pool, -1).mean(axis=2).astype(np.float32)

    return data, prepare(data.x_train), prepare(data.x_test)


def _compiled(model, learning_rate: float, hardware: Hardware):
    import keras

    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=hardware.jit_compile)
    return model


def _builders(config: dict, hardware: Hardware, encoder_weights: list | None = None
              ) -> dict[str, Callable[[], Any]]:
    from course_pkg.data.video import DIRECTIONS, FRAME_LABELS
    from course_pkg.models import video as models

    shape = {"filters": tuple(config["filters"]), "features": config["features"]}
    t, s, k, lr = config["frames"], config["size"], len(DIRECTIONS), config["learning_rate"]

    def tagger():
        model = models.frame_tagger(t, s, len(FRAME_LABELS), units=config["tagger_units"], **shape)
        if encoder_weights is not None:  # start from the LRCN's frame encoder
            model.get_layer("per_frame").layer.set_weights(encoder_weights)
        return _compiled(model, config["tagger_learning_rate"], hardware)

    return {
        "per_frame": lambda: _compiled(models.per_frame_cnn(s, k, **shape), lr, hardware),
        "averaging": lambda: _compiled(models.frame_averaging(t, s, k, **shape), lr, hardware),
        "lrcn": lambda: _compiled(models.lrcn(t, s, k, units=config["units"], **shape), lr,
                                  hardware),
        "tagger": tagger,
    }


def _predict(model, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """The model's outputs on ``x``, called batch by batch (no ``predict`` function to trace for
    each new model, hence no retracing warnings on the page)."""
    import keras

    return np.concatenate([keras.ops.convert_to_numpy(model(x[i:i + batch_size], training=False))
                           for i in range(0, len(x), batch_size)]).astype(np.float32)


def _scores(y_true, y_pred, labels) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    y_true, y_pred = np.ravel(y_true), np.ravel(y_pred)
    return {"accuracy": float(accuracy_score(y_true, y_pred)),
            "macro_f1": float(f1_score(y_true, y_pred, average="macro", labels=labels,
                                       zero_division=0)),
            "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist()}


def _errors(y_true: np.ndarray, proba: np.ndarray, limit: int) -> list[dict[str, Any]]:
    """The misclassified test clips, most confident first."""
    pred = proba.argmax(-1)
    wrong = np.flatnonzero(pred != y_true)
    wrong = wrong[np.argsort(-proba[wrong, pred[wrong]], kind="stable")][:limit]
    return [{"index": int(i), "label": int(y_true[i]), "predicted": int(pred[i]),
             "probability": float(proba[i, pred[i]])} for i in wrong]


def run(preset: str = "book", out: str | None = None,
        progress: Callable[[dict], None] | None = None, run_dir: str | None = None,
        hardware: Hardware | None = None) -> dict:
    """Train the four clip models and the sensor GRU; return the result document.

    Args:
        preset: "test", "book", "colab" or "full" (:data:`PRESETS`).
        out: folder for ``video_<preset>.json`` (None: not written).
        progress: called after every epoch of every model, with ``model`` added to the record.
        run_dir: checkpoint folder; each model keeps its own sub-folder and resumes from it.
        hardware: precision and devices (default: ``hardware_for(preset)``).

    Returns:
        The document of ``application_document``. ``metrics``: the test accuracy of each clip
        model and of chance, the frame labels' accuracy and macro F1 with the majority
        baseline's, the sensor GRU's test accuracy. Besides: ``histories`` (per model),
        ``confusion`` (per model), ``errors`` (misclassified test clips per model),
        ``frame_predictions`` (the tagger's labels on the first test clips), ``data`` (provenance,
        sizes) and ``timing`` (seconds per model). ``history`` is the LRCN's.
    """
    from course_pkg.colab import ensure_packages
    from course_pkg.data.video import DIRECTIONS, FRAME_LABELS
    from course_pkg.models.video import sensor_gru

    ensure_packages("sklearn")
    config = check_preset(NAME, PRESETS, preset)
    hardware = hardware or hardware_for(preset)
    start = time.perf_counter()
    clips = load_clips(config)
    train, val, test = clips.train, clips.val, clips.test
    classes = list(range(len(DIRECTIONS)))

    def trained(name: str, build, x, y, validation, epochs, batch_size, seed):
        def tagged(record):
            if progress is not None:
                progress({"model": name, **record})

        return fit(build, x, y, validation_data=validation, epochs=epochs, batch_size=batch_size,
                   seed=seed, hardware=hardware, progress=tagged,
                   run_dir=None if run_dir is None else os.path.join(run_dir, name),
                   fingerprint={**config, "model": name})

    results, probabilities = {}, {}
    encoder_weights = None
    for name in MODELS:
        builders = _builders(config, hardware, encoder_weights)
        epochs, batch = config["epochs"][name], config["batch_size"]
        if name == "per_frame":
            x, _ = one_frame_each(train.x, config["seed"])
            x_val, _ = one_frame_each(val.x, config["seed"] + 1)
            results[name] = trained(name, builders[name], x, train.y, (x_val, val.y), epochs,
                                    batch, config["seed"])
            # scored on every frame of every test clip
            n, t = test.x.shape[:2]
            proba = _predict(results[name].model, test.x.reshape(n * t, *test.x.shape[2:]))
            probabilities[name] = proba.reshape(n, t, -1)
        else:
            y, y_val = (train.frame_y, val.frame_y) if name == "tagger" else (train.y, val.y)
            results[name] = trained(name, builders[name], train.x, y, (val.x, y_val), epochs,
                                    batch, config["seed"])
            probabilities[name] = _predict(results[name].model, test.x)
        if name == "lrcn":
            encoder_weights = results[name].model.get_layer("per_frame").layer.get_weights()

    per_frame_pred = probabilities["per_frame"].argmax(-1)
    scores = {
        "per_frame": _scores(np.repeat(test.y[:, None], test.x.shape[1], 1), per_frame_pred,
                             classes),
        "averaging": _scores(test.y, probabilities["averaging"].argmax(-1), classes),
        "lrcn": _scores(test.y, probabilities["lrcn"].argmax(-1), classes),
        "tagger": _scores(test.frame_y, probabilities["tagger"].argmax(-1), [0, 1]),
    }
    majority = int(np.bincount(train.frame_y.ravel(), minlength=2).argmax())
    majority_scores = _scores(test.frame_y, np.full_like(test.frame_y, majority), [0, 1])

    # the sensor task: a GRU on real activity series
    sensor, x_sensor, x_sensor_test = load_sensor(config)
    sensor_build = (lambda: _compiled(sensor_gru(
        x_sensor.shape[1], x_sensor.shape[2], len(sensor.class_names),
        units=config["sensor_units"]), config["sensor_learning_rate"], hardware))
    sensor_result = trained("sensor", sensor_build, x_sensor, sensor.y_train,
                            (x_sensor_test, sensor.y_test), config["sensor_epochs"],
                            config["sensor_batch_size"], config["seed"])
    sensor_pred = _predict(sensor_result.model, x_sensor_test).argmax(-1)
    sensor_scores = _scores(sensor.y_test, sensor_pred, list(range(len(sensor.class_names))))

    metrics = {
        "chance_accuracy": 1.0 / len(DIRECTIONS),
        "per_frame_accuracy": scores["per_frame"]["accuracy"],
        "averaging_accuracy": scores["averaging"]["accuracy"],
        "lrcn_accuracy": scores["lrcn"]["accuracy"],
        "frame_accuracy": scores["tagger"]["accuracy"],
        "frame_macro_f1": scores["tagger"]["macro_f1"],
        "majority_frame_accuracy": majority_scores["accuracy"],
        "majority_frame_macro_f1": majority_scores["macro_f1"],
        "sensor_accuracy": sensor_scores["accuracy"],
        "sensor_majority_accuracy": float(np.bincount(sensor.y_test).max() / len(sensor.y_test)),
        "lrcn_params": int(results["lrcn"].model.count_params()),
    }
    shown = min(8, len(test.y))
    extra = {
        "data": {"provenance": {"clips": clips.provenance, "sensor": sensor.provenance},
                 "sizes": {"train": len(train), "val": len(val), "test": len(test),
                           "sensor_train": len(sensor.y_train),
                           "sensor_test": len(sensor.y_test)},
                 "classes": list(DIRECTIONS), "frame_labels": list(FRAME_LABELS),
                 "sensor_classes": list(sensor.class_names),
                 "still_share_test": float(1.0 - test.frame_y.mean())},
        "histories": {**{name: results[name].history for name in MODELS},
                      "sensor": sensor_result.history},
        "confusion": {**{name: scores[name]["confusion"] for name in MODELS},
                      "majority_frames": majority_scores["confusion"],
                      "sensor": sensor_scores["confusion"]},
        "errors": {"averaging": _errors(test.y, probabilities["averaging"], MAX_ERRORS),
                   "lrcn": _errors(test.y, probabilities["lrcn"], MAX_ERRORS)},
        "frame_predictions": {
            "index": list(range(shown)),
            "truth": test.frame_y[:shown].tolist(),
            "p_moving": probabilities["tagger"][:shown, :, 1].round(4).tolist()},
        "timing": {**{f"{name}_seconds": round(results[name].wall_s, 1) for name in MODELS},
                   "sensor_seconds": round(sensor_result.wall_s, 1),
                   "resumed_epochs": {name: results[name].resumed_epochs for name in MODELS}},
    }
    document = application_document(NAME, preset, out, config, metrics, results["lrcn"].history,
                                    hardware, time.perf_counter() - start, **extra)
    if out is not None:
        write_result(document, out)
    return document
