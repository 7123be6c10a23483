"""Notebook 11's exercises: sentence_to_avg and sentiment_forward.

tests/test_exercises.py already checks, for every registered exercise, that the library passes,
that each registered mistake gets its own message and that the stub is "open". Here: learners'
code written differently from the registered mistakes gets the same diagnosis; the plain
versions behind the mistakes equal the library with no bug switched on; the course's semantics.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.exercises import REGISTRY, check_sentence_to_avg, check_sentiment_forward, hint
from seqlab.exercises.sentiment import _avg, _forward

AVG, FWD = REGISTRY["sentence_to_avg"], REGISTRY["sentiment_forward"]


def learner_avg(sentence, word_to_vec_map, bug=""):
    """A learner's sentence_to_avg, written the Coursera way (np.mean of a list, other names)."""
    words = [w for w in (sentence.split() if bug == "case" else sentence.lower().split())]
    if bug == "chars":
        words = [c for c in sentence.lower()]
    if bug == "keyerror":
        vecs = [word_to_vec_map[w] for w in words]
    else:
        vecs = [word_to_vec_map[w] for w in words if w in word_to_vec_map]
    dim = len(next(iter(word_to_vec_map.values())))
    if bug == "sum":
        return np.sum(vecs, axis=0) if vecs else np.zeros(dim)
    if bug == "len":
        return np.sum(vecs, axis=0) / len(words) if vecs else np.zeros(dim)
    if bug == "nan":
        return np.sum(vecs, axis=0) / len(vecs) if vecs else np.full(dim, np.nan)
    return np.mean(vecs, axis=0) if vecs else np.zeros(dim)


@pytest.mark.parametrize(("bug", "mistake"), [
    ("case", "no lower"), ("sum", "sum"), ("len", "all words"), ("keyerror", "key error"),
    ("nan", "zero division"), ("chars", "characters"),
])
def test_learner_avg_variants_are_diagnosed(bug, mistake):
    def sentence_to_avg(sentence, word_to_vec_map):
        return learner_avg(sentence, word_to_vec_map, bug)

    result = check_sentence_to_avg(sentence_to_avg)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_a_correct_learner_avg_passes():
    assert check_sentence_to_avg(learner_avg).passed


def learner_forward(avg, W, b, y, bug=""):
    """A learner's forward: np.dot, a one-hot matrix for the cost."""
    z = np.dot(W, avg) + (0 if bug == "nob" else b)
    if bug == "sig":
        a = 1 / (1 + np.exp(-z))
    else:
        ax = 1 if bug == "ax" else 0
        e = np.exp(z if bug == "nomax" else z - np.max(z, axis=ax, keepdims=True))
        a = e / np.sum(e, axis=ax, keepdims=True)
    Y = np.zeros_like(a)
    Y[y, np.arange(len(y))] = 1
    per = np.sum(Y * (np.log10(a) if bug == "log10" else np.log(a)), axis=0)   # (m,)
    return a, (per if bug == "sign" else -per)


@pytest.mark.parametrize(("bug", "mistake"), [
    ("nob", "no bias"), ("ax", "axis 1"), ("sig", "sigmoid"), ("log10", "log10"),
    ("sign", "sign"),
])
def test_learner_forward_variants_are_diagnosed(bug, mistake):
    def sentiment_forward(avg, W, b, y):
        return learner_forward(avg, W, b, y, bug)

    result = check_sentiment_forward(sentiment_forward)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_a_correct_learner_forward_passes_and_overflow_is_explained():
    assert check_sentiment_forward(learner_forward).passed

    def sentiment_forward(avg, W, b, y):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return learner_forward(avg, W, b, y, "nomax")

    result = check_sentiment_forward(sentiment_forward)
    assert result.cases_passed == 4 and "overflows" in result.message, repr(result)


def test_unknown_forward_bug_is_pinned_to_the_isolated_term():
    def half_bias(avg, W, b, y):
        return learner_forward(avg, W, 0.5 * b, y)      # right when b = 0 (the first case)

    result = check_sentiment_forward(half_bias)
    assert result.cases_passed == 1 and "related to b?" in result.message, repr(result)


def test_wrong_kinds_of_answers_are_named():
    assert "returned None" in check_sentence_to_avg(lambda s, m: None).message
    result = check_sentiment_forward(lambda avg, W, b, y: learner_forward(avg, W, b, y)[0])
    assert result.status == "failed" and "expected 2 values" in result.message


@pytest.mark.parametrize("case", range(len(FWD.cases)))
def test_plain_versions_without_bug_equal_the_library(case):
    rng = np.random.default_rng(case)
    kw = FWD.cases[case].make(rng)
    ref, got = FWD.reference(**kw), _forward(**kw)
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(got[1], ref[1], rtol=1e-12)
    kw = AVG.cases[min(case, len(AVG.cases) - 1)].make(rng)
    np.testing.assert_allclose(_avg(**kw), AVG.reference(**kw), rtol=1e-12)


def test_course_semantics_of_sentence_to_avg():
    w2v = {"good": np.array([1.0, 3.0]), "movie": np.array([3.0, 1.0])}
    np.testing.assert_array_equal(AVG.reference("Good MOVIE zorgly", w2v), [2.0, 2.0])
    np.testing.assert_array_equal(AVG.reference("", w2v), [0.0, 0.0])


def test_three_hints_each():
    for name in ("sentence_to_avg", "sentiment_forward"):
        assert len(REGISTRY[name].hints) == 3
        assert "Hint 3/3" in hint(name, 3)
