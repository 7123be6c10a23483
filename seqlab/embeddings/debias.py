r"""Debiasing word embeddings: the bias direction, neutralize and equalize.

*Sequence Models*, week 2: "Debiasing Word Embeddings" and the optional part of the
programming assignment *Operations on Word Vectors*; Bolukbasi et al. (2016).

1. **Identify the bias direction** g: the simple e_woman - e_man, or (better) the first
   principal component of the centred definitional pairs (woman/man, she/he, mother/father...).
2. **Neutralize** every word that is not gender-specific by definition (doctor, babysitter):
   remove its component along g.
3. **Equalize** pairs that should differ only in gender (grandmother/grandfather): make them
   symmetric about the plane orthogonal to g, so a neutral word is equally far from both.

Shapes
------
=============  =======  =================================================================
name           shape    meaning
=============  =======  =================================================================
e, e_w1, e_w2  (D,)     word vectors (D = 50 for GloVe)
g, bias_axis   (D,)     the bias direction (any length: the formulas divide by ||g||²)
E              (N, D)   a vocabulary's vectors, one row per word
=============  =======  =================================================================

Equations
---------
.. math::

    (1)\quad e^{bias\_component} = \frac{e \cdot g}{\|g\|_2^2}\, g \qquad
    (2)\quad e^{debiased} = e - e^{bias\_component}

    (3)\quad \mu = \frac{e_{w1} + e_{w2}}{2} \qquad
    (4)\quad \mu_B = \frac{\mu \cdot \text{bias\_axis}}{\|\text{bias\_axis}\|_2^2}
        \text{bias\_axis} \qquad
    (5)\quad \mu_\perp = \mu - \mu_B

    (6)\quad e_{w1B} = \frac{e_{w1} \cdot \text{bias\_axis}}{\|\text{bias\_axis}\|_2^2}
        \text{bias\_axis} \qquad
    (7)\quad e_{w2B} = \frac{e_{w2} \cdot \text{bias\_axis}}{\|\text{bias\_axis}\|_2^2}
        \text{bias\_axis}

    (8)\quad e_{w1B}^{corrected} = \sqrt{|1 - \|\mu_\perp\|_2^2|}\,
        \frac{e_{w1B} - \mu_B}{\|(e_{w1} - \mu_\perp) - \mu_B\|_2} \qquad
    (9)\quad e_{w2B}^{corrected} = \sqrt{|1 - \|\mu_\perp\|_2^2|}\,
        \frac{e_{w2B} - \mu_B}{\|(e_{w2} - \mu_\perp) - \mu_B\|_2}

    (10)\quad e_1 = e_{w1B}^{corrected} + \mu_\perp \qquad
    (11)\quad e_2 = e_{w2B}^{corrected} + \mu_\perp

Notes
-----
Equalize (8)-(11) assumes unit-length vectors (the 1 under the square root): use it on
normalised vectors, as :func:`hard_debias` does. Differs from the lecture: the course
computes g as e_woman - e_man; :func:`bias_direction` also offers Bolukbasi et al.'s PCA of the
definitional pairs, which the measured results use.

References
----------
Bolukbasi, Chang, Zou, Saligrama & Kalai, "Man is to Computer Programmer as Woman is to
Homemaker? Debiasing Word Embeddings", NeurIPS 2016 (hard debiasing, section 5).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from seqlab._validate import (
    MissingKeyError,
    as_array,
    check_choice,
    check_dict,
    check_sequence,
    check_str,
    fmt,
)
from seqlab.backend import get_array_module

__all__ = ["DebiasResult", "bias_direction", "equalize", "equalize_vectors", "hard_debias",
           "neutralize", "neutralize_vectors", "normalize_rows", "projection"]


def _vec(word_to_vec_map: Mapping, word: str, fn: str):
    check_dict(word_to_vec_map, f"{fn.split('(')[0]}(word_to_vec_map)", "a mapping word -> vector")
    check_str(word, fn)
    try:
        return word_to_vec_map[word]
    except KeyError:
        raise MissingKeyError(f"{fn}: expected a word of word_to_vec_map, got {word!r}: the "
                              f"word is not in word_to_vec_map") from None


def _check_axis(fn: str, g, D: int | None = None, arg: str = "g"):
    """g as a real 1-D array (D,) that is not the zero vector (it has no direction)."""
    g = as_array(g, f"{fn}({arg})")
    if g.ndim != 1 or (D is not None and g.shape[0] != D):
        raise ValueError(f"{fn}({arg}): expected a 1-D array (D,)"
                         f"{'' if D is None else f' = ({D},)'}, got {fmt(g.shape)}")
    xp = get_array_module(g)
    if not float(xp.abs(g).max()) > 0:
        raise ValueError(f"{fn}({arg}): expected a non-zero bias direction, got the zero "
                         f"vector")
    return g


def bias_direction(word_to_vec_map: Mapping, pairs: Sequence[tuple[str, str]],
                   method: str = "pca"):
    """The bias direction g from definitional pairs (a, b), e.g. ("woman", "man").

    Parameters
    ----------
    word_to_vec_map : word -> vector (D,) (a dict, or anything indexable by word)
    pairs : sequence of (a, b) word pairs, the same order in every pair (female first)
    method : "difference": the mean of e_a - e_b (one pair gives the course's
        g = e_woman - e_man, not normalised); "pca": Bolukbasi's first principal component of
        the centred pairs {e_a - μ, e_b - μ}, μ = (e_a + e_b)/2, unit length, its sign chosen
        so that the a-words are on the positive side

    Returns
    -------
    g : (D,)
    """
    check_choice(method, ("pca", "difference"), "bias_direction(method)")
    pairs = check_sequence(pairs, "bias_direction(pairs)", "a list of (a, b) word pairs")
    if len(pairs) == 0 or any(isinstance(p, str) or len(p) != 2 for p in pairs):
        raise ValueError(f"bias_direction(pairs): expected a non-empty sequence of (a, b) "
                         f"pairs, got {pairs!r}")
    e_a = [_vec(word_to_vec_map, a, "bias_direction") for a, _ in pairs]
    e_b = [_vec(word_to_vec_map, b, "bias_direction") for _, b in pairs]
    xp = get_array_module(e_a[0])
    diff = xp.stack(e_a) - xp.stack(e_b)                   # (n_pairs, D) e_a - e_b
    if not float(xp.abs(diff).max()) > 0:
        raise ValueError("bias_direction(pairs): expected pairs of different vectors, got "
                         "zero differences only: there is no direction to find")
    if method == "difference":
        return diff.mean(axis=0)
    half = diff / 2.0                                      # e_a - μ = (e_a - e_b)/2 = -(e_b - μ)
    centred = xp.concatenate([half, -half])                # (2 n_pairs, D), mean exactly 0
    _, _, Vt = xp.linalg.svd(centred, full_matrices=False)
    g = Vt[0]                                              # first principal direction, unit
    return g if float((diff @ g).sum()) >= 0 else -g       # a-words on the positive side


def projection(E, g):
    """Scalar projections (E · g) / ||g||, (N,) for E (N, D) or a float for e (D,)."""
    E = as_array(E, "projection(E)", ndim=(1, 2), symbols="(N, D)")
    g = _check_axis("projection", g)
    if E.shape[-1] != g.shape[0]:
        raise ValueError(f"projection(E): expected rows of length D = {g.shape[0]} (g's), got "
                         f"shape {fmt(E.shape)}")
    xp = get_array_module(E, g)
    return (E @ g) / xp.linalg.norm(g)


def neutralize(word: str, g, word_to_vec_map: Mapping):
    """Remove the bias component of ``word``'s vector: eqs. (1)-(2). Returns e_debiased (D,)."""
    e = _vec(word_to_vec_map, word, "neutralize(word)")
    g = _check_axis("neutralize", g, e.shape[0])
    e_biascomponent = (e @ g) / (g @ g) * g                # (1) the part of e along g
    e_debiased = e - e_biascomponent                       # (2) orthogonal to g
    return e_debiased


def neutralize_vectors(E, g):
    """Eqs. (1)-(2) for every row of E (N, D) at once: E - (E g / ||g||²) gᵀ, (N, D)."""
    E = as_array(E, "neutralize_vectors(E)", ndim=(1, 2), symbols="(N, D)")
    g = _check_axis("neutralize_vectors", g)
    if E.shape[-1] != g.shape[0]:
        raise ValueError(f"neutralize_vectors(E): expected rows of length D = {g.shape[0]} "
                         f"(g's), got shape {fmt(E.shape)}")
    return E - ((E @ g) / (g @ g))[..., None] * g          # (N, D)


def equalize_vectors(e_w1, e_w2, bias_axis):
    """Eqs. (3)-(11) on vectors (D,), or on rows of (n_pairs, D). Returns (e1, e2)."""
    e_w1 = as_array(e_w1, "equalize_vectors(e_w1)", ndim=(1, 2), symbols="(D,) or (n_pairs, D)")
    e_w2 = as_array(e_w2, "equalize_vectors(e_w2)")
    if e_w2.shape != e_w1.shape:
        raise ValueError(f"equalize_vectors(e_w2): expected the shape of e_w1, "
                         f"{fmt(e_w1.shape)}, got {fmt(e_w2.shape)}")
    bias_axis = _check_axis("equalize_vectors", bias_axis, e_w1.shape[-1], "bias_axis")
    xp = get_array_module(e_w1, e_w2, bias_axis)
    b2 = bias_axis @ bias_axis                             # ||bias_axis||²

    def along(v):                                          # (v · b / ||b||²) b, row-wise
        return ((v @ bias_axis) / b2)[..., None] * bias_axis

    mu = (e_w1 + e_w2) / 2                                 # (3)
    mu_B = along(mu)                                       # (4)
    mu_orth = mu - mu_B                                    # (5)
    e_w1B = along(e_w1)                                    # (6)
    e_w2B = along(e_w2)                                    # (7)
    scale = xp.sqrt(xp.abs(1 - (mu_orth * mu_orth).sum(axis=-1, keepdims=True)))
    corrected_e_w1B = scale * (e_w1B - mu_B) / xp.linalg.norm(
        e_w1 - mu_orth - mu_B, axis=-1, keepdims=True)     # (8)
    corrected_e_w2B = scale * (e_w2B - mu_B) / xp.linalg.norm(
        e_w2 - mu_orth - mu_B, axis=-1, keepdims=True)     # (9)
    e1 = corrected_e_w1B + mu_orth                         # (10)
    e2 = corrected_e_w2B + mu_orth                         # (11)
    return e1, e2


def equalize(pair: tuple[str, str], bias_axis, word_to_vec_map: Mapping):
    """Equalize a pair of words (w1, w2) about the plane orthogonal to ``bias_axis``.

    Returns (e1, e2), each (D,): the same component orthogonal to the axis, μ⊥, and opposite
    components along it (eqs. 3-11).
    """
    pair = check_sequence(pair, "equalize(pair)", "two words (w1, w2)")
    if len(pair) != 2:
        raise ValueError(f"equalize(pair): expected two words (w1, w2), got {pair!r}")
    w1, w2 = pair
    e_w1 = _vec(word_to_vec_map, w1, "equalize(pair)")
    e_w2 = _vec(word_to_vec_map, w2, "equalize(pair)")
    bias_axis = _check_axis("equalize", bias_axis, e_w1.shape[0], "bias_axis")
    e1, e2 = equalize_vectors(e_w1, e_w2, bias_axis)
    return e1, e2


def normalize_rows(E):
    """Each row divided by its Euclidean length (zero rows stay zero), (N, D)."""
    E = as_array(E, "normalize_rows(E)", ndim=2, symbols="(N, D)")
    xp = get_array_module(E)
    norms = xp.linalg.norm(E, axis=1, keepdims=True)
    return E / xp.where(norms > 0, norms, 1.0)


class DebiasResult(NamedTuple):
    """What :func:`hard_debias` returns."""

    E: object                    # (N, D) the debiased, unit-length vectors
    neutralized: object          # (N,) bool array: rows made orthogonal to g
    equalized: list[tuple[str, str]]  # the equalize pairs found in the vocabulary


def hard_debias(words: Sequence[str], E, g, gender_specific: Iterable[str],
                equalize_pairs: Iterable[tuple[str, str]]) -> DebiasResult:
    """Bolukbasi et al.'s hard debiasing of a whole vocabulary, with the course's formulas.

    1. normalise every row; 2. neutralize (eqs. 1-2) every word not in ``gender_specific``
    and renormalise; 3. equalize (eqs. 3-11) every pair of ``equalize_pairs`` whose two words
    are in ``words``. The input matrix is not changed.

    Parameters
    ----------
    words : N words, row i of E is the vector of words[i]
    E : array (N, D)
    g : (D,) the bias direction (e.g. from :func:`bias_direction`)
    gender_specific : words left alone by neutralize (he, queen, actress, ...)
    equalize_pairs : (w1, w2) pairs to equalize

    Returns
    -------
    DebiasResult(E (N, D) new array, neutralized (N,) bool, equalized pairs)
    """
    words = check_sequence(words, "hard_debias(words)", "a list of N words")
    E = as_array(E, "hard_debias(E)")
    if E.ndim != 2 or E.shape[0] != len(words):
        raise ValueError(f"hard_debias(E): expected an array (N, D) with N = len(words) = "
                         f"{len(words)}, got {fmt(E.shape)}")
    g = _check_axis("hard_debias", g, E.shape[1])
    xp = get_array_module(E, g)
    g = g / xp.linalg.norm(g)                              # unit bias direction
    index = {w: i for i, w in enumerate(words)}
    specific = set(gender_specific)
    neutral = xp.asarray([w not in specific for w in words])  # (N,) bool mask
    E_new = normalize_rows(E)
    rows = xp.flatnonzero(neutral)
    E_new[rows] = normalize_rows(neutralize_vectors(E_new[rows], g))
    found = [(a, b) for a, b in equalize_pairs if a in index and b in index and a != b]
    if found:
        i1 = xp.asarray([index[a] for a, _ in found])
        i2 = xp.asarray([index[b] for _, b in found])
        e1, e2 = equalize_vectors(E_new[i1], E_new[i2], g)  # (n_pairs, D) each
        E_new[i1], E_new[i2] = e1, e2
    return DebiasResult(E_new, neutral, found)
