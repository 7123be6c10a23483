"""Exercise of notebook 27 (what a recurrent network remembers): the batched upstream gradient.

``log_prob_upstream(logits, y, t)`` is eq. (2) of :mod:`seqlab.lm.connectivity`: column i of the
batch carries the gradient of one output's log-probability, log ŷ<t_i>[y<t_i>], so that one
backward pass gives ∂/∂x for T outputs at once. Each known mistake is the whole function written
once (:func:`_upstream`) with one bug switched on, with the message the checker gives when a
learner's output matches it.
"""

from __future__ import annotations

import numpy as np

from seqlab.exercises.core import Case, Exercise, Mistake
from seqlab.lm.connectivity import log_prob_upstream


def _reference(logits, y, t):
    return log_prob_upstream(logits, y, t)


def _upstream(logits, y, t, bug=None):
    """Eq. (2) in plain NumPy, with one known ``bug`` switched on."""
    n_y, m, T = logits.shape
    cols = np.arange(m)
    steps = cols if bug == "column i is output i" else np.asarray(t)
    z = logits[:, cols, steps]                                   # (n_y, m)
    if bug == "all steps":                                       # every output in every column
        z, cols, steps = logits.reshape(n_y, m * T), np.repeat(cols, T), np.tile(np.arange(T), m)
    axis = 1 if bug == "softmax over the batch" else 0
    e = np.exp(z) if bug == "overflow" else np.exp(z - z.max(axis=axis, keepdims=True))
    p = e / e.sum(axis=axis, keepdims=True)
    target = np.zeros_like(z)
    target[y[cols, steps], np.arange(z.shape[1])] = 1.0          # onehot(y<t_i>) per column
    g = {"loss gradient": p - target, "no softmax term": target,
         "probability, not its log": (p * target).sum(axis=0) * (target - p),
         "logits as probabilities": target - z,
         "target row only": target * (1 - p)}.get(bug, target - p)
    dz = np.zeros_like(logits)
    dz[:, cols, steps] = g
    return dz


def _mistake(bug):
    return lambda logits, y, t: _upstream(logits, y, t, bug)


def _case(n_y, m, T, t=None, scale=1.0):
    """Random logits (n_y, m, T) and targets; ``t`` a list, "diagonal" (t_i = i, m = T, the
    connectivity map's layout), "last" (every column's last step) or None (random)."""
    def make(r):
        if t == "diagonal":
            steps = np.arange(m)
        elif t == "last":
            steps = np.full(m, T - 1)
        else:
            steps = r.integers(0, T, size=m) if t is None else t
        return {"logits": r.normal(size=(n_y, m, T)) * scale,
                "y": r.integers(0, n_y, size=(m, T)), "t": np.array(steps)}
    return make


LOG_PROB_UPSTREAM = Exercise(
    name="log_prob_upstream",
    signature="log_prob_upstream(logits, y, t) -> dz",
    reference=_reference,
    source=log_prob_upstream,
    library_name="seqlab.lm.connectivity.log_prob_upstream",
    week="1",
    output_names=("dz",),
    cases=[
        Case("random, n_y=5, m=3, T=4, t = [2, 0, 3]", _case(5, 3, 4, [2, 0, 3])),
        Case("the connectivity map's layout: m = T = 4, column i carries output i",
             _case(6, 4, 4, "diagonal")),
        Case("every column's last step (last_step_influence's layout)", _case(5, 3, 6, "last")),
        Case("one column (m = 1)", _case(4, 1, 5, [3])),
        Case("random steps, n_y=7, m=5, T=6", _case(7, 5, 6)),
        Case("large logits (about 1000)", _case(5, 2, 3, [1, 2], scale=1000.0)),
    ],
    mistakes=[
        Mistake("loss gradient", _mistake("loss gradient"),
                "the sign is flipped: you returned softmax(z) - onehot(y), the gradient of the "
                "loss -log ŷ[y]. The map differentiates log ŷ<t>[y<t>] itself: onehot(y) - "
                "softmax(z) (the norms would hide the sign, but a sum of several outputs would "
                "not)."),
        Mistake("all steps", _mistake("all steps"),
                "every column carries the gradient of every step's log-probability (the whole "
                "text's log-likelihood). Column i must carry output t[i] only: dz[:, i, t[i]] = "
                "onehot(y[i, t[i]]) - softmax(logits[:, i, t[i]]), zero at every other step, "
                "or one backward pass mixes all outputs' gradients."),
        Mistake("column i is output i", _mistake("column i is output i"),
                "column i carries output t[i], not output i: use the t you are given (the "
                "connectivity map happens to have t = 0, 1, ..., T-1, but last_step_influence "
                "puts the last step T-1 in every column)."),
        Mistake("no softmax term", _mistake("no softmax term"),
                "only the one-hot part: ∂ log softmax(z)[y] / ∂z = onehot(y) - softmax(z). The "
                "- softmax(z) comes from the normaliser log Σ exp(z), which every logit enters."),
        Mistake("target row only", _mistake("target row only"),
                "only the target's row is non-zero: log ŷ[y] = z[y] - log Σ_k exp(z[k]) depends "
                "on every logit, so row k ≠ y gets -softmax(z)[k], not 0."),
        Mistake("probability, not its log", _mistake("probability, not its log"),
                "that is the gradient of the probability ŷ[y] (ŷ[y] * (onehot - softmax)); the "
                "map uses its log, whose gradient is onehot(y) - softmax(z): no factor ŷ[y]."),
        Mistake("logits as probabilities", _mistake("logits as probabilities"),
                "logits are not probabilities: apply the softmax over the n_y classes (axis 0) "
                "before subtracting, onehot(y) - softmax(z)."),
        Mistake("softmax over the batch", _mistake("softmax over the batch"),
                "the softmax is taken along the wrong axis: z = logits[:, i, t[i]] stacked is "
                "(n_y, m), one column per example, so normalise over axis 0, the classes."),
        Mistake("overflow", _mistake("overflow"),
                "np.exp overflows for large logits (exp(1000) = inf, and inf/inf = NaN): "
                "subtract each column's max before np.exp, softmax(z) = softmax(z - max z)."),
    ],
    hints=[
        "Start from zeros of logits' shape (n_y, m, T). Only one step per column is non-zero: "
        "column i at step t[i], where the gradient of log softmax(z)[y] is onehot(y) - softmax(z).",
        "cols = np.arange(m); z = logits[:, cols, t] is (n_y, m), one column per example; its "
        "targets are y[cols, t] (m,). Softmax over axis 0, with each column's max subtracted.",
        "p = np.exp(z - z.max(axis=0, keepdims=True)); p /= p.sum(axis=0, keepdims=True); "
        "onehot = np.zeros_like(z); onehot[y[cols, t], cols] = 1; dz = np.zeros_like(logits); "
        "dz[:, cols, t] = onehot - p; return dz",
    ],
)

EXERCISES = {ex.name: ex for ex in (LOG_PROB_UPSTREAM,)}
