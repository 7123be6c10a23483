"""Exercise of notebook 17 (attention): the course's ``one_step_attention``, column layout.

The learner writes one attention step with the lecture's small energy network: repeat s<t-1>
T_x times, stack [s<t-1>; a<t'>], a tanh layer (W_e1, b_e1), a relu layer to one energy per t'
(W_e2, b_e2), softmax over t', the weighted sum of the a<t'>. The reference is
:func:`seqlab.seq2seq.attention.attention_step_forward` (score="additive", relu, no mask).
Each known mistake is the whole step written once (:func:`_step`) with one bug switched on.
"""

from __future__ import annotations

import numpy as np

from seqlab.exercises.core import Case, Exercise, Mistake
from seqlab.seq2seq.attention import attention_step_forward


def _reference(s_prev, a, params):
    context, alpha, _ = attention_step_forward(s_prev, a, params, "additive", None, "relu")
    return context, alpha


def _softmax(z, axis):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _step(s_prev, a, params, bug=None):
    """one_step_attention in plain NumPy, with one known ``bug`` switched on."""
    n_a2, m, T_x = a.shape
    s_rep = np.repeat(s_prev[:, :, None], T_x, axis=2)                # (n_s, m, T_x)
    concat = np.concatenate([a, s_rep] if bug == "concat order" else [s_rep, a], axis=0)
    z1 = np.einsum("ek,kmt->emt", params["W_e1"], concat) + params["b_e1"][:, :, None]
    h = np.maximum(z1, 0) if bug == "swapped activations" else np.tanh(z1)
    z2 = np.einsum("oe,emt->omt", params["W_e2"], h)[0] + params["b_e2"][0, 0]  # (m, T_x)
    if bug in ("swapped activations", "tanh energy"):
        energy = np.tanh(z2)
    elif bug == "no relu":
        energy = z2
    else:
        energy = np.maximum(z2, 0)
    if bug == "softmax over m":
        alpha = _softmax(energy, axis=0)
    elif bug == "no softmax":
        alpha = energy
    else:
        alpha = _softmax(energy, axis=1)
    weights = energy if bug == "context from energies" else alpha
    context = (a * weights[None]).sum(axis=2)
    if bug == "mean context":
        context = a.mean(axis=2)
    return context, alpha


def _mistake(bug):
    return lambda s_prev, a, params: _step(s_prev, a, params, bug)


def _case(n_s, n_a2, m, T_x, n_e=5, zero_s=False):
    def make(r):
        params = {"W_e1": r.normal(size=(n_e, n_s + n_a2)), "b_e1": r.normal(size=(n_e, 1)) * 0.5,
                  "W_e2": r.normal(size=(1, n_e)) * 1.5, "b_e2": np.array([[0.2]])}
        s_prev = np.zeros((n_s, m)) if zero_s else r.normal(size=(n_s, m))
        return {"s_prev": s_prev, "a": r.normal(size=(n_a2, m, T_x)), "params": params}
    return make


ONE_STEP_ATTENTION = Exercise(
    name="one_step_attention",
    signature="one_step_attention(s_prev, a, params) -> (context, alpha)",
    reference=_reference,
    source=attention_step_forward,
    library_name="seqlab.seq2seq.attention.attention_step_forward",
    week="3",
    output_names=("context", "alpha"),
    steps=[("alpha", "α<t,t'> = softmax over t' of the energies e = relu(W_e2 tanh(W_e1 "
                     "[s<t-1>; a<t'>] + b_e1) + b_e2) (2-3)."),
           ("context", "α is right, so the context is not: c<t> = Σ_t' α<t,t'> a<t'> (4).")],
    cases=[
        Case("s<t-1> = 0: the energies depend on a<t'> only", _case(4, 6, 3, 5, zero_s=True),
             isolates="the a<t'> part of [s<t-1>; a<t'>]"),
        Case("random, n_s=4, n_a2=6, m=3, T_x=5", _case(4, 6, 3, 5)),
        Case("one example (m = 1), T_x = 7", _case(3, 4, 1, 7)),
        Case("n_s = n_a2 = 4, m = 2, T_x = 3", _case(4, 4, 2, 3)),
    ],
    mistakes=[
        Mistake("softmax over m", _mistake("softmax over m"),
                "α<t,t'> is a softmax over the INPUT positions t' (axis 1 of the (m, T_x) "
                "energies), one distribution per example; you normalised over the examples m."),
        Mistake("no softmax", _mistake("no softmax"),
                "α must be a softmax of the energies over t' (3): non-negative and summing to 1 "
                "for each example; you returned the energies themselves."),
        Mistake("concat order", _mistake("concat order"),
                "the energy network reads [s<t-1>; a<t'>] with s<t-1> first (n_s rows, then "
                "n_a2 rows of a), as W_e1's columns are ordered; you stacked [a<t'>; s<t-1>]."),
        Mistake("no relu", _mistake("no relu"),
                "the second dense layer of the course's network has a relu: energy = "
                "relu(W_e2 h + b_e2); you left it linear."),
        Mistake("tanh energy", _mistake("tanh energy"),
                "the energies use relu (the course's densor2), not tanh: only the hidden layer "
                "h = tanh(W_e1 [s; a] + b_e1) is a tanh."),
        Mistake("swapped activations", _mistake("swapped activations"),
                "the activations are swapped: the hidden layer is tanh (densor1) and the energy "
                "layer relu (densor2)."),
        Mistake("context from energies", _mistake("context from energies"),
                "the context is weighted by the attention weights α (after the softmax), "
                "c<t> = Σ_t' α<t,t'> a<t'> (4), not by the raw energies."),
        Mistake("mean context", _mistake("mean context"),
                "the context is the α-weighted sum Σ_t' α<t,t'> a<t'> (4); you took the plain "
                "average of the a<t'>, which ignores where the model attends."),
    ],
    hints=[
        "Shapes: s_prev (n_s, m), a (n_a2, m, T_x). Repeat s_prev along a new last axis T_x "
        "times, stack it ON TOP of a (axis 0): concat (n_s + n_a2, m, T_x).",
        "h = tanh(W_e1 · concat + b_e1) and energy = relu(W_e2 · h + b_e2) act on axis 0 "
        "(np.einsum('ek,kmt->emt', W, concat), bias b[:, :, None]); the energy is (m, T_x) "
        "after dropping the size-1 axis; alpha = softmax over axis 1.",
        "s_rep = np.repeat(s_prev[:, :, None], T_x, axis=2); concat = np.concatenate([s_rep, a],"
        " axis=0); h = np.tanh(np.einsum('ek,kmt->emt', params['W_e1'], concat) + "
        "params['b_e1'][:, :, None]); energy = np.maximum(np.einsum('oe,emt->omt', "
        "params['W_e2'], h)[0] + params['b_e2'][0, 0], 0); e = np.exp(energy - energy.max(1, "
        "keepdims=True)); alpha = e / e.sum(1, keepdims=True); context = (a * alpha[None])."
        "sum(axis=2); return context, alpha",
    ],
)

EXERCISES = {"one_step_attention": ONE_STEP_ATTENTION}
