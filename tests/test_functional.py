"""seqlab.functional: σ, tanh, softmax, log-softmax, logsumexp and their backward passes.

Layers: float64 finite-difference checks of every backward (eqs. 2, 4, 8-10, 12), equality
with PyTorch in float64, stability at |z| = 1e4, dtype preservation, error messages.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from seqlab import functional as F
from seqlab.gradcheck import numerical_gradient_array, relative_difference

TOL = 1e-7  # the lecture's "great" threshold for eq. (3) of seqlab.gradcheck

# (n_y, m) column layouts with classes on axis 0, including m = 1 and n_y = 1 ...
COLUMN_SHAPES = [(1, 1), (3, 1), (1, 4), (5, 4)]
# ... and (shape, axis) pairs for the normalisers, including the Transformer's rows (axis=-1)
AXIS_CASES = [((1, 1), 0), ((3, 1), 0), ((5, 4), 0), ((5, 4), 1), ((2, 3, 4), -1),
              ((3, 2, 4), 0), ((2, 3, 4), 1)]


def randn(shape, scale=3.0, seed=0):
    return scale * np.random.default_rng(seed).standard_normal(shape)


def assert_close(ours, theirs, rtol=1e-12, atol=1e-15):
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=rtol, atol=atol)


# --------------------------------------------------------------------------- PyTorch parity
@pytest.mark.parametrize("shape", COLUMN_SHAPES + [(2, 3, 4)])
def test_sigmoid_eq1_tanh_eq3_log_sigmoid_eq11_match_torch(torch, shape):
    z = randn(shape)
    t = torch.from_numpy(z)
    assert_close(F.sigmoid(z), torch.sigmoid(t))
    assert_close(F.tanh(z), torch.tanh(t))
    assert_close(F.log_sigmoid(z), torch.nn.functional.logsigmoid(t))


@pytest.mark.parametrize(("shape", "axis"), AXIS_CASES)
def test_softmax_eq5_log_softmax_eq7_match_torch(torch, shape, axis):
    z = randn(shape)
    t = torch.from_numpy(z)
    assert_close(F.softmax(z, axis=axis), torch.softmax(t, dim=axis))
    assert_close(F.log_softmax(z, axis=axis), torch.log_softmax(t, dim=axis))


@pytest.mark.parametrize(("shape", "axis"), AXIS_CASES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_eq6_matches_torch(torch, shape, axis, keepdims):
    z = randn(shape)
    ours = F.logsumexp(z, axis=axis, keepdims=keepdims)
    theirs = torch.logsumexp(torch.from_numpy(z), dim=axis, keepdim=keepdims)
    assert ours.shape == tuple(theirs.shape)
    assert_close(ours, theirs)


@pytest.mark.parametrize(("shape", "axis"), AXIS_CASES)
def test_softmax_backward_eq8_log_softmax_backward_eq9_match_torch_autograd(torch, shape, axis):
    z, dy = randn(shape), randn(shape, scale=1.0, seed=1)
    for forward, backward, torch_fn in [(F.softmax, F.softmax_backward, torch.softmax),
                                        (F.log_softmax, F.log_softmax_backward,
                                         torch.log_softmax)]:
        t = torch.from_numpy(z).requires_grad_()
        torch_fn(t, dim=axis).backward(torch.from_numpy(dy))
        assert_close(backward(dy, forward(z, axis=axis), axis=axis), t.grad)


# --------------------------------------------------------------------------- finite differences
@pytest.mark.parametrize("shape", COLUMN_SHAPES + [(2, 3, 4)])
@pytest.mark.parametrize(("forward", "backward"), [(F.sigmoid, F.sigmoid_backward),
                                                   (F.tanh, F.tanh_backward),
                                                   (F.log_sigmoid, F.log_sigmoid_backward)],
                         ids=["sigmoid_eq2", "tanh_eq4", "log_sigmoid_eq12"])
def test_elementwise_backward_gradcheck(shape, forward, backward):
    z, da = randn(shape, scale=2.0), randn(shape, scale=1.0, seed=1)
    numerical = numerical_gradient_array(forward, z, da)
    assert relative_difference(numerical, backward(da, forward(z))) < TOL


@pytest.mark.parametrize(("shape", "axis"), AXIS_CASES)
@pytest.mark.parametrize(("forward", "backward"), [(F.softmax, F.softmax_backward),
                                                   (F.log_softmax, F.log_softmax_backward)],
                         ids=["softmax_eq8", "log_softmax_eq9"])
def test_normaliser_backward_gradcheck(shape, axis, forward, backward):
    z, dy = randn(shape), randn(shape, scale=1.0, seed=1)
    numerical = numerical_gradient_array(lambda x: forward(x, axis=axis), z, dy)
    assert relative_difference(numerical, backward(dy, forward(z, axis=axis), axis=axis)) < TOL


@pytest.mark.parametrize(("shape", "axis"), AXIS_CASES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_backward_eq10_gradcheck(shape, axis, keepdims):
    z = randn(shape)
    lse = F.logsumexp(z, axis=axis, keepdims=keepdims)
    dy = randn(lse.shape, scale=1.0, seed=1)
    numerical = numerical_gradient_array(lambda x: F.logsumexp(x, axis, keepdims), z, dy)
    analytic = F.logsumexp_backward(dy, z, lse, axis=axis, keepdims=keepdims)
    assert relative_difference(numerical, analytic) < TOL


# --------------------------------------------------------------------------- stability
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_at_plus_minus_1e4_is_exact_without_warnings(dtype):
    z = np.array([-1e4, -800.0, -50.0, 0.0, 50.0, 800.0, 1e4], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # any overflow/underflow warning fails
        a = F.sigmoid(z)
        y_log = F.log_sigmoid(z)
        da = F.sigmoid_backward(np.ones_like(a), a)
    assert a[0] == 0 and a[-1] == 1 and a[3] == 0.5
    assert np.all(np.isfinite(y_log)) and y_log[0] == -1e4 and y_log[-1] == 0
    assert np.all(np.isfinite(da))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_of_mixed_plus_minus_1e4_logits_is_finite(dtype):
    z = np.array([[1e4, -1e4, 1.0], [-1e4, 1e4, 2.0], [0.0, 0.0, 3.0]], dtype=dtype)  # (3, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = F.softmax(z)
        y_log = F.log_softmax(z)
        lse = F.logsumexp(z)
        dz = F.log_softmax_backward(np.ones_like(y_log), y_log)
    for out in (y, y_log, lse, dz):
        assert np.all(np.isfinite(out))
    np.testing.assert_allclose(y.sum(axis=0), 1, rtol=1e-6)
    assert y[0, 0] == 1 and y[1, 1] == 1
    np.testing.assert_allclose(lse[:2], 1e4, rtol=1e-7)
    assert y_log[1, 0] == -2e4


def test_softmax_allows_minus_inf_entries_for_masked_attention():
    energy = np.array([[0.5, -np.inf], [1.0, 2.0], [-np.inf, 0.0]])  # (3, 2), one -inf per column
    alpha = F.softmax(energy, axis=0)
    assert alpha[0, 1] == 0 and alpha[2, 0] == 0
    np.testing.assert_allclose(alpha.sum(axis=0), 1, rtol=1e-15)
    assert np.all(np.isfinite(F.softmax_backward(np.ones_like(alpha), alpha)))


# --------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("fn", [F.sigmoid, F.tanh, F.log_sigmoid, F.softmax, F.log_softmax,
                                F.logsumexp])
def test_float32_in_float32_out(fn):
    z = randn((4, 3)).astype(np.float32)
    assert fn(z).dtype == np.float32


def test_backward_passes_keep_float32():
    z = randn((4, 3)).astype(np.float32)
    d = np.ones_like(z)
    assert F.sigmoid_backward(d, F.sigmoid(z)).dtype == np.float32
    assert F.tanh_backward(d, F.tanh(z)).dtype == np.float32
    assert F.log_sigmoid_backward(d, F.log_sigmoid(z)).dtype == np.float32
    assert F.softmax_backward(d, F.softmax(z)).dtype == np.float32
    assert F.log_softmax_backward(d, F.log_softmax(z)).dtype == np.float32
    lse = F.logsumexp(z)
    assert F.logsumexp_backward(np.ones_like(lse), z, lse).dtype == np.float32


def test_integer_input_is_promoted_to_float64():
    assert F.sigmoid(np.array([0, 1])).dtype == np.float64
    assert F.softmax([[1, 2], [3, 4]]).dtype == np.float64


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(("call", "exc", "names"), [
    (lambda: F.sigmoid_backward(np.ones(3), np.ones((3, 1))), ValueError, "sigmoid_backward(da)"),
    (lambda: F.tanh_backward(np.ones((1, 3)), np.ones((3, 1))), ValueError, "tanh_backward(da)"),
    (lambda: F.softmax_backward(np.ones(3), np.ones((3, 1))), ValueError, "softmax_backward(dy)"),
    (lambda: F.log_softmax_backward(np.ones((3, 1)), np.ones(3)), ValueError,
     "log_softmax_backward(dy)"),
    (lambda: F.softmax(np.ones((3, 2)), axis=2), ValueError, "softmax(axis)"),
    (lambda: F.log_softmax(np.ones((3, 2)), axis=1.0), TypeError, "log_softmax(axis)"),
    (lambda: F.logsumexp(np.ones(3, dtype=complex)), TypeError, "logsumexp(z)"),
    (lambda: F.sigmoid(np.array(["a"])), TypeError, "sigmoid(z)"),
    (lambda: F.logsumexp_backward(np.ones(3), np.ones((3, 2)), np.ones(3)), ValueError,
     "logsumexp_backward(lse)"),
])
def test_error_messages_name_the_argument(call, exc, names):
    with pytest.raises(exc) as info:
        call()
    assert names in str(info.value)


def test_sigmoid_backward_error_says_expected_and_got_shapes():
    with pytest.raises(ValueError, match=r"expected the shape of a, \(3, 1\), got \(3,\)"):
        F.sigmoid_backward(np.ones(3), np.ones((3, 1)))
