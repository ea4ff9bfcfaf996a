"""Our Keras cells (Elman, peephole LSTM, coupled LSTM) compute what the NumPy reference computes:
outputs, final states and gradients (from the backend's autodiff) within 1e-5 in float32, 1e-10 in
float64, in ``keras.layers.RNN`` and ``Bidirectional``.

Backend-agnostic: run as is (TensorFlow) and with ``KERAS_BACKEND=jax`` and ``torch``; the
gradients come from each backend's autodiff (``course_pkg.cells.autodiff``). The reference
always runs in float64 on the layer's own weights and inputs, so a difference is the layer's
rounding alone. float64 layers run on TensorFlow only: on JAX and PyTorch, Keras's type promotion
maps 64-bit floats to 32 bits (on JAX ``keras.ops.tanh`` of a float64 array is float32 whatever
JAX's x64 mode says; on PyTorch ``keras.ops.matmul`` of two float64 tensors computes in float32 and
casts the result back to float64, so a float64 layer rounds like a float32 one).
"""

import keras
import numpy as np
import pytest
from keras import ops

from course_pkg.cells import (
    CoupledLSTMCell,
    ElmanCell,
    PeepholeLSTMCell,
    cell_params,
    cell_reference,
    set_cell_params,
)
from course_pkg.cells.autodiff import outputs_and_gradients
from course_pkg.reference import (
    bidirectional_backward,
    bidirectional_forward,
    recurrent_backward,
    recurrent_forward,
)

pytestmark = pytest.mark.keras

BACKEND = keras.backend.backend()
N, T, D, H = 3, 5, 4, 6
TOLERANCE = {"float32": 1e-5, "float64": 1e-10}
KERAS_NAMES = {"W": "kernel", "U": "recurrent_kernel", "b": "bias",
               "p_i": "p_i", "p_f": "p_f", "p_o": "p_o"}

CELLS = {
    "elman-tanh": lambda **kw: ElmanCell(H, **kw),
    "elman-identity": lambda **kw: ElmanCell(H, activation="identity", **kw),
    "elman-sigmoid": lambda **kw: ElmanCell(H, activation="sigmoid", **kw),
    "elman-relu": lambda **kw: ElmanCell(H, activation="relu", **kw),
    "peephole-lstm": lambda **kw: PeepholeLSTMCell(H, **kw),
    "coupled-lstm": lambda **kw: CoupledLSTMCell(H, **kw),
}
#: The activation does not interact with the direction: Bidirectional is checked on one Elman cell.
BIDIRECTIONAL_CELLS = ["elman-tanh", "peephole-lstm", "coupled-lstm"]
DTYPES = ["float32", "float64"] if BACKEND == "tensorflow" else ["float32"]


# ------------------------------------------------------------------------------- helpers

def compare(title: str, got, want, dtype: str) -> float:
    got, want = ops.convert_to_numpy(got), np.asarray(want)   # a torch output may require grad
    assert got.shape == want.shape, f"{title}: shape {got.shape}, reference {want.shape}"
    diff = float(np.abs(got - want).max())
    print(f"\n[{BACKEND} {dtype}] {title}: max |diff| {diff:.2e}")
    np.testing.assert_allclose(got, want, rtol=0, atol=TOLERANCE[dtype], err_msg=title)
    return diff


def random_params(reference_cell, rng, dtype: str) -> dict:
    """Reference parameters in the layer's dtype, biases and peepholes non-zero."""
    return reference_cell.random_params(D, H, rng, dtype=np.dtype(dtype))


def as64(tree):
    """The same numbers in float64 (arrays, or dicts of them), for the reference."""
    if isinstance(tree, dict):
        return {k: as64(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(as64(v) for v in tree)
    return np.asarray(tree, dtype=np.float64)


def build_rnn(cell_key: str, dtype: str, **rnn_kwargs):
    layer = keras.layers.RNN(CELLS[cell_key](dtype=dtype), dtype=dtype, **rnn_kwargs)
    layer.build((None, T, D))
    return layer


def build_bidirectional(cell_key: str, dtype: str, merge_mode: str, return_sequences: bool):
    rnn = keras.layers.RNN(CELLS[cell_key](dtype=dtype), dtype=dtype, return_sequences=return_sequences)
    layer = keras.layers.Bidirectional(rnn, merge_mode=merge_mode, dtype=dtype)
    layer.build((None, T, D))
    return layer


def variable_names(layer) -> list[str]:
    return [v.name for v in layer.trainable_variables]


# ------------------------------------------------------------------------------- the RNN layer

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cell_key", CELLS)
@pytest.mark.parametrize("return_sequences", [True, False], ids=["sequences", "last"])
def test_rnn_outputs_states_and_gradients_match_the_reference(cell_key, return_sequences, dtype, rng):
    """RNN(cell, return_state=True): y and the final states, then the gradients of
    sum(y * G) + sum(h_T * G_h) (+ sum(c_T * G_c)) w.r.t. x and every weight."""
    layer = build_rnn(cell_key, dtype, return_sequences=return_sequences, return_state=True)
    ref = cell_reference(layer)
    params = random_params(ref, rng, dtype)
    set_cell_params(layer, params)
    x = rng.standard_normal((N, T, D)).astype(dtype)
    y_shape = (N, T, H) if return_sequences else (N, H)
    upstream = [rng.standard_normal(y_shape).astype(dtype)]
    upstream += [rng.standard_normal((N, H)).astype(dtype) for _ in range(ref.num_states)]
    (y, *states), grads = outputs_and_gradients(layer, x, upstream)

    want_y, cache = recurrent_forward(ref, as64(x), as64(params), return_sequences=return_sequences)
    assert y.dtype == np.dtype(dtype)
    compare(f"{cell_key} RNN y ({'sequences' if return_sequences else 'last'})", y, want_y, dtype)
    assert len(states) == ref.num_states
    for k, (got, want) in enumerate(zip(states, cache.final_states)):
        compare(f"{cell_key} final state {'hc'[k]}", got, want, dtype)

    dx, _, dparams = recurrent_backward(as64(upstream[0]), cache, as64(tuple(upstream[1:])))
    names = layer.cell.reference_param_names
    assert variable_names(layer) == [KERAS_NAMES[n] for n in names]
    compare(f"{cell_key} dL/dx", grads[0], dx, dtype)
    for name, got in zip(names, grads[1:]):
        compare(f"{cell_key} dL/d{name}", got, dparams[name], dtype)


@pytest.mark.parametrize("cell_key", ["elman-tanh", "peephole-lstm"])
def test_rnn_without_return_state_returns_the_same_outputs(cell_key, rng):
    layer = build_rnn(cell_key, "float32", return_sequences=True)
    ref = cell_reference(layer)
    params = random_params(ref, rng, "float32")
    set_cell_params(layer, params)
    x = rng.standard_normal((N, T, D)).astype("float32")
    want_y, _ = recurrent_forward(ref, as64(x), as64(params))
    compare(f"{cell_key} RNN y (no state)", layer(x), want_y, "float32")


# ------------------------------------------------------------------------------- Bidirectional

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cell_key", BIDIRECTIONAL_CELLS)
@pytest.mark.parametrize("merge_mode,return_sequences",
                         [("concat", True), ("sum", False)], ids=["concat-sequences", "sum-last"])
def test_bidirectional_outputs_and_gradients_match_the_reference(cell_key, merge_mode, return_sequences,
                                                                  dtype, rng):
    layer = build_bidirectional(cell_key, dtype, merge_mode, return_sequences)
    ref = cell_reference(layer)
    assert ref.merge_mode == merge_mode
    params = {"forward": random_params(ref.cell, rng, dtype),
              "backward": random_params(ref.cell, rng, dtype)}
    set_cell_params(layer, params)
    x = rng.standard_normal((N, T, D)).astype(dtype)
    width = 2 * H if merge_mode == "concat" else H
    upstream = rng.standard_normal((N, T, width) if return_sequences else (N, width)).astype(dtype)
    (y,), grads = outputs_and_gradients(layer, x, [upstream])

    want_y, cache = bidirectional_forward(ref.cell, as64(x), as64(params), merge_mode=merge_mode,
                                          return_sequences=return_sequences)
    compare(f"{cell_key} Bidirectional({merge_mode}) y", y, want_y, dtype)
    dx, dparams = bidirectional_backward(as64(upstream), cache)
    names = layer.forward_layer.cell.reference_param_names
    assert variable_names(layer) == [KERAS_NAMES[n] for n in names] * 2
    compare(f"{cell_key} Bidirectional dL/dx", grads[0], dx, dtype)
    expected = [(d, n) for d in ("forward", "backward") for n in names]
    for (direction, name), got in zip(expected, grads[1:]):
        compare(f"{cell_key} Bidirectional {direction} dL/d{name}", got, dparams[direction][name], dtype)


def test_converters_round_trip_the_reference_params(rng):
    layer = build_rnn("peephole-lstm", "float32")
    params = random_params(cell_reference(layer), rng, "float32")
    set_cell_params(layer, params)
    back = cell_params(layer)
    assert list(back) == ["W", "U", "b", "p_i", "p_f", "p_o"]
    for name, value in params.items():
        np.testing.assert_array_equal(back[name], value)
    assert cell_params(layer.cell)["W"].shape == (D, 4 * H)
