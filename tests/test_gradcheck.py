"""seqlab.gradcheck: numerical gradients, relative errors, element-wise and random-direction checks.

The checks are run on a two-layer model ŷ = softmax(W2 tanh(W1 x + b1) + b2) whose backward
is written here from seqlab.functional and seqlab.losses; each check must pass on the correct
gradients and point at the parameter whose gradient was broken.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab import backend
from seqlab.functional import tanh, tanh_backward
from seqlab.gradcheck import (
    GradCheckResult,
    check_grads,
    numerical_gradient,
    numerical_gradient_array,
    random_direction_check,
    rel_error,
    relative_difference,
)
from seqlab.losses import cross_entropy

TOL = 1e-7
KEYS = ["W1", "b1", "W2", "b2"]


def two_layer(n_x=3, n_a=5, n_y=4, m=2, seed=0, xp=np):
    """params, and loss_fn() -> (loss, grads) for the current params (the model contract)."""
    g = np.random.default_rng(seed)
    params = {"W1": g.standard_normal((n_a, n_x)), "b1": g.standard_normal((n_a, 1)),
              "W2": g.standard_normal((n_y, n_a)), "b2": g.standard_normal((n_y, 1))}
    params = backend.to_device(params, xp)
    x = backend.to_device(g.standard_normal((n_x, m)), xp)
    y = backend.to_device(g.integers(0, n_y, size=m), xp)

    def loss_fn():
        p = params
        a1 = tanh(p["W1"] @ x + p["b1"])                # (n_a, m)
        loss, dz2 = cross_entropy(p["W2"] @ a1 + p["b2"], y)
        dz1 = tanh_backward(p["W2"].T @ dz2, a1)        # (n_a, m)
        grads = {"W1": dz1 @ x.T, "b1": dz1.sum(axis=1, keepdims=True),
                 "W2": dz2 @ a1.T, "b2": dz2.sum(axis=1, keepdims=True)}
        return loss, grads

    return params, loss_fn


# --------------------------------------------------------------------------- numerical gradients
@pytest.mark.parametrize("shape", [(), (1,), (3, 2), (2, 3, 4)])
def test_numerical_gradient_eq1_of_a_cubic_restores_x_exactly(shape):
    x = np.random.default_rng(0).standard_normal(shape)
    original = x.copy()
    dx = numerical_gradient(lambda v: np.sum(v ** 3), x)
    assert dx.shape == x.shape
    assert relative_difference(dx, 3 * x ** 2) < TOL
    assert np.array_equal(x, original)                  # bit-for-bit restored


@pytest.mark.parametrize("m", [1, 3])
def test_numerical_gradient_array_eq2_is_the_backward_of_a_matmul(m):
    g = np.random.default_rng(1)
    W, x, df = g.standard_normal((4, 3)), g.standard_normal((3, m)), g.standard_normal((4, m))
    dx = numerical_gradient_array(lambda v: W @ v, x, df)
    assert relative_difference(dx, W.T @ df) < 1e-9     # dx = Wᵀ df


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0])

    def boom(v):
        raise RuntimeError("forward failed")

    with pytest.raises(RuntimeError):
        numerical_gradient(boom, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_rel_error_eq4_is_safe_at_zero():
    assert rel_error(np.zeros(3), np.zeros(3)) == 0
    assert rel_error(np.array([1.0, 2.0]), np.array([1.1, 2.0])) == pytest.approx(0.1 / 2.1)
    assert rel_error(np.array([0.0]), np.array([1e-10])) == pytest.approx(1e-2)  # δ = 1e-8


def test_relative_difference_eq3_is_the_lecture_formula():
    x, y = np.array([3.0, 0.0]), np.array([0.0, 4.0])
    assert relative_difference(x, y) == pytest.approx(5 / 7)
    assert relative_difference(x, -x) == 1
    assert relative_difference(np.zeros((2, 2)), np.zeros((2, 2))) == 0


# --------------------------------------------------------------------------- element-wise check
@pytest.mark.parametrize("m", [1, 4])
def test_check_grads_passes_for_a_correct_backward(m):
    params, loss_fn = two_layer(m=m)
    _, grads = loss_fn()
    result = check_grads(loss_fn, params, grads)        # loss_fn returns (loss, grads): accepted
    assert result.passed(TOL), result
    assert set(result.errors) == set(KEYS) and result.method == "element-wise"
    assert result.details["W1"].shape == params["W1"].shape


@pytest.mark.parametrize("bug", ["b2", "W1"])
def test_check_grads_names_the_parameter_with_the_wrong_gradient(bug):
    params, loss_fn = two_layer()
    _, grads = loss_fn()
    grads[bug] = grads[bug] * 1.01                      # a 1% error in one gradient
    result = check_grads(loss_fn, params, grads)
    assert not result.passed(TOL)
    assert result.worst[0] == bug and result.errors[bug] > 1e-3
    assert all(err < TOL for k, err in result.errors.items() if k != bug)


def test_check_grads_max_elements_checks_a_random_subset():
    params, loss_fn = two_layer(n_x=12, n_a=10)
    _, grads = loss_fn()
    result = check_grads(loss_fn, params, grads, keys=["W1", "b1"], max_elements=7, seed=3)
    assert result.passed(TOL), result
    assert result.details["W1"].shape == (7,) and result.details["b1"].shape == (7,)
    again = check_grads(loss_fn, params, grads, keys=["W1", "b1"], max_elements=7, seed=3)
    np.testing.assert_array_equal(result.details["W1"], again.details["W1"])


# --------------------------------------------------------------------------- random directions
@pytest.mark.parametrize("m", [1, 4])
def test_random_direction_check_eq5_passes_and_restores_params_exactly(m):
    params, loss_fn = two_layer(m=m)
    original = {k: v.copy() for k, v in params.items()}
    loss, grads = loss_fn()
    result = random_direction_check(loss_fn, params, grads, n_directions=4, seed=0)
    assert result.passed(TOL), result
    assert set(result.errors) == {"(all)", *KEYS} and result.method == "random-direction"
    assert len(result.details["(all)"]) == 4
    for k in params:
        assert np.array_equal(params[k], original[k])
    assert loss_fn()[0] == loss


def test_random_direction_check_is_deterministic_given_the_seed():
    params, loss_fn = two_layer()
    _, grads = loss_fn()
    first = random_direction_check(loss_fn, params, grads, seed=7)
    assert random_direction_check(loss_fn, params, grads, seed=7).details == first.details
    assert random_direction_check(loss_fn, params, grads, seed=8).details != first.details


def test_random_direction_check_names_the_parameter_with_the_wrong_gradient():
    params, loss_fn = two_layer()
    _, grads = loss_fn()
    grads["W2"][0, 0] += 0.01                           # one wrong entry in one gradient
    result = random_direction_check(loss_fn, params, grads)
    assert not result.passed(TOL)
    assert result.errors["W2"] > 1e-4 and result.errors["(all)"] > TOL
    assert all(result.errors[k] < TOL for k in ("W1", "b1", "b2"))


def test_random_direction_check_without_per_key_checks_only_the_joint_direction():
    params, loss_fn = two_layer()
    _, grads = loss_fn()
    result = random_direction_check(loss_fn, params, grads, per_key=False, n_directions=2)
    assert list(result.errors) == ["(all)"] and result.passed(TOL)


def test_result_repr_lists_every_key_and_the_worst():
    result = GradCheckResult({"W_aa": 1e-9, "b_a": 3e-2}, "element-wise", 1e-5)
    text = repr(result)
    assert "worst 'b_a': 3.00e-02" in text and "W_aa" in text and "1.00e-09" in text
    assert result.worst == ("b_a", 3e-2)
    assert not result.passed(1e-7) and result.passed(0.1)
    assert not GradCheckResult({"W": float("nan")}, "element-wise", 1e-5).passed(1.0)


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(("call", "exc", "names"), [
    (lambda p, f, g: check_grads(lambda: np.ones(2), p, g), TypeError, "check_grads(f)"),
    (lambda p, f, g: check_grads(f, p, g, keys=["W_zz"]), KeyError, "check_grads(keys)"),
    (lambda p, f, g: check_grads(f, p, {**g, "b1": g["b1"].T}), ValueError,
     "check_grads(grads)"),
    (lambda p, f, g: check_grads(f, {**p, "b1": np.ones((5, 1), int)}, g), TypeError,
     "check_grads(params['b1'])"),
    (lambda p, f, g: random_direction_check(f, p, g, n_directions=0), ValueError,
     "random_direction_check(n_directions)"),
    (lambda p, f, g: random_direction_check(lambda: (np.ones(3), g), p, g), TypeError,
     "random_direction_check(loss_fn)"),
    (lambda p, f, g: numerical_gradient(lambda v: v.sum(), np.arange(3)), TypeError,
     "numerical_gradient(x)"),
    (lambda p, f, g: numerical_gradient_array(lambda v: v, np.ones(3), np.ones(2)), ValueError,
     "numerical_gradient_array(df)"),
    (lambda p, f, g: rel_error(np.ones(3), np.ones((3, 1))), ValueError, "rel_error(y)"),
])
def test_error_messages_name_the_argument(call, exc, names):
    params, loss_fn = two_layer()
    _, grads = loss_fn()
    with pytest.raises(exc) as info:
        call(params, loss_fn, grads)
    assert names in str(info.value)


# --------------------------------------------------------------------------- CuPy
@pytest.mark.skipif(not backend.cupy_available(), reason="needs CuPy and a GPU")
def test_checks_run_on_cupy_arrays_and_agree_with_numpy():
    with backend.using("cupy"):
        cp = backend.xp_default()                       # the cupy module, via the backend
    params, loss_fn = two_layer(xp=cp)
    _, grads = loss_fn()
    assert isinstance(grads["W1"], cp.ndarray)
    assert check_grads(loss_fn, params, grads).passed(TOL)
    on_gpu = random_direction_check(loss_fn, params, grads, seed=0)
    params_np, loss_np = two_layer()
    on_cpu = random_direction_check(loss_np, params_np, loss_np()[1], seed=0)
    assert on_gpu.passed(TOL)
    for key, pairs in on_cpu.details.items():
        np.testing.assert_allclose(on_gpu.details[key], pairs, rtol=1e-6)
