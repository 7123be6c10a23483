"""Exercises of notebook 12 (debiasing word embeddings): ``neutralize`` and ``equalize``.

The course's signatures (W2A1, optional part): ``neutralize(word, g, word_to_vec_map)`` and
``equalize(pair, bias_axis, word_to_vec_map)``, checked against
:func:`seqlab.embeddings.debias.neutralize` / :func:`~seqlab.embeddings.debias.equalize` on
small random vocabularies. Some cases use a bias direction that is not unit length (the course's
g = e_woman - e_man is not), so a missing ``/ ||g||²`` shows; one equalize case uses vectors
longer than 1 (GloVe's are), where the course's ``abs`` under the square root matters.
"""

from __future__ import annotations

import numpy as np

from seqlab.embeddings.debias import equalize as _equalize
from seqlab.embeddings.debias import neutralize as _neutralize
from seqlab.exercises.core import Case, Exercise, Mistake

# ------------------------------------------------------------------------------ neutralize


def _neutralize_bug(word, g, word_to_vec_map, bug=None):
    """Eqs. (1)-(2) in plain NumPy with one known ``bug`` switched on."""
    e = word_to_vec_map[word]
    dot = np.sum(e * g) if bug != "element-wise" else e * g
    denom = {"norm not squared": np.linalg.norm(g), "no division": 1.0,
             "divided by e": np.dot(e, e)}.get(bug, np.dot(g, g))
    if bug == "projected on e":
        component = np.dot(e, g) / np.dot(e, e) * e
    else:
        component = dot / denom * g
    return {"returned bias component": component, "added": e + component}.get(bug, e - component)


def _neutralize_mistake(bug):
    return lambda word, g, word_to_vec_map: _neutralize_bug(word, g, word_to_vec_map, bug)


def _vocab(r, D, n=5, scale=1.0):
    words = ["doctor", "nurse", "receptionist", "engineer", "babysitter", "woman", "man"][:n]
    return {w: r.normal(size=D) * scale for w in words}


def _neutralize_case(D, g_scale=1.0, kind="random"):
    def make(r):
        w2v = _vocab(r, D)
        g = r.normal(size=D)
        g = g / np.linalg.norm(g) * g_scale
        if kind == "orthogonal":   # e already ⟂ g: the answer is e itself
            e = w2v["doctor"]
            w2v["doctor"] = e - np.dot(e, g) / np.dot(g, g) * g
        elif kind == "parallel":   # e along g: the answer is the zero vector
            w2v["doctor"] = 0.7 * g
        return {"word": "doctor", "g": g, "word_to_vec_map": w2v}
    return make


NEUTRALIZE = Exercise(
    name="neutralize",
    signature="neutralize(word, g, word_to_vec_map) -> e_debiased",
    reference=_neutralize,
    library_name="seqlab.embeddings.debias.neutralize",
    week="2",
    output_names=("e_debiased",),
    cases=[
        Case("random, D = 6, unit g", _neutralize_case(6)),
        Case("g of length 3 (like e_woman - e_man, not unit)", _neutralize_case(6, 3.0)),
        Case("e already orthogonal to g: nothing to remove", _neutralize_case(5, 2.0,
                                                                             "orthogonal"),
             isolates="the bias component (it should be zero)"),
        Case("e parallel to g: everything is bias", _neutralize_case(5, 0.5, "parallel")),
        Case("D = 50 like GloVe, g of length 0.4", _neutralize_case(50, 0.4)),
    ],
    mistakes=[
        Mistake("norm not squared", _neutralize_mistake("norm not squared"),
                "the projection divides by ||g||₂ SQUARED: e_biascomponent = (e·g) / ||g||² * g "
                "(1). You divided by ||g|| once (np.linalg.norm(g) ** 2, or np.sum(g * g))."),
        Mistake("no division", _neutralize_mistake("no division"),
                "(e·g) g is the projection only when g has length 1: divide by ||g||², "
                "e_biascomponent = (e·g) / ||g||² * g (1). The course's g = e_woman - e_man is "
                "not a unit vector."),
        Mistake("returned bias component", _neutralize_mistake("returned bias component"),
                "you returned the bias component itself; the debiased vector is what is left: "
                "e_debiased = e - e_biascomponent (2)."),
        Mistake("added", _neutralize_mistake("added"),
                "e_debiased = e - e_biascomponent (2): subtract the bias component; you added "
                "it, which doubles the bias instead of removing it."),
        Mistake("element-wise", _neutralize_mistake("element-wise"),
                "e·g is a dot product, one number (np.dot(e, g)); e * g is element-wise, a "
                "vector, so the 'component' no longer points along g."),
        Mistake("projected on e", _neutralize_mistake("projected on e"),
                "you projected onto e instead of g: the bias component is (e·g)/||g||² times "
                "g, the bias direction (1)."),
        Mistake("divided by e", _neutralize_mistake("divided by e"),
                "the denominator is ||g||², the squared length of the direction you project "
                "on, not ||e||² (1)."),
    ],
    hints=[
        "Look up e = word_to_vec_map[word]. The part of e along g is its projection "
        "(e·g)/||g||² g; what remains after removing it is orthogonal to g.",
        "e_biascomponent = np.dot(e, g) / np.sum(g * g) * g   (1); then e - e_biascomponent.",
        "e = word_to_vec_map[word]; e_biascomponent = np.dot(e, g) / np.linalg.norm(g) ** 2 * g; "
        "return e - e_biascomponent",
    ],
)

# -------------------------------------------------------------------------------- equalize


def _equalize_bug(pair, bias_axis, word_to_vec_map, bug=None):
    """Eqs. (3)-(11) in plain NumPy with one known ``bug`` switched on."""
    w1, w2 = pair
    e_w1, e_w2 = word_to_vec_map[w1], word_to_vec_map[w2]
    b = bias_axis
    b2 = np.linalg.norm(b) if bug == "norm not squared" else np.dot(b, b)
    mu = e_w1 + e_w2 if bug == "mu not halved" else (e_w1 + e_w2) / 2
    mu_B = np.dot(mu, b) / b2 * b
    mu_orth = mu - mu_B
    e_w1B, e_w2B = np.dot(e_w1, b) / b2 * b, np.dot(e_w2, b) / b2 * b
    inside = 1 - (np.linalg.norm(mu_orth) if bug == "mu_orth norm not squared"
                  else np.sum(mu_orth ** 2))
    if bug == "no abs":
        with np.errstate(invalid="ignore"):
            scale = np.sqrt(inside)
    else:
        scale = np.abs(inside) if bug == "no sqrt" else np.sqrt(np.abs(inside))
    if bug == "wrong normaliser":
        n1, n2 = np.linalg.norm(e_w1B - mu_B), np.linalg.norm(e_w2B - mu_B)
    else:
        n1, n2 = np.linalg.norm(e_w1 - mu_orth - mu_B), np.linalg.norm(e_w2 - mu_orth - mu_B)
    c1, c2 = scale * (e_w1B - mu_B) / n1, scale * (e_w2B - mu_B) / n2
    base = {"mu_B for mu_orth": mu_B, "no mu_orth": 0.0}.get(bug, mu_orth)
    e1, e2 = c1 + base, c2 + base
    if bug == "same vector":
        e2 = e1
    if bug == "swapped":
        e1, e2 = e2, e1
    return e1, e2


def _equalize_mistake(bug):
    return lambda pair, bias_axis, word_to_vec_map: _equalize_bug(pair, bias_axis,
                                                                  word_to_vec_map, bug)


def _equalize_case(D, axis_scale=1.0, vec_scale=None):
    def make(r):
        w2v = _vocab(r, D, 7)
        for w in w2v:  # unit vectors, as the formulas assume, unless vec_scale is given
            w2v[w] = w2v[w] / np.linalg.norm(w2v[w]) * (vec_scale or 1.0)
        g = r.normal(size=D)
        g = g / np.linalg.norm(g) * axis_scale
        w2v["woman"] = w2v["woman"] + 0.6 * g / axis_scale   # a pair that differs along g
        w2v["man"] = w2v["man"] - 0.6 * g / axis_scale
        return {"pair": ("man", "woman"), "bias_axis": g, "word_to_vec_map": w2v}
    return make


EQUALIZE = Exercise(
    name="equalize",
    signature="equalize(pair, bias_axis, word_to_vec_map) -> (e1, e2)",
    reference=_equalize,
    library_name="seqlab.embeddings.debias.equalize",
    week="2",
    output_names=("e1", "e2"),
    steps=[("e1", "e1 = sqrt(|1 - ||μ⊥||²|) (e_w1B - μ_B) / ||(e_w1 - μ⊥) - μ_B|| + μ⊥ "
                  "(8), (10)."),
           ("e2", "e1 is right, so check e2 = sqrt(|1 - ||μ⊥||²|) (e_w2B - μ_B) / ||(e_w2 - "
                  "μ⊥) - μ_B|| + μ⊥ (9), (11): e_w2's own projection and length.")],
    cases=[
        Case("random, D = 6, unit bias axis", _equalize_case(6)),
        Case("bias axis of length 2.5 (not unit)", _equalize_case(6, 2.5)),
        Case("D = 50 like GloVe", _equalize_case(50, 0.8)),
        Case("vectors of length 3 (GloVe's are about 4-5 long): ||μ⊥|| > 1",
             _equalize_case(8, 1.0, vec_scale=3.0)),
    ],
    mistakes=[
        Mistake("norm not squared", _equalize_mistake("norm not squared"),
                "the projections (4), (6), (7) divide by ||bias_axis||₂ SQUARED: "
                "(v·b)/||b||² * b. You divided by ||b|| once."),
        Mistake("mu not halved", _equalize_mistake("mu not halved"),
                "μ is the MEAN of the pair, (e_w1 + e_w2) / 2 (3); you forgot the / 2."),
        Mistake("no sqrt", _equalize_mistake("no sqrt"),
                "(8)-(9) scale by the square root, sqrt(|1 - ||μ⊥||²|); you used |1 - ||μ⊥||²| "
                "without np.sqrt."),
        Mistake("no abs", _equalize_mistake("no abs"),
                "1 - ||μ⊥||² is negative when the vectors are longer than 1 (GloVe's are), and "
                "np.sqrt of a negative number is NaN: take np.abs first, as in (8)-(9)."),
        Mistake("wrong normaliser", _equalize_mistake("wrong normaliser"),
                "the denominator in (8)-(9) is ||(e_w1 - μ⊥) - μ_B||, the length of the whole "
                "difference e_w1 - μ, not ||e_w1B - μ_B||."),
        Mistake("mu_B for mu_orth", _equalize_mistake("mu_B for mu_orth"),
                "e1 = e_w1B_corrected + μ⊥ (10): add the part of μ ORTHOGONAL to the axis; you "
                "added μ_B, the part along it."),
        Mistake("mu_orth norm not squared", _equalize_mistake("mu_orth norm not squared"),
                "(8)-(9) use the SQUARED length of μ⊥: sqrt(|1 - ||μ⊥||²|), with ||μ⊥||² = "
                "np.sum(mu_orth ** 2) (or np.linalg.norm(mu_orth) ** 2); you used ||μ⊥|| "
                "itself."),
        Mistake("no mu_orth", _equalize_mistake("no mu_orth"),
                "e1 = e_w1B_corrected + μ⊥ (10) and e2 = e_w2B_corrected + μ⊥ (11): you "
                "returned the corrected parts along the axis alone, without + μ⊥, the part "
                "the two words share."),
        Mistake("same vector", _equalize_mistake("same vector"),
                "e2 uses e_w2's corrected projection (9) and (11): you returned e1 twice."),
        Mistake("swapped", _equalize_mistake("swapped"),
                "e1 belongs to pair[0] and e2 to pair[1]: your outputs are swapped."),
    ],
    hints=[
        "Split everything into the part along the axis and the rest: μ = (e_w1 + e_w2)/2, "
        "μ_B = (μ·b)/||b||² b, μ⊥ = μ - μ_B; e_w1B and e_w2B likewise (6)-(7).",
        "Both words get the same orthogonal part μ⊥; along the axis they get opposite parts of "
        "total length sqrt(|1 - ||μ⊥||²|): scale (e_w1B - μ_B) by that over "
        "||e_w1 - μ⊥ - μ_B|| (8).",
        "scale = np.sqrt(np.abs(1 - np.sum(mu_orth ** 2))); corrected_e_w1B = scale * (e_w1B - "
        "mu_B) / np.linalg.norm(e_w1 - mu_orth - mu_B) (same for w2); return corrected_e_w1B + "
        "mu_orth, corrected_e_w2B + mu_orth",
    ],
)

EXERCISES = {ex.name: ex for ex in (NEUTRALIZE, EQUALIZE)}
