"""Notebook 09's exercises: weighting_function and glove_loss_terms.

tests/test_exercises.py already checks, for every registered exercise, that the library passes,
that each registered mistake gets its own message and that the stub is "open". Here: learners'
code written differently from the registered mistakes gets the same diagnosis, correct variants
pass, an unknown bug is pinned to the isolated term, and the plain-NumPy functions behind the
mistakes equal the library with no bug switched on (so each mistake is exactly one bug).
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.embeddings.glove_model import weighting
from seqlab.exercises import check_glove_loss_terms, check_weighting_function
from seqlab.exercises.glove import _terms, _terms_reference, _weighting


def test_plain_numpy_versions_equal_the_library_without_a_bug():
    r = np.random.default_rng(0)
    x = np.r_[0.0, r.uniform(0, 300, 20), 100.0]
    assert np.allclose(_weighting(x, 100, 0.75), weighting(x, 100, 0.75), rtol=1e-14, atol=0)
    args = (r.normal(size=(6, 3)), r.normal(size=(6, 3)), r.normal(size=6), r.normal(size=6),
            r.uniform(0.1, 300, 6), 100.0, 0.75)
    assert np.allclose(_terms(*args), _terms_reference(*args), rtol=1e-13, atol=0)


def test_correct_learner_variants_pass():
    def weighting_function(x, x_max, alpha):
        return np.minimum(np.power(x / x_max, alpha), 1)

    def glove_loss_terms(w_i, w_tilde_j, b_i, b_tilde_j, X_ij, x_max, alpha):
        f = np.array([min((x / x_max) ** alpha, 1.0) for x in X_ij])
        pred = np.einsum("bd,bd->b", w_i, w_tilde_j) + b_i + b_tilde_j
        return f * np.square(pred - np.log(X_ij))

    assert check_weighting_function(weighting_function).passed
    assert check_glove_loss_terms(glove_loss_terms).passed


@pytest.mark.parametrize(("fn", "mistake"), [
    (lambda x, x_max, alpha: np.power(x / x_max, alpha), "no cap"),
    (lambda x, x_max, alpha: np.clip(x / x_max, 0, 1), "no alpha"),
    (lambda x, x_max, alpha: np.where(x >= x_max, (x / x_max) ** alpha, 1), "branches swapped"),
    (lambda x, x_max, alpha: np.minimum(np.power(x, alpha) / x_max, 1), "alpha outside"),
    (lambda x, x_max, alpha: (x / x_max) ** alpha if x < x_max else 1.0, "python if"),
])
def test_learner_weighting_variants_are_diagnosed(fn, mistake):
    result = check_weighting_function(fn)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def _learner_terms(bug=""):
    def glove_loss_terms(w_i, w_tilde_j, b_i, b_tilde_j, X_ij, x_max, alpha):
        f = np.minimum((X_ij / x_max) ** alpha, 1.0)
        dots = np.sum(w_i * w_tilde_j, axis=-1)
        if bug == "dot":
            dots = np.dot(w_i, w_tilde_j.T)
        err = dots + b_i + (0.0 if bug == "no_bt" else b_tilde_j) - (
            X_ij if bug == "nolog" else np.log(X_ij))
        out = {"half": 0.5 * f * err * err, "unweighted": err * err}.get(bug, f * err * err)
        return np.sum(out) if bug == "sum" else out
    return glove_loss_terms


@pytest.mark.parametrize(("bug", "mistake"), [
    ("half", "half"), ("unweighted", "no weighting"), ("no_bt", "no context bias"),
    ("nolog", "X not log"), ("sum", "summed"), ("dot", "matrix product"),
])
def test_learner_loss_variants_are_diagnosed(bug, mistake):
    result = check_glove_loss_terms(_learner_terms(bug))
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_unknown_loss_bug_is_pinned_to_the_isolated_term():
    def glove_loss_terms(w_i, w_tilde_j, b_i, b_tilde_j, X_ij, x_max, alpha):
        f = np.minimum((X_ij / x_max) ** alpha, 1.0)
        return f * ((w_i * w_tilde_j).sum(1) + b_i + b_tilde_j - np.log1p(X_ij)) ** 2

    result = check_glove_loss_terms(glove_loss_terms)
    assert result.status == "failed" and result.mistake is None
    assert "w_i·w̃_j - log X_ij" in result.message
