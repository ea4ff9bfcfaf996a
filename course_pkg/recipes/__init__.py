"""course_pkg.recipes: named experiments with presets, a CLI, and JSON results.

Each recipe reproduces a published finding at small scale, with seeds and several runs:

- ``adding_problem``: LSTM and GRU solve the adding problem where the tanh RNN stays at the
  baseline MSE of 1/6 (Hochreiter and Schmidhuber, 1997).
- ``forget_bias``: a forget-gate bias of one helps an LSTM learn (Jozefowicz et al., 2015).
- ``lstm_ablation``: which parts of the LSTM matter (Greff et al., 2017).
- ``long_memory``: the LSTM on the adding problem at T = 100 and T = 1000, against Hochreiter and
  Schmidhuber's own budgets (the lectures' "100 steps back, not 1000s").

Each application chapter has a recipe too (:data:`APPLICATIONS`: sentiment, slot filling,
translation and the reversed-source experiment, music, time series, speech with CTC, captioning and
the image-injection experiment, video, and the RNN/Transformer/minGRU comparison),
trained by the shared loop of ``course_pkg.recipes.training`` on the hardware of
``course_pkg.recipes.hardware``.

Every reproduction has the presets "test" (seconds), "book" (run live in the book) and "full" (the
committed results, shipped with the package in ``course_pkg/recipes/results``); applications add
"colab" (one T4 in at most 15 minutes, mixed precision). All are run from the command line::

    python -m course_pkg.recipes adding_problem --preset full --out course_pkg/recipes/results

or from Python with ``run_recipe("adding_problem", "book")``. The result file
``<recipe>_<preset>.json`` holds the configuration, the seeds, every run's metrics, a summary,
the library versions, the wall time and the command that produced it; ``load_result`` reads it.
Importing this package does not import Keras.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable

from course_pkg import reraise_missing, require

require(__name__, "numpy")

from ._common import (  # noqa: E402 - after the check, so a missing NumPy is explained
    PRESET_NAMES, command_line, format_table, load_result, report, result_path,
)

#: Reproductions of published findings (presets test / book / full; runs x seeds, MSE summaries).
REPRODUCTIONS = ("adding_problem", "forget_bias", "lstm_ablation", "long_memory")
#: Application chapters (presets test / book / colab / full; ``course_pkg.recipes.training.fit``,
#: checkpoints, mixed precision and data parallelism on GPUs).
APPLICATIONS = ("sentiment", "slot_filling", "translation", "reversed_source", "music", "time_series",
                "speech", "captioning", "caption_injection", "video", "after_rnns")
RECIPES = REPRODUCTIONS + APPLICATIONS


def recipe_module(name: str) -> Any:
    """The module of a recipe by name (it has ``NAME``, ``PRESETS`` and ``run``)."""
    if name not in RECIPES:
        raise ValueError(f"recipe_module: argument name expected one of {list(RECIPES)}, got {name!r}")
    require(f"{__name__}.{name}", "keras")  # every recipe trains a Keras model
    try:
        return import_module(f".{name}", __name__)
    except ModuleNotFoundError as exc:
        reraise_missing(f"{__name__}.{name}", exc)
        raise


def run_recipe(name: str, preset: str = "book", out: str | None = None,
               progress: Callable[[dict], None] | None = None, **options: Any) -> dict:
    """Run a recipe's preset; write ``out/<name>_<preset>.json`` when ``out`` is given.

    Args:
        name, preset: the recipe (:data:`RECIPES`) and its preset.
        out: folder of the JSON result (None: not written).
        progress: called with a record after each run (reproductions) or epoch (applications).
        options: application recipes also take ``run_dir`` (checkpoints, resumed from) and
            ``hardware`` (a ``course_pkg.recipes.hardware.Hardware``; default: the preset's).

    Returns:
        The result document (``course_pkg.recipes._common.result_document`` for reproductions,
        ``course_pkg.recipes.training.application_document`` for applications).
    """
    if options and name not in APPLICATIONS:
        raise ValueError(f"run_recipe: {name} takes no options, got {sorted(options)}")
    return recipe_module(name).run(preset, out=out, progress=progress, **options)


__all__ = ["APPLICATIONS", "PRESET_NAMES", "RECIPES", "REPRODUCTIONS", "command_line",
           "format_table", "load_result",
           "recipe_module", "report", "result_path", "run_recipe"]
