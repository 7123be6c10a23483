"""Exercises of notebook 26 (week 4, the Transformer on real tasks): the warm-up learning rate
of "Attention Is All You Need" and the label-smoothed target distribution.

``transformer_lr(step, d_model, warmup_steps)`` is eq. (1) of
:mod:`seqlab.transformer.schedule` with factor 1; ``smooth_labels(y, V, epsilon)`` is eq. (1)
of :mod:`seqlab.transformer.label_smoothing`: q = (1 - ε) onehot(y) + ε / V, torch's convention.
Each known mistake is one bug in an otherwise right function, with the checker's message.
"""

from __future__ import annotations

import numpy as np

from seqlab.exercises.core import Case, Exercise, Mistake
from seqlab.transformer.label_smoothing import label_smoothed_cross_entropy
from seqlab.transformer.schedule import transformer_lr as _library_lr

# ----------------------------------------------------------------------------- transformer_lr


def _lr_reference(step, d_model, warmup_steps):
    return _library_lr(int(step), int(d_model), int(warmup_steps))


def _lr(step, d, w, bug=None):
    s = float(step)
    if bug == "no warm-up":
        return d ** -0.5 * s ** -0.5
    rise = {"warmup^-0.5": s * w ** -0.5, "no step in the warm-up": w ** -1.5}.get(bug,
                                                                                  s * w ** -1.5)
    pick = max if bug == "max for min" else min
    scale = {"times sqrt(d_model)": d ** 0.5, "no d_model": 1.0}.get(bug, d ** -0.5)
    return scale * pick(s ** -0.5, rise)


def _lr_mistake(bug):
    return lambda step, d_model, warmup_steps: _lr(step, d_model, warmup_steps, bug)


def _lr_case(step, d, w):
    return lambda r: {"step": step, "d_model": d, "warmup_steps": w}


def _random_lr_case(r, low, high):
    """A random d_model and warm-up, and a step between low and high times the warm-up."""
    warmup = int(r.integers(100, 5000))
    step = max(1, int(warmup * r.uniform(low, high)))
    return _lr_case(step, int(r.choice([32, 64, 128, 256, 512])), warmup)(r)


TRANSFORMER_LR = Exercise(
    name="transformer_lr",
    signature="transformer_lr(step, d_model, warmup_steps) -> lrate",
    reference=_lr_reference,
    source=_library_lr,
    library_name="seqlab.transformer.transformer_lr",
    week="4",
    output_names=("lrate",),
    rtol=1e-9, atol=0.0,
    cases=[
        Case("the paper, after the warm-up: step 10000, d_model 512, warmup 4000",
             _lr_case(10000, 512, 4000)),
        Case("the paper, during the warm-up: step 1", _lr_case(1, 512, 4000)),
        Case("the peak: step = warmup = 400, d_model 64", _lr_case(400, 64, 400)),
        Case("step 100 of 400, d_model 64", _lr_case(100, 64, 400)),
        Case("step 3000, d_model 64, warmup 400", _lr_case(3000, 64, 400)),
    ],
    hidden_cases=[Case("a random step during the warm-up", lambda r: _random_lr_case(r, 0.0, 1.0)),
                  Case("a random step after the warm-up", lambda r: _random_lr_case(r, 1.0, 5.0))],
    mistakes=[
        Mistake("no warm-up", _lr_mistake("no warm-up"),
                "there is no warm-up: the rate is the MINIMUM of the decay step^-0.5 and the "
                "linear rise step · warmup_steps^-1.5, so early steps are tiny."),
        Mistake("max for min", _lr_mistake("max for min"),
                "take the min of the two branches, not the max: the rate rises linearly while "
                "step < warmup_steps and decays as step^-0.5 after."),
        Mistake("warmup^-0.5", _lr_mistake("warmup^-0.5"),
                "the rising branch is step · warmup_steps^-1.5 (so that both branches meet at "
                "step = warmup_steps); you used warmup_steps^-0.5."),
        Mistake("no step in the warm-up", _lr_mistake("no step in the warm-up"),
                "the rising branch grows with the step: step · warmup_steps^-1.5, not "
                "warmup_steps^-1.5 alone."),
        Mistake("times sqrt(d_model)", _lr_mistake("times sqrt(d_model)"),
                "the factor is d_model^-0.5 (1/√d_model): larger models take smaller steps. "
                "You multiplied by √d_model."),
        Mistake("no d_model", _lr_mistake("no d_model"),
                "the factor d_model^-0.5 in front is missing."),
    ],
    hints=[
        "Two branches: a linear rise step · warmup_steps^-1.5 and a decay step^-0.5; the "
        "smaller of the two wins, then everything is scaled by d_model^-0.5.",
        "Check your formula at step = warmup_steps: both branches equal warmup_steps^-0.5 and "
        "the rate peaks at 1 / √(d_model · warmup_steps).",
        "return d_model ** -0.5 * min(step ** -0.5, step * warmup_steps ** -1.5)",
    ],
)

# ------------------------------------------------------------------------------ smooth_labels


def _smooth_reference(y, V, epsilon):
    """q from the library's loss: its gradient at logits 0 is (1/V - q)/N per position."""
    y = np.asarray(y)
    logits = np.zeros((1, y.shape[0], V))
    _, dlogits = label_smoothed_cross_entropy(logits, y[None], epsilon, ignore_id=None)
    return 1.0 / V - dlogits[0] * y.shape[0]                   # (m, V)


def _smooth(y, V, eps, bug=None):
    onehot = np.eye(V)[np.asarray(y)]                          # (m, V)
    if bug == "eps/(V-1) on the others":
        q = (1 - eps) * onehot + eps / (V - 1) * (1 - onehot)
    elif bug == "no 1 - eps":
        q = onehot + eps / V
    elif bug == "eps only on the others":
        q = (1 - eps) * onehot + eps / V * (1 - onehot)
    elif bug == "eps not divided by V":
        q = (1 - eps) * onehot + eps
    elif bug == "inverted one-hot":
        q = (1 - eps) * (1 - onehot) + eps / V
    else:
        q = (1 - eps) * onehot + eps / V
    return q.T if bug == "transposed" else q


def _smooth_mistake(bug):
    return lambda y, V, epsilon: _smooth(y, V, epsilon, bug)


SMOOTH_LABELS = Exercise(
    name="smooth_labels",
    signature="smooth_labels(y, V, epsilon) -> q (m, V)",
    reference=_smooth_reference,
    source=label_smoothed_cross_entropy,
    library_name="seqlab.transformer.label_smoothed_cross_entropy",
    week="4",
    output_names=("q",),
    cases=[
        Case("y = [0, 2, 1], V = 4, ε = 0.1", lambda r: {
            "y": np.array([0, 2, 1]), "V": 4, "epsilon": 0.1}),
        Case("ε = 0: the one-hot targets", lambda r: {
            "y": np.array([3, 0]), "V": 5, "epsilon": 0.0}),
        Case("5 random labels, V = 13, ε = 0.2", lambda r: {
            "y": r.integers(0, 13, 5), "V": 13, "epsilon": 0.2}),
        Case("one label (m = 1), V = 3, ε = 0.5", lambda r: {
            "y": np.array([2]), "V": 3, "epsilon": 0.5}),
    ],
    mistakes=[
        Mistake("eps/(V-1) on the others", _smooth_mistake("eps/(V-1) on the others"),
                "that is the other convention (ε/(V-1) on the wrong tokens only). Here, as in "
                "torch's cross_entropy(label_smoothing=ε), ε/V goes to EVERY token, the right "
                "one included: q = (1 - ε) onehot + ε/V."),
        Mistake("no 1 - eps", _smooth_mistake("no 1 - eps"),
                "the right token's one-hot must shrink to 1 - ε, or the row sums to 1 + ε: "
                "q = (1 - ε) onehot + ε/V."),
        Mistake("eps only on the others", _smooth_mistake("eps only on the others"),
                "ε/V goes to every token, the right one too (its target is 1 - ε + ε/V); "
                "otherwise the row sums to 1 - ε/V."),
        Mistake("eps not divided by V", _smooth_mistake("eps not divided by V"),
                "ε is spread over the V tokens: each gets ε/V, not ε."),
        Mistake("inverted one-hot", _smooth_mistake("inverted one-hot"),
                "the 1 - ε goes to the RIGHT token y, not to all the others: (1 - ε) · "
                "onehot(y), with onehot(y)[i, v] = 1 where v == y[i]."),
        Mistake("transposed", _smooth_mistake("transposed"),
                "return one row per label: shape (m, V), not (V, m)."),
    ],
    hints=[
        "Start from the one-hot matrix (m, V): np.eye(V)[y] picks row y[i] of the identity "
        "for every label.",
        "Scale it by 1 - ε and add ε/V everywhere (broadcasting a scalar): every row then sums "
        "to (1 - ε) + V · ε/V = 1.",
        "return (1 - epsilon) * np.eye(V)[y] + epsilon / V",
    ],
)

EXERCISES = {ex.name: ex for ex in (TRANSFORMER_LR, SMOOTH_LABELS)}
