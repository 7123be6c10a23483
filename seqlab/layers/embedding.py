r"""Embedding layer: e_w = E · o_w, computed as a column lookup, never as a product.

*Sequence Models*, week 2, "Embedding matrix". The lecture writes the embedding of word w as
the product of the embedding matrix with the word's one-hot vector,

(1) e_w = E o_w,    E (n_e, V), o_w (V, 1), e_w (n_e, 1),

so the **columns of E are the words** (the course's (300, 10k) matrix). Multiplying by a
one-hot vector just selects column w, so the code looks it up: ``e = E[:, ids]``. This module
keeps the lecture's layout; a batch of word ids becomes columns, as everywhere in the course's
column layout (``x_t`` is (n_x, m), a sequence is (n_x, m, T_x)).

Backward: the lookup copies column w of E once per occurrence of w, so the gradient of E is
the sum of the upstream gradients of every occurrence,

(2) dE[:, w] = Σ_{i : ids_i = w} de[:, i]      (= de · O^T with O the one-hot matrix)

a scatter-add: a word used twice in a batch gets both gradients (``dE[:, ids] += de`` would
keep only one of them). Words not in the batch get zero gradient.

Shapes
------
=====  =================  =================================================
name   shape              meaning
=====  =================  =================================================
E      (n_e, V)           embedding matrix, column w is e_w
ids    any shape S        integer word ids in [0, V), e.g. (m,) or (m, T_x)
e      (n_e, *S)          e[:, i, ...] = E[:, ids[i, ...]]
de     (n_e, *S)          ∂J/∂e
dE     (n_e, V)           ∂J/∂E, non-zero only in the columns of used words
=====  =================  =================================================
"""

from __future__ import annotations

from typing import Any, NamedTuple

from seqlab._validate import as_array, check_ids, check_instance, check_shape
from seqlab.backend import get_array_module
from seqlab.scatter import scatter_add

__all__ = ["EmbeddingCache", "embedding_backward", "embedding_forward"]


class EmbeddingCache(NamedTuple):
    """What :func:`embedding_backward` needs: the ids and the shape/dtype of E."""

    ids: Any
    E_shape: tuple
    dtype: Any


def _check(ids, E, name: str):
    """(ids, E): ids an int array in [0, V) (lists converted; -1 refused, it would pick the
    last column), E a real (n_e, V) array."""
    E = as_array(E, f"{name}(E)", ndim=2, symbols="(n_e, V)")
    return check_ids(ids, E.shape[1], f"{name}(ids)"), E


def embedding_forward(ids, E):
    """Look up the embeddings of ``ids``: e[:, i] = E[:, ids[i]] = E o_{ids[i]}  (1).

    Parameters
    ----------
    ids : integer array of any shape S, values in [0, V) (checked on the host)
    E : array (n_e, V), columns are words

    Returns
    -------
    e : array (n_e, *S)
    cache : EmbeddingCache
    """
    ids, E = _check(ids, E, "embedding_forward")
    xp = get_array_module(E)
    ids = xp.asarray(ids)
    e = E[:, ids]                                      # (1) e_w = E o_w: column lookup (n_e, *S)
    return e, EmbeddingCache(ids, tuple(E.shape), E.dtype)


def embedding_backward(de, cache: EmbeddingCache):
    """Gradient of the lookup: dE[:, w] = Σ_{i: ids_i = w} de[:, i]  (2).

    Parameters
    ----------
    de : array (n_e, *S), ∂J/∂e
    cache : EmbeddingCache from :func:`embedding_forward`

    Returns
    -------
    dE : array (n_e, V), same dtype as ``de``
    """
    n_e, V = check_instance(cache, EmbeddingCache, "embedding_backward(cache)").E_shape
    de = as_array(de, "embedding_backward(de)")
    check_shape(de, (n_e, *cache.ids.shape), "(n_e, *ids.shape)", "embedding_backward(de)")
    xp = get_array_module(de)
    dE = xp.zeros((n_e, V), dtype=de.dtype)
    flat = de.reshape(n_e, -1)                          # (n_e, |S|), columns in ids' order
    scatter_add(dE, cache.ids.reshape(-1), flat, axis=1)  # (2) repeated ids accumulate
    return dE
