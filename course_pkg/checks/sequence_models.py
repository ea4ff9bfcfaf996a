"""Checks for the ``sequence_models`` assignment: forecasting windows, CTC, a masked tagger.

The student-facing conventions they pin (stated again in the notebook):

- ``make_windows(series, window, horizon) -> (x (N, W, 1), y (N, H))`` with N = T - W - H + 1,
  ``x[i, :, 0] = series[i:i+W]``, ``y[i] = series[i+W:i+W+H]``;
- ``persistence_baseline(series, window, horizon, split) -> (targets, forecast, mae, rmse)`` on
  the windows of ``series[split - W:]`` (every target in the held-out stretch);
- ``ctc_forward(log_probs, label) -> (loss, log_alpha)``: log_probs (T, C), blank = class 0 as
  in Keras, label L ids in 1..C-1, log_alpha (T, 2L + 1);
- ``ctc_greedy_decode(log_probs, lengths) -> N lists of ids`` (or an (N, T) int array padded
  with -1, as ``keras.ops.ctc_decode`` returns it);
- ``build_tagger(vocab_size, n_tags, embedding_dim, units) -> keras.Model`` from word ids (N, T)
  (0 = padding) to tag probabilities (N, T, n_tags);
- ``train_tagger(x_train, y_train, vocab_size, n_tags) -> trained keras.Model``.

Each CTC and decoding check calls the student's function on more than one input, so that a
wrong term has an output of its own: ``loss_tight`` (T as short as the label allows: only the
skip transition gets there), ``loss_repeat`` (the label ``c c``: no skip between equal
characters), the crafted paths of ``merge_repeats``, ``blank_between_repeats``,
``drop_blanks`` and ``lengths``.

The inputs are built from the parameters and the seed with pure NumPy, except the tagger's
data: the slot-filling corpus of :mod:`course_pkg.data.slot_filling`, which the grader builds on
its side and hands in (:func:`course_pkg.checks.inputs.data_inputs`). ``train_tagger`` is not
compared with the instructor's outputs: its judge computes the slot F1 (seqeval) of the
predictions on held-out sentences whose tags never enter the sandbox, and requires at least
:data:`F1_THRESHOLD`, with the training within :data:`CPU_BUDGET_S` seconds of CPU. Expected
outputs (visible mode) come from :mod:`course_pkg.reference.forecasting`,
:mod:`course_pkg.reference.ctc` (the losses and decodings of ``keras.ops.ctc_loss`` and
``keras.ops.ctc_decode``) and :func:`course_pkg.models.slot_filling.slot_tagger`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from course_pkg.checks.core import (
    Check,
    OutputFormatError,
    call_student_or_fail,
    capture_dir,
    compare_outputs,
    register,
    run_check,
    unpack_tuple,
)
from course_pkg.checks.inputs import data_inputs
from course_pkg.checks.seeded import requested_dtype, seeded_rng

DTYPES = ("float64", "float32")
RTOL, ATOL = 1e-4, 1e-5  # float32 inputs, and Keras's float32 CTC, pass
F1_THRESHOLD = 0.75
"""Slot F1 the trained tagger must reach on the held-out sentences (the solution: 0.84-0.86)."""
CPU_BUDGET_S = 90.0
"""Seconds of CPU the training may take (the solution: about 6)."""
BLANK = 0
CRAFTED_T = 6


def _positive(p: dict[str, Any], *names: str) -> None:
    for name in names:
        value = p[name]
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


# ---------------------------------------------------------------------------------------------
# Forecasting
# ---------------------------------------------------------------------------------------------


def make_series(T: int, seed: int, dtype: str = "float64") -> np.ndarray:
    """(T,) a seasonal series with a trend and noise: ``sin(2 pi t / 12) + 0.02 t + noise``."""
    rng = seeded_rng(seed)
    t = np.arange(T)
    series = np.sin(2 * np.pi * t / 12) + 0.02 * t + 0.3 * rng.normal(size=T)
    return series.astype(dtype)


def _inputs_windows(p: dict[str, Any]) -> tuple[Any, ...]:
    _positive(p, "T", "window", "horizon")
    if p["T"] < p["window"] + p["horizon"]:
        raise ValueError(f"T={p['T']} is too short for window={p['window']} + "
                         f"horizon={p['horizon']}")
    return (make_series(p["T"], p["seed"], requested_dtype(p, DTYPES).name), p["window"], p["horizon"])


def _inputs_persistence(p: dict[str, Any]) -> tuple[Any, ...]:
    series, window, horizon = _inputs_windows(p)
    if not window <= p["split"] <= p["T"] - horizon:
        raise ValueError(f"split must lie in window..T-horizon = {window}..{p['T'] - horizon}, "
                         f"got {p['split']}")
    return (series, window, horizon, p["split"])


def _unpack_windows(value: Any) -> dict[str, Any]:
    out = unpack_tuple(value, ("x", "y"), check_name="make_windows")
    try:
        n = len(out["x"])
    except TypeError:
        raise OutputFormatError("make_windows: x is not an array of windows") from None
    return {"n_windows": n, **out}


def _ref_windows(args: tuple[Any, ...], p: dict[str, Any]) -> dict[str, Any]:
    from course_pkg.reference.forecasting import make_windows

    x, y = make_windows(args[0].astype(np.float64), args[1], args[2])
    return {"n_windows": len(x), "x": x, "y": y}


def _ref_persistence(args: tuple[Any, ...], p: dict[str, Any]) -> dict[str, Any]:
    from course_pkg.reference.forecasting import persistence_baseline

    targets, forecast, mae, rmse = persistence_baseline(args[0].astype(np.float64), *args[1:])
    return {"targets": targets, "forecast": forecast, "mae": mae, "rmse": rmse}


_COMMON = {"seed": 0, "dtype": "float64"}

_WINDOWS = register(Check(
    name="make_windows",
    output_names=("n_windows", "x", "y"),
    defaults={"T": 30, "window": 5, "horizon": 2, **_COMMON},
    build_inputs=_inputs_windows,
    unpack=_unpack_windows,
    reference=_ref_windows,
    hints={
        "n_windows": "N = T - window - horizon + 1: one window for each start i = 0 .. T - window "
        "- horizon, so that the targets of the last one end at the last step of the series.",
        "x": "x[i, :, 0] = series[i : i + window]: window i reads window steps from step i, with "
        "a trailing feature axis of size 1 (shape (N, window, 1)).",
        "y": "y[i] = series[i + window : i + window + horizon]: the horizon steps right AFTER "
        "window i (its first target is the step after its last input, not that input again).",
    },
    shape_params=("T", "window", "horizon", "dtype"),
    rtol=RTOL, atol=ATOL, exact=("n_windows",),
))

_PERSISTENCE = register(Check(
    name="persistence_baseline",
    output_names=("targets", "forecast", "mae", "rmse"),
    defaults={"T": 40, "window": 6, "horizon": 3, "split": 28, **_COMMON},
    build_inputs=_inputs_persistence,
    unpack=lambda v: unpack_tuple(v, ("targets", "forecast", "mae", "rmse"),
                                  check_name="persistence_baseline"),
    reference=_ref_persistence,
    hints={
        "targets": "the held-out windows are make_windows(series[split - window:], window, "
        "horizon): their inputs may read the window steps before split, every target lies at or "
        "after split (the first one is series[split]).",
        "forecast": "persistence repeats the last observed value of each window, x[i, -1, 0], "
        "for every step of the horizon: shape (N, horizon).",
        "mae": "mae = mean of |targets - forecast| over every window and every step.",
        "rmse": "rmse = sqrt(mean of (targets - forecast) ** 2) over every window and step: the "
        "square root of the mean, not the mean of square roots.",
    },
    shape_params=("T", "window", "horizon", "split", "dtype"),
    rtol=RTOL, atol=ATOL,
))


# ---------------------------------------------------------------------------------------------
# CTC
# ---------------------------------------------------------------------------------------------


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    m = logits.max(axis=-1, keepdims=True)
    return logits - m - np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))


def _frames(rng: np.random.Generator, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Log probabilities (..., C) whose values the dtype holds exactly."""
    return _log_softmax(2.0 * rng.normal(size=shape)).astype(dtype)


def make_label(rng: np.random.Generator, L: int, C: int, repeat: int) -> list[int]:
    """L ids in 1..C-1, no two neighbours equal, except the last two when ``repeat``."""
    label = [int(rng.integers(1, C))]
    for i in range(1, L):
        if repeat and i == L - 1:
            label.append(label[-1])
            continue
        choices = [c for c in range(1, C) if c != label[-1]]
        label.append(int(choices[int(rng.integers(len(choices)))]))
    return label


def min_frames(label: list[int]) -> int:
    """The fewest frames an alignment of ``label`` needs: L, plus a blank per equal pair."""
    return len(label) + sum(a == b for a, b in zip(label, label[1:]))


def _inputs_ctc(p: dict[str, Any]) -> tuple[Any, ...]:
    """``(log_probs (T, C), label, repeat_frames (3, C), repeat_label)``."""
    _positive(p, "T", "L", "C")
    if p["C"] < 3:
        raise ValueError(f"C must be at least 3 (the blank and two characters), got {p['C']}")
    if p["repeat"] and p["L"] < 2:
        raise ValueError("repeat=1 needs a label of at least L=2 characters")
    rng = seeded_rng(p["seed"])
    dtype = requested_dtype(p, DTYPES)
    label = make_label(rng, p["L"], p["C"], p["repeat"])
    if p["T"] < min_frames(label):
        raise ValueError(f"T={p['T']} frames are too few for a label of {min_frames(label)} "
                         "frames at least")
    log_probs = _frames(rng, (p["T"], p["C"]), dtype)
    repeat_frames = _frames(rng, (3, p["C"]), dtype)
    return (log_probs, label, repeat_frames, [label[0], label[0]])


def _ctc_runs(student_fn: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    def run(log_probs, label, repeat_frames, repeat_label) -> dict[str, Any]:
        out = {}
        tight = min_frames(label)
        for name, frames, lab in (("loss", log_probs, label),
                                  ("loss_tight", log_probs[:tight], label),
                                  ("loss_repeat", repeat_frames, repeat_label)):
            got = unpack_tuple(student_fn(frames.copy(), list(lab)), ("loss", "log_alpha"),
                               check_name="ctc_forward")
            out[name] = got["loss"]
            if name == "loss":
                out["alpha_start"] = _alpha_start(got["log_alpha"], len(frames), len(lab))
        return out
    return run


def _alpha_start(log_alpha: Any, T: int, L: int) -> np.ndarray:
    try:
        arr = np.asarray(log_alpha, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise OutputFormatError(f"ctc_forward: log_alpha is not an array of numbers: {exc}") from None
    if arr.shape != (T, 2 * L + 1):
        raise OutputFormatError(f"ctc_forward: log_alpha has shape {arr.shape}, expected "
                                f"(T, 2L + 1) = ({T}, {2 * L + 1})")
    with np.errstate(all="ignore"):
        return np.exp(arr[0])


def _ref_ctc(args: tuple[Any, ...], p: dict[str, Any]) -> dict[str, Any]:
    from course_pkg.reference.ctc import ctc_forward, keras_ctc

    log_probs, label, repeat_frames, repeat_label = (
        a.astype(np.float64) if isinstance(a, np.ndarray) else a for a in args)
    tight = min_frames(label)
    losses = [float(keras_ctc(frames[None], [lab], [len(frames)])[0][0])
              for frames, lab in ((log_probs, label), (log_probs[:tight], label),
                                  (repeat_frames, repeat_label))]
    return {"alpha_start": np.exp(ctc_forward(log_probs, label)[1][0]),
            "loss": losses[0], "loss_tight": losses[1], "loss_repeat": losses[2]}


_CTC = register(Check(
    name="ctc_forward",
    output_names=("alpha_start", "loss", "loss_tight", "loss_repeat"),
    defaults={"T": 8, "L": 3, "C": 5, "repeat": 1, **_COMMON},
    build_inputs=_inputs_ctc,
    unpack=lambda v: v,
    reference=_ref_ctc,
    hints={
        "alpha_start": "at t = 0 only two states can be reached: s = 0, the blank "
        "(log_alpha[0, 0] = log_probs[0, blank]), and s = 1, the first character "
        "(log_alpha[0, 1] = log_probs[0, label[0]]); every other entry of the row is -inf.",
        "loss": "log_alpha[t, s] = logsumexp of the allowed predecessors in row t - 1 (s: stay, "
        "s - 1: advance, s - 2: skip) + log_probs[t, l'[s]], and the loss is -logsumexp("
        "log_alpha[T-1, S-1], log_alpha[T-1, S-2]): a path ends on the last character or on the "
        "blank after it.",
        "loss_tight": "with T as short as the label allows, the only alignment goes straight from "
        "one character to the next without a blank between: allow the skip transition from "
        "s - 2 when l'[s] is not the blank and differs from l'[s - 2].",
        "loss_repeat": "for the label [c, c] the two c's must be separated by a blank: no skip "
        "from s - 2 into s when l'[s] == l'[s - 2] (over three frames only c - c counts).",
    },
    shape_params=("T", "L", "C", "repeat", "dtype"),
    rtol=RTOL, atol=ATOL,
))


# Crafted argmax paths of the decoding check: (name, path over CRAFTED_T frames, length)
_CRAFTED = (
    ("merge_repeats", (1, 1, 1, 2, 2, 2), 6),
    ("blank_between_repeats", (1, 0, 1, 0, 0, 0), 6),
    ("drop_blanks", (0, 1, 0, 0, 2, 0), 6),
    ("lengths", (1, 2, 1, 2, 1, 2), 3),
)


def _inputs_decode(p: dict[str, Any]) -> tuple[Any, ...]:
    """``(log_probs (N, T, C), lengths (N,), crafted (4, 6, C), crafted_lengths (4,))``."""
    _positive(p, "N", "T", "C")
    if p["C"] < 3:
        raise ValueError(f"C must be at least 3 (the blank and two characters), got {p['C']}")
    rng = seeded_rng(p["seed"])
    dtype = requested_dtype(p, DTYPES)
    # few classes dominate, so that runs of one class and blanks between them occur
    logits = 2.0 * rng.normal(size=(p["N"], p["T"], p["C"]))
    logits[..., 0] += 1.0
    log_probs = _log_softmax(logits).astype(dtype)
    lengths = rng.integers(1, p["T"] + 1, size=p["N"])
    lengths[-1] = p["T"]
    paths = np.array([path for _, path, _ in _CRAFTED])
    crafted = 0.5 * rng.normal(size=(len(_CRAFTED), CRAFTED_T, p["C"]))
    np.put_along_axis(crafted, paths[..., None], 8.0, axis=2)
    return (log_probs, lengths.astype(np.int64), _log_softmax(crafted).astype(dtype),
            np.array([n for _, _, n in _CRAFTED], dtype=np.int64))


def _padded(check_name: str, decoded: Any, N: int, T: int) -> np.ndarray:
    """N decoded labels as an (N, T) int array padded with -1."""
    if isinstance(decoded, np.ndarray) and decoded.ndim == 2:
        rows = [[int(c) for c in row if c >= 0] for row in decoded]
    else:
        try:
            rows = [[int(c) for c in np.asarray(row).reshape(-1)] for row in decoded]
        except (TypeError, ValueError) as exc:
            raise OutputFormatError(f"{check_name}: expected a list of N lists of class ids: "
                                    f"{exc}") from None
    if len(rows) != N or any(len(row) > T for row in rows):
        raise OutputFormatError(f"{check_name}: expected {N} decoded labels of at most T={T} "
                                f"ids, got {len(rows)} of lengths {[len(r) for r in rows]}")
    out = np.full((N, T), -1, dtype=np.int64)
    for n, row in enumerate(rows):
        out[n, :len(row)] = row
    return out


def _decode_runs(student_fn: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    def run(log_probs, lengths, crafted, crafted_lengths) -> dict[str, Any]:
        N, T, _ = log_probs.shape
        out = {"decoded": _padded("ctc_greedy_decode", student_fn(log_probs, lengths), N, T)}
        rows = _padded("ctc_greedy_decode", student_fn(crafted, crafted_lengths), len(_CRAFTED),
                       CRAFTED_T)
        out.update({name: rows[i] for i, (name, _, _) in enumerate(_CRAFTED)})
        return out
    return run


def _ref_decode(args: tuple[Any, ...], p: dict[str, Any]) -> dict[str, Any]:
    from course_pkg.reference.ctc import keras_ctc

    log_probs, lengths, crafted, crafted_lengths = args
    N, T, _ = log_probs.shape
    out = {"decoded": _padded("keras", keras_ctc(log_probs, [], lengths)[1], N, T)}
    rows = _padded("keras", keras_ctc(crafted, [], crafted_lengths)[1], len(_CRAFTED), CRAFTED_T)
    out.update({name: rows[i] for i, (name, _, _) in enumerate(_CRAFTED)})
    return out


_DECODE = register(Check(
    name="ctc_greedy_decode",
    output_names=("decoded", *(name for name, _, _ in _CRAFTED)),
    defaults={"N": 4, "T": 10, "C": 4, **_COMMON},
    build_inputs=_inputs_decode,
    unpack=lambda v: v,
    reference=_ref_decode,
    hints={
        "decoded": "take the argmax class of each of the first lengths[n] frames, merge each "
        "run of the same class into one, then drop the blanks (class 0).",
        "merge_repeats": "merge each run of the same class into one: the path a a a b b b "
        "decodes to a b.",
        "blank_between_repeats": "merge repeats BEFORE dropping blanks: a blank separates two "
        "equal characters, so a - a decodes to a a (dropping blanks first gives a).",
        "drop_blanks": "drop the blank (class 0) from the output: - a - - b - decodes to a b.",
        "lengths": "only the first lengths[n] frames of example n count: with length 3, the path "
        "a b a b a b decodes to a b a.",
    },
    shape_params=("N", "T", "C", "dtype"),
    exact=("decoded", *(name for name, _, _ in _CRAFTED)),
))


# ---------------------------------------------------------------------------------------------
# The masked bidirectional tagger
# ---------------------------------------------------------------------------------------------


def _inputs_tagger(p: dict[str, Any]) -> tuple[Any, ...]:
    """``(vocab_size, n_tags, embedding_dim, units, x (N, T), x_more_padding (N, T + 3))``:
    word ids right-padded with 0, lengths 1..T."""
    _positive(p, "vocab_size", "n_tags", "embedding_dim", "units", "N", "T")
    rng = seeded_rng(p["seed"])
    N, T = p["N"], p["T"]
    x = rng.integers(1, p["vocab_size"], size=(N, T))
    lengths = rng.integers(1, T + 1, size=N)
    lengths[-1] = T
    x = np.where(np.arange(T)[None, :] < lengths[:, None], x, 0).astype(np.int64)
    return (p["vocab_size"], p["n_tags"], p["embedding_dim"], p["units"], x,
            np.concatenate([x, np.zeros((N, 3), dtype=np.int64)], axis=1))


def _flat_layers(model: Any) -> list[Any]:
    import keras

    out = []
    for layer in getattr(model, "layers", []):
        if isinstance(layer, keras.Model):
            out += _flat_layers(layer)
        else:
            out.append(layer)
    return out


def _is_softmax(layer: Any) -> bool:
    import keras

    if isinstance(layer, keras.layers.TimeDistributed):
        layer = layer.layer
    activation = getattr(layer, "activation", None)
    name = getattr(activation, "__name__", "") or str(activation)
    return isinstance(layer, (keras.layers.Dense, keras.layers.Activation, keras.layers.Softmax)) \
        and ("softmax" in name or isinstance(layer, keras.layers.Softmax))


def inspect_tagger(model: Any, x: np.ndarray, x_more_padding: np.ndarray) -> dict[str, Any]:
    """What the tagger check compares: its layers, its output shape, its parameter count, and
    how much the probabilities of the real words change when padding is added at the end."""
    import keras

    if not isinstance(model, keras.Model):
        raise OutputFormatError(f"build_tagger returned a {type(model).__name__}, expected a "
                                "keras.Model")
    recurrent = (keras.layers.GRU, keras.layers.LSTM, keras.layers.SimpleRNN, keras.layers.RNN)
    with keras.device("cpu:0"):
        probs = keras.ops.convert_to_numpy(model(x)).astype(np.float64)
        more = keras.ops.convert_to_numpy(model(x_more_padding)).astype(np.float64)
    layers = _flat_layers(model)
    real = x != 0
    if probs.ndim != 3 or probs.shape[:2] != x.shape or more.shape[:2] != x_more_padding.shape:
        change = np.float64(np.inf)
    else:
        change = np.max(np.abs(probs - more[:, :x.shape[1]]) * real[..., None])
    return {
        "mask": int(any(isinstance(l, keras.layers.Embedding) and l.mask_zero
                        or isinstance(l, keras.layers.Masking) for l in layers)),
        "bidirectional": int(any(isinstance(l, keras.layers.Bidirectional)
                                 and isinstance(l.forward_layer, recurrent)
                                 and l.forward_layer.return_sequences for l in layers)),
        "softmax_per_token": int(bool(layers) and _is_softmax(layers[-1]) and probs.ndim == 3),
        "output_shape": np.array(probs.shape, dtype=np.int64),
        "n_params": int(model.count_params()),
        "padding_change": float(change) if np.isfinite(change) else 1.0,
    }


def _tagger_runs(student_fn: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    def run(V, n_tags, E, H, x, x_more_padding) -> dict[str, Any]:
        import keras

        keras.utils.set_random_seed(0)
        with keras.device("cpu:0"):
            model = student_fn(V, n_tags, E, H)
        return inspect_tagger(model, x, x_more_padding)
    return run


def _ref_tagger(args: tuple[Any, ...], p: dict[str, Any]) -> dict[str, Any]:
    import keras

    from course_pkg.models.slot_filling import slot_tagger

    V, n_tags, E, H, x, x_more_padding = args
    keras.utils.set_random_seed(0)
    with keras.device("cpu:0"):
        model = slot_tagger(V, n_tags, kind="bidirectional", inputs="embedding", units=H,
                            embedding_dim=E, cell="gru")
    return inspect_tagger(model, x, x_more_padding)


_TAGGER = register(Check(
    name="build_tagger",
    output_names=("mask", "bidirectional", "softmax_per_token", "output_shape", "n_params",
                  "padding_change"),
    defaults={"vocab_size": 50, "n_tags": 7, "embedding_dim": 8, "units": 6, "N": 3, "T": 5,
              "seed": 0},
    build_inputs=_inputs_tagger,
    unpack=lambda v: v,
    reference=_ref_tagger,
    hints={
        "mask": "no layer masks the padding: give the Embedding mask_zero=True (or put a "
        "keras.layers.Masking layer first), so that id 0 is padding to every later layer.",
        "bidirectional": "read the sentence both ways: keras.layers.Bidirectional around a "
        "keras.layers.GRU with return_sequences=True (a state for every word).",
        "softmax_per_token": "end with keras.layers.Dense(n_tags, activation='softmax') applied "
        "to every word: tag probabilities of shape (N, T, n_tags).",
        "output_shape": "the model maps word ids (N, T) to tag probabilities (N, T, n_tags): the "
        "recurrent layer needs return_sequences=True and the last Dense n_tags units.",
        "n_params": "Embedding(vocab_size, embedding_dim), Bidirectional(GRU(units)) and "
        "Dense(n_tags): V E + 2 * 3 (E H + H H + 2 H) + (2 H n_tags + n_tags) weights (Keras's "
        "GRU has two bias vectors, reset_after=True; Bidirectional concatenates the directions).",
        "padding_change": "adding padding at the end changed the tag probabilities of the real "
        "words: the backward direction must start at each sentence's last real word, which the "
        "mask (mask_zero=True) makes it do.",
    },
    shape_params=("vocab_size", "n_tags", "embedding_dim", "units"),
    rtol=0.0, atol=1e-5,
    exact=("mask", "bidirectional", "softmax_per_token", "output_shape", "n_params"),
))


def _train_runs(student_fn: Callable[..., Any], seed: int) -> Callable[..., dict[str, Any]]:
    def run(x_train, y_train, V, n_tags, x_test) -> dict[str, Any]:
        import keras

        keras.utils.set_random_seed(seed)
        start = time.process_time()
        with keras.device("cpu:0"):
            model = student_fn(x_train, y_train, V, n_tags)
            if not isinstance(model, keras.Model):
                raise OutputFormatError(f"train_tagger returned a {type(model).__name__}, "
                                        "expected the trained keras.Model")
            seconds = time.process_time() - start
            probs = np.asarray(model.predict(x_test, batch_size=256, verbose=0))
        if probs.shape != (*x_test.shape, n_tags):
            raise OutputFormatError(f"train_tagger: the model's predictions have shape "
                                    f"{probs.shape}, expected (N, T, n_tags) = "
                                    f"{(*x_test.shape, n_tags)}")
        return {"predicted": np.argmax(probs, axis=-1), "cpu_seconds": seconds}
    return run


def slot_f1(predicted: np.ndarray, params: Mapping[str, Any]) -> float:
    """Slot F1 (seqeval, exact spans) of predicted tag ids (N, T) on the held-out sentences."""
    from course_pkg.colab import ensure_packages
    from course_pkg.forward_inputs import tagger_test_tags

    ensure_packages("seqeval")
    from seqeval.metrics import f1_score

    y_true, lengths, names = tagger_test_tags(dict(params))
    true = [[names[i] for i in y_true[n, :k]] for n, k in enumerate(lengths)]
    pred = [[names[i] for i in predicted[n, :k]] for n, k in enumerate(lengths)]
    return float(f1_score(true, pred))


def _judge_train(student: Mapping[str, Any], expected: Mapping[str, Any],
                 p: dict[str, Any]) -> list[str]:
    """Slot F1 of the student's predictions at least :data:`F1_THRESHOLD`; training within
    :data:`CPU_BUDGET_S` (``expected``, the instructor's run, is not used)."""
    from course_pkg.forward_inputs import tagger_test_tags

    y_true, _, names = tagger_test_tags(dict(p))
    failures = []
    predicted = np.asarray(student.get("predicted", np.zeros(0)))
    if predicted.shape != y_true.shape or predicted.dtype.kind not in "iu" or \
            predicted.min(initial=0) < 0 or predicted.max(initial=0) >= len(names):
        failures.append(f"predicted has shape {predicted.shape} (dtype {predicted.dtype}), "
                        f"expected tag ids in 0..{len(names) - 1} of shape {y_true.shape}")
    else:
        f1 = slot_f1(predicted, p)
        if not f1 >= F1_THRESHOLD:
            failures.append(
                f"slot_f1 is too low: {f1:.3f} on the {len(y_true)} held-out sentences, at least "
                f"{F1_THRESHOLD} needed: train longer or with a larger learning rate (the "
                "notebook's settings reach about 0.85), and check the mask and the per-word "
                "softmax")
    seconds = float(np.asarray(student.get("cpu_seconds", np.inf)))
    if not seconds <= CPU_BUDGET_S:
        failures.append(f"cpu_seconds is too high: training took {seconds:.0f} s of CPU, the "
                        f"budget is {CPU_BUDGET_S:.0f} s: fewer epochs or a smaller model")
    return failures


_TRAIN = register(Check(
    name="train_tagger",
    output_names=("predicted", "cpu_seconds"),
    defaults={"n_train": 400, "n_test": 200, "data_seed": 0, "seed": 0},
    build_inputs=data_inputs("train_tagger"),
    unpack=lambda v: v,
    reference=lambda args, p: {},
    hints={"predicted": "the tags of the held-out sentences must reach the slot F1 threshold.",
           "cpu_seconds": "training must fit the CPU budget."},
    shape_params=("n_train", "n_test", "seed"),
    exact=("predicted",),
    judge=_judge_train,
))


# ---------------------------------------------------------------------------------------------
# What the notebook calls
# ---------------------------------------------------------------------------------------------


def _run(check: Check, student_fn: Callable[..., Any], params: dict[str, Any]) -> None:
    """``run_check``, after building the inputs once here: parameters that cannot make inputs
    (T shorter than the label) raise ``ValueError`` for the test's author, not for the student."""
    check.build_inputs(check.resolve_params(params))
    run_check(check, student_fn, params)


def make_windows(student_fn: Callable[..., Any], **params: Any) -> None:
    """Check ``make_windows(series, window, horizon) -> (x, y)`` (T, window, horizon, seed,
    dtype)."""
    _run(_WINDOWS, student_fn, params)


def persistence_baseline(student_fn: Callable[..., Any], **params: Any) -> None:
    """Check ``persistence_baseline(series, window, horizon, split) -> (targets, forecast, mae,
    rmse)`` (T, window, horizon, split, seed, dtype)."""
    _run(_PERSISTENCE, student_fn, params)


def ctc_forward(student_fn: Callable[..., Any], **params: Any) -> None:
    """Check ``ctc_forward(log_probs, label) -> (loss, log_alpha)`` on a label, on the fewest
    frames it allows, and on ``[c, c]`` (T, L, C, repeat, seed, dtype); visible mode compares
    the losses with ``keras.ops.ctc_loss``."""
    _run(_CTC, _ctc_runs(student_fn), params)


def ctc_greedy_decode(student_fn: Callable[..., Any], **params: Any) -> None:
    """Check ``ctc_greedy_decode(log_probs, lengths) -> N labels`` on random frames and four
    crafted paths (N, T, C, seed, dtype); visible mode compares with ``keras.ops.ctc_decode``."""
    _run(_DECODE, _decode_runs(student_fn), params)


def build_tagger(student_fn: Callable[..., Any], **params: Any) -> None:
    """Check ``build_tagger(vocab_size, n_tags, embedding_dim, units) -> keras.Model``: its layers,
    output shape, parameter count and masking (vocab_size, n_tags, embedding_dim, units, N, T,
    seed)."""
    _run(_TAGGER, _tagger_runs(student_fn), params)


def train_tagger(student_fn: Callable[..., Any], **params: Any) -> None:
    """Check ``train_tagger(x_train, y_train, vocab_size, n_tags) -> model``: trained with the
    seed set, its slot F1 on held-out sentences must reach :data:`F1_THRESHOLD` within
    :data:`CPU_BUDGET_S` seconds of CPU (n_train, n_test, data_seed, seed)."""
    resolved = _TRAIN.resolve_params(params)
    runs = _train_runs(student_fn, resolved["seed"])
    if capture_dir() is not None:
        run_check(_TRAIN, runs, params)
        return
    where = f" ({_TRAIN.describe(resolved)})"
    student = call_student_or_fail(_TRAIN, runs, resolved, where)
    failures = compare_outputs("train_tagger", student, {}, resolved)
    if failures:
        lines = "\n".join(f"  - {f}" for f in failures)
        raise AssertionError(f"train_tagger{where}: {len(failures)} problem(s):\n{lines}")
    print(f"train_tagger: slot F1 {slot_f1(student['predicted'], resolved):.3f} on "
          f"{resolved['n_test']} held-out sentences (at least {F1_THRESHOLD} needed), trained in "
          f"{student['cpu_seconds']:.1f} s of CPU (budget {CPU_BUDGET_S:.0f} s)")
