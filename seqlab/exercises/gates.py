"""Exercises of notebook 04 (GRU and LSTM): the LSTM cell, forward and backward.

Both use the library's signatures (:func:`seqlab.rnn.lstm_cell_forward`,
:func:`seqlab.rnn.lstm_cell_backward`, no peepholes). The backward exercise receives the
library's :class:`seqlab.rnn.LSTMCellCache`, so a learner's backward is checked on its own,
whatever their forward returns as a cache. Each known mistake is a whole wrong cell written
once (``_forward`` / ``_backward`` with one bug switched on), with the message the checker gives
when a learner's output matches it.
"""

from __future__ import annotations

import numpy as np

from seqlab.exercises.core import Case, Exercise, Mistake
from seqlab.rnn.lstm import LSTM_KEYS, lstm_cell_backward, lstm_cell_forward


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))  # σ(z) without overflow


def _params(r, n_x, n_a, n_y=None, zero=()):
    """Random LSTM params (W (n_a, n_a+n_x), b (n_a, 1)); keys in ``zero`` are all zeros."""
    p = {k: r.normal(size=(n_a, n_a + n_x) if k.startswith("W_") else (n_a, 1))
         * (0.6 if k.startswith("W_") else 0.5) for k in LSTM_KEYS}
    if n_y is not None:
        p["W_ya"], p["b_y"] = r.normal(size=(n_y, n_a)), r.normal(size=(n_y, 1)) * 0.3
    return {k: (np.zeros_like(v) if k in zero else v) for k, v in p.items()}


# ------------------------------------------------------------------------ lstm_cell_forward


def _forward_reference(x_t, a_prev, c_prev, params):
    return lstm_cell_forward(x_t, a_prev, c_prev, params)


def _forward(x_t, a_prev, c_prev, params, bug=None):
    """The LSTM cell (eqs. 1-7) in plain NumPy, with one known ``bug`` switched on."""
    p = params
    concat = np.concatenate([x_t, a_prev] if bug == "concat order" else [a_prev, x_t])
    act = _sigmoid if bug == "candidate sigmoid" else np.tanh
    c_tilde = act(p["W_c"] @ concat + p["b_c"])
    g_u = _sigmoid(p["W_u"] @ concat + p["b_u"])
    g_f = _sigmoid(p["W_f"] @ concat + p["b_f"])
    g_o = _sigmoid(p["W_o"] @ concat + p["b_o"])
    c_t = {"c_tilde for c_prev": g_u * c_tilde + g_f * c_tilde,
           "forget on candidate": g_f * c_tilde + g_u * c_prev,
           "gru style": g_u * c_tilde + (1 - g_u) * c_prev}.get(bug, g_u * c_tilde + g_f * c_prev)
    a_t = {"no output gate": np.tanh(c_t), "no tanh on c": g_o * c_t}.get(bug, g_o * np.tanh(c_t))
    z = p["W_ya"] @ (a_prev if bug == "y from a_prev" else a_t) + p["b_y"]
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return a_t, c_t, e / e.sum(axis=0, keepdims=True), None


def _forward_mistake(bug):
    return lambda x_t, a_prev, c_prev, params: _forward(x_t, a_prev, c_prev, params, bug)


def _forward_case(n_x, n_a, m, zero=(), c_prev=True):
    def make(r):
        return {"x_t": r.normal(size=(n_x, m)), "a_prev": r.normal(size=(n_a, m)),
                "c_prev": r.normal(size=(n_a, m)) * 1.5 if c_prev else np.zeros((n_a, m)),
                "params": _params(r, n_x, n_a, 2, zero)}
    return make


LSTM_CELL_FORWARD = Exercise(
    name="lstm_cell_forward",
    signature="lstm_cell_forward(x_t, a_prev, c_prev, params) -> (a_t, c_t, y_hat_t, cache)",
    reference=_forward_reference,
    source=lstm_cell_forward,
    library_name="seqlab.rnn.lstm_cell_forward",
    week="1",
    output_names=("a_t", "c_t", "y_hat_t", "cache"),
    not_compared=("cache",),
    steps=[("c_t", "c<t> = Γu*c̃<t> + Γf*c<t-1> (5), with c̃<t> = tanh(W_c[a<t-1>; x<t>] + b_c) "
            "(1) and the gates σ(W[a<t-1>; x<t>] + b) (2-3)."),
           ("a_t", "c_t is right, so a<t> = Γo * tanh(c<t>) (6) is not: check Γo = σ(W_o[a<t-1>; "
            "x<t>] + b_o) (4) and the tanh."),
           ("y_hat_t", "a_t is right, so the output layer is wrong: ŷ<t> = softmax(W_ya a<t> + "
            "b_y) (7), over axis 0.")],
    cases=[
        Case("c<t-1> = 0: only Γu*c̃ enters c<t>", _forward_case(3, 5, 4, c_prev=False),
             isolates="Γu*c̃<t>"),
        Case("W_c = 0, b_c = 0 so c̃ = 0: only Γf*c<t-1> enters c<t>",
             _forward_case(3, 5, 4, zero=("W_c", "b_c")), isolates="Γf*c<t-1>"),
        Case("random, n_x=3, n_a=5, m=4", _forward_case(3, 5, 4)),
        Case("one example (m = 1)", _forward_case(4, 3, 1)),
        Case("n_x = n_a = 4", _forward_case(4, 4, 3)),
    ],
    mistakes=[
        Mistake("no output gate", _forward_mistake("no output gate"),
                "a<t> is missing the output gate: a<t> = Γo * tanh(c<t>), not tanh(c<t>) (4, 6)."),
        Mistake("no tanh on c", _forward_mistake("no tanh on c"),
                "a<t> = Γo * tanh(c<t>) (6): you multiplied Γo by c<t> itself, without the tanh."),
        Mistake("c_tilde for c_prev", _forward_mistake("c_tilde for c_prev"),
                "c<t> = Γu*c̃<t> + Γf*c<t-1> (5): the forget gate keeps the OLD memory c<t-1>; "
                "you multiplied it by the candidate c̃<t> instead."),
        Mistake("forget on candidate", _forward_mistake("forget on candidate"),
                "the gates are swapped in (5): the update gate Γu scales the candidate c̃<t> and "
                "the forget gate Γf scales c<t-1>, c<t> = Γu*c̃<t> + Γf*c<t-1>."),
        Mistake("gru style", _forward_mistake("gru style"),
                "you wrote the GRU's c<t> = Γu*c̃ + (1 - Γu)*c<t-1>: the LSTM has its own forget "
                "gate, c<t> = Γu*c̃<t> + Γf*c<t-1> with Γf = σ(W_f[a<t-1>, x<t>] + b_f)."),
        Mistake("candidate sigmoid", _forward_mistake("candidate sigmoid"),
                "the candidate uses tanh, not the sigmoid: c̃<t> = tanh(W_c[a<t-1>, x<t>] + b_c) "
                "(1); only the three gates Γu, Γf, Γo use σ."),
        Mistake("concat order", _forward_mistake("concat order"),
                "the gates read [a<t-1>; x<t>] in that order (a first, n_a rows, then x): "
                "np.concatenate([a_prev, x_t], axis=0); you stacked [x<t>; a<t-1>]."),
        Mistake("y from a_prev", _forward_mistake("y from a_prev"),
                "ŷ<t> = softmax(W_ya a<t> + b_y) (7) uses the NEW hidden state a<t>; you used "
                "a<t-1>, one step behind."),
    ],
    hints=[
        "Stack the input once, concat = [a<t-1>; x<t>] (n_a + n_x, m); every gate reads it: "
        "Γ = σ(W concat + b) for Γf, Γu, Γo and c̃ = tanh(W_c concat + b_c).",
        "Then c<t> = Γu*c̃ + Γf*c<t-1> and a<t> = Γo*tanh(c<t>), all element-wise (n_a, m); "
        "ŷ<t> = softmax over axis 0 of W_ya a<t> + b_y.",
        "concat = np.concatenate([a_prev, x_t], axis=0); gamma_f = sigmoid(params['W_f'] @ concat "
        "+ params['b_f']) (same for u, o); c_tilde = np.tanh(params['W_c'] @ concat + "
        "params['b_c']); c_t = gamma_u * c_tilde + gamma_f * c_prev; a_t = gamma_o * "
        "np.tanh(c_t); return a_t, c_t, softmax(params['W_ya'] @ a_t + params['b_y']), cache",
    ],
)

# ----------------------------------------------------------------------- lstm_cell_backward


def _backward_reference(da_t, dc_t, cache):
    return lstm_cell_backward(da_t, dc_t, cache)


def _backward(da_t, dc_t, cache, bug=None):
    """The LSTM cell's backward (eqs. 8-12) in plain NumPy, with one known ``bug`` switched on."""
    p, n_a = cache.params, cache.c_prev.shape[0]
    g_u, g_f, g_o, c_tilde, tanh_c = (cache.gamma_u, cache.gamma_f, cache.gamma_o,
                                      cache.c_tilde, cache.tanh_c)
    c_t = g_u * c_tilde + g_f * cache.c_prev
    through_a = da_t * g_o * ((1 - c_t ** 2) if bug == "tanh' from c" else (1 - tanh_c ** 2))
    dc = {"no da path": dc_t, "no dc_t": through_a}.get(bug, dc_t + through_a)
    dg_o = da_t * (c_t if bug == "dgamma_o from c" else tanh_c)
    dg_f = dc * (c_t if bug == "dgamma_f from c_t" else cache.c_prev)
    dc_tilde = dc * g_u
    slope_c = {"candidate sigmoid'": c_tilde * (1 - c_tilde), "1 - c_tilde": 1 - c_tilde}.get(
        bug, 1 - c_tilde ** 2)
    dz = {"c": dc_tilde * slope_c,
          "u": dc * c_tilde * g_u * (1 - g_u), "f": dg_f * g_f * (1 - g_f),
          "o": dg_o if bug == "no sigmoid' on o" else dg_o * g_o * (1 - g_o)}
    dc_prev = {"dc_prev without gamma_f": dc, "dc_prev from dc_t only": dc_t * g_f}.get(
        bug, dc * g_f)
    grads = {}
    dconcat = np.zeros_like(cache.concat)
    for g, dz_g in dz.items():
        grads[f"W_{g}"] = dz_g @ cache.concat.T
        grads[f"b_{g}"] = dz_g.sum(axis=1, keepdims=True)
        dconcat = dconcat + p[f"W_{g}"].T @ dz_g
    if bug == "split order":                    # read as [x<t>; a<t-1>]: x first
        n_x = dconcat.shape[0] - n_a
        return dconcat[:n_x], dconcat[n_x:], dc_prev, grads
    return dconcat[n_a:], dconcat[:n_a], dc_prev, grads


def _backward_mistake(bug):
    return lambda da_t, dc_t, cache: _backward(da_t, dc_t, cache, bug)


def _backward_case(n_x, n_a, m, da=True, dc=True):
    def make(r):
        x_t, a_prev = r.normal(size=(n_x, m)), r.normal(size=(n_a, m))
        c_prev = r.normal(size=(n_a, m)) * 1.5
        _, _, _, cache = lstm_cell_forward(x_t, a_prev, c_prev, _params(r, n_x, n_a))
        return {"da_t": r.normal(size=(n_a, m)) if da else np.zeros((n_a, m)),
                "dc_t": r.normal(size=(n_a, m)) if dc else np.zeros((n_a, m)),
                "cache": cache}
    return make


def _db_meaning(g: str, why: str):
    """What a wrong db_g points to: the sum over the examples if dW_g is right, else dz_g."""
    def meaning(right: set) -> str:
        if f'grads["W_{g}"]' in right:
            return (f"dz_{g} is right (dW_{g} is), so the sum is not: db_{g} = "
                    f"dz_{g}.sum(axis=1, keepdims=True), over the examples.")
        return f"db_{g} = Σ_columns dz_{g}, so dz_{g} is wrong: {why}"
    return meaning


LSTM_CELL_BACKWARD = Exercise(
    name="lstm_cell_backward",
    signature="lstm_cell_backward(da_t, dc_t, cache) -> (dx_t, da_prev, dc_prev, grads)",
    reference=_backward_reference,
    source=lstm_cell_backward,
    library_name="seqlab.rnn.lstm_cell_backward",
    week="1",
    output_names=("dx_t", "da_prev", "dc_prev", "grads"),
    float32_ok=False,
    steps=[*((f'grads["b_{g}"]', _db_meaning(g, why))
             for g, why in (("o", "dz_o = dΓo * Γo(1 - Γo), dΓo = da<t> * tanh(c<t>) (8)."),
                            ("c", "dz_c = dc̃ * (1 - c̃²), dc̃ = dc * Γu, with the total dc = "
                                  "dc<t> + da<t> * Γo * (1 - tanh²c<t>) (8-10)."),
                            ("u", "dz_u = dΓu * Γu(1 - Γu), dΓu = dc * c̃ (9)."),
                            ("f", "dz_f = dΓf * Γf(1 - Γf), dΓf = dc * c<t-1> (9)."))),
           *((f'grads["W_{g}"]', f"dz_{g} is right (db_{g} is), so check dW_{g} = dz_{g} @ "
              "concat.T, concat = [a<t-1>; x<t>] (cache.concat).") for g in "ocuf"),
           ("dc_prev", "the gates' gradients are right: dc<t-1> = dc * Γf with the total dc = "
            "dc<t> + da<t> * Γo * (1 - tanh²c<t>) (9)."),
           ("da_prev", "the gates' gradients are right: dconcat = Σ_g W_gᵀ dz_g, and da_prev is "
            "its first n_a rows (the gates read [a<t-1>; x<t>])."),
           ("dx_t", "the gates' gradients are right: dx_t is the last n_x rows of dconcat = "
            "Σ_g W_gᵀ dz_g.")],
    cases=[
        Case("only dc<t> non-zero (da<t> = 0)", _backward_case(3, 5, 4, da=False),
             isolates="dc<t>"),
        Case("only da<t> non-zero (dc<t> = 0)", _backward_case(3, 5, 4, dc=False),
             isolates="da<t>"),
        Case("random, n_x=3, n_a=5, m=4", _backward_case(3, 5, 4)),
        Case("one example (m = 1)", _backward_case(4, 3, 1)),
        Case("n_x = n_a = 4", _backward_case(4, 4, 3)),
    ],
    mistakes=[
        Mistake("tanh' from c", _backward_mistake("tanh' from c"),
                "the slope of tanh at c<t> is 1 - tanh²(c<t>), computed from the OUTPUT "
                "tanh c<t> (cache.tanh_c), not 1 - c<t>² (8)."),
        Mistake("no da path", _backward_mistake("no da path"),
                "dc<t> misses the path through a<t>: the total is dc = dc<t> + da<t> * Γo * "
                "(1 - tanh²c<t>) (8), since a<t> = Γo*tanh(c<t>) depends on c<t>."),
        Mistake("no dc_t", _backward_mistake("no dc_t"),
                "the incoming dc<t> (the gradient from step t+1 through c<t+1> = ... + "
                "Γf*c<t>) is dropped: dc = dc<t> + da<t> * Γo * (1 - tanh²c<t>) (8)."),
        Mistake("dgamma_o from c", _backward_mistake("dgamma_o from c"),
                "dΓo = da<t> * tanh(c<t>) (8), since a<t> = Γo*tanh(c<t>): you used c<t> "
                "without the tanh."),
        Mistake("dgamma_f from c_t", _backward_mistake("dgamma_f from c_t"),
                "dΓf = dc * c<t-1> (9): the forget gate multiplies the PREVIOUS memory "
                "(cache.c_prev); you used c<t>, one step ahead."),
        Mistake("dc_prev without gamma_f", _backward_mistake("dc_prev without gamma_f"),
                "dc<t-1> = dc * Γf (9): the memory reaches c<t> through the forget gate, so its "
                "gradient is scaled by Γf on the way back."),
        Mistake("dc_prev from dc_t only", _backward_mistake("dc_prev from dc_t only"),
                "dc<t-1> = dc * Γf with the TOTAL dc = dc<t> + da<t> * Γo * (1 - tanh²c<t>) "
                "(8-9); you passed on only the incoming dc<t>, so the loss at step t never "
                "reaches c<t-1>."),
        Mistake("candidate sigmoid'", _backward_mistake("candidate sigmoid'"),
                "c̃ = tanh(...), so dz_c = dc̃ * (1 - c̃²) (10); you used the sigmoid's slope "
                "c̃(1 - c̃)."),
        Mistake("1 - c_tilde", _backward_mistake("1 - c_tilde"),
                "the slope of tanh is 1 - c̃² (SQUARED): dz_c = dc̃ * (1 - c̃**2) (10); you "
                "wrote (1 - c̃)."),
        Mistake("no sigmoid' on o", _backward_mistake("no sigmoid' on o"),
                "dz_o misses the sigmoid's slope: Γo = σ(z_o), so dz_o = dΓo * Γo * (1 - Γo) "
                "with dΓo = da<t> * tanh(c<t>) (8); you used dΓo itself."),
        Mistake("split order", _backward_mistake("split order"),
                "the gradients of the gates are right, but d[a<t-1>; x<t>] is split in the "
                "wrong order: the gates read [a<t-1>; x<t>], a first, so da_prev = "
                "dconcat[:n_a] and dx_t = dconcat[n_a:]."),
    ],
    hints=[
        "Start from the outputs: a<t> = Γo*tanh(c<t>) gives dΓo = da*tanh c<t> and adds "
        "da*Γo*(1 - tanh²c<t>) to the incoming dc<t>: that total dc feeds everything below.",
        "From c<t> = Γu*c̃ + Γf*c<t-1>: dc̃ = dc*Γu, dΓu = dc*c̃, dΓf = dc*c<t-1>, "
        "dc<t-1> = dc*Γf. Through the nonlinearities: dz = dΓ*Γ(1-Γ) for a gate, "
        "dz_c = dc̃*(1-c̃²).",
        "For g in f, u, o, c: grads['W_g'] = dz_g @ cache.concat.T, grads['b_g'] = "
        "dz_g.sum(axis=1, keepdims=True), dconcat += params['W_g'].T @ dz_g; then "
        "da_prev = dconcat[:n_a], dx_t = dconcat[n_a:].",
    ],
)

EXERCISES = {ex.name: ex for ex in (LSTM_CELL_FORWARD, LSTM_CELL_BACKWARD)}
