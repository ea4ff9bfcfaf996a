"""The Keras tests and the cuDNN speed-up on a GPU, on JAX and PyTorch (and TensorFlow).

``python -m benchmarks.keras_backends_gpu`` is for a machine with an NVIDIA GPU and CUDA builds of
the backends (``pip install -c constraints.txt "jax[cuda12]"`` and PyTorch from
https://download.pytorch.org/whl/cu126; the CPU builds pinned for CI see no GPU). For each backend
(each in its own process, as Keras fixes the backend at import) it records:

- the Keras-marked tests that ``make test`` runs (the cells, the training loop, the application
  models and recipes): passed, failed and the wall seconds;
- one ``keras.layers.LSTM(256, return_sequences=True)`` forward + backward on N=128, T=200, D=64,
  with the default ``use_cudnn="auto"`` and with ``use_cudnn=False``, median of 10 in ms.

It writes ``results/keras_backends_gpu.{json,md}``. Without a GPU it says so and writes nothing
(exit 0, so that ``make bench`` on a CPU machine passes; ``--backends`` picks a subset,
``--no-tests`` only times).
"""

from __future__ import annotations

import argparse
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
KERAS_TESTS = ["tests/test_cells_equivalence.py", "tests/test_cells_keras_api.py",
               "tests/test_cells_variant.py", "tests/test_training.py",
               "tests/test_models_applications.py", "tests/test_recipes_applications.py"]

#: Run in a child process with KERAS_BACKEND set: prints one JSON line.
TIMING = r"""
import json, time, numpy as np, keras
backend = keras.backend.backend()
if backend == "tensorflow":
    import tensorflow as tf
    gpu = [d.name for d in tf.config.list_physical_devices("GPU")]
elif backend == "jax":
    import jax
    gpu = [str(d) for d in jax.devices() if d.platform == "gpu"]
else:
    import torch
    gpu = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
if not gpu:
    print(json.dumps({"backend": backend, "gpu": []})); raise SystemExit
x = np.random.default_rng(0).normal(size=(128, 200, 64)).astype("float32")

def median_ms(use_cudnn):
    layer = keras.layers.LSTM(256, return_sequences=True, use_cudnn=use_cudnn)
    model = keras.Sequential([keras.Input((200, 64)), layer])
    model.compile("sgd", "mse")
    y = np.zeros((128, 200, 256), "float32")
    model.train_on_batch(x, y)                       # build and compile
    times = []
    for _ in range(10):
        start = time.perf_counter()
        model.train_on_batch(x, y)                   # returns numbers: the step has finished
        times.append(1000 * (time.perf_counter() - start))
    return float(np.median(times))

print(json.dumps({"backend": backend, "gpu": gpu, "cudnn_ms": median_ms("auto"),
                  "generic_ms": median_ms(False)}))
"""


def _env(backend: str) -> dict[str, str]:
    return {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}


def timing(backend: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", TIMING], cwd=REPO, env=_env(backend),
                          capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"{backend}: the timing failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def tests(backend: str) -> dict:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-m", "keras", "-p", "no:cacheprovider",
                           "-q", *KERAS_TESTS], cwd=REPO, env=_env(backend),
                          capture_output=True, text=True, timeout=3600)
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-500:]
    counts = {k: int(v) for v, k in re.findall(r"(\d+) (passed|failed|skipped|errors?)", summary)}
    return {"summary": summary, "counts": counts, "wall_s": round(time.perf_counter() - start, 1),
            "returncode": proc.returncode}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.keras_backends_gpu")
    parser.add_argument("--backends", nargs="+", default=["jax", "torch"],
                        choices=["tensorflow", "jax", "torch"])
    parser.add_argument("--no-tests", action="store_true", help="only the cuDNN timing")
    args = parser.parse_args(argv)
    rows = []
    for backend in args.backends:
        row = timing(backend)
        if not row["gpu"]:
            print(f"keras_backends_gpu: {backend} sees no GPU (a CPU build, or no GPU here); "
                  f"nothing recorded")
            return 0
        if not args.no_tests:
            row["tests"] = tests(backend)
        rows.append(row)
        print(json.dumps(row), flush=True)
    commit, dirty = git_commit()
    machine = describe_machine()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "keras_backends_gpu.json").write_text(json.dumps(
        {"date": stamp, "commit": commit, "dirty": dirty, "machine": machine.__dict__,
         "rows": rows}, indent=1) + "\n")
    lines = ["# Keras tests and the cuDNN LSTM on a GPU, per backend", "",
             f"`python -m benchmarks.keras_backends_gpu`, {stamp} UTC, commit `{commit}`. "
             "LSTM(256), N=128, T=200, D=64, one training step, median of 10.", "",
             "| backend | GPU | tests | tests (s) | cuDNN (ms) | generic loop (ms) | speed-up |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        t = row.get("tests", {})
        lines.append(f"| {row['backend']} | {row['gpu'][0]} | {t.get('summary', '')} | "
                     f"{t.get('wall_s', '')} | {row['cudnn_ms']:.1f} | {row['generic_ms']:.1f} | "
                     f"{row['generic_ms'] / row['cudnn_ms']:.1f}x |")
    (RESULTS / "keras_backends_gpu.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
