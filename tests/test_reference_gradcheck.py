"""The gradient checker itself: exact on known gradients, loud on wrong ones, float64 only."""

import numpy as np
import pytest

from course_pkg.reference import format_gradient_check, gradient_check, numerical_gradient, relative_error


def test_relative_error_values():
    assert relative_error(np.array([1.0, 0.0]), np.array([1.0, 0.0])) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    # ||(2,0) - (0,0)|| / (2 + 0) = 1
    assert relative_error(np.array([2.0, 0.0]), np.zeros(2)) == 1.0
    assert relative_error(np.array([1.0]), np.array([1.0 + 2e-8])) == pytest.approx(1e-8, rel=1e-6)


def test_numerical_gradient_of_a_cubic_and_input_untouched():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-9)
    np.testing.assert_array_equal(x, [[1.0, -2.0], [0.5, 3.0]])


def test_gradient_check_flags_a_wrong_gradient_and_passes_a_right_one():
    params = {"a": np.array([1.0, 2.0]), "b": np.array([[3.0]])}

    def loss(q):
        return float(np.sum(q["a"] ** 2) * q["b"][0, 0])

    right = {"a": 2 * params["a"] * 3.0, "b": np.array([[5.0]])}
    wrong = {"a": params["a"] * 3.0, "b": np.array([[5.0]])}
    good, bad = gradient_check(loss, params, right), gradient_check(loss, params, wrong)
    print("\n" + format_gradient_check(bad))
    assert max(good.values()) < 1e-9
    assert bad["a"] == pytest.approx(1 / 3, rel=1e-6) and bad["b"] < 1e-9
    assert "a          3.33e-01  FAIL" in format_gradient_check(bad)


def test_gradient_check_refuses_float32():
    with pytest.raises(ValueError, match=r"gradient_check: params\['w'\] must be float64, got float32"):
        gradient_check(lambda q: 0.0, {"w": np.zeros(2, np.float32)}, {"w": np.zeros(2)})
