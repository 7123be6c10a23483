r"""A 1-D convolution over time in the course's column layout, by im2col.

*Sequence Models*, week 3, "Trigger Word Detection": the assignment's model opens with
``Conv1D(196, kernel_size=15, strides=4)`` on the spectrogram: each output step reads 15
consecutive frames of every frequency, and the stride 4 shortens the sequence (5511 frames ->
1375 output steps), so the GRUs above run four times fewer steps. Written out here so that the
whole trigger-word model has a hand-written backward pass.

Shapes (the RNN family's column layout: features, examples, time)
------
==========  ======================  ==========================================================
name        shape                   meaning
==========  ======================  ==========================================================
x           (n_x, m, T_x)           m sequences of T_x frames with n_x features (channels)
W           (n_f, n_x, k)           n_f filters, each k frames wide (torch's layout)
b           (n_f, 1)                one bias per filter, broadcast over m and time
z           (n_f, m, T_out)         T_out = (T_x + 2p - k) // s + 1
cols        (n_x·k, m·T_out)        every receptive field as a column (im2col)
==========  ======================  ==========================================================

Equations
---------
(1) x_p = x padded with p zeros at both ends of the time axis
(2) z[f, i, t] = b[f] + Σ_{c, j} W[f, c, j] · x_p[c, i, s·t + j]
    computed as W_flat @ cols with W_flat = W reshaped (n_f, n_x·k), cols = im2col(x_p)
Backward, with dz = ∂J/∂z flattened to (n_f, m·T_out):
(3) dW = (dz colsᵀ) reshaped (n_f, n_x, k)          (4) db = Σ_{i, t} dz
(5) dcols = W_flatᵀ dz;  dx_p = col2im(dcols) (each field's gradient added back to the frames
    it read; overlapping fields, k > s, add up);  dx = dx_p without the padding

Notes
-----
Differs from the lecture: Keras's ``Conv1D`` takes (m, T_x, n_x) and kernels (k, n_x, n_f);
here the input follows the RNN family's (n_x, m, T_x) and the kernel torch's (n_f, n_x, k), so
``torch.nn.functional.conv1d(x.transpose(1, 0, 2), W, b[:, 0], stride, pad)`` equals
``z.transpose(1, 0, 2)``. Like every deep-learning library, this is a cross-correlation (the
kernel is not flipped).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from seqlab._validate import as_array, check_instance, check_int, check_shape, fmt
from seqlab.backend import get_array_module

__all__ = ["Conv1DCache", "col2im_1d", "conv1d_backward", "conv1d_forward",
           "conv1d_output_length", "im2col_1d"]


class Conv1DCache(NamedTuple):
    """What :func:`conv1d_backward` needs."""

    cols: Any            # (n_x·k, m·T_out) im2col of the padded input
    W: Any               # (n_f, n_x, k)
    x_shape: tuple       # (n_x, m, T_x)
    stride: int
    pad: int


def conv1d_output_length(T_x: int, k: int, stride: int = 1, pad: int = 0) -> int:
    """T_out = (T_x + 2p - k) // s + 1; the course's 5511 frames, k = 15, s = 4 give 1375."""
    T_x = check_int(T_x, "conv1d_output_length(T_x)", 1)
    stride = check_int(stride, "conv1d_output_length(stride)", 1)
    pad = check_int(pad, "conv1d_output_length(pad)", 0)
    k = check_int(k, "conv1d_output_length(k)", 1)
    if k > T_x + 2 * pad:
        raise ValueError(f"conv1d_output_length(k): expected a kernel no longer than T_x + 2 pad "
                         f"= {T_x + 2 * pad}, got {k}")
    return (T_x + 2 * pad - k) // stride + 1


def im2col_1d(x_p, k: int, stride: int):
    """Receptive fields of a padded input x_p (n_x, m, T_p) as columns (n_x·k, m·T_out).

    One strided slice per kernel offset j: k copies, no Python loop over time steps.
    """
    x_p = as_array(x_p, "im2col_1d(x_p)", ndim=3, symbols="(n_x, m, T_p)")
    k = check_int(k, "im2col_1d(k)", 1, x_p.shape[2])
    stride = check_int(stride, "im2col_1d(stride)", 1)
    xp = get_array_module(x_p)
    n_x, m, T_p = x_p.shape
    T_out = (T_p - k) // stride + 1
    cols = xp.empty((n_x, k, m, T_out), dtype=x_p.dtype)
    for j in range(k):                       # x_p[c, i, s·t + j] for every (c, i, t) at once
        cols[:, j] = x_p[:, :, j:j + stride * (T_out - 1) + 1:stride]
    return cols.reshape(n_x * k, m * T_out)                     # (n_x·k, m·T_out)


def col2im_1d(dcols, x_p_shape: tuple, k: int, stride: int):
    """The adjoint of :func:`im2col_1d`: columns (n_x·k, m·T_out) added back into an array of
    ``x_p_shape`` (n_x, m, T_p); frames read by several fields get the sum (eq. 5)."""
    if len(x_p_shape) != 3:
        raise ValueError(f"col2im_1d(x_p_shape): expected 3 sizes (n_x, m, T_p), got "
                         f"{x_p_shape!r}")
    n_x, m, T_p = (int(v) for v in x_p_shape)
    k = check_int(k, "col2im_1d(k)", 1, T_p)
    stride = check_int(stride, "col2im_1d(stride)", 1)
    T_out = (T_p - k) // stride + 1
    dcols = as_array(dcols, "col2im_1d(dcols)")
    check_shape(dcols, (n_x * k, m * T_out), "(n_x·k, m·T_out)", "col2im_1d(dcols)")
    xp = get_array_module(dcols)
    d4 = dcols.reshape(n_x, k, m, T_out)                        # (n_x, k, m, T_out)
    dx_p = xp.zeros(x_p_shape, dtype=dcols.dtype)
    for j in range(k):
        dx_p[:, :, j:j + stride * (T_out - 1) + 1:stride] += d4[:, j]
    return dx_p


def conv1d_forward(x, W, b, stride: int = 1, pad: int = 0):
    """z = conv1d(x, W) + b over the time axis (eqs. 1-2).

    Parameters
    ----------
    x : array (n_x, m, T_x)
    W : array (n_f, n_x, k)
    b : array (n_f, 1)
    stride, pad : ints, s ≥ 1 and p ≥ 0 (the course: s = 4, p = 0, "valid")

    Returns
    -------
    z : array (n_f, m, T_out)
    cache : Conv1DCache
    """
    x, W, b, stride, pad = _check(x, W, b, stride, pad)
    xp = get_array_module(x, W, b)
    n_x, m, T_x = x.shape
    n_f, _, k = W.shape
    T_out = conv1d_output_length(T_x, k, stride, pad)
    x_p = xp.pad(x, ((0, 0), (0, 0), (pad, pad))) if pad else x    # (1) (n_x, m, T_x + 2p)
    cols = im2col_1d(x_p, k, stride)                                # (n_x·k, m·T_out)
    z = W.reshape(n_f, n_x * k) @ cols + b                          # (2) (n_f, m·T_out)
    z = z.reshape(n_f, m, T_out)                                    # (n_f, m, T_out)
    return z, Conv1DCache(cols, W, tuple(x.shape), stride, pad)


def conv1d_backward(dz, cache: Conv1DCache):
    """Backward pass of :func:`conv1d_forward` (eqs. 3-5).

    Parameters
    ----------
    dz : array (n_f, m, T_out), ∂J/∂z
    cache : Conv1DCache

    Returns
    -------
    dx : array (n_x, m, T_x)
    grads : dict with "W" (n_f, n_x, k) and "b" (n_f, 1)
    """
    cols, W, (n_x, m, T_x), stride, pad = check_instance(cache, Conv1DCache,
                                                         "conv1d_backward(cache)")
    n_f, _, k = W.shape
    T_out = conv1d_output_length(T_x, k, stride, pad)
    dz = as_array(dz, "conv1d_backward(dz)")
    check_shape(dz, (n_f, m, T_out), "(n_f, m, T_out)", "conv1d_backward(dz)")
    dz2 = dz.reshape(n_f, m * T_out)                                # (n_f, m·T_out)
    dW = (dz2 @ cols.T).reshape(W.shape)                            # (3) (n_f, n_x, k)
    db = dz2.sum(axis=1, keepdims=True)                             # (4) (n_f, 1)
    dcols = W.reshape(n_f, n_x * k).T @ dz2                         # (5) (n_x·k, m·T_out)
    dx_p = col2im_1d(dcols, (n_x, m, T_x + 2 * pad), k, stride)     # (5) (n_x, m, T_x + 2p)
    return dx_p[:, :, pad:pad + T_x], {"W": dW, "b": db}            # (5) strip the padding


def _check(x, W, b, stride, pad) -> tuple:
    x = as_array(x, "conv1d_forward(x)", ndim=3, symbols="(n_x, m, T_x)")
    W = as_array(W, "conv1d_forward(W)", ndim=3, symbols="(n_f, n_x, k)")
    b = as_array(b, "conv1d_forward(b)", ndim=2, symbols="(n_f, 1)")
    stride = check_int(stride, "conv1d_forward(stride)", 1)
    pad = check_int(pad, "conv1d_forward(pad)", 0)
    if W.shape[1] != x.shape[0]:
        raise ValueError(f"conv1d_forward(x): expected n_x = {W.shape[1]} features on axis 0 to "
                         f"match W of shape {fmt(W.shape)}, got x of shape {fmt(x.shape)}")
    check_shape(b, (W.shape[0], 1), "(n_f, 1)", "conv1d_forward(b)")
    if x.shape[2] + 2 * pad < W.shape[2]:
        raise ValueError(f"conv1d_forward(x): expected T_x + 2p >= k, got T_x + 2p = "
                         f"{x.shape[2]} + 2·{pad} frames, shorter than the kernel k = "
                         f"{W.shape[2]}")
    return x, W, b, stride, pad
