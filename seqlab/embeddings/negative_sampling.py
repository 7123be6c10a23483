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

from seqlab._validate import (
    as_array,
    check_cache,
    check_finite,
    check_int,
    check_number,
    check_rng,
    fmt,
    got,
    is_int,
)
from seqlab.backend import get_array_module
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
    counts = as_array(counts, "noise_distribution(counts)").astype(np.float64)
    xp = get_array_module(counts)
    if counts.ndim != 1 or counts.size == 0 or bool((counts < 0).any()) \
            or not float(counts.sum()) > 0:
        raise ValueError(f"noise_distribution(counts): expected a non-empty 1-D array of "
                         f"counts >= 0 with a positive sum, got shape {counts.shape}")
    exponent = check_number(exponent, "noise_distribution(exponent)", 0)
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
    p = as_array(p, "sample_negatives(p)", ndim=1, symbols="(V,) of probabilities")
    if p.size == 0 or bool(xp_any_bad(p)) or not float(p.sum()) > 0:
        raise ValueError("sample_negatives(p): expected probabilities >= 0 with a positive "
                         "sum, got NaN, a negative entry, or only zeros")
    size = _size(size)
    xp = get_array_module(p)
    cdf = xp.cumsum(p.astype(np.float64))
    u = check_rng(rng, "sample_negatives(rng)").random(size) * cdf[-1]
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
    e_c, theta_t, theta_neg = _check(e_c, theta_t, theta_neg)
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
    check_cache(cache, NegativeSamplingCache, "negative_sampling_backward")
    dJ = check_number(dJ, "negative_sampling_backward(dJ)")
    xp = get_array_module(cache.e_c)
    m = cache.e_c.shape[1]
    g_pos = (cache.sig_pos - 1) * (dJ / m)                      # (4) ∂J/∂s⁺ = σ(s⁺) - 1   (m,)
    g_neg = cache.sig_neg * (dJ / m)                            # (5) ∂J/∂sᵢ = σ(sᵢ)       (m, k)
    de_c = g_pos * cache.theta_t + xp.einsum("mk,dmk->dm", g_neg, cache.theta_neg)  # (6)
    dtheta_t = g_pos * cache.e_c                                # (7)
    dtheta_neg = g_neg[None, :, :] * cache.e_c[:, :, None]      # (8)      (n_e, m, k)
    return de_c, dtheta_t, dtheta_neg


def _check(e_c, theta_t, theta_neg) -> tuple:
    """The three arrays, real and finite (this is a loss); a shape that disagrees with the
    other two is the one reported."""
    name = "negative_sampling_forward"
    e_c = as_array(e_c, f"{name}(e_c)", ndim=2, symbols="(n_e, m)")
    theta_neg = as_array(theta_neg, f"{name}(theta_neg)", ndim=3, symbols="(n_e, m, k)")
    theta_t = as_array(theta_t, f"{name}(theta_t)")
    if e_c.shape != theta_neg.shape[:2] and theta_t.shape == theta_neg.shape[:2]:
        raise ValueError(f"{name}(e_c): expected shape (n_e, m) = {fmt(theta_neg.shape[:2])} "
                         f"like theta_t and theta_neg, got {fmt(e_c.shape)}")
    if theta_t.shape != e_c.shape:
        raise ValueError(f"{name}(theta_t): expected shape {fmt(e_c.shape)} like e_c, got "
                         f"{fmt(theta_t.shape)}")
    if theta_neg.shape[:2] != e_c.shape:
        raise ValueError(f"{name}(theta_neg): expected shape (n_e, m, k) = "
                         f"({e_c.shape[0]}, {e_c.shape[1]}, k), got {fmt(theta_neg.shape)}")
    if e_c.shape[1] == 0:
        raise ValueError(f"{name}(e_c): expected at least one pair (m >= 1), got shape "
                         f"{fmt(e_c.shape)}")
    for arg, v in (("e_c", e_c), ("theta_t", theta_t), ("theta_neg", theta_neg)):
        check_finite(v, f"{name}({arg})", "vectors", "a loss needs finite inputs")
    return e_c, theta_t, theta_neg


def xp_any_bad(p):
    """True where a probability vector has NaN or a negative entry (a 0-d array)."""
    xp = get_array_module(p)
    return xp.isnan(p).any() | (p < 0).any()


def _size(size):
    """An int or a tuple of ints >= 0 (NumPy ints accepted)."""
    dims = (size,) if is_int(size) else size
    if not isinstance(dims, tuple | list) or not all(is_int(d) for d in dims):
        raise TypeError(f"sample_negatives(size): expected an int or a tuple of ints, got "
                        f"{got(size)}")
    return tuple(check_int(d, "sample_negatives(size)", 0) for d in dims)
