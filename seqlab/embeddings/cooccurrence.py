r"""GloVe's co-occurrence counts X_ij, as sparse triples, counted a range of words at a time.

*Sequence Models*, week 2: "GloVe word vectors": X_ij = how often word j appears in the
context of word i over the whole corpus (the lecture's X_ct = X_tc). The training code is in
:mod:`seqlab.embeddings.glove_model`, which re-exports everything here.

Shapes
------
==================  ============  ==========================================================
name                shape         meaning
==================  ============  ==========================================================
ids, segment        (N,)          the corpus as word ids, and the sentence each token is in
keys                (P,)          i·V + j for the P (word, context) pairs of one chunk
i, j, x             (nnz,)        the nonzero X_ij as triples: word i, context j, X_ij
==================  ============  ==========================================================

Equations
---------
.. math::

    (1)\quad X_{ij} = \sum_{\text{tokens } t = i} \ \sum_{1 \le |k| \le \text{window}}
        \frac{[\text{token}_{t+k} = j]}{|k|}  \quad\text{(distance-weighted, symmetric)}

Notes
-----
No loop over tokens: for each distance k the token array is paired with itself shifted by k
(pairs that cross a sentence end are dropped), both directions give a key i·V + j, and equal
keys are added up (a sort: ``unique`` + ``bincount``). All pairs at once would hold
2 · window · N keys with their weights and the sort's copies (about 770 MB for the 773k-token
summary corpus, window 10), so the words are split into ranges [lo, hi) of ids holding at most
about ``max_pairs`` pairs each, and each range is counted on its own: only the pairs whose
word i lies in the range are kept. The keys of a range appear in the same order as in the
one-shot count, so every X_ij is the same sum in the same order, bit for bit (tested), and
the ranges come out already sorted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from seqlab._validate import (
    MissingKeyError,
    as_array,
    check_ids,
    check_instance,
    check_int,
    check_sequence,
    check_token_lists,
    check_words,
)
from seqlab.backend import get_array_module, host

__all__ = ["Cooccurrence", "cooccurrence", "cooccurrence_matrix", "cooccurrence_probabilities",
           "encode"]


class Cooccurrence(NamedTuple):
    """The nonzero entries of X as triples (row-major order), and the vocabulary."""

    i: object        # (nnz,) int64, word ids
    j: object        # (nnz,) int64, context word ids
    x: object        # (nnz,) float64, X_ij > 0
    words: list      # V words, id order (most frequent first)
    counts: object   # (V,) int64, each word's count in the corpus


def encode(sentences: Iterable[Sequence[str]], words: Sequence[str]):
    """Token ids of every in-vocabulary token, and the sentence each comes from.

    Returns ``ids, segment``: int64 arrays (N,); out-of-vocabulary tokens are dropped (GloVe's
    ``cooccur.c`` does the same), so a window spans the remaining tokens.
    """
    sentences = check_token_lists(sentences, "encode(sentences)")
    stoi = {w: k for k, w in enumerate(check_words(words, "encode(words)"))}
    ids, segment = [], []
    for s, sentence in enumerate(sentences):
        kept = [stoi[w] for w in sentence if w in stoi]
        ids += kept
        segment += [s] * len(kept)
    xp = host
    return xp.asarray(ids, dtype=xp.int64), xp.asarray(segment, dtype=xp.int64)


def _word_ranges(ids, vocab_size: int, window: int, max_pairs: int, xp) -> list[tuple]:
    """Ranges [lo, hi) of word ids, each word of a range with at most ``max_pairs`` pairs in
    all (a word with more gets a range of its own); a word t has at most 2·window pairs."""
    pairs = xp.bincount(ids, minlength=vocab_size) * (2 * window)          # (V,) upper bounds
    cum = [int(c) for c in xp.cumsum(pairs).tolist()]
    ranges, lo, start = [], 0, 0
    for w in range(vocab_size):
        if cum[w] - start > max_pairs and w > lo:                          # close [lo, w)
            ranges.append((lo, w))
            lo, start = w, cum[w - 1]
    ranges.append((lo, vocab_size))
    return ranges


def cooccurrence(ids, segment, vocab_size: int, window: int = 10,
                 distance_weighting: bool = True, max_pairs: int = 1_000_000):
    """The nonzero X_ij of eq. (1) as sorted triples ``(i, j, x)``, counted without loops.

    Parameters
    ----------
    ids, segment : int arrays (N,), from :func:`encode`
    vocab_size : V, every id lies in [0, V)
    window : int >= 1, context words on each side
    distance_weighting : count a pair k tokens apart as 1/k (GloVe) or as 1
    max_pairs : int >= 1, about how many (word, context) pairs to sort at once: memory, not
        results (any value gives the same arrays, bit for bit)

    Returns
    -------
    i, j : int64 arrays (nnz,), sorted by i then j; x : float64 array (nnz,); X is symmetric.
    """
    window = check_int(window, "cooccurrence(window)", 1)
    max_pairs = check_int(max_pairs, "cooccurrence(max_pairs)", 1)
    vocab_size = check_int(vocab_size, "cooccurrence(vocab_size)", 1)
    ids = as_array(ids, "cooccurrence(ids)", "int", ndim=1, symbols="(N,)")
    xp = get_array_module(ids, segment)
    ids = check_ids(ids, vocab_size, "cooccurrence(ids)").astype(xp.int64)
    segment = as_array(segment, "cooccurrence(segment)", "int")
    if ids.shape != segment.shape:
        raise ValueError(f"cooccurrence(segment): expected the shape of ids {ids.shape}, got "
                         f"{segment.shape}")
    found, sums = [xp.zeros(0, dtype=xp.int64)], [xp.zeros(0)]
    for lo, hi in _word_ranges(ids, vocab_size, window, max_pairs, xp):   # memory: see Notes
        in_range = (ids >= lo) & (ids < hi)               # (N,) token t's word i is in range
        keys, weights = [], []
        for k in range(1, min(window, max(ids.size - 1, 0)) + 1):
            same = segment[:-k] == segment[k:]            # both tokens in one sentence
            left, right = ids[:-k], ids[k:]               # word, and the word k tokens later
            fwd, bwd = same & in_range[:-k], same & in_range[k:]   # i = left / i = right
            keys += [left[fwd] * vocab_size + right[fwd], right[bwd] * vocab_size + left[bwd]]
            w = 1.0 / k if distance_weighting else 1.0
            weights.append(xp.full(int(fwd.sum()) + int(bwd.sum()), w))
        if not keys:
            continue
        keys = xp.concatenate(keys)                       # (P,) key = i·V + j, both directions
        unique, inverse = xp.unique(keys, return_inverse=True)
        found.append(unique)                              # (1): X_ij, added in pair order
        sums.append(xp.bincount(inverse.ravel(), weights=xp.concatenate(weights),
                                minlength=unique.size))
        del keys, weights, inverse
    keys = xp.concatenate(found)                          # ranges in id order: sorted
    del found                                             # one copy at a time: memory
    i, j = keys // vocab_size, keys % vocab_size
    del keys
    return i, j, xp.concatenate(sums)


def cooccurrence_matrix(cooc: Cooccurrence, rows: Sequence[str], cols: Sequence[str]):
    """The dense block X[rows, cols] (len(rows), len(cols)) of a :class:`Cooccurrence`."""
    return _block(cooc, rows, cols, "cooccurrence_matrix", ("rows", "cols"))


def _block(cooc, rows, cols, fname: str, names: tuple[str, str]):
    check_instance(cooc, Cooccurrence, f"{fname}(cooc)")
    xp = get_array_module(cooc.x)
    stoi = {w: k for k, w in enumerate(cooc.words)}
    for name, words in zip(names, (rows, cols), strict=True):
        for w in check_sequence(words, f"{fname}({name})", "a list of words"):
            if w not in stoi:
                raise MissingKeyError(f"{fname}({name}): expected words of the vocabulary, "
                                      f"got {w!r}")
    V = len(cooc.words)
    keys = cooc.i * V + cooc.j                                      # sorted, unique
    r = xp.asarray([stoi[w] for w in rows], dtype=xp.int64)
    c = xp.asarray([stoi[w] for w in cols], dtype=xp.int64)
    want = (r[:, None] * V + c[None, :]).ravel()                    # (rows·cols,)
    pos = xp.clip(xp.searchsorted(keys, want), 0, max(keys.size - 1, 0))
    found = keys[pos] == want if keys.size else xp.zeros(want.shape, dtype=bool)
    return xp.where(found, cooc.x[pos] if keys.size else 0.0, 0.0).reshape(len(rows), len(cols))


def cooccurrence_probabilities(cooc: Cooccurrence, targets: Sequence[str],
                               probes: Sequence[str]):
    """P(k | i) = X_ik / X_i, X_i = Σ_k X_ik (the paper's Table 1): (len(targets), len(probes))."""
    block = _block(cooc, targets, probes, "cooccurrence_probabilities", ("targets", "probes"))
    xp = get_array_module(cooc.x)
    stoi = {w: k for k, w in enumerate(cooc.words)}
    X_i = xp.bincount(cooc.i, weights=cooc.x, minlength=len(cooc.words))  # (V,) X_i
    rows = xp.asarray([stoi[w] for w in targets], dtype=xp.int64)
    return block / X_i[rows][:, None]
