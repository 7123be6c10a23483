r"""t-SNE and PCA: drawing 50-D word vectors on a 2-D page.

*Sequence Models*, week 2: "Word Representation" (t-SNE: "it takes 300-D data and maps it in a
very non-linear way to a 2-D space"). PCA is the linear map: the plane of largest variance.
t-SNE (van der Maaten & Hinton, 2008) keeps *neighbourhoods*: points close in the input are
close on the page, at the price of distances between far-apart groups meaning little.

Shapes
------
=============  ===========  ===================================================
name           shape        meaning
=============  ===========  ===================================================
X              (N, D)       one input vector per row (N words, D = 50 for GloVe)
D_X            (N, N)       squared Euclidean distances ||x_i - x_j||^2
beta           (N,)         precision 1 / (2 σ_i^2) of point i's Gaussian
P              (N, N)       joint input affinities p_ij, symmetric, sum 1
Y              (N, d)       the embedding, d = n_components (2)
Q              (N, N)       joint embedding affinities q_ij (Student t, 1 dof)
dY             (N, d)       ∂KL/∂Y
=============  ===========  ===================================================

Equations
---------
.. math::

    (1)\quad p_{j|i} = \frac{\exp(-\beta_i \|x_i - x_j\|^2)}{\sum_{k \ne i}
        \exp(-\beta_i \|x_i - x_k\|^2)}, \quad
        \beta_i \text{ by bisection so that } 2^{H(P_i)} = \text{perplexity}

    (2)\quad H(P_i) = -\textstyle\sum_j p_{j|i} \log_2 p_{j|i}, \qquad
        p_{ij} = \frac{p_{j|i} + p_{i|j}}{2N}

    (3)\quad q_{ij} = \frac{(1 + \|y_i - y_j\|^2)^{-1}}{\sum_{k \ne l} (1 + \|y_k - y_l\|^2)^{-1}}

    (4)\quad C = KL(P \| Q) = \textstyle\sum_{i \ne j} p_{ij} \log \frac{p_{ij}}{q_{ij}}

    (5)\quad \frac{\partial C}{\partial y_i} = 4 \textstyle\sum_j (p_{ij} - q_{ij})
        (y_i - y_j)(1 + \|y_i - y_j\|^2)^{-1}

    (6)\quad \Delta Y \leftarrow \mu\, \Delta Y - \eta\, (g * \partial C / \partial Y), \quad
        Y \leftarrow Y + \Delta Y

with momentum μ = 0.5 for the first 250 iterations, then 0.8; the first 250 iterations use
α P instead of P (early exaggeration, α = 12); the per-coordinate gains g grow by 0.2 where the
gradient changed sign and shrink by 0.8 where it kept its sign (Jacobs, 1988), never below 0.01.

Notes
-----
Differs from the lecture: the lecture only names t-SNE; this is the algorithm of the paper with
the exact O(N²) gradient (van der Maaten's reference ``tsne.py``) and scikit-learn's defaults:
PCA initialisation scaled to a standard deviation of 1e-4 and ``learning_rate="auto"`` =
max(N / α / 4, 50). It computes in float64 whatever the input dtype (a few hundred words: the
cost is N² per iteration; use it for N up to a few thousand).

References
----------
van der Maaten & Hinton, "Visualizing Data using t-SNE", JMLR 2008; Belkina et al. 2019 and
Linderman & Steinerberger 2019 (the learning rate N / α); Venna & Kaski 2001 (trustworthiness).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from seqlab.backend import get_array_module, host_rng, to_numpy

__all__ = ["PCAResult", "TSNEResult", "conditional_probabilities", "joint_probabilities",
           "kl_divergence", "kl_divergence_and_gradient", "pca", "pca_fit", "sq_distances",
           "trustworthiness", "tsne"]

_EPS = np.finfo(np.float64).eps  # the floor of p_ij and q_ij inside logarithms


class PCAResult(NamedTuple):
    """What :func:`pca_fit` returns."""

    Y: object              # (N, n_components) the projections (X - mean) @ components.T
    components: object     # (n_components, D) orthonormal principal directions (rows)
    explained_variance_ratio: object  # (n_components,) share of the total variance
    mean: object           # (D,) the column means removed first


class TSNEResult(NamedTuple):
    """What :func:`tsne` returns."""

    Y: object              # (N, n_components) the embedding
    kl_divergence: float   # KL(P || Q) at the end, eq. (4), with the true (unexaggerated) P
    kl_history: object     # (K, 2) array of (iteration, KL(P || Q)) every ``log_every``
    P: object              # (N, N) the joint affinities p_ij, eq. (2)


def _check_matrix(name: str, X, arg: str = "X"):
    if not hasattr(X, "ndim") or X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(f"{name}({arg}): expected a 2-D array (N, D) with N >= 2 rows, got "
                         f"{getattr(X, 'shape', type(X).__name__)}")


def pca_fit(X, n_components: int = 2) -> PCAResult:
    """PCA by the SVD of the centred data, with a deterministic sign per component.

    Parameters
    ----------
    X : array (N, D)
    n_components : int, 1 <= n_components <= min(N, D)

    Returns
    -------
    PCAResult(Y (N, k), components (k, D), explained_variance_ratio (k,), mean (D,))

    Notes
    -----
    Sign convention (scikit-learn's ``svd_flip`` on the components): the entry of largest
    magnitude of each component is positive, so the same data always gives the same picture.
    """
    _check_matrix("pca", X)
    if (isinstance(n_components, bool) or not isinstance(n_components, int | np.integer)
            or not 1 <= n_components <= min(X.shape)):
        raise ValueError(f"pca(n_components): expected an int in [1, {min(X.shape)}], got "
                         f"{n_components!r}")
    xp = get_array_module(X)
    mean = X.mean(axis=0)                                  # (D,)
    Xc = X - mean                                          # (N, D) centred
    _, S, Vt = xp.linalg.svd(Xc, full_matrices=False)      # Xc = U diag(S) Vt
    rows = xp.arange(Vt.shape[0])
    signs = xp.sign(Vt[rows, xp.argmax(xp.abs(Vt), axis=1)])  # (r,) sign of the largest entry
    Vt = Vt * signs[:, None]                               # flip so that entry is positive
    components = Vt[:n_components]                         # (k, D)
    var = S ** 2                                           # variance along each direction
    return PCAResult(Xc @ components.T, components, var[:n_components] / var.sum(), mean)


def pca(X, n_components: int = 2):
    """The first ``n_components`` principal-component coordinates of X: (N, n_components)."""
    return pca_fit(X, n_components).Y


def sq_distances(X):
    """Squared Euclidean distances ||x_i - x_j||^2, (N, N), zero diagonal, never negative."""
    xp = get_array_module(X)
    sq = (X * X).sum(axis=1)                               # (N,) ||x_i||^2
    D = sq[:, None] + sq[None, :] - 2.0 * (X @ X.T)        # (N, N)
    D = xp.maximum(D, 0.0)                                 # rounding can give -1e-15
    xp.fill_diagonal(D, 0.0)
    return D


def conditional_probabilities(D, perplexity: float = 30.0, tol: float = 1e-10,
                              max_iter: int = 200):
    """p_{j|i} of eq. (1) for all i at once, each row calibrated to the given perplexity.

    Parameters
    ----------
    D : array (N, N), squared distances (diagonal ignored)
    perplexity : float in (1, N - 1): 2^H(P_i), the effective number of neighbours
    tol : stop when |H(P_i) - log(perplexity)| < tol (nats) for every row

    Returns
    -------
    P_cond : (N, N), rows sum to 1, zero diagonal
    beta : (N,), the precisions 1 / (2 σ_i²) found by bisection
    """
    xp = get_array_module(D)
    N = D.shape[0]
    if not 1.0 < float(perplexity) < N - 1:
        raise ValueError(f"tsne(perplexity): expected a number in (1, N - 1) = (1, {N - 1}) "
                         f"for N = {N} points, got {perplexity!r}")
    D = D.astype(xp.float64)
    big = xp.eye(N, dtype=bool)
    D_off = xp.where(big, xp.inf, D)                       # exclude j = i
    D_off = D_off - D_off.min(axis=1, keepdims=True)       # shift: P unchanged, no underflow
    D_off = xp.where(big, 0.0, D_off)
    target = math.log(perplexity)                          # H in nats: log(perplexity)
    beta = xp.ones(N)
    lo, hi = xp.zeros(N), xp.full(N, xp.inf)
    for _ in range(max_iter):
        P = xp.exp(-D_off * beta[:, None])                 # (N, N) unnormalised, eq. (1)
        P = xp.where(big, 0.0, P)
        sum_P = P.sum(axis=1)                              # (N,) >= 1 (the nearest has exp(0))
        H = xp.log(sum_P) + beta * (D_off * P).sum(axis=1) / sum_P   # entropy in nats
        diff = H - target
        if float(xp.abs(diff).max()) < tol:
            break
        too_flat = diff > 0                                # entropy too high: raise beta
        lo = xp.where(too_flat, beta, lo)
        hi = xp.where(too_flat, hi, beta)
        beta = xp.where(xp.isinf(hi), beta * 2.0, (lo + hi) / 2.0)
    P = xp.exp(-D_off * beta[:, None])
    P = xp.where(big, 0.0, P)
    return P / P.sum(axis=1, keepdims=True), beta


def joint_probabilities(X, perplexity: float = 30.0):
    """The symmetric joint affinities p_ij = (p_{j|i} + p_{i|j}) / 2N of eq. (2), (N, N)."""
    P_cond, _ = conditional_probabilities(sq_distances(X), perplexity)
    P = (P_cond + P_cond.T) / (2.0 * P_cond.shape[0])      # (N, N) sums to 1
    return P


def _q_and_grad(P, Y):
    """Q's unnormalised kernel W, Q (eq. 3) and ∂KL/∂Y (eq. 5) for an embedding Y (N, d)."""
    xp = get_array_module(P, Y)
    W = 1.0 / (1.0 + sq_distances(Y))                      # (N, N) (1 + ||y_i - y_j||²)^-1
    xp.fill_diagonal(W, 0.0)
    Q = W / W.sum()                                        # (3)
    PQW = (P - Q) * W                                      # (N, N)
    dY = 4.0 * (PQW.sum(axis=1, keepdims=True) * Y - PQW @ Y)  # (5) Σ_j (..)(y_i - y_j)
    return Q, dY


def kl_divergence_and_gradient(P, Y):
    """(KL(P || Q(Y)) of eq. (4), ∂KL/∂Y (N, d) of eq. (5)) for joint P (N, N) summing to 1.

    p and q are floored at machine epsilon inside the logarithm (as scikit-learn does).
    """
    xp = get_array_module(P, Y)
    Q, dY = _q_and_grad(P, Y)
    return float((P * xp.log(xp.maximum(P, _EPS) / xp.maximum(Q, _EPS))).sum()), dY


def kl_divergence(P, Y) -> float:
    """KL(P || Q(Y)) of eq. (4)."""
    return kl_divergence_and_gradient(P, Y)[0]


def _initial_Y(X, n_components, init, random_state, xp):
    if isinstance(init, str) and init == "pca":
        Y = pca(X, n_components)
        return Y / Y[:, 0].std() * 1e-4                     # scikit-learn's scaling
    if isinstance(init, str) and init == "random":
        return xp.asarray(host_rng(random_state).normal(0.0, 1e-4, (X.shape[0], n_components)))
    Y = xp.asarray(to_numpy(init), dtype=xp.float64)
    if Y.shape != (X.shape[0], n_components):
        raise ValueError(f"tsne(init): expected 'pca', 'random' or an array of shape "
                         f"{(X.shape[0], n_components)}, got {getattr(init, 'shape', init)!r}")
    return Y.copy()


def tsne(X, n_components: int = 2, perplexity: float = 30.0, random_state: int = 0,
         n_iter: int = 1000, learning_rate: float | str = "auto",
         early_exaggeration: float = 12.0, exaggeration_iter: int = 250,
         init="pca", momentum: tuple[float, float] = (0.5, 0.8), min_gain: float = 0.01,
         callback: Callable[[int, object], None] | None = None, log_every: int = 50
         ) -> TSNEResult:
    """t-SNE with the exact gradient: eqs. (1)-(6).

    Parameters
    ----------
    X : array (N, D)
    n_components : int, the embedding's dimension d (2 for a page)
    perplexity : float in (1, N - 1), the effective number of neighbours of each point
    random_state : int, seeds the ``init="random"`` start (PCA init is deterministic)
    n_iter : int > exaggeration_iter, iterations in all
    learning_rate : float > 0 or "auto" (max(N / early_exaggeration / 4, 50))
    early_exaggeration : α >= 1, P is multiplied by α for the first ``exaggeration_iter`` steps
    init : "pca", "random" or an array (N, n_components)
    momentum : μ before and after the exaggeration phase
    callback : called as ``callback(iteration, Y)`` after every iteration (a live plot); Y is
        the current (N, d) array, do not modify it
    log_every : record KL(P || Q) every this many iterations in ``kl_history``

    Returns
    -------
    TSNEResult(Y (N, d), kl_divergence, kl_history (K, 2), P (N, N))
    """
    _check_matrix("tsne", X)
    if isinstance(n_iter, bool) or not isinstance(n_iter, int | np.integer) or \
            n_iter <= exaggeration_iter:
        raise ValueError(f"tsne(n_iter): expected an int > exaggeration_iter = "
                         f"{exaggeration_iter}, got {n_iter!r}")
    if not (learning_rate == "auto" or (isinstance(learning_rate, int | float)
                                         and learning_rate > 0)):
        raise ValueError(f"tsne(learning_rate): expected a number > 0 or 'auto', got "
                         f"{learning_rate!r}")
    xp = get_array_module(X)
    X = X.astype(xp.float64)
    N = X.shape[0]
    eta = max(N / early_exaggeration / 4.0, 50.0) if learning_rate == "auto" else learning_rate
    P = xp.maximum(joint_probabilities(X, perplexity), _EPS)   # (N, N), eq. (2)
    xp.fill_diagonal(P, 0.0)
    Y = _initial_Y(X, n_components, init, random_state, xp)
    update, gains = xp.zeros_like(Y), xp.ones_like(Y)
    history = []
    for it in range(n_iter):
        exaggerating = it < exaggeration_iter
        mu = momentum[0] if exaggerating else momentum[1]
        Q, dY = _q_and_grad(P * early_exaggeration if exaggerating else P, Y)
        flipped = (update * dY) < 0.0                      # gradient sign differs from the step
        gains = xp.where(flipped, gains + 0.2, gains * 0.8)
        gains = xp.maximum(gains, min_gain)
        update = mu * update - eta * (gains * dY)          # (6)
        Y = Y + update
        if callback is not None:
            callback(it, Y)
        if (it + 1) % log_every == 0 or it == n_iter - 1:
            history.append((it + 1, kl_divergence(P, Y)))
    return TSNEResult(Y, history[-1][1], xp.asarray(history), P)


def trustworthiness(X, Y, n_neighbors: int = 5) -> float:
    """How far the embedding's k nearest neighbours are from being neighbours in X (1 = all are).

    T(k) = 1 - 2 / (N k (2N - 3k - 1)) Σ_i Σ_{j ∈ U_i^k} (r(i, j) - k), where U_i^k are the
    k nearest neighbours of i on the page that are not among its k nearest in X, and r(i, j)
    is j's rank among i's neighbours in X (scikit-learn's ``manifold.trustworthiness``).
    """
    _check_matrix("trustworthiness", X)
    _check_matrix("trustworthiness", Y, "Y")
    N = X.shape[0]
    if not 1 <= n_neighbors < N / 2:
        raise ValueError(f"trustworthiness(n_neighbors): expected 1 <= k < N / 2 = {N / 2}, "
                         f"got {n_neighbors!r}")
    xp = get_array_module(X, Y)
    D_X, D_Y = sq_distances(X), sq_distances(Y)
    xp.fill_diagonal(D_X, xp.inf)
    xp.fill_diagonal(D_Y, xp.inf)
    order_X = xp.argsort(D_X, axis=1)                       # (N, N) neighbours in X, nearest 1st
    rows = xp.arange(N)[:, None]
    rank = xp.empty((N, N), dtype=xp.int64)
    rank[rows, order_X] = xp.arange(1, N + 1)               # rank[i, j] = r(i, j)
    near_Y = xp.argsort(D_Y, axis=1)[:, :n_neighbors]       # (N, k) neighbours on the page
    excess = rank[rows, near_Y] - n_neighbors
    t = excess[excess > 0].sum()
    return float(1.0 - float(t) * 2.0 / (N * n_neighbors * (2.0 * N - 3.0 * n_neighbors - 1.0)))
