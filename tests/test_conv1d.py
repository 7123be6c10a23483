"""seqlab.layers.conv1d: im2col 1-D convolution (eqs. 1-2) and its backward (eqs. 3-5).

Float64 finite differences of every gradient (dx, dW, db); parity with
torch.nn.functional.conv1d (forward and autograd backward, float64, 1e-10), including the
course's Conv1D(196, kernel_size=15, strides=4) on 5511 frames -> 1375 steps; im2col/col2im
adjointness; a hand-computed case; error messages.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.gradcheck import check_grads, rel_error
from seqlab.layers.conv1d import (
    col2im_1d,
    conv1d_backward,
    conv1d_forward,
    conv1d_output_length,
    im2col_1d,
)

# (n_x, m, T_x, n_f, k, stride, pad)
CASES = [(3, 2, 20, 4, 15, 4, 0), (2, 1, 9, 3, 3, 1, 1), (4, 3, 17, 2, 5, 2, 2),
         (1, 2, 7, 5, 1, 1, 0), (3, 1, 15, 2, 15, 4, 0), (2, 2, 12, 3, 4, 3, 1)]


def _problem(case, seed=0):
    n_x, m, T_x, n_f, k, s, p = case
    r = np.random.default_rng(seed)
    return (r.normal(size=(n_x, m, T_x)), r.normal(size=(n_f, n_x, k)) * 0.5,
            r.normal(size=(n_f, 1)), s, p)


def test_conv1d_hand_computed_moving_sum():
    """A width-3 filter of ones, bias 1, stride 2 on the ramp 0..6: 1 + each window's sum."""
    x = np.arange(7, dtype=float).reshape(1, 1, 7)
    z, _ = conv1d_forward(x, np.ones((1, 1, 3)), np.ones((1, 1)), stride=2)
    np.testing.assert_array_equal(z[0, 0], [1 + 0 + 1 + 2, 1 + 2 + 3 + 4, 1 + 4 + 5 + 6])


def test_course_lengths():
    """The course's spectrogram: 5511 frames, Conv1D(kernel_size=15, strides=4) -> 1375."""
    assert conv1d_output_length(5511, 15, 4) == 1375
    assert conv1d_output_length(10, 3, 1, 1) == 10


@pytest.mark.parametrize("case", CASES)
def test_conv1d_output_shape_and_dtype(case):
    x, W, b, s, p = _problem(case)
    for dtype in (np.float32, np.float64):
        z, _ = conv1d_forward(x.astype(dtype), W.astype(dtype), b.astype(dtype), s, p)
        assert z.dtype == dtype
        assert z.shape == (W.shape[0], x.shape[1],
                           conv1d_output_length(x.shape[2], W.shape[2], s, p))


def _torch_check(torch, x, W, b, s, p, seed=1):
    z, cache = conv1d_forward(x, W, b, s, p)
    tx = torch.tensor(x.transpose(1, 0, 2).copy(), requires_grad=True)   # (m, n_x, T_x)
    tW, tb = torch.tensor(W, requires_grad=True), torch.tensor(b[:, 0], requires_grad=True)
    tz = torch.nn.functional.conv1d(tx, tW, tb, stride=s, padding=p)     # (m, n_f, T_out)
    assert rel_error(z, tz.detach().numpy().transpose(1, 0, 2)) < 1e-10
    dz = np.random.default_rng(seed).normal(size=z.shape)
    tz.backward(torch.tensor(dz.transpose(1, 0, 2).copy()))
    dx, grads = conv1d_backward(dz, cache)
    assert rel_error(dx, tx.grad.numpy().transpose(1, 0, 2)) < 1e-10
    assert rel_error(grads["W"], tW.grad.numpy()) < 1e-10
    assert rel_error(grads["b"][:, 0], tb.grad.numpy()) < 1e-10


@pytest.mark.parametrize("case", CASES)
def test_conv1d_matches_torch_forward_and_backward_float64(case, torch):
    _torch_check(torch, *_problem(case))


def test_conv1d_matches_torch_with_the_course_layer(torch):
    """Conv1D(196, kernel_size=15, strides=4) on 2 examples of 400 frames x 101 frequencies
    (the course's spectrogram height), float64."""
    r = np.random.default_rng(7)
    x = r.normal(size=(101, 2, 400))
    W, b = r.normal(size=(196, 101, 15)) * 0.05, r.normal(size=(196, 1))
    _torch_check(torch, x, W, b, 4, 0, seed=8)


@pytest.mark.parametrize("case", CASES)
def test_conv1d_backward_finite_differences(case):
    x, W, b, s, p = _problem(case, seed=3)
    z, cache = conv1d_forward(x, W, b, s, p)
    dz = np.random.default_rng(4).normal(size=z.shape)
    dx, grads = conv1d_backward(dz, cache)
    params = {"x": x, "W": W, "b": b}

    def loss():
        return float(np.sum(conv1d_forward(params["x"], params["W"], params["b"], s, p)[0] * dz))

    res = check_grads(loss, params, {"x": dx, **grads})
    assert res.passed(1e-7), res


def test_col2im_1d_is_the_adjoint_of_im2col_1d():
    """<im2col(x), c> = <x, col2im(c)>: the backward of a linear map is its transpose."""
    r = np.random.default_rng(5)
    x = r.normal(size=(3, 2, 23))
    cols = im2col_1d(x, 5, 3)
    c = r.normal(size=cols.shape)
    assert abs(np.sum(cols * c) - np.sum(x * col2im_1d(c, x.shape, 5, 3))) < 1e-10


def test_frames_past_the_last_field_get_zero_gradient():
    """T_x = 10, k = 3, s = 4: fields start at 0 and 4 (T_out = 2), so frames 7..9 are never
    read and their gradient is exactly 0."""
    x, W, b = np.ones((1, 1, 10)), np.ones((1, 1, 3)), np.zeros((1, 1))
    z, cache = conv1d_forward(x, W, b, stride=4)
    assert z.shape == (1, 1, 2)
    dx, _ = conv1d_backward(np.ones_like(z), cache)
    np.testing.assert_array_equal(dx[0, 0], [1, 1, 1, 0, 1, 1, 1, 0, 0, 0])


def test_conv1d_errors_name_the_argument():
    x, W, b = np.zeros((3, 1, 9)), np.zeros((2, 3, 3)), np.zeros((2, 1))
    with pytest.raises(ValueError, match=r"conv1d_forward\(x\)"):
        conv1d_forward(np.zeros((3, 9)), W, b)
    with pytest.raises(ValueError, match="n_x = 3 features"):
        conv1d_forward(np.zeros((2, 1, 9)), W, b)
    with pytest.raises(ValueError, match=r"conv1d_forward\(b\)"):
        conv1d_forward(x, W, np.zeros(2))
    with pytest.raises(ValueError, match=r"conv1d_forward\(stride\)"):
        conv1d_forward(x, W, b, stride=0)
    with pytest.raises(ValueError, match=r"conv1d_forward\(pad\)"):
        conv1d_forward(x, W, b, pad=-1)
    with pytest.raises(ValueError, match="shorter than the kernel"):
        conv1d_forward(np.zeros((3, 1, 2)), W, b)
    _, cache = conv1d_forward(x, W, b)
    with pytest.raises(ValueError, match=r"conv1d_backward\(dz\)"):
        conv1d_backward(np.zeros((2, 1, 6)), cache)
