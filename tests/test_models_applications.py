"""Every model of every application chapter keeps its recurrent layers on the fused cuDNN kernel:
Keras LSTM / GRU with tanh and sigmoid, no recurrent dropout, not unrolled, with biases, GRUs with
reset_after=True, cuDNN not switched off. Each ``course_pkg.models.<app>`` lists its models in
``EXAMPLE_MODELS`` (name -> builder of a small instance); every layer of each, nested ones
(Bidirectional, TimeDistributed, sub-models) included, is checked."""

import importlib

import pytest

pytestmark = pytest.mark.keras

#: The model module of each application recipe (the reversed-source study uses translation's).
MODEL_MODULES = ("sentiment", "slot_filling", "translation", "music", "time_series", "speech",
                 "captioning", "video", "after_rnns", "dilated")


def recurrent_problems(layer) -> list[str]:
    """What keeps ``layer`` off the cuDNN kernel (empty: nothing, or it is not recurrent)."""
    import keras

    if isinstance(layer, keras.layers.SimpleRNN) or type(layer) is keras.layers.RNN:
        return [f"{layer.name}: {type(layer).__name__} has no cuDNN kernel"]
    if not isinstance(layer, (keras.layers.LSTM, keras.layers.GRU)):
        return []
    cell = layer.cell
    wanted = {"activation": "tanh", "recurrent_activation": "sigmoid"}
    problems = [f"{layer.name}: {key} is {getattr(cell, key).__name__}"
                for key, name in wanted.items() if getattr(cell, key).__name__ != name]
    if cell.recurrent_dropout:
        problems.append(f"{layer.name}: recurrent_dropout={cell.recurrent_dropout}")
    if layer.unroll:
        problems.append(f"{layer.name}: unroll=True")
    if not cell.use_bias:
        problems.append(f"{layer.name}: use_bias=False")
    if isinstance(layer, keras.layers.GRU) and not cell.reset_after:
        problems.append(f"{layer.name}: reset_after=False")
    if getattr(layer, "use_cudnn", "auto") is False:
        problems.append(f"{layer.name}: use_cudnn=False")
    return problems


def all_layers(model):
    return list(model._flatten_layers(include_self=False, recursive=True))


@pytest.mark.parametrize("app", MODEL_MODULES)
def test_every_recurrent_layer_is_cudnn_eligible(app):
    import keras

    module = importlib.import_module(f"course_pkg.models.{app}")
    assert module.EXAMPLE_MODELS, f"course_pkg.models.{app}.EXAMPLE_MODELS is empty"
    checked = 0
    for name, build in module.EXAMPLE_MODELS.items():
        model = build()
        layers = all_layers(model)
        problems = [p for layer in layers for p in recurrent_problems(layer)]
        assert not problems, f"{app}.{name}: {problems}"
        checked += sum(isinstance(layer, (keras.layers.LSTM, keras.layers.GRU)) for layer in layers)
    if app != "after_rnns":  # its minGRU and Transformer have no Keras recurrent layer by design
        assert checked > 0, f"no LSTM or GRU found in course_pkg.models.{app}"


def test_the_check_catches_each_departure():
    import keras

    assert recurrent_problems(keras.layers.LSTM(4)) == []
    assert recurrent_problems(keras.layers.GRU(4, reset_after=False, name="g")) == ["g: reset_after=False"]
    bad = keras.layers.LSTM(4, activation="relu", recurrent_dropout=0.1, unroll=True, use_bias=False)
    assert len(recurrent_problems(bad)) == 4
    assert recurrent_problems(keras.layers.SimpleRNN(4))[0].endswith("has no cuDNN kernel")
