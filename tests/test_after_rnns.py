"""After RNNs: the minGRU's parallel scan, the three classifiers, the task, the timing functions.

Backend-agnostic: run as is (TensorFlow) and with ``KERAS_BACKEND=jax``; one test also runs the
scan on the other backend in a subprocess, so that a plain run checks both.
"""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from keras import ops

from course_pkg.data.long_range import marked_token_recall, provenance, vocabulary_size
from course_pkg.models.after_rnns import (
    EXAMPLE_MODELS,
    MinGRU,
    build_classifier,
    odd_even_scan,
    combine_linear,
    parallel_linear_scan,
    sequential_linear_scan,
)

BACKEND = keras.backend.backend()


def _numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


def _gates(rng, n=3, T=37, H=5):
    return (rng.uniform(0.0, 1.0, (n, T, H)).astype("float32"),
            rng.normal(size=(n, T, H)).astype("float32"))


@pytest.mark.parametrize("T", [1, 2, 3, 4, 5, 8, 37, 64, 257])
def test_parallel_scan_equals_the_sequential_loop_in_float32(rng, T):
    a, b = _gates(rng, T=T)
    expected = _numpy(sequential_linear_scan(a, b))
    got = _numpy(parallel_linear_scan(a, b))
    assert got.shape == (3, T, 5)
    np.testing.assert_allclose(got, expected, atol=2e-6, rtol=1e-5)


def test_parallel_scan_takes_an_initial_state(rng):
    a, b = _gates(rng, T=20)
    h0 = rng.normal(size=(3, 5)).astype("float32")
    np.testing.assert_allclose(_numpy(parallel_linear_scan(a, b, h0)),
                               _numpy(sequential_linear_scan(a, b, h0)), atol=2e-6, rtol=1e-5)


def test_odd_even_scan_equals_keras_associative_scan_eagerly(rng):
    a, b = _gates(rng, T=23)
    ours = odd_even_scan(combine_linear, (a, b))
    theirs = ops.associative_scan(combine_linear, (a, b), axis=1)
    for x, y in zip(ours, theirs):
        np.testing.assert_allclose(_numpy(x), _numpy(y), atol=2e-6, rtol=1e-5)


def test_parallel_scan_traces_into_a_compiled_function(rng):
    """The reason for odd_even_scan: Keras 3.13's TensorFlow associative_scan never finishes
    tracing (keras-team/keras#22058). Ours compiles on both backends."""
    a, b = _gates(rng, T=33)
    if BACKEND == "tensorflow":
        import tensorflow as tf

        compiled = tf.function(parallel_linear_scan)
    elif BACKEND == "jax":
        import jax

        compiled = jax.jit(parallel_linear_scan)
    else:
        pytest.skip(f"no compiler for {BACKEND}")
    np.testing.assert_allclose(_numpy(compiled(a, b)), _numpy(sequential_linear_scan(a, b)),
                               atol=2e-6, rtol=1e-5)


def test_scan_equals_loop_on_the_other_backend():
    other = "jax" if BACKEND != "jax" else "tensorflow"
    code = (
        "import numpy as np, keras\n"
        "from course_pkg.models.after_rnns import parallel_linear_scan, sequential_linear_scan\n"
        "r = np.random.default_rng(0)\n"
        "a = r.uniform(0, 1, (2, 129, 4)).astype('float32')\n"
        "b = r.normal(size=(2, 129, 4)).astype('float32')\n"
        "d = np.abs(keras.ops.convert_to_numpy(parallel_linear_scan(a, b))\n"
        "           - keras.ops.convert_to_numpy(sequential_linear_scan(a, b))).max()\n"
        "print(keras.backend.backend(), d)\n"
        "assert d < 2e-6, d\n")
    env = {**os.environ, "KERAS_BACKEND": other, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith(other)


def test_min_gru_scan_and_loop_give_the_same_outputs_and_gradients(rng):
    x = rng.normal(size=(2, 19, 3)).astype("float32")
    scan = MinGRU(6, return_sequences=True, method="scan", gate_bias=-1.0)
    loop = MinGRU(6, return_sequences=True, method="loop", gate_bias=-1.0)
    scan.build(x.shape)
    loop.build(x.shape)
    loop.set_weights(scan.get_weights())
    np.testing.assert_allclose(_numpy(scan(x)), _numpy(loop(x)), atol=2e-6, rtol=1e-5)
    # the last state equals stepping through the sequence one input at a time
    h = np.zeros((2, 6), "float32")
    for t in range(19):
        h = _numpy(scan.step(x[:, t], h))
    np.testing.assert_allclose(_numpy(scan(x))[:, -1], h, atol=2e-6, rtol=1e-5)
    assert np.allclose(scan.get_weights()[1][:6], -1.0) and np.allclose(scan.get_weights()[1][6:], 0)


def test_min_gru_gates_do_not_depend_on_the_state(rng):
    layer = MinGRU(4)
    x = rng.normal(size=(1, 3)).astype("float32")
    layer.build((None, None, 3))
    h1 = _numpy(layer.step(x, np.zeros((1, 4), "float32")))
    h2 = _numpy(layer.step(x, np.ones((1, 4), "float32")))
    a, b = (_numpy(v) for v in layer.gates(x))
    np.testing.assert_allclose(h1, b, atol=1e-6)
    np.testing.assert_allclose(h2 - h1, a, atol=1e-6)  # h_t = a_t h_{t-1} + b_t, linear in h


def test_min_gru_rejects_bad_arguments():
    with pytest.raises(ValueError, match="units expected a positive integer, got 0"):
        MinGRU(0)
    with pytest.raises(ValueError, match="method expected 'scan' or 'loop'"):
        MinGRU(3, method="cumsum")


def test_min_gru_serializes():
    layer = MinGRU(5, return_sequences=True, gate_bias=-2.0, name="g")
    clone = MinGRU.from_config(layer.get_config())
    assert (clone.units, clone.return_sequences, clone.gate_bias, clone.method) == (5, True, -2.0, "scan")


@pytest.mark.parametrize("kind", ["lstm", "transformer", "min_gru"])
def test_classifiers_map_tokens_to_class_probabilities(kind):
    model = build_classifier(kind, 12, vocab=10, classes=4, embed=8)
    tokens = np.random.default_rng(0).integers(0, 10, size=(3, 12)).astype("int32")
    p = _numpy(model(tokens))
    assert p.shape == (3, 4)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)
    assert model.layers[-1].dtype_policy.compute_dtype == "float32"


def test_lstm_and_transformer_read_any_length_the_min_gru_needs_it():
    lstm = build_classifier("lstm", None, 10, 4)
    transformer = build_classifier("transformer", None, 10, 4, maxlen=32)
    for model in (lstm, transformer):
        for T in (5, 17):
            assert _numpy(model(np.zeros((2, T), "int32"))).shape == (2, 4)
    with pytest.raises(ValueError, match="T expected a positive integer, got None"):
        build_classifier("min_gru", None, 10, 4)
    with pytest.raises(ValueError, match="kind expected one of"):
        build_classifier("gru", 8, 10, 4)


def test_example_models_keep_the_lstm_cudnn_eligible():
    assert set(EXAMPLE_MODELS) == {"lstm", "transformer", "min_gru"}
    lstm = EXAMPLE_MODELS["lstm"]().get_layer("lstm")
    assert (lstm.activation.__name__, lstm.recurrent_activation.__name__) == ("tanh", "sigmoid")
    assert lstm.recurrent_dropout == 0 and not lstm.unroll and lstm.use_bias
    for build in EXAMPLE_MODELS.values():
        assert build().count_params() > 0


def test_marked_token_recall_marks_one_token_whose_value_is_the_class():
    task = marked_token_recall(200, T=30, classes=5, window=(0.0, 0.5), rng=3)
    assert task.x.shape == (200, 30) and task.x.dtype == np.int32
    marked = task.x >= 5
    assert (marked.sum(axis=1) == 1).all()
    np.testing.assert_array_equal(np.argmax(marked, axis=1), task.position)
    np.testing.assert_array_equal(task.x[np.arange(200), task.position] - 5, task.y)
    assert task.position.max() < 15 and set(np.unique(task.y)) == set(range(5))
    assert vocabulary_size(5) == 10 and provenance()["download"] is None
    with pytest.raises(ValueError, match="window expected"):
        marked_token_recall(2, 10, window=(0.5, 0.5))


def test_timing_returns_sane_records_on_tiny_sizes():
    from course_pkg.recipes.after_rnns import _TINY, streaming_costs, time_training_steps

    records = time_training_steps(lengths=[8, 16], batch=2, repeats=1, sizes=_TINY)
    assert [(r["kind"], r["T"]) for r in records] == [
        ("lstm", 8), ("lstm", 16), ("transformer", 8), ("transformer", 16),
        ("min_gru", 8), ("min_gru", 16)]
    for r in records:
        assert 0 < r["step_s"] < 60 and r["params"] > 0 and r["steps_timed"] >= 1
        assert r["peak_bytes"] is None or r["peak_bytes"] >= 0
        assert r["device"] in ("cpu", "gpu") and r["memory_method"]
    # the transformer's position table is counted at each length's size
    transformer = [r["params"] for r in records if r["kind"] == "transformer"]
    assert transformer[1] - transformer[0] == 8 * _TINY["transformer"]["embed"]

    streaming = streaming_costs([8, 16], repeats=2, sizes=_TINY)
    kinds = {r["kind"] for r in streaming}
    assert kinds == {"lstm", "min_gru", "attention_cached", "transformer_recompute"}
    state = {(r["kind"], r["t"]): r["state_floats"] for r in streaming}
    assert state[("lstm", 8)] == state[("lstm", 16)] == 2 * _TINY["lstm"]["units"]
    assert state[("attention_cached", 16)] == 2 * state[("attention_cached", 8)]
    assert all(r["step_s"] > 0 for r in streaming)


def test_accuracy_by_distance_bins_cover_every_example():
    from course_pkg.recipes.after_rnns import accuracy_by_distance

    distance = np.arange(40)
    y = np.zeros(40, int)
    predicted = (distance >= 30).astype(int)  # wrong for the farthest quarter
    rows = accuracy_by_distance(y, predicted, distance, bins=4)
    assert sum(r["n"] for r in rows) == 40
    assert [r["accuracy"] for r in rows] == [1.0, 1.0, 1.0, 0.0]


def test_plots_draw_the_recipe_records():
    import matplotlib.pyplot as plt

    from course_pkg.plots.after_rnns import (
        plot_accuracy_curves,
        plot_cost_vs_length,
        plot_streaming_cost,
    )
    from course_pkg.plots.style import MAX_WIDTH, MIN_FONT_SIZE, text_sizes

    timing = [{"kind": k, "T": T, "step_s": 1e-3 * T * (i + 1), "peak_bytes": 1e3 * T ** (i + 1)}
              for i, k in enumerate(["lstm", "transformer", "min_gru"]) for T in (64, 256, 1024)]
    streaming = [{"kind": k, "t": t, "step_s": 1e-5 * t} for k in
                 ("lstm", "min_gru", "attention_cached", "transformer_recompute")
                 for t in (64, 256)]
    training = {k: [0.2, 0.6, 1.0] for k in ("lstm", "min_gru")}
    for fig in (plot_cost_vs_length(timing), plot_streaming_cost(streaming),
                plot_accuracy_curves(training, chance=0.125)):
        assert fig.get_size_inches()[0] <= MAX_WIDTH
        assert min(size for size, _ in text_sizes(fig)) >= MIN_FONT_SIZE
        plt.close(fig)
    fig = plot_cost_vs_length([{**r, "peak_bytes": None} for r in timing])
    assert len(fig.axes) == 1
    plt.close(fig)
