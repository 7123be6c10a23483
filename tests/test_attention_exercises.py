"""Notebook 17's exercise one_step_attention: the learner's way of writing it gets the right
diagnosis; the plain-NumPy step behind the mistakes equals the library without a bug."""

import numpy as np
import pytest

from seqlab.exercises import REGISTRY, check_one_step_attention
from seqlab.exercises.attention import _step

EX = REGISTRY["one_step_attention"]


def learner(s_prev, a, params, bug=""):
    """Written the Keras way: rows per example, a loop over t'."""
    n_a2, m, T_x = a.shape
    energies = np.zeros((m, T_x))
    for t in range(T_x):
        stacked = np.vstack([a[:, :, t], s_prev]) if bug == "order" else np.vstack(
            [s_prev, a[:, :, t]])
        hidden = np.tanh(params["W_e1"].dot(stacked) + params["b_e1"])
        e = params["W_e2"].dot(hidden) + params["b_e2"]
        energies[:, t] = (e if bug == "linear" else np.where(e > 0, e, 0))[0]
    axis = 0 if bug == "axis" else 1
    ex = np.exp(energies - np.max(energies, axis=axis, keepdims=True))
    alphas = ex / np.sum(ex, axis=axis, keepdims=True)
    context = np.einsum("kmt,mt->km", a, energies if bug == "energies" else alphas)
    return context, alphas


def test_library_and_learner_pass():
    assert check_one_step_attention(lambda s, a, p: learner(s, a, p)).passed


@pytest.mark.parametrize(("bug", "mistake"), [("order", "concat order"), ("linear", "no relu"),
                                              ("axis", "softmax over m"),
                                              ("energies", "context from energies")])
def test_learner_mistakes_are_diagnosed(bug, mistake):
    res = check_one_step_attention(lambda s, a, p: learner(s, a, p, bug))
    assert not res.passed
    msg = next(m.message for m in EX.mistakes if m.name == mistake)
    assert msg in repr(res) or msg in str(getattr(res, "message", ""))


def test_plain_step_without_bug_equals_library():
    rng = np.random.default_rng(0)
    for case in EX.cases:
        kw = case.make(rng)
        c, al = _step(**kw)
        c_ref, al_ref = EX.reference(**kw)
        np.testing.assert_allclose(c, c_ref, atol=1e-12)
        np.testing.assert_allclose(al, al_ref, atol=1e-12)


def test_every_mistake_is_caught_by_some_case():
    rng = np.random.default_rng(1)
    for mistake in EX.mistakes:
        differs = False
        for case in EX.cases:
            kw = case.make(rng)
            out, ref = mistake.fn(**kw), EX.reference(**kw)
            differs |= any(not np.allclose(o, r) for o, r in zip(out, ref, strict=True))
        assert differs, mistake.name


def test_broken_learner_functions_do_not_crash_the_checker():
    assert not check_one_step_attention(lambda s, a, p: None).passed
    assert not check_one_step_attention(lambda s, a, p: 1 / 0).passed
    assert not check_one_step_attention(lambda s, a, p: (s, s)).passed
