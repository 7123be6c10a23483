r"""A 2-D convolution (cross-correlation, as in every deep-learning library) by im2col.

Used by the image encoder of :mod:`seqlab.seq2seq.captioning` (*Sequence Models*, week 3,
"Basic models": a ConvNet reads the image, an RNN writes its caption). The lecture takes the
ConvNet as given (course 4); here it is written out so the whole captioner has a hand-written
backward pass.

Shapes (channels first, like torch; not the RNN family's column layout)
------
==========  ===================  ==============================================
name        shape                meaning
==========  ===================  ==============================================
x           (m, C, H, W)         m images with C channels
W           (F, C, k_h, k_w)     F filters
b           (F,)                 one bias per filter
z           (m, F, H', W')       H' = (H + 2p - k_h) // s + 1, same for W'
cols        (m·H'·W', C·k_h·k_w) every receptive field as a row (im2col)
==========  ===================  ==============================================

Equations
---------
(1) x_p = x padded with p zeros on each side of H and W
(2) z[i, f, u, v] = b[f] + Σ_{c, j, l} W[f, c, j, l] · x_p[i, c, s·u + j, s·v + l]
    computed as cols @ W_flatᵀ with cols = im2col(x_p), W_flat = W reshaped (F, C·k_h·k_w)
Backward, with dz = ∂J/∂z flattened to (m·H'·W', F):
(3) dW = (dzᵀ cols) reshaped (F, C, k_h, k_w)       (4) db = Σ_{i, u, v} dz
(5) dcols = dz W_flat;  dx_p = col2im(dcols) (each receptive field's gradient added back to
    the pixels it read: overlapping fields add up);  dx = dx_p without the padding
"""

from __future__ import annotations

from typing import Any, NamedTuple

from seqlab._validate import as_array, check_instance, check_int, check_shape, fmt
from seqlab.backend import get_array_module

__all__ = ["Conv2DCache", "col2im", "conv2d_backward", "conv2d_forward", "conv_output_size",
           "im2col"]


class Conv2DCache(NamedTuple):
    """What :func:`conv2d_backward` needs."""

    cols: Any            # (m·H'·W', C·k_h·k_w) im2col of the padded input
    W: Any               # (F, C, k_h, k_w)
    x_shape: tuple       # (m, C, H, W)
    stride: int
    pad: int


def conv_output_size(n: int, k: int, stride: int, pad: int) -> int:
    """H' = (H + 2p - k) // s + 1 (the same formula for W'); k must fit in H + 2p."""
    n, k, stride, pad = _sizes("conv_output_size", n=n, k=k, stride=stride, pad=pad)
    return (n + 2 * pad - k) // stride + 1


def im2col(x_p, k_h: int, k_w: int, stride: int):
    """Receptive fields of a padded input x_p (m, C, H_p, W_p) as rows (m·H'·W', C·k_h·k_w).

    One strided slice per kernel offset (j, l): k_h·k_w copies, no Python loop over pixels.
    """
    x_p = as_array(x_p, "im2col(x_p)", ndim=4, symbols="(m, C, H_p, W_p)")
    k_h, k_w, stride = _kernel("im2col", x_p.shape, k_h, k_w, stride)
    xp = get_array_module(x_p)
    m, C, H_p, W_p = x_p.shape
    H_o, W_o = (H_p - k_h) // stride + 1, (W_p - k_w) // stride + 1
    cols = xp.empty((m, C, k_h, k_w, H_o, W_o), dtype=x_p.dtype)
    for j in range(k_h):
        for l in range(k_w):     # x_p[i, c, s·u + j, s·v + l] for every (u, v) at once
            cols[:, :, j, l] = x_p[:, :, j:j + stride * H_o:stride, l:l + stride * W_o:stride]
    return cols.transpose(0, 4, 5, 1, 2, 3).reshape(m * H_o * W_o, C * k_h * k_w)


def col2im(dcols, x_p_shape: tuple, k_h: int, k_w: int, stride: int):
    """The adjoint of :func:`im2col`: rows (m·H'·W', C·k_h·k_w) added back into an array of
    ``x_p_shape`` (m, C, H_p, W_p); pixels read by several fields get the sum (eq. 5)."""
    if len(x_p_shape) != 4:
        raise ValueError(f"col2im(x_p_shape): expected 4 sizes (m, C, H_p, W_p), got "
                         f"{x_p_shape!r}")
    k_h, k_w, stride = _kernel("col2im", x_p_shape, k_h, k_w, stride)
    m, C, H_p, W_p = (int(v) for v in x_p_shape)
    H_o, W_o = (H_p - k_h) // stride + 1, (W_p - k_w) // stride + 1
    dcols = as_array(dcols, "col2im(dcols)")
    check_shape(dcols, (m * H_o * W_o, C * k_h * k_w), "(m·H'·W', C·k_h·k_w)", "col2im(dcols)")
    xp = get_array_module(dcols)
    d6 = dcols.reshape(m, H_o, W_o, C, k_h, k_w).transpose(0, 3, 4, 5, 1, 2)  # (m,C,kh,kw,H',W')
    dx_p = xp.zeros(x_p_shape, dtype=dcols.dtype)
    for j in range(k_h):
        for l in range(k_w):
            dx_p[:, :, j:j + stride * H_o:stride, l:l + stride * W_o:stride] += d6[:, :, j, l]
    return dx_p


def conv2d_forward(x, W, b, stride: int = 1, pad: int = 0):
    """z = conv(x, W) + b (eqs. 1-2).

    Parameters
    ----------
    x : array (m, C, H, W)
    W : array (F, C, k_h, k_w)
    b : array (F,)
    stride, pad : ints, s ≥ 1 and p ≥ 0

    Returns
    -------
    z : array (m, F, H', W')
    cache : Conv2DCache
    """
    x, W, b, stride, pad = _check(x, W, b, stride, pad)
    xp = get_array_module(x, W, b)
    m, _, H, Wd = x.shape
    F, _, k_h, k_w = W.shape
    H_o, W_o = conv_output_size(H, k_h, stride, pad), conv_output_size(Wd, k_w, stride, pad)
    x_p = xp.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))          # (1) (m, C, H+2p, W+2p)
    cols = im2col(x_p, k_h, k_w, stride)                                # (m·H'·W', C·k_h·k_w)
    z = cols @ W.reshape(F, -1).T + b                                   # (2) (m·H'·W', F)
    z = z.reshape(m, H_o, W_o, F).transpose(0, 3, 1, 2)                 # (m, F, H', W')
    return xp.ascontiguousarray(z), Conv2DCache(cols, W, tuple(x.shape), stride, pad)


def conv2d_backward(dz, cache: Conv2DCache):
    """Backward pass of :func:`conv2d_forward` (eqs. 3-5).

    Parameters
    ----------
    dz : array (m, F, H', W'), ∂J/∂z
    cache : Conv2DCache

    Returns
    -------
    dx : array (m, C, H, W)
    grads : dict with "W" (F, C, k_h, k_w) and "b" (F,)
    """
    cols, W, (m, C, H, Wd), stride, pad = check_instance(cache, Conv2DCache,
                                                         "conv2d_backward(cache)")
    F, _, k_h, k_w = W.shape
    H_o, W_o = conv_output_size(H, k_h, stride, pad), conv_output_size(Wd, k_w, stride, pad)
    dz = as_array(dz, "conv2d_backward(dz)")
    check_shape(dz, (m, F, H_o, W_o), "(m, F, H', W')", "conv2d_backward(dz)")
    dz2 = dz.transpose(0, 2, 3, 1).reshape(m * H_o * W_o, F)            # (m·H'·W', F)
    dW = (dz2.T @ cols).reshape(W.shape)                                # (3) (F, C, k_h, k_w)
    db = dz2.sum(axis=0)                                                # (4) (F,)
    dcols = dz2 @ W.reshape(F, -1)                                      # (5) (m·H'·W', C·kh·kw)
    dx_p = col2im(dcols, (m, C, H + 2 * pad, Wd + 2 * pad), k_h, k_w, stride)
    return dx_p[:, :, pad:pad + H, pad:pad + Wd], {"W": dW, "b": db}   # (5) strip the padding


def _check(x, W, b, stride, pad) -> tuple:
    x = as_array(x, "conv2d_forward(x)", ndim=4, symbols="(m, C, H, W)")
    W = as_array(W, "conv2d_forward(W)", ndim=4, symbols="(F, C, k_h, k_w)")
    b = as_array(b, "conv2d_forward(b)", ndim=1, symbols="(F,)")
    stride = check_int(stride, "conv2d_forward(stride)", 1)
    pad = check_int(pad, "conv2d_forward(pad)", 0)
    if W.shape[1] != x.shape[1]:
        raise ValueError(f"conv2d_forward(x): expected C = {W.shape[1]} channels on axis 1 to "
                         f"match W of shape {fmt(W.shape)}, got x of shape {fmt(x.shape)}")
    check_shape(b, (W.shape[0],), "(F,)", "conv2d_forward(b)")
    if x.shape[2] + 2 * pad < W.shape[2] or x.shape[3] + 2 * pad < W.shape[3]:
        raise ValueError(f"conv2d_forward(x): expected an image at least as large as the kernel "
                         f"after padding, got {x.shape[2:]} + 2·{pad}, smaller than the kernel "
                         f"{W.shape[2:]}")
    return x, W, b, stride, pad


def _sizes(fname: str, **sizes) -> tuple:
    """n, k >= 1, stride >= 1, pad >= 0, and k <= n + 2 pad."""
    n = check_int(sizes["n"], f"{fname}(n)", 1)
    k = check_int(sizes["k"], f"{fname}(k)", 1)
    stride = check_int(sizes["stride"], f"{fname}(stride)", 1)
    pad = check_int(sizes["pad"], f"{fname}(pad)", 0)
    if k > n + 2 * pad:
        raise ValueError(f"{fname}(k): expected a kernel no longer than n + 2 pad = "
                         f"{n + 2 * pad}, got {k}")
    return n, k, stride, pad


def _kernel(fname: str, shape: tuple, k_h, k_w, stride) -> tuple:
    """k_h, k_w >= 1 fitting in the padded (H_p, W_p) of ``shape``, stride >= 1."""
    k_h = check_int(k_h, f"{fname}(k_h)", 1, int(shape[2]))
    k_w = check_int(k_w, f"{fname}(k_w)", 1, int(shape[3]))
    return k_h, k_w, check_int(stride, f"{fname}(stride)", 1)
