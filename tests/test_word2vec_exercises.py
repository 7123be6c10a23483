"""Notebook 08's exercises: negative_sampling_loss and negative_sampling_grad.

tests/test_exercises.py checks every registered exercise generically; here: learner code
written differently from the registered mistakes (np.log(1/(1+exp)), loops over pairs) gets the
same diagnosis, the plain-NumPy functions behind the mistakes equal the library with no bug,
and the gradient exercise agrees with finite differences of the loss exercise.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.exercises import REGISTRY
from seqlab.exercises.core import check
from seqlab.exercises.word2vec import _grad, _loss
from seqlab.gradcheck import numerical_gradient, rel_error

LOSS, GRAD = REGISTRY["negative_sampling_loss"], REGISTRY["negative_sampling_grad"]


def learner_loss(e_c, theta_t, theta_neg, bug=""):
    m, k = e_c.shape[1], theta_neg.shape[2]
    total = 0.0
    for j in range(m):                       # pair by pair, the textbook way
        sp = theta_t[:, j] @ e_c[:, j]
        total += np.log(1 / (1 + np.exp(-sp)))
        for i in range(k):
            sn = theta_neg[:, j, i] @ e_c[:, j]
            total += np.log(1 / (1 + np.exp(sn if bug != "sign" else -sn)))
    return -total if bug == "sum" else -total / m


@pytest.mark.parametrize(("bug", "mistake"), [("sign", "negatives not negated"),
                                              ("sum", "sum not mean")])
def test_learner_style_mistakes_are_diagnosed(bug, mistake):
    res = check(LOSS, lambda *a: learner_loss(*a, bug=bug))
    assert not res.passed and res.mistake == mistake


def test_learner_style_solution_passes():
    assert check(LOSS, learner_loss).passed
    assert check(GRAD, _grad).passed


def test_bug_free_mistake_functions_equal_the_library():
    r = np.random.default_rng(0)
    args = r.normal(size=(4, 3)), r.normal(size=(4, 3)), r.normal(size=(4, 3, 5))
    assert abs(_loss(*args) - LOSS.reference(*args)) < 1e-12
    for a, b in zip(_grad(*args), GRAD.reference(*args), strict=True):
        assert rel_error(a, b) < 1e-12


@pytest.mark.parametrize("name", ["negative_sampling_loss", "negative_sampling_grad"])
def test_every_mistake_gets_its_own_message(name):
    ex = REGISTRY[name]
    assert 5 <= len(ex.mistakes) <= 8 and len(ex.hints) == 3
    for mistake in ex.mistakes:
        res = check(ex, mistake.fn)
        assert not res.passed and res.mistake == mistake.name, (mistake.name, res)


def test_gradient_exercise_matches_finite_differences_of_the_loss():
    r = np.random.default_rng(1)
    e_c, th, thn = r.normal(size=(3, 4)), r.normal(size=(3, 4)), r.normal(size=(3, 4, 2))
    de, dth, dthn = GRAD.reference(e_c, th, thn)
    assert rel_error(de, numerical_gradient(lambda _: LOSS.reference(e_c, th, thn), e_c)) < 1e-7
    assert rel_error(dthn, numerical_gradient(lambda _: LOSS.reference(e_c, th, thn), thn)) < 1e-7


def test_checker_survives_a_crashing_answer():
    res = check(GRAD, lambda *a: 1 / 0)
    assert not res.passed
