"""Door checks: every message names the function, the argument, what was expected and what came."""

import re

import numpy as np
import pytest

from course_pkg.reference import (
    many_to_many_loss,
    random_rnn_params,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
    softmax_cross_entropy,
)


def _raises(message):
    return pytest.raises(ValueError, match=re.escape(message))


def test_step_shape_mismatch_names_argument_expected_and_received():
    x, W, U, b = np.zeros((4, 3)), np.zeros((3, 5)), np.zeros((5, 5)), np.zeros(5)
    with _raises("rnn_step_forward: h_prev must have shape (N, H) = (4, 5), got (4, 6)"):
        rnn_step_forward(x, np.zeros((4, 6)), W, U, b)
    with _raises("rnn_step_forward: U must have shape (H, H) = (5, 5), got (5, 4)"):
        rnn_step_forward(x, np.zeros((4, 5)), W, np.zeros((5, 4)), b)
    with _raises("rnn_step_forward: W must have shape (D, H) = (3, 5), got (2, 5)"):
        rnn_step_forward(x, np.zeros((4, 5)), np.zeros((2, 5)), U, b)
    with _raises("rnn_step_forward: b must have shape (H,) = (5,), got (6,)"):
        rnn_step_forward(x, np.zeros((4, 5)), W, U, np.zeros(6))


def test_wrong_ndim_is_reported_with_the_expected_shape():
    with _raises("rnn_forward: x must be a 3-D array of shape (N, T, D) = (?, ?, ?), got a 2-D array of shape (4, 3)"):
        rnn_forward(np.zeros((4, 3)), np.zeros((4, 5)), np.zeros((3, 5)), np.zeros((5, 5)), np.zeros(5))
    with _raises("rnn_forward: h0 must be a 2-D array of shape (N, H) = (4, 5), got a 3-D array of shape (4, 1, 5)"):
        rnn_forward(np.zeros((4, 2, 3)), np.zeros((4, 1, 5)), np.zeros((3, 5)), np.zeros((5, 5)), np.zeros(5))


def test_mixed_dtypes_name_both_arrays():
    with _raises("rnn_step_forward: mixed dtypes: x is float32 but W is float64"):
        rnn_step_forward(np.zeros((4, 3), np.float32), np.zeros((4, 5), np.float32),
                         np.zeros((3, 5)), np.zeros((5, 5)), np.zeros(5))


def test_integer_inputs_are_refused():
    with _raises("rnn_step_forward: x must be float32 or float64, got int64"):
        rnn_step_forward(np.zeros((4, 3), np.int64), np.zeros((4, 5)), np.zeros((3, 5)), np.zeros((5, 5)), np.zeros(5))


def test_backward_checks_the_upstream_gradient():
    _, cache = rnn_step_forward(np.zeros((4, 3)), np.zeros((4, 5)), np.zeros((3, 5)), np.zeros((5, 5)), np.zeros(5))
    with _raises("rnn_step_backward: dh_next must have shape (N, H) = (4, 5), got (5, 4)"):
        rnn_step_backward(np.zeros((5, 4)), cache)
    with _raises("rnn_step_backward: mixed dtypes: h_next is float64 but dh_next is float32"):
        rnn_step_backward(np.zeros((4, 5), np.float32), cache)
    _, seq_cache = rnn_forward(np.zeros((4, 2, 3)), np.zeros((4, 5)), np.zeros((3, 5)), np.zeros((5, 5)), np.zeros(5))
    with _raises("rnn_backward: dh must have shape (N, T, H) = (4, 2, 5), got (4, 3, 5)"):
        rnn_backward(np.zeros((4, 3, 5)), seq_cache)


def test_unknown_activation_lists_the_choices():
    with _raises("rnn_step_forward: activation must be one of ['identity', 'relu', 'sigmoid', 'tanh'], got 'softplus'"):
        rnn_step_forward(np.zeros((1, 1)), np.zeros((1, 1)), np.zeros((1, 1)), np.zeros((1, 1)), np.zeros(1),
                         activation="softplus")


def test_loss_checks_targets_and_params(rng):
    params = random_rnn_params(3, 5, rng, output_size=4)
    x, h0 = np.zeros((2, 6, 3)), np.zeros((2, 5))
    with _raises("temporal_softmax_cross_entropy: targets must have shape (N, T) = (2, 6), got (2, 5)"):
        many_to_many_loss(params, x, h0, np.zeros((2, 5), int))
    with _raises("temporal_softmax_cross_entropy: targets must hold ids in [0, 4), got values in [4, 4]"):
        many_to_many_loss(params, x, h0, np.full((2, 6), 4))
    with _raises("many_to_many_loss: params must have keys ['W', 'U', 'b', 'V', 'c'], missing ['c']"):
        many_to_many_loss({k: v for k, v in params.items() if k != "c"}, x, h0, np.zeros((2, 6), int))
    with _raises("softmax_cross_entropy: targets must be an integer array of ids, got dtype float64"):
        softmax_cross_entropy(np.zeros((2, 4)), np.zeros(2))
