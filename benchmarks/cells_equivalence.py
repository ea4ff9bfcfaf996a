"""The custom Keras cells against the NumPy reference, on TensorFlow, JAX and PyTorch.

``python -m benchmarks.cells_equivalence`` runs ``tests/test_cells_equivalence.py`` once per
backend (each in its own process: Keras fixes its backend when it is imported), collects the
largest difference each test prints (``[backend dtype] title: max |diff| x``) and writes
``results/cells_equivalence.{md,json}``: per cell, the largest difference of the forward pass
(outputs and final states) and of the gradients (with respect to the input and every weight, from
the backend's own autodiff), in ``keras.layers.RNN`` and ``Bidirectional``. float64 runs on
TensorFlow only (on JAX and PyTorch, Keras computes float64 matrix products in float32).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.recording import describe_machine, git_commit

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
BACKENDS = ("tensorflow", "jax", "torch")
LINE = re.compile(r"^\[(\w+) (float\d+)\] (\S+) (.+): max \|diff\| (\S+)$")


def run_backend(backend: str) -> tuple[list[tuple], str]:
    """Run the equivalence tests on ``backend``; return (backend, dtype, cell, title, diff) rows and
    pytest's summary line. Raises RuntimeError when a test fails."""
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-m", "keras", "-p", "no:cacheprovider",
                           "-q", "-s", "tests/test_cells_equivalence.py"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{backend}: tests/test_cells_equivalence.py failed: {summary}\n"
                           f"{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
    rows = []
    for line in proc.stdout.splitlines():
        match = LINE.match(line.strip())
        if match:
            found, dtype, cell, title, diff = match.groups()
            rows.append((found, dtype, cell, title, float(diff)))
    return rows, summary


def table(rows: list[tuple]) -> tuple[list[str], dict[str, dict[str, float]]]:
    """Columns ("tensorflow float32 forward", ...) and, per cell, the largest difference in each."""
    columns: list[str] = []
    cells: dict[str, dict[str, float]] = {}
    for backend, dtype, cell, title, diff in rows:
        kind = "gradients" if "dL/d" in title else "forward"
        column = f"{backend} {dtype} {kind}"
        if column not in columns:
            columns.append(column)
        entry = cells.setdefault(cell, {})
        entry[column] = max(entry.get(column, 0.0), diff)
    return columns, cells


def main() -> int:
    start = time.perf_counter()
    rows, summaries = [], {}
    for backend in BACKENDS:
        found, summaries[backend] = run_backend(backend)
        rows += found
        print(f"{backend}: {summaries[backend]}", flush=True)
    columns, cells = table(rows)
    commit, dirty = git_commit()
    machine = describe_machine()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    document = {"date": stamp, "commit": commit, "dirty": dirty, "machine": machine.__dict__,
                "pytest": summaries, "columns": columns, "max_abs_diff": cells,
                "wall_s": round(time.perf_counter() - start, 1)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cells_equivalence.json").write_text(json.dumps(document, indent=1) + "\n")
    lines = ["# Custom Keras cells against the NumPy reference, on three backends", "",
             "Largest |Keras - reference| per cell over `keras.layers.RNN` (outputs and final "
             "states, return_sequences on and off) and `Bidirectional`, forward and gradients "
             "(input and every weight, from the backend's autodiff); the reference runs in float64 "
             "on the layer's own weights. Measured by `python -m benchmarks.cells_equivalence` "
             f"({stamp} UTC, commit `{commit}{' (dirty)' if dirty else ''}`, "
             f"{machine.cpu_model}, {machine.cores} cores). float64: TensorFlow only.", "",
             "| cell | " + " | ".join(columns) + " |",
             "|---|" + "---|" * len(columns)]
    for cell, entry in cells.items():
        lines.append(f"| {cell} | " + " | ".join(
            f"{entry[c]:.1e}" if c in entry else "" for c in columns) + " |")
    lines += ["", "pytest: " + "; ".join(f"{b} {s}" for b, s in summaries.items()), ""]
    (RESULTS / "cells_equivalence.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
