r"""word2vec training: skip-gram and CBOW with negative sampling, hierarchical or full softmax.

*Sequence Models*, week 2, "Word2Vec" and "Negative sampling" (Mikolov et al. 2013a, b). The
losses and their gradients are the functional pairs of :mod:`.negative_sampling`,
:mod:`.huffman` and :mod:`.nplm`; this module feeds them a corpus fast:

(1) subsampling: word w is kept with probability  min(1, (√(f(w)/s) + 1) · s / f(w)),
    f(w) = count(w) / total, s = ``sample`` (1e-3): word2vec's C code and gensim's formula
(2) reduced window: each position draws b uniformly in {1..window}; its contexts are the b
    words on each side within the same sentence (nearer words are used more often)
(3) learning rate: α(p) = α₀ - (α₀ - α_min) · p, p = fraction of the training done
(4) skip-gram: for each position t and each context c in its window, one step of
    J(c, t) (negative sampling (2) of :mod:`.negative_sampling`, or the Huffman path loss)
    CBOW: the mean of the window's embeddings, h = (1/|C|) Σ_c e_c, predicts t

Speed (Differs from the lecture's pair-by-pair SGD): positions are processed in minibatches of
``batch_size``; in a batch, positions with the same window b form one group whose
(positions × 2b contexts × (1 + k) outputs) scores are ONE batched matrix product; a position's
k negatives are shared by its 2b contexts (each pair still sees k independent draws from (3) of
:mod:`.negative_sampling`, so the expected gradient is unchanged); all reads of a batch happen
before its writes, which go in with one sorted scatter-add per matrix (:mod:`._rows`).
Internally the matrices are stored with words as ROWS, ``W_in = Eᵀ`` (V, n_e), so a lookup is a
contiguous row; the result's ``E`` property gives the lecture's (n_e, V).

Shapes
------
=======  ==========  ==============================================================
W_in     (V, n_e)    input embeddings e_w as rows (E = W_inᵀ); the word vectors
W_out    (V, n_e)    output vectors θ_w (negative sampling / full softmax), rows
W_hs     (V-1, n_e)  inner-node vectors of the Huffman tree (hierarchical softmax)
=======  ==========  ==============================================================
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from seqlab._validate import (
    as_array,
    check_callable,
    check_choice,
    check_float_dtype,
    check_int,
    check_number,
    check_token_lists,
    check_words,
)
from seqlab.arrays import host_rng
from seqlab.backend import get_array_module, host
from seqlab.data.corpus import build_vocab
from seqlab.embeddings.huffman import build_huffman
from seqlab.embeddings.negative_sampling import noise_distribution
from seqlab.scatter import scatter_add

__all__ = ["Word2VecResult", "encode_corpus", "keep_probability", "linear_lr", "train_word2vec"]


class Word2VecResult(NamedTuple):
    """KeyedVectors-compatible result: ``words`` and ``vectors`` (V, n_e), row i = words[i]."""

    words: list
    vectors: np.ndarray
    counts: np.ndarray
    W_out: np.ndarray | None
    info: dict

    @property
    def E(self) -> np.ndarray:
        """The lecture's embedding matrix (n_e, V): column w is e_w."""
        return self.vectors.T

    def keyed_vectors(self):
        """A :class:`seqlab.embeddings.KeyedVectors` of the words (when that class exists)."""
        from seqlab.embeddings import KeyedVectors
        return KeyedVectors(self.words, self.vectors)


def keep_probability(counts, sample: float = 1e-3) -> np.ndarray:
    """P(keep w) = min(1, (√(f/s) + 1) · s / f), f = count/total  (1); all 1 for sample = 0."""
    counts = as_array(counts, "keep_probability(counts)", ndim=1, symbols="(V,) of counts")
    if counts.size and float(counts.min()) < 0:
        raise ValueError(f"keep_probability(counts): expected counts >= 0, got a minimum of "
                         f"{float(counts.min())}")
    sample = check_number(sample, "keep_probability(sample)", 0)
    xp = get_array_module(counts)
    counts = counts.astype(np.float64)
    if sample <= 0:
        return xp.ones_like(counts)
    threshold = sample * counts.sum()                     # s · total
    return xp.minimum(1.0, (xp.sqrt(counts / threshold) + 1) * threshold / counts)  # (1)


def linear_lr(progress: float, alpha: float = 0.025, min_alpha: float = 1e-4) -> float:
    """α(p) = α₀ - (α₀ - α_min) p for p in [0, 1]  (3)."""
    progress = check_number(progress, "linear_lr(progress)")
    alpha = check_number(alpha, "linear_lr(alpha)", 0, low_open=True)
    min_alpha = check_number(min_alpha, "linear_lr(min_alpha)", 0, alpha)
    return alpha - (alpha - min_alpha) * min(max(progress, 0.0), 1.0)


def encode_corpus(sentences, words) -> tuple[np.ndarray, np.ndarray]:
    """Word ids of the in-vocabulary tokens, one stream, and each token's sentence number.

    Returns
    -------
    ids : ndarray (N,) int64, out-of-vocabulary tokens dropped (as word2vec does)
    sentence : ndarray (N,) int64, non-decreasing
    """
    sentences = check_token_lists(sentences, "encode_corpus(sentences)")
    words = check_words(words, "encode_corpus(words)")
    xp = host
    index = {w: i for i, w in enumerate(words)}
    ids, sent = [], []
    for k, s in enumerate(sentences):
        row = [index[w] for w in s if w in index]
        ids.extend(row)
        sent.extend([k] * len(row))
    return xp.asarray(ids, dtype=np.int64), xp.asarray(sent, dtype=np.int64)


def _sigmoid(z):
    xp = get_array_module(z)
    return 0.5 * (1.0 + xp.tanh(0.5 * z))                # σ(z), no overflow warnings


def _windows(P, b, ids, sent):
    """Context ids (n, 2b) and validity mask of positions P with window b  (2)."""
    xp = get_array_module(ids)
    offsets = xp.concatenate((xp.arange(-b, 0), xp.arange(1, b + 1)))
    Q = P[:, None] + offsets                              # context positions      (n, 2b)
    Qc = xp.clip(Q, 0, len(ids) - 1)
    valid = (Q >= 0) & (Q < len(ids)) & (sent[Qc] == sent[P][:, None])
    return ids[Qc], valid, Q


def _outputs(t, negative, p_noise_cdf, tree, rng):
    """Output rows (n, L), labels (n, L) and mask (n, L) for targets t."""
    xp = get_array_module(t)
    if tree is not None:                                  # Huffman path: label = 1 - bit
        mask = xp.arange(tree.points.shape[1]) < tree.lengths[t][:, None]
        return tree.points[t], 1.0 - tree.codes[t], mask
    neg = xp.searchsorted(p_noise_cdf, rng.random((len(t), negative)) * p_noise_cdf[-1],
                          side="right")
    neg = xp.minimum(neg, len(p_noise_cdf) - 1)
    O = xp.concatenate((t[:, None], neg), axis=1)         # [t, t'_1..t'_k]     (n, 1 + k)
    labels = xp.zeros(O.shape, dtype=np.float32)
    labels[:, 0] = 1.0
    mask = xp.ones(O.shape, dtype=bool)
    mask[:, 1:] = neg != t[:, None]                       # a negative equal to t is skipped
    return O, labels, mask


def _sg_group_step(W_in, W_out, X_ids, X_valid, O_ids, labels, O_mask, lr):
    """Skip-gram SGD step for one group: every context of a position against its outputs."""
    X = W_in[X_ids]                                       # e_c                   (n, 2b, d)
    O = W_out[O_ids]                                      # θ                     (n, L, d)
    S = X @ O.transpose(0, 2, 1)                          # s = θᵀ e_c            (n, 2b, L)
    G = (labels[:, None, :] - _sigmoid(S))                # -∂J/∂s (4, 5 / HS 4)
    G *= (lr * X_valid)[:, :, None] * O_mask[:, None, :]  # masked, times α
    dX = G @ O                                            # -α de_c               (n, 2b, d)
    dO = G.transpose(0, 2, 1) @ X                         # -α dθ                 (n, L, d)
    scatter_add(W_in, X_ids[X_valid], dX[X_valid])
    scatter_add(W_out, O_ids.reshape(-1), dO.reshape(-1, dO.shape[-1]))


def _cbow_group_step(W_in, W_out, X_ids, X_valid, O_ids, labels, O_mask, lr):
    """CBOW SGD step: h = mean of the window's embeddings predicts the outputs."""
    xp = get_array_module(W_in)
    count = xp.maximum(X_valid.sum(axis=1, keepdims=True), 1).astype(np.float32)  # |C| (n, 1)
    Xm = W_in[X_ids] * X_valid[:, :, None]                # (n, 2b, d)
    h = Xm.sum(axis=1) / count                            # h = (1/|C|) Σ e_c     (n, d)
    O = W_out[O_ids]                                      # (n, L, d)
    S = xp.einsum("nld,nd->nl", O, h)                     # (n, L)
    G = (labels - _sigmoid(S)) * O_mask * lr * (count > 0)
    dh = xp.einsum("nl,nld->nd", G, O)                    # -α ∂J/∂h              (n, d)
    dX = xp.broadcast_to((dh / count)[:, None, :], Xm.shape)  # ∂h/∂e_c = 1/|C|
    scatter_add(W_in, X_ids[X_valid], dX[X_valid])
    scatter_add(W_out, O_ids.reshape(-1), (G[:, :, None] * h[:, None, :]).reshape(
        -1, h.shape[1]))


def _softmax_group_step(W_in, W_out, X_ids, X_valid, t, lr, sg):
    """Full-softmax step (small vocabularies): p(t | c) = softmax(W_out e_c)."""
    xp = get_array_module(W_in)
    if sg:
        rows, tgt = X_ids[X_valid], xp.broadcast_to(t[:, None], X_ids.shape)[X_valid]
        H = W_in[rows]                                    # (pairs, d)
    else:
        count = xp.maximum(X_valid.sum(axis=1, keepdims=True), 1).astype(np.float32)
        H = (W_in[X_ids] * X_valid[:, :, None]).sum(axis=1) / count
        tgt = t
    Z = H @ W_out.T                                       # (pairs, V)
    Z -= Z.max(axis=1, keepdims=True)
    Y = xp.exp(Z)
    Y /= Y.sum(axis=1, keepdims=True)                     # ŷ = softmax
    Y[xp.arange(len(tgt)), tgt] -= 1.0                    # ∂J/∂z = ŷ - y
    Y *= -lr
    dH = Y @ W_out
    W_out += Y.T @ H
    if sg:
        scatter_add(W_in, rows, dH)
    else:
        dX = xp.broadcast_to((dH / count)[:, None, :], X_ids.shape + (H.shape[1],))
        scatter_add(W_in, X_ids[X_valid], dX[X_valid])


def _sgns_batch(W_in, W_out, lo, hi, b_all, ids, sent, window, negative, cdf, c, lr, rng):
    """Skip-gram with negative sampling on positions lo..hi-1 of the stream, in place.

    Every position p is a target t = ids[p] (its θ_t) and each of its 2·window neighbours q is
    a context (its e_c); the neighbour q is used when |q - p| <= b_all[p]  (2). Blocks of c
    consecutive positions share k negatives: within a block, the scores of all its contexts
    against [θ of the c targets; θ of the k negatives] are one matrix product, masked so that
    a context only sees its own target (and skips a negative equal to it).
    """
    xp = get_array_module(W_in)
    n, w = hi - lo, window
    pad = (-n) % c
    m, S, d = n + pad, 2 * w + 1, W_in.shape[1]          # positions, slots (-w..w), n_e
    rows = xp.arange(lo - w, lo + m + w)                  # stream positions the batch reads
    inside = (rows >= 0) & (rows < min(hi + w, len(ids)))
    rows_c = xp.clip(rows, 0, len(ids) - 1)
    Y_ids, Y_sent = ids[rows_c], xp.where(inside, sent[rows_c], -1)
    Y = W_in[Y_ids]                                       # e of every position read (m + 2w, d)
    X = xp.lib.stride_tricks.sliding_window_view(Y, S, axis=0)   # X[i, :, j] = Y[i + j]
    Xb = xp.ascontiguousarray(X.transpose(0, 2, 1)).reshape(m // c, c * S, d)  # (blocks, c·S, d)
    P_sent = xp.where(xp.arange(m) < n, Y_sent[w:w + m], -2)     # padding positions: no match
    offsets = xp.abs(xp.arange(S) - w)                    # |q - p| of each slot
    b = xp.concatenate((b_all[lo:hi], xp.zeros(pad, b_all.dtype)))
    valid = ((xp.lib.stride_tricks.sliding_window_view(Y_sent, S) == P_sent[:, None])
             & (offsets > 0) & (offsets <= b[:, None]))   # (m, S)
    t = xp.concatenate((ids[lo:hi], xp.zeros(pad, ids.dtype)))
    u = rng.random((m // c, negative)) * cdf[-1]
    neg = xp.minimum(xp.searchsorted(cdf, u, side="right"), len(cdf) - 1)  # (blocks, k)
    O = xp.concatenate((W_out[t].reshape(m // c, c, d), W_out[neg]), axis=1)  # (blocks, c+k, d)
    s = Xb @ O.transpose(0, 2, 1)                         # θᵀ e_c            (blocks, c·S, c+k)
    v = valid.reshape(m // c, c * S, 1) * np.float32(lr)
    own = xp.repeat(xp.eye(c, dtype=np.float32), S, axis=0)      # context row -> its target
    G = xp.empty_like(s)
    G[:, :, :c] = (1.0 - _sigmoid(s[:, :, :c])) * own * v  # -α ∂J/∂s⁺ = α(1 - σ(s⁺))  (4)
    t_rows = xp.repeat(t, S).reshape(m // c, c * S, 1)
    G[:, :, c:] = -_sigmoid(s[:, :, c:]) * v * (neg[:, None, :] != t_rows)  # -α σ(sᵢ) (5)
    dX = (G @ O).reshape(m, S, d)                         # -α de_c (6)        (m, S, d)
    dO = G.transpose(0, 2, 1) @ Xb                        # -α dθ (7, 8)      (blocks, c+k, d)
    acc = xp.zeros_like(Y)                                # -α de summed per stream position
    for j in range(S):
        acc[j:j + m] += dX[:, j]                          # slot j of position i is row i + j
    scatter_add(W_in, Y_ids[inside], acc[inside])
    scatter_add(W_out, xp.concatenate((t[:n], neg.reshape(-1))),
                     xp.concatenate((dO[:, :c].reshape(m, d)[:n], dO[:, c:].reshape(-1, d))))


def train_word2vec(sentences, vector_size: int = 100, window: int = 5, negative: int = 5,
                   min_count: int = 5, epochs: int = 5, sg: int = 1, hs: int = 0,
                   seed: int = 0, batch_size: int = 1024, alpha: float = 0.025,
                   min_alpha: float = 1e-4, sample: float = 1e-3, ns_exponent: float = 0.75,
                   max_vocab: int | None = None, shared_negatives: int = 4,
                   callback: Callable | None = None,
                   callback_every: int = 50, dtype=np.float32) -> Word2VecResult:
    """Train word2vec on token lists, with gensim's argument names and defaults.

    Parameters
    ----------
    sentences : list of token lists (e.g. :func:`seqlab.data.corpus.load_corpus`)
    vector_size, window, negative, min_count, epochs, sg, hs, alpha, min_alpha, sample,
    ns_exponent : as ``gensim.models.Word2Vec``; ``hs=1`` uses the Huffman tree (then
        ``negative`` is ignored), ``hs=0, negative=0`` the full softmax (small V only)
    seed : int, host RNG seed (initialisation, subsampling, windows, negatives)
    batch_size : positions per minibatch (see the module's speed notes)
    shared_negatives : skip-gram with negative sampling: blocks of this many positions share
        their k negatives (1: every position draws its own)
    max_vocab : keep only the most frequent words
    callback : called as ``callback(progress, W_in)`` every ``callback_every`` batches and at the
        end, with W_in the live (V, n_e) matrix (copy it to keep it)

    Returns
    -------
    Word2VecResult : words, vectors (V, n_e) = W_in, counts, W_out, info (timing, settings)
    """
    xp = host
    f = "train_word2vec"
    for name, value, low in (("vector_size", vector_size, 1), ("window", window, 1),
                             ("negative", negative, 0), ("epochs", epochs, 1),
                             ("batch_size", batch_size, 1), ("min_count", min_count, 1),
                             ("shared_negatives", shared_negatives, 1),
                             ("callback_every", callback_every, 1)):
        check_int(value, f"{f}({name})", low)
    check_choice(sg, (0, 1), f"{f}(sg)")
    check_choice(hs, (0, 1), f"{f}(hs)")
    alpha = check_number(alpha, f"{f}(alpha)", 0, low_open=True)
    check_number(min_alpha, f"{f}(min_alpha)", 0, alpha)
    check_number(sample, f"{f}(sample)", 0)
    check_number(ns_exponent, f"{f}(ns_exponent)", 0)
    if max_vocab is not None:
        check_int(max_vocab, f"{f}(max_vocab) (at least 2 words)", 2)
    dtype = check_float_dtype(dtype, f"{f}(dtype)")
    if callback is not None:
        check_callable(callback, f"{f}(callback)", "a callable callback(progress, W_in)")
    sentences = check_token_lists(sentences, f"{f}(sentences)")
    words, counts = build_vocab(sentences, min_count, max_vocab)
    if len(words) < 2:
        raise ValueError(f"train_word2vec(sentences): expected >= 2 words with count >= "
                         f"{min_count}, got {len(words)}")
    ids, sent = encode_corpus(sentences, words)
    V, d = len(words), vector_size
    rng = host_rng(seed)
    W_in = ((rng.random((V, d)) - 0.5) / d).astype(dtype)  # gensim's initialisation
    tree = build_huffman(counts) if hs else None
    W_out = xp.zeros((V - 1 if hs else V, d), dtype=dtype)
    cdf = xp.cumsum(noise_distribution(counts, ns_exponent)) if not hs and negative else None
    keep = keep_probability(counts, sample)
    step = _sg_group_step if sg else _cbow_group_step
    n_raw = sum(len(s) for s in sentences)
    start, batches = time.perf_counter(), 0
    for epoch in range(epochs):
        kept = rng.random(len(ids)) < keep[ids]                   # (1) subsampling
        e_ids, e_sent = ids[kept], sent[kept]
        b_all = window - rng.integers(0, window, size=len(e_ids))  # (2) b in {1..window}
        for lo in range(0, len(e_ids), batch_size):
            lr = linear_lr((epoch + lo / max(len(e_ids), 1)) / epochs, alpha, min_alpha)  # (3)
            P = xp.arange(lo, min(lo + batch_size, len(e_ids)))
            bP = b_all[P]
            if sg and not hs and negative:
                _sgns_batch(W_in, W_out, lo, int(P[-1]) + 1, b_all, e_ids, e_sent, window,
                            negative, cdf, shared_negatives, lr, rng)
                bP = bP[:0]
            for b in xp.unique(bP):
                Pb = P[bP == b]
                X_ids, X_valid, _ = _windows(Pb, int(b), e_ids, e_sent)
                t = e_ids[Pb]
                if not hs and not negative:
                    _softmax_group_step(W_in, W_out, X_ids, X_valid, t, lr, sg)
                    continue
                O_ids, labels, O_mask = _outputs(t, negative, cdf, tree, rng)
                step(W_in, W_out, X_ids, X_valid, O_ids, labels.astype(dtype), O_mask, lr)
            batches += 1
            if callback is not None and batches % callback_every == 0:
                callback((epoch + (lo + batch_size) / len(e_ids)) / epochs, W_in)
    seconds = time.perf_counter() - start
    if callback is not None:
        callback(1.0, W_in)
    info = {"seconds": seconds, "words_per_second": epochs * n_raw / max(seconds, 1e-9),
            "raw_words": n_raw, "epochs": epochs, "vector_size": d, "window": window,
            "negative": negative, "sg": sg, "hs": hs, "sample": sample, "seed": seed,
            "batch_size": batch_size,
            "shared_negatives": shared_negatives, "alpha": alpha, "ns_exponent": ns_exponent}
    return Word2VecResult(words, W_in, counts, W_out, info)
