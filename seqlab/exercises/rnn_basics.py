"""Exercises of week 1, notebooks 01 and 02: the RNN forward pass and backpropagation through time.

Notebook 01 (this module): ``rnn_cell_forward`` and ``rnn_forward``. Notebook 02
(:mod:`seqlab.exercises.rnn_bptt`, registered here too): ``rnn_cell_backward``,
``rnn_backward`` and ``numerical_gradient``. Every exercise has the library's signature, random
and hand-built cases (some isolate one term: only b_a, only W_ax x<t>, only W_aa a<t-1>, only
a<0>), and the known mistakes of the time loop (off by one step, a state never updated, time
reversed) and of the cell (wrong activation, transposed weight, softmax over the wrong axis).
"""

from __future__ import annotations

import numpy as np

from seqlab.exercises.core import Case, Exercise, Mistake
from seqlab.exercises.rnn_bptt import BPTT_EXERCISES
from seqlab.functional import softmax
from seqlab.rnn import rnn_cell_forward, rnn_forward

RECURRENT = ("W_aa", "W_ax", "b_a")


def _params(r, n_x, n_a, n_y, zero=()):
    """Random RNN params with an output layer; the keys in ``zero`` are all zeros."""
    shapes = {"W_aa": (n_a, n_a), "W_ax": (n_a, n_x), "b_a": (n_a, 1),
              "W_ya": (n_y, n_a), "b_y": (n_y, 1)}
    return {k: np.zeros(s) if k in zero else r.normal(size=s) * 0.7 for k, s in shapes.items()}


def _z(x_t, a_prev, p):
    return p["W_aa"] @ a_prev + p["W_ax"] @ x_t + p["b_a"]       # (n_a, m)


# ----------------------------------------------------------------------------- rnn_cell_forward


def _cell(x_t, a_prev, params):
    return rnn_cell_forward(x_t, a_prev, params)


def _cell_inputs(n_x, n_a, n_y, m, zero=(), x=True, a=True):
    def make(r):
        return {"x_t": r.normal(size=(n_x, m)) if x else np.zeros((n_x, m)),
                "a_prev": r.normal(size=(n_a, m)) * 0.8 if a else np.zeros((n_a, m)),
                "params": _params(r, n_x, n_a, n_y, zero)}
    return make


def _cf_sigmoid(x_t, a_prev, params):
    a_t = 1 / (1 + np.exp(-_z(x_t, a_prev, params)))
    return a_t, softmax(params["W_ya"] @ a_t + params["b_y"]), None


def _cf_no_bias(x_t, a_prev, params):
    a_t = np.tanh(params["W_aa"] @ a_prev + params["W_ax"] @ x_t)
    return a_t, softmax(params["W_ya"] @ a_t + params["b_y"]), None


def _cf_transposed(x_t, a_prev, params):
    a_t = np.tanh(params["W_aa"].T @ a_prev + params["W_ax"] @ x_t + params["b_a"])
    return a_t, softmax(params["W_ya"] @ a_t + params["b_y"]), None


def _cf_softmax_axis1(x_t, a_prev, params):
    a_t = np.tanh(_z(x_t, a_prev, params))
    return a_t, softmax(params["W_ya"] @ a_t + params["b_y"], axis=1), None


def _cf_y_from_prev(x_t, a_prev, params):
    a_t = np.tanh(_z(x_t, a_prev, params))
    return a_t, softmax(params["W_ya"] @ a_prev + params["b_y"]), None


def _cf_y_from_z(x_t, a_prev, params):
    z = _z(x_t, a_prev, params)
    return np.tanh(z), softmax(params["W_ya"] @ z + params["b_y"]), None


def _cf_no_softmax(x_t, a_prev, params):
    a_t = np.tanh(_z(x_t, a_prev, params))
    return a_t, params["W_ya"] @ a_t + params["b_y"], None


RNN_CELL_FORWARD = Exercise(
    name="rnn_cell_forward",
    signature="rnn_cell_forward(x_t, a_prev, params) -> (a_t, y_hat_t, cache)",
    reference=_cell,
    source=rnn_cell_forward,
    library_name="seqlab.rnn.rnn_cell_forward",
    week="1",
    output_names=("a_t", "y_hat_t", "cache"),
    not_compared=("cache",),
    steps=[("a_t", "a<t> = tanh(W_aa a<t-1> + W_ax x<t> + b_a): check each term and the tanh."),
           ("y_hat_t", "a_t is right, so the output layer is wrong: ŷ<t> = softmax(W_ya a<t> "
            "+ b_y), over axis 0 (the classes).")],
    cases=[
        Case("random, n_x=3, n_a=5, n_y=2, m=4", _cell_inputs(3, 5, 2, 4)),
        Case("only b_a is non-zero (x<t> = 0, a<t-1> = 0)",
             _cell_inputs(3, 5, 2, 4, x=False, a=False), isolates="b_a"),
        Case("only W_ax x<t> is non-zero (a<t-1> = 0, b_a = 0)",
             _cell_inputs(3, 5, 2, 4, zero=("b_a",), a=False), isolates="W_ax"),
        Case("only W_aa a<t-1> is non-zero (x<t> = 0, b_a = 0)",
             _cell_inputs(3, 5, 2, 4, zero=("b_a",), x=False), isolates="W_aa"),
        Case("one example (m = 1)", _cell_inputs(4, 3, 3, 1)),
        Case("n_x = n_a = 4", _cell_inputs(4, 4, 2, 3)),
    ],
    mistakes=[
        Mistake("sigmoid", _cf_sigmoid,
                "wrong activation: the lecture's RNN cell uses a<t> = tanh(z<t>), you applied "
                "the sigmoid (σ belongs to the gates of the GRU and LSTM)."),
        Mistake("dropped b_a", _cf_no_bias,
                "the bias b_a is missing: a<t> = tanh(W_aa a<t-1> + W_ax x<t> + b_a)."),
        Mistake("transposed W_aa", _cf_transposed,
                "transposed weight: W_aa multiplies a<t-1> as it is, W_aa @ a_prev (not "
                "W_aa.T @ a_prev); row i of W_aa holds the weights INTO unit i."),
        Mistake("softmax over m", _cf_softmax_axis1,
                "softmax over the wrong axis: ŷ<t> has shape (n_y, m), one example per column, "
                "so normalise over axis 0 (the classes); each column must sum to 1."),
        Mistake("y from a<t-1>", _cf_y_from_prev,
                "ŷ<t> is computed from a<t-1>: the output of step t reads the NEW state, "
                "ŷ<t> = softmax(W_ya a<t> + b_y)."),
        Mistake("y from z", _cf_y_from_z,
                "ŷ<t> is computed from the pre-activation z<t>: apply tanh first, then "
                "ŷ<t> = softmax(W_ya a<t> + b_y) with a<t> = tanh(z<t>)."),
        Mistake("no softmax", _cf_no_softmax,
                "ŷ<t> must be probabilities: apply the softmax to W_ya a<t> + b_y (over axis 0)."),
    ],
    hints=[
        "Two lines of the lecture: a<t> = tanh(W_aa a<t-1> + W_ax x<t> + b_a), then "
        "ŷ<t> = softmax(W_ya a<t> + b_y). Return (a_t, y_hat_t, cache), cache being anything "
        "you like, e.g. (x_t, a_prev, a_t, params).",
        "Shapes: W_aa @ a_prev and W_ax @ x_t are both (n_a, m); b_a (n_a, 1) broadcasts over the "
        "m columns. The softmax normalises each column: use seqlab.functional.softmax(z, "
        "axis=0) or your own from notebook 00.",
        "a_t = np.tanh(params['W_aa'] @ a_prev + params['W_ax'] @ x_t + params['b_a']); "
        "y_hat_t = F.softmax(params['W_ya'] @ a_t + params['b_y'], axis=0)",
    ],
)

# ---------------------------------------------------------------------------------- rnn_forward


def _seq(x, a0, params):
    return rnn_forward(x, a0, params)


def _seq_inputs(n_x, n_a, n_y, m, T_x, zero=(), x=True, a0=True):
    def make(r):
        return {"x": r.normal(size=(n_x, m, T_x)) if x else np.zeros((n_x, m, T_x)),
                "a0": r.normal(size=(n_a, m)) * 0.8 if a0 else np.zeros((n_a, m)),
                "params": _params(r, n_x, n_a, n_y, zero)}
    return make


def _outputs(a, params, axis=0):
    """ŷ for every step of a (n_a, m, T_x): softmax(W_ya a<t> + b_y) over ``axis``."""
    logits = np.einsum("ya,amt->ymt", params["W_ya"], a) + params["b_y"][:, :, None]
    return softmax(logits, axis=axis)


def _run(x, a0, params, order=None, store_prev=False, keep_a0=False, axis=0, y_from_a=True):
    """A time loop over the library's cell with one knob turned (the mistakes below). The
    outputs ŷ are computed from the stored a (``y_from_a``) or kept from each step's cell (a
    loop that skips a step leaves its column of ŷ at zero)."""
    T_x = x.shape[2]
    a = np.zeros((a0.shape[0], x.shape[1], T_x))
    y_hat = np.zeros((params["W_ya"].shape[0], x.shape[1], T_x))
    a_prev = a0
    for t in (range(T_x) if order is None else order(T_x)):
        a_t, y_hat[:, :, t], _ = rnn_cell_forward(x[:, :, t], a0 if keep_a0 else a_prev, params)
        a[:, :, t] = a_prev if store_prev else a_t
        a_prev = a_t
    return a, _outputs(a, params, axis) if y_from_a else y_hat, None


def _f_short(x, a0, params):
    return _run(x, a0, params, order=lambda T: range(T - 1), y_from_a=False)


def _f_short_y_from_a(x, a0, params):
    return _run(x, a0, params, order=lambda T: range(T - 1))


def _f_store_prev(x, a0, params):
    return _run(x, a0, params, store_prev=True, y_from_a=False)


def _f_store_prev_y_from_a(x, a0, params):
    return _run(x, a0, params, store_prev=True)


def _f_from_1(x, a0, params):
    return _run(x, a0, params, order=lambda T: range(1, T), y_from_a=False)


def _f_no_update(x, a0, params):
    return _run(x, a0, params, keep_a0=True)


def _f_reversed(x, a0, params):
    return _run(x, a0, params, order=lambda T: reversed(range(T)))


def _f_softmax_time(x, a0, params):
    return _run(x, a0, params, axis=2)


def _f_zero_a0(x, a0, params):
    return _run(x, np.zeros_like(a0), params)


RNN_FORWARD = Exercise(
    name="rnn_forward",
    signature="rnn_forward(x, a0, params) -> (a, y_hat, cache)",
    reference=_seq,
    source=rnn_forward,
    library_name="seqlab.rnn.rnn_forward",
    week="1",
    output_names=("a", "y_hat", "cache"),
    not_compared=("cache",),
    time_axis={"a": 2, "y_hat": 2},
    cases=[
        Case("random, n_x=3, n_a=5, n_y=2, m=4, T_x=6", _seq_inputs(3, 5, 2, 4, 6)),
        Case("only a<0> is non-zero (x = 0, b_a = 0)",
             _seq_inputs(3, 4, 2, 2, 5, zero=("b_a",), x=False), isolates="a0"),
        Case("a single step (T_x = 1)", _seq_inputs(3, 4, 3, 2, 1)),
        Case("one example (m = 1), T_x = 8, a<0> = 0", _seq_inputs(2, 3, 2, 1, 8, a0=False)),
        Case("m = T_x = 4 (an index on the wrong axis still has the right shape)",
             _seq_inputs(4, 3, 2, 4, 4)),
    ],
    mistakes=[
        Mistake("T_x - 1 steps", _f_short,
                "your loop runs T_x - 1 steps (range(T_x - 1)?): the last column a[:, :, T_x-1], "
                "a<T_x>, is never computed. Loop over all T_x steps: for t in range(T_x).",
                variants=(_f_short_y_from_a,)),
        Mistake("range(1, T_x)", _f_from_1,
                "your loop starts at t = 1 (range(1, T_x)): the first step, a<1> = a[:, :, 0] "
                "computed from a<0> and x<1> = x[:, :, 0], is skipped, and every later step "
                "starts one step late. Python counts from 0: for t in range(T_x)."),
        Mistake("stored a<t-1>", _f_store_prev,
                "a[:, :, t] holds a<t-1>, one step late (a[:, :, 0] is a<0>): store the NEW "
                "state a<t> at index t, after computing it; a<0> is not part of the output.",
                variants=(_f_store_prev_y_from_a,)),
        Mistake("state never updated", _f_no_update,
                "every step starts from a<0>: after computing a<t>, pass it on as the next "
                "step's a_prev (a_prev = a_t), that is the recurrence."),
        Mistake("time reversed", _f_reversed,
                "the loop runs backwards in time (t = T_x..1): the forward pass reads x<1> "
                "first, for t in range(T_x)."),
        Mistake("softmax over time", _f_softmax_time,
                "ŷ is normalised over time (axis 2): each ŷ<t> is a distribution over the n_y "
                "classes, so softmax over axis 0 at every step."),
        Mistake("a0 ignored", _f_zero_a0,
                "you start from zeros instead of the given a0: the lecture's a<0> is often 0, "
                "but the function must use its argument (an encoder's last state, say)."),
    ],
    hints=[
        "Loop t = 0..T_x-1: a_t, y_hat_t, cache_t = rnn_cell_forward(x[:, :, t], a_prev, "
        "params); store a_t in a[:, :, t] and y_hat_t in y_hat[:, :, t]; then a_prev = a_t.",
        "Allocate a = np.zeros((n_a, m, T_x)) and y_hat = np.zeros((n_y, m, T_x)) first, with "
        "n_a, m = a0.shape and n_y = params['W_ya'].shape[0]; start with a_prev = a0.",
        "for t in range(T_x):\n    a_prev, y_t, c = rnn.rnn_cell_forward(x[:, :, t], a_prev, "
        "params)\n    a[:, :, t], y_hat[:, :, t] = a_prev, y_t\n    caches.append(c)",
    ],
)

EXERCISES: dict[str, Exercise] = {ex.name: ex for ex in (RNN_CELL_FORWARD, RNN_FORWARD)}
EXERCISES.update(BPTT_EXERCISES)
