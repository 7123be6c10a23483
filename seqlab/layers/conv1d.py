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
    return (T_x + 2 * pad - k) // stride + 1


def im2col_1d(x_p, k: int, stride: int):
    """Receptive fields of a padded input x_p (n_x, m, T_p) as columns (n_x·k, m·T_out).

    One strided slice per kernel offset j: k copies, no Python loop over time steps.
    """
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
    xp = get_array_module(dcols)
    n_x, m, T_p = x_p_shape
    T_out = (T_p - k) // stride + 1
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
    _check(x, W, b, stride, pad)
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
    cols, W, (n_x, m, T_x), stride, pad = cache
    n_f, _, k = W.shape
    T_out = conv1d_output_length(T_x, k, stride, pad)
    if tuple(dz.shape) != (n_f, m, T_out):
        raise ValueError(f"conv1d_backward(dz): expected shape {(n_f, m, T_out)}, got "
                         f"{tuple(dz.shape)}")
    dz2 = dz.reshape(n_f, m * T_out)                                # (n_f, m·T_out)
    dW = (dz2 @ cols.T).reshape(W.shape)                            # (3) (n_f, n_x, k)
    db = dz2.sum(axis=1, keepdims=True)                             # (4) (n_f, 1)
    dcols = W.reshape(n_f, n_x * k).T @ dz2                         # (5) (n_x·k, m·T_out)
    dx_p = col2im_1d(dcols, (n_x, m, T_x + 2 * pad), k, stride)     # (5) (n_x, m, T_x + 2p)
    return dx_p[:, :, pad:pad + T_x], {"W": dW, "b": db}            # (5) strip the padding


def _check(x, W, b, stride, pad) -> None:
    for name, arr, nd, shape in (("x", x, 3, "(n_x, m, T_x)"), ("W", W, 3, "(n_f, n_x, k)"),
                                 ("b", b, 2, "(n_f, 1)")):
        if getattr(arr, "ndim", None) != nd:
            raise ValueError(f"conv1d_forward({name}): expected an array {shape}, got "
                             f"{type(arr).__name__} with shape {getattr(arr, 'shape', None)}")
    for name, v, low in (("stride", stride, 1), ("pad", pad, 0)):
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise ValueError(f"conv1d_forward({name}): expected an int >= {low}, got {v!r}")
    if W.shape[1] != x.shape[0]:
        raise ValueError(f"conv1d_forward: W has shape {tuple(W.shape)}, so x must have "
                         f"n_x = {W.shape[1]} features on axis 0, got x {tuple(x.shape)}")
    if tuple(b.shape) != (W.shape[0], 1):
        raise ValueError(f"conv1d_forward(b): expected shape ({W.shape[0]}, 1), got "
                         f"{tuple(b.shape)}")
    if x.shape[2] + 2 * pad < W.shape[2]:
        raise ValueError(f"conv1d_forward(x): T_x + 2p = {x.shape[2]} + 2·{pad} frames is "
                         f"shorter than the kernel k = {W.shape[2]}")
