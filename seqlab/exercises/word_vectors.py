"""Exercises of notebook 07 (word representation): ``cosine_similarity``, ``complete_analogy``.

The course's W2A1 functions with its signatures (:func:`seqlab.embeddings.cosine_similarity`,
:func:`seqlab.embeddings.complete_analogy`). Cosine cases are random vectors plus the three
properties (self = 1, orthogonal = 0, opposite = -1) and a zero vector; analogy cases use a
small real vocabulary (a few hundred GloVe 50d words, so the checks run in milliseconds) with
questions chosen so that every known mistake gives its own wrong word.
"""

from __future__ import annotations

import numpy as np

from seqlab.embeddings.similarity import complete_analogy, cosine_similarity
from seqlab.exercises.core import Case, Exercise, Mistake

# ------------------------------------------------------------------------ cosine_similarity


def _cosine(u, v, bug=None):
    """sim(u, v) = uᵀv / (‖u‖ ‖v‖) (1) in plain NumPy, with one known ``bug`` switched on."""
    u, v = np.asarray(u, float), np.asarray(v, float)
    if bug == "euclidean unguarded":
        return float(np.sqrt(np.sum((u - v) ** 2)))
    dot = np.dot(u, v)
    norm_u, norm_v = np.sqrt(np.sum(u * u)), np.sqrt(np.sum(v * v))
    if bug == "no zero guard":
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(dot / (norm_u * norm_v))
    if norm_u == 0 or norm_v == 0:
        return 0.0
    value = {"no norm": dot, "one norm": dot / norm_u, "u norm twice": dot / (norm_u * norm_u),
             "euclidean": np.sqrt(np.sum((u - v) ** 2)),
             "squared norms": dot / (norm_u ** 2 * norm_v ** 2),
             "l1 norms": dot / (np.sum(np.abs(u)) * np.sum(np.abs(v))),
             "distance": 1 - dot / (norm_u * norm_v),
             "one norm v": dot / norm_v}.get(bug, dot / (norm_u * norm_v))
    return float(value)


def _cos_mistake(bug):
    return lambda u, v: _cosine(u, v, bug)


def _cos_case(kind, n=50):
    def make(r):
        u = r.normal(size=n) * 0.8
        if kind == "random":
            return {"u": u, "v": r.normal(size=n) * 1.7}
        if kind == "self":
            return {"u": u, "v": u.copy()}
        if kind == "scaled":
            return {"u": u, "v": 3.0 * u}
        if kind == "opposite":
            return {"u": u, "v": -2.0 * u}
        if kind == "orthogonal":
            w = r.normal(size=n)
            return {"u": u, "v": w - (w @ u) / (u @ u) * u}
        return {"u": np.zeros(n), "v": r.normal(size=n)}   # "zero"
    return make


COSINE_SIMILARITY = Exercise(
    name="cosine_similarity",
    signature="cosine_similarity(u, v) -> float",
    reference=lambda u, v: float(cosine_similarity(u, v)),
    source=cosine_similarity,
    library_name="seqlab.embeddings.cosine_similarity",
    week="2",
    output_names=("cosine_similarity",),
    cases=[
        Case("two random vectors of length 50", _cos_case("random")),
        Case("u and 3u: same direction, so the answer is 1", _cos_case("scaled")),
        Case("u and -2u: opposite directions, so the answer is -1", _cos_case("opposite")),
        Case("u with itself: the answer is 1", _cos_case("self")),
        Case("u and a vector orthogonal to it: the answer is 0", _cos_case("orthogonal")),
        Case("a zero vector u: no direction, the course returns 0", _cos_case("zero")),
    ],
    mistakes=[
        Mistake("no norm", _cos_mistake("no norm"),
                "you returned the dot product uᵀv: divide by both lengths, uᵀv / (‖u‖₂ ‖v‖₂), "
                "so that only the directions count (long vectors are not 'more similar')."),
        Mistake("one norm", _cos_mistake("one norm"),
                "you divided by ‖u‖₂ only: the denominator is the product of BOTH lengths, "
                "‖u‖₂ ‖v‖₂."),
        Mistake("squared norms", _cos_mistake("squared norms"),
                "you divided by ‖u‖² ‖v‖²: the L2 norm is the square root of the sum of "
                "squares, ‖u‖₂ = sqrt(Σ u_i²)."),
        Mistake("l1 norms", _cos_mistake("l1 norms"),
                "you used the L1 norm Σ|u_i|: cosine similarity uses the L2 norm "
                "‖u‖₂ = sqrt(Σ u_i²)."),
        Mistake("euclidean", _cos_mistake("euclidean"),
                "you returned the Euclidean distance ‖u − v‖₂, a dissimilarity (0 for equal "
                "vectors): the exercise asks for the cosine uᵀv / (‖u‖₂ ‖v‖₂).",
                variants=(_cos_mistake("euclidean unguarded"),)),
        Mistake("u norm twice", _cos_mistake("u norm twice"),
                "you divided by ‖u‖₂ twice (‖u‖₂ ‖u‖₂, a copy-paste slip?): the denominator is "
                "‖u‖₂ ‖v‖₂, one length per vector."),
        Mistake("distance", _cos_mistake("distance"),
                "you returned the cosine DISTANCE 1 − cos: the similarity itself is "
                "uᵀv / (‖u‖₂ ‖v‖₂) (1 for the same direction)."),
        Mistake("one norm v", _cos_mistake("one norm v"),
                "you divided by ‖v‖₂ only: the denominator is the product of BOTH lengths, "
                "‖u‖₂ ‖v‖₂."),
        Mistake("no zero guard", _cos_mistake("no zero guard"),
                "a zero vector gives 0/0 = nan: when ‖u‖₂ ‖v‖₂ is 0, return 0 (as the course's "
                "version does)."),
    ],
    hints=[
        "The numerator is the dot product uᵀv (np.dot(u, v)); the denominator is the product "
        "of the two L2 lengths.",
        "‖u‖₂ = np.sqrt(np.sum(u * u)) (or np.linalg.norm(u)). If that product is 0, one vector "
        "is zero: return 0.",
        "dot = np.dot(u, v); norm_u = np.sqrt(np.sum(u * u)); norm_v = np.sqrt(np.sum(v * v)); "
        "return 0.0 if norm_u * norm_v == 0 else dot / (norm_u * norm_v)",
    ],
)

# ------------------------------------------------------------------------- complete_analogy

# A small real vocabulary: GloVe 50d rows of these words (plus the 300 most frequent words).
_WORDS = ("man woman king queen boy girl prince princess father mother husband wife "
          "italy italian spain spanish france french germany german japan japanese "
          "india delhi tokyo paris berlin rome madrid london "
          "small smaller large larger big bigger good better bad worse "
          "walk walked walking swim swam swimming").split()


def _vocab(n_frequent: int = 300) -> dict:
    from seqlab.data.glove import load_glove

    words, vectors = load_glove(top=20_000, dtype=np.float64)
    index = {w: i for i, w in enumerate(words)}
    keep = list(dict.fromkeys(words[:n_frequent] + [w for w in _WORDS if w in index]))
    return {w: vectors[index[w]] for w in keep}


_VOCAB: dict | None = None


def _analogy_case(a, b, c):
    def make(r):
        global _VOCAB
        if _VOCAB is None:
            _VOCAB = _vocab()
        return {"word_a": a, "word_b": b, "word_c": c, "word_to_vec_map": dict(_VOCAB)}
    return make


def _negative_case(r):
    """A made-up vocabulary where every candidate's offset points against e_b - e_a: all the
    similarities are negative and the answer is the least negative one."""
    D, words = 6, ("cold colder warm hot ice snow fire sun rain wind").split()
    d = r.normal(size=D)
    d /= np.linalg.norm(d)
    e = {"cold": r.normal(size=D)}
    e["colder"] = e["cold"] + 1.5 * d
    e["warm"] = r.normal(size=D)
    for w in words[3:]:
        noise = r.normal(size=D)
        noise -= (noise @ d) * d                      # orthogonal to d: the cosine is -k/|.|
        e[w] = e["warm"] - r.uniform(0.3, 2.0) * d + noise
    return {"word_a": "cold", "word_b": "colder", "word_c": "warm", "word_to_vec_map": e}


def _random_analogy_case(r):
    a, b, c = (str(w) for w in r.choice(_WORDS, size=3, replace=False))
    return _analogy_case(a, b, c)(r)


def _cos(u, v):
    d = np.linalg.norm(u) * np.linalg.norm(v)
    return 0.0 if d == 0 else float(u @ v / d)


def _score(e_a, e_b, e_c, e_w, bug):
    """Rule (3)'s score of one candidate w, or a known wrong score."""
    if bug == "sign b-a":
        return _cos(e_a - e_b, e_w - e_c)
    if bug == "a and c swapped":
        return _cos(e_b - e_c, e_w - e_a)
    if bug == "3cosadd":
        return _cos(e_w, e_b - e_a + e_c)
    if bug == "no norm":
        return float((e_b - e_a) @ (e_w - e_c))
    if bug == "euclidean":
        return float(np.linalg.norm((e_b - e_a) - (e_w - e_c)))
    return _cos(e_b - e_a, e_w - e_c)


def _analogy(word_a, word_b, word_c, word_to_vec_map, bug=None):
    """The course's loop (3), with one known ``bug`` switched on."""
    m = word_to_vec_map
    if bug != "not lowercased":
        word_a, word_b, word_c = word_a.lower(), word_b.lower(), word_c.lower()
    e_a, e_b, e_c = m[word_a], m[word_b], m[word_c]
    best, best_word = {"euclidean": np.inf, "best 0": 0.0}.get(bug, -np.inf), None
    for w, e_w in m.items():
        if bug != "inputs not excluded" and w in (word_a, word_b, word_c):
            continue
        score = _score(e_a, e_b, e_c, e_w, bug)
        if (score < best) if bug == "euclidean" else (score > best):
            best, best_word = score, w
    return best_word


def _analogy_mistake(bug):
    return lambda word_a, word_b, word_c, word_to_vec_map: _analogy(
        word_a, word_b, word_c, word_to_vec_map, bug)


COMPLETE_ANALOGY = Exercise(
    name="complete_analogy",
    signature="complete_analogy(word_a, word_b, word_c, word_to_vec_map) -> best_word",
    reference=complete_analogy,
    source=complete_analogy,
    library_name="seqlab.embeddings.complete_analogy",
    week="2",
    output_names=("best_word",),
    cases=[
        Case("italy : italian :: spain : ?", _analogy_case("italy", "italian", "spain")),
        Case("man : woman :: boy : ?", _analogy_case("man", "woman", "boy")),
        Case("india : delhi :: japan : ?", _analogy_case("india", "delhi", "japan")),
        Case("small : smaller :: large : ?", _analogy_case("small", "smaller", "large")),
        Case("walk : walked :: swim : ?", _analogy_case("walk", "walked", "swim")),
        Case("boy : girl :: madrid : ? (an odd question: only the formula decides)",
             _analogy_case("boy", "girl", "madrid")),
        Case("Man : Woman :: King : ? (capitals: the course lower-cases the input)",
             _analogy_case("Man", "Woman", "King")),
        Case("cold : colder :: warm : ? in a made-up vocabulary where every similarity is "
             "negative", _negative_case),
    ],
    hidden_cases=[Case("three random words a : b :: c : ?", _random_analogy_case)],
    mistakes=[
        Mistake("inputs not excluded", _analogy_mistake("inputs not excluded"),
                "your answer is one of the three input words: skip word_a, word_b and word_c "
                "in the loop (the best match of e_w − e_c is often e_b itself)."),
        Mistake("sign b-a", _analogy_mistake("sign b-a"),
                "sign error (or argmin): the offset to match is e_b − e_a (from a to b) and you "
                "want the LARGEST cos(e_b − e_a, e_w − e_c); you found the word in the opposite "
                "direction."),
        Mistake("a and c swapped", _analogy_mistake("a and c swapped"),
                "a and c are swapped: compare e_b − e_a (a → b) with e_w − e_c (c → w)."),
        Mistake("3cosadd", _analogy_mistake("3cosadd"),
                "you compared e_w with e_b − e_a + e_c (the lecture slide's form); this exercise "
                "is the programming assignment's: maximise cos(e_b − e_a, e_w − e_c)."),
        Mistake("no norm", _analogy_mistake("no norm"),
                "you maximised the dot product: use cosine_similarity, or long vectors (rare "
                "words) win whatever their direction."),
        Mistake("euclidean", _analogy_mistake("euclidean"),
                "you minimised the Euclidean distance between the offsets: the exercise "
                "maximises their cosine similarity."),
        Mistake("not lowercased", _analogy_mistake("not lowercased"),
                "the vocabulary is lower-case: convert the three input words with .lower() "
                "first, as the course does."),
        Mistake("best 0", _analogy_mistake("best 0"),
                "here every similarity is negative, and no word beat your starting best of 0 "
                "(you returned the initial best_word): start from max_cosine_sim = -100 (or "
                "-np.inf), below any cosine, which can be as low as -1.",
                variants=(lambda word_a, word_b, word_c, word_to_vec_map: _analogy(
                    word_a, word_b, word_c, word_to_vec_map, "best 0") or "",)),
    ],
    hints=[
        "Lower-case the three words and look up e_a, e_b, e_c. Then loop over every word w of "
        "word_to_vec_map except the three input words.",
        "For each w, score cosine_similarity(e_b - e_a, word_to_vec_map[w] - e_c) and keep the "
        "w with the largest score (start from max_cosine_sim = -100).",
        "for w in word_to_vec_map: if w in (word_a, word_b, word_c): continue; sim = "
        "cosine_similarity(e_b - e_a, word_to_vec_map[w] - e_c); if sim > max_cosine_sim: "
        "max_cosine_sim, best_word = sim, w  — then return best_word",
    ],
)

EXERCISES = {ex.name: ex for ex in (COSINE_SIMILARITY, COMPLETE_ANALOGY)}
