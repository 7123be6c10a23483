"""Exercise of notebook 04 (GRU and LSTM): the full GRU cell, forward, as the lecture writes it.

``gru_cell_forward(x_t, c_prev, params) -> c_t`` is eqs. (1)-(5) of :mod:`seqlab.rnn.gru` with
``variant="full"``: the reset gate Γr multiplies c<t-1> inside the candidate's input. It returns
c<t> alone: a<t> = c<t> (5), the cells of this exercise have no output layer (``params`` holds
W_u, b_u, W_r, b_r, W_c, b_c only) and there is no backward exercise to hand a cache to. Each
known mistake is the whole cell written once (:func:`_forward`) with one bug switched on, with
the message the checker gives when a learner's output matches it.
"""

from __future__ import annotations

import numpy as np

from seqlab.exercises.core import Case, Exercise, Mistake
from seqlab.rnn.gru import VARIANT_KEYS, gru_cell_forward

KEYS = VARIANT_KEYS["full"]  # W_u b_u W_r b_r W_c b_c


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))  # σ(z) without overflow


def _reference(x_t, c_prev, params):
    c_t, _, _ = gru_cell_forward(x_t, c_prev, params, variant="full")
    return c_t


def _forward(x_t, c_prev, params, bug=None):
    """The full GRU cell (eqs. 1-5) in plain NumPy, with one known ``bug`` switched on."""
    p, n_a = params, c_prev.shape[0]
    sig_u = np.tanh if bug in ("gate tanh", "gate tanh u") else _sigmoid
    sig_r = np.tanh if bug in ("gate tanh", "gate tanh r") else _sigmoid
    if bug == "overflow":
        sig_u = sig_r = lambda z: np.exp(z) / (1 + np.exp(z))  # noqa: E731
    order = (lambda c, x: [x, c]) if bug == "concat order" else (lambda c, x: [c, x])
    concat = np.concatenate(order(c_prev, x_t), axis=0)
    W_r, b_r = (p["W_u"], p["b_u"]) if bug == "same weights" else (p["W_r"], p["b_r"])
    W_u, b_u = (p["W_r"], p["b_r"]) if bug == "same weights u" else (p["W_u"], p["b_u"])
    g_r = sig_r(W_r @ concat + b_r)                                    # (2)
    gated = np.concatenate(order(g_r * c_prev, x_t), axis=0)           # [Γr*c<t-1>; x<t>]
    g_u = sig_u(W_u @ (gated if bug == "update reads reset" else concat) + b_u)  # (1)
    act = _sigmoid if bug == "candidate sigmoid" else np.tanh
    if bug in ("no reset gate", "reset on the memory", "reset on candidate"):
        c_tilde = act(p["W_c"] @ concat + p["b_c"])                    # (3s), no Γr inside
    elif bug == "reset after product":                                # Γr * (W_cc c<t-1>)
        c_tilde = act(g_r * (p["W_c"][:, :n_a] @ c_prev) + p["W_c"][:, n_a:] @ x_t + p["b_c"])
    elif bug == "reset after whole product":
        c_tilde = act(g_r * (p["W_c"] @ concat) + p["b_c"])
    else:
        c_tilde = act(p["W_c"] @ gated + p["b_c"])                     # (3)
    if bug == "reset on candidate":
        c_tilde = g_r * c_tilde
    keep = g_r * c_prev if bug == "reset on the memory" else c_prev
    if bug == "update swapped":
        return (1 - g_u) * c_tilde + g_u * keep
    return g_u * c_tilde + (1 - g_u) * keep                            # (4)


def _mistake(bug):
    return lambda x_t, c_prev, params: _forward(x_t, c_prev, params, bug)


def _case(n_x, n_a, m, biases=("b_u", "b_r", "b_c"), scale=1.0, c_prev=1.0):
    """Random inputs; only the biases named in ``biases`` are non-zero; ``scale`` multiplies
    the weights and inputs (large pre-activations)."""
    def make(r):
        p = {k: r.normal(size=(n_a, n_a + n_x)) * 0.7 * scale if k.startswith("W_")
             else (r.normal(size=(n_a, 1)) if k in biases else np.zeros((n_a, 1)))
             for k in KEYS}
        return {"x_t": r.normal(size=(n_x, m)) * scale,
                "c_prev": np.tanh(r.normal(size=(n_a, m)) * 2) * c_prev, "params": p}
    return make


def _also(*bugs):
    return [_mistake(b) for b in bugs]


GRU_CELL_FORWARD = Exercise(
    name="gru_cell_forward",
    signature="gru_cell_forward(x_t, c_prev, params) -> c_t",
    reference=_reference,
    source=gru_cell_forward,
    library_name="seqlab.rnn.gru_cell_forward",
    week="1",
    output_names=("c_t",),
    cases=[
        Case("all biases zero: the weights alone", _case(3, 5, 4, biases=())),
        Case("b_u the only non-zero bias (b_r = b_c = 0)", _case(3, 5, 4, biases=("b_u",)),
             isolates="b_u"),
        Case("b_r the only non-zero bias (b_u = b_c = 0)", _case(3, 5, 4, biases=("b_r",)),
             isolates="b_r"),
        Case("b_c the only non-zero bias (b_u = b_r = 0)", _case(3, 5, 4, biases=("b_c",)),
             isolates="b_c"),
        Case("random, n_x=3, n_a=5, m=4", _case(3, 5, 4)),
        Case("one example (m = 1), n_x=4, n_a=2", _case(4, 2, 1)),
        Case("large pre-activations (weights and x about 30 times larger)",
             _case(2, 3, 5, scale=30.0)),
    ],
    mistakes=[
        Mistake("update swapped", _mistake("update swapped"),
                "Γu and 1 - Γu are swapped in (4): the update gate writes the NEW candidate, "
                "c<t> = Γu*c̃<t> + (1 - Γu)*c<t-1>. With yours, Γu ≈ 0 would overwrite the "
                "memory instead of keeping it."),
        Mistake("no reset gate", _mistake("no reset gate"),
                "that is the simplified GRU: the candidate reads c<t-1> itself. The full GRU "
                "multiplies it by the reset gate first, c̃<t> = tanh(W_c[Γr*c<t-1>, x<t>] + "
                "b_c) (3), with Γr = σ(W_r[c<t-1>, x<t>] + b_r) (2)."),
        Mistake("reset on candidate", _mistake("reset on candidate"),
                "Γr goes inside the tanh, on c<t-1> only: c̃<t> = tanh(W_c[Γr*c<t-1>, x<t>] + "
                "b_c) (3); you multiplied the whole candidate, Γr*tanh(W_c[c<t-1>, x<t>] + "
                "b_c)."),
        Mistake("reset after product", _mistake("reset after product"),
                "Γr multiplies c<t-1> before the matrix product: W_c[Γr*c<t-1>, x<t>] (3); you "
                "applied it to the product (Γr*(W_c c) is how cuDNN and torch.nn.GRU write "
                "their GRU, not the lecture).",
                variants=_also("reset after whole product")),
        Mistake("reset on the memory", _mistake("reset on the memory"),
                "Γr belongs inside the candidate, c̃<t> = tanh(W_c[Γr*c<t-1>, x<t>] + b_c) "
                "(3): it decides how much of c<t-1> the candidate reads. The memory itself "
                "is kept by (1 - Γu)*c<t-1> in (4), without Γr."),
        Mistake("concat order", _mistake("concat order"),
                "the gates read [c<t-1>; x<t>] in that order (c first, n_a rows, then x): "
                "np.concatenate([c_prev, x_t], axis=0), and [Γr*c_prev; x_t] for c̃; you "
                "stacked x<t> first."),
        Mistake("gate tanh", _mistake("gate tanh"),
                "the gates use the sigmoid, so that each entry lies between 0 (closed) and 1 "
                "(open): Γu = σ(W_u[c<t-1>, x<t>] + b_u), Γr = σ(W_r[...] + b_r); you used tanh "
                "for a gate (only the candidate c̃ uses tanh).",
                variants=_also("gate tanh u", "gate tanh r")),
        Mistake("candidate sigmoid", _mistake("candidate sigmoid"),
                "the candidate uses tanh, not the sigmoid: c̃<t> = tanh(W_c[Γr*c<t-1>, x<t>] + "
                "b_c) (3), so it can be negative; only the gates Γu and Γr use σ."),
        Mistake("same weights", _mistake("same weights"),
                "Γu and Γr each have their own weights: Γu = σ(W_u[c<t-1>, x<t>] + b_u), "
                "Γr = σ(W_r[c<t-1>, x<t>] + b_r); you computed both from the same W and b "
                "(a copy-paste left unchanged?).", variants=_also("same weights u")),
        Mistake("update reads reset", _mistake("update reads reset"),
                "only the candidate reads Γr*c<t-1>: the update gate reads c<t-1> itself, "
                "Γu = σ(W_u[c<t-1>, x<t>] + b_u) (1); you fed it [Γr*c<t-1>; x<t>]."),
        Mistake("overflow", _mistake("overflow"),
                "np.exp overflows for large pre-activations (exp(1000) = inf, and inf/inf = "
                "NaN): write σ(z) = 1/(1 + exp(-z)), or use the notebook's sigmoid."),
    ],
    hints=[
        "Stack the input once, concat = [c<t-1>; x<t>] (n_a + n_x, m): both gates read it, "
        "Γ = σ(W concat + b). Compute Γr before the candidate: c̃ reads [Γr*c<t-1>; x<t>], with "
        "Γr multiplying c<t-1> only.",
        "c̃<t> = tanh(W_c [Γr*c<t-1>; x<t>] + b_c), then c<t> = Γu*c̃<t> + (1 - Γu)*c<t-1>, "
        "all element-wise (n_a, m). Return c<t> alone (a<t> = c<t>).",
        "concat = np.concatenate([c_prev, x_t], axis=0); gamma_u = sigmoid(params['W_u'] @ "
        "concat + params['b_u']) (same for r); gated = np.concatenate([gamma_r * c_prev, x_t], "
        "axis=0); c_tilde = np.tanh(params['W_c'] @ gated + params['b_c']); return gamma_u * "
        "c_tilde + (1 - gamma_u) * c_prev",
    ],
)

EXERCISES = {ex.name: ex for ex in (GRU_CELL_FORWARD,)}
