"""Gradient clipping by value and by global norm."""

import numpy as np
import pytest

from course_pkg.reference import clip_by_global_norm, clip_by_value, global_norm


def test_global_norm_is_exact():
    # sqrt(3^2 + 4^2 + 12^2) = 13
    assert global_norm([np.array([3.0, 4.0]), np.array([[12.0]])]) == 13.0


def test_clip_by_global_norm_rescales_to_max_norm_and_keeps_the_direction():
    grads = {"W": np.array([3.0, 4.0]), "U": np.array([[12.0]])}
    clipped, norm = clip_by_global_norm(grads, max_norm=6.5)
    assert norm == 13.0
    assert isinstance(clipped, dict) and list(clipped) == ["W", "U"]
    assert global_norm(clipped) == pytest.approx(6.5, rel=1e-15)
    np.testing.assert_allclose(clipped["W"], [1.5, 2.0])
    np.testing.assert_allclose(clipped["U"], [[6.0]])
    np.testing.assert_array_equal(grads["W"], [3.0, 4.0])          # inputs untouched


def test_clip_by_global_norm_leaves_small_gradients_alone():
    grads = [np.array([0.3, -0.4], dtype=np.float32)]
    clipped, norm = clip_by_global_norm(grads, max_norm=1.0)
    assert isinstance(clipped, list) and norm == pytest.approx(0.5, rel=1e-7)
    np.testing.assert_array_equal(clipped[0], grads[0])
    assert clipped[0] is not grads[0] and clipped[0].dtype == np.float32


def test_clip_by_global_norm_keeps_float32():
    clipped, _ = clip_by_global_norm((np.full(4, 10.0, np.float32),), max_norm=1.0)
    assert isinstance(clipped, tuple) and clipped[0].dtype == np.float32
    assert np.linalg.norm(clipped[0]) == pytest.approx(1.0, rel=1e-6)


def test_clip_by_value_clips_each_entry_and_returns_the_same_container():
    grads = (np.array([-7.0, 0.5, 9.0]), np.array([[2.0]]))
    clipped = clip_by_value(grads, 1.0)
    assert isinstance(clipped, tuple)
    np.testing.assert_array_equal(clipped[0], [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(clipped[1], [[1.0]])
    np.testing.assert_array_equal(grads[0], [-7.0, 0.5, 9.0])


@pytest.mark.parametrize("limit", [0, -1.0])
def test_clip_limits_must_be_positive(limit):
    with pytest.raises(ValueError, match=rf"clip_by_value: limit must be a positive number \(> 0\), got {limit}"):
        clip_by_value([np.ones(2)], limit)
    with pytest.raises(ValueError, match=rf"clip_by_global_norm: max_norm must be a positive number \(> 0\), got {limit}"):
        clip_by_global_norm([np.ones(2)], limit)
