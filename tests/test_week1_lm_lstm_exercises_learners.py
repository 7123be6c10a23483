"""Learners' wrong answers to the exercises of notebooks 03-04 (clip, sample, optimize, the LSTM
cell forward and backward), written as learners write them, each with the diagnosis the checker
must give (a known mistake's name, or words of the message). See tests/test_exercises.py.
"""

from __future__ import annotations

import numpy as np

from seqlab.functional import softmax
from seqlab.losses import temporal_cross_entropy
from seqlab.rnn import output_backward, rnn_backward, rnn_forward
from tests.helpers.catalog import catalog_test, new_catalog

LEARNERS, learner = new_catalog()


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ------------------------------------------------------------------------------------ clip

@learner("clip", "biases skipped")
def clip_weights_only(gradients, maxValue):
    for key in ["W_aa", "W_ax", "W_ya"]:
        np.clip(gradients[key], -maxValue, maxValue, out=gradients[key])
    return gradients


@learner("clip", "upper bound only")
def clip_minimum(gradients, maxValue):
    for key in gradients:
        gradients[key] = np.minimum(gradients[key], maxValue)
    return gradients


@learner("clip", "lower bound only")
def clip_maximum(gradients, maxValue):
    return {key: np.maximum(g, -maxValue) for key, g in gradients.items()}


@learner("clip", "lower bound zero")
def clip_from_zero(gradients, maxValue):
    for gradient in gradients.values():
        np.clip(gradient, 0, maxValue, out=gradient)
    return gradients


@learner("clip", "clip by norm")
def clip_norm(gradients, maxValue):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in gradients.values()))
    if norm > maxValue:
        for key in gradients:
            gradients[key] = gradients[key] * maxValue / norm
    return gradients


@learner("clip", "not stored")
def clip_rebinds(gradients, maxValue):
    for gradient in gradients.values():
        gradient = np.clip(gradient, -maxValue, maxValue)  # noqa: F841 (the slip)
    return gradients


# ---------------------------------------------------------------------------------- sample

def _step(params, x, a_prev):
    a = np.tanh(np.dot(params["W_ax"], x) + np.dot(params["W_aa"], a_prev) + params["b_a"])
    return a, softmax(np.dot(params["W_ya"], a) + params["b_y"])


@learner("sample", "x not reset")
def sample_x_accumulates(params, seed, eos_index=0, max_length=50):
    rng = np.random.default_rng(seed)
    vocab_size, n_a = params["W_ya"].shape
    x, a_prev = np.zeros((vocab_size, 1)), np.zeros((n_a, 1))
    x[eos_index] = 1
    indices, idx = [], -1
    while idx != eos_index and len(indices) != max_length:
        a, y = _step(params, x, a_prev)
        idx = rng.choice(list(range(vocab_size)), p=y.ravel())
        indices.append(idx)
        x[idx] = 1                                   # the old one-hot is still there
        a_prev = a
    return np.array(indices)


@learner("sample", "no max_length stop")
def sample_until_eos(params, seed, eos_index=0, max_length=50):
    rng = np.random.default_rng(seed)
    vocab_size, n_a = params["W_ya"].shape
    x, a_prev = np.zeros((vocab_size, 1)), np.zeros((n_a, 1))
    x[eos_index] = 1
    indices, idx = [], -1
    while idx != eos_index:
        a, y = _step(params, x, a_prev)
        idx = rng.choice(vocab_size, p=y.ravel())
        indices.append(idx)
        x = np.zeros((vocab_size, 1))
        x[idx] = 1
        a_prev = a
    return np.array(indices)


@learner("sample", "argmax")
def sample_greedy(params, seed, eos_index=0, max_length=50):
    vocab_size, n_a = params["W_ya"].shape
    x, a_prev = np.zeros((vocab_size, 1)), np.zeros((n_a, 1))
    x[eos_index] = 1
    indices, idx = [], -1
    while idx != eos_index and len(indices) < max_length:
        a, y = _step(params, x, a_prev)
        idx = int(np.argmax(y))
        indices.append(idx)
        x = np.zeros((vocab_size, 1))
        x[idx] = 1
        a_prev = a
    return np.array(indices)


@learner("sample", "generator each step")
def sample_new_rng(params, seed, eos_index=0, max_length=50):
    vocab_size, n_a = params["W_ya"].shape
    x, a_prev = np.zeros((vocab_size, 1)), np.zeros((n_a, 1))
    x[eos_index] = 1
    indices, idx = [], -1
    while idx != eos_index and len(indices) < max_length:
        a, y = _step(params, x, a_prev)
        idx = np.random.default_rng(seed).choice(vocab_size, p=y.ravel())
        indices.append(idx)
        x = np.zeros((vocab_size, 1))
        x[idx] = 1
        a_prev = a
    return np.array(indices)


@learner("sample", "eos not returned")
def sample_breaks_first(params, seed, eos_index=0, max_length=50):
    rng = np.random.default_rng(seed)
    vocab_size, n_a = params["W_ya"].shape
    x, a_prev = np.zeros((vocab_size, 1)), np.zeros((n_a, 1))
    x[eos_index] = 1
    indices = []
    for _ in range(max_length):
        a, y = _step(params, x, a_prev)
        idx = rng.choice(vocab_size, p=y.ravel())
        if idx == eos_index:
            break
        indices.append(idx)
        x = np.zeros((vocab_size, 1))
        x[idx] = 1
        a_prev = a
    return np.array(indices)


@learner("sample", "a not carried")
def sample_state_reset(params, seed, eos_index=0, max_length=50):
    rng = np.random.default_rng(seed)
    vocab_size, n_a = params["W_ya"].shape
    x = np.zeros((vocab_size, 1))
    x[eos_index] = 1
    indices, idx = [], -1
    while idx != eos_index and len(indices) < max_length:
        a, y = _step(params, x, np.zeros((n_a, 1)))
        idx = rng.choice(vocab_size, p=y.ravel())
        indices.append(idx)
        x = np.zeros((vocab_size, 1))
        x[idx] = 1
    return np.array(indices)


@learner("sample", "zero start")
def sample_zero_x(params, seed, eos_index=0, max_length=50):
    rng = np.random.default_rng(seed)
    vocab_size, n_a = params["W_ya"].shape
    x, a_prev = np.zeros((vocab_size, 1)), np.zeros((n_a, 1))
    indices, idx = [], -1
    while idx != eos_index and len(indices) < max_length:
        a, y = _step(params, x, a_prev)
        idx = rng.choice(vocab_size, p=y.ravel())
        indices.append(idx)
        x = np.zeros((vocab_size, 1))
        x[idx] = 1
        a_prev = a
    return np.array(indices)


# -------------------------------------------------------------------------------- optimize

def _forward_backward(X, Y, a_prev, parameters, reduction="sum"):
    x = np.eye(parameters["W_ax"].shape[1])[:, X]
    a, y_hat, cache = rnn_forward(x, a_prev, parameters)
    loss, dlogits = temporal_cross_entropy(cache.logits, Y, reduction=reduction)
    da, out_grads = output_backward(dlogits, a, parameters)
    _, _, gradients = rnn_backward(da, cache)
    return loss, gradients, out_grads, a


def _clip(gradients, max_value):
    return {k: np.clip(g, -max_value, max_value) for k, g in gradients.items()}


@learner("optimize", "mean loss")
def optimize_mean(X, Y, a_prev, parameters, learning_rate=0.01, max_value=5.0):
    loss, gradients, out_grads, a = _forward_backward(X, Y, a_prev, parameters, "mean")
    gradients = _clip({**gradients, **out_grads}, max_value)
    new = {k: parameters[k] - learning_rate * gradients[k] for k in parameters}
    return loss, gradients, a[:, :, -1], new


@learner("optimize", "no output grads")
def optimize_forgets_output_layer(X, Y, a_prev, parameters, learning_rate=0.01,
                                  max_value=5.0):
    loss, gradients, out_grads, a = _forward_backward(X, Y, a_prev, parameters)
    gradients = _clip(gradients, max_value)
    for k in parameters:
        parameters[k] = parameters[k] - learning_rate * gradients[k]
    return loss, gradients, a[:, :, -1], parameters


@learner("optimize", "a<T-1>")
def optimize_second_last_state(X, Y, a_prev, parameters, learning_rate=0.01, max_value=5.0):
    loss, gradients, out_grads, a = _forward_backward(X, Y, a_prev, parameters)
    gradients.update(out_grads)
    gradients = _clip(gradients, max_value)
    new = {k: parameters[k] - learning_rate * gradients[k] for k in parameters}
    return loss, gradients, a[:, :, -2], new


@learner("optimize", "no clipping")
def optimize_unclipped(X, Y, a_prev, parameters, learning_rate=0.01, max_value=5.0):
    loss, gradients, out_grads, a = _forward_backward(X, Y, a_prev, parameters)
    gradients.update(out_grads)
    new = {k: parameters[k] - learning_rate * gradients[k] for k in parameters}
    return loss, gradients, a[:, :, -1], new


@learner("optimize", "update before clip")
def optimize_clips_after(X, Y, a_prev, parameters, learning_rate=0.01, max_value=5.0):
    loss, gradients, out_grads, a = _forward_backward(X, Y, a_prev, parameters)
    gradients.update(out_grads)
    new = {k: parameters[k] - learning_rate * gradients[k] for k in parameters}
    return loss, _clip(gradients, max_value), a[:, :, -1], new


@learner("optimize", "wrong sign")
def optimize_ascent(X, Y, a_prev, parameters, learning_rate=0.01, max_value=5.0):
    loss, gradients, out_grads, a = _forward_backward(X, Y, a_prev, parameters)
    gradients = _clip({**gradients, **out_grads}, max_value)
    new = {k: parameters[k] + learning_rate * gradients[k] for k in parameters}
    return loss, gradients, a[:, :, -1], new


@learner("optimize", "targets X")
def optimize_targets_x(X, Y, a_prev, parameters, learning_rate=0.01, max_value=5.0):
    loss, gradients, out_grads, a = _forward_backward(X, X, a_prev, parameters)
    gradients = _clip({**gradients, **out_grads}, max_value)
    new = {k: parameters[k] - learning_rate * gradients[k] for k in parameters}
    return loss, gradients, a[:, :, -1], new


# ------------------------------------------------------------------------ lstm_cell_forward

def _gates(xt, a_prev, parameters, concat=None):
    concat = np.concatenate((a_prev, xt), axis=0) if concat is None else concat
    ft = sigmoid(np.dot(parameters["W_f"], concat) + parameters["b_f"])
    it = sigmoid(np.dot(parameters["W_u"], concat) + parameters["b_u"])
    cct = np.tanh(np.dot(parameters["W_c"], concat) + parameters["b_c"])
    ot = sigmoid(np.dot(parameters["W_o"], concat) + parameters["b_o"])
    return ft, it, cct, ot


def _y(a, parameters):
    return softmax(np.dot(parameters["W_ya"], a) + parameters["b_y"])


@learner("lstm_cell_forward", "no output gate")
def lstm_cell_forward_no_ot(xt, a_prev, c_prev, parameters):
    ft, it, cct, ot = _gates(xt, a_prev, parameters)
    c_next = ft * c_prev + it * cct
    a_next = np.tanh(c_next)
    return a_next, c_next, _y(a_next, parameters), None


@learner("lstm_cell_forward", "no tanh on c")
def lstm_cell_forward_no_tanh(xt, a_prev, c_prev, parameters):
    ft, it, cct, ot = _gates(xt, a_prev, parameters)
    c_next = ft * c_prev + it * cct
    a_next = ot * c_next
    return a_next, c_next, _y(a_next, parameters), None


@learner("lstm_cell_forward", "forget on candidate")
def lstm_cell_forward_gates_swapped(xt, a_prev, c_prev, parameters):
    ft, it, cct, ot = _gates(xt, a_prev, parameters)
    c_next = it * c_prev + ft * cct
    a_next = ot * np.tanh(c_next)
    return a_next, c_next, _y(a_next, parameters), None


@learner("lstm_cell_forward", "gru style")
def lstm_cell_forward_gru(xt, a_prev, c_prev, parameters):
    ft, it, cct, ot = _gates(xt, a_prev, parameters)
    c_next = it * cct + (1 - it) * c_prev
    a_next = ot * np.tanh(c_next)
    return a_next, c_next, _y(a_next, parameters), None


@learner("lstm_cell_forward", "candidate sigmoid")
def lstm_cell_forward_sigmoid_candidate(xt, a_prev, c_prev, parameters):
    concat = np.concatenate((a_prev, xt), axis=0)
    ft, it, _, ot = _gates(xt, a_prev, parameters, concat)
    cct = sigmoid(np.dot(parameters["W_c"], concat) + parameters["b_c"])
    c_next = ft * c_prev + it * cct
    a_next = ot * np.tanh(c_next)
    return a_next, c_next, _y(a_next, parameters), None


@learner("lstm_cell_forward", "concat order")
def lstm_cell_forward_x_first(xt, a_prev, c_prev, parameters):
    ft, it, cct, ot = _gates(xt, a_prev, parameters, np.vstack([xt, a_prev]))
    c_next = ft * c_prev + it * cct
    a_next = ot * np.tanh(c_next)
    return a_next, c_next, _y(a_next, parameters), None


@learner("lstm_cell_forward", "y from a_prev")
def lstm_cell_forward_old_state_out(xt, a_prev, c_prev, parameters):
    ft, it, cct, ot = _gates(xt, a_prev, parameters)
    c_next = ft * c_prev + it * cct
    a_next = ot * np.tanh(c_next)
    return a_next, c_next, _y(a_prev, parameters), None


# ----------------------------------------------------------------------- lstm_cell_backward

def _lstm_backward(da_next, dc_next, cache, slip=""):
    """A learner's LSTM backward, eqs. (8)-(12), with one ``slip``."""
    ot, ft, it, cct = cache.gamma_o, cache.gamma_f, cache.gamma_u, cache.c_tilde
    tanh_c, c_prev, concat, p = cache.tanh_c, cache.c_prev, cache.concat, cache.params
    n_a = c_prev.shape[0]
    dc = dc_next + da_next * ot * (1 - tanh_c ** 2)
    dot = da_next * tanh_c * (1 if slip == "no o'" else ot * (1 - ot))
    dcct = dc * it * ((1 - cct) if slip == "1 - cct" else (1 - cct ** 2))
    dit = dc * cct * it * (1 - it)
    dft = dc * c_prev * ft * (1 - ft)
    grads = {"W_f": dft @ concat.T, "W_u": dit @ concat.T, "W_c": dcct @ concat.T,
             "W_o": dot @ concat.T, "b_f": dft.sum(axis=1, keepdims=True),
             "b_u": dit.sum(axis=1, keepdims=True), "b_c": dcct.sum(axis=1, keepdims=True),
             "b_o": dot.sum(axis=1, keepdims=True)}
    dconcat = (p["W_f"].T @ dft + p["W_u"].T @ dit + p["W_c"].T @ dcct + p["W_o"].T @ dot)
    if slip == "x first":
        n_x = concat.shape[0] - n_a
        da_prev, dxt = dconcat[n_x:], dconcat[:n_x]
    else:
        da_prev, dxt = dconcat[:n_a], dconcat[n_a:]
    dc_prev = (dc if slip == "no ft" else dc * ft)
    return dxt, da_prev, dc_prev, grads


@learner("lstm_cell_backward", "split order")
def lstm_cell_backward_x_first(da_next, dc_next, cache):
    return _lstm_backward(da_next, dc_next, cache, "x first")


@learner("lstm_cell_backward", "no sigmoid' on o")
def lstm_cell_backward_no_ot_slope(da_next, dc_next, cache):
    return _lstm_backward(da_next, dc_next, cache, "no o'")


@learner("lstm_cell_backward", "1 - c_tilde")
def lstm_cell_backward_cct_not_squared(da_next, dc_next, cache):
    return _lstm_backward(da_next, dc_next, cache, "1 - cct")


@learner("lstm_cell_backward", "dc_prev without gamma_f")
def lstm_cell_backward_dc_prev_unscaled(da_next, dc_next, cache):
    return _lstm_backward(da_next, dc_next, cache, "no ft")


@learner("lstm_cell_backward", "no da path")
def lstm_cell_backward_dc_only(da_next, dc_next, cache):
    ot, ft, it, cct = cache.gamma_o, cache.gamma_f, cache.gamma_u, cache.c_tilde
    concat, p, n_a = cache.concat, cache.params, cache.c_prev.shape[0]
    dot = da_next * cache.tanh_c * ot * (1 - ot)
    dcct = dc_next * it * (1 - cct ** 2)
    dit = dc_next * cct * it * (1 - it)
    dft = dc_next * cache.c_prev * ft * (1 - ft)
    d = {"f": dft, "u": dit, "c": dcct, "o": dot}
    grads = {**{f"W_{g}": dz @ concat.T for g, dz in d.items()},
             **{f"b_{g}": dz.sum(axis=1, keepdims=True) for g, dz in d.items()}}
    dconcat = sum(p[f"W_{g}"].T @ dz for g, dz in d.items())
    return dconcat[n_a:], dconcat[:n_a], dc_next * ft, grads


@learner("lstm_cell_backward", "tanh' from c")
def lstm_cell_backward_slope_of_c(da_next, dc_next, cache):
    c_next = cache.gamma_u * cache.c_tilde + cache.gamma_f * cache.c_prev
    ot, ft, it, cct = cache.gamma_o, cache.gamma_f, cache.gamma_u, cache.c_tilde
    concat, p, n_a = cache.concat, cache.params, cache.c_prev.shape[0]
    dc = dc_next + da_next * ot * (1 - c_next ** 2)
    d = {"f": dc * cache.c_prev * ft * (1 - ft), "u": dc * cct * it * (1 - it),
         "c": dc * it * (1 - cct ** 2), "o": da_next * cache.tanh_c * ot * (1 - ot)}
    grads = {**{f"W_{g}": dz @ concat.T for g, dz in d.items()},
             **{f"b_{g}": dz.sum(axis=1, keepdims=True) for g, dz in d.items()}}
    dconcat = sum(p[f"W_{g}"].T @ dz for g, dz in d.items())
    return dconcat[n_a:], dconcat[:n_a], dc * ft, grads


test_a_learners_mistake_gets_its_diagnosis = catalog_test(LEARNERS)
