"""VariantLSTMCell computes the reference's ``lstm_variant_forward`` for every variant of Greff et
al.'s study (within 1e-5 in float32), matches keras.layers.LSTM with every switch off, and is
a proper Keras layer (config round trip, door checks). Runs on TensorFlow and on JAX."""

import doctest

import keras
import numpy as np
import pytest

from course_pkg.cells import VariantLSTMCell
from course_pkg.reference import LSTMVariant, lstm_variant_forward, random_lstm_params

pytestmark = pytest.mark.keras

N, T, D, H = 3, 6, 4, 5
VARIANTS = {
    "vanilla": {},
    "peephole": {"peephole": True},
    "coupled": {"coupled": True},
    "coupled+peephole": {"coupled": True, "peephole": True},
    "no_forget_gate": {"forget_gate": False},
    "no_forget_gate+peephole": {"forget_gate": False, "peephole": True},
    "no_output_gate": {"output_gate": False},
    "no_output_gate+peephole": {"output_gate": False, "peephole": True},
    "no_forget_no_output": {"forget_gate": False, "output_gate": False},
}


def rnn_of(cell: VariantLSTMCell, **kwargs) -> keras.layers.RNN:
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True, **kwargs)
    layer.build((None, T, D))
    return layer


@pytest.mark.parametrize("key", list(VARIANTS))
def test_outputs_and_final_cell_state_match_lstm_variant_forward_within_1e_5(key, rng):
    switches = VARIANTS[key]
    variant = LSTMVariant(**switches)
    cell = VariantLSTMCell(H, **switches)
    layer = rnn_of(cell)
    params = random_lstm_params(D, H, rng, dtype=np.float32, variant=variant, scale=0.7)
    assert cell.reference_param_names == variant.param_names
    assert [tuple(w.shape) for w in cell.get_weights()] == [params[n].shape for n in variant.param_names]
    cell.set_weights([params[n] for n in variant.param_names])

    x = rng.standard_normal((N, T, D)).astype(np.float32)
    h_seq, h_last, c_last = (keras.ops.convert_to_numpy(v) for v in layer(x))
    want, cache = lstm_variant_forward(x.astype(np.float64), np.zeros((N, H)),
                                       {k: v.astype(np.float64) for k, v in params.items()}, variant)
    print(f"\n{key}: max |h - h_ref| {np.abs(h_seq - want).max():.2e}")
    np.testing.assert_allclose(h_seq, want, rtol=0, atol=1e-5)
    np.testing.assert_allclose(h_last, want[:, -1], rtol=0, atol=1e-5)
    np.testing.assert_allclose(c_last, cache.c[-1], rtol=0, atol=1e-5)


@pytest.mark.parametrize("key,blocks,peepholes", [
    ("vanilla", ("i", "f", "c", "o"), ()),
    ("peephole", ("i", "f", "c", "o"), ("p_i", "p_f", "p_o")),
    ("coupled+peephole", ("f", "c", "o"), ("p_f", "p_o")),
    ("no_forget_gate+peephole", ("i", "c", "o"), ("p_i", "p_o")),
    ("no_output_gate+peephole", ("i", "f", "c"), ("p_i", "p_f")),
])
def test_weights_have_the_reference_layout_and_parameter_count(key, blocks, peepholes):
    cell = VariantLSTMCell(H, **VARIANTS[key])
    rnn_of(cell)
    G = len(blocks)
    assert cell.gate_blocks == blocks
    assert [w.name for w in cell.weights] == ["kernel", "recurrent_kernel", "bias", *peepholes]
    assert cell.count_params() == G * (D * H + H * H + H) + len(peepholes) * H


def test_every_switch_off_computes_what_keras_lstm_computes(rng):
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    keras_lstm = keras.layers.LSTM(H, return_sequences=True)
    keras_lstm.build((None, T, D))
    ours = rnn_of(VariantLSTMCell(H))
    ours.cell.set_weights(keras_lstm.get_weights())
    diff = np.abs(keras.ops.convert_to_numpy(ours(x)[0]) - keras.ops.convert_to_numpy(keras_lstm(x))).max()
    print(f"\nmax |ours - keras.layers.LSTM| {diff:.2e}")
    assert diff < 1e-5


def test_unit_forget_bias_sets_the_forget_block_only_when_there_is_one():
    with_f = VariantLSTMCell(H, peephole=True)
    rnn_of(with_f)
    np.testing.assert_array_equal(np.asarray(with_f.bias).reshape(4, H).sum(axis=1), [0, H, 0, 0])
    np.testing.assert_array_equal(np.asarray(with_f.peepholes["p_f"]), np.zeros(H))
    without_f = VariantLSTMCell(H, forget_gate=False)
    rnn_of(without_f)
    np.testing.assert_array_equal(np.asarray(without_f.bias), np.zeros(3 * H))


def test_get_config_round_trip_rebuilds_the_same_variant(rng):
    cell = VariantLSTMCell(H, peephole=True, output_gate=False, unit_forget_bias=False, name="v")
    config = cell.get_config()
    assert (config["peephole"], config["coupled"], config["forget_gate"], config["output_gate"]) == (
        True, False, True, False)
    clone = VariantLSTMCell.from_config(config)
    assert clone.reference_variant == cell.reference_variant
    assert clone.unit_forget_bias is False
    layer, clone_layer = rnn_of(cell), rnn_of(clone)
    clone.set_weights(cell.get_weights())
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)[0]), keras.ops.convert_to_numpy(clone_layer(x)[0]))


def test_coupled_without_forget_gate_is_refused_with_the_reason():
    with pytest.raises(ValueError, match=r"^VariantLSTMCell: coupled=True needs the forget gate"):
        VariantLSTMCell(H, coupled=True, forget_gate=False)


def test_switches_must_be_booleans_and_units_positive():
    with pytest.raises(ValueError, match=r"VariantLSTMCell: peephole must be True or False, got 1"):
        VariantLSTMCell(H, peephole=1)
    with pytest.raises(ValueError,
                       match=r"^VariantLSTMCell: argument units expected a positive integer, got 0$"):
        VariantLSTMCell(0)


def test_docstring_example_runs():
    from course_pkg.cells import variant_lstm

    result = doctest.testmod(variant_lstm, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 3 and result.failed == 0
