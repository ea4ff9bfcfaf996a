"""The NumPy reference LSTM against Keras's LSTM on TensorFlow: forward + backward on the CPU.

Both compute, for the same weights, h = LSTM(x) over the whole sequence and the gradients of
sum(h * dh) with respect to x, W, U and b (N=64, T=100, D=64, H=128, float32):

* **reference**: ``lstm_forward`` then ``lstm_backward`` (course_pkg.reference, NumPy);
* **keras**: ``keras.layers.LSTM(return_sequences=True)`` under ``tf.GradientTape`` inside a
  ``tf.function`` (the graph that ``fit`` runs), the gradients fetched as NumPy arrays.

The measurement runs in a child process on the CPU only (``CUDA_VISIBLE_DEVICES=""``) with the
same number of threads for both sides (OpenBLAS for NumPy, TensorFlow's intra- and inter-op
pools), one by default: on a shared machine multithreaded BLAS timings swing by factors, and one
thread each is the comparison that means the same everywhere. Rounds alternate the two sides so
that a noisy neighbour slows both; the ratio is of the medians. The target is a ratio of at most
1.5 (reference / Keras).

Results go to ``benchmarks/results/lstm_reference_vs_keras.json`` (with the date, the machine and
the git commit; the same commit, thread count and machine replaces its row) and ``.md``::

    python -m benchmarks.lstm_reference_vs_keras               # 1 thread each, 15 rounds
    python -m benchmarks.lstm_reference_vs_keras --threads 2 --rounds 25
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.recording import Machine, describe_machine, git_commit, merge_run

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
NAME = "lstm_reference_vs_keras"
SIZES = {"N": 64, "T": 100, "D": 64, "H": 128}
TARGET_RATIO = 1.5


@dataclass
class Timing:
    """One measurement: medians and minima in milliseconds for one forward + backward."""

    date: str
    commit: str
    dirty: bool
    machine: Machine
    threads: int
    rounds: int
    numpy: str
    tensorflow: str
    keras: str
    reference_median_ms: float
    reference_min_ms: float
    keras_median_ms: float
    keras_min_ms: float
    ratio: float                 # reference median / Keras median
    max_abs_diff_h: float        # the two forward passes agree (float32)


def _child(threads: int, rounds: int) -> dict:
    """Measure both sides in this process (environment already set by the parent)."""
    import time

    import numpy as np
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    import keras

    from course_pkg.cells import lstm_weights
    from course_pkg.reference import lstm_backward, lstm_forward

    N, T, D, H = SIZES["N"], SIZES["T"], SIZES["D"], SIZES["H"]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    dh = rng.standard_normal((N, T, H)).astype(np.float32)
    h0 = np.zeros((N, H), np.float32)
    layer = keras.layers.LSTM(H, return_sequences=True)
    layer.build((None, T, D))
    W, U, b = lstm_weights(layer)
    x_tf, dh_tf = tf.constant(x), tf.constant(dh)

    @tf.function
    def keras_forward_backward(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            h = layer(x)
            loss = tf.reduce_sum(h * dh_tf)
        return [h] + tape.gradient(loss, [x] + layer.trainable_weights)

    def keras_step():
        return [a.numpy() for a in keras_forward_backward(x_tf)]

    def reference_step():
        h, cache = lstm_forward(x, h0, W, U, b)
        return [h, *lstm_backward(dh, cache)]

    h_keras, h_ref = keras_step()[0], reference_step()[0]
    for _ in range(3):                       # warm-up: tracing, allocations, caches
        keras_step()
        reference_step()
    seconds = {"reference": [], "keras": []}
    for _ in range(rounds):
        for side, step in (("reference", reference_step), ("keras", keras_step)):
            start = time.perf_counter()
            step()
            seconds[side].append(time.perf_counter() - start)
    ms = {side: 1e3 * np.array(v) for side, v in seconds.items()}
    return {
        "numpy": np.__version__, "tensorflow": tf.__version__, "keras": keras.__version__,
        "reference_median_ms": round(float(np.median(ms["reference"])), 2),
        "reference_min_ms": round(float(ms["reference"].min()), 2),
        "keras_median_ms": round(float(np.median(ms["keras"])), 2),
        "keras_min_ms": round(float(ms["keras"].min()), 2),
        "max_abs_diff_h": float(np.abs(h_keras - h_ref).max()),
    }


def measure(threads: int = 1, rounds: int = 15) -> Timing:
    """Run the measurement in a CPU-only child process with ``threads`` threads per side."""
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", TF_CPP_MIN_LOG_LEVEL="2",
               OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    command = [sys.executable, "-m", f"benchmarks.{NAME}", "--child",
               "--threads", str(threads), "--rounds", str(rounds)]
    out = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"the measurement failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    commit, dirty = git_commit()
    return Timing(
        date=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        commit=commit, dirty=dirty, machine=describe_machine(), threads=threads, rounds=rounds,
        ratio=round(figures["reference_median_ms"] / figures["keras_median_ms"], 3),
        **figures,
    )


def record(timing: Timing, results: Path = RESULTS) -> list[dict]:
    """Merge ``timing`` into the JSON file and rewrite the markdown table; return the rows."""
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"{NAME}.json"
    rows: list[dict] = json.loads(path.read_text())["runs"] if path.exists() else []
    row = asdict(timing)
    rows = merge_run(rows, row, same_keys=("commit", "dirty", "threads"))
    document = {
        "benchmark": NAME,
        "what": "LSTM forward + backward (gradients of sum(h * dh) for x, W, U, b), float32, CPU",
        "sizes": SIZES,
        "target_ratio": TARGET_RATIO,
        "runs": rows,
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    (results / f"{NAME}.md").write_text(render_markdown(rows))
    return rows


def render_markdown(rows: list[dict]) -> str:
    """A markdown table of ``rows``, newest first."""
    sizes = ", ".join(f"{k}={v}" for k, v in SIZES.items())
    lines = [
        "# Reference LSTM (NumPy) against Keras LSTM (TensorFlow), CPU",
        "",
        f"Forward + backward of one LSTM layer, {sizes}, float32, measured by",
        f"`python -m benchmarks.{NAME}`: the same number of threads on both sides, rounds",
        f"alternating, medians in milliseconds. Target: ratio (reference / Keras) <= {TARGET_RATIO}.",
        "",
        "| date (UTC) | commit | machine | load | threads | reference (ms) | Keras (ms) | ratio | max diff h |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in sorted(rows, key=lambda r: r["date"], reverse=True):
        m = row["machine"]
        commit = row["commit"] + (" (dirty)" if row["dirty"] else "")
        lines.append(
            f"| {row['date'].replace('T', ' ').rstrip('Z')} | `{commit}` | {m['cpu_model']}, "
            f"{m['cores']} cores | {m['load_average_1min']} | {row['threads']} "
            f"| {row['reference_median_ms']:.1f} | {row['keras_median_ms']:.1f} "
            f"| {row['ratio']:.2f}x | {row['max_abs_diff_h']:.1e} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Measure, record and print the ratio; exit status 1 when the measurement fails."""
    parser = argparse.ArgumentParser(prog=f"python -m benchmarks.{NAME}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1, help="threads per side (default 1)")
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds per side (default 15)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder for the JSON and markdown")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.threads < 1 or args.rounds < 1:
        parser.error("--threads and --rounds must be positive integers")
    if args.child:
        print(json.dumps(_child(args.threads, args.rounds)))
        return 0
    try:
        timing = measure(args.threads, args.rounds)
    except RuntimeError as error:
        print(f"[{NAME}] {error}", file=sys.stderr)
        return 1
    record(timing, args.results)
    verdict = "within" if timing.ratio <= TARGET_RATIO else "OVER"
    print(
        f"[{NAME}] reference {timing.reference_median_ms:.1f} ms, Keras {timing.keras_median_ms:.1f} ms "
        f"(medians of {timing.rounds}, {timing.threads} thread(s) each): ratio {timing.ratio:.2f}x, "
        f"{verdict} the {TARGET_RATIO}x target; forward max |diff| {timing.max_abs_diff_h:.1e}; "
        f"python {platform.python_version()}, {timing.machine.cpu_model}, load "
        f"{timing.machine.load_average_1min}; recorded in {args.results / (NAME + '.json')}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
