"""Stacked and bidirectional wrappers and masks over every cell: float64 gradient checks and the
behaviour Keras has (masked steps keep the state; zero or carried outputs)."""

import numpy as np
import pytest

from course_pkg.reference import (
    Bidirectional,
    GRUCell,
    LSTMCell,
    LSTMVariant,
    RNNCell,
    bidirectional_backward,
    bidirectional_forward,
    format_gradient_check,
    gradient_check,
    is_right_padded,
    mask_from_lengths,
    random_stacked_params,
    recurrent_backward,
    recurrent_forward,
    stacked_backward,
    stacked_forward,
)

TOL = 1e-7
N, T, D, H = 3, 4, 3, 4
CELLS = {"rnn": RNNCell(), "lstm": LSTMCell(), "gru": GRUCell(), "gru_reset_before": GRUCell(reset_after=False),
         "lstm_peephole": LSTMCell(LSTMVariant(peephole=True))}
LENGTHS = [4, 2, 1]     # right-padded: full, half, one step


def _flatten(params, prefix=""):
    """{"0/forward/W": array, ...} from nested lists and dicts of arrays."""
    if isinstance(params, dict):
        items = params.items()
    elif isinstance(params, (list, tuple)):
        items = ((str(k), v) for k, v in enumerate(params))
    else:
        return {prefix.rstrip("/"): params}
    flat = {}
    for key, value in items:
        flat.update(_flatten(value, f"{prefix}{key}/"))
    return flat


def _unflatten(flat, like, prefix=""):
    if isinstance(like, dict):
        return {k: _unflatten(flat, v, f"{prefix}{k}/") for k, v in like.items()}
    if isinstance(like, (list, tuple)):
        return [_unflatten(flat, v, f"{prefix}{k}/") for k, v in enumerate(like)]
    return flat[prefix.rstrip("/")]


def _check(title, forward, backward, params, x, rng):
    """Gradient check of every parameter and of x, for a scalar sum(y * dy)."""
    y, cache = forward(x, params)
    dy = rng.standard_normal(y.shape)
    dx, dparams = backward(dy, cache)
    point = {"x": x, **_flatten(params)}

    def loss(q):
        return float(np.sum(forward(q["x"], _unflatten(q, params))[0] * dy))

    errors = gradient_check(loss, point, {"x": dx, **_flatten(dparams)})
    print(f"\n{title}\n{format_gradient_check(errors, TOL)}")
    worst = max(errors, key=errors.get)
    assert errors[worst] <= TOL, f"{title}: gradient of {worst} is wrong ({errors[worst]:.2e})"
    return errors


def _recurrent(cell, mask=None, return_sequences=True, **kw):
    def forward(x, p):
        return recurrent_forward(cell, x, p, mask=mask, return_sequences=return_sequences, **kw)

    def backward(dy, cache):
        dx, _, dp = recurrent_backward(dy, cache)
        return dx, dp
    return forward, backward


@pytest.mark.parametrize("name", list(CELLS))
@pytest.mark.parametrize("zero_output", [False, True])
def test_masked_sequences_gradients_match_centred_differences(rng, name, zero_output):
    cell = CELLS[name]
    mask = mask_from_lengths(LENGTHS, T)
    forward, backward = _recurrent(cell, mask, zero_output_for_mask=zero_output)
    _check(f"{name} masked (zero_output={zero_output})", forward, backward,
           cell.random_params(D, H, rng), rng.standard_normal((N, T, D)), rng)


@pytest.mark.parametrize("name", ["lstm", "gru"])
def test_masked_last_output_and_go_backwards_gradients(rng, name):
    cell = CELLS[name]
    forward, backward = _recurrent(cell, mask_from_lengths(LENGTHS, T), return_sequences=False, go_backwards=True)
    _check(f"{name} masked, go_backwards, last output", forward, backward,
           cell.random_params(D, H, rng), rng.standard_normal((N, T, D)), rng)


@pytest.mark.parametrize("name", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "ave", "mul"])
def test_bidirectional_gradients_match_centred_differences(rng, name, merge_mode):
    cell = CELLS[name]
    params = {"forward": cell.random_params(D, H, rng), "backward": cell.random_params(D, H, rng)}

    def forward(x, p):
        return bidirectional_forward(cell, x, p, merge_mode=merge_mode)

    _check(f"bidirectional {name} ({merge_mode})", forward, bidirectional_backward,
           params, rng.standard_normal((N, T, D)), rng)


@pytest.mark.parametrize("return_sequences", [True, False])
def test_masked_bidirectional_gradients_match_centred_differences(rng, return_sequences):
    cell = CELLS["lstm"]
    params = {"forward": cell.random_params(D, H, rng), "backward": cell.random_params(D, H, rng)}
    mask = mask_from_lengths(LENGTHS, T)

    def forward(x, p):
        return bidirectional_forward(cell, x, p, mask=mask, return_sequences=return_sequences)

    _check(f"bidirectional lstm masked (return_sequences={return_sequences})", forward,
           bidirectional_backward, params, rng.standard_normal((N, T, D)), rng)


STACKS = {
    "lstm+lstm": [LSTMCell(), LSTMCell()],
    "gru+rnn": [GRUCell(), RNNCell()],
    "bi-lstm(concat)+gru": [Bidirectional(LSTMCell()), GRUCell(reset_after=False)],
    "bi-gru(sum)+bi-lstm(concat)": [Bidirectional(GRUCell(), "sum"), Bidirectional(LSTMCell())],
}


@pytest.mark.parametrize("name", list(STACKS))
@pytest.mark.parametrize("masked", [False, True])
def test_stacked_two_layers_gradients_match_centred_differences(rng, name, masked):
    layers = STACKS[name]
    params = random_stacked_params(layers, D, [H, 3], rng)
    mask = mask_from_lengths(LENGTHS, T) if masked else None

    def forward(x, p):
        return stacked_forward(layers, x, p, mask=mask, return_sequences=not masked)

    _check(f"stacked {name} (masked={masked})", forward, stacked_backward, params,
           rng.standard_normal((N, T, D)), rng)


@pytest.mark.parametrize("name", ["rnn", "lstm", "gru"])
def test_all_true_mask_equals_no_mask(rng, name):
    cell = CELLS[name]
    p = cell.random_params(D, H, rng)
    x = rng.standard_normal((N, T, D))
    y, _ = recurrent_forward(cell, x, p)
    y_masked, _ = recurrent_forward(cell, x, p, mask=np.ones((N, T), bool))
    np.testing.assert_allclose(y_masked, y, rtol=0, atol=1e-14)


@pytest.mark.parametrize("name", ["rnn", "lstm", "gru"])
def test_masked_steps_keep_the_state_and_carry_or_zero_the_output(rng, name):
    cell = CELLS[name]
    p = cell.random_params(D, H, rng)
    x = rng.standard_normal((N, T, D))
    mask = mask_from_lengths(LENGTHS, T)
    y, cache = recurrent_forward(cell, x, p, mask=mask)
    y_zero, cache_zero = recurrent_forward(cell, x, p, mask=mask, zero_output_for_mask=True)
    for n, length in enumerate(LENGTHS):
        alone, alone_cache = recurrent_forward(cell, x[n:n + 1, :length], p)   # the real steps only
        np.testing.assert_allclose(y[n, :length], alone[0], atol=1e-14)
        np.testing.assert_allclose(y[n, length:], np.broadcast_to(alone[0, -1], (T - length, H)), atol=1e-14)
        np.testing.assert_array_equal(y_zero[n, length:], 0.0)
        for final, final_alone in zip(cache.final_states, alone_cache.final_states):
            np.testing.assert_allclose(final[n], final_alone[0], atol=1e-14)


def test_bidirectional_concat_is_forward_then_reversed_backward(rng):
    cell = CELLS["gru"]
    params = {"forward": cell.random_params(D, H, rng), "backward": cell.random_params(D, H, rng)}
    x = rng.standard_normal((N, T, D))
    y, _ = bidirectional_forward(cell, x, params)
    y_f, _ = recurrent_forward(cell, x, params["forward"])
    y_b, _ = recurrent_forward(cell, x[:, ::-1], params["backward"])
    np.testing.assert_allclose(y, np.concatenate([y_f, y_b[:, ::-1]], axis=-1), atol=1e-14)
    y_sum, _ = bidirectional_forward(cell, x, params, merge_mode="sum")
    np.testing.assert_allclose(y_sum, y_f + y_b[:, ::-1], atol=1e-14)
    y_last, _ = bidirectional_forward(cell, x, params, return_sequences=False)
    np.testing.assert_allclose(y_last, np.concatenate([y_f[:, -1], y_b[:, -1]], axis=-1), atol=1e-14)


def test_masks_from_lengths_and_right_padding():
    mask = mask_from_lengths([3, 0, 1], 4)
    np.testing.assert_array_equal(mask.astype(int), [[1, 1, 1, 0], [0, 0, 0, 0], [1, 0, 0, 0]])
    assert is_right_padded(mask) and not is_right_padded(mask[:, ::-1])
    with pytest.raises(ValueError, match=r"mask_from_lengths: lengths must be in \[0, T\] = \[0, 4\], got \[0, 5\]"):
        mask_from_lengths([5, 0], 4)


def test_wrapper_errors_name_the_argument(rng):
    cell = CELLS["lstm"]
    p = cell.random_params(D, H, rng)
    x = rng.standard_normal((N, T, D))
    with pytest.raises(ValueError, match=r"recurrent_forward: mask must have shape \(N, T\) = \(3, 4\), got \(3, 5\)"):
        recurrent_forward(cell, x, p, mask=np.ones((N, T + 1), bool))
    with pytest.raises(ValueError, match="recurrent_forward: mask must be a boolean array"):
        recurrent_forward(cell, x, p, mask=np.ones((N, T)))
    with pytest.raises(ValueError, match=r"recurrent_forward: initial_states must hold 2 arrays \(N, H\) for LSTMCell, got 1"):
        recurrent_forward(cell, x, p, initial_states=(np.zeros((N, H)),))
    with pytest.raises(ValueError, match=r"bidirectional_forward: merge_mode must be one of \['concat', 'sum', 'ave', 'mul'\], got 'max'"):
        bidirectional_forward(cell, x, {"forward": p, "backward": p}, merge_mode="max")
    with pytest.raises(ValueError, match=r"bidirectional_forward: params must be a dict with keys \['backward', 'forward'\]"):
        bidirectional_forward(cell, x, p)
    with pytest.raises(ValueError, match=r"stacked_forward: params must hold one dict per layer \(2\), got 1"):
        stacked_forward([cell, cell], x, [p])
    with pytest.raises(ValueError, match=r"lstm_variant_forward: W must have shape \(D, 4H\) = \(3, 16\), got \(3, 12\)"):
        recurrent_forward(cell, x, {**p, "W": np.zeros((D, 3 * H))})
