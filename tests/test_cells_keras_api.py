"""Our Keras cells as Keras layers: lazy import, config round trip, ``.keras`` save and load,
mixed precision, initial weights, door checks and the docstring examples.

Backend-agnostic: run once as is (TensorFlow) and once with ``KERAS_BACKEND=jax``.
"""

import doctest
import inspect
import subprocess
import sys

import keras
import numpy as np
import pytest

import course_pkg.cells as cells
from course_pkg.cells import (
    CoupledLSTMCell,
    ElmanCell,
    PeepholeLSTMCell,
    cell_params,
    cell_reference,
    set_cell_params,
)
from course_pkg.reference import ACTIVATIONS, bidirectional_forward, recurrent_forward

pytestmark = pytest.mark.keras

BACKEND = keras.backend.backend()
N, T, D, H = 3, 5, 4, 6
CELL_CLASSES = {"elman": ElmanCell, "peephole-lstm": PeepholeLSTMCell, "coupled-lstm": CoupledLSTMCell}
# A non-default value for every constructor argument, to see that get_config keeps each one.
NON_DEFAULT = {
    "elman": dict(activation="relu"),
    "peephole-lstm": dict(unit_forget_bias=False, peephole_initializer="ones"),
    "coupled-lstm": dict(unit_forget_bias=False),
}
COMMON = dict(kernel_initializer="he_normal", recurrent_initializer="identity", bias_initializer="ones")


def constructor_arguments(cls) -> set[str]:
    """Every named argument of the constructors from ``cls`` up to (not including) Layer."""
    names = set()
    for klass in cls.__mro__:
        if klass is keras.layers.Layer:
            break
        if "__init__" in vars(klass):
            names |= {p.name for p in inspect.signature(klass.__init__).parameters.values()
                      if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"}
    return names


def same_setting(saved, given) -> bool:
    """A config entry equals the argument given: "he_normal" is saved as {"class_name": "HeNormal"}."""
    def norm(v):
        v = v["class_name"] if isinstance(v, dict) else v
        return v.lower().replace("_", "") if isinstance(v, str) else v
    return norm(saved) == norm(given)


def randomised(layer, rng):
    """Load random reference parameters (non-zero biases and peepholes) into a built layer."""
    ref = cell_reference(layer)
    if hasattr(ref, "merge_mode"):
        params = {side: ref.cell.random_params(D, H, rng, np.float32) for side in ("forward", "backward")}
    else:
        params = ref.random_params(D, H, rng, np.float32)
    set_cell_params(layer, params)
    return params


@pytest.fixture
def mixed_precision():
    """The global dtype policy set to mixed_float16 for one test, and always reset after it."""
    previous = keras.config.dtype_policy()
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    try:
        yield "mixed_float16"
    finally:
        keras.mixed_precision.set_dtype_policy(previous)


# ------------------------------------------------------------------------------- the package

def test_importing_course_pkg_cells_does_not_import_keras_until_a_cell_is_asked_for():
    code = ("import sys, course_pkg.cells as c; a = 'keras' in sys.modules; "
            "cls = c.PeepholeLSTMCell; print(a, 'keras' in sys.modules, cls.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "PeepholeLSTMCell"]


def test_unknown_attribute_of_the_package_raises_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'GRUCellX'"):
        cells.GRUCellX
    assert {"ElmanCell", "PeepholeLSTMCell", "CoupledLSTMCell"} <= set(dir(cells))


def test_elman_activations_are_the_reference_activations():
    from course_pkg.cells.elman import ELMAN_ACTIVATIONS

    assert sorted(ELMAN_ACTIVATIONS) == sorted(ACTIVATIONS) == ["identity", "relu", "sigmoid", "tanh"]


# ------------------------------------------------------------------------------- serialization

@pytest.mark.parametrize("key", CELL_CLASSES)
def test_get_config_holds_every_constructor_argument_and_from_config_rebuilds_the_cell(key):
    cls = CELL_CLASSES[key]
    cell = cls(7, name="my_cell", **COMMON, **NON_DEFAULT[key])
    config = cell.get_config()
    assert constructor_arguments(cls) <= set(config), constructor_arguments(cls) - set(config)
    assert config["units"] == 7 and config["name"] == "my_cell"
    for name, value in {**COMMON, **NON_DEFAULT[key]}.items():
        assert same_setting(config[name], value), (name, config[name], value)
    clone = cls.from_config(config)
    assert type(clone) is cls and clone.get_config() == config


@pytest.mark.parametrize("key", CELL_CLASSES)
def test_keras_file_save_and_load_gives_identical_outputs(key, tmp_path, rng):
    cls = CELL_CLASSES[key]
    inputs = keras.Input((T, D))
    seq = keras.layers.RNN(cls(H, **NON_DEFAULT[key]), return_sequences=True, name="rnn")(inputs)
    outputs = keras.layers.Bidirectional(keras.layers.RNN(cls(H)), name="bi")(seq[..., :D])
    model = keras.Model(inputs, [seq, outputs])
    rnn_params = randomised(model.get_layer("rnn"), rng)
    randomised(model.get_layer("bi"), rng)
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    before = [keras.ops.convert_to_numpy(y) for y in model(x)]

    path = tmp_path / f"{key}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    after = [keras.ops.convert_to_numpy(y) for y in loaded(x)]

    assert type(loaded.get_layer("rnn").cell) is cls
    assert type(loaded.get_layer("bi").forward_layer.cell) is cls
    for b, a in zip(before, after):
        np.testing.assert_array_equal(a, b)
    for name, value in cell_params(loaded.get_layer("rnn")).items():
        np.testing.assert_array_equal(value, rnn_params[name])
    print(f"\n[{BACKEND}] {key}: .keras round trip, max |diff| "
          f"{max(float(np.abs(a - b).max()) for a, b in zip(after, before)):.1e}")


# ------------------------------------------------------------------------------- mixed precision

@pytest.mark.parametrize("key", CELL_CLASSES)
def test_mixed_precision_computes_in_float16_with_float32_variables(key, mixed_precision, rng):
    cls = CELL_CLASSES[key]
    layer = keras.layers.RNN(cls(H), return_sequences=True, return_state=True)
    layer.build((None, T, D))
    params = randomised(layer, rng)
    assert layer.cell.compute_dtype == "float16" and layer.cell.variable_dtype == "float32"
    assert {keras.backend.standardize_dtype(v.dtype) for v in layer.weights} == {"float32"}
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    y, *states = layer(x)
    assert {keras.backend.standardize_dtype(a.dtype) for a in [y, *states]} == {"float16"}
    want, _ = recurrent_forward(cell_reference(layer), x.astype(np.float64),
                                {k: v.astype(np.float64) for k, v in params.items()})
    diff = float(np.abs(keras.ops.convert_to_numpy(y).astype(np.float64) - want).max())
    print(f"\n[{BACKEND} mixed_float16] {key}: max |diff| vs float64 reference {diff:.2e}")
    assert diff < 1e-2

    bi = keras.layers.Bidirectional(keras.layers.RNN(cls(H), return_sequences=True))
    bi.build((None, T, D))
    bi_params = randomised(bi, rng)
    y_bi = bi(x)
    assert keras.backend.standardize_dtype(y_bi.dtype) == "float16"
    want_bi, _ = bidirectional_forward(cell_reference(bi).cell, x.astype(np.float64),
                                       {side: {k: v.astype(np.float64) for k, v in p.items()}
                                        for side, p in bi_params.items()})
    assert float(np.abs(keras.ops.convert_to_numpy(y_bi).astype(np.float64) - want_bi).max()) < 1e-2


def test_the_dtype_policy_is_float32_outside_the_mixed_precision_test():
    assert keras.config.dtype_policy().name == "float32"
    assert ElmanCell(2).compute_dtype == "float32"


# ------------------------------------------------------------------------------- initial weights

def test_fresh_lstm_cells_start_with_a_unit_forget_bias_and_zero_peepholes():
    peephole = PeepholeLSTMCell(H)
    peephole.build((None, D))
    np.testing.assert_array_equal(np.asarray(peephole.bias).reshape(4, H).mean(axis=1), [0, 1, 0, 0])
    for name in ("p_i", "p_f", "p_o"):
        np.testing.assert_array_equal(np.asarray(getattr(peephole, name)), np.zeros(H))
    coupled = CoupledLSTMCell(H)
    coupled.build((None, D))
    assert tuple(coupled.kernel.shape) == (D, 3 * H)
    np.testing.assert_array_equal(np.asarray(coupled.bias).reshape(3, H).mean(axis=1), [1, 0, 0])
    no_forget_bias = CoupledLSTMCell(H, unit_forget_bias=False)
    no_forget_bias.build((None, D))
    np.testing.assert_array_equal(np.asarray(no_forget_bias.bias), np.zeros(3 * H))


def test_peephole_cell_with_zero_peepholes_computes_what_keras_lstm_computes(rng):
    ours = keras.layers.RNN(PeepholeLSTMCell(H), return_sequences=True)
    theirs = keras.layers.LSTM(H, return_sequences=True)
    ours.build((None, T, D))
    theirs.build((None, T, D))
    params = randomised(ours, rng)
    params.update(p_i=np.zeros(H), p_f=np.zeros(H), p_o=np.zeros(H))
    set_cell_params(ours, params)
    theirs.set_weights([params["W"], params["U"], params["b"]])
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    diff = float(np.abs(keras.ops.convert_to_numpy(ours(x)) - keras.ops.convert_to_numpy(theirs(x))).max())
    print(f"\n[{BACKEND}] PeepholeLSTMCell(p = 0) vs keras.layers.LSTM: max |diff| {diff:.2e}")
    assert diff < 1e-5


def test_linear_elman_cell_reproduces_the_lectures_worked_example():
    layer = keras.layers.RNN(ElmanCell(2, activation="identity"), return_sequences=True)
    layer.build((None, 3, 2))
    set_cell_params(layer, {"W": np.ones((2, 2)), "U": np.ones((2, 2)), "b": np.zeros(2)})
    x = np.array([[[1, 1], [1, 1], [2, 2]], [[2, 2], [1, 1], [1, 1]]], dtype=np.float32)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)),
                                  [[[2, 2], [6, 6], [16, 16]], [[4, 4], [10, 10], [22, 22]]])


# ------------------------------------------------------------------------------- door checks

@pytest.mark.parametrize("key", CELL_CLASSES)
@pytest.mark.parametrize("units", [0, -3, 2.5, True, "4"])
def test_units_must_be_a_positive_integer(key, units):
    cls = CELL_CLASSES[key]
    with pytest.raises(ValueError, match=rf"{cls.__name__}: argument units expected a positive "
                                         rf"integer, got {units!r}"):
        cls(units)


def test_units_zero_message_is_exact():
    with pytest.raises(ValueError) as info:
        ElmanCell(0)
    assert str(info.value) == "ElmanCell: argument units expected a positive integer, got 0"


def test_unknown_activation_names_the_allowed_ones():
    with pytest.raises(ValueError) as info:
        ElmanCell(4, activation="gelu")
    assert str(info.value) == ("ElmanCell: argument activation expected one of "
                               "['identity', 'relu', 'sigmoid', 'tanh'], got 'gelu'")


def test_unit_forget_bias_must_be_a_bool():
    with pytest.raises(ValueError, match="CoupledLSTMCell: argument unit_forget_bias expected True or "
                                         "False, got 'yes'"):
        CoupledLSTMCell(4, unit_forget_bias="yes")


def test_build_needs_a_known_input_size():
    with pytest.raises(ValueError, match=r"PeepholeLSTMCell: inputs must have shape \(N, D\) with a "
                                         r"known D, got \(None, None\)"):
        PeepholeLSTMCell(4).build((None, None))


def test_converters_name_the_parameter_and_the_shapes(rng):
    layer = keras.layers.RNN(CoupledLSTMCell(H))
    with pytest.raises(ValueError, match="cell_params: layer 'coupled_lstm_cell.*' is not built"):
        cell_params(layer)
    layer.build((None, T, D))
    params = randomised(layer, rng)
    with pytest.raises(ValueError, match=r"set_cell_params: U must have shape \(6, 18\) to match "
                                         r"CoupledLSTMCell '.*', got \(6, 24\)"):
        set_cell_params(layer, {**params, "U": np.zeros((H, 4 * H))})
    with pytest.raises(ValueError, match=r"must have keys \['W', 'U', 'b'\], got \['U', 'W', 'b', 'p_i'\]"):
        set_cell_params(layer, {**params, "p_i": np.zeros(H)})
    with pytest.raises(ValueError, match="cell_params: layer must be a Keras Elman or PeepholeLSTM or "
                                         "CoupledLSTM layer, got LSTM"):
        cell_params(keras.layers.LSTM(H))
    bi = keras.layers.Bidirectional(keras.layers.RNN(ElmanCell(H)))
    bi.build((None, T, D))
    with pytest.raises(ValueError, match=r"set_cell_params: params must be a dict with keys "
                                         r"\['backward', 'forward'\], got \['U', 'W', 'b'\]"):
        set_cell_params(bi, params)


# ------------------------------------------------------------------------------- documentation

@pytest.mark.parametrize("module", ["elman", "peephole_lstm", "coupled_lstm"])
def test_docstring_examples_run_and_show_the_shapes_they_claim(module):
    mod = __import__(f"course_pkg.cells.{module}", fromlist=["_"])
    result = doctest.testmod(mod, verbose=False)
    assert result.attempted >= 3 and result.failed == 0


@pytest.mark.parametrize("key", CELL_CLASSES)
def test_docstrings_have_args_call_arguments_and_an_example(key):
    doc = CELL_CLASSES[key].__doc__
    for section in ("Args:", "Call arguments:", "Example:"):
        assert section in doc, section
