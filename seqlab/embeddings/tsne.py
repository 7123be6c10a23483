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

from seqlab._validate import (
    as_array,
    check_callable,
    check_choice,
    check_finite,
    check_int,
    check_number,
    check_rng,
    check_shape,
    fmt,
    got,
)
from seqlab.backend import get_array_module, to_numpy

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


def _matrix(X, where: str, rows: int = 2, symbols: str = "(N, D)", finite: bool = True):
    """X as a float 2-D array with at least ``rows`` rows (lists converted, ints promoted)."""
    X = as_array(X, where, ndim=2, symbols=symbols)
    if X.shape[0] < rows:
        raise ValueError(f"{where}: expected a 2-D array {symbols} with N >= {rows} rows, got "
                         f"shape {fmt(X.shape)}")
    if finite:
        check_finite(X, where, advice="t-SNE and PCA need finite coordinates")
    return X


def _affinities(P, Y, fname: str):
    """Check P (N, N) >= 0 and a finite Y (N, d) with the same N; return both as floats."""
    P = as_array(P, f"{fname}(P)", ndim=2, symbols="(N, N) of joint probabilities")
    if P.shape[0] != P.shape[1] or not float(P.min(initial=0.0)) >= 0:
        raise ValueError(f"{fname}(P): expected a square (N, N) array of probabilities >= 0, "
                         f"got shape {fmt(P.shape)}, minimum {float(P.min(initial=0.0))}")
    Y = _matrix(Y, f"{fname}(Y)", 1, "(N, d)")
    check_shape(Y, (P.shape[0], Y.shape[1]), "(N, d), one row per row of P", f"{fname}(Y)")
    return P, Y


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
    return _pca_fit(X, n_components, "pca_fit")


def _pca_fit(X, n_components, fname: str) -> PCAResult:
    X = _matrix(X, f"{fname}(X)")
    n_components = check_int(n_components, f"{fname}(n_components)", 1, min(X.shape))
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
    return _pca_fit(X, n_components, "pca").Y


def sq_distances(X):
    """Squared Euclidean distances ||x_i - x_j||^2, (N, N), zero diagonal, never negative."""
    X = _matrix(X, "sq_distances(X)", 1, finite=False)
    return _sq_distances(X)


def _sq_distances(X):
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
    f = "conditional_probabilities"
    D = as_array(D, f"{f}(D)", ndim=2, symbols="(N, N) of squared distances")
    if D.shape[0] != D.shape[1] or D.shape[0] < 2 or not float(D.min()) >= 0:
        raise ValueError(f"{f}(D): expected a square (N, N) array of squared distances >= 0 "
                         f"with N >= 2, got shape {fmt(D.shape)}, minimum {float(D.min())}")
    return _conditional(D, perplexity, check_number(tol, f"{f}(tol)", 0, low_open=True),
                        check_int(max_iter, f"{f}(max_iter)", 1), f)


def _conditional(D, perplexity, tol, max_iter, fname: str):
    xp = get_array_module(D)
    N = D.shape[0]
    check_number(perplexity, f"{fname}(perplexity) (for N = {N} points)", 1, N - 1,
                 low_open=True, high_open=True)
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
    return _joint(_matrix(X, "joint_probabilities(X)"), perplexity, "joint_probabilities")


def _joint(X, perplexity, fname: str):
    P_cond, _ = _conditional(_sq_distances(X), perplexity, 1e-10, 200, fname)
    P = (P_cond + P_cond.T) / (2.0 * P_cond.shape[0])      # (N, N) sums to 1
    return P


def _q_and_grad(P, Y):
    """Q's unnormalised kernel W, Q (eq. 3) and ∂KL/∂Y (eq. 5) for an embedding Y (N, d)."""
    xp = get_array_module(P, Y)
    W = 1.0 / (1.0 + _sq_distances(Y))                      # (N, N) (1 + ||y_i - y_j||²)^-1
    xp.fill_diagonal(W, 0.0)
    Q = W / W.sum()                                        # (3)
    PQW = (P - Q) * W                                      # (N, N)
    dY = 4.0 * (PQW.sum(axis=1, keepdims=True) * Y - PQW @ Y)  # (5) Σ_j (..)(y_i - y_j)
    return Q, dY


def kl_divergence_and_gradient(P, Y):
    """(KL(P || Q(Y)) of eq. (4), ∂KL/∂Y (N, d) of eq. (5)) for joint P (N, N) summing to 1.

    p and q are floored at machine epsilon inside the logarithm (as scikit-learn does).
    """
    return _kl_and_gradient(*_affinities(P, Y, "kl_divergence_and_gradient"))


def _kl_and_gradient(P, Y):
    xp = get_array_module(P, Y)
    Q, dY = _q_and_grad(P, Y)
    return float((P * xp.log(xp.maximum(P, _EPS) / xp.maximum(Q, _EPS))).sum()), dY


def kl_divergence(P, Y) -> float:
    """KL(P || Q(Y)) of eq. (4)."""
    return _kl_and_gradient(*_affinities(P, Y, "kl_divergence"))[0]


def _initial_Y(X, n_components, init, random_state, xp):
    if isinstance(init, str):
        if check_choice(init, ("pca", "random"), "tsne(init)") == "pca":
            Y = _pca_fit(X, n_components, "tsne").Y
            return Y / Y[:, 0].std() * 1e-4                 # scikit-learn's scaling
        return xp.asarray(random_state.normal(0.0, 1e-4, (X.shape[0], n_components)))
    Y = xp.asarray(to_numpy(_matrix(init, "tsne(init)", 1, "(N, n_components)")),
                   dtype=xp.float64)
    check_shape(Y, (X.shape[0], n_components), "(N, n_components), or 'pca' or 'random'",
                "tsne(init)")
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
    X = _matrix(X, "tsne(X)")
    exaggeration_iter = check_int(exaggeration_iter, "tsne(exaggeration_iter)", 0)
    n_iter = check_int(n_iter, f"tsne(n_iter) (> exaggeration_iter = {exaggeration_iter})",
                       exaggeration_iter + 1)
    early_exaggeration = check_number(early_exaggeration, "tsne(early_exaggeration)", 1)
    if not isinstance(learning_rate, str):
        learning_rate = check_number(learning_rate, "tsne(learning_rate) (or 'auto')", 0,
                                     low_open=True)
    elif learning_rate != "auto":
        raise ValueError(f"tsne(learning_rate): expected a number > 0 or 'auto', got "
                         f"{learning_rate!r}")
    if not (isinstance(momentum, tuple | list) and len(momentum) == 2):
        raise TypeError(f"tsne(momentum): expected a pair (μ before, μ after), got "
                        f"{got(momentum)}")
    momentum = [check_number(mu, "tsne(momentum)", 0, 1, high_open=True) for mu in momentum]
    check_number(min_gain, "tsne(min_gain)", 0, low_open=True)
    log_every = check_int(log_every, "tsne(log_every)", 1)
    n_components = check_int(n_components, "tsne(n_components)", 1)
    if callback is not None:
        check_callable(callback, "tsne(callback)", "a callable callback(iteration, Y)")
    random_state = check_rng(random_state, "tsne(random_state)")
    xp = get_array_module(X)
    X = X.astype(xp.float64)
    N = X.shape[0]
    eta = max(N / early_exaggeration / 4.0, 50.0) if learning_rate == "auto" else learning_rate
    P = xp.maximum(_joint(X, perplexity, "tsne"), _EPS)  # (N, N), eq. (2)
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
            history.append((it + 1, _kl_and_gradient(P, Y)[0]))
    return TSNEResult(Y, history[-1][1], xp.asarray(history), P)


def trustworthiness(X, Y, n_neighbors: int = 5) -> float:
    """How far the embedding's k nearest neighbours are from being neighbours in X (1 = all are).

    T(k) = 1 - 2 / (N k (2N - 3k - 1)) Σ_i Σ_{j ∈ U_i^k} (r(i, j) - k), where U_i^k are the
    k nearest neighbours of i on the page that are not among its k nearest in X, and r(i, j)
    is j's rank among i's neighbours in X (scikit-learn's ``manifold.trustworthiness``).
    """
    X = _matrix(X, "trustworthiness(X)")
    Y = _matrix(Y, "trustworthiness(Y)", symbols="(N, d)")
    N = X.shape[0]
    check_shape(Y, (N, Y.shape[1]), "(N, d), one row per row of X", "trustworthiness(Y)")
    n_neighbors = check_int(n_neighbors, f"trustworthiness(n_neighbors) (k < N / 2 = {N / 2})",
                            1, (N - 1) // 2)
    xp = get_array_module(X, Y)
    D_X, D_Y = _sq_distances(X), _sq_distances(Y)
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
