r"""Scaled dot-product attention: softmax(Q Kᵀ / √d_k) V, with a boolean mask.

Week 4, "Self-Attention": every query q<t> scores every key k<t'> by a dot product, the scores
of one query are turned into weights α<t,t'> by a softmax, and the output is the weighted sum
of the values v<t'>. Dividing by √d_k keeps the scores' variance near 1 whatever d_k, so the
softmax does not saturate ("the course notes: softmax(score)/√d"). Week 3's attention computed
α<t,t'> from a small network; here the score is a plain dot product, so every position is
computed at once with two matrix products.

Shapes
------
=========  ===================  ==================================================
name       shape                meaning
=========  ===================  ==================================================
Q          (..., T_q, d_k)      queries, one row per position (row layout)
K          (..., T_k, d_k)      keys
V          (..., T_k, d_v)      values
mask       broadcastable to     boolean, True where query t MAY attend to key t'
           (..., T_q, T_k)      (torch's ``attn_mask`` convention for booleans)
energy     (..., T_q, T_k)      scores Q Kᵀ / √d_k
weights    (..., T_q, T_k)      α, each row sums to 1 (or is all 0, see Notes)
out        (..., T_q, d_v)      α V
=========  ===================  ==================================================

Leading axes ``...`` (examples m, heads h) must be equal in Q, K and V.

Equations
---------
.. math::

    (1)\quad e = \frac{Q K^\top}{\sqrt{d_k}} \qquad
    (2)\quad \alpha_{t,t'} = \frac{\mathrm{mask}_{t,t'}\, e^{e_{t,t'}}}
        {\sum_{s} \mathrm{mask}_{t,s}\, e^{e_{t,s}}} \qquad
    (3)\quad \mathrm{out} = \alpha V

Backward, from d out:

.. math::

    (4)\quad dV = \alpha^\top d\mathrm{out} \qquad
    (5)\quad d\alpha = d\mathrm{out}\, V^\top \qquad
    (6)\quad de = \alpha \odot \big(d\alpha - \textstyle\sum_{t'} d\alpha \odot \alpha\big)

    (7)\quad dQ = \frac{de\, K}{\sqrt{d_k}} \qquad
    (8)\quad dK = \frac{de^\top Q}{\sqrt{d_k}}

Notes
-----
Differs from the lecture: the course adds -1e9 to masked scores before the softmax. Here masked
entries are left out of the softmax exactly (2), the same as adding -∞. A query whose mask row
is entirely False (nothing to attend to, e.g. a padded query in a fully padded example) gets
weights of all zeros and an output of zeros, with zero gradients, instead of the 0/0 = NaN
that -∞ would give: the behaviour of ``torch.nn.functional.scaled_dot_product_attention``.

References
----------
Vaswani et al., "Attention Is All You Need", 2017, section 3.2.1.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from seqlab._validate import as_array, check_cache, check_shape, fmt, got
from seqlab.backend import get_array_module, to_device

__all__ = ["AttentionCache", "AttentionGrads", "scaled_dot_product_attention",
           "scaled_dot_product_attention_backward", "scaled_dot_product_attention_backward_full"]


class AttentionCache(NamedTuple):
    """What the backward pass needs (the inputs and the attention weights α), and the scores
    and mask of the forward pass (for a step-through, :mod:`seqlab.transformer.trace`)."""

    Q: Any              # (..., T_q, d_k)
    K: Any              # (..., T_k, d_k)
    V: Any              # (..., T_k, d_v)
    weights: Any        # (..., T_q, T_k)
    energy: Any = None  # (..., T_q, T_k), e = Q Kᵀ/√d_k (1), before the mask
    mask: Any = None    # (..., T_q, T_k) bool (a broadcast view), or None


class AttentionGrads(NamedTuple):
    """Every gradient of the backward pass (:func:`scaled_dot_product_attention_backward_full`)."""

    dQ: Any             # noqa: N815 (the lecture's name) (..., T_q, d_k) (7)
    dK: Any             # noqa: N815 (..., T_k, d_k) (8)
    dV: Any             # noqa: N815 (..., T_k, d_v) (4)
    dweights: Any       # (..., T_q, T_k), ∂J/∂α (5)
    denergy: Any        # (..., T_q, T_k), ∂J/∂e (6)


def scaled_dot_product_attention(Q, K, V, mask=None):
    """softmax(Q Kᵀ / √d_k) V over the allowed keys (eqs. 1-3).

    Parameters
    ----------
    Q : array (..., T_q, d_k)
    K : array (..., T_k, d_k)
    V : array (..., T_k, d_v)
    mask : None or boolean array broadcastable to (..., T_q, T_k); True = may attend

    Returns
    -------
    out : array (..., T_q, d_v)
    weights : array (..., T_q, T_k), α
    cache : AttentionCache
    """
    Q, K, V = check_qkv(Q, K, V, "scaled_dot_product_attention")
    xp = get_array_module(Q, K, V)
    d_k = Q.shape[-1]
    energy = (Q @ xp.swapaxes(K, -1, -2)) / math.sqrt(d_k)   # (1) e = Q Kᵀ/√d_k (..., T_q, T_k)
    if mask is None:
        e_max = xp.max(energy, axis=-1, keepdims=True)        # max over keys (stability)
        expo = xp.exp(energy - e_max)                         # e^(e - max)   (..., T_q, T_k)
        weights = expo / xp.sum(expo, axis=-1, keepdims=True)  # (2) α, rows sum to 1
    else:
        mask = check_mask(mask, energy.shape, "scaled_dot_product_attention(mask)", xp)
        e_max = xp.max(xp.where(mask, energy, -xp.inf), axis=-1, keepdims=True)  # allowed max
        e_max = xp.where(xp.isfinite(e_max), e_max, 0)        # fully masked row: any shift
        expo = xp.exp(xp.where(mask, energy - e_max, -xp.inf))  # mask ⊙ e^(e - max), e^-∞ = 0
        total = xp.sum(expo, axis=-1, keepdims=True)          # Σ_s mask e^(e - max) (..., T_q, 1)
        weights = expo / xp.where(total > 0, total, 1)        # (2) α; all-0 row stays 0
    weights = weights.astype(Q.dtype, copy=False)
    out = weights @ V                                         # (3) out = α V   (..., T_q, d_v)
    return out, weights, AttentionCache(Q, K, V, weights, energy, mask)


def scaled_dot_product_attention_backward(dout, cache: AttentionCache):
    """Backward pass of :func:`scaled_dot_product_attention` (eqs. 4-8).

    Parameters
    ----------
    dout : array (..., T_q, d_v), ∂J/∂out
    cache : AttentionCache

    Returns
    -------
    dQ : array (..., T_q, d_k)
    dK : array (..., T_k, d_k)
    dV : array (..., T_k, d_v)
    """
    dQ, dK, dV, _, _ = _backward(dout, cache, "scaled_dot_product_attention_backward")
    return dQ, dK, dV


def scaled_dot_product_attention_backward_full(dout, cache: AttentionCache) -> AttentionGrads:
    """:func:`scaled_dot_product_attention_backward` (same parameters) that also returns ∂J/∂α
    and ∂J/∂e: an :class:`AttentionGrads` (dQ, dK, dV, dweights, denergy)."""
    return _backward(dout, cache, "scaled_dot_product_attention_backward_full")


def _backward(dout, cache, fname: str) -> AttentionGrads:
    Q, K, V, weights = check_cache(cache, AttentionCache, fname)[:4]
    where = f"{fname}(dout)"
    dout = as_array(dout, where, symbols="(..., T_q, d_v)")
    check_shape(dout, (*weights.shape[:-1], V.shape[-1]), "(..., T_q, d_v) like out", where)
    xp = get_array_module(dout, Q)
    dV = xp.swapaxes(weights, -1, -2) @ dout                  # (4) dV = αᵀ dout  (..., T_k, d_v)
    dweights = dout @ xp.swapaxes(V, -1, -2)                  # (5) dα = dout Vᵀ  (..., T_q, T_k)
    denergy = weights * (dweights - xp.sum(dweights * weights, axis=-1, keepdims=True))  # (6)
    dscores = denergy * (1.0 / math.sqrt(Q.shape[-1]))        # ∂J/∂(Q Kᵀ) = de / √d_k
    dQ = dscores @ K                                          # (7) dQ = de K / √d_k
    dK = xp.swapaxes(dscores, -1, -2) @ Q                     # (8) dK = deᵀ Q / √d_k
    return AttentionGrads(dQ, dK, dV, dweights, denergy)


def check_qkv(Q, K, V, fname: str) -> tuple:
    """Q, K, V as float arrays (lists converted, ints promoted) of matching shapes (see the
    module table), or an error naming the argument; T_k = 0 keys is refused."""
    Q, K, V = (as_array(x, f"{fname}({n})", symbols="(..., T, d)") for n, x in (
        ("Q", Q), ("K", K), ("V", V)))
    arrays = {"Q": Q, "K": K, "V": V}
    for name, arr in arrays.items():            # the odd one out among the three is wrong
        others = [a.ndim for n, a in arrays.items() if n != name]
        if arr.ndim < 2 or (arr.ndim != others[0] and others[0] == others[1]):
            raise ValueError(f"{fname}({name}): expected an array (..., T, d) with "
                             f"{max(others[0], 2)} axes like the others, got shape "
                             f"{fmt(arr.shape)}")
    if K.shape[-1] != Q.shape[-1]:
        raise ValueError(f"{fname}(K): expected (..., T_k, d_k={Q.shape[-1]}) to match Q "
                         f"{tuple(Q.shape)}, got {tuple(K.shape)}")
    if V.shape[-2] != K.shape[-2]:
        raise ValueError(f"{fname}(V): expected (..., T_k={K.shape[-2]}, d_v) to match K "
                         f"{tuple(K.shape)}, got {tuple(V.shape)}")
    for name, arr in (("K", K), ("V", V)):
        if arr.shape[:-2] != Q.shape[:-2]:
            raise ValueError(f"{fname}({name}): expected the leading axes of Q "
                             f"{tuple(Q.shape[:-2])}, got shape {tuple(arr.shape)}")
    if K.shape[-2] == 0:
        raise ValueError(f"{fname}(K): expected at least one key (T_k >= 1) to attend to, got "
                         f"shape {tuple(K.shape)}")
    return Q, K, V


def check_mask(mask, shape: tuple, where: str, xp):
    """The mask as a boolean array on ``xp``'s device broadcast to ``shape``; ValueError if it
    cannot be."""
    if not hasattr(mask, "dtype"):
        raise TypeError(f"{where}: expected a boolean array (True = may attend), got "
                        f"{got(mask)}")
    mask = to_device(mask, xp)
    if mask.dtype != bool:
        raise TypeError(f"{where}: expected a boolean array (True = may attend), got dtype "
                        f"{mask.dtype}")
    try:
        return xp.broadcast_to(mask, shape)
    except ValueError:
        raise ValueError(f"{where}: expected a shape that broadcasts to (..., T_q, T_k) = "
                         f"{tuple(shape)}, got {tuple(mask.shape)}, which does not "
                         f"broadcast") from None
