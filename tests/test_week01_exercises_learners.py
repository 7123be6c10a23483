"""Learners' wrong answers to the exercises of notebooks 00-02, written as learners write them
(the course's variable names, np.dot, loops, the library's helpers), each with the diagnosis the
checker must give: a known mistake's name, or the words of the message that names it.

tests/test_exercises.py requires at least six per exercise across these catalogs.
"""

from __future__ import annotations

import numpy as np

from seqlab.functional import softmax as F_softmax
from seqlab.rnn import rnn_cell_backward as lib_cell_backward
from seqlab.rnn import rnn_cell_forward as lib_cell_forward
from tests.helpers.catalog import catalog_test, new_catalog

LEARNERS, learner = new_catalog()


# --------------------------------------------------------------------------------- softmax

@learner("softmax", "wrong axis")
def softmax_rows(z):
    z_max = np.max(z, axis=1, keepdims=True)
    e = np.exp(z - z_max)
    return e / np.sum(e, axis=1, keepdims=True)


@learner("softmax", "overflow")
def softmax_textbook(z):
    e = np.exp(z)
    return e / np.sum(e, axis=0, keepdims=True)


@learner("softmax", "global max")
def softmax_one_max(z):
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=0, keepdims=True)


@learner("softmax", "not normalised")
def softmax_forgot_sum(z):
    shifted = z - z.max(axis=0, keepdims=True)
    return np.exp(shifted)


@learner("softmax", "wrong sign")
def softmax_minus(z):
    e = np.exp(-z + np.min(z, axis=0))
    return e / e.sum(axis=0)


@learner("softmax", "global sum")
def softmax_total(z):
    e = np.exp(z - z.max(axis=0))
    return e / np.sum(e)


# ---------------------------------------------------------------------------- dense_forward

@learner("dense_forward", "dropped bias")
def dense_no_b(x, W, b):
    z = np.dot(W, x)
    return np.tanh(z)


@learner("dense_forward", "sigmoid")
def dense_sigmoid(x, W, b):
    z = np.dot(W, x) + b
    return 1 / (1 + np.exp(-z))


@learner("dense_forward", "no activation")
def dense_linear(x, W, b):
    return np.matmul(W, x) + b


@learner("dense_forward", "transposed weight")
def dense_wt(x, W, b):
    return np.tanh(np.dot(W.T, x) + b)


@learner("dense_forward", "row layout")
def dense_rows(x, W, b):
    return np.tanh(np.dot(x.T, W.T) + b.T)


@learner("dense_forward", "elementwise product")
def dense_star(x, W, b):
    return np.tanh(W * x + b)


# ------------------------------------------------------------------------- rnn_cell_forward

def _course_params(parameters):
    return (parameters["W_ax"], parameters["W_aa"], parameters["W_ya"], parameters["b_a"],
            parameters["b_y"])


@learner("rnn_cell_forward", "sigmoid")
def rnn_cell_forward_sigmoid(xt, a_prev, parameters):
    Wax, Waa, Wya, ba, by = _course_params(parameters)
    a_next = 1 / (1 + np.exp(-(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)))
    yt_pred = F_softmax(np.dot(Wya, a_next) + by)
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)


@learner("rnn_cell_forward", "dropped b_a")
def rnn_cell_forward_no_ba(xt, a_prev, parameters):
    Wax, Waa, Wya, ba, by = _course_params(parameters)
    a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt))
    yt_pred = F_softmax(np.dot(Wya, a_next) + by)
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)


@learner("rnn_cell_forward", "transposed W_aa")
def rnn_cell_forward_waa_t(xt, a_prev, parameters):
    Wax, Waa, Wya, ba, by = _course_params(parameters)
    a_next = np.tanh(Waa.T @ a_prev + Wax @ xt + ba)
    return a_next, F_softmax(Wya @ a_next + by), None


@learner("rnn_cell_forward", "softmax over m")
def rnn_cell_forward_softmax_rows(xt, a_prev, parameters):
    Wax, Waa, Wya, ba, by = _course_params(parameters)
    a_next = np.tanh(Waa @ a_prev + Wax @ xt + ba)
    z = Wya @ a_next + by
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return a_next, e / e.sum(axis=1, keepdims=True), {}


@learner("rnn_cell_forward", "y from a<t-1>")
def rnn_cell_forward_y_old(xt, a_prev, parameters):
    Wax, Waa, Wya, ba, by = _course_params(parameters)
    yt_pred = F_softmax(np.dot(Wya, a_prev) + by)
    a_next = np.tanh(np.dot(Wax, xt) + np.dot(Waa, a_prev) + ba)
    return a_next, yt_pred, None


@learner("rnn_cell_forward", "no softmax")
def rnn_cell_forward_logits(xt, a_prev, parameters):
    Wax, Waa, Wya, ba, by = _course_params(parameters)
    a_next = np.tanh(np.dot(Wax, xt) + np.dot(Waa, a_prev) + ba)
    return a_next, np.dot(Wya, a_next) + by, None


# ------------------------------------------------------------------------------ rnn_forward

def _allocate(x, a0, parameters):
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["W_ya"].shape
    return np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x)), T_x


@learner("rnn_forward", "range(1, T_x)")
def rnn_forward_from_1(x, a0, parameters):
    a, y_pred, T_x = _allocate(x, a0, parameters)
    a_next = a0
    for t in range(1, T_x):
        a_next, yt_pred, cache = lib_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
    return a, y_pred, None


@learner("rnn_forward", "T_x - 1 steps")
def rnn_forward_short(x, a0, parameters):
    a, y_pred, T_x = _allocate(x, a0, parameters)
    a_next = a0
    for t in range(T_x - 1):
        a_next, yt_pred, cache = lib_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t], y_pred[:, :, t] = a_next, yt_pred
    return a, y_pred, None


@learner("rnn_forward", "stored a<t-1>")
def rnn_forward_stores_previous(x, a0, parameters):
    a, y_pred, T_x = _allocate(x, a0, parameters)
    a_prev = a0
    for t in range(T_x):
        a[:, :, t] = a_prev
        a_prev, yt_pred, cache = lib_cell_forward(x[:, :, t], a_prev, parameters)
        y_pred[:, :, t] = yt_pred
    return a, y_pred, None


@learner("rnn_forward", "state never updated")
def rnn_forward_from_a0(x, a0, parameters):
    a, y_pred, T_x = _allocate(x, a0, parameters)
    for t in range(T_x):
        a_next, yt_pred, _ = lib_cell_forward(x[:, :, t], a0, parameters)
        a[:, :, t], y_pred[:, :, t] = a_next, yt_pred
    return a, y_pred, None


@learner("rnn_forward", "time reversed")
def rnn_forward_reversed(x, a0, parameters):
    a, y_pred, T_x = _allocate(x, a0, parameters)
    a_next = a0
    for t in reversed(range(T_x)):
        a_next, y_pred[:, :, t], _ = lib_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
    return a, y_pred, None


@learner("rnn_forward", "a0 ignored")
def rnn_forward_zero_start(x, a0, parameters):
    a, y_pred, T_x = _allocate(x, a0, parameters)
    a_next = np.zeros(a0.shape)
    for t in range(T_x):
        a_next, y_pred[:, :, t], _ = lib_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
    return a, y_pred, None


@learner("rnn_forward", "first wrong at t = 1, a[:, :, 0]")
def rnn_forward_previous_input(x, a0, parameters):
    a, y_pred, T_x = _allocate(x, a0, parameters)
    a_next = a0
    for t in range(T_x):
        a_next, y_pred[:, :, t], _ = lib_cell_forward(x[:, :, t - 1], a_next, parameters)
        a[:, :, t] = a_next
    return a, y_pred, None


# ------------------------------------------------------------------------ rnn_cell_backward

@learner("rnn_cell_backward", "no tanh'")
def rnn_cell_backward_no_derivative(da_next, cache):
    xt, a_prev, parameters = cache.x_t, cache.a_prev, cache.params
    dxt = np.dot(parameters["W_ax"].T, da_next)
    dWax = np.dot(da_next, xt.T)
    da_prev = np.dot(parameters["W_aa"].T, da_next)
    dWaa = np.dot(da_next, a_prev.T)
    dba = np.sum(da_next, axis=1, keepdims=True)
    return dxt, da_prev, {"W_ax": dWax, "W_aa": dWaa, "b_a": dba}


@learner("rnn_cell_backward", "tanh' from z")
def rnn_cell_backward_from_z(da_next, cache):
    p = cache.params
    z = p["W_ax"] @ cache.x_t + p["W_aa"] @ cache.a_prev + p["b_a"]
    dtanh = (1 - z ** 2) * da_next
    return (p["W_ax"].T @ dtanh, p["W_aa"].T @ dtanh,
            {"W_ax": dtanh @ cache.x_t.T, "W_aa": dtanh @ cache.a_prev.T,
             "b_a": dtanh.sum(axis=1, keepdims=True)})


@learner("rnn_cell_backward", "tanh applied twice")
def rnn_cell_backward_tanh_twice(da_next, cache):
    p = cache.params
    dtanh = (1 - np.tanh(cache.a_t) ** 2) * da_next
    return (p["W_ax"].T @ dtanh, p["W_aa"].T @ dtanh,
            {"W_ax": dtanh @ cache.x_t.T, "W_aa": dtanh @ cache.a_prev.T,
             "b_a": dtanh.sum(axis=1, keepdims=True)})


@learner("rnn_cell_backward", "dW_aa from a<t>")
def rnn_cell_backward_waa_from_a_next(da_next, cache):
    p = cache.params
    dtanh = (1 - cache.a_t ** 2) * da_next
    return (p["W_ax"].T @ dtanh, p["W_aa"].T @ dtanh,
            {"W_ax": dtanh @ cache.x_t.T, "W_aa": dtanh @ cache.a_t.T,
             "b_a": dtanh.sum(axis=1, keepdims=True)})


@learner("rnn_cell_backward", "W_aa not transposed")
def rnn_cell_backward_waa_plain(da_next, cache):
    p = cache.params
    dtanh = (1 - cache.a_t ** 2) * da_next
    return (np.dot(p["W_ax"].T, dtanh), np.dot(p["W_aa"], dtanh),
            {"W_ax": np.dot(dtanh, cache.x_t.T), "W_aa": np.dot(dtanh, cache.a_prev.T),
             "b_a": np.sum(dtanh, 1, keepdims=True)})


@learner("rnn_cell_backward", "da_prev skips tanh'")
def rnn_cell_backward_da_prev_raw(da_next, cache):
    p = cache.params
    dtanh = (1 - cache.a_t ** 2) * da_next
    return (np.dot(p["W_ax"].T, dtanh), np.dot(p["W_aa"].T, da_next),
            {"W_ax": np.dot(dtanh, cache.x_t.T), "W_aa": np.dot(dtanh, cache.a_prev.T),
             "b_a": np.sum(dtanh, 1, keepdims=True)})


@learner("rnn_cell_backward", "so the sum is not: db_a = dz.sum(axis=1")
def rnn_cell_backward_db_mean(da_next, cache):
    p = cache.params
    dtanh = (1 - cache.a_t ** 2) * da_next
    return (p["W_ax"].T @ dtanh, p["W_aa"].T @ dtanh,
            {"W_ax": dtanh @ cache.x_t.T, "W_aa": dtanh @ cache.a_prev.T,
             "b_a": np.mean(dtanh, axis=1, keepdims=True)})


# ----------------------------------------------------------------------------- rnn_backward

def _bptt_setup(da, caches):
    n_a, m, T_x = da.shape
    n_x = caches.steps[0].x_t.shape[0]
    grads = {k: np.zeros_like(v) for k, v in caches.params.items()}
    return np.zeros((n_x, m, T_x)), grads, T_x


@learner("rnn_backward", "da_prev not carried")
def rnn_backward_no_carry(da, caches):
    dx, grads, T_x = _bptt_setup(da, caches)
    da_prevt = np.zeros(da.shape[:2])
    for t in reversed(range(T_x)):
        dxt, da_prevt, g = lib_cell_backward(da[:, :, t], caches.steps[t])
        dx[:, :, t] = dxt
        for k in g:
            grads[k] += g[k]
    return dx, da_prevt, grads


@learner("rnn_backward", "grads of one step")
def rnn_backward_overwrites(da, caches):
    dx, grads, T_x = _bptt_setup(da, caches)
    da_prevt = np.zeros(da.shape[:2])
    for t in reversed(range(T_x)):
        dx[:, :, t], da_prevt, g = lib_cell_backward(da[:, :, t] + da_prevt, caches.steps[t])
        grads.update(g)
    return dx, da_prevt, grads


@learner("rnn_backward", "forward in time")
def rnn_backward_forward_loop(da, caches):
    dx, grads, T_x = _bptt_setup(da, caches)
    da_prevt = np.zeros(da.shape[:2])
    for t in range(T_x):
        dx[:, :, t], da_prevt, g = lib_cell_backward(da[:, :, t] + da_prevt, caches.steps[t])
        for k in g:
            grads[k] += g[k]
    return dx, da_prevt, grads


@learner("rnn_backward", "T_x - 1 steps")
def rnn_backward_stops_at_1(da, caches):
    dx, grads, T_x = _bptt_setup(da, caches)
    da_prevt = np.zeros(da.shape[:2])
    for t in range(T_x - 1, 0, -1):
        dx[:, :, t], da_prevt, g = lib_cell_backward(da[:, :, t] + da_prevt, caches.steps[t])
        for k in g:
            grads[k] += g[k]
    return dx, da_prevt, grads


@learner("rnn_backward", "da0 is da<1>")
def rnn_backward_da0_total(da, caches):
    dx, grads, T_x = _bptt_setup(da, caches)
    da_prevt = np.zeros(da.shape[:2])
    for t in reversed(range(T_x)):
        da_total = da[:, :, t] + da_prevt
        dx[:, :, t], da_prevt, g = lib_cell_backward(da_total, caches.steps[t])
        for k in g:
            grads[k] += g[k]
    return dx, da_total, grads


@learner("rnn_backward", "dx in reverse order")
def rnn_backward_appends(da, caches):
    _, grads, T_x = _bptt_setup(da, caches)
    dxs, da_prevt = [], np.zeros(da.shape[:2])
    for t in reversed(range(T_x)):
        dxt, da_prevt, g = lib_cell_backward(da[:, :, t] + da_prevt, caches.steps[t])
        dxs.append(dxt)
        for k in g:
            grads[k] += g[k]
    return np.stack(dxs, axis=2), da_prevt, grads


@learner("rnn_backward", "first wrong at t = ")
def rnn_backward_carries_da_of_the_next_step(da, caches):
    dx, grads, T_x = _bptt_setup(da, caches)
    da_prevt = np.zeros(da.shape[:2])
    for t in reversed(range(T_x)):
        extra = da[:, :, t + 1] if t + 1 < T_x else 0     # the next step's da added again
        dx[:, :, t], da_prevt, g = lib_cell_backward(da[:, :, t] + da_prevt + extra,
                                                     caches.steps[t])
        for k in g:
            grads[k] += g[k]
    return dx, da_prevt, grads


# ------------------------------------------------------------------------ numerical_gradient

@learner("numerical_gradient", "one-sided")
def numerical_gradient_forward_difference(f, x, eps):
    grad = np.zeros(x.shape)
    fx = f(x)
    for i in np.ndindex(*x.shape):
        old = x[i]
        x[i] = old + eps
        grad[i] = (f(x) - fx) / eps
        x[i] = old
    return grad


@learner("numerical_gradient", "divided by eps")
def numerical_gradient_over_eps(f, x, eps):
    grad = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        thetaplus, thetaminus = x.copy(), x.copy()
        thetaplus[i] += eps
        thetaminus[i] -= eps
        grad[i] = (f(thetaplus) - f(thetaminus)) / eps
    return grad


@learner("numerical_gradient", "not divided")
def numerical_gradient_difference_only(f, x, eps):
    grad = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        thetaplus, thetaminus = np.copy(x), np.copy(x)
        thetaplus[i] = thetaplus[i] + eps
        thetaminus[i] = thetaminus[i] - eps
        grad[i] = f(thetaplus) - f(thetaminus)
    return grad


@learner("numerical_gradient", "all entries at once")
def numerical_gradient_whole_x(f, x, eps):
    gradapprox = (f(x + eps) - f(x - eps)) / (2 * eps)
    return gradapprox * np.ones_like(x)


@learner("numerical_gradient", "no iternext")
def numerical_gradient_nditer_forever(f, x, eps):
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        plus, minus = x.copy(), x.copy()
        plus[ix] += eps
        minus[ix] -= eps
        grad[ix] = (f(plus) - f(minus)) / (2 * eps)
    return grad


@learner("numerical_gradient", "float32")
def numerical_gradient_in_float32(f, x, eps):
    x32 = x.astype(np.float32)
    grad = np.zeros_like(x32)
    for i in np.ndindex(*x.shape):
        plus, minus = x32.copy(), x32.copy()
        plus[i] += eps
        minus[i] -= eps
        grad[i] = (f(plus) - f(minus)) / (2 * eps)
    return grad


test_a_learners_mistake_gets_its_diagnosis = catalog_test(LEARNERS)
