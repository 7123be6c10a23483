r"""Losses: softmax cross-entropy (masked, temporal) and binary cross-entropy, with dlogits.

Every model's ``loss(batch)`` ends here. A loss takes *logits* z (before the softmax), never
probabilities, so that log ŷ is computed by the stable log-softmax and the gradient has the
simple form ŷ - y (week 1, "Backpropagation through time"; week 1, "Language model and
sequence generation"). Each function returns ``(loss, dlogits)`` (STYLE section 6): the scalar
loss J and ∂J/∂z with the shape of z.

Shapes
------
=========================  ===================  ==========================================
argument                   shape                meaning
=========================  ===================  ==========================================
logits (cross_entropy)     (n_y, m)             classes on ``axis`` (0 for the RNN family)
y      (cross_entropy)     (m,)                 integer labels in [0, n_y)
logits (temporal)          (n_y, m, T)          one distribution per example and step
y, mask (temporal)         (m, T)               labels; mask 1/True = count this step
logits, y (binary)         any shape, equal     y in [0, 1] (floats allowed)
loss                       ()                   scalar of the logits' dtype
dlogits                    logits' shape        ∂J/∂logits
=========================  ===================  ==========================================

The Transformer passes logits (m, T, n_y) with ``axis=-1`` and labels (m, T) to
:func:`cross_entropy`, which accepts any layout whose labels have the logits' shape without
the class axis.

Equations
---------
With N the number of counted positions (mask entries equal to 1; all positions without a mask):

.. math::

    (1)\quad \log \hat y = \log\mathrm{softmax}(z) \quad\text{along the class axis}

    (2)\quad \mathcal{L}^{\langle i, t\rangle}
        = -\log \hat y^{\langle i, t\rangle}_{y^{(i)\langle t\rangle}}

    (3)\quad J = \frac{1}{N} \sum_{i, t} \mathrm{mask}^{\langle i, t\rangle}\,
        \mathcal{L}^{\langle i, t\rangle}

    (4)\quad \frac{\partial J}{\partial z^{\langle i, t\rangle}}
        = \frac{\mathrm{mask}^{\langle i, t\rangle}}{N}
          \big(\hat y^{\langle i, t\rangle} - \mathrm{onehot}(y^{(i)\langle t\rangle})\big)

    (5)\quad \mathcal{L}_{\mathrm{BCE}} = -y \log\sigma(z) - (1 - y)\log(1 - \sigma(z))
        = (1 - y)\,z - \log\sigma(z)

    (6)\quad \frac{\partial J}{\partial z} = \frac{\mathrm{mask}}{N}\,(\sigma(z) - y)

Notes
-----
Differs from the lecture: the lecture's sequence loss is the *sum* L = Σ_t L<t>. The default
``reduction="mean"`` divides the sum over counted positions by their number N (torch's
``F.cross_entropy(..., ignore_index=...)`` convention), so the learning rate does not depend
on the batch size m or the length T; ``reduction="sum"`` gives the lecture's sum (also summed
over the m examples). Masked steps contribute nothing to the loss and get a zero gradient,
and their labels are never read (padding may use any value, e.g. -1). An all-zero mask with
``reduction="mean"`` raises instead of returning 0/0.

(5) uses log(1 - σ(z)) = log σ(z) - z, so no log of a rounded-to-zero probability is ever
taken: logits of ±1e4 give finite losses and gradients. Finite logits therefore always give a
finite loss; NaN or inf logits (masked positions included) raise ``FloatingPointError``
instead of returning a non-finite loss.
"""

from __future__ import annotations

from typing import Any

from seqlab._validate import (
    CLIP_ADVICE,
    as_array,
    check_choice,
    check_finite,
    check_ids,
    check_nonempty,
    got,
    is_int,
)
from seqlab.backend import get_array_module, to_device
from seqlab.functional import log_sigmoid, log_softmax, sigmoid

__all__ = ["binary_cross_entropy", "cross_entropy", "temporal_cross_entropy"]

REDUCTIONS = ("mean", "sum")


def cross_entropy(logits, y, axis: int = 0, mask=None, reduction: str = "mean"):
    """Softmax cross-entropy of integer labels, with its gradient (eqs. 1-4).

    Parameters
    ----------
    logits : array (n_y, m), classes on ``axis``; any layout whose other axes match ``y``
    y : integer array (m,), labels in [0, n_y); in general ``logits.shape`` without ``axis``
    axis : int, the class axis (0 for the column layout, -1 for the Transformer's rows)
    mask : None, or bool / 0-1 array of ``y``'s shape; positions with 0/False are ignored
    reduction : "mean" (divide by the number of counted positions) or "sum"

    Returns
    -------
    loss : scalar (0-d) of ``logits.dtype``, J
    dlogits : array of ``logits.shape``, ∂J/∂logits

    Raises
    ------
    TypeError, ValueError
        for labels or a mask of the wrong dtype or shape (the message names the argument).
    IndexError
        for a counted label outside [0, n_y).
    FloatingPointError
        when the logits contain NaN or inf (finite logits always give a finite loss).
    """
    return _softmax_cross_entropy(logits, y, axis, mask, reduction, "cross_entropy")


def temporal_cross_entropy(logits, y, mask=None, reduction: str = "mean"):
    """Cross-entropy summed over time steps, for a batch of sequences (eqs. 1-4).

    Parameters
    ----------
    logits : array (n_y, m, T), the output layer's z<t> for every step, stacked on axis 2
    y : integer array (m, T), y<t> for every example
    mask : None, or bool / 0-1 array (m, T): 1 for a real step, 0 for padding
    reduction : "mean" (divide by the number of real steps, Σ mask) or "sum"

    Returns
    -------
    loss : scalar (0-d) of ``logits.dtype``, J
    dlogits : array (n_y, m, T), ∂J/∂z<t> for every step (zero at masked steps)
    """
    _check_ndim(_check_logits(logits, "temporal_cross_entropy")[1], 3,
                "temporal_cross_entropy(logits)", "(n_y, m, T)")
    return _softmax_cross_entropy(logits, y, 0, mask, reduction, "temporal_cross_entropy")


def binary_cross_entropy(logits, y, mask=None, reduction: str = "mean"):
    """Binary cross-entropy on logits, stable via log σ (eqs. 5-6); e.g. trigger-word detection.

    Parameters
    ----------
    logits : array, any shape, e.g. (1, m, T_y) for one output unit per step
    y : array of ``logits.shape``, targets in [0, 1] (bool, int or float)
    mask : None, or bool / 0-1 array of ``logits.shape``
    reduction : "mean" (divide by the number of counted entries) or "sum"

    Returns
    -------
    loss : scalar (0-d) of ``logits.dtype``, J
    dlogits : array of ``logits.shape``, ∂J/∂logits
    """
    fname = "binary_cross_entropy"
    xp, logits = _check_logits(logits, fname)
    _check_finite(xp, logits, fname)
    y = as_array(y, f"{fname}(y)", "real")
    if tuple(y.shape) != tuple(logits.shape):
        raise ValueError(f"{fname}(y): expected targets of the logits' shape "
                         f"{tuple(logits.shape)}, got shape {tuple(y.shape)}")
    if y.dtype.kind == "f":
        check_finite(y, f"{fname}(y)", "targets in [0, 1]")
    if y.size and bool(xp.any((y < 0) | (y > 1))):
        raise ValueError(f"{fname}(y): expected targets in [0, 1], got values in "
                         f"[{float(y.min())}, {float(y.max())}]")
    y = y.astype(logits.dtype)
    keep, denom = _mask_and_denominator(xp, mask, y.shape, reduction, fname)
    per_entry = (1 - y) * logits - log_sigmoid(logits)   # (5) L = (1 - y) z - log σ(z)
    loss = xp.sum(_where(xp, keep, per_entry)) / denom  # (3) J = Σ mask ⊙ L / N
    dlogits = sigmoid(logits) - y                       # (6) σ(z) - y
    dlogits = _where(xp, keep, dlogits) / denom         # (6) ⊙ mask / N
    return loss, dlogits


# --------------------------------------------------------------------------- shared core
def _softmax_cross_entropy(logits, y, axis, mask, reduction, fname):
    """Eqs. (1)-(4) for any layout; ``fname`` names the public function in messages."""
    xp, logits = _check_logits(logits, fname)
    _check_ndim(logits, None, f"{fname}(logits)", "(n_y, m)")
    if not is_int(axis):
        raise TypeError(f"{fname}(axis): expected an int in [{-logits.ndim}, {logits.ndim}), "
                        f"got {got(axis)}")
    if not -logits.ndim <= axis < logits.ndim:
        raise ValueError(f"{fname}(axis): expected an int in [{-logits.ndim}, {logits.ndim}) "
                         f"for logits of shape {tuple(logits.shape)}, got {axis!r}")
    axis = int(axis) % logits.ndim
    check_nonempty(logits, axis, f"{fname}(logits)", "class")
    n_y = logits.shape[axis]
    label_shape = tuple(n for i, n in enumerate(logits.shape) if i != axis)
    y = _check_labels(xp, y, tuple(logits.shape), axis, fname)
    keep, denom = _mask_and_denominator(xp, mask, label_shape, reduction, fname)
    y_safe = y if keep is None else xp.where(keep, y, 0)  # masked labels are never read
    check_ids(y_safe, n_y, f"{fname}(y)")
    _check_finite(xp, logits, fname)

    y_log = log_softmax(logits, axis=axis)               # (1) log ŷ          logits' shape
    y_idx = xp.expand_dims(y_safe, axis)                  # (m, T) -> (1, m, T)
    picked = xp.take_along_axis(y_log, y_idx, axis=axis)  # log ŷ_y           (1, m, T)
    per_step = -xp.squeeze(picked, axis=axis)             # (2) L<t> = -log ŷ_y   (m, T)
    loss = xp.sum(_where(xp, keep, per_step)) / denom     # (3) J = Σ mask ⊙ L / N

    classes_shape = tuple(n_y if i == axis else 1 for i in range(logits.ndim))
    classes = xp.arange(n_y).reshape(classes_shape)       # (n_y, 1, 1)
    one_hot = classes == y_idx                            # onehot(y)         logits' shape
    dlogits = xp.exp(y_log) - one_hot                     # (4) ŷ - onehot(y)
    if keep is not None:
        dlogits = xp.where(xp.expand_dims(keep, axis), dlogits, 0)  # (4) ⊙ mask, (1, m, T)
    return loss, dlogits / denom                          # (4) / N


def _where(xp, keep, values):
    """``values`` where ``keep`` is True and 0 elsewhere (0 * inf would give NaN)."""
    return values if keep is None else xp.where(keep, values, 0)


# --------------------------------------------------------------------------- validation
def _check_logits(logits: Any, fname: str):
    """Logits as a floating array (ints promoted, lists converted)."""
    logits = as_array(logits, f"{fname}(logits)", "float")
    return get_array_module(logits), logits


def _check_ndim(x: Any, ndim: int | None, name: str, symbol: str) -> None:
    """``ndim`` exact, or None for "at least 2"."""
    bad = x.ndim < 2 if ndim is None else x.ndim != ndim
    if bad:
        raise ValueError(f"{name}: expected an array of shape {symbol}, got shape "
                         f"{tuple(x.shape)}")


def _check_labels(xp, y: Any, logits_shape: tuple, axis: int, fname: str):
    ndim = len(logits_shape)
    label_shape = tuple(n for i, n in enumerate(logits_shape) if i != axis)
    if ndim == 2:
        symbol = "(m,)"
    elif ndim == 3 and axis in (0, 2):
        symbol = "(m, T)"
    else:
        symbol = f"logits.shape without axis {axis}"
    y = as_array(y, f"{fname}(y)", "int", symbols=f"of labels of shape {symbol} = "
                                                  f"{label_shape}")
    if tuple(y.shape) != label_shape:
        raise ValueError(f"{fname}(y): expected integer labels of shape {symbol} = "
                         f"{label_shape}, got shape {tuple(y.shape)}")
    return y


def _mask_and_denominator(xp, mask: Any, shape: tuple, reduction: str, fname: str):
    """Return ``(keep, N)``: a bool mask (or None) and the divisor of (3)."""
    check_choice(reduction, REDUCTIONS, f"{fname}(reduction)")
    if mask is None:
        count = 1
        for n in shape:
            count *= n
        keep = None
    else:
        mask = to_device(mask, xp)                     # on the logits' device
        if tuple(mask.shape) != shape:
            raise ValueError(f"{fname}(mask): expected a 0/1 mask of the labels' shape "
                             f"{shape}, got shape {tuple(mask.shape)}")
        if mask.dtype.kind not in "biuf":
            raise TypeError(f"{fname}(mask): expected bool or 0/1 values, got dtype "
                            f"{mask.dtype}")
        if mask.dtype.kind != "b" and not bool(xp.all((mask == 0) | (mask == 1))):
            raise ValueError(f"{fname}(mask): expected only 0 and 1 (or a bool array), got "
                             f"other values")
        keep = mask.astype(bool)
        count = int(xp.count_nonzero(keep))
        if count == 0 and reduction == "mean":
            raise ValueError(f"{fname}(mask): expected at least one unmasked position for "
                             f"reduction='mean', got every position masked (the mean over 0 "
                             f"positions is undefined; use reduction='sum' to get 0)")
    return keep, (count if reduction == "mean" else 1)


def _check_finite(xp, logits: Any, fname: str) -> None:
    """Raise for NaN or inf logits: finite logits always give a finite loss (eqs. 1, 5)."""
    check_finite(logits, f"{fname}(logits)", "logits", f"so the loss would not be finite "
                 f"({CLIP_ADVICE})", sep=", ")
