"""The lectures' claims, measured: the dilated RNN's time reshape and receptive field, PyTorch's
nn.RNN / nn.GRU / nn.LSTM layouts against NumPy references, the NaN detection of the exploding
run, the Teddy sentences (the tag of "teddy" depends on the next word only) and the long_memory
recipe's test preset."""

import numpy as np
import pytest

from course_pkg.cells.torch_layout import (
    from_torch,
    from_torch_state_dict,
    random_torch_state,
    torch_forward,
)
from course_pkg.data import teddy
from course_pkg.experiments.exploding import exploding_vs_clipped
from course_pkg.experiments.numpy_training import first_nonfinite_step, train_reference_rnn
from course_pkg.reference.gru_cell import gru_cell_forward
from course_pkg.reference.lstm_cell import lstm_cell_forward
from course_pkg.reference.rnn import rnn_step_forward

D, H, N = 3, 5, 4


def torch_state(mode, rng, num_layers=1, bidirectional=False):
    return random_torch_state(mode, D, H, num_layers, bidirectional, rng)


def layer0(state):
    return [state[f"{n}_l0"] for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]


# --- PyTorch layouts against the NumPy reference, float64 -----------------------------------

def test_torch_gru_matches_the_reference_gru_step_with_permuted_blocks_and_two_bias_rows():
    rng = np.random.default_rng(0)
    state = torch_state("GRU", rng)
    x, h0 = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    params = from_torch("GRU", *layer0(state))
    assert params["W"].shape == (D, 3 * H) and params["b"].shape == (2, 3 * H)
    # Keras's z block is PyTorch's second block of rows, r the first, h the third
    np.testing.assert_array_equal(params["W"][:, :H], state["weight_ih_l0"][H:2 * H].T)
    np.testing.assert_array_equal(params["W"][:, H:2 * H], state["weight_ih_l0"][:H].T)
    np.testing.assert_array_equal(params["b"][1, 2 * H:], state["bias_hh_l0"][2 * H:])
    ours, _ = gru_cell_forward(x, h0, params["W"], params["U"], params["b"])
    # torch_forward starts from zeros; compare one step from h0 through the step equations
    w_ih, w_hh, b_ih, b_hh = layer0(state)
    gi, gh = x @ w_ih.T + b_ih, h0 @ w_hh.T + b_hh
    r = 1 / (1 + np.exp(-(gi[:, :H] + gh[:, :H])))
    z = 1 / (1 + np.exp(-(gi[:, H:2 * H] + gh[:, H:2 * H])))
    n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
    np.testing.assert_allclose(ours, (1 - z) * n + z * h0, rtol=0, atol=1e-12)
    zero_state, _ = gru_cell_forward(x, np.zeros((N, H)), params["W"], params["U"], params["b"])
    np.testing.assert_allclose(zero_state, torch_forward("GRU", x[None], state)[0], atol=1e-12)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_torch_rnn_matches_the_reference_rnn_step_with_the_biases_added(nonlinearity):
    rng = np.random.default_rng(1)
    state = torch_state("RNN", rng)
    x = rng.normal(size=(N, D))
    params = from_torch("RNN", *layer0(state))
    np.testing.assert_allclose(params["b"], state["bias_ih_l0"] + state["bias_hh_l0"], atol=0)
    ours, _ = rnn_step_forward(x, np.zeros((N, H)), params["W"], params["U"], params["b"],
                               activation=nonlinearity)
    theirs = torch_forward("RNN", x[None], state, nonlinearity=nonlinearity)[0]
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)


def test_torch_lstm_keeps_its_gate_order():
    rng = np.random.default_rng(2)
    state = torch_state("LSTM", rng)
    x = rng.normal(size=(N, D))
    p = from_torch("LSTM", *layer0(state))
    h, c, _ = lstm_cell_forward(x, np.zeros((N, H)), np.zeros((N, H)), p["W"], p["U"], p["b"])
    np.testing.assert_allclose(h, torch_forward("LSTM", x[None], state)[0], rtol=0, atol=1e-12)


def test_bias_false_gives_zero_biases_and_wrong_shapes_are_refused():
    rng = np.random.default_rng(3)
    w_ih, w_hh, _, _ = layer0(torch_state("GRU", rng))
    assert not from_torch("GRU", w_ih, w_hh)["b"].any()
    with pytest.raises(ValueError, match="G = 4"):
        from_torch("LSTM", w_ih, w_hh)
    with pytest.raises(ValueError, match="mode expected one of"):
        from_torch("Elman", w_ih, w_hh)
    with pytest.raises(ValueError, match="bidirectional=True"):
        from_torch_state_dict("GRU", {}, bidirectional=True)


@pytest.mark.keras
@pytest.mark.parametrize("mode", ["GRU", "LSTM", "RNN"])
def test_a_whole_torch_stack_loads_into_keras(mode):
    import keras

    from course_pkg.cells import set_model_params

    rng = np.random.default_rng(4)
    T = 6
    state = torch_state(mode, rng, num_layers=2, bidirectional=mode != "RNN")
    x = rng.normal(size=(T, N, D))                                     # batch_first=False
    if mode == "RNN":
        layers = [keras.layers.SimpleRNN(H, activation="relu", return_sequences=True)
                  for _ in range(2)]
    else:
        cls = getattr(keras.layers, mode)
        layers = [keras.layers.Bidirectional(cls(H, return_sequences=True)) for _ in range(2)]
    model = keras.Sequential([keras.Input((T, D)), *layers])
    set_model_params(model, from_torch_state_dict(mode, state, 2, mode != "RNN"))
    ours = np.asarray(model(x.transpose(1, 0, 2).astype("float32")))
    theirs = torch_forward(mode, x, state, 2, mode != "RNN", "relu" if mode == "RNN" else "tanh")
    np.testing.assert_allclose(ours, theirs.transpose(1, 0, 2), atol=2e-6)


@pytest.mark.keras
@pytest.mark.parametrize("mode", ["GRU", "LSTM", "RNN"])
def test_the_keras_model_of_a_real_torch_call_computes_what_the_torch_module_computes(mode):
    """PyTorch itself (installed by the set-up): nn.LSTM / nn.GRU / nn.RNN(input_size, hidden_size,
    num_layers=2, batch_first=True, bidirectional=True, dropout=0.1) in eval mode, and the Keras
    model keras_like_torch builds from the same arguments, loaded with the module's weights."""
    import keras
    import torch

    from course_pkg.cells import set_model_params
    from course_pkg.cells.torch_layout import keras_like_torch

    arguments = dict(input_size=D, hidden_size=H, num_layers=2, batch_first=True,
                     bidirectional=True, dropout=0.1)
    torch.manual_seed(0)
    module = getattr(torch.nn, mode)(**arguments).eval()
    model = keras_like_torch(mode, **arguments)
    assert [type(layer).__name__ for layer in model.layers] == ["Bidirectional", "Dropout",
                                                                "Bidirectional"]
    state = {k: v.detach().numpy() for k, v in module.state_dict().items()}
    set_model_params(model, from_torch_state_dict(mode, state, 2, True))
    x = np.random.default_rng(5).normal(size=(N, 6, D)).astype(np.float32)
    with torch.no_grad():
        theirs = module(torch.from_numpy(x))[0].numpy()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), theirs, atol=2e-6)
    with pytest.raises(ValueError, match="argument dropout expected a number in \\[0, 1\\), got 1.0"):
        keras_like_torch(mode, D, H, dropout=1.0)


# --- exploding gradients: the NaN detection ------------------------------------------------

def test_first_nonfinite_step():
    assert first_nonfinite_step([True, True, False, False]) == 3
    assert first_nonfinite_step([True] * 4) is None
    assert first_nonfinite_step([]) is None


def test_a_nan_weight_is_detected_even_when_another_array_is_larger():
    x = np.zeros((8, 6, 1))
    record = train_reference_rnn(x, x[:, :4], activation="tanh", delay=2, units=3, steps=2,
                                 optimizer="sgd", learning_rate=np.nan, batch_size=4)
    assert record["finite"] == [False, False] and record["nan_step"] == 1
    assert np.isnan(record["max_weight"][0])


def test_the_exploding_run_turns_nan_and_the_clipped_one_stays_finite():
    runs = exploding_vs_clipped(steps=8)
    unclipped, clipped = runs.values()
    assert unclipped["nan_step"] is not None and unclipped["nan_step"] <= 8
    assert all(np.isnan(unclipped["max_weight"][unclipped["nan_step"] - 1:]))
    assert clipped["nan_step"] is None and all(clipped["finite"])
    assert clipped["grad_norm"][0] == unclipped["grad_norm"][0]        # the same first step


# --- the Teddy sentences ---------------------------------------------------------------------

def test_the_tag_of_teddy_depends_on_the_next_word_only():
    data = teddy.teddy_sentences(3000, rng=0)
    rows = np.arange(len(data.sentences))
    teddy_id = teddy.teddy_vocab().encode(["teddy"])[0][0]
    assert (data.x[rows, data.teddy_position] == teddy_id).all()
    next_ids = data.x[rows, data.teddy_position + 1]
    tags = data.tags[rows, data.teddy_position]
    for word in set(next_ids.tolist()):                   # one tag per next word
        assert len(set(tags[next_ids == word].tolist())) == 1
    assert ((tags == teddy.TAGS.index("PER")) == data.is_person).all()
    # nothing before "teddy" tells: the same prefixes occur with both tags, about equally often
    prefixes = [" ".join(s.split()[:p]) for s, p in zip(data.sentences, data.teddy_position)]
    with_person = {p for p, y in zip(prefixes, data.is_person) if y}
    without = {p for p, y in zip(prefixes, data.is_person) if not y}
    assert with_person == without and len(with_person) == len(teddy.SUBJECTS) * len(teddy.VERBS)
    assert abs(data.is_person.mean() - 0.5) < 0.05


def test_teddy_arrays_are_right_padded_and_reproducible():
    a, b = teddy.teddy_sentences(50, rng=1), teddy.teddy_sentences(50, rng=1, length=12)
    assert a.sentences == b.sentences and b.x.shape == (50, 12)
    lengths = np.array([len(s.split()) for s in a.sentences])
    assert ((a.x > 0).sum(axis=1) == lengths).all() and ((a.tags > 0) == (a.x > 0)).all()
    with pytest.raises(ValueError, match="length expected"):
        teddy.teddy_sentences(50, rng=1, length=3)


# --- the dilated RNN -------------------------------------------------------------------------

@pytest.mark.keras
def test_dilation_split_and_merge_are_inverse_time_reshapes():
    from course_pkg.models.dilated import DilationMerge, DilationSplit

    x = np.arange(2 * 8 * 3, dtype="float32").reshape(2, 8, 3)
    split = np.asarray(DilationSplit(4)(x))
    assert split.shape == (8, 2, 3)
    np.testing.assert_array_equal(split[1, :, 0], x[0, [1, 5], 0])   # row 1: steps 1 and 5
    np.testing.assert_array_equal(np.asarray(DilationMerge(4)(split)), x)


@pytest.mark.keras
def test_a_dilation_2_layer_sees_only_every_other_step():
    import keras

    from course_pkg.models.dilated import dilated_stack

    T, t0 = 12, 3
    inputs = keras.Input((T, 2))
    model = keras.Model(inputs, dilated_stack(inputs, (2,), units=4))
    x = np.random.default_rng(0).normal(size=(1, T, 2)).astype("float32")
    bumped = x.copy()
    bumped[0, t0] += 1.0
    changed = np.abs(np.asarray(model(bumped)) - np.asarray(model(x))).max(axis=-1)[0] > 1e-6
    expected = np.array([t >= t0 and (t - t0) % 2 == 0 for t in range(T)])
    np.testing.assert_array_equal(changed, expected)


@pytest.mark.keras
def test_the_dilated_classifier_reads_every_step_and_has_the_plain_stacks_parameters():
    from course_pkg.models.dilated import EXAMPLE_MODELS, dilated_classifier

    dilated = dilated_classifier(16, 8, 32, dilations=(1, 2, 4), units=8)
    plain = dilated_classifier(16, 8, 32, dilations=(1, 1, 1), units=8)
    assert dilated.count_params() == plain.count_params()
    x = np.random.default_rng(0).integers(0, 16, size=(1, 32)).astype("int32")
    base = np.asarray(dilated(x))
    for t in (0, 7, 30):                        # every step reaches the last output
        other = x.copy()
        other[0, t] = (other[0, t] + 1) % 16
        assert np.abs(np.asarray(dilated(other)) - base).max() > 1e-7
    with pytest.raises(ValueError, match="multiple of every dilation"):
        dilated_classifier(16, 8, 30, dilations=(1, 4))
    assert set(EXAMPLE_MODELS) >= {"dilated_gru", "plain_gru"}


# --- the long_memory recipe ------------------------------------------------------------------

@pytest.mark.keras
def test_long_memory_test_preset_runs_and_the_full_result_is_committed(recipe_test_runs):
    from course_pkg.recipes import load_result
    from course_pkg.recipes import long_memory

    assert list(long_memory.PRESETS) == ["test", "book", "full"]
    document = recipe_test_runs.document("long_memory")
    assert [row["T"] for row in document["summary"]] == [10, 20]
    assert all(np.isfinite(run["test_mse"]) for run in document["runs"])
    assert all("sequences_to_solve" in run for run in document["runs"])
    assert document["hochreiter_1997"]["1000"] == 853_000
    full = load_result("long_memory", "full")
    assert full is not None and {row["T"] for row in full["summary"]} == {100, 1000}
    assert full["config"] == long_memory.PRESETS["full"]


def test_sequences_to_solve_counts_the_epochs_until_the_threshold():
    from course_pkg.recipes.long_memory import sequences_to_solve

    run = {"curve": [0.2, 0.05, 0.004], "steps_per_epoch": 10, "batch_size": 100}
    assert sequences_to_solve(run, 0.01) == 3000
    assert sequences_to_solve(run, 0.001) is None


# --- the skip GRU ----------------------------------------------------------------------------

@pytest.mark.keras
def test_the_skip_gru_copies_its_state_on_skipped_steps_and_updates_on_schedule():
    import keras

    from course_pkg.models.skip_rnn import SkipGRUCell

    cell = SkipGRUCell(4)
    layer = keras.layers.RNN(cell, return_sequences=True)
    x = np.random.default_rng(0).normal(size=(2, 12, 3)).astype("float32")
    layer(x)
    cell.w_p.assign(np.zeros((4, 1), dtype="float32"))
    cell.b_p.assign(np.array([-2.0], dtype="float32"))       # du = sigmoid(-2) = 0.119 each step
    out = np.asarray(layer(x))
    h, u = out[..., :4], out[..., 4]
    # an update, then 4 skips while ut grows by 0.119 (0.119 .. 0.476), then an update at 0.595
    np.testing.assert_array_equal(u[0], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0])
    for t in np.flatnonzero(u[0] == 0):
        np.testing.assert_array_equal(h[:, t], h[:, t - 1])
    assert np.abs(h[:, 5] - h[:, 4]).max() > 1e-4


def test_training_on_backends_refuses_unknown_backends_and_epochs():
    # The three-backend run itself is checked on the "Keras in practice" page (the book build).
    from course_pkg.experiments.backends import train_cell, train_on_backends

    with pytest.raises(ValueError, match="argument backends expected names from "
                                         "\\['tensorflow', 'jax', 'torch'\\], got \\['theano'\\]"):
        train_on_backends(("jax", "theano"))
    with pytest.raises(ValueError, match="argument epochs expected a positive integer, got 0"):
        train_cell(epochs=0)
