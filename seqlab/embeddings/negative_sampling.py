r"""Negative sampling: k binary classifiers instead of one V-way softmax.

*Sequence Models*, week 2, "Negative sampling" (Mikolov et al. 2013, "Distributed
representations of words and phrases and their compositionality"). For a context word c and a
target t seen near it, the model answers "is t a real neighbour of c?":

(1) P(y = 1 | c, t) = σ(θ_tᵀ e_c)

and is trained on the true pair (label 1) plus k *negative* words t'_1..t'_k drawn at random
(label 0). The loss of one pair is

(2) J = -log σ(θ_tᵀ e_c) - Σ_{i=1..k} log σ(-θ_{t'_i}ᵀ e_c)

The negatives come from the unigram distribution raised to the power 3/4,

(3) P(w) = f(w)^α / Σ_j f(w_j)^α,   α = 3/4   (α = 0: uniform; α = 1: the unigram itself)

Backward, with s⁺ = θ_tᵀ e_c and s_i = θ_{t'_i}ᵀ e_c:

(4) ∂J/∂s⁺ = σ(s⁺) - 1        (5) ∂J/∂s_i = σ(s_i)
(6) de_c = (σ(s⁺) - 1) θ_t + Σ_i σ(s_i) θ_{t'_i}
(7) dθ_t = (σ(s⁺) - 1) e_c    (8) dθ_{t'_i} = σ(s_i) e_c

Shapes (the course's column layout: one pair per column)
------
=========  ==============  ===============================================
name       shape           meaning
=========  ==============  ===============================================
e_c        (n_e, m)        input embeddings of m context words (E[:, c])
theta_t    (n_e, m)        output vectors of the m true targets
theta_neg  (n_e, m, k)     output vectors of k negatives per pair
J          scalar          mean over the m pairs of (2)
=========  ==============  ===============================================
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from seqlab.backend import get_array_module, host_rng
from seqlab.functional import log_sigmoid, sigmoid

__all__ = ["NegativeSamplingCache", "negative_sampling_backward", "negative_sampling_forward",
           "noise_distribution", "sample_negatives"]


def noise_distribution(counts, exponent: float = 0.75) -> np.ndarray:
    """The negative-sampling distribution P(w) = f(w)^α / Σ_j f(w_j)^α  (3), on the host.

    Parameters
    ----------
    counts : array (V,), word frequencies f(w) >= 0 (at least one > 0)
    exponent : α >= 0; 0 gives the uniform distribution, 1 the unigram distribution

    Returns
    -------
    p : ndarray (V,) float64, sums to 1
    """
    xp = get_array_module(counts)
    counts = xp.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size == 0 or (counts < 0).any() or counts.sum() <= 0:
        raise ValueError(f"noise_distribution(counts): expected a non-empty 1-D array of "
                         f"counts >= 0 with a positive sum, got shape {counts.shape}")
    if not xp.isfinite(exponent) or exponent < 0:
        raise ValueError(f"noise_distribution(exponent): expected a number >= 0, got "
                         f"{exponent!r}")
    weights = xp.where(counts > 0, counts, 0.0) ** exponent  # f(w)^α; 0^0 = 1 for unused
    if exponent == 0:
        weights = xp.ones_like(counts)
    return weights / weights.sum()                        # (3)


def sample_negatives(p, size, rng=0) -> np.ndarray:
    """Draw word ids from the noise distribution ``p`` (host RNG, inverse-CDF sampling).

    Parameters
    ----------
    p : array (V,), a probability vector (from :func:`noise_distribution`)
    size : int or tuple, shape of the result
    rng : seed or numpy Generator

    Returns
    -------
    ids : ndarray of int64 with shape ``size``, values in [0, V)
    """
    xp = get_array_module(p)
    cdf = xp.cumsum(xp.asarray(p, dtype=np.float64))
    u = host_rng(rng).random(size) * cdf[-1]
    return xp.minimum(xp.searchsorted(cdf, u, side="right"), len(cdf) - 1).astype(np.int64)


class NegativeSamplingCache(NamedTuple):
    """What :func:`negative_sampling_backward` needs."""

    e_c: Any
    theta_t: Any
    theta_neg: Any
    sig_pos: Any   # σ(s⁺) (m,)
    sig_neg: Any   # σ(s_i) (m, k)


def negative_sampling_forward(e_c, theta_t, theta_neg):
    """Mean negative-sampling loss (2) over m (context, target) pairs.

    Parameters
    ----------
    e_c : array (n_e, m), embeddings of the context words
    theta_t : array (n_e, m), output vectors of the true targets
    theta_neg : array (n_e, m, k), output vectors of the k negatives of each pair

    Returns
    -------
    J : float, mean over the m pairs
    cache : NegativeSamplingCache
    """
    _check(e_c, theta_t, theta_neg)
    xp = get_array_module(e_c, theta_t, theta_neg)
    s_pos = xp.sum(theta_t * e_c, axis=0)                       # s⁺ = θ_tᵀ e_c        (m,)
    s_neg = xp.einsum("dmk,dm->mk", theta_neg, e_c)             # s_i = θ_t'ᵢᵀ e_c     (m, k)
    J = -(xp.sum(log_sigmoid(s_pos)) + xp.sum(log_sigmoid(-s_neg)))  # (2), summed over pairs
    m = e_c.shape[1]
    cache = NegativeSamplingCache(e_c, theta_t, theta_neg, sigmoid(s_pos), sigmoid(s_neg))
    return float(J) / m, cache


def negative_sampling_backward(cache: NegativeSamplingCache, dJ: float = 1.0):
    """Gradients of :func:`negative_sampling_forward` (6-8).

    Returns
    -------
    de_c : (n_e, m), dtheta_t : (n_e, m), dtheta_neg : (n_e, m, k)
    """
    xp = get_array_module(cache.e_c)
    m = cache.e_c.shape[1]
    g_pos = (cache.sig_pos - 1) * (dJ / m)                      # (4) ∂J/∂s⁺ = σ(s⁺) - 1   (m,)
    g_neg = cache.sig_neg * (dJ / m)                            # (5) ∂J/∂sᵢ = σ(sᵢ)       (m, k)
    de_c = g_pos * cache.theta_t + xp.einsum("mk,dmk->dm", g_neg, cache.theta_neg)  # (6)
    dtheta_t = g_pos * cache.e_c                                # (7)
    dtheta_neg = g_neg[None, :, :] * cache.e_c[:, :, None]      # (8)      (n_e, m, k)
    return de_c, dtheta_t, dtheta_neg


def _check(e_c, theta_t, theta_neg) -> None:
    name = "negative_sampling_forward"
    if getattr(e_c, "ndim", None) != 2:
        raise ValueError(f"{name}(e_c): expected shape (n_e, m), got "
                         f"{getattr(e_c, 'shape', type(e_c).__name__)}")
    if getattr(theta_t, "shape", None) != e_c.shape:
        raise ValueError(f"{name}(theta_t): expected shape {e_c.shape} like e_c, got "
                         f"{getattr(theta_t, 'shape', type(theta_t).__name__)}")
    if getattr(theta_neg, "ndim", None) != 3 or theta_neg.shape[:2] != e_c.shape:
        raise ValueError(f"{name}(theta_neg): expected shape (n_e, m, k) = "
                         f"({e_c.shape[0]}, {e_c.shape[1]}, k), got "
                         f"{getattr(theta_neg, 'shape', type(theta_neg).__name__)}")
