"""Notebook 04's exercises: lstm_cell_forward and lstm_cell_backward.

tests/test_exercises.py already checks, for every registered exercise, that the library passes,
that each registered mistake gets its own message and that the stub is "open". Here: a learner's
code written differently from the registered mistakes (np.vstack, 1/(1+exp(-z)), other variable
names) gets the same diagnosis; an unknown bug is pinned to the term a case isolates; the
plain-NumPy cells behind the mistakes equal the library when no bug is switched on (so each
mistake is exactly one bug); the exercise's backward cases agree with finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.exercises import REGISTRY, check_lstm_cell_backward, check_lstm_cell_forward
from seqlab.exercises.gates import _backward, _forward
from seqlab.gradcheck import numerical_gradient_array, rel_error
from seqlab.rnn import lstm_cell_forward

FWD, BWD = REGISTRY["lstm_cell_forward"], REGISTRY["lstm_cell_backward"]


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def learner_forward(x_t, a_prev, c_prev, params, bug=""):
    """A learner's cell, written the Coursera way (np.vstack, np.dot, explicit names)."""
    n_a = a_prev.shape[0]
    stacked = np.vstack((x_t, a_prev)) if bug == "order" else np.vstack((a_prev, x_t))
    ft = _sig(np.dot(params["W_f"], stacked) + params["b_f"])
    it = _sig(np.dot(params["W_u"], stacked) + params["b_u"])
    cct_pre = np.dot(params["W_c"], stacked) + params["b_c"]
    cct = _sig(cct_pre) if bug == "sigmoid" else np.tanh(cct_pre)
    ot = _sig(np.dot(params["W_o"], stacked) + params["b_o"])
    if bug == "swap":
        c_next = ft * cct + it * c_prev
    elif bug == "gru":
        c_next = it * cct + (np.ones((n_a, 1)) - it) * c_prev
    elif bug == "cct":
        c_next = ft * cct + it * cct
    else:
        c_next = ft * c_prev + it * cct
    if bug == "no_o":
        a_next = np.tanh(c_next)
    elif bug == "no_tanh":
        a_next = ot * c_next
    else:
        a_next = ot * np.tanh(c_next)
    logits = np.dot(params["W_ya"], a_prev if bug == "a_prev" else a_next) + params["b_y"]
    y = np.exp(logits - np.max(logits, axis=0))
    return a_next, c_next, y / np.sum(y, axis=0), (a_next, c_next, ft, it, cct, ot)


@pytest.mark.parametrize(("bug", "mistake"), [
    ("order", "concat order"), ("sigmoid", "candidate sigmoid"), ("swap", "forget on candidate"),
    ("gru", "gru style"), ("cct", "c_tilde for c_prev"), ("no_o", "no output gate"),
    ("no_tanh", "no tanh on c"), ("a_prev", "y from a_prev"),
])
def test_learner_forward_variants_are_diagnosed(bug, mistake):
    def lstm_cell_forward(x_t, a_prev, c_prev, params):
        return learner_forward(x_t, a_prev, c_prev, params, bug)

    result = check_lstm_cell_forward(lstm_cell_forward)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_a_correct_learner_forward_passes_whatever_its_cache():
    assert check_lstm_cell_forward(lambda x_t, a_prev, c_prev, params:
                                   learner_forward(x_t, a_prev, c_prev, params)).passed


def test_unknown_forward_bug_is_pinned_to_the_isolated_term():
    def half_forget(x_t, a_prev, c_prev, params):
        a, c, y, cache = learner_forward(x_t, a_prev, c_prev, params)
        # c<t> with 0.5*Γf*c<t-1>: right on the first case (c<t-1> = 0), wrong on the second
        f = _sig(params["W_f"] @ np.vstack((a_prev, x_t)) + params["b_f"])
        c_bad = c - 0.5 * f * c_prev
        a_bad = _sig(params["W_o"] @ np.vstack((a_prev, x_t)) + params["b_o"]) * np.tanh(c_bad)
        return a_bad, c_bad, y, cache

    result = check_lstm_cell_forward(half_forget)
    assert result.cases_passed == 1
    assert "related to Γf*c<t-1>?" in result.message, repr(result)


def learner_backward(da_t, dc_t, cache, bug=""):
    da_next, dc_next = da_t, dc_t
    """A learner's backward, written with other names and one concatenated weight matrix."""
    n_a = cache.a_prev.shape[0]
    p, conc = cache.params, cache.concat
    ft, it, ot, cct, tc = cache.gamma_f, cache.gamma_u, cache.gamma_o, cache.c_tilde, cache.tanh_c
    c_next = ft * cache.c_prev + it * cct
    slope = 1 - c_next * c_next if bug == "slope_c" else 1 - tc * tc
    if bug == "no_da":
        dc = dc_next
    elif bug == "no_dc":
        dc = da_next * ot * slope
    else:
        dc = dc_next + da_next * ot * slope
    dot = da_next * (c_next if bug == "o_c" else tc) * ot * (1 - ot)
    dcct = dc * it * (cct * (1 - cct) if bug == "cct_sig" else 1 - cct ** 2)
    dit = dc * cct * it * (1 - it)
    dft = dc * (c_next if bug == "f_ct" else cache.c_prev) * ft * (1 - ft)
    grads = {"W_f": dft @ conc.T, "W_u": dit @ conc.T, "W_c": dcct @ conc.T, "W_o": dot @ conc.T,
             "b_f": np.sum(dft, 1, keepdims=True), "b_u": np.sum(dit, 1, keepdims=True),
             "b_c": np.sum(dcct, 1, keepdims=True), "b_o": np.sum(dot, 1, keepdims=True)}
    W = np.hstack([p["W_f"].T, p["W_u"].T, p["W_c"].T, p["W_o"].T])  # (n_a+n_x, 4 n_a)
    dconc = W @ np.vstack([dft, dit, dcct, dot])                   # (n_a+n_x, m)
    if bug == "no_f":
        dc_prev = dc
    elif bug == "dc_only":
        dc_prev = dc_next * ft
    else:
        dc_prev = dc * ft
    return dconc[n_a:], dconc[:n_a], dc_prev, grads


@pytest.mark.parametrize(("bug", "mistake"), [
    ("slope_c", "tanh' from c"), ("no_da", "no da path"), ("no_dc", "no dc_t"),
    ("o_c", "dgamma_o from c"), ("f_ct", "dgamma_f from c_t"), ("cct_sig", "candidate sigmoid'"),
    ("no_f", "dc_prev without gamma_f"), ("dc_only", "dc_prev from dc_t only"),
])
def test_learner_backward_variants_are_diagnosed(bug, mistake):
    def lstm_cell_backward(da_t, dc_t, cache):
        return learner_backward(da_t, dc_t, cache, bug)

    result = check_lstm_cell_backward(lstm_cell_backward)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_a_correct_learner_backward_passes():
    assert check_lstm_cell_backward(learner_backward).passed


def test_unknown_backward_bug_on_the_da_path_is_pinned_to_da():
    def half_da(da_t, dc_t, cache):
        return learner_backward(0.5 * da_t, dc_t, cache)  # right when da<t> = 0 (first case)

    result = check_lstm_cell_backward(half_da)
    assert result.cases_passed == 1 and "related to da<t>?" in result.message, repr(result)


def test_missing_and_transposed_gradients_are_named():
    def no_biases(da_t, dc_t, cache):
        dx, da, dc, g = learner_backward(da_t, dc_t, cache)
        return dx, da, dc, {k: v for k, v in g.items() if k.startswith("W_")}

    assert "missing ['b_c', 'b_f', 'b_o', 'b_u']" in check_lstm_cell_backward(no_biases).message

    def transposed(da_t, dc_t, cache):
        dx, da, dc, g = learner_backward(da_t, dc_t, cache)
        return dx, da, dc, {**g, "W_f": g["W_f"].T}

    assert "transpose" in check_lstm_cell_backward(transposed).message


@pytest.mark.parametrize("case", range(len(BWD.cases)))
def test_plain_cells_without_bug_equal_the_library(case):
    rng = np.random.default_rng(case)
    kw = BWD.cases[case].make(rng)
    ref = BWD.reference(**kw)
    got = _backward(**kw)
    for r, g in zip(ref[:3], got[:3], strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-14)
    for k in ref[3]:
        np.testing.assert_allclose(got[3][k], ref[3][k], rtol=1e-12, atol=1e-14)
    kw = FWD.cases[case].make(rng)
    for r, g in zip(FWD.reference(**kw)[:3], _forward(**kw)[:3], strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case", range(len(BWD.cases)))
def test_backward_cases_agree_with_finite_differences(case):
    """(8)-(12) on the exercise's own inputs: J = ⟨a<t>, da⟩ + ⟨c<t>, dc⟩, float64."""
    kw = BWD.cases[case].make(np.random.default_rng(10 + case))
    da, dc, cache = kw["da_t"], kw["dc_t"], kw["cache"]
    x, a_prev, c_prev, params = cache.x_t, cache.a_prev, cache.c_prev, dict(cache.params)
    dx, da_prev, dc_prev, grads = BWD.reference(**kw)

    def out(x_, a_, c_, p_):
        a_t, c_t, _, _ = lstm_cell_forward(x_, a_, c_, p_)
        return np.concatenate([a_t, c_t])               # (2 n_a, m): both outputs at once

    up = np.concatenate([da, dc])
    num = {"x": numerical_gradient_array(lambda v: out(v, a_prev, c_prev, params), x.copy(), up),
           "a": numerical_gradient_array(lambda v: out(x, v, c_prev, params), a_prev.copy(), up),
           "c": numerical_gradient_array(lambda v: out(x, a_prev, v, params), c_prev.copy(), up)}
    assert rel_error(dx, num["x"]) < 1e-7
    assert rel_error(da_prev, num["a"]) < 1e-7
    assert rel_error(dc_prev, num["c"]) < 1e-7
    for k in grads:
        p = {kk: v.copy() for kk, v in params.items()}
        n = numerical_gradient_array(lambda v, k=k, p=p: out(x, a_prev, c_prev, {**p, k: v}),
                                     p[k], up)
        assert rel_error(grads[k], n) < 1e-7, k
