"""seqlab.layers.conv2d: im2col convolution (eqs. 1-2) and its backward (eqs. 3-5).

Float64 finite differences of every gradient (dx, dW, db), parity with
torch.nn.functional.conv2d (forward and autograd backward, float64, 1e-10) over strides,
paddings, rectangular kernels and m = 1, im2col/col2im adjointness, a hand-computed case,
error messages.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.gradcheck import check_grads, rel_error
from seqlab.layers.conv2d import (
    col2im,
    conv2d_backward,
    conv2d_forward,
    conv_output_size,
    im2col,
)

# (m, C, H, W, F, k_h, k_w, stride, pad)
CASES = [(2, 3, 7, 6, 4, 3, 3, 1, 1), (1, 2, 8, 8, 3, 3, 3, 2, 1), (3, 1, 5, 9, 2, 2, 3, 2, 0),
         (2, 4, 6, 6, 5, 1, 1, 1, 0), (1, 3, 24, 24, 8, 3, 3, 2, 1), (2, 2, 5, 5, 2, 5, 4, 3, 2)]


def _problem(case, seed=0):
    m, C, H, W, F, k_h, k_w, s, p = case
    r = np.random.default_rng(seed)
    return (r.normal(size=(m, C, H, W)), r.normal(size=(F, C, k_h, k_w)) * 0.5,
            r.normal(size=(F,)), s, p)


def test_conv2d_hand_computed_sum_filter():
    """A 2x2 filter of ones with bias 1 on a 3x3 ramp: each output is 1 + its window's sum."""
    x = np.arange(9, dtype=float).reshape(1, 1, 3, 3)
    z, _ = conv2d_forward(x, np.ones((1, 1, 2, 2)), np.array([1.0]))
    np.testing.assert_array_equal(z[0, 0], [[1 + 0 + 1 + 3 + 4, 1 + 1 + 2 + 4 + 5],
                                            [1 + 3 + 4 + 6 + 7, 1 + 4 + 5 + 7 + 8]])


@pytest.mark.parametrize("case", CASES)
def test_conv2d_output_shape_and_dtype(case):
    x, W, b, s, p = _problem(case)
    for dtype in (np.float32, np.float64):
        z, _ = conv2d_forward(x.astype(dtype), W.astype(dtype), b.astype(dtype), s, p)
        assert z.dtype == dtype
        assert z.shape == (x.shape[0], W.shape[0], conv_output_size(x.shape[2], W.shape[2], s, p),
                           conv_output_size(x.shape[3], W.shape[3], s, p))


@pytest.mark.parametrize("case", CASES)
def test_conv2d_matches_torch_forward_and_backward_float64(case, torch):
    x, W, b, s, p = _problem(case)
    z, cache = conv2d_forward(x, W, b, s, p)
    tx, tW, tb = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
    tz = torch.nn.functional.conv2d(tx, tW, tb, stride=s, padding=p)
    assert rel_error(z, tz.detach().numpy()) < 1e-10
    dz = np.random.default_rng(1).normal(size=z.shape)
    tz.backward(torch.tensor(dz))
    dx, grads = conv2d_backward(dz, cache)
    assert rel_error(dx, tx.grad.numpy()) < 1e-10
    assert rel_error(grads["W"], tW.grad.numpy()) < 1e-10
    assert rel_error(grads["b"], tb.grad.numpy()) < 1e-10


@pytest.mark.parametrize("case", CASES[:4] + CASES[5:])
def test_conv2d_backward_finite_differences(case):
    x, W, b, s, p = _problem(case, seed=3)
    z, cache = conv2d_forward(x, W, b, s, p)
    dz = np.random.default_rng(4).normal(size=z.shape)
    dx, grads = conv2d_backward(dz, cache)
    params = {"x": x, "W": W, "b": b}

    def loss():
        return float(np.sum(conv2d_forward(params["x"], params["W"], params["b"], s, p)[0] * dz))

    res = check_grads(loss, params, {"x": dx, **grads})
    assert res.passed(1e-7), res


def test_col2im_is_the_adjoint_of_im2col():
    """<im2col(x), c> = <x, col2im(c)>: the backward of a linear map is its transpose."""
    r = np.random.default_rng(5)
    x = r.normal(size=(2, 3, 7, 8))
    cols = im2col(x, 3, 2, 2)
    c = r.normal(size=cols.shape)
    assert abs(np.sum(cols * c) - np.sum(x * col2im(c, x.shape, 3, 2, 2))) < 1e-10


def test_conv2d_errors_name_the_argument():
    x, W, b = np.zeros((1, 3, 5, 5)), np.zeros((2, 3, 3, 3)), np.zeros(2)
    with pytest.raises(ValueError, match=r"conv2d_forward\(x\)"):
        conv2d_forward(np.zeros((3, 5, 5)), W, b)
    with pytest.raises(ValueError, match="C = 3 channels"):
        conv2d_forward(np.zeros((1, 2, 5, 5)), W, b)
    with pytest.raises(ValueError, match=r"conv2d_forward\(b\)"):
        conv2d_forward(x, W, np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"conv2d_forward\(stride\)"):
        conv2d_forward(x, W, b, stride=0)
    with pytest.raises(ValueError, match=r"conv2d_forward\(pad\)"):
        conv2d_forward(x, W, b, pad=-1)
    with pytest.raises(ValueError, match="smaller than the kernel"):
        conv2d_forward(np.zeros((1, 3, 2, 2)), W, b)
    _, cache = conv2d_forward(x, W, b)
    with pytest.raises(ValueError, match=r"conv2d_backward\(dz\)"):
        conv2d_backward(np.zeros((1, 2, 4, 4)), cache)
