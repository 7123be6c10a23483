r"""Inverted dropout: zero each entry with probability p at training time, scale the rest.

*Improving Deep Neural Networks*, week 1, "Dropout regularization"; week 4 applies it to the
output of every Transformer sub-layer and to the embeddings ("residual dropout"). Inverted
dropout divides the kept entries by the keep probability 1 - p at training time, so the
expected activation is unchanged and evaluation needs no rescaling: with ``train=False`` (or
p = 0) the layer is the identity.

Shapes
------
==========  ==========  ===================================================
name        shape       meaning
==========  ==========  ===================================================
x, out      any         the activations
keep        x.shape     boolean mask, True where the entry is kept (or None)
==========  ==========  ===================================================

Equations
---------
.. math::

    (1)\quad \text{keep}_i \sim \mathrm{Bernoulli}(1 - p) \qquad
    (2)\quad \text{out} = \frac{x \odot \text{keep}}{1 - p}

    (3)\quad dx = \frac{d\text{out} \odot \text{keep}}{1 - p}

Notes
-----
The mask is drawn on the host with a seeded ``numpy.random.Generator`` and then moved to the
array's device, so one seed gives one mask on NumPy and CuPy (STYLE section 7).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from seqlab._validate import as_array, check_instance, check_number, check_rng, check_shape
from seqlab.backend import get_array_module, to_device

__all__ = ["DropoutCache", "dropout_backward", "dropout_forward"]


class DropoutCache(NamedTuple):
    """What :func:`dropout_backward` needs: the keep mask (None: identity) and p."""

    keep: Any
    p: float


def dropout_forward(x, p: float, rng=None, train: bool = True):
    """Inverted dropout (eqs. 1-2); the identity when ``train`` is False or p = 0.

    Parameters
    ----------
    x : array, any shape
    p : float in [0, 1), the probability of DROPPING an entry (torch's convention; the
        course's ``keep_prob`` is 1 - p)
    rng : numpy.random.Generator or int seed; required when it draws (train and p > 0)
    train : bool

    Returns
    -------
    out : array, x.shape
    cache : DropoutCache
    """
    p = check_number(p, "dropout_forward(p)", 0, 1, high_open=True)
    x = as_array(x, "dropout_forward(x)")
    if not train or p == 0:
        return x, DropoutCache(None, p)
    if rng is None:
        raise ValueError("dropout_forward(rng): expected a numpy.random.Generator (or seed) to "
                         "draw the mask at training time, got None")
    rng = check_rng(rng, "dropout_forward(rng)")
    xp = get_array_module(x)
    keep = to_device(rng.random(x.shape) >= p, xp)              # (1) keep ~ Bernoulli(1 - p)
    out = x * keep / (1.0 - p)                                  # (2) x ⊙ keep / (1 - p)
    return out.astype(x.dtype, copy=False), DropoutCache(keep, float(p))


def dropout_backward(dout, cache: DropoutCache):
    """Backward pass of :func:`dropout_forward` (eq. 3).

    Parameters
    ----------
    dout : array, ∂J/∂out
    cache : DropoutCache

    Returns
    -------
    dx : array, dout.shape
    """
    keep, p = check_instance(cache, DropoutCache, "dropout_backward(cache)")
    dout = as_array(dout, "dropout_backward(dout)")
    if keep is None:
        return dout
    check_shape(dout, tuple(keep.shape), "x's shape", "dropout_backward(dout)")
    return (dout * keep / (1.0 - p)).astype(dout.dtype, copy=False)   # (3)
