r"""Layer normalization over the last axis: y = γ ⊙ (x - μ) / √(σ² + ε) + β.

Week 4, "Transformer Network": every sub-layer of the encoder and decoder ends in
``LayerNorm(x + Sublayer(x))``. Unlike batch norm, the statistics are taken over the features
of ONE position of ONE example, so the same computation runs at training and test time and on a
batch of one.

Shapes
------
==========  ==============  ================================================
name        shape           meaning
==========  ==============  ================================================
x, y        (..., d)        e.g. (m, T, d_model): normalised over the last axis
gamma       (d,)            learned scale γ (initialised to 1)
beta        (d,)            learned shift β (initialised to 0)
mu, var     (..., 1)        mean and (biased) variance of each row
x_hat       (..., d)        the normalised input
==========  ==============  ================================================

Equations
---------
.. math::

    (1)\quad \mu = \frac{1}{d}\sum_j x_j \qquad
    (2)\quad \sigma^2 = \frac{1}{d}\sum_j (x_j - \mu)^2

    (3)\quad \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}} \qquad
    (4)\quad y = \gamma \odot \hat x + \beta

Backward, with dx̂ = dy ⊙ γ and r = 1/√(σ² + ε):

.. math::

    (5)\quad d\gamma = \sum_{\text{rows}} dy \odot \hat x \qquad
    (6)\quad d\beta = \sum_{\text{rows}} dy

    (7)\quad dx = \frac{r}{d}\Big(d\,d\hat x - \sum_j d\hat x_j
        - \hat x \sum_j d\hat x_j \hat x_j\Big)

Notes
-----
The variance is the biased one (divide by d), as in ``torch.nn.LayerNorm`` and Keras'
``LayerNormalization``; ε defaults to torch's 1e-5 (the course's Keras layers use 1e-6, which
:mod:`seqlab.transformer` passes explicitly).

References
----------
Ba, Kiros & Hinton, "Layer Normalization", 2016.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from seqlab._validate import as_array, check_instance, check_nonempty, check_number, check_shape
from seqlab.backend import get_array_module

__all__ = ["LayerNormCache", "layer_norm_backward", "layer_norm_forward"]


class LayerNormCache(NamedTuple):
    """What :func:`layer_norm_backward` needs: x̂, 1/√(σ² + ε) and γ."""

    x_hat: Any     # (..., d)
    inv_std: Any   # (..., 1)
    gamma: Any     # (d,)


def layer_norm_forward(x, gamma, beta, eps: float = 1e-5):
    """Normalise every row of ``x`` over its last axis, then scale and shift (eqs. 1-4).

    Parameters
    ----------
    x : array (..., d)
    gamma, beta : arrays (d,)
    eps : float > 0, ε in (3)

    Returns
    -------
    y : array (..., d)
    cache : LayerNormCache
    """
    x, gamma, beta, eps = _check(x, gamma, beta, eps)
    xp = get_array_module(x, gamma, beta)
    mu = xp.mean(x, axis=-1, keepdims=True)               # (1) μ               (..., 1)
    xc = x - mu                                           # x - μ               (..., d)
    var = xp.mean(xc * xc, axis=-1, keepdims=True)        # (2) σ²              (..., 1)
    inv_std = 1.0 / xp.sqrt(var + eps)                    # 1/√(σ² + ε)         (..., 1)
    x_hat = xc * inv_std                                  # (3) x̂               (..., d)
    y = x_hat * gamma + beta                              # (4) y = γ ⊙ x̂ + β   (..., d)
    return y, LayerNormCache(x_hat, inv_std, gamma)


def layer_norm_backward(dy, cache: LayerNormCache):
    """Backward pass of :func:`layer_norm_forward` (eqs. 5-7).

    Parameters
    ----------
    dy : array (..., d), ∂J/∂y
    cache : LayerNormCache

    Returns
    -------
    dx : array (..., d)
    grads : dict with "gamma" (d,) and "beta" (d,)
    """
    x_hat, inv_std, gamma = check_instance(cache, LayerNormCache, "layer_norm_backward(cache)")
    dy = as_array(dy, "layer_norm_backward(dy)")
    check_shape(dy, tuple(x_hat.shape), "(..., d)", "layer_norm_backward(dy)")
    xp = get_array_module(dy, x_hat)
    d = x_hat.shape[-1]
    rows = tuple(range(dy.ndim - 1))                      # every axis but the last
    dgamma = xp.sum(dy * x_hat, axis=rows)                # (5) dγ = Σ dy ⊙ x̂     (d,)
    dbeta = xp.sum(dy, axis=rows)                         # (6) dβ = Σ dy         (d,)
    dx_hat = dy * gamma                                   # dx̂ = dy ⊙ γ          (..., d)
    dx = (inv_std / d) * (d * dx_hat - xp.sum(dx_hat, axis=-1, keepdims=True)
                          - x_hat * xp.sum(dx_hat * x_hat, axis=-1, keepdims=True))  # (7)
    return dx, {"gamma": dgamma, "beta": dbeta}


def _check(x, gamma, beta, eps) -> tuple:
    x = as_array(x, "layer_norm_forward(x)", ndim=None, symbols="(..., d)")
    if x.ndim < 1:
        raise ValueError(f"layer_norm_forward(x): expected an array (..., d) with at least one "
                         f"axis, got shape {tuple(x.shape)}")
    check_nonempty(x, -1, "layer_norm_forward(x)", "feature to normalise over")
    d = x.shape[-1]
    gamma = as_array(gamma, "layer_norm_forward(gamma)")
    beta = as_array(beta, "layer_norm_forward(beta)")
    check_shape(gamma, (d,), "(d,)", "layer_norm_forward(gamma)")
    check_shape(beta, (d,), "(d,)", "layer_norm_forward(beta)")
    return x, gamma, beta, check_number(eps, "layer_norm_forward(eps)", 0, low_open=True)
