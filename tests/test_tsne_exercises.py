"""Notebook 10's exercises: conditional_row (eqs. 1-2 for one point) and tsne_gradient (3, 5).

tests/test_exercises.py checks every registered exercise generically. Here: a learner's code
written the straightforward way, with one bug each, gets the registered diagnosis; the
reference of conditional_row reproduces the library's rows at the β its bisection found, with
the target perplexity; the plain-NumPy gradient equals the library's and finite differences of
the KL divergence; odd answers never crash the check; the stub is "open".
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.embeddings.tsne import (
    conditional_probabilities,
    joint_probabilities,
    kl_divergence,
    kl_divergence_and_gradient,
    sq_distances,
)
from seqlab.exercises import REGISTRY, check_conditional_row, check_tsne_gradient
from seqlab.exercises.tsne import _conditional_bug, _gradient_bug, conditional_row

ROW, GRAD = REGISTRY["conditional_row"], REGISTRY["tsne_gradient"]


def learner_row(d, beta, i, bug=""):
    """A learner's loop-free answer; ``bug`` switches on one slip."""
    p = np.exp(-beta * d)
    if bug != "self":
        p[i] = 0.0
    p = p / np.sum(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        if bug == "nan":
            H = -np.sum(p * np.log2(p))
        else:
            nz = p[p > 0]
            H = -np.sum(nz * (np.log(nz) if bug in ("ln", "exp") else np.log2(nz)))
    if bug == "H":
        return p, H
    return p, (np.exp(H) if bug == "exp" else 2 ** H)


@pytest.mark.parametrize(("bug", "mistake"), [
    ("self", "self included"), ("ln", "natural log"), ("H", "returned entropy"),
    ("nan", "0 log 0"),
])
def test_learner_conditional_row_variants_are_diagnosed(bug, mistake):
    def conditional_row(d, beta, i):
        return learner_row(d, beta, i, bug)

    result = check_conditional_row(conditional_row)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_natural_log_with_exp_is_right_too():
    assert check_conditional_row(lambda d, beta, i: learner_row(d, beta, i, "exp")).passed
    assert check_conditional_row(lambda d, beta, i: learner_row(d, beta, i)).passed


def learner_gradient(P, Y, bug=""):
    """Eq. (5) with an explicit loop over i, as a learner might write it."""
    N = Y.shape[0]
    dist = sq_distances(Y)
    num = 1.0 / (1.0 + dist)
    if bug != "diag":
        np.fill_diagonal(num, 0.0)
    Q = num / np.sum(num)
    dY = np.zeros_like(Y)
    for i in range(N):
        kernel = 1.0 if bug == "nokernel" else num[i]
        dY[i] = ((P[i] - Q[i]) * kernel) @ (Y[i] - Y)
    return dY if bug == "no4" else 4.0 * dY


@pytest.mark.parametrize(("bug", "mistake"), [
    ("diag", "diagonal in Q"), ("nokernel", "no kernel factor"), ("no4", "no factor 4"),
])
def test_learner_gradient_variants_are_diagnosed(bug, mistake):
    def tsne_gradient(P, Y):
        return learner_gradient(P, Y, bug)

    result = check_tsne_gradient(tsne_gradient)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_a_loop_answer_passes():
    assert check_tsne_gradient(lambda P, Y: learner_gradient(P, Y)).passed


@pytest.mark.parametrize("perplexity", [2.0, 5.0, 12.0])
def test_reference_row_reproduces_the_librarys_bisection(perplexity):
    X = np.random.default_rng(1).normal(size=(30, 8))
    D = sq_distances(X)
    P_cond, beta = conditional_probabilities(D, perplexity)
    for i in (0, 7, 29):
        p, perp = conditional_row(D[i], float(beta[i]), i)
        np.testing.assert_allclose(p, P_cond[i], rtol=1e-12, atol=1e-15)
        assert abs(perp - perplexity) < 1e-8 * perplexity
        p_plain, perp_plain = _conditional_bug(D[i], float(beta[i]), i)   # no bug switched on
        assert np.array_equal(p_plain, p) and perp_plain == perp


def test_beta_zero_gives_uniform_neighbours_and_perplexity_n_minus_1():
    d = sq_distances(np.random.default_rng(2).normal(size=(9, 3)))[4]
    p, perp = _conditional_bug(d, 0.0, 4)
    assert p[4] == 0.0 and np.allclose(np.delete(p, 4), 1 / 8)
    assert abs(perp - 8.0) < 1e-12


def test_plain_numpy_gradient_equals_the_library_and_finite_differences():
    rng = np.random.default_rng(3)
    for case in GRAD.cases:
        kwargs = case.make(rng)
        np.testing.assert_allclose(_gradient_bug(**kwargs), GRAD.reference(**kwargs),
                                   rtol=1e-10, atol=1e-14)
    P = joint_probabilities(rng.normal(size=(7, 5)), perplexity=2.5)
    Y = rng.normal(size=(7, 2))
    dY = kl_divergence_and_gradient(P, Y)[1]
    h, num = 1e-6, np.zeros_like(Y)
    for idx in np.ndindex(Y.shape):
        Yp, Ym = Y.copy(), Y.copy()
        Yp[idx] += h
        Ym[idx] -= h
        num[idx] = (kl_divergence(P, Yp) - kl_divergence(P, Ym)) / (2 * h)
    assert np.max(np.abs(num - dY)) / np.max(np.abs(dY)) < 1e-7


def test_every_mistake_is_wrong_on_some_case_and_named_by_the_checker():
    for ex, check in ((ROW, check_conditional_row), (GRAD, check_tsne_gradient)):
        assert 5 <= len(ex.mistakes) <= 8 and len(ex.hints) == 3
        for mistake in ex.mistakes:
            result = check(mistake.fn)
            assert result.status == "failed" and result.mistake == mistake.name, (
                ex.name, mistake.name, repr(result))


@pytest.mark.parametrize("answer", [None, 3.0, "p", (1, 2, 3), np.zeros(3), (np.zeros(4), 2.0)])
def test_odd_answers_fail_with_a_message_never_a_traceback(answer):
    for check in (check_conditional_row, check_tsne_gradient):
        result = check(lambda *args: answer)
        assert result.status == "failed" and result.message


def test_the_stub_is_open_and_inputs_changed_in_place_are_caught():
    def conditional_row(d, beta, i):
        raise NotImplementedError()

    assert check_conditional_row(conditional_row).status == "open"

    def tsne_gradient(P, Y):
        np.fill_diagonal(P, 0.0)
        P *= 1.0 + 1e-3                  # in place: the check must notice
        return learner_gradient(P, Y)

    result = check_tsne_gradient(tsne_gradient)
    assert result.status == "failed" and "in place" in result.message
