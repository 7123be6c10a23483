"""Cosine similarity and word analogies: the course's W2A1 functions.

*Sequence Models*, week 2, "Properties of word embeddings" and "Analogies using word vectors".
A word w is a row e_w of the embedding matrix; two words are similar when their vectors point
the same way, whatever their lengths:

    (1)  sim(u, v) = uᵀv / (‖u‖₂ ‖v‖₂)                 cosine similarity, in [-1, 1]
    (2)  ‖u − v‖₂                                      Euclidean distance (not used here)

"man is to woman as king is to ?" (a : b :: c : ?) asks for the word w whose offset from c is
most like the offset from a to b:

    (3)  w* = argmax_{w ∉ {a, b, c}}  sim(e_b − e_a, e_w − e_c)     (the programming exercise)
    (4)  w* = argmax_{w ∉ {a, b, c}}  sim(e_w, e_b − e_a + e_c)     (the lecture slide; gensim
                                                                   normalises e_a, e_b, e_c
                                                                   first: 3CosAdd, see
                                                                   :mod:`seqlab.embeddings.keyed_vectors`)

==================  ==========================  ==============================================
name                shape                       meaning
==================  ==========================  ==============================================
u, v                (n,)                        two word vectors (any shape, the same for both)
word_to_vec_map     dict word -> (n,)           the course's lookup table (or
                                                ``KeyedVectors.word_to_vec_map``, a read-only
                                                view of the embedding matrix)
==================  ==========================  ==============================================

References: Mikolov, Yih & Zweig (2013), "Linguistic Regularities in Continuous Space Word
Representations"; the course's assignment "Operations on Word Vectors" (W2A1).
"""

from __future__ import annotations

from collections.abc import Mapping

from seqlab._validate import MissingKeyError, as_array, check_finite, check_str
from seqlab.backend import get_array_module


def _as_vector(x, fn: str, name: str):
    """A non-empty real vector with finite entries (lists converted, ints promoted)."""
    arr = as_array(x, f"{fn}({name})", symbols="(a word vector)")
    if arr.size == 0:
        raise ValueError(f"{fn}({name}): expected a non-empty word vector, got an empty array")
    check_finite(arr, f"{fn}({name})", "entries")
    return arr


def cosine_similarity(u, v) -> float:
    """Cosine similarity (1) of two word vectors: 1 same direction, 0 orthogonal, -1 opposite.

    Parameters
    ----------
    u, v : arrays of the same shape, e.g. (n,) word vectors

    Returns
    -------
    float in [-1, 1]; 0.0 when either vector is zero (its direction is undefined), as in the
    course's version.

    Equations
    ---------
    sim(u, v) = uᵀv / (‖u‖₂ ‖v‖₂)   (1)
    """
    u = _as_vector(u, "cosine_similarity", "u")
    v = _as_vector(v, "cosine_similarity", "v")
    if u.shape != v.shape:
        raise ValueError(f"cosine_similarity(v): expected the shape of u, {tuple(u.shape)}, "
                         f"got {tuple(v.shape)}")
    xp = get_array_module(u, v)
    u, v = u.ravel().astype(xp.float64), v.ravel().astype(xp.float64)
    dot = float(u @ v)                                  # uᵀv
    norm_u = float(xp.sqrt(u @ u))                      # ‖u‖₂
    norm_v = float(xp.sqrt(v @ v))                      # ‖v‖₂
    if norm_u == 0.0 or norm_v == 0.0:
        return 0.0                                      # a zero vector has no direction
    return dot / (norm_u * norm_v)                      # (1)


def _lookup(word_to_vec_map: Mapping, word: str, fn: str):
    try:
        return word_to_vec_map[word]
    except KeyError:
        hint = ""
        suggest = getattr(word_to_vec_map, "suggest", None)
        if suggest is not None:
            close = suggest(word)
            hint = f"; close spellings in the vocabulary: {close}" if close else ""
        raise MissingKeyError(f"{fn}: expected a word of word_to_vec_map, got {word!r}, which "
                              f"is not in it{hint}") from None


def complete_analogy(word_a: str, word_b: str, word_c: str, word_to_vec_map: Mapping) -> str:
    """a is to b as c is to ?: the word w maximising sim(e_b − e_a, e_w − e_c), as in W2A1 (3).

    Parameters
    ----------
    word_a, word_b, word_c : words (lower-cased first, as in the course)
    word_to_vec_map : mapping word -> vector (n,); dict order breaks exact ties (first wins)

    Returns
    -------
    best_word : str, never one of the three input words

    Notes
    -----
    Vectorised: all candidates' vectors are stacked into one (V, n) matrix and scored in one
    matrix-vector product, instead of the course's Python loop over the vocabulary (same
    answer; a :class:`~seqlab.embeddings.keyed_vectors.KeyedVectors` view passes its matrix
    without copying). Differs from the lecture slide, which scores sim(e_w, e_b − e_a + e_c)
    (4): that is :meth:`KeyedVectors.most_similar`.
    """
    for name, w in (("word_a", word_a), ("word_b", word_b), ("word_c", word_c)):
        check_str(w, f"complete_analogy({name})")
    if not isinstance(word_to_vec_map, Mapping):
        raise TypeError("complete_analogy(word_to_vec_map): expected a mapping word -> vector, "
                        f"got {type(word_to_vec_map).__name__}")
    if len(word_to_vec_map) == 0:
        raise ValueError("complete_analogy(word_to_vec_map): expected a non-empty mapping, got "
                         "an empty one")
    word_a, word_b, word_c = word_a.lower(), word_b.lower(), word_c.lower()
    e_a, e_b, e_c = (_lookup(word_to_vec_map, w, "complete_analogy")
                     for w in (word_a, word_b, word_c))
    words, E = _matrix(word_to_vec_map)                 # V words, E (V, n)
    xp = get_array_module(E)
    E = E.astype(xp.float64)
    target = (xp.asarray(e_b, dtype=xp.float64) - xp.asarray(e_a, dtype=xp.float64)).ravel()
    diff = E - xp.asarray(e_c, dtype=xp.float64).ravel()[None, :]   # (V, n) rows e_w − e_c
    if diff.shape[1] != target.shape[0]:
        raise ValueError(f"complete_analogy(word_to_vec_map): vectors of different lengths, "
                         f"{target.shape[0]} and {diff.shape[1]}")
    norms = xp.sqrt(xp.einsum("vn,vn->v", diff, diff)) * xp.sqrt(target @ target)  # (V,)
    dots = diff @ target                                                          # (V,)
    sims = xp.where(norms > 0, dots / xp.where(norms > 0, norms, 1.0), 0.0)      # (3), (V,)
    excluded = [i for i, w in enumerate(words) if w in (word_a, word_b, word_c)]
    if len(excluded) == len(words):
        raise ValueError("complete_analogy(word_to_vec_map): expected a word besides the three "
                         "input words, got no word left")
    sims[xp.asarray(excluded, dtype=xp.int64)] = -xp.inf  # never answer an input word
    return words[int(xp.argmax(sims))]


def _matrix(word_to_vec_map: Mapping):
    """(words, E): the map's words in order and its vectors stacked, (V, n)."""
    as_matrix = getattr(word_to_vec_map, "as_matrix", None)
    if as_matrix is not None:
        return as_matrix()
    words = list(word_to_vec_map)
    first = word_to_vec_map[words[0]]
    xp = get_array_module(first)
    return words, xp.stack([xp.asarray(word_to_vec_map[w]).ravel() for w in words])
