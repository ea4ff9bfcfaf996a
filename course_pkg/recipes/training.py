"""The training loop every application recipe shares: seeded, resumable, logged, on any hardware.

:func:`fit` trains a model one epoch at a time with ``model.fit``:

- the model is built and compiled by the recipe's ``build()`` inside :func:`hardware_scope`, so the
  dtype policy and the data-parallel scope apply to every variable;
- the order of the examples in epoch ``e`` is a permutation drawn from ``(seed, e)``, so a run that
  resumes at epoch ``e`` sees exactly the batches an uninterrupted run would have seen;
- after every epoch it writes, into ``run_dir``, the weights with the optimizer's state
  (``checkpoint.weights.h5``, written under another name and renamed, so a kill never leaves half a
  file), ``state.json`` (epochs done, history, a fingerprint of the run) and ``log.csv``;
- called again with the same ``run_dir`` (Colab disconnected, the process was killed), it loads the
  checkpoint and the state of the random generators (dropout masks) and continues with the next
  epoch, ending where an uninterrupted run ends. The global seed is set once, before the model is
  built: setting it again every epoch would make TensorFlow retrace the training step each epoch. A ``run_dir`` holding another run's checkpoint is
  refused rather than mixed in.

:func:`application_document` is the JSON result of an application recipe: its metrics, seeds,
configuration, data provenance, hardware, environment, history and the command that reproduces it.

Example:
    >>> result = fit(build, x, y, validation_data=(x_val, y_val), epochs=3, batch_size=64,
    ...              seed=0, hardware=Hardware(), run_dir="checkpoints/sentiment")  # doctest: +SKIP
    >>> result.history["val_loss"]  # doctest: +SKIP
    [0.61, 0.52, 0.49]
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from ._common import command_line, environment
from .hardware import Hardware, hardware_scope

__all__ = ["FitResult", "application_document", "application_report", "compile_padded_sequence_model",
           "fit", "format_epoch", "num_examples"]

#: Files a run keeps in its ``run_dir``.
CHECKPOINT = "checkpoint.weights.h5"
STATE = "state.json"
LOG = "log.csv"
#: Test hook: the process kills itself (SIGKILL) right after writing this epoch's checkpoint, as
#: a Colab disconnect would; the resume test sets it.
KILL_AFTER_EPOCH_ENV = "RNN_COURSE_KILL_AFTER_EPOCH"


@dataclass
class FitResult:
    """What :func:`fit` returns.

    Attributes:
        model: the trained, compiled model (its variables live under the run's hardware).
        history: metric name -> one value per epoch, the epochs of earlier sessions included.
        resumed_epochs: epochs loaded from a checkpoint rather than trained in this call.
        wall_s: seconds spent training in this call.
    """

    model: Any
    history: dict[str, list[float]]
    resumed_epochs: int
    wall_s: float


def num_examples(data: Any) -> int:
    """N, the leading dimension shared by every array in ``data`` (an array, tuple, list or dict)."""
    import keras

    sizes = {int(np.shape(a)[0]) for a in keras.tree.flatten(data)}
    if len(sizes) != 1:
        raise ValueError(f"fit: every input and target array must have the same number of "
                         f"examples (first dimension), got {sorted(sizes)}")
    return sizes.pop()


def _take(data: Any, order: np.ndarray) -> Any:
    import keras

    return keras.tree.map_structure(lambda a: np.asarray(a)[order], data)


def _fingerprint(seed: int, batch_size: int, epochs: int, n: int, fingerprint: Mapping | None) -> str:
    blob = json.dumps({"seed": seed, "batch_size": batch_size, "n": n,
                       "config": fingerprint or {}}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _write_log(path: Path, history: Mapping[str, list[float]]) -> None:
    keys = sorted(history)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["epoch", *keys])
        for epoch in range(len(history[keys[0]]) if keys else 0):
            writer.writerow([epoch + 1, *(f"{history[k][epoch]:.6g}" for k in keys)])


def _seed_states(model: Any) -> list:
    """The state variables of the model's random-number generators (dropout masks...), in layer
    order. ``save_weights`` leaves them out; the run's state file carries them, so a resumed run
    draws the masks an uninterrupted one would have drawn."""
    return [generator.state for layer in model._flatten_layers()
            for generator in getattr(layer, "_seed_generators", [])]


def _torch_rng_state() -> dict[str, list] | None:
    """On PyTorch, the state of torch's global generators (None on the other backends).

    Keras's torch backend draws the masks of a layer built without a seed (``Dropout(0.3)``) from
    torch's global generator, not from the layer's SeedGenerator, so the run's state file carries
    that generator too."""
    import keras

    if keras.backend.backend() != "torch":
        return None
    import torch

    state = {"cpu": torch.get_rng_state().tolist()}
    if torch.cuda.is_available():
        state["cuda"] = [s.tolist() for s in torch.cuda.get_rng_state_all()]
    return state


def _set_torch_rng_state(state: Mapping[str, list] | None) -> None:
    """Put back what :func:`_torch_rng_state` saved (nothing when it saved nothing)."""
    if not state:
        return
    import torch

    torch.set_rng_state(torch.tensor(state["cpu"], dtype=torch.uint8))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([torch.tensor(s, dtype=torch.uint8) for s in state["cuda"]])


class _TorchRngAtEpochBegin:
    """A Keras callback that puts torch's generators back when the resumed epoch begins: the first
    ``model.fit`` of a process draws from them while it sets up training (the uninterrupted run
    did that in its first epoch, before the state was saved), and every epoch's data loader then
    draws its seed, which must come from the saved state as in the uninterrupted run."""

    def __new__(cls, state: Mapping[str, list] | None):
        import keras

        class Restore(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.pending = state

            def on_epoch_begin(self, epoch, logs=None):
                if self.pending:
                    _set_torch_rng_state(self.pending)
                    self.pending = None

        return Restore()


def _reset_stateful_layers(model: Any) -> None:
    for layer in model._flatten_layers():
        if getattr(layer, "stateful", False) and hasattr(layer, "reset_state"):
            layer.reset_state()


def fit(
    build: Callable[[], Any],
    x: Any,
    y: Any = None,
    *,
    validation_data: tuple | None = None,
    epochs: int,
    batch_size: int,
    seed: int,
    hardware: Hardware | None = None,
    run_dir: str | os.PathLike | None = None,
    progress: Callable[[dict], None] | None = None,
    shuffle: bool = True,
    fingerprint: Mapping[str, Any] | None = None,
) -> FitResult:
    """Train ``build()``'s model for ``epochs`` epochs, resuming from ``run_dir`` if it holds a
    checkpoint of this run.

    Args:
        build: builds and compiles the model (called inside the hardware's scope, after the seed).
        x, y: inputs and targets: arrays (N, ...) or tuples / dicts of them.
        validation_data: ``(x_val, y_val)``, evaluated after every epoch (``val_*`` metrics).
        epochs: total epochs, counting those of a resumed run.
        batch_size: the global batch (split over the hardware's devices, so a multiple of them).
        seed: seeds the weights (``keras.utils.set_random_seed``) and each epoch's shuffle.
        hardware: precision, XLA and devices (default: float32 on one device).
        run_dir: where the checkpoint, state and CSV log live (None: no checkpoints).
        progress: called after every epoch with ``{"epoch", "epochs", <metrics>, "wall_s"}``.
        shuffle: shuffle the examples each epoch. With ``False`` the batches keep their order, as
            stateful models need (their states are reset at the start of every epoch).
        fingerprint: the recipe's configuration; a checkpoint written under another one is refused.

    Returns:
        A :class:`FitResult`.

    Raises:
        ValueError: bad sizes, or ``run_dir`` holds a checkpoint of a different run.
    """
    import keras

    hardware = hardware or Hardware()
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"fit: argument {name} expected a positive integer, got {value!r}")
    if batch_size % hardware.replicas:
        raise ValueError(f"fit: batch_size {batch_size} is not a multiple of the "
                         f"{hardware.replicas} devices it is split over")
    n = num_examples((x, y) if y is not None else x)
    tag = _fingerprint(seed, batch_size, epochs, n, fingerprint)
    folder = Path(run_dir) if run_dir is not None else None
    state: dict[str, Any] = {"fingerprint": tag, "epochs_done": 0, "history": {}}
    if folder is not None and (folder / STATE).is_file():
        saved = json.loads((folder / STATE).read_text(encoding="utf-8"))
        if saved.get("fingerprint") != tag:
            raise ValueError(f"fit: {folder} holds the checkpoint of a different run (fingerprint "
                             f"{saved.get('fingerprint')}, this run {tag}); use another run_dir "
                             f"or delete it")
        state = saved
    kill_after = int(os.environ.get(KILL_AFTER_EPOCH_ENV, "0") or 0)

    keras.utils.set_random_seed(seed)
    with hardware_scope(hardware):
        model = build()
        resumed = int(state["epochs_done"])
        if resumed:
            model.optimizer.build(model.trainable_variables)
            model.load_weights(folder / CHECKPOINT)
            for variable, value in zip(_seed_states(model), state.get("seed_states", [])):
                variable.assign(np.asarray(value, dtype=variable.dtype))
        history: dict[str, list[float]] = {k: list(v) for k, v in state["history"].items()}
        start = time.perf_counter()
        for epoch in range(resumed, epochs):
            order = (np.random.default_rng([seed, epoch]).permutation(n) if shuffle
                     else np.arange(n))
            if not shuffle:
                _reset_stateful_layers(model)
            epoch_start = time.perf_counter()
            restore = [_TorchRngAtEpochBegin(state.get("torch_rng"))] if epoch == resumed else []
            logs = model.fit(_take(x, order), None if y is None else _take(y, order),
                             batch_size=batch_size, epochs=epoch + 1, initial_epoch=epoch,
                             shuffle=False, validation_data=validation_data, verbose=0,
                             callbacks=restore).history
            for key, values in logs.items():
                history.setdefault(key, []).append(float(values[-1]))
            if folder is not None:
                folder.mkdir(parents=True, exist_ok=True)
                partial = folder / f".next-{CHECKPOINT}"
                model.save_weights(partial)
                os.replace(partial, folder / CHECKPOINT)
                state = {"fingerprint": tag, "epochs_done": epoch + 1, "history": history,
                         "seed_states": [np.asarray(v).tolist() for v in _seed_states(model)],
                         "torch_rng": _torch_rng_state()}
                (folder / f".next-{STATE}").write_text(json.dumps(state), encoding="utf-8")
                os.replace(folder / f".next-{STATE}", folder / STATE)
                _write_log(folder / LOG, history)
            if progress is not None:
                progress({"epoch": epoch + 1, "epochs": epochs,
                          **{k: v[-1] for k, v in history.items()},
                          "wall_s": round(time.perf_counter() - epoch_start, 2)})
            if kill_after and epoch + 1 == kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
        wall = time.perf_counter() - start
    return FitResult(model=model, history=history, resumed_epochs=resumed, wall_s=wall)


def compile_padded_sequence_model(model: Any, learning_rate: float, steps: int, clipnorm: float,
                                   hardware: Hardware, final_fraction: float) -> Any:
    """Compile a model whose targets are padded token ids ``(N, T)`` (0 = padding).

    Adam with gradient clipping at ``clipnorm``, a learning rate that decays along a cosine from
    ``learning_rate`` to ``final_fraction * learning_rate`` over ``steps`` steps, and a sparse
    cross-entropy that ignores the padding id 0. Returns ``model``, compiled.
    """
    import keras

    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=final_fraction)
    model.compile(optimizer=keras.optimizers.Adam(schedule, clipnorm=clipnorm),
                  loss=keras.losses.SparseCategoricalCrossentropy(ignore_class=0),
                  jit_compile=hardware.jit_compile)
    return model


def application_document(
    recipe: str,
    preset: str,
    out: str | os.PathLike | None,
    config: Mapping[str, Any],
    metrics: Mapping[str, Any],
    history: Mapping[str, list[float]] | None,
    hardware: Hardware,
    wall_s: float,
    **extra: Any,
) -> dict[str, Any]:
    """The JSON result of an application recipe.

    Args:
        recipe, preset, out: what ran, and where its result goes (for the reproducing command).
        config: the preset's configuration; its ``seeds`` (or ``seed``) are recorded on their own.
        metrics: the headline figures (e.g. ``{"test_accuracy": 0.79, "baseline_accuracy": 0.76}``).
        history: per-epoch metrics of the (main) training run.
        hardware: what the run used.
        wall_s: the whole run's seconds.
        extra: anything else worth keeping (data provenance, examples, per-model tables).
    """
    import datetime as _dt

    seeds = config.get("seeds", [config["seed"]] if "seed" in config else [])
    return {
        "schema": 2,
        "recipe": recipe,
        "preset": preset,
        "command": command_line(recipe, preset, out if out is not None else "DIR"),
        "created": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "config": dict(config),
        "seeds": list(seeds),
        "metrics": dict(metrics),
        **extra,
        "history": {k: list(v) for k, v in (history or {}).items()},
        "hardware": hardware.to_dict(),
        "wall_s": round(wall_s, 1),
        "environment": environment(),
    }


def format_epoch(record: Mapping[str, Any]) -> str:
    """One line for a progress record of :func:`fit`: ``epoch 2/5  loss 0.41  val_loss 0.45  3.1 s``."""
    skip = {"epoch", "epochs", "wall_s"}
    metrics = "  ".join(f"{k} {v:.4g}" for k, v in record.items()
                        if k not in skip and isinstance(v, (int, float)))
    return f"epoch {record['epoch']}/{record['epochs']}  {metrics}  {record['wall_s']:.1f} s"


def application_report(document: Mapping[str, Any]) -> str:
    """An application result as text: what ran, on what, its metrics, the reproducing command."""
    env, hw = document["environment"], document["hardware"]
    backend = env["backend"]
    head = (f"{document['recipe']}, preset {document['preset']!r}: seeds {document['seeds']}, "
            f"{document['wall_s']:.0f} s, Keras {env['keras']} on {backend} "
            f"{env.get(backend, '')}, {hw['precision']} on {hw['replicas']} device(s)")
    width = max((len(k) for k in document["metrics"]), default=0)
    lines = [f"  {k.ljust(width)}  {v:.4f}" if isinstance(v, float) else f"  {k.ljust(width)}  {v}"
             for k, v in document["metrics"].items()]
    return "\n".join([head, "", *lines, "", f"reproduce with: {document['command']}"])
