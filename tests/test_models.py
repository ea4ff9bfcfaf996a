"""The model builders: layer lists, cuDNN-eligible configurations, and parameter counts checked
against the formulas (SimpleRNN DH + H^2 + H, LSTM 4(DH + H^2 + H), GRU with reset_after
3(DH + H^2 + 2H), Greff's variants G(DH + H^2 + H) + PH)."""

import doctest
import importlib
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.keras

D, H, T = 2, 7, 11


def lstm_params(D, H):
    return 4 * (D * H + H * H + H)


def gru_params(D, H):
    return 3 * (D * H + H * H + 2 * H)


def simple_rnn_params(D, H):
    return D * H + H * H + H


def test_importing_course_pkg_models_does_not_import_keras():
    for name in [m for m in sys.modules if m == "course_pkg.models" or m.startswith("course_pkg.models.")]:
        del sys.modules[name]
    had_keras = "keras" in sys.modules
    importlib.import_module("course_pkg.models")
    assert had_keras or "keras" not in sys.modules


@pytest.mark.parametrize("kind,formula,layer_class", [
    ("simple_rnn", simple_rnn_params, "SimpleRNN"),
    ("lstm", lstm_params, "LSTM"),
    ("gru", gru_params, "GRU"),
])
def test_sequence_regressor_layers_and_parameter_counts_follow_the_formulas(kind, formula, layer_class):
    from course_pkg.models import sequence_regressor

    model = sequence_regressor(kind, T, D, H)
    assert [type(layer).__name__ for layer in model.layers] == [layer_class, "Dense"]
    assert model.layers[0].count_params() == formula(D, H)
    assert model.count_params() == formula(D, H) + H + 1
    assert model.output_shape == (None, 1)
    y = model(np.zeros((3, T, D), dtype="float32"))
    assert tuple(y.shape) == (3, 1)


def test_numbers_of_the_formulas_for_d2_h32():
    from course_pkg.models import sequence_regressor

    counts = {k: sequence_regressor(k, None, 2, 32).layers[0].count_params()
              for k in ("simple_rnn", "lstm", "gru")}
    assert counts == {"simple_rnn": 1120, "lstm": 4480, "gru": 3456}


@pytest.mark.parametrize("kind,blocks,peepholes", [
    ("vanilla", 4, 3), ("no_peepholes", 4, 0), ("no_forget_gate", 3, 2),
    ("no_output_gate", 3, 2), ("coupled", 3, 2),
])
def test_greff_variants_count_gate_blocks_and_peephole_vectors(kind, blocks, peepholes):
    from course_pkg.models import sequence_regressor

    model = sequence_regressor(kind, T, D, H)
    assert [type(layer).__name__ for layer in model.layers] == ["RNN", "Dense"]
    assert type(model.layers[0].cell).__name__ == "VariantLSTMCell"
    assert model.layers[0].count_params() == blocks * (D * H + H * H + H) + peepholes * H


def test_keras_layers_keep_the_cudnn_eligible_configuration():
    from course_pkg.models import recurrent_layer

    for kind in ("simple_rnn", "gru", "lstm"):
        layer = recurrent_layer(kind, H)
        assert layer.activation.__name__ == "tanh"
        assert layer.recurrent_dropout == 0 and layer.unroll is False and layer.use_bias is True
        if kind != "simple_rnn":
            assert layer.recurrent_activation.__name__ == "sigmoid"
    assert recurrent_layer("gru", H).reset_after is True


def test_unit_forget_bias_reaches_the_lstm_initial_bias():
    from course_pkg.models import sequence_regressor

    for flag, expected in ((True, H), (False, 0)):
        model = sequence_regressor("lstm", T, D, H, unit_forget_bias=flag)
        bias = np.asarray(model.layers[0].cell.bias).reshape(4, H)
        assert bias.sum(axis=1).tolist() == [0, expected, 0, 0]


def test_door_checks_name_the_argument_and_the_value():
    from course_pkg.models import recurrent_layer, sequence_regressor

    with pytest.raises(ValueError, match=r"argument kind expected one of .*got 'rnn'"):
        recurrent_layer("rnn", H)
    with pytest.raises(ValueError, match=r"^recurrent_layer: argument units expected a positive integer, got 0$"):
        recurrent_layer("lstm", 0)
    with pytest.raises(ValueError, match=r"unit_forget_bias=False needs an LSTM, got kind 'gru'"):
        recurrent_layer("gru", H, unit_forget_bias=False)
    with pytest.raises(ValueError, match=r"^sequence_regressor: argument D expected a positive integer, got 0$"):
        sequence_regressor("lstm", T, 0, H)


@pytest.mark.parametrize("module", ["recurrent_layers", "many_to_one"])
def test_docstring_examples_run(module):
    mod = importlib.import_module(f"course_pkg.models.{module}")
    result = doctest.testmod(mod)
    assert result.attempted >= 1 and result.failed == 0
