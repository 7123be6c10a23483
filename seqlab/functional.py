r"""Activations and normalisers: stable sigmoid, tanh, softmax, log-softmax, logsumexp.

Every model in the course is built from these: the RNN cell's tanh (week 1), the gates
Γ = σ(...) of the GRU and LSTM (week 1), the output ŷ<t> = softmax(W_ya a<t> + b_y) (weeks 1-3),
the attention weights α<t,t'> = softmax(e<t,t'>) (week 3) and softmax(QKᵀ/√d_k) (week 4).
Each forward function returns its output only; its backward takes the upstream gradient and
that *output* (σ' = σ(1 - σ), tanh' = 1 - a²), so a layer's cache stores outputs, never
pre-activations (STYLE section 6).

Shapes
------
======================  ==================  ==============================================
function                input               output
======================  ==================  ==============================================
sigmoid, tanh           any shape           same shape, element-wise
log_sigmoid             any shape           same shape, element-wise
softmax, log_softmax    (n_y, m) (axis=0)   same shape; normalised along ``axis``
logsumexp               (n_y, m) (axis=0)   (m,), or (1, m) with ``keepdims=True``
======================  ==================  ==============================================

``axis`` defaults to 0 because the RNN family keeps classes on axis 0 (columns are examples,
STYLE section 4); the Transformer, with rows ``(m, T, d)``, passes ``axis=-1``. Dtype follows
the input (float32 stays float32); integer or boolean input is promoted to float64.

Equations
---------
.. math::

    (1)\quad \sigma(z) = \frac{1}{1 + e^{-z}}
        = \begin{cases} \frac{1}{1 + e^{-|z|}} & z \ge 0 \\
                        \frac{e^{-|z|}}{1 + e^{-|z|}} & z < 0 \end{cases}

    (2)\quad \frac{\partial J}{\partial z} = \frac{\partial J}{\partial a}\, a\,(1 - a),
        \qquad a = \sigma(z)

    (3)\quad a = \tanh(z), \qquad
    (4)\quad \frac{\partial J}{\partial z} = \frac{\partial J}{\partial a}\,(1 - a^2)

    (5)\quad \mathrm{softmax}(z)_i = \frac{e^{z_i - \max_j z_j}}{\sum_k e^{z_k - \max_j z_j}}

    (6)\quad \mathrm{logsumexp}(z) = \max_j z_j + \log \sum_k e^{z_k - \max_j z_j}

    (7)\quad \log\mathrm{softmax}(z)_i = z_i - \mathrm{logsumexp}(z)

    (8)\quad \frac{\partial J}{\partial z} = y \odot \Big(dy - \sum_k dy_k\, y_k\Big),
        \qquad y = \mathrm{softmax}(z)

    (9)\quad \frac{\partial J}{\partial z} = dy - e^{y_{\log}} \sum_k dy_k,
        \qquad y_{\log} = \log\mathrm{softmax}(z)

    (10)\quad \frac{\partial J}{\partial z} = dy\; e^{z - \mathrm{logsumexp}(z)}
        = dy\;\mathrm{softmax}(z)

    (11)\quad \log\sigma(z) = \min(z, 0) - \log\big(1 + e^{-|z|}\big)

    (12)\quad \frac{\partial J}{\partial z} = dy\,(1 - \sigma(z))
        = -dy\;\mathrm{expm1}(\log\sigma(z))

Notes
-----
Differs from the lecture: the formulas are rearranged for floating point, not changed. (1)
only ever exponentiates -|z| ≤ 0, so σ(±1e4) is exactly 1 or 0 with no overflow warning;
(5)-(7) subtract the maximum first (softmax is shift invariant), so no exponential exceeds 1.
Entries equal to -inf (masked attention scores) are allowed as long as each slice along
``axis`` has at least one finite entry.

Input contract (``docs/input-contract.md``): arrays or nested lists (converted), ints and bools
promoted to float64; None, strings and complex numbers raise TypeError. The axis that softmax,
log_softmax and logsumexp normalise over needs at least one entry (an empty one raises
ValueError); any other axis may be empty (an empty result). NaN and inf pass through.

References
----------
Blanchard, Higham, Higham, "Accurately computing the log-sum-exp and softmax functions",
IMA J. Numer. Anal. 41 (2021).
"""

from __future__ import annotations

from typing import Any

from seqlab._validate import as_array, check_nonempty, got, is_int, same_shape
from seqlab.backend import get_array_module

__all__ = [
    "log_sigmoid",
    "log_sigmoid_backward",
    "log_softmax",
    "log_softmax_backward",
    "logsumexp",
    "logsumexp_backward",
    "sigmoid",
    "sigmoid_backward",
    "softmax",
    "softmax_backward",
    "tanh",
    "tanh_backward",
]


# --------------------------------------------------------------------------- element-wise
def sigmoid(z):
    """Logistic sigmoid σ(z) = 1 / (1 + e^(-z)), stable for any |z| (eq. 1).

    Parameters
    ----------
    z : array, any shape

    Returns
    -------
    a : array, ``z.shape``, values in [0, 1]
    """
    xp, z = _float_array(z, "sigmoid(z)")
    e = xp.exp(-xp.abs(z))                      # e^(-|z|) ∈ (0, 1]: never overflows
    return xp.where(z >= 0, 1 / (1 + e), e / (1 + e))  # (1) σ(z), branch on the sign of z


def sigmoid_backward(da, a):
    """Gradient through a = σ(z), from the output a (eq. 2).

    Parameters
    ----------
    da : array, any shape, ∂J/∂a
    a : array, ``da.shape``, the output of :func:`sigmoid`

    Returns
    -------
    dz : array, ``a.shape``, ∂J/∂z
    """
    da = same_shape(da, a, "sigmoid_backward(da)", "a")
    return da * a * (1 - a)                     # (2) dz = da ⊙ a(1 - a)


def tanh(z):
    """Hyperbolic tangent a = tanh(z) (eq. 3); xp.tanh is already stable for any |z|.

    Parameters
    ----------
    z : array, any shape

    Returns
    -------
    a : array, ``z.shape``, values in [-1, 1]
    """
    xp, z = _float_array(z, "tanh(z)")
    return xp.tanh(z)                           # (3) a = tanh(z)


def tanh_backward(da, a):
    """Gradient through a = tanh(z), from the output a (eq. 4).

    Parameters
    ----------
    da : array, any shape, ∂J/∂a
    a : array, ``da.shape``, the output of :func:`tanh`

    Returns
    -------
    dz : array, ``a.shape``, ∂J/∂z
    """
    da = same_shape(da, a, "tanh_backward(da)", "a")
    return da * (1 - a * a)                     # (4) dz = da ⊙ (1 - a²)


def log_sigmoid(z):
    """log σ(z), stable for any |z| (eq. 11); the building block of binary cross-entropy.

    Parameters
    ----------
    z : array, any shape

    Returns
    -------
    y_log : array, ``z.shape``, values in (-inf, 0]
    """
    xp, z = _float_array(z, "log_sigmoid(z)")
    return xp.minimum(z, 0) - xp.log1p(xp.exp(-xp.abs(z)))  # (11) min(z,0) - log(1+e^(-|z|))


def log_sigmoid_backward(dy, y_log):
    """Gradient through y_log = log σ(z), from the output y_log (eq. 12).

    Parameters
    ----------
    dy : array, any shape, ∂J/∂y_log
    y_log : array, ``dy.shape``, the output of :func:`log_sigmoid`

    Returns
    -------
    dz : array, ``y_log.shape``, ∂J/∂z
    """
    dy = same_shape(dy, y_log, "log_sigmoid_backward(dy)", "y_log")
    xp = get_array_module(dy, y_log)
    return -dy * xp.expm1(y_log)                # (12) dz = dy (1 - σ(z)) = -dy expm1(log σ(z))


# --------------------------------------------------------------------------- along an axis
def softmax(z, axis: int = 0):
    """Softmax along ``axis`` with the maximum subtracted first (eq. 5).

    Parameters
    ----------
    z : array, e.g. (n_y, m) with classes on ``axis=0``, or (m, T, d) with ``axis=-1``
    axis : int, the axis that sums to one

    Returns
    -------
    y : array, ``z.shape``, non-negative, summing to 1 along ``axis``
    """
    xp, z = _float_array(z, "softmax(z)")
    _check_axis(z, axis, "softmax", normalised=True)
    e = xp.exp(z - xp.max(z, axis=axis, keepdims=True))   # e^(z - max z) ∈ [0, 1]
    return e / xp.sum(e, axis=axis, keepdims=True)        # (5) softmax(z)


def log_softmax(z, axis: int = 0):
    """log softmax(z) along ``axis`` without forming softmax(z) (eq. 7).

    Parameters
    ----------
    z : array, e.g. (n_y, m) with classes on ``axis=0``
    axis : int

    Returns
    -------
    y_log : array, ``z.shape``, values ≤ 0
    """
    xp, z = _float_array(z, "log_softmax(z)")
    _check_axis(z, axis, "log_softmax", normalised=True)
    shifted = z - xp.max(z, axis=axis, keepdims=True)     # z - max z ≤ 0
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))  # (7)


def logsumexp(z, axis: int = 0, keepdims: bool = False):
    """log Σ exp(z) along ``axis`` (eq. 6), finite for any finite z.

    Parameters
    ----------
    z : array, e.g. (n_y, m)
    axis : int
    keepdims : bool, keep ``axis`` with length 1 (as ``xp.sum(keepdims=True)``)

    Returns
    -------
    lse : array, ``z.shape`` without ``axis`` (e.g. (m,)), or with it set to 1 if ``keepdims``
    """
    xp, z = _float_array(z, "logsumexp(z)")
    _check_axis(z, axis, "logsumexp", normalised=True)
    z_max = xp.max(z, axis=axis, keepdims=True)           # max_j z_j, (1, m)
    lse = z_max + xp.log(xp.sum(xp.exp(z - z_max), axis=axis, keepdims=True))  # (6)
    return lse if keepdims else xp.squeeze(lse, axis=axis)


def softmax_backward(dy, y, axis: int = 0):
    """Gradient through y = softmax(z) along ``axis``, from the output y (eq. 8).

    The Jacobian diag(y) - y yᵀ is never formed: (8) is its product with dy.

    Parameters
    ----------
    dy : array, ``y.shape``, ∂J/∂y
    y : array, e.g. (n_y, m), the output of :func:`softmax`
    axis : int, the axis softmax normalised

    Returns
    -------
    dz : array, ``y.shape``, ∂J/∂z
    """
    dy = same_shape(dy, y, "softmax_backward(dy)", "y")
    _check_axis(y, axis, "softmax_backward")
    xp = get_array_module(dy, y)
    return y * (dy - xp.sum(dy * y, axis=axis, keepdims=True))  # (8) y ⊙ (dy - Σ dy⊙y)


def log_softmax_backward(dy, y_log, axis: int = 0):
    """Gradient through y_log = log softmax(z) along ``axis``, from the output (eq. 9).

    Parameters
    ----------
    dy : array, ``y_log.shape``, ∂J/∂y_log
    y_log : array, e.g. (n_y, m), the output of :func:`log_softmax`
    axis : int

    Returns
    -------
    dz : array, ``y_log.shape``, ∂J/∂z
    """
    dy = same_shape(dy, y_log, "log_softmax_backward(dy)", "y_log")
    _check_axis(y_log, axis, "log_softmax_backward")
    xp = get_array_module(dy, y_log)
    return dy - xp.exp(y_log) * xp.sum(dy, axis=axis, keepdims=True)  # (9) dy - y Σ dy


def logsumexp_backward(dy, z, lse, axis: int = 0, keepdims: bool = False):
    """Gradient through lse = logsumexp(z) along ``axis`` (eq. 10).

    Parameters
    ----------
    dy : array, ``lse.shape``, ∂J/∂lse
    z : array, e.g. (n_y, m), the input of :func:`logsumexp`
    lse : array, its output: (m,), or (1, m) if it was called with ``keepdims=True``
    axis : int
    keepdims : bool, as passed to :func:`logsumexp`

    Returns
    -------
    dz : array, ``z.shape``, ∂J/∂z
    """
    z = as_array(z, "logsumexp_backward(z)", "float")
    dy = same_shape(dy, lse, "logsumexp_backward(dy)", "lse")
    _check_axis(z, axis, "logsumexp_backward")
    xp = get_array_module(dy, z, lse)
    if not keepdims:
        dy = xp.expand_dims(dy, axis)           # (m,) -> (1, m)
        lse = xp.expand_dims(lse, axis)         # (m,) -> (1, m)
    expected = tuple(1 if i == axis % z.ndim else n for i, n in enumerate(z.shape))
    if tuple(lse.shape) != expected:
        raise ValueError(f"logsumexp_backward(lse): expected shape {expected} with keepdims "
                         f"(or without axis {axis}) for z of shape {tuple(z.shape)}, "
                         f"got {tuple(lse.shape)}")
    return dy * xp.exp(z - lse)                 # (10) dz = dy ⊙ softmax(z)


# --------------------------------------------------------------------------- validation
def _float_array(z: Any, name: str):
    """Return ``(xp, z)`` with z an array of a floating dtype (ints/bools become float64,
    lists are converted; None, strings and complex numbers are refused)."""
    z = as_array(z, name, "float")
    return get_array_module(z), z


def _check_axis(z: Any, axis: Any, fname: str, normalised: bool = False) -> None:
    """Raise unless ``axis`` is an int (Python or NumPy) naming an axis of ``z``; with
    ``normalised``, also unless that axis has at least one entry to normalise over."""
    if not is_int(axis):
        raise TypeError(f"{fname}(axis): expected an int in [{-z.ndim}, {z.ndim}), got "
                        f"{got(axis)}")
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(f"{fname}(axis): expected an int in [{-z.ndim}, {z.ndim}) for an "
                         f"array of shape {tuple(z.shape)}, got {axis!r}")
    if normalised:
        check_nonempty(z, axis, f"{fname}(z)", "entry to normalise over")
