"""Keras SimpleRNN <-> NumPy reference: the same weights give the same states (float32, 1e-5)."""

import subprocess
import sys

import numpy as np
import pytest

from course_pkg.cells import set_simple_rnn_weights, simple_rnn_weights
from course_pkg.reference import random_rnn_params, rnn_forward

N, T, D, H = 4, 7, 3, 5


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


def test_importing_the_converters_does_not_import_keras():
    code = "import sys, course_pkg.cells; print('keras' in sys.modules, 'tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def _layer(keras, **kwargs):
    layer = keras.layers.SimpleRNN(H, return_sequences=True, return_state=True, **kwargs)
    layer.build((None, T, D))
    return layer


@pytest.mark.keras
def test_keras_weights_run_through_the_reference_give_keras_outputs(keras, rng):
    layer = _layer(keras, bias_initializer="random_normal")
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    h0 = rng.standard_normal((N, H)).astype(np.float32)
    seq_keras, last_keras = (np.asarray(a) for a in layer(x, initial_state=[h0]))

    W, U, b = simple_rnn_weights(layer)
    assert (W.shape, U.shape, b.shape, W.dtype) == ((D, H), (H, H), (H,), np.float32)
    h, _ = rnn_forward(x, h0, W, U, b)
    print(f"\nKeras -> reference: max |diff| {np.abs(h - seq_keras).max():.2e}")
    np.testing.assert_allclose(h, seq_keras, rtol=0, atol=1e-5)
    np.testing.assert_allclose(h[:, -1], last_keras, rtol=0, atol=1e-5)


@pytest.mark.keras
def test_reference_weights_loaded_into_keras_give_reference_outputs(keras, rng):
    layer = _layer(keras)
    p = random_rnn_params(D, H, rng, dtype=np.float32, scale=0.5)
    set_simple_rnn_weights(layer, p["W"], p["U"], p["b"])
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    h, _ = rnn_forward(x, np.zeros((N, H), np.float32), p["W"], p["U"], p["b"])
    seq_keras, last_keras = (np.asarray(a) for a in layer(x))
    print(f"\nreference -> Keras: max |diff| {np.abs(h - seq_keras).max():.2e}")
    np.testing.assert_allclose(seq_keras, h, rtol=0, atol=1e-5)
    np.testing.assert_allclose(last_keras, h[:, -1], rtol=0, atol=1e-5)
    for got, want in zip(simple_rnn_weights(layer), (p["W"], p["U"], p["b"])):
        np.testing.assert_array_equal(got, want)


@pytest.mark.keras
def test_layer_without_bias_reads_as_zero_bias(keras):
    layer = _layer(keras, use_bias=False)
    _, _, b = simple_rnn_weights(layer)
    np.testing.assert_array_equal(b, np.zeros(H, np.float32))
    with pytest.raises(ValueError, match="use_bias=False, so b must be all zeros"):
        set_simple_rnn_weights(layer, np.zeros((D, H)), np.zeros((H, H)), np.ones(H))


@pytest.mark.keras
def test_shape_mismatch_and_unbuilt_layer_are_refused(keras):
    layer = _layer(keras)
    with pytest.raises(ValueError, match=r"set_simple_rnn_weights: U must have shape \(H, H\) = \(5, 5\) "
                                         r"to match the layer, got \(5, 4\)"):
        set_simple_rnn_weights(layer, np.zeros((D, H)), np.zeros((H, 4)), np.zeros(H))
    with pytest.raises(ValueError, match=r"simple_rnn_weights: layer 'fresh' is not built"):
        simple_rnn_weights(keras.layers.SimpleRNN(H, name="fresh"))
