"""What the recipes share: one seeded training run, run records, summaries, the JSON result file.

A recipe is a list of runs (model x setting x seed), each one ``train_run``: draw the training and
test sets of a synthetic task from seeds, build a ``sequence_regressor``, train it with Adam and
gradient clipping, record the test MSE after every epoch. The recipe writes one JSON file with
the configuration, the seeds, every run's metrics, a summary per group, the environment and the
command line that reproduces it.

The training data of a run depend on (seed, T) only, so that models compared at the same seed see
the same sequences; the test set depends on T only, so that every run is scored on the same one.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

PRESET_NAMES = ("test", "book", "colab", "full")
SCHEMA_VERSION = 1


def check_preset(recipe: str, presets: Mapping[str, Any], preset: str) -> dict[str, Any]:
    """The preset's configuration (a copy), or a ValueError naming the presets there are."""
    if preset not in presets:
        raise ValueError(f"{recipe}: argument preset expected one of {list(presets)}, got {preset!r}")
    return dict(presets[preset])


def command_line(recipe: str, preset: str, out: str | os.PathLike | None) -> str:
    """The shell command that runs this recipe and preset and writes its result into ``out``."""
    tail = f" --out {Path(out).as_posix()}" if out is not None else ""
    return f"python -m course_pkg.recipes {recipe} --preset {preset}{tail}"


def environment() -> dict[str, Any]:
    """Versions and machine of this process: Python, NumPy, Keras and its backend, CPU count."""
    import keras

    env: dict[str, Any] = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
    }
    backend = env["backend"]
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(backend)
    if module is not None and module in sys.modules:
        env[backend] = sys.modules[module].__version__
    return env


class _StopBelow:
    """A Keras callback factory: stop training once the validation loss is below ``threshold``."""

    @staticmethod
    def make(threshold: float):
        import keras

        class StopBelow(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if logs and logs.get("val_loss", np.inf) < threshold:
                    self.model.stop_training = True

        return StopBelow()


def train_run(
    *,
    task: str,
    kind: str,
    T: int,
    seed: int,
    units: int,
    n_train: int,
    n_test: int,
    batch_size: int,
    epochs: int,
    learning_rate: float,
    clipnorm: float,
    unit_forget_bias: bool = True,
    stop_mse: float | None = None,
    task_kwargs: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Train one ``sequence_regressor`` on a synthetic task and record its test MSE per epoch.

    Args:
        task: "adding" or "last_value" (``course_pkg.data.synthetic.make_task``).
        kind: the recurrent layer (``course_pkg.models.recurrent_layer``).
        T: sequence length.
        seed: seeds Keras (weights, shuffling) and the training data.
        units: hidden units H.
        n_train, n_test: numbers of training and test sequences.
        batch_size, epochs: the training budget is epochs * ceil(n_train / batch_size) steps.
        learning_rate, clipnorm: Adam's step size and the global-norm clipping threshold.
        unit_forget_bias: LSTMs start with a forget-gate bias of one.
        stop_mse: stop after the first epoch whose test MSE is below this (None: full budget).
        task_kwargs: extra arguments of the task generator.

    Returns:
        A dict: the run's settings, ``test_mse`` (final), ``curve`` (test MSE after each epoch),
        ``steps_per_epoch``, ``epochs_run``, ``params`` and ``wall_s``.
    """
    import keras

    from course_pkg.data.synthetic import make_task
    from course_pkg.models import sequence_regressor

    task_kwargs = dict(task_kwargs or {})
    keras.utils.set_random_seed(seed)
    x, y = make_task(task, n_train, T, rng=[seed, T], **task_kwargs)
    x_test, y_test = make_task(task, n_test, T, rng=[10**6, T], **task_kwargs)
    model = sequence_regressor(kind, T, x.shape[-1], units, unit_forget_bias=unit_forget_bias)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=clipnorm), loss="mse")
    callbacks = [] if stop_mse is None else [_StopBelow.make(stop_mse)]
    start = time.perf_counter()
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=True,
                        validation_data=(x_test, y_test), callbacks=callbacks, verbose=0)
    wall = time.perf_counter() - start
    curve = [float(v) for v in history.history["val_loss"]]
    return {
        "task": task, "kind": kind, "T": T, "seed": seed, "unit_forget_bias": unit_forget_bias,
        "test_mse": curve[-1], "curve": curve,
        "steps_per_epoch": int(np.ceil(n_train / batch_size)), "epochs_run": len(curve),
        "params": int(model.count_params()), "wall_s": round(wall, 2),
    }


def first_epoch_below(curve: Sequence[float], threshold: float) -> int | None:
    """The first epoch (1-based) whose value is below ``threshold``, or None."""
    for epoch, value in enumerate(curve, start=1):
        if value < threshold:
            return epoch
    return None


def summarize(runs: Iterable[Mapping[str, Any]], keys: Sequence[str], solved_mse: float) -> list[dict]:
    """Group runs by ``keys`` and give each group's test MSE mean and std (over seeds) and how many
    runs reached ``solved_mse``, in the order the groups first appear.

    Returns:
        One dict per group: the keys' values, ``mean``, ``std`` (population std, 0 for one run),
        ``min``, ``max``, ``n``, ``solved`` (runs with test MSE < solved_mse), and
        ``steps_to_solve`` (mean over the solved runs of the first step count below solved_mse).
    """
    groups: dict[tuple, list[Mapping[str, Any]]] = {}
    for run in runs:
        groups.setdefault(tuple(run[k] for k in keys), []).append(run)
    rows = []
    for values, members in groups.items():
        mse = np.array([m["test_mse"] for m in members], dtype=np.float64)
        steps = [first_epoch_below(m["curve"], solved_mse) for m in members]
        steps = [e * m["steps_per_epoch"] for e, m in zip(steps, members) if e is not None]
        rows.append({**dict(zip(keys, values)), "mean": float(mse.mean()), "std": float(mse.std()),
                     "min": float(mse.min()), "max": float(mse.max()), "n": len(members),
                     "solved": int((mse < solved_mse).sum()),
                     "steps_to_solve": float(np.mean(steps)) if steps else None})
    return rows


def result_document(recipe: str, preset: str, out: str | os.PathLike | None, config: Mapping[str, Any],
                    runs: list[dict], summary: list[dict], wall_s: float, **extra: Any) -> dict:
    """The JSON document of a recipe run (see the module docstring)."""
    return {
        "schema": SCHEMA_VERSION,
        "recipe": recipe,
        "preset": preset,
        "command": command_line(recipe, preset, out if out is not None else "DIR"),
        "created": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "config": dict(config),
        "seeds": list(config["seeds"]),
        **extra,
        "summary": summary,
        "runs": runs,
        "wall_s": round(wall_s, 1),
        "environment": environment(),
    }


def result_path(out: str | os.PathLike, recipe: str, preset: str) -> Path:
    """Where a recipe writes its result: ``out/<recipe>_<preset>.json``."""
    return Path(out) / f"{recipe}_{preset}.json"


def write_result(document: Mapping[str, Any], out: str | os.PathLike) -> Path:
    """Write ``document`` as indented JSON into ``out`` (created if needed); return the path."""
    path = result_path(out, document["recipe"], document["preset"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return path


#: The committed full-size results, shipped inside the package (package data), so the
#: reproductions page reads them on Colab and from any install without downloading anything.
RESULTS_DIR = Path(__file__).resolve().parent / "results"


def load_result(recipe: str, preset: str = "full",
                folders: Sequence[str | os.PathLike] | None = None) -> dict | None:
    """Read a result file, looking in each folder in turn; None if none has it.

    Args:
        recipe: a recipe name, e.g. ``"adding_problem"``.
        preset: the preset whose result to read (the committed ones are ``"full"``).
        folders: where to look; by default :data:`RESULTS_DIR`, the results shipped with the
            package (written there by ``python -m course_pkg.recipes RECIPE --preset full
            --out course_pkg/recipes/results``).
    """
    if folders is None:
        folders = (RESULTS_DIR,)
    for folder in folders:
        path = result_path(folder, recipe, preset)
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    return None


def format_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]],
                 digits: int = 4) -> str:
    """A plain-text table of summary rows: ``columns`` are (key, header) pairs; the special key
    "mse" prints ``mean ± std``, "solved" prints ``k/n``."""
    def cell(row, key):
        if key == "mse":
            return f"{row['mean']:.{digits}f} ± {row['std']:.{digits}f}"
        if key == "solved":
            return f"{row['solved']}/{row['n']}"
        value = row[key]
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:.0f}" if key == "steps_to_solve" else f"{value:.{digits}f}"
        return str(value)

    body = [[cell(row, key) for key, _ in columns] for row in rows]
    headers = [header for _, header in columns]
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h)
              for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in body]
    return "\n".join(lines)


_SUMMARY_FIELDS = ("mean", "std", "min", "max", "n", "solved", "steps_to_solve")
_HEADERS = {"kind": "model", "T": "T", "unit_forget_bias": "forget bias 1"}


def report(document: Mapping[str, Any], digits: int = 4) -> str:
    """A result document as text: what ran (runs, seeds, time, versions), the summary table (test
    MSE mean ± std over seeds, runs solved, mean steps to solve) and the command that reproduces it.
    """
    summary = document["summary"]
    keys = [k for k in summary[0] if k not in _SUMMARY_FIELDS] if summary else []
    columns = [(k, _HEADERS.get(k, k)) for k in keys] + [
        ("mse", "test MSE (mean ± std)"),
        ("solved", f"MSE < {document['config']['solved_mse']:g}"),
        ("steps_to_solve", "steps to get there")]
    env = document["environment"]
    backend = env["backend"]
    head = (f"{document['recipe']}, preset {document['preset']!r}: {len(document['runs'])} runs, "
            f"seeds {document['seeds']}, {document['wall_s']:.0f} s, Keras {env['keras']} on "
            f"{backend} {env.get(backend, '')}".rstrip())
    return "\n".join([head, "", format_table(summary, columns, digits), "",
                      f"reproduce with: {document['command']}"])
