"""Week 1 exercises (notebooks 01 and 02): wrong code written the way learners write it is
diagnosed with the right known mistake, right code written differently passes, and every known
mistake is caught by a hand-built case, not only by the random first one.

tests/test_exercises.py already checks, for every registered exercise, that the library passes
and that each registered mistake gets its own message; these tests check that the diagnoses
generalise beyond the exact code of the registered mistakes.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab import rnn
from seqlab.arrays import host_rng
from seqlab.exercises import (
    REGISTRY,
    check,
    check_numerical_gradient,
    check_rnn_backward,
    check_rnn_cell_backward,
    check_rnn_cell_forward,
    check_rnn_forward,
)
from seqlab.exercises._run import _call
from seqlab.exercises.core import _as_tuple, _same_outputs
from seqlab.exercises.rnn_basics import EXERCISES

WEEK1 = ("rnn_cell_forward", "rnn_forward", "rnn_cell_backward", "rnn_backward",
         "numerical_gradient")


def test_the_module_registers_the_five_exercises_of_notebooks_01_and_02():
    assert set(EXERCISES) == set(WEEK1) and all(REGISTRY[n] is EXERCISES[n] for n in WEEK1)
    for name in WEEK1:
        ex = EXERCISES[name]
        assert 4 <= len(ex.mistakes) <= 8 and len(ex.hints) == 3
        assert len({m.message for m in ex.mistakes}) == len(ex.mistakes)


@pytest.mark.parametrize(("name", "mistake"),
                         [(n, m.name) for n in WEEK1 for m in EXERCISES[n].mistakes])
def test_every_mistake_is_caught_by_a_hand_built_case_too(name, mistake):
    ex = EXERCISES[name]
    wrong = next(m for m in ex.mistakes if m.name == mistake)
    rng, differs = host_rng(0), []
    for case in ex.cases:
        kwargs = case.make(rng)
        refs = _as_tuple(ex.reference(**kwargs), len(ex.output_names))
        out, exc = _call(wrong.fn, kwargs, limit=0.3)   # a loop without its stop never returns
        outs = _as_tuple(out, len(ex.output_names))
        if exc is not None or not _same_outputs(outs, refs, ex):
            differs.append(case.name)
    assert differs and differs != [ex.cases[0].name], differs


# ------------------------------------------------------------------ forward, written by learners
def _cell_sigmoid(x_t, a_prev, params):
    z = np.dot(params["W_aa"], a_prev) + np.dot(params["W_ax"], x_t) + params["b_a"]
    a_t = 1.0 / (1.0 + np.exp(-z))
    e = np.exp(params["W_ya"] @ a_t + params["b_y"])
    return a_t, e / e.sum(axis=0), {}


def _cell_axis_1(x_t, a_prev, params):
    a_t = np.tanh(params["W_ax"] @ x_t + params["W_aa"] @ a_prev + params["b_a"])
    e = np.exp(params["W_ya"] @ a_t + params["b_y"])
    return a_t, e / np.sum(e, axis=1, keepdims=True), None


def _cell_y_old_state(x_t, a_prev, params):
    out = np.exp(np.dot(params["W_ya"], a_prev) + params["b_y"])
    a_next = np.tanh(np.dot(params["W_ax"], x_t) + np.dot(params["W_aa"], a_prev) + params["b_a"])
    return a_next, out / out.sum(0), (a_next, a_prev)


@pytest.mark.parametrize(("fn", "mistake"), [
    (_cell_sigmoid, "sigmoid"),
    (_cell_axis_1, "softmax over m"),
    (_cell_y_old_state, "y from a<t-1>"),
    (lambda x_t, a_prev, params: (np.tanh(params["W_aa"] @ a_prev + params["W_ax"] @ x_t),
                                  rnn.output_forward(np.tanh(params["W_aa"] @ a_prev
                                                             + params["W_ax"] @ x_t),
                                                     params)[1], None), "dropped b_a"),
])
def test_cell_forward_variants_are_diagnosed(fn, mistake):
    result = check_rnn_cell_forward(fn)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def _forward_states_list(x, a0, params):
    """Keeps a list of states starting with a0 and stacks the first T_x: one step late."""
    states = [a0]
    for t in range(x.shape[2]):
        states.append(rnn.rnn_cell_forward(x[:, :, t], states[-1], params)[0])
    a = np.stack(states[:-1], axis=-1)
    return a, rnn.output_forward(a, params)[1], states


def _forward_short(x, a0, params):
    n_a, (_, m, T_x) = a0.shape[0], x.shape
    a, a_t = np.zeros((n_a, m, T_x)), a0
    for t in range(T_x - 1):
        a_t = rnn.rnn_cell_forward(x[:, :, t], a_t, params)[0]
        a[:, :, t] = a_t
    return a, rnn.output_forward(a, params)[1], None


def _forward_backwards_in_time(x, a0, params):
    a, a_t = np.zeros((a0.shape[0], x.shape[1], x.shape[2])), a0
    for t in range(x.shape[2] - 1, -1, -1):
        a_t = rnn.rnn_cell_forward(x[:, :, t], a_t, params)[0]
        a[:, :, t] = a_t
    return a, rnn.output_forward(a, params)[1], None


def _forward_from_a0(x, a0, params):
    a = np.stack([rnn.rnn_cell_forward(x[:, :, t], a0, params)[0] for t in range(x.shape[2])],
                 axis=2)
    return a, rnn.output_forward(a, params)[1], None


@pytest.mark.parametrize(("fn", "mistake"), [
    (_forward_states_list, "stored a<t-1>"),
    (_forward_short, "T_x - 1 steps"),
    (_forward_backwards_in_time, "time reversed"),
    (_forward_from_a0, "state never updated"),
])
def test_forward_loop_variants_are_diagnosed(fn, mistake):
    result = check_rnn_forward(fn)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_right_forward_written_differently_passes_whatever_its_cache():
    def rnn_forward(x, a0, params):
        steps = []
        for t in range(x.shape[2]):
            steps.append(rnn.rnn_cell_forward(x[:, :, t], steps[-1] if steps else a0, params)[0])
        a = np.stack(steps, axis=2)
        return a, rnn.output_forward(a, params)[1], "my cache"

    assert check_rnn_forward(rnn_forward).passed


# ----------------------------------------------------------------- backward, written by learners
def _cell_back(da_t, cache, dz_of=lambda a_t, z: 1 - a_t ** 2, W_aa_T=True, a_for_dW="a_prev"):
    x_t, a_prev, a_t, params, _ = cache
    z = params["W_aa"] @ a_prev + params["W_ax"] @ x_t + params["b_a"]
    dz = da_t * dz_of(a_t, z)
    dW_aa = np.dot(dz, (a_prev if a_for_dW == "a_prev" else a_t).T)
    grads = {"W_aa": dW_aa, "W_ax": np.dot(dz, x_t.T), "b_a": np.sum(dz, 1, keepdims=True)}
    W = params["W_aa"].T if W_aa_T else params["W_aa"]
    return np.dot(params["W_ax"].T, dz), np.dot(W, dz), grads


@pytest.mark.parametrize(("kwargs", "mistake"), [
    (dict(dz_of=lambda a_t, z: np.ones_like(a_t)), "no tanh'"),
    (dict(dz_of=lambda a_t, z: 1 - np.square(z)), "tanh' from z"),
    (dict(dz_of=lambda a_t, z: 1 - np.tanh(a_t) * np.tanh(a_t)), "tanh applied twice"),
    (dict(a_for_dW="a_t"), "dW_aa from a<t>"),
    (dict(W_aa_T=False), "W_aa not transposed"),
])
def test_cell_backward_variants_are_diagnosed(kwargs, mistake):
    result = check_rnn_cell_backward(lambda da_t, cache: _cell_back(da_t, cache, **kwargs))
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_cell_backward_from_z_recomputed_correctly_passes():
    assert check_rnn_cell_backward(
        lambda da_t, cache: _cell_back(da_t, cache, dz_of=lambda a_t, z: 1 - np.tanh(z) ** 2))


def _bptt(da, cache, carry=True, accumulate=True, stack_list=False, stop=-1, first_total=False):
    T_x = len(cache.steps)
    grads = {k: np.zeros_like(v) for k, v in cache.params.items()}
    dxs, dx = [], np.zeros((cache.steps[0].x_t.shape[0], da.shape[1], T_x))
    da_prevt = np.zeros(da.shape[:2])
    for t in range(T_x - 1, stop, -1):
        da_total = da[:, :, t] + da_prevt if carry else da[:, :, t]
        dx_t, da_prevt, g = _cell_back(da_total, cache.steps[t])
        dxs.append(dx_t)
        dx[:, :, t] = dx_t
        for k in g:
            grads[k] = grads[k] + g[k] if accumulate else g[k]
    if stack_list:
        dx = np.stack(dxs, axis=2)
    return dx, da_total if first_total else da_prevt, grads


@pytest.mark.parametrize(("kwargs", "mistake"), [
    (dict(carry=False), "da_prev not carried"),
    (dict(accumulate=False), "grads of one step"),
    (dict(stack_list=True), "dx in reverse order"),
    (dict(stop=0), "T_x - 1 steps"),
    (dict(first_total=True), "da0 is da<1>"),
])
def test_bptt_variants_are_diagnosed(kwargs, mistake):
    result = check_rnn_backward(lambda da, cache: _bptt(da, cache, **kwargs))
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_bptt_with_the_learners_own_cell_passes_and_keeps_zero_output_grads():
    assert check_rnn_backward(_bptt).passed
    case = next(c for c in EXERCISES["rnn_backward"].cases if "output layer" in c.name)
    kwargs = case.make(host_rng(0))
    _, _, grads = _bptt(**kwargs)
    assert set(grads) == {"W_aa", "W_ax", "b_a", "W_ya", "b_y"}
    assert not grads["W_ya"].any() and not grads["b_y"].any()


# ----------------------------------------------------------------------------- numerical_gradient
def _flat_loop(f, x, eps, one_sided=False, denominator=2):
    dx, flat = np.zeros(x.size), x.reshape(-1)          # a view: changes reach x
    for i in range(x.size):
        keep = flat[i]
        flat[i] = keep + eps
        plus = f(x)
        flat[i] = keep - eps if not one_sided else keep
        minus = f(x)
        flat[i] = keep
        dx[i] = (plus - minus) / (denominator * eps)
    return dx.reshape(x.shape)


@pytest.mark.parametrize(("fn", "mistake"), [
    (lambda f, x, eps: _flat_loop(f, x, eps, one_sided=True, denominator=1), "one-sided"),
    (lambda f, x, eps: _flat_loop(f, x, eps, denominator=1), "divided by eps"),
    (lambda f, x, eps: np.ones_like(x) * (f(x + eps) - f(x - eps)) / (2 * eps),
     "all entries at once"),
])
def test_numerical_gradient_variants_are_diagnosed(fn, mistake):
    result = check_numerical_gradient(fn)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_numerical_gradient_with_a_flat_view_passes_and_leaving_x_changed_is_reported():
    assert check_numerical_gradient(_flat_loop).passed

    def leaves_x_shifted(f, x, eps):
        dx = np.zeros_like(x)
        for i in np.ndindex(*x.shape):
            x[i] += eps
            plus = f(x)
            x[i] -= 2 * eps
            dx[i] = (plus - f(x)) / (2 * eps)           # x[i] never put back
        return dx

    result = check_numerical_gradient(leaves_x_shifted)
    assert result.status == "failed" and "in place" in result.message, repr(result)


@pytest.mark.parametrize("name", WEEK1)
def test_returning_none_fails_with_a_message_not_a_traceback(name):
    result = check(EXERCISES[name], lambda **kwargs: None)
    assert result.status == "failed" and "return" in result.message
