"""Learners' wrong answers to the exercises of notebooks 27 (log_prob_upstream) and 28
(attention_backward), written as learners write them, each with the diagnosis the checker must
give (a known mistake's name). See tests/test_exercises.py; the exercises' own tests are
tests/test_memory_exercises.py and tests/test_transformer_trace_exercises.py.
"""

from __future__ import annotations

import numpy as np

from tests.helpers.catalog import catalog_test, new_catalog

LEARNERS, learner = new_catalog()


# ------------------------------------------------------------------------ log_prob_upstream

def _picked(logits, y, t):
    cols = np.arange(logits.shape[1])
    return cols, logits[:, cols, t], y[cols, t]


def _softmax0(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _place(logits, cols, t, g):
    dz = np.zeros_like(logits)
    dz[:, cols, t] = g
    return dz


@learner("log_prob_upstream", "loss gradient")
def log_prob_upstream_of_the_loss(logits, y, t):
    cols, z, targets = _picked(logits, y, t)
    p = _softmax0(z)
    p[targets, cols] -= 1
    return _place(logits, cols, t, p)


@learner("log_prob_upstream", "no softmax term")
def log_prob_upstream_one_hot(logits, y, t):
    cols, z, targets = _picked(logits, y, t)
    onehot = np.zeros_like(z)
    onehot[targets, cols] = 1
    return _place(logits, cols, t, onehot)


@learner("log_prob_upstream", "column i is output i")
def log_prob_upstream_diagonal(logits, y, t):
    m = logits.shape[1]
    return log_prob_upstream_right(logits, y, np.arange(m))


@learner("log_prob_upstream", "overflow")
def log_prob_upstream_plain_exp(logits, y, t):
    cols, z, targets = _picked(logits, y, t)
    p = np.exp(z) / np.exp(z).sum(axis=0)
    onehot = np.zeros_like(z)
    onehot[targets, cols] = 1
    return _place(logits, cols, t, onehot - p)


@learner("log_prob_upstream", "softmax over the batch")
def log_prob_upstream_axis_1(logits, y, t):
    cols, z, targets = _picked(logits, y, t)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    onehot = np.zeros_like(z)
    onehot[targets, cols] = 1
    return _place(logits, cols, t, onehot - p)


@learner("log_prob_upstream", "logits as probabilities")
def log_prob_upstream_no_softmax(logits, y, t):
    cols, z, targets = _picked(logits, y, t)
    onehot = np.zeros_like(z)
    onehot[targets, cols] = 1
    return _place(logits, cols, t, onehot - z)


def log_prob_upstream_right(logits, y, t):
    cols, z, targets = _picked(logits, y, t)
    onehot = np.zeros_like(z)
    onehot[targets, cols] = 1
    return _place(logits, cols, t, onehot - _softmax0(z))


# ----------------------------------------------------------------------- attention_backward

def _T(x):
    return np.swapaxes(x, -1, -2)


@learner("attention_backward", "dV = alpha dout")
def attention_backward_dv_untransposed(dout, Q, K, V, weights):
    dV = np.matmul(weights, dout)
    dA = np.matmul(dout, _T(V))
    dS = weights * (dA - np.sum(weights * dA, axis=-1, keepdims=True)) / np.sqrt(Q.shape[-1])
    return dS @ K, _T(dS) @ Q, dV


@learner("attention_backward", ".T on a batch")
def attention_backward_dot_t(dout, Q, K, V, weights):
    dV = weights.T @ dout
    dA = dout @ _T(V)
    dS = weights * (dA - np.sum(weights * dA, axis=-1, keepdims=True)) / np.sqrt(Q.shape[-1])
    return dS @ K, _T(dS) @ Q, dV


@learner("attention_backward", "no row sum")
def attention_backward_elementwise_softmax(dout, Q, K, V, weights):
    dV = _T(weights) @ dout
    dS = weights * (dout @ _T(V)) / np.sqrt(Q.shape[-1])
    return dS @ K, _T(dS) @ Q, dV


@learner("attention_backward", "sigmoid derivative")
def attention_backward_alpha_one_minus_alpha(dout, Q, K, V, weights):
    dV = _T(weights) @ dout
    dS = (dout @ _T(V)) * weights * (1 - weights) / np.sqrt(Q.shape[-1])
    return dS @ K, _T(dS) @ Q, dV


@learner("attention_backward", "sum without alpha")
def attention_backward_plain_row_sum(dout, Q, K, V, weights):
    dV = _T(weights) @ dout
    dA = dout @ _T(V)
    dS = weights * (dA - dA.sum(axis=-1, keepdims=True)) / np.sqrt(Q.shape[-1])
    return dS @ K, _T(dS) @ Q, dV


@learner("attention_backward", "no scale")
def attention_backward_unscaled(dout, Q, K, V, weights):
    dV = _T(weights) @ dout
    dA = dout @ _T(V)
    dS = weights * (dA - (weights * dA).sum(axis=-1, keepdims=True))
    return dS @ K, _T(dS) @ Q, dV


@learner("attention_backward", "dK without transpose")
def attention_backward_dk_plain(dout, Q, K, V, weights):
    dV = _T(weights) @ dout
    dA = dout @ _T(V)
    dS = weights * (dA - (weights * dA).sum(axis=-1, keepdims=True)) / np.sqrt(Q.shape[-1])
    return dS @ K, dS @ Q, dV


test_a_learners_mistake_gets_its_diagnosis = catalog_test(LEARNERS)
