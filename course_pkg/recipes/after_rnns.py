"""After RNNs: what an LSTM, a Transformer encoder and a minGRU cost and what they learn.

Three measurements, one result document:

(a) **Training-step cost against sequence length** (``time_training_steps``): the wall time of one
    training step (forward and backward pass, ``gradient_step``) and its peak memory, for
    T from 64 to 2048 (colab/full: further), for each of the three classifiers of
    ``course_pkg.models.after_rnns``. Memory is measured, and the record says how
    (``memory_method``): with TensorFlow, the allocator's peak during the step above the bytes
    in use before it (``tf.config.experimental.get_memory_info``; on a CPU this needs the BFC
    allocator, which importing this module asks for); with JAX on a CPU, the process's peak
    resident size (Linux VmHWM) above its size before; with JAX on a GPU, not measured (None).
(b) **Accuracy on one task** (``train_models``): each model trained on marked-token recall
    (``course_pkg.data.long_range``) with the shared ``course_pkg.recipes.training.fit``;
    test accuracy from scikit-learn, and the accuracy after every epoch.
(c) **Streaming cost per new token** (``streaming_costs``): after a prefix of t tokens, the time to
    take one more token: an LSTM or minGRU step (constant in t), a self-attention step over a
    cache of the t keys and values (linear in t), and the encoder recomputing the whole prefix
    (what a Transformer without a cache does, quadratic in t); with the size of the state each
    keeps (floats per sequence).

The recipe uses whatever device is there: on the book's CPU, float32 without XLA; on a GPU
(colab/full presets), the precision and XLA setting of ``hardware_for(preset)``.

Run::

    python -m course_pkg.recipes after_rnns --preset colab --out results --run-dir checkpoints
"""

from __future__ import annotations

import ctypes
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

NAME = "after_rnns"

_TINY = {"lstm": {"embed": 8, "units": 16}, "transformer": {"embed": 8, "heads": 2, "ffn": 16},
         "min_gru": {"embed": 8, "units": 16}}
_SMALL = {"lstm": {"embed": 32, "units": 64}, "transformer": {"embed": 32, "heads": 2, "ffn": 64},
          "min_gru": {"embed": 32, "units": 64}}
_WIDE = {"lstm": {"embed": 128, "units": 256},
         "transformer": {"embed": 128, "heads": 4, "ffn": 256},
         "min_gru": {"embed": 128, "units": 256}}

#: Presets: ``task`` (marked-token recall), ``train`` (per model), ``sizes`` (layer sizes per
#: model), ``timing`` (training-step sweep) and ``streaming`` (cost of one more token).
PRESETS: dict[str, dict[str, Any]] = {
    "test": {
        "task": {"T": 16, "classes": 4, "n_train": 128, "n_test": 64, "window": (0.0, 1.0)},
        "train": {"epochs": 2, "batch_size": 64, "learning_rate": 1e-2},
        "sizes": _TINY,
        "timing": {"lengths": [8, 16], "batch": 2, "repeats": 1, "sizes": _TINY},
        "streaming": {"lengths": [8, 16], "batch": 1, "repeats": 2, "sizes": _TINY},
        "seed": 0,
    },
    "book": {
        "task": {"T": 64, "classes": 8, "n_train": 2048, "n_test": 512, "window": (0.0, 1.0)},
        "train": {"epochs": 5, "batch_size": 64, "learning_rate": 1e-2},
        "sizes": _SMALL,
        "timing": {"lengths": [64, 256, 1024, 2048], "batch": 4, "repeats": 3,
                   "sizes": _SMALL},
        "streaming": {"lengths": [64, 256, 1024, 2048], "batch": 1, "repeats": 20,
                      "sizes": _SMALL},
        "seed": 0,
    },
    "colab": {
        "task": {"T": 512, "classes": 8, "n_train": 20000, "n_test": 2000, "window": (0.0, 1.0)},
        "train": {"epochs": 10, "batch_size": 128, "learning_rate": 3e-3},
        "sizes": _SMALL,
        "timing": {"lengths": [64, 128, 256, 512, 1024, 2048, 4096, 8192], "batch": 16,
                   "repeats": 5, "sizes": _WIDE},
        "streaming": {"lengths": [64, 256, 1024, 4096, 16384], "batch": 1, "repeats": 50,
                      "sizes": _WIDE},
        "seed": 0,
    },
    "full": {
        "task": {"T": 2048, "classes": 8, "n_train": 50000, "n_test": 5000, "window": (0.0, 1.0)},
        "train": {"epochs": 20, "batch_size": 256, "learning_rate": 2e-3},
        "sizes": _WIDE,
        "timing": {"lengths": [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384], "batch": 32,
                   "repeats": 10, "sizes": _WIDE},
        "streaming": {"lengths": [64, 256, 1024, 4096, 16384, 32768], "batch": 1, "repeats": 100,
                      "sizes": _WIDE},
        "seed": 0,
    },
}

KINDS = ("lstm", "transformer", "min_gru")

# TensorFlow's default CPU allocator does not count every allocation (the LSTM's while-loop
# buffers escape it); its BFC allocator does, and reports a peak. It must be chosen before
# TensorFlow starts, so importing this module first asks for it.
if "tensorflow" not in sys.modules:
    os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
_CPU_BFC = os.environ.get("TF_CPU_ALLOCATOR_USE_BFC", "").lower() in ("1", "true")


# ----------------------------------------------------------------------------------------------
# Devices and memory


def device_kind() -> str:
    """"gpu" when the Keras backend sees a GPU, else "cpu"."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return "gpu" if tf.config.list_logical_devices("GPU") else "cpu"
    if backend == "jax":
        import jax

        return "gpu" if jax.default_backend() in ("gpu", "cuda", "rocm") else "cpu"
    if backend == "torch":
        import torch

        return "gpu" if torch.cuda.is_available() else "cpu"
    return "cpu"


def _status_kib(field: str) -> int | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) if match else None


def _malloc_trim() -> None:
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class PeakMemory:
    """Measure the extra memory one call needs at its peak, the honest way for the device.

    ``method`` says what ``measure(fn)`` returns (bytes, or None where it cannot measure):

    - TensorFlow (GPU, or CPU with its BFC allocator): the allocator's peak during ``fn()``
      (``tf.config.experimental.reset_memory_stats``, then ``get_memory_info``) minus the bytes in
      use before: the activations kept for the backward pass, the gradients and the workspace.
    - JAX on a CPU under Linux: freed heap is handed back (``malloc_trim``), the process's peak
      resident size is reset (5 into /proc/self/clear_refs), ``fn()`` runs, and the new peak
      (VmHWM) minus the resident size before is returned (with the C allocator's slack).
    - otherwise None (TensorFlow's default CPU allocator misses allocations; JAX's GPU peak
      cannot be reset).
    """

    def __init__(self):
        import keras

        self.backend = keras.backend.backend()
        self.device = device_kind()
        self._tf_device = None
        if self.backend == "tensorflow" and (self.device == "gpu" or _CPU_BFC):
            self._tf_device = "GPU:0" if self.device == "gpu" else "CPU:0"
            allocator = "GPU" if self.device == "gpu" else "CPU (BFC)"
            self.method = (f"TensorFlow {allocator} allocator: peak bytes during the step "
                           "minus bytes in use before it (tf.config.experimental.get_memory_info)")
        elif self.backend == "jax" and self.device == "cpu" and self._can_reset_peak():
            self.method = ("process peak resident set size during the step (Linux VmHWM, reset "
                           "before it) minus the resident size before it")
        else:
            self.method = "not measured on this device and backend"

    @staticmethod
    def _can_reset_peak() -> bool:
        try:
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:
            return False
        return _status_kib("VmHWM") is not None

    def measure(self, fn: Callable[[], Any]) -> int | None:
        if self._tf_device is not None:
            import tensorflow as tf

            tf.config.experimental.reset_memory_stats(self._tf_device)
            before = tf.config.experimental.get_memory_info(self._tf_device)["current"]
            fn()
            return int(tf.config.experimental.get_memory_info(self._tf_device)["peak"] - before)
        if self.method.startswith("process peak"):
            _malloc_trim()
            before = _status_kib("VmRSS")
            Path("/proc/self/clear_refs").write_text("5")
            fn()
            return max(0, (_status_kib("VmHWM") - before) * 1024)
        fn()
        return None


# ----------------------------------------------------------------------------------------------
# (a) the cost of one training step against sequence length


def _loss(y, p):
    import keras

    return keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y, p))


def gradient_step(model, jit_compile: bool = False, polymorphic: bool = False) -> Callable:
    """A compiled ``step(x, y)``: forward pass, loss, gradients of every trainable weight.

    One training step without the optimizer's update (a few element-wise operations per weight,
    the same for the three models): the part whose cost depends on the sequence length. It
    returns (loss, gradients) as NumPy, so that timing it waits for the whole computation.

    Args:
        model: a built classifier of tokens (N, T) -> probabilities (N, K).
        jit_compile: compile with XLA.
        polymorphic: on TensorFlow, trace once for every length (the model must accept T None).
    """
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        def step(x, y):
            with tf.GradientTape() as tape:
                loss = _loss(y, model(x, training=True))
            return loss, tape.gradient(loss, model.trainable_variables)

        signature = None
        if polymorphic:
            signature = [tf.TensorSpec((None, None), tf.int32), tf.TensorSpec((None,), tf.int32)]
        compiled = tf.function(step, input_signature=signature, jit_compile=bool(jit_compile))
        return lambda x, y: keras.tree.map_structure(np.asarray, compiled(x, y))
    if backend == "jax":
        import jax

        trainable = [v.value for v in model.trainable_variables]
        frozen = [v.value for v in model.non_trainable_variables]

        def loss_of(trainable, x, y):
            probabilities, _ = model.stateless_call(trainable, frozen, x, training=True)
            return _loss(y, probabilities)

        compiled = jax.jit(jax.value_and_grad(loss_of))
        return lambda x, y: jax.block_until_ready(compiled(trainable, x, y))
    if backend == "torch":
        import torch

        # Eager: Keras's torch jit_compile is torch.compile, whose compile time alone exceeds
        # these measurements; jit_compile and polymorphic do not apply.
        weights = [v.value for v in model.trainable_variables]

        def torch_step(x, y):
            loss = _loss(y, model(x, training=True))
            grads = torch.autograd.grad(loss, weights)
            return (keras.ops.convert_to_numpy(loss.detach()),
                    [keras.ops.convert_to_numpy(g) for g in grads])

        return torch_step
    raise NotImplementedError(f"gradient_step: backend {backend!r} is not supported "
                              "(tensorflow, jax or torch)")


def _out_of_memory(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {exc}"
    return any(tag in text for tag in ("ResourceExhausted", "RESOURCE_EXHAUSTED", "OOM",
                                       "out of memory", "Out of memory"))


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def time_training_steps(
    kinds: Sequence[str] = KINDS,
    lengths: Sequence[int] = (64, 256, 1024),
    *,
    batch: int = 4,
    repeats: int = 3,
    budget_s: float = 0.5,
    sizes: dict[str, dict] | None = None,
    classes: int = 8,
    jit_compile: bool = False,
    seed: int = 0,
    progress: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Time one training step (forward and backward pass) of each model at each length.

    For every kind, lengths in increasing order: one warm-up step (it traces or compiles), then
    one step whose peak memory is measured (``PeakMemory``), then more steps until ``repeats``
    steps are timed or ``budget_s`` seconds are spent. The shortest time is the step time (the
    one least disturbed by other work on the machine). On TensorFlow the LSTM and the
    Transformer are traced once for all lengths; the minGRU's scan is traced for each length.

    Returns:
        One record per (kind, T): ``{"kind", "T", "batch", "step_s" (shortest),
        "step_s_median", "steps_timed", "tokens_per_s", "peak_bytes", "params",
        "memory_method", "device"}``.
    """
    import keras

    from course_pkg.data.long_range import marked_token_recall, vocabulary_size
    from course_pkg.models.after_rnns import build_classifier

    sizes = _SMALL if sizes is None else sizes
    lengths = sorted(int(T) for T in lengths)
    memory = PeakMemory()
    vocab = vocabulary_size(classes)
    records = []
    for kind in kinds:
        keras.utils.set_random_seed(seed)
        polymorphic = kind != "min_gru" and keras.backend.backend() == "tensorflow"
        step = None
        for T in lengths:
            task = marked_token_recall(batch, T, classes, window=(0.0, 1.0), rng=seed)
            record = {"kind": kind, "T": T, "batch": batch, "memory_method": memory.method,
                      "device": memory.device}
            try:
                if step is None or not polymorphic:
                    extra = {"maxlen": lengths[-1]} if kind == "transformer" and polymorphic else {}
                    model = build_classifier(kind, None if polymorphic else T, vocab, classes,
                                             **sizes[kind], **extra)
                    step = gradient_step(model, jit_compile, polymorphic)
                step(task.x, task.y)  # trace or compile, warm up
                times = []
                peak = memory.measure(
                    lambda: times.append(_timed(lambda: step(task.x, task.y))[1]))
                while len(times) < repeats and sum(times) < budget_s:
                    times.append(_timed(lambda: step(task.x, task.y))[1])
            except Exception as exc:  # a longer sequence than the device holds: say so, go on
                if not _out_of_memory(exc):
                    raise
                record.update({"step_s": None, "step_s_median": None, "steps_timed": 0,
                               "tokens_per_s": None, "peak_bytes": None, "params": None,
                               "error": "out of memory"})
                records.append(record)
                if progress is not None:
                    progress(record)
                break  # longer sequences would not fit either
            params = model.count_params()
            if kind == "transformer" and polymorphic:  # count the position table at this T
                params -= (lengths[-1] - T) * sizes[kind]["embed"]
            record.update({"step_s": min(times), "step_s_median": statistics.median(times),
                           "steps_timed": len(times), "tokens_per_s": batch * T / min(times),
                           "peak_bytes": peak, "params": params})
            records.append(record)
            if progress is not None:
                progress(record)
        model = step = None
        keras.backend.clear_session()
    return records


# ----------------------------------------------------------------------------------------------
# (c) streaming: the cost of one more token after a prefix of t tokens


def _compiled(fn: Callable) -> Callable:
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(fn)
    if backend == "jax":
        import jax

        return jax.jit(fn)
    if backend == "torch":
        import torch

        return torch.no_grad()(fn)   # inference: no autograd graph (and no torch.compile wait)
    return fn


def _best_time(fn: Callable, args: tuple, repeats: int) -> float:
    """The shortest of ``repeats`` timed calls after a warm-up call (least disturbed by others)."""
    import keras

    keras.ops.convert_to_numpy(fn(*args))  # trace and warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn(*args)
        keras.ops.convert_to_numpy(out)  # wait for the result (JAX runs asynchronously)
        times.append(time.perf_counter() - start)
    return min(times)


def streaming_costs(
    lengths: Sequence[int] = (64, 256, 1024),
    *,
    batch: int = 1,
    repeats: int = 20,
    sizes: dict[str, dict] | None = None,
    classes: int = 8,
    seed: int = 0,
) -> list[dict]:
    """Time of taking one more token after a prefix of t tokens, and the state each model keeps.

    - ``lstm``: one ``LSTMCell`` step from (h, c): state 2H floats, whatever t.
    - ``min_gru``: one ``MinGRU.step`` from h: state H floats.
    - ``attention_cached``: the new token's query attends to the cached keys and values of the
      t earlier tokens, softmax(q K^T / sqrt(d)) V: state (the cache) 2 t E floats per block.
    - ``transformer_recompute``: the encoder run again over all t + 1 tokens (no cache).

    An RNN step receives the same inputs whatever t (x_t and a state of fixed size), so it is
    timed once and recorded at every t.

    Returns:
        One record per (kind, t): ``{"kind", "t", "step_s", "state_floats", "device"}``.
    """
    import keras
    from keras import ops

    from course_pkg.data.long_range import vocabulary_size
    from course_pkg.models.after_rnns import build_classifier

    sizes = _SMALL if sizes is None else sizes
    vocab = vocabulary_size(classes)
    rng = np.random.default_rng(seed)
    device = device_kind()
    records = []

    keras.utils.set_random_seed(seed)
    lstm = build_classifier("lstm", 8, vocab, classes, **sizes["lstm"])
    cell, H = lstm.get_layer("lstm").cell, sizes["lstm"]["units"]
    x_t = rng.normal(size=(batch, sizes["lstm"]["embed"])).astype("float32")
    states = [np.zeros((batch, H), "float32"), np.zeros((batch, H), "float32")]
    lstm_step = _compiled(lambda x, h, c: cell(x, [h, c])[0])
    lstm_s = _best_time(lstm_step, (x_t, *states), repeats)

    gru = build_classifier("min_gru", 8, vocab, classes, **sizes["min_gru"])
    layer, Hg = gru.get_layer("min_gru"), sizes["min_gru"]["units"]
    xg = rng.normal(size=(batch, sizes["min_gru"]["embed"])).astype("float32")
    min_gru_step = _compiled(layer.step)
    min_gru_s = _best_time(min_gru_step, (xg, np.zeros((batch, Hg), "float32")), repeats)

    E = sizes["transformer"]["embed"]
    attend = _compiled(lambda q, K, V: ops.matmul(
        ops.softmax(ops.matmul(q, ops.transpose(K, (0, 2, 1))) / np.sqrt(E).astype("float32"),
                    axis=-1), V))
    for t in lengths:
        t = int(t)
        records.append({"kind": "lstm", "t": t, "step_s": lstm_s, "state_floats": 2 * H,
                        "device": device})
        records.append({"kind": "min_gru", "t": t, "step_s": min_gru_s, "state_floats": Hg,
                        "device": device})
        q = rng.normal(size=(batch, 1, E)).astype("float32")
        K = rng.normal(size=(batch, t, E)).astype("float32")
        V = rng.normal(size=(batch, t, E)).astype("float32")
        records.append({"kind": "attention_cached", "t": t,
                        "step_s": _best_time(attend, (q, K, V), repeats),
                        "state_floats": 2 * t * E, "device": device})
        record = {"kind": "transformer_recompute", "t": t, "state_floats": t * E,
                  "device": device}
        try:
            encoder = build_classifier("transformer", t + 1, vocab, classes,
                                       **sizes["transformer"])
            tokens = rng.integers(0, vocab, size=(batch, t + 1)).astype("int32")
            forward = _compiled(lambda x, encoder=encoder: encoder(x, training=False))
            record["step_s"] = _best_time(forward, (tokens,), max(3, repeats // 4))
        except Exception as exc:
            if not _out_of_memory(exc):
                raise
            record.update({"step_s": None, "error": "out of memory"})
        records.append(record)
        encoder = forward = None
    return records


# ----------------------------------------------------------------------------------------------
# (b) the three models trained on marked-token recall


def accuracy_by_distance(y_true, y_pred, distance, bins: int = 4) -> list[dict]:
    """Accuracy (scikit-learn) of the sequences whose marked token lies d steps before the end,
    in ``bins`` equal ranges of d: ``[{"from", "to", "n", "accuracy"}]`` (``to`` included)."""
    from sklearn.metrics import accuracy_score

    distance = np.asarray(distance)
    edges = np.linspace(distance.min(), distance.max() + 1, bins + 1).astype(int)
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        chosen = (distance >= lo) & (distance < hi)
        if chosen.any():
            rows.append({"from": int(lo), "to": int(hi - 1), "n": int(chosen.sum()),
                         "accuracy": float(accuracy_score(np.asarray(y_true)[chosen],
                                                          np.asarray(y_pred)[chosen]))})
    return rows


def train_models(config: dict, hardware, *, kinds: Sequence[str] = KINDS, run_dir=None,
                 progress: Callable[[dict], None] | None = None) -> dict[str, dict]:
    """Train each model on marked-token recall with ``course_pkg.recipes.training.fit``.

    Every model sees the same training set and the same batches (seed ``config["seed"]``); the
    test set is scored after every epoch (``val_accuracy``; no choice is made on it: the epochs
    are fixed) and at the end with scikit-learn's ``accuracy_score``.

    Returns:
        ``{kind: {"accuracy", "by_distance", "history", "params", "wall_s"}}``.
    """
    import keras
    from sklearn.metrics import accuracy_score

    from course_pkg.data.long_range import marked_token_recall, vocabulary_size
    from course_pkg.models.after_rnns import build_classifier

    from .training import fit

    task_cfg, train_cfg, seed = config["task"], config["train"], config["seed"]
    T, K = task_cfg["T"], task_cfg["classes"]
    window = tuple(task_cfg["window"])
    train = marked_token_recall(task_cfg["n_train"], T, K, window, rng=[seed, 1])
    test = marked_token_recall(task_cfg["n_test"], T, K, window, rng=[seed, 2])
    results = {}
    for kind in kinds:
        def build(kind=kind):
            model = build_classifier(kind, T, vocabulary_size(K), K, **config["sizes"][kind])
            model.compile(optimizer=keras.optimizers.Adam(train_cfg["learning_rate"], clipnorm=1.0),
                          loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                          jit_compile=hardware.jit_compile,
                          steps_per_execution=train_cfg.get("steps_per_execution", 1))
            return model

        if progress is not None:
            progress({"stage": "train", "model": kind, "line": f"training {kind}"})

        def report(record, kind=kind):
            if progress is not None:
                progress({"stage": "train", "model": kind, **record})

        result = fit(build, train.x, train.y, validation_data=(test.x, test.y),
                     epochs=train_cfg["epochs"], batch_size=train_cfg["batch_size"], seed=seed,
                     hardware=hardware,
                     run_dir=None if run_dir is None else Path(run_dir) / kind,
                     progress=report, fingerprint={"recipe": NAME, "kind": kind, **config})
        # the training batch size: no partial batch, so no second trace of the predict function
        predicted = np.argmax(result.model.predict(test.x, batch_size=train_cfg["batch_size"],
                                                   verbose=0), axis=-1)
        results[kind] = {
            "accuracy": float(accuracy_score(test.y, predicted)),
            "by_distance": accuracy_by_distance(test.y, predicted, T - 1 - test.position),
            "history": result.history,
            "params": int(result.model.count_params()),
            "wall_s": round(result.wall_s, 2),
        }
    return results


# ----------------------------------------------------------------------------------------------
# The recipe


def format_progress(record: dict) -> str:
    """One line for any progress record of :func:`run`."""
    if "line" in record:
        return record["line"]
    from .training import format_epoch

    return f"{record.get('model', '')}  {format_epoch(record)}"


def timing_table(timing: Sequence[dict]) -> str:
    """The training-step records as a text table: one row per T, time (ms) and peak (MiB) of each
    model (``-`` where memory was not measured)."""
    kinds = [k for k in KINDS if any(r["kind"] == k for r in timing)]
    cell = {(r["kind"], r["T"]): r for r in timing}
    names = {"lstm": "LSTM", "transformer": "Transformer", "min_gru": "minGRU"}
    head = (f"{'T':>6} | " + " ".join(f"{names[k] + ' ms':>15}" for k in kinds) + " | "
            + " ".join(f"{names[k] + ' MiB':>16}" for k in kinds))
    lines = [head, "-" * len(head)]
    for T in sorted({r["T"] for r in timing}):
        times = " ".join(f"{cell[k, T]['step_s'] * 1e3:15.1f}"
                         if (k, T) in cell and cell[k, T]["step_s"] is not None
                         else f"{cell[k, T].get('error', '') if (k, T) in cell else '':>15}"
                         for k in kinds)
        peaks = " ".join(
            f"{cell[k, T]['peak_bytes'] / 2 ** 20:16.1f}"
            if (k, T) in cell and cell[k, T]["peak_bytes"] is not None else f"{'-':>16}"
            for k in kinds)
        lines.append(f"{T:>6} | {times} | {peaks}")
    return "\n".join(lines)


def _timing_line(record: dict) -> str:
    if record.get("step_s") is None:
        return f"timing {record['kind']:<11} T={record['T']:<5} {record.get('error', 'failed')}"
    peak = record["peak_bytes"]
    memory = "memory not measured" if peak is None else f"peak {peak / 2 ** 20:.1f} MiB"
    return (f"timing {record['kind']:<11} T={record['T']:<5} step {record['step_s'] * 1e3:8.1f} ms"
            f"  {memory}")


def run(preset: str = "book", out=None, progress: Callable[[dict], None] | None = None,
        run_dir=None, hardware=None) -> dict:
    """Run the three measurements of a preset; write ``out/after_rnns_<preset>.json`` if ``out``.

    Args:
        preset: "test", "book", "colab" or "full".
        out: folder of the JSON result (None: not written).
        progress: called with every record (training epochs carry ``model``; the timing and
            streaming records carry a printable ``line``).
        run_dir: checkpoints and CSV logs of the training runs (one folder per model).
        hardware: default ``hardware_for(preset)``: float32 on CPU, mixed precision on a GPU.

    Returns:
        The result document (``course_pkg.recipes.training.application_document``) with
        ``timing``, ``streaming``, ``training`` and ``data`` beside the metrics.
    """
    import dataclasses

    import keras

    from course_pkg.data.long_range import provenance

    from ._common import check_preset
    from .hardware import hardware_for, hardware_scope
    from ._common import write_result
    from .training import application_document

    config = check_preset(NAME, PRESETS, preset)
    hardware = hardware_for(preset) if hardware is None else hardware
    start = time.perf_counter()

    def note(record: dict) -> None:
        if progress is not None:
            progress(record)

    # (a) and (c) on one device, in the preset's precision, without XLA on TensorFlow (the LSTM
    # keeps its fused kernel on a GPU); JAX compiles every step with XLA anyway.
    single = dataclasses.replace(hardware, devices=())
    timing_cfg, streaming_cfg = config["timing"], config["streaming"]
    with hardware_scope(single):
        timing = time_training_steps(
            KINDS, timing_cfg["lengths"], batch=timing_cfg["batch"],
            repeats=timing_cfg["repeats"], sizes=timing_cfg["sizes"],
            classes=config["task"]["classes"], seed=config["seed"],
            progress=lambda r: note({"stage": "timing", **r, "line": _timing_line(r)}))
        streaming = streaming_costs(
            streaming_cfg["lengths"], batch=streaming_cfg["batch"],
            repeats=streaming_cfg["repeats"], sizes=streaming_cfg["sizes"],
            classes=config["task"]["classes"], seed=config["seed"])
    for record in streaming:
        cost = (record.get("error", "failed") if record["step_s"] is None
                else f"{record['step_s'] * 1e6:9.0f} us per new token")
        note({"stage": "streaming", **record,
              "line": f"streaming {record['kind']:<22} t={record['t']:<6} {cost}"})
    keras.backend.clear_session()

    # (b)
    training = train_models(config, hardware, run_dir=run_dir, progress=progress)

    longest = max(timing_cfg["lengths"])
    # metrics: what training decides (the same on one device or several, resumed or not);
    # the measured costs, which vary from run to run, go in cost_at_longest.
    metrics: dict[str, Any] = {f"accuracy_{k}": v["accuracy"] for k, v in training.items()}
    metrics["chance_accuracy"] = 1.0 / config["task"]["classes"]
    cost = {}
    for record in timing:
        if record["T"] == longest and record["step_s"] is not None:
            cost[f"step_ms_{record['kind']}"] = round(record["step_s"] * 1e3, 2)
            if record["peak_bytes"] is not None:
                cost[f"peak_mib_{record['kind']}"] = round(record["peak_bytes"] / 2 ** 20, 2)
    history = {f"{kind}_{key}": values for kind, result in training.items()
               for key, values in result["history"].items()}
    document = application_document(
        NAME, preset, out, config, metrics, history, hardware, time.perf_counter() - start,
        cost_at_longest={"T": longest, **cost}, timing=timing, streaming=streaming,
        training={k: {key: v for key, v in r.items() if key != "history"}
                  for k, r in training.items()},
        data=provenance(),
        timing_setup={"device": timing[0]["device"] if timing else None,
                      "memory_method": timing[0]["memory_method"] if timing else None,
                      "precision": single.precision, "what": "forward and backward pass of one "
                      "batch (gradient_step), shortest of the timed steps"})
    if out is not None:
        write_result(document, out)
    return document
