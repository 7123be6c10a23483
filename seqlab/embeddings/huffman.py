r"""Hierarchical softmax: p(t | c) as a walk down a Huffman tree, O(log V) instead of O(V).

*Sequence Models*, week 2, "Word2Vec" ("Solution: hierarchical softmax classifier"; Mikolov et
al. 2013). The V words are the leaves of a binary tree; each of its V - 1 inner nodes n has a
vector θ_n and sends the walk left or right with a sigmoid. The probability of a word is the
product of the branch probabilities on its path from the root:

(1) P(branch b at node n | c) = σ((1 - 2b) θ_nᵀ e_c)       b = 0 (left) or 1 (right)
(2) p(t | c) = Π_{j=1..L(t)} σ((1 - 2 b_j(t)) θ_{n_j(t)}ᵀ e_c)

Since the two branch probabilities at a node sum to 1, the leaves' probabilities sum to 1
(tested). The tree is a **Huffman tree** built from the word counts (Huffman 1952), as in
word2vec: frequent words get short paths, so the average cost is about the entropy of the
unigram distribution in bits. The loss of a pair and its gradient, with s_j = θ_{n_j}ᵀ e_c and
sign u_j = 1 - 2 b_j:

(3) J = -Σ_j log σ(u_j s_j)
(4) ∂J/∂s_j = σ(s_j) - (1 - b_j)
(5) de_c = Σ_j ∂J/∂s_j θ_{n_j}         (6) dθ_{n_j} = ∂J/∂s_j e_c

Shapes
------
=========  ==============  ====================================================
name       shape           meaning
=========  ==============  ====================================================
e_c        (n_e, m)        embeddings of m context words
Theta      (n_e, V - 1)    inner-node vectors, column n is θ_n (root: V - 2)
t          (m,)            target word ids
points     (V, L_max)      inner nodes on each word's path, root first (padded)
codes      (V, L_max)      branch bits b_j (padded with 0)
lengths    (V,)            path length L(t)
=========  ==============  ====================================================
"""

from __future__ import annotations

import heapq
from typing import Any, NamedTuple

import numpy as np

from seqlab._validate import (
    as_array,
    check_cache,
    check_finite,
    check_ids,
    check_instance,
    check_number,
    check_shape,
    fmt,
)
from seqlab.backend import get_array_module, to_numpy
from seqlab.functional import log_sigmoid, sigmoid
from seqlab.scatter import scatter_add

__all__ = ["HSCache", "HuffmanTree", "build_huffman", "hierarchical_softmax_backward",
           "hierarchical_softmax_forward", "hs_probabilities"]


class HuffmanTree(NamedTuple):
    """A Huffman tree over V words (host arrays). Inner node n has children
    ``children[n] = (left, right)``, each a leaf ``w < V`` or the inner node ``V + n'``."""

    points: np.ndarray    # (V, L_max) int64
    codes: np.ndarray     # (V, L_max) int8
    lengths: np.ndarray   # (V,) int64
    children: np.ndarray  # (V - 1, 2) int64
    counts: np.ndarray    # (V,) the counts the tree was built from


def build_huffman(counts) -> HuffmanTree:
    """Build the Huffman tree of ``counts`` (merge the two rarest nodes until one is left).

    Parameters
    ----------
    counts : array (V,), V >= 2, word counts (ties broken by word id, deterministic)

    Returns
    -------
    tree : HuffmanTree; the root is inner node V - 2 (the last merge)
    """
    counts = as_array(counts, "build_huffman(counts)", "real")
    xp = get_array_module(counts)
    if counts.dtype.kind == "f" and bool((counts != xp.round(counts)).any()):
        raise TypeError("build_huffman(counts): expected integer counts, got floats with a "
                        "fractional part")
    if counts.ndim != 1 or counts.size < 2 or bool((counts < 0).any()):
        raise ValueError(f"build_huffman(counts): expected a 1-D array of >= 2 counts >= 0, "
                         f"got shape {counts.shape}")
    V = counts.size
    heap = [(int(c), w) for w, c in enumerate(counts)]
    heapq.heapify(heap)
    children = xp.zeros((V - 1, 2), dtype=np.int64)
    for n in range(V - 1):                     # inner node n is node id V + n
        c0, a = heapq.heappop(heap)            # rarest: left branch (bit 0)
        c1, b = heapq.heappop(heap)            # next rarest: right branch (bit 1)
        children[n] = (a, b)
        heapq.heappush(heap, (c0 + c1, V + n))
    paths: list[list[tuple[int, int]]] = [[] for _ in range(V)]
    stack = [(V + V - 2, [])]                  # walk down from the root
    while stack:
        node, path = stack.pop()
        for bit, child in enumerate(children[node - V]):
            step = path + [(node - V, bit)]
            if child < V:
                paths[child] = step
            else:
                stack.append((int(child), step))
    L = max(len(p) for p in paths)
    points = xp.zeros((V, L), dtype=np.int64)
    codes = xp.zeros((V, L), dtype=xp.int8)
    lengths = xp.array([len(p) for p in paths], dtype=np.int64)
    for w, p in enumerate(paths):
        points[w, :len(p)] = [n for n, _ in p]
        codes[w, :len(p)] = [b for _, b in p]
    return HuffmanTree(points, codes, lengths, children, counts.copy())


class HSCache(NamedTuple):
    """What :func:`hierarchical_softmax_backward` needs."""

    e_c: Any
    Theta: Any
    nodes: Any     # (m, L) inner nodes on each target's path
    codes: Any     # (m, L) branch bits
    mask: Any      # (m, L) 1 on the path, 0 in the padding
    sig: Any       # (m, L) σ(s_j)


def hierarchical_softmax_forward(e_c, Theta, t, tree: HuffmanTree):
    """Mean hierarchical-softmax loss (3) of m (context, target) pairs.

    Parameters
    ----------
    e_c : array (n_e, m)
    Theta : array (n_e, V - 1), inner-node vectors
    t : int array (m,), target ids in [0, V)
    tree : HuffmanTree of the V words

    Returns
    -------
    J : float, mean over the m pairs of -log p(t | c)
    cache : HSCache
    """
    f = "hierarchical_softmax_forward"
    e_c, Theta, V = _check_hs(e_c, Theta, tree, f)
    t = check_ids(t, V, f"{f}(t)")
    check_shape(t, (e_c.shape[1],), "(m,), one target per column of e_c", f"{f}(t)")
    for arg, v in (("e_c", e_c), ("Theta", Theta)):
        check_finite(v, f"{f}({arg})", "vectors", "a loss needs finite inputs")
    xp = get_array_module(e_c, Theta)
    t_host = to_numpy(t).reshape(-1)                            # host ids index the tree
    nodes = xp.asarray(tree.points[t_host])                    # (m, L)
    codes = xp.asarray(tree.codes[t_host]).astype(e_c.dtype)    # b_j                  (m, L)
    mask = (xp.arange(tree.points.shape[1]) < xp.asarray(tree.lengths[t_host])[:, None]
                      ).astype(e_c.dtype)                       # (m, L)
    s = xp.einsum("dml,dm->ml", Theta[:, nodes], e_c)           # s_j = θ_nⱼᵀ e_c      (m, L)
    J = -xp.sum(mask * log_sigmoid((1 - 2 * codes) * s))        # (3), summed over pairs
    return float(J) / e_c.shape[1], HSCache(e_c, Theta, nodes, codes, mask, sigmoid(s))


def hierarchical_softmax_backward(cache: HSCache, dJ: float = 1.0):
    """Gradients of :func:`hierarchical_softmax_forward` (4-6).

    Returns
    -------
    de_c : (n_e, m)
    dTheta : (n_e, V - 1), accumulated over every pair whose path visits the node
    """
    check_cache(cache, HSCache, "hierarchical_softmax_backward")
    dJ = check_number(dJ, "hierarchical_softmax_backward(dJ)")
    xp = get_array_module(cache.e_c)
    m = cache.e_c.shape[1]
    g = (cache.sig - (1 - cache.codes)) * cache.mask * (dJ / m)  # (4) ∂J/∂sⱼ          (m, L)
    de_c = xp.einsum("ml,dml->dm", g, cache.Theta[:, cache.nodes])  # (5)
    per_node = g[None, :, :] * cache.e_c[:, :, None]             # (6) per visit  (n_e, m, L)
    dTheta = xp.zeros_like(cache.Theta)
    scatter_add(dTheta, cache.nodes.reshape(-1), per_node.reshape(cache.e_c.shape[0], -1),
                axis=1)
    return de_c, dTheta


def hs_probabilities(e_c, Theta, tree: HuffmanTree):
    """p(w | c) of every word w (2): array (V, m); each column sums to 1."""
    e_c, Theta, V = _check_hs(e_c, Theta, tree, "hs_probabilities")
    xp = get_array_module(e_c, Theta)
    s = Theta.T @ e_c                                            # θ_nᵀ e_c  (V - 1, m)
    mask = xp.arange(tree.points.shape[1]) < xp.asarray(tree.lengths)[:, None]  # (V, L)
    sign = 1 - 2 * xp.asarray(tree.codes).astype(e_c.dtype)      # u_j = 1 - 2 b_j  (V, L)
    logp = log_sigmoid(sign[:, :, None] * s[xp.asarray(tree.points)])  # (V, L, m)
    return xp.exp(xp.sum(logp * mask[:, :, None], axis=1)) if V else None  # (2)


def _check_hs(e_c, Theta, tree, fname: str) -> tuple:
    """(e_c (n_e, m), Theta (n_e, V - 1), V) checked against the tree."""
    check_instance(tree, HuffmanTree, f"{fname}(tree)", "a HuffmanTree (build_huffman)")
    V = tree.lengths.size
    e_c = as_array(e_c, f"{fname}(e_c)", ndim=2, symbols="(n_e, m)")
    Theta = as_array(Theta, f"{fname}(Theta)", ndim=2, symbols="(n_e, V - 1)")
    if Theta.shape != (e_c.shape[0], V - 1):
        raise ValueError(f"{fname}(Theta): expected e_c (n_e, m) and Theta (n_e, V - 1) = "
                         f"(n_e, {V - 1}), got {fmt(e_c.shape)} and {fmt(Theta.shape)}")
    return e_c, Theta, V
