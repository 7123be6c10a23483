r"""Learning embeddings with a neural language model, and word2vec's full softmax.

*Sequence Models*, week 2, "Learning word embeddings" (Bengio et al. 2003): to predict the
next word from the n_ctx words before it ("a glass of orange ___"), look each context word up
in E, stack the embeddings into one long vector, and feed it to a hidden layer and a softmax
over the vocabulary. Trained by backpropagation, E learns vectors in which words that fit the
same contexts (orange, apple) end up close.

(1) e_j = E o_{c_j}                            for the n_ctx context words (lookup)
(2) x = [e_1; e_2; ...; e_n_ctx]               (n_ctx · n_e, m)
(3) a = tanh(W_1 x + b_1)                      (n_h, m)
(4) ŷ = softmax(W_2 a + b_2)                   (V, m)
(5) J = -(1/m) Σ log ŷ_t

Word2vec's skip-gram with a full softmax is the smallest such model: one context word, no
hidden layer, no bias (the course's slide):

(6) p(t | c) = exp(θ_tᵀ e_c) / Σ_j exp(θ_jᵀ e_c),   Theta (n_e, V), column j is θ_j
(7) dz = ŷ - y,   de_c = Theta dz,   dTheta = e_c dzᵀ  (z = Thetaᵀ e_c)

CBOW feeds the MEAN of the window's embeddings in place of e_c (done in :mod:`.word2vec`).

Shapes: context (m, n_ctx) int, target (m,) int, E (n_e, V), W_1 (n_h, n_ctx·n_e),
b_1 (n_h, 1), W_2 (V, n_h), b_2 (V, 1).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from seqlab._validate import (
    as_array,
    check_cache,
    check_float_dtype,
    check_ids,
    check_int,
    check_keys,
    check_rng,
    check_shape,
)
from seqlab.arrays import randn, zeros
from seqlab.backend import get_array_module
from seqlab.layers.dense import dense_backward, dense_forward
from seqlab.layers.embedding import embedding_backward, embedding_forward
from seqlab.losses import cross_entropy

__all__ = ["NPLMCache", "SoftmaxCache", "init_nplm_params", "nplm_backward", "nplm_forward",
           "softmax_backward", "softmax_forward"]

NPLM_KEYS = ("E", "W_1", "b_1", "W_2", "b_2")


NPLM_KEYS = ("E", "W_1", "b_1", "W_2", "b_2")


class NPLMCache(NamedTuple):
    """What :func:`nplm_backward` needs."""

    emb: Any
    hidden: Any
    out: Any
    dz: Any
    n_ctx: int


def init_nplm_params(V: int, n_e: int, n_h: int, n_ctx: int, rng, dtype=None, xp=None) -> dict:
    """Small random E, W_1, W_2 (scale 0.1) and zero biases, drawn on the host."""
    import numpy as np

    V, n_e, n_h, n_ctx = (check_int(v, f"init_nplm_params({k})", 1) for k, v in (
        ("V", V), ("n_e", n_e), ("n_h", n_h), ("n_ctx", n_ctx)))
    rng = check_rng(rng, "init_nplm_params(rng)")
    dtype = check_float_dtype(dtype or np.float64, "init_nplm_params(dtype)")
    return {"E": randn(rng, (n_e, V), 0.1, dtype, xp),
            "W_1": randn(rng, (n_h, n_ctx * n_e), 0.1, dtype, xp),
            "b_1": zeros((n_h, 1), dtype),
            "W_2": randn(rng, (V, n_h), 0.1, dtype, xp), "b_2": zeros((V, 1), dtype)}


def nplm_forward(context, target, params: dict):
    """Loss (5) of the neural language model on m examples.

    Parameters
    ----------
    context : int array (m, n_ctx), the previous words, oldest first
    target : int array (m,), the word to predict
    params : dict with E, W_1, b_1, W_2, b_2 (shapes in the module docstring)

    Returns
    -------
    J : scalar, mean cross-entropy
    cache : NPLMCache
    """
    check_keys(params, NPLM_KEYS, "nplm_forward(params)")
    n_e, V = params["E"].shape
    context = as_array(context, "nplm_forward(context)", "int", ndim=2, symbols="(m, n_ctx)")
    context = check_ids(context, V, "nplm_forward(context)")
    m, n_ctx = context.shape
    if params["W_1"].shape[1] != n_ctx * n_e:
        raise ValueError(f"nplm_forward(context): expected (m, n_ctx) with n_ctx * n_e = "
                         f"params['W_1'] columns = {params['W_1'].shape[1]} (n_e = {n_e}), got "
                         f"shape {tuple(context.shape)}")
    target = check_ids(target, V, "nplm_forward(target)")
    check_shape(target, (m,), "(m,), one per row of context", "nplm_forward(target)")
    e, emb = embedding_forward(context.T, params["E"])    # (1) e_j = E o_cj  (n_e, n_ctx, m)
    x = e.transpose(1, 0, 2).reshape(n_ctx * n_e, m)      # (2) x = [e_1; ...]  (n_ctx·n_e, m)
    a, hidden = dense_forward(x, params["W_1"], params["b_1"], "tanh")  # (3)
    z, out = dense_forward(a, params["W_2"], params["b_2"], "identity")  # logits    (V, m)
    J, dz = cross_entropy(z, target)                      # (4, 5) softmax + cross-entropy
    return J, NPLMCache(emb, hidden, out, dz, n_ctx)


def nplm_backward(cache: NPLMCache) -> dict:
    """Gradients of :func:`nplm_forward`: a dict with the keys of ``params``."""
    check_cache(cache, NPLMCache, "nplm_backward")
    da, g2 = dense_backward(cache.dz, cache.out)          # through W_2 a + b_2
    dx, g1 = dense_backward(da, cache.hidden)             # through tanh(W_1 x + b_1)
    n_e = cache.emb.E_shape[0]
    m = dx.shape[1]
    de = dx.reshape(cache.n_ctx, n_e, m).transpose(1, 0, 2)  # undo (2)      (n_e, n_ctx, m)
    dE = embedding_backward(de, cache.emb)                # scatter-add into E's columns
    return {"E": dE, "W_1": g1["W"], "b_1": g1["b"], "W_2": g2["W"], "b_2": g2["b"]}


class SoftmaxCache(NamedTuple):
    """What :func:`softmax_backward` needs."""

    e_c: Any
    Theta: Any
    dz: Any


def softmax_forward(e_c, Theta, t):
    """Word2vec's full-softmax loss (6): J = mean -log p(t | c).

    Parameters
    ----------
    e_c : array (n_e, m); Theta : array (n_e, V); t : int array (m,)

    Returns
    -------
    J : scalar; cache : SoftmaxCache
    """
    e_c = as_array(e_c, "softmax_forward(e_c)", ndim=2, symbols="(n_e, m)")
    Theta = as_array(Theta, "softmax_forward(Theta)", ndim=2, symbols="(n_e, V)")
    if Theta.shape[0] != e_c.shape[0]:
        raise ValueError(f"softmax_forward(Theta): expected e_c (n_e, m) and Theta (n_e, V) "
                         f"with the same n_e, got {getattr(e_c, 'shape', None)} and "
                         f"{getattr(Theta, 'shape', None)}")
    t = check_ids(t, Theta.shape[1], "softmax_forward(t)")
    check_shape(t, (e_c.shape[1],), "(m,), one per column of e_c", "softmax_forward(t)")
    z = Theta.T @ e_c                                     # z_j = θ_jᵀ e_c         (V, m)
    J, dz = cross_entropy(z, t)                           # (6)
    return J, SoftmaxCache(e_c, Theta, dz)


def softmax_backward(cache: SoftmaxCache):
    """(7): returns de_c (n_e, m) and dTheta (n_e, V)."""
    check_cache(cache, SoftmaxCache, "softmax_backward")
    xp = get_array_module(cache.dz)
    de_c = cache.Theta @ cache.dz                         # de_c = Θ dz
    dTheta = xp.matmul(cache.e_c, cache.dz.T)             # dΘ = e_c dzᵀ
    return de_c, dTheta
