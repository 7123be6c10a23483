r"""GloVe: global vectors from co-occurrence counts, trained with AdaGrad.

*Sequence Models*, week 2: "GloVe word vectors" (Pennington, Socher & Manning, 2014). Count how
often word j appears in the context of word i over the whole corpus, X_ij, then fit vectors so
that their dot product predicts log X_ij, weighting each pair by f(X_ij).

Shapes
------
==================  ============  ==========================================================
name                shape         meaning
==================  ============  ==========================================================
ids, segment        (N,)          the corpus as word ids, and the sentence each token is in
i, j, x             (nnz,)        the nonzero X_ij as triples: word i, context j, X_ij
W, W_tilde          (V, d)        θ_i (word vectors) and e_j (context vectors), one per row
b, b_tilde          (V,)          biases b_i and b̃_j
w_i, w_tilde_j      (B, d)        rows W[i], W_tilde[j] of a minibatch of B pairs
diff, f             (B,)          the residual (eq. 3) and the weight f(X_ij) of each pair
vectors             (V, d)        the final vectors (W + W_tilde) / 2 (eq. 6)
==================  ============  ==========================================================

Equations
---------
.. math::

    (1)\quad X_{ij} = \sum_{\text{tokens } t = i} \ \sum_{1 \le |k| \le \text{window}}
        \frac{[\text{token}_{t+k} = j]}{|k|}  \quad\text{(distance-weighted, symmetric)}

    (2)\quad f(x) = (x / x_{max})^{\alpha} \ \text{if } x < x_{max} \text{ else } 1

    (3)\quad \mathrm{diff}_{ij} = w_i^T \tilde w_j + b_i + \tilde b_j - \log X_{ij}

    (4)\quad J = \textstyle\sum_{X_{ij} > 0} f(X_{ij})\, \mathrm{diff}_{ij}^2

    (5)\quad \frac{\partial J}{\partial w_i} = 2 f \mathrm{diff}\, \tilde w_j, \quad
        \frac{\partial J}{\partial \tilde w_j} = 2 f \mathrm{diff}\, w_i, \quad
        \frac{\partial J}{\partial b_i} = \frac{\partial J}{\partial \tilde b_j} = 2 f \mathrm{diff}
        \quad\text{(summed over the pairs that use each row)}

    (6)\quad e_w^{(final)} = (w_w + \tilde w_w) / 2

AdaGrad on every parameter (the paper's optimizer; :class:`seqlab.optim.Adagrad`'s equations):
G := G + dW², W := W - α dW / (√G + ε).

Notes
-----
Differs from the lecture: the lecture writes θ_c^T e_t; here θ = ``W`` (rows: words) and
e = ``W_tilde`` (rows: context words), one word per row as in gensim and KeyedVectors. The
reference C code minimizes ½J and takes one AdaGrad step per pair (asynchronously); here J has
no ½ (the lecture's formula; same minimizer) and the steps are vectorized over shuffled
minibatches of B pairs: the gradients of the pairs that share a row are summed first, and only
the rows a minibatch touches are updated (a dense AdaGrad step with zero gradient elsewhere does
the same, which the tests check against ``torch.optim.Adagrad``). As in the C code, words under
``min_count`` are removed before the windows are taken, and windows stop at sentence ends.
The AdaGrad sums start at 0 (``initial_accumulator``, as in torch), not at 1 as in the C code:
from 1 the first steps are α·dW, tiny for the small initial vectors, which billions of per-pair
steps make up for but a few epochs on a 1M-token corpus do not (measured on 362k tokens,
10 epochs: analogy accuracy 0.3% from 1, 3.2% from 0). For a small corpus x_max = 10 (as in
GloVe's ``demo.sh``) suits better than the paper's 100: fewer pairs reach full weight.

Counting (1) lives in :mod:`seqlab.embeddings.cooccurrence` (a range of words at a time, so the
773k-token corpus is counted in about 105 MB instead of 770 MB); its names are re-exported here.

References
----------
Pennington, Socher & Manning, "GloVe: Global Vectors for Word Representation", EMNLP 2014;
https://github.com/stanfordnlp/GloVe (``cooccur.c``, ``glove.c``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

import numpy as np

from seqlab._validate import (
    as_array,
    check_cache,
    check_callable,
    check_finite,
    check_float_array,
    check_float_dtype,
    check_ids,
    check_instance,
    check_int,
    check_keys,
    check_number,
    check_rng,
    check_shape,
    check_token_lists,
)
from seqlab.backend import get_array_module, host
from seqlab.data.corpus import build_vocab
from seqlab.embeddings.cooccurrence import (  # re-exported: counting (1) lives there
    Cooccurrence,
    cooccurrence,
    cooccurrence_matrix,
    cooccurrence_probabilities,
    encode,
)
from seqlab.scatter import row_sums, scatter_add

__all__ = ["Cooccurrence", "GloveCache", "GloveModel", "adagrad_rows", "cooccurrence",
           "cooccurrence_matrix", "cooccurrence_probabilities", "encode", "fit_glove",
           "glove_backward", "glove_forward", "init_glove_params", "train_glove", "weighting"]

GLOVE_KEYS = ("W", "W_tilde", "b", "b_tilde")


class GloveCache(NamedTuple):
    """What :func:`glove_backward` needs from :func:`glove_forward`."""

    i: object          # (B,) word ids
    j: object          # (B,) context ids
    w_i: object        # (B, d) W[i]
    w_tilde_j: object  # (B, d) W_tilde[j]
    f: object          # (B,) f(X_ij)
    diff: object       # (B,) eq. (3)
    shapes: tuple      # ((V, d), (V, d)): the shapes of W and W_tilde


class GloveModel(NamedTuple):
    """What :func:`fit_glove` / :func:`train_glove` return."""

    words: list      # V words, most frequent first
    vectors: object  # (V, d) final vectors (W + W_tilde) / 2, eq. (6)
    params: dict     # W, W_tilde, b, b_tilde after training
    losses: list     # J / nnz after each epoch (the mean weighted squared error)

    @property
    def wv(self):
        """The final vectors as :class:`seqlab.embeddings.KeyedVectors` (gensim's ``model.wv``)."""
        from seqlab.embeddings.keyed_vectors import KeyedVectors

        return KeyedVectors(self.words, self.vectors)


# ------------------------------------------------------------------------- the loss (2)-(5)


def weighting(x, x_max: float = 100.0, alpha: float = 0.75):
    """f(x) = (x / x_max)^α for x < x_max, else 1 (eq. 2); f(0) = 0. Same shape as ``x``."""
    return _weighting(x, x_max, alpha, "weighting")


def _weighting(x, x_max, alpha, fname: str):
    x_max = check_number(x_max, f"{fname}(x_max)", 0, low_open=True)
    alpha = check_number(alpha, f"{fname}(alpha)", 0)
    x = as_array(x, f"{fname}(x)", symbols="of counts X_ij >= 0")
    xp = get_array_module(x)
    if x.size and not float(xp.nanmin(x)) >= 0:
        raise ValueError(f"{fname}(x): expected counts X_ij >= 0, got a minimum of "
                         f"{float(xp.nanmin(x))}")
    return xp.where(x < x_max, (xp.maximum(x, 0) / x_max) ** alpha, 1.0)


def init_glove_params(vocab_size: int, vector_size: int, rng=0, dtype=np.float64, xp=None):
    """W, W_tilde ~ U(-0.5, 0.5) / d and b, b_tilde ~ U(-0.5, 0.5) / d (as in ``glove.c``)."""
    vocab_size = check_int(vocab_size, "init_glove_params(vocab_size)", 1)
    vector_size = check_int(vector_size, "init_glove_params(vector_size)", 1)
    dtype = check_float_dtype(dtype, "init_glove_params(dtype)")
    rng = check_rng(rng, "init_glove_params(rng)")
    xp = xp or host
    draw = {"W": (vocab_size, vector_size), "W_tilde": (vocab_size, vector_size),
            "b": (vocab_size,), "b_tilde": (vocab_size,)}
    return {k: xp.asarray((rng.random(s) - 0.5) / vector_size, dtype=dtype)
            for k, s in draw.items()}


def glove_forward(params: dict, i, j, x, x_max: float = 100.0, alpha: float = 0.75):
    """J = Σ f(X_ij) (w_i·w̃_j + b_i + b̃_j - log X_ij)² over the B pairs given (eqs. 2-4).

    Parameters
    ----------
    params : dict W, W_tilde (V, d), b, b_tilde (V,)
    i, j : int arrays (B,), x : float array (B,) of X_ij > 0

    Returns
    -------
    J : float (a 0-d array on CuPy), cache : :class:`GloveCache`
    """
    check_keys(params, GLOVE_KEYS, "glove_forward(params)")
    W, W_tilde, b, b_tilde = (params[k] for k in GLOVE_KEYS)
    xp = get_array_module(W, x)
    check_float_array(W, "glove_forward(params['W'])")
    V = W.shape[0] if W.ndim == 2 else None
    for k, shape in zip(GLOVE_KEYS, (W.shape, W.shape, W.shape[:1], W.shape[:1]), strict=True):
        if V is None or tuple(params[k].shape) != shape:
            raise ValueError(f"glove_forward(params): expected {k!r} of shape "
                             f"{'(V, d)' if k.startswith('W') else '(V,)'}, got "
                             f"{[(k, tuple(params[k].shape)) for k in GLOVE_KEYS]}")
    i, j = check_ids(i, V, "glove_forward(i)"), check_ids(j, V, "glove_forward(j)")
    x = as_array(x, "glove_forward(x)").astype(W.dtype)
    for name, v in (("j", j), ("x", x)):
        check_shape(v, tuple(i.shape), "(B,), one per pair", f"glove_forward({name})")
    check_finite(x, "glove_forward(x)", "counts", "a loss needs finite inputs")
    if x.size and not bool((x > 0).all()):
        raise ValueError("glove_forward(x): expected X_ij > 0 (only nonzero entries enter J), "
                         f"got a minimum of {float(x.min())}")
    w_i, w_tilde_j = W[i], W_tilde[j]                                    # (B, d) each
    diff = (w_i * w_tilde_j).sum(axis=1) + b[i] + b_tilde[j] - xp.log(x)  # (3)
    f = _weighting(x, x_max, alpha, "glove_forward").astype(W.dtype)     # (2)
    J = (f * diff * diff).sum()                                          # (4)
    return J, GloveCache(i, j, w_i, w_tilde_j, f, diff, (W.shape, W_tilde.shape))


def _pair_grads(cache: GloveCache, dJ=1.0):
    """Eq. (5) per pair: (dw_i, dw_tilde_j (B, d), db (B,)), the gradient of each pair's term."""
    g = 2.0 * dJ * cache.f * cache.diff                 # (B,) ∂J/∂diff = 2 f diff
    return g[:, None] * cache.w_tilde_j, g[:, None] * cache.w_i, g


def glove_backward(cache: GloveCache, dJ=1.0) -> dict:
    """Dense gradients of J (eq. 5): ``grads`` with the keys and shapes of ``params``.

    A row used by several pairs gets the sum of their gradients (scatter-add).
    """
    check_cache(cache, GloveCache, "glove_backward")
    dw_i, dw_tilde_j, g = _pair_grads(cache, check_number(dJ, "glove_backward(dJ)"))
    xp = get_array_module(g)
    (V, d), _ = cache.shapes
    grads = {"W": xp.zeros((V, d), dtype=g.dtype), "W_tilde": xp.zeros((V, d), dtype=g.dtype),
             "b": xp.zeros(V, dtype=g.dtype), "b_tilde": xp.zeros(V, dtype=g.dtype)}
    scatter_add(grads["W"], cache.i, dw_i)              # (5) Σ over pairs with word i
    scatter_add(grads["W_tilde"], cache.j, dw_tilde_j)  # (5) Σ over pairs with context j
    scatter_add(grads["b"], cache.i, g)
    scatter_add(grads["b_tilde"], cache.j, g)
    return grads


# ----------------------------------------------------------------------------- training


def adagrad_rows(param, G, rows, grad_rows, lr: float, eps: float = 1e-10) -> None:
    """AdaGrad on the given rows only (in place): G[r] += g², param[r] -= lr g / (√G[r] + ε).

    ``rows`` must be unique (use sums); other rows have zero gradient and do not move.
    """
    f = "adagrad_rows"
    check_float_array(param, f"{f}(param)", " (updated in place)")
    check_float_array(G, f"{f}(G)", " (updated in place)")
    check_shape(G, param.shape, "param's shape", f"{f}(G)")
    rows = check_ids(rows, param.shape[0], f"{f}(rows)")
    xp = get_array_module(param)
    if int(xp.unique(rows).size) != int(rows.size):
        raise ValueError(f"{f}(rows): expected unique rows (sum the gradients of a repeated "
                         f"row first), got repeats")
    grad_rows = as_array(grad_rows, f"{f}(grad_rows)")
    check_shape(grad_rows, (rows.size, *param.shape[1:]), "(len(rows), ...)", f"{f}(grad_rows)")
    check_finite(grad_rows, f"{f}(grad_rows)", "gradients", "clip them or lower the learning "
                 "rate; no row was changed")
    _adagrad_rows(param, G, rows, grad_rows, check_number(lr, f"{f}(lr)", 0, low_open=True),
                  check_number(eps, f"{f}(eps)", 0, low_open=True))


def _adagrad_rows(param, G, rows, grad_rows, lr: float, eps: float) -> None:
    """:func:`adagrad_rows` without the checks (the training loop's rows are unique)."""
    xp = get_array_module(param)
    G_r = G[rows] + grad_rows * grad_rows            # G := G + dW² on the touched rows
    G[rows] = G_r
    param[rows] -= lr * grad_rows / (xp.sqrt(G_r) + eps)  # W := W - α dW / (√G + ε)


def fit_glove(cooc: Cooccurrence, vector_size: int = 100, x_max: float = 100.0,
              alpha: float = 0.75, epochs: int = 15, lr: float = 0.05, batch_size: int = 8192,
              seed: int = 0, dtype=np.float32, callback: Callable | None = None,
              progress: bool = True, initial_accumulator: float = 0.0) -> GloveModel:
    """Train GloVe on precomputed co-occurrences: AdaGrad over shuffled minibatches of X_ij > 0.

    ``callback(epoch, loss, params)`` runs after each epoch (loss = J / nnz of that epoch,
    measured as the minibatches went by). ``initial_accumulator`` is where the AdaGrad sums G
    start (``glove.c``: 1; torch: 0). Returns a :class:`GloveModel`.
    """
    for name, v in (("vector_size", vector_size), ("epochs", epochs), ("batch_size", batch_size)):
        check_int(v, f"fit_glove({name})", 1)
    check_number(lr, "fit_glove(lr)", 0, low_open=True)
    check_number(x_max, "fit_glove(x_max)", 0, low_open=True)
    check_number(alpha, "fit_glove(alpha)", 0)
    check_number(initial_accumulator, "fit_glove(initial_accumulator)", 0)
    check_instance(cooc, Cooccurrence, "fit_glove(cooc)")
    if callback is not None:
        check_callable(callback, "fit_glove(callback)", "a callable callback(epoch, loss, params)")
    from tqdm.auto import tqdm

    rng = check_rng(seed, "fit_glove(seed)")
    xp = get_array_module(cooc.x)
    V, nnz = len(cooc.words), int(cooc.x.size)
    if nnz == 0:
        raise ValueError("fit_glove(cooc): no co-occurrences (empty corpus or window)")
    params = init_glove_params(V, vector_size, rng, dtype, xp)
    G = {k: xp.full_like(v, initial_accumulator) for k, v in params.items()}  # AdaGrad sums
    log_x = xp.log(cooc.x).astype(dtype)                           # (nnz,) log X_ij
    f_all = weighting(cooc.x, x_max, alpha).astype(dtype)          # (nnz,) f(X_ij), eq. (2)
    W, W_tilde, b, b_tilde = (params[k] for k in GLOVE_KEYS)
    losses = []
    bar = tqdm(total=epochs * nnz, disable=not progress, unit="pair", unit_scale=True,
               desc="GloVe")
    for epoch in range(epochs):
        perm = xp.asarray(rng.permutation(nnz))                    # shuffle the nonzeros
        total = 0.0
        for start in range(0, nnz, batch_size):
            idx = perm[start:start + batch_size]
            i, j = cooc.i[idx], cooc.j[idx]
            w_i, w_tilde_j = W[i], W_tilde[j]                      # (B, d)
            diff = (w_i * w_tilde_j).sum(axis=1) + b[i] + b_tilde[j] - log_x[idx]  # (3)
            g = 2.0 * f_all[idx] * diff                            # (B,) ∂J/∂diff
            total += float((f_all[idx] * diff * diff).sum())       # (4)
            unique, (dW, db) = row_sums(i, g[:, None] * w_tilde_j, g)  # (5) Σ shared rows
            _adagrad_rows(W, G["W"], unique, dW, lr, 1e-10)
            _adagrad_rows(b, G["b"], unique, db, lr, 1e-10)
            unique, (dW_tilde, db_tilde) = row_sums(j, g[:, None] * w_i, g)
            _adagrad_rows(W_tilde, G["W_tilde"], unique, dW_tilde, lr, 1e-10)
            _adagrad_rows(b_tilde, G["b_tilde"], unique, db_tilde, lr, 1e-10)
            bar.update(int(idx.size))
        losses.append(total / nnz)
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
        if callback is not None:
            callback(epoch, losses[-1], params)
    bar.close()
    return GloveModel(list(cooc.words), (W + W_tilde) / 2, params, losses)  # (6)


def train_glove(sentences: Iterable[Sequence[str]], vector_size: int = 100, window: int = 10,
                min_count: int = 5, max_vocab: int | None = None, x_max: float = 100.0,
                alpha: float = 0.75, epochs: int = 15, lr: float = 0.05,
                batch_size: int = 8192, seed: int = 0, dtype=np.float32,
                callback: Callable | None = None, progress: bool = True) -> GloveModel:
    """GloVe from tokenized sentences: vocabulary, co-occurrences (1), then :func:`fit_glove`.

    Parameters
    ----------
    sentences : iterable of lists of str (tokens); windows never cross a sentence's end
    vector_size : d; window : context words on each side; min_count, max_vocab : vocabulary
    x_max, alpha : the weighting function (2); epochs, lr, batch_size, seed : training

    Returns
    -------
    :class:`GloveModel` (words, vectors (V, d), params, losses)
    """
    f = "train_glove"
    sentences = [list(s) for s in check_token_lists(sentences, f"{f}(sentences)", empty=False)]
    if not all(isinstance(w, str) for s in sentences[:10] for w in s):
        raise TypeError(f"{f}(sentences): expected token lists (lists of str), got other tokens")
    check_int(window, f"{f}(window)", 1)
    check_int(min_count, f"{f}(min_count)", 1)
    if max_vocab is not None:
        check_int(max_vocab, f"{f}(max_vocab) (at least 2 words)", 2)
    check_number(lr, f"{f}(lr)", 0, low_open=True)
    words, counts = build_vocab(sentences, min_count, max_vocab)  # most frequent first
    ids, segment = encode(sentences, words)
    i, j, x = cooccurrence(ids, segment, len(words), window)
    cooc = Cooccurrence(i, j, x, words, counts)
    return fit_glove(cooc, vector_size, x_max, alpha, epochs, lr, batch_size, seed, dtype,
                     callback, progress)
