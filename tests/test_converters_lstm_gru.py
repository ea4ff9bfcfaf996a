"""Keras LSTM / GRU / Bidirectional / stacks <-> NumPy reference: the same weights give the same
outputs (float32, within 1e-5), masks included; converter errors."""

import subprocess
import sys

import numpy as np
import pytest

from course_pkg.cells import (
    bidirectional_params,
    gru_weights,
    lstm_weights,
    model_params,
    reference_layers,
    set_bidirectional_params,
    set_gru_weights,
    set_lstm_weights,
    set_model_params,
)
from course_pkg.reference import (
    Bidirectional,
    GRUCell,
    LSTMCell,
    bidirectional_forward,
    gru_forward,
    init_lstm_params,
    lstm_forward,
    mask_from_lengths,
    random_gru_params,
    random_lstm_params,
    random_stacked_params,
    recurrent_forward,
    stacked_forward,
)

N, T, D, H = 4, 6, 3, 5
ATOL = 1e-5
LENGTHS = [6, 4, 2, 1]


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


def _np(a):
    return np.asarray(a)


def _compare(title, got, want):
    diff = float(np.abs(np.asarray(got) - np.asarray(want)).max())
    print(f"\n{title}: max |diff| {diff:.2e}")
    np.testing.assert_allclose(got, want, rtol=0, atol=ATOL, err_msg=title)
    return diff


def test_importing_the_converters_does_not_import_keras():
    code = ("import sys, course_pkg.cells, course_pkg.reference; "
            "print('keras' in sys.modules, 'tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.keras
def test_keras_lstm_weights_give_keras_outputs_and_states(keras, rng):
    layer = keras.layers.LSTM(H, return_sequences=True, return_state=True, bias_initializer="random_normal")
    layer.build((None, T, D))
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    h0, c0 = (rng.standard_normal((N, H)).astype(np.float32) for _ in range(2))
    seq, h_last, c_last = (_np(a) for a in layer(x, initial_state=[h0, c0]))
    W, U, b = lstm_weights(layer)
    assert (W.shape, U.shape, b.shape, W.dtype) == ((D, 4 * H), (H, 4 * H), (4 * H,), np.float32)
    h, cache = lstm_forward(x, h0, W, U, b, c0=c0)
    _compare("Keras LSTM -> reference", h, seq)
    _compare("Keras LSTM final c", cache.c[-1], c_last)
    _compare("Keras LSTM final h", h[:, -1], h_last)


@pytest.mark.keras
def test_reference_lstm_weights_loaded_into_keras(keras, rng):
    layer = keras.layers.LSTM(H, return_sequences=True)
    layer.build((None, T, D))
    p = init_lstm_params(D, H, rng)
    p["b"] += random_lstm_params(D, H, rng, dtype=np.float32)["b"]
    set_lstm_weights(layer, p["W"], p["U"], p["b"])
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    h, _ = lstm_forward(x, np.zeros((N, H), np.float32), p["W"], p["U"], p["b"])
    _compare("reference LSTM -> Keras", _np(layer(x)), h)
    for got, want in zip(lstm_weights(layer), (p["W"], p["U"], p["b"])):
        np.testing.assert_array_equal(got, want)


@pytest.mark.keras
def test_keras_unit_forget_bias_matches_init_lstm_params(keras):
    layer = keras.layers.LSTM(H)
    layer.build((None, T, D))
    _, _, b = lstm_weights(layer)
    np.testing.assert_array_equal(b, init_lstm_params(D, H, rng=0)["b"])


@pytest.mark.keras
@pytest.mark.parametrize("reset_after", [True, False])
def test_keras_gru_matches_the_reference_both_ways(keras, rng, reset_after):
    layer = keras.layers.GRU(H, return_sequences=True, reset_after=reset_after)
    layer.build((None, T, D))
    p = random_gru_params(D, H, rng, dtype=np.float32, reset_after=reset_after)
    set_gru_weights(layer, p["W"], p["U"], p["b"])
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    h0 = rng.standard_normal((N, H)).astype(np.float32)
    W, U, b = gru_weights(layer)
    assert b.shape == ((2, 3 * H) if reset_after else (3 * H,))
    h, _ = gru_forward(x, h0, W, U, b, reset_after=reset_after)
    _compare(f"Keras GRU (reset_after={reset_after})", h, _np(layer(x, initial_state=[h0])))


@pytest.mark.keras
@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize("merge_mode", ["concat", "sum"])
def test_keras_bidirectional_matches_the_reference(keras, rng, kind, merge_mode):
    inner = getattr(keras.layers, kind)(H, return_sequences=True)
    layer = keras.layers.Bidirectional(inner, merge_mode=merge_mode)
    layer.build((None, T, D))
    cell = LSTMCell() if kind == "LSTM" else GRUCell()
    params = {"forward": cell.random_params(D, H, rng, np.float32),
              "backward": cell.random_params(D, H, rng, np.float32)}
    set_bidirectional_params(layer, params)
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    y, _ = bidirectional_forward(cell, x, bidirectional_params(layer), merge_mode=merge_mode)
    _compare(f"Keras Bidirectional({kind}, {merge_mode})", y, _np(layer(x)))


def _sequential(keras, *layers, masking=False):
    stack = [keras.Input((T, D))] + ([keras.layers.Masking(0.0)] if masking else []) + list(layers)
    return keras.Sequential(stack)


@pytest.mark.keras
@pytest.mark.parametrize("stack", ["lstm+lstm", "gru+bi-lstm"])
def test_keras_two_layer_stacks_match_the_reference(keras, rng, stack):
    if stack == "lstm+lstm":
        model = _sequential(keras, keras.layers.LSTM(H, return_sequences=True), keras.layers.LSTM(3))
        layers = [LSTMCell(), LSTMCell()]
    else:
        model = _sequential(keras, keras.layers.GRU(H, return_sequences=True, reset_after=False),
                            keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True)))
        layers = [GRUCell(reset_after=False), Bidirectional(LSTMCell())]
    assert reference_layers(model) == layers
    params = random_stacked_params(layers, D, [H, 3], rng, np.float32)
    set_model_params(model, params)
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    y, _ = stacked_forward(layers, x, model_params(model), return_sequences=stack != "lstm+lstm")
    _compare(f"Keras stack {stack}", y, _np(model(x)))


@pytest.mark.keras
@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_keras_masked_layer_matches_the_reference(keras, rng, kind, return_sequences):
    layer = getattr(keras.layers, kind)(H, return_sequences=return_sequences)
    layer.build((None, T, D))
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    mask = mask_from_lengths(LENGTHS, T)
    [cell] = reference_layers(layer)
    [params] = model_params(layer)
    y, _ = recurrent_forward(cell, x, params, mask=mask, return_sequences=return_sequences)
    _compare(f"Keras {kind} with mask (return_sequences={return_sequences})", y,
             _np(layer(x, mask=mask)))


@pytest.mark.keras
@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_keras_masked_bidirectional_matches_the_reference(keras, rng, kind, return_sequences):
    layer = keras.layers.Bidirectional(getattr(keras.layers, kind)(H, return_sequences=return_sequences))
    layer.build((None, T, D))
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    mask = mask_from_lengths(LENGTHS, T)
    [spec] = reference_layers(layer)
    y, _ = bidirectional_forward(spec.cell, x, bidirectional_params(layer), mask=mask,
                                 return_sequences=return_sequences)
    _compare(f"Keras Bidirectional({kind}) with mask (return_sequences={return_sequences})", y,
             _np(layer(x, mask=mask)))


@pytest.mark.keras
def test_keras_masking_layer_in_a_stack_matches_the_reference(keras, rng):
    model = _sequential(keras, keras.layers.LSTM(H, return_sequences=True),
                        keras.layers.Bidirectional(keras.layers.GRU(3, return_sequences=True), merge_mode="sum"),
                        masking=True)
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    mask = mask_from_lengths(LENGTHS, T)
    x[~mask] = 0.0                                    # padding that keras.layers.Masking(0.0) detects
    y, _ = stacked_forward(reference_layers(model), x, model_params(model), mask=mask)
    _compare("Keras Masking + LSTM + Bidirectional(GRU, sum)", y, _np(model(x)))


@pytest.mark.keras
def test_converter_errors_name_the_argument_and_shapes(keras):
    lstm = keras.layers.LSTM(H)
    lstm.build((None, T, D))
    with pytest.raises(ValueError, match=r"set_recurrent_params: W must have shape \(D, 4H\) = \(3, 20\) to match "
                                         r"the LSTM layer '.*', got \(3, 15\)"):
        set_lstm_weights(lstm, np.zeros((D, 3 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H))
    gru = keras.layers.GRU(H)
    gru.build((None, T, D))
    with pytest.raises(ValueError, match=r"b must have shape \(2, 3H\) = \(2, 15\) to match the GRU layer '.*', "
                                         r"got \(15,\) \(the layer has reset_after=True\)"):
        set_gru_weights(gru, np.zeros((D, 3 * H)), np.zeros((H, 3 * H)), np.zeros(3 * H))
    with pytest.raises(ValueError, match="lstm_weights: layer must be a Keras LSTM layer, got GRU"):
        lstm_weights(gru)
    with pytest.raises(ValueError, match="gru_weights: layer 'fresh' is not built"):
        gru_weights(keras.layers.GRU(H, name="fresh"))
    hard = keras.layers.LSTM(H, recurrent_activation="hard_sigmoid")
    hard.build((None, T, D))
    with pytest.raises(ValueError, match="the reference LSTM uses recurrent_activation='sigmoid', got 'hard_sigmoid'"):
        lstm_weights(hard)
    model = keras.Sequential([keras.Input((T, D)), keras.layers.LSTM(H), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="reference_layers: .* layer 'dense.*' is a Dense"):
        reference_layers(model)
