"""Notebook 15's exercise, search_at_fault: the reference agrees with the library's error
analysis (``fault_normalized`` of error_analysis_from_scores), learners' versions written
differently pass or get the diagnosis of their bug, and the checker never raises.

tests/test_exercises.py checks for every registered exercise that the library passes, that each
mistake gets its own message and that the stub is "open"."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqlab.exercises import REGISTRY, check_search_at_fault
from seqlab.exercises.error_analysis import _fault, search_at_fault
from seqlab.seq2seq.error_analysis import error_analysis_from_scores


@pytest.mark.parametrize("alpha", [0.0, 0.5, 0.7, 1.0])
def test_reference_equals_the_library_error_analysis(alpha):
    r = np.random.default_rng(int(alpha * 10))
    m = 200
    T_ref, T_hat = r.integers(2, 15, size=m), r.integers(2, 15, size=m)
    lp_ref, lp_hat = -r.uniform(0.1, 20, size=m), -r.uniform(0.1, 20, size=m)
    lp_hat[:10], T_hat[:10] = lp_ref[:10], T_ref[:10]             # ties: the model's fault
    refs = [[1] * int(t) for t in T_ref]
    preds = [[2] * int(t) for t in T_hat]                         # all different: all errors
    ea = error_analysis_from_scores(refs, preds, lp_ref, lp_hat, alpha=alpha)
    ours = search_at_fault(lp_ref, lp_hat, T_ref, T_hat, alpha)
    assert ea.n_errors == m
    assert ours.dtype == bool and ours.shape == (m,)
    assert ours.tolist() == [row.fault_normalized == "search" for row in ea.rows]
    assert not ours[:10].any()
    assert 0 < ours.mean() < 1                                    # the test can fail both ways
    assert math.isclose(ours.mean(), ea.fraction("search", normalized=True))


def test_alpha_zero_is_the_lecture_comparison_and_alpha_changes_the_verdict():
    lp_ref, lp_hat = np.array([-9.0]), np.array([-6.0])
    T_ref, T_hat = np.array([12]), np.array([4])
    assert not search_at_fault(lp_ref, lp_hat, T_ref, T_hat, 0.0)[0]   # P(y*) < P(ŷ): model
    assert search_at_fault(lp_ref, lp_hat, T_ref, T_hat, 1.0)[0]       # -0.75 > -1.5: search


def test_bugless_plain_version_is_the_reference():
    ex = REGISTRY["search_at_fault"]
    r = np.random.default_rng(0)
    for case in ex.cases:
        kw = case.make(r)
        np.testing.assert_array_equal(_fault(*kw.values()), search_at_fault(*kw.values()))


def learner_loop(log_p_ref, log_p_hat, T_ref, T_hat, alpha):
    out = []
    for a, b, ta, tb in zip(log_p_ref, log_p_hat, T_ref, T_hat, strict=True):
        out.append(a / math.pow(ta, alpha) > b / math.pow(tb, alpha))
    return np.array(out)


def learner_log_domain(log_p_ref, log_p_hat, T_ref, T_hat, alpha):
    """Comparing the differences: (s* - ŝ) > 0, with lengths as floats."""
    return (np.asarray(log_p_ref) * np.asarray(T_ref, float) ** -alpha
            - np.asarray(log_p_hat) * np.asarray(T_hat, float) ** -alpha) > 0


def learner_ge(log_p_ref, log_p_hat, T_ref, T_hat, alpha):
    return [bool(a / ta ** alpha >= b / tb ** alpha)
            for a, b, ta, tb in zip(log_p_ref, log_p_hat, T_ref, T_hat, strict=True)]


def learner_plain_logp(log_p_ref, log_p_hat, T_ref, T_hat, alpha):
    return np.asarray(log_p_ref) > np.asarray(log_p_hat)


def learner_mean(log_p_ref, log_p_hat, T_ref, T_hat, alpha):
    return np.asarray(log_p_ref) / np.asarray(T_ref) > np.asarray(log_p_hat) / np.asarray(T_hat)


def learner_flipped(log_p_ref, log_p_hat, T_ref, T_hat, alpha):
    return np.array([a / ta ** alpha < b / tb ** alpha
                     for a, b, ta, tb in zip(log_p_ref, log_p_hat, T_ref, T_hat, strict=True)])


@pytest.mark.parametrize("fn", [learner_loop, learner_log_domain])
def test_learner_versions_written_differently_pass(fn):
    result = check_search_at_fault(fn)
    assert result.status == "passed", repr(result)


@pytest.mark.parametrize(("fn", "mistake"), [
    (learner_plain_logp, "no normalization"),
    (learner_mean, "mean per token"),
    (learner_flipped, "flipped"),
])
def test_learner_bugs_are_diagnosed(fn, mistake):
    result = check_search_at_fault(fn)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_a_list_of_bools_is_asked_for_as_an_array():
    result = check_search_at_fault(learner_ge)
    assert result.status == "failed" and "NumPy array" in result.message, repr(result)


@pytest.mark.parametrize(("fn", "expected"), [
    (lambda *a: None, "returned None"),
    (lambda *a: "search", "NumPy array"),
    (lambda *a: 0.5, "NumPy array"),
    (lambda *a: np.zeros(3, bool), "shape"),
    (lambda *a: 1 / 0, "ZeroDivisionError"),
    (lambda *a: (np.zeros(4, bool), np.zeros(4, bool)), "tuple"),
])
def test_garbage_gets_a_diagnosis_not_a_traceback(fn, expected):
    result = check_search_at_fault(fn)
    assert result.status == "failed"
    assert expected in result.message + " ".join(result.details), repr(result)
