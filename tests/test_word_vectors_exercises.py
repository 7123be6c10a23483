"""Notebook 07's exercises: cosine_similarity and complete_analogy.

tests/test_exercises.py checks, for every registered exercise, that the library passes, that
each registered mistake gets its own message and that the stub is "open". Here: learners'
code written the Coursera way (np.linalg.norm, explicit loops, other names) passes or gets the
diagnosis of its bug; the plain-NumPy versions behind the mistakes equal the library when no
bug is switched on; a wrong word that is no known mistake gets a message, not a crash.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.embeddings import complete_analogy as library_analogy
from seqlab.embeddings import cosine_similarity as library_cosine
from seqlab.exercises import REGISTRY, check_complete_analogy, check_cosine_similarity
from seqlab.exercises.word_vectors import _analogy, _cosine, _vocab


def learner_cosine(u, v, bug=""):
    dot = np.dot(u, v)
    norm_u, norm_v = np.linalg.norm(u), np.linalg.norm(v)
    if bug == "no_guard":
        return dot / (norm_u * norm_v)
    if np.isclose(norm_u * norm_v, 0, atol=1e-32):
        return 0
    if bug == "dot":
        return dot
    if bug == "sq":
        return dot / (np.sum(u ** 2) * np.sum(v ** 2))
    if bug == "euclid":
        return np.linalg.norm(u - v)
    if bug == "dist":
        return 1.0 - dot / (norm_u * norm_v)
    if bug == "one":
        return dot / norm_v
    return dot / (norm_u * norm_v)


@pytest.mark.parametrize(("bug", "mistake"), [
    ("dot", "no norm"), ("sq", "squared norms"), ("euclid", "euclidean"), ("dist", "distance"),
    ("one", "one norm v"), ("no_guard", "no zero guard")])
def test_learner_cosine_variants_are_diagnosed(bug, mistake):
    def cosine_similarity(u, v):
        return learner_cosine(u, v, bug)

    with np.errstate(all="ignore"):
        result = check_cosine_similarity(cosine_similarity)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_a_course_style_cosine_passes_though_it_rounds_differently():
    def cosine_similarity(u, v):
        return learner_cosine(u, v)

    assert check_cosine_similarity(cosine_similarity).passed


def learner_analogy(word_a, word_b, word_c, word_to_vec_map, bug=""):
    """The course's loop as a learner writes it."""
    if bug != "case":
        word_a, word_b, word_c = word_a.lower(), word_b.lower(), word_c.lower()
    e_a, e_b, e_c = (word_to_vec_map[w] for w in (word_a, word_b, word_c))
    max_cosine_sim, best_word = -100, None
    for w in word_to_vec_map.keys():
        if bug != "keep" and w in [word_a, word_b, word_c]:
            continue
        if bug == "flip":
            sim = learner_cosine(e_a - e_b, word_to_vec_map[w] - e_c)
        elif bug == "add":
            sim = learner_cosine(word_to_vec_map[w], e_b - e_a + e_c)
        else:
            sim = learner_cosine(e_b - e_a, word_to_vec_map[w] - e_c)
        if sim > max_cosine_sim:
            max_cosine_sim, best_word = sim, w
    return best_word


@pytest.mark.parametrize(("bug", "mistake"), [
    ("keep", "inputs not excluded"), ("flip", "sign b-a"), ("add", "3cosadd"),
    ("case", "not lowercased")])
def test_learner_analogy_variants_are_diagnosed(bug, mistake):
    def complete_analogy(word_a, word_b, word_c, word_to_vec_map):
        return learner_analogy(word_a, word_b, word_c, word_to_vec_map, bug)

    result = check_complete_analogy(complete_analogy)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_a_course_style_analogy_passes():
    def complete_analogy(word_a, word_b, word_c, word_to_vec_map):
        return learner_analogy(word_a, word_b, word_c, word_to_vec_map)

    assert check_complete_analogy(complete_analogy).passed


def test_an_unknown_wrong_word_fails_with_a_message_not_a_crash():
    result = check_complete_analogy(lambda a, b, c, m: "the")
    assert result.status == "failed" and "could not judge" not in result.message
    result = check_complete_analogy(lambda a, b, c, m: 42)
    assert result.status == "failed"


def test_mistake_versions_without_the_bug_equal_the_library():
    rng = np.random.default_rng(0)
    for _ in range(5):
        u, v = rng.normal(size=50), rng.normal(size=50)
        assert float(_cosine(u, v)) == pytest.approx(library_cosine(u, v), abs=1e-14)
    vocab = _vocab()
    for triad in [("italy", "italian", "spain"), ("boy", "girl", "madrid"),
                  ("small", "smaller", "large")]:
        assert _analogy(*triad, vocab) == library_analogy(*triad, vocab)


def test_each_mistake_is_wrong_on_some_case_and_the_check_is_fast():
    import time

    ex = REGISTRY["complete_analogy"]
    start = time.perf_counter()
    assert check_complete_analogy(library_analogy).passed
    assert time.perf_counter() - start < 3.0
    assert len(ex.mistakes) >= 5 and len(ex.hints) == 3
    assert len(REGISTRY["cosine_similarity"].mistakes) >= 5
