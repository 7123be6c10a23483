"""Exercises of notebook 08 (word2vec): the negative-sampling loss and its gradient.

Both use the library's shapes (:mod:`seqlab.embeddings.negative_sampling`): e_c and theta_t
(n_e, m), theta_neg (n_e, m, k); the loss is the MEAN over the m pairs of
J = -log σ(θ_tᵀ e_c) - Σ_i log σ(-θ_t'ᵢᵀ e_c). Each known mistake is the whole function
written once (``_loss`` / ``_grad`` with one bug switched on).
"""

from __future__ import annotations

import numpy as np

from seqlab.embeddings.negative_sampling import (
    negative_sampling_backward,
    negative_sampling_forward,
)
from seqlab.exercises.core import Case, Exercise, Mistake


def _log_sigmoid(z):
    return -np.logaddexp(0.0, -z)                # log σ(z), stable


def _sig(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def _scores(e_c, theta_t, theta_neg):
    return (theta_t * e_c).sum(axis=0), np.einsum("dmk,dm->mk", theta_neg, e_c)


def negative_sampling_loss_reference(e_c, theta_t, theta_neg):
    """J of (2), the mean over the m pairs (the library's forward)."""
    return negative_sampling_forward(e_c, theta_t, theta_neg)[0]


def _loss(e_c, theta_t, theta_neg, bug=None):
    s_pos, s_neg = _scores(e_c, theta_t, theta_neg)
    m = e_c.shape[1]
    pos = _sig(s_pos) if bug == "no log" else _log_sigmoid(s_pos)
    if bug == "no log":
        neg = _sig(-s_neg).sum(axis=1)
    elif bug == "negatives not negated":
        neg = _log_sigmoid(s_neg).sum(axis=1)
    elif bug == "sum inside sigmoid":
        neg = _log_sigmoid(-s_neg.sum(axis=1))
    elif bug == "mean over negatives":
        neg = _log_sigmoid(-s_neg).mean(axis=1)
    else:
        neg = _log_sigmoid(-s_neg).sum(axis=1)
    if bug == "no positive term":
        pos = 0 * pos
    total = (pos + neg).sum()
    if bug == "no minus":
        return float(total) / m
    return float(-total) if bug == "sum not mean" else float(-total) / m


def _loss_mistake(bug):
    return lambda e_c, theta_t, theta_neg: _loss(e_c, theta_t, theta_neg, bug)


def _case(n_e, m, k, zero=None):
    def make(r):
        args = {"e_c": r.normal(size=(n_e, m)), "theta_t": r.normal(size=(n_e, m)),
                "theta_neg": r.normal(size=(n_e, m, k))}
        if zero:
            args[zero] = np.zeros_like(args[zero])
        return args
    return make


NEGATIVE_SAMPLING_LOSS = Exercise(
    name="negative_sampling_loss",
    signature="negative_sampling_loss(e_c, theta_t, theta_neg) -> J",
    reference=negative_sampling_loss_reference,
    source=negative_sampling_forward,
    library_name="seqlab.embeddings.negative_sampling.negative_sampling_forward",
    week="2",
    output_names=("J",),
    cases=[
        Case("random, n_e=4, m=3, k=5", _case(4, 3, 5)),
        Case("theta_t = 0: only the negatives' terms vary", _case(4, 3, 5, "theta_t"),
             isolates="-Σ log σ(-θ_t'ᵀ e_c)"),
        Case("theta_neg = 0: only the true pair's term varies", _case(4, 3, 5, "theta_neg"),
             isolates="-log σ(θ_tᵀ e_c)"),
        Case("one pair, one negative (m = k = 1)", _case(3, 1, 1)),
        Case("m = 6, k = 2", _case(5, 6, 2)),
    ],
    mistakes=[
        Mistake("negatives not negated", _loss_mistake("negatives not negated"),
                "a negative word t' must get a LOW score: its term is log σ(-θ_t'ᵀ e_c), with a "
                "minus inside the sigmoid; you used σ(+θ_t'ᵀ e_c)."),
        Mistake("no minus", _loss_mistake("no minus"),
                "that is the log-likelihood; the loss is its negative, J = -log σ(θ_tᵀ e_c) - "
                "Σ log σ(-θ_t'ᵀ e_c), which is >= 0 and goes down as the model improves."),
        Mistake("sum not mean", _loss_mistake("sum not mean"),
                "right terms, but summed over the m pairs: return the MEAN (divide by m = "
                "e_c.shape[1])."),
        Mistake("no log", _loss_mistake("no log"),
                "the loss takes the LOG of each probability: -log σ(s), not -σ(s)."),
        Mistake("sum inside sigmoid", _loss_mistake("sum inside sigmoid"),
                "each negative is its own binary classifier: sum the k terms log σ(-sᵢ), not "
                "log σ(-Σ sᵢ)."),
        Mistake("mean over negatives", _loss_mistake("mean over negatives"),
                "the k negative terms are summed, not averaged: Σ_i log σ(-θ_t'ᵢᵀ e_c)."),
        Mistake("no positive term", _loss_mistake("no positive term"),
                "the true target's term -log σ(θ_tᵀ e_c) is missing: without it nothing pulls "
                "real neighbours together."),
    ],
    hints=[
        "Two kinds of scores: s⁺ = θ_tᵀ e_c per pair (m,) and sᵢ = θ_t'ᵢᵀ e_c per pair and "
        "negative (m, k). The true pair should score high, the negatives low.",
        "J = -(1/m) Σ_pairs [log σ(s⁺) + Σ_i log σ(-sᵢ)]. A stable log σ(z) is "
        "-np.logaddexp(0, -z).",
        "s_pos = (theta_t * e_c).sum(axis=0); s_neg = np.einsum('dmk,dm->mk', theta_neg, e_c); "
        "log_sig = lambda z: -np.logaddexp(0, -z); return -(log_sig(s_pos).sum() + "
        "log_sig(-s_neg).sum()) / e_c.shape[1]",
    ],
)


def negative_sampling_grad_reference(e_c, theta_t, theta_neg):
    """(de_c, dtheta_t, dtheta_neg) of the mean loss (6-8)."""
    return negative_sampling_backward(negative_sampling_forward(e_c, theta_t, theta_neg)[1])


def _grad(e_c, theta_t, theta_neg, bug=None):
    s_pos, s_neg = _scores(e_c, theta_t, theta_neg)
    m = 1 if bug == "no 1/m" else e_c.shape[1]
    g_pos = (1 - _sig(s_pos) if bug == "positive sign" else _sig(s_pos) - 1) / m
    g_neg = {"negatives minus one": _sig(s_neg) - 1,
             "sigma of minus s": _sig(-s_neg)}.get(bug, _sig(s_neg)) / m
    de_c = g_pos * theta_t
    if bug != "de_c without negatives":
        de_c = de_c + np.einsum("mk,dmk->dm", g_neg, theta_neg)
    dtheta_t = g_pos * (theta_t if bug == "dtheta_t from theta" else e_c)
    dtheta_neg = g_neg[None] * e_c[:, :, None]
    return de_c, dtheta_t, dtheta_neg


def _grad_mistake(bug):
    return lambda e_c, theta_t, theta_neg: _grad(e_c, theta_t, theta_neg, bug)


NEGATIVE_SAMPLING_GRAD = Exercise(
    name="negative_sampling_grad",
    signature="negative_sampling_grad(e_c, theta_t, theta_neg) -> (de_c, dtheta_t, dtheta_neg)",
    reference=negative_sampling_grad_reference,
    source=negative_sampling_backward,
    library_name="seqlab.embeddings.negative_sampling.negative_sampling_backward",
    week="2",
    output_names=("de_c", "dtheta_t", "dtheta_neg"),
    float32_ok=False,
    steps=[("dtheta_t", "dθ_t = g⁺ e_c with g⁺ = ∂J/∂s⁺ = (σ(s⁺) - 1)/m (6)."),
           ("dtheta_neg", "dθ_t is right (so g⁺ is): dθ_t'ᵢ = gᵢ e_c with gᵢ = ∂J/∂sᵢ = "
            "σ(sᵢ)/m (8)."),
           ("de_c", "dθ_t and dθ_neg are right (so g⁺ and gᵢ are): de_c = g⁺ θ_t + "
            "Σ_i gᵢ θ_t'ᵢ (7), e_c is in every score.")],
    cases=[
        Case("theta_neg = 0: the negatives' pull on e_c vanishes", _case(4, 3, 5, "theta_neg"),
             isolates="(σ(s⁺) - 1) θ_t"),
        Case("theta_t = 0: the true target's pull on e_c vanishes", _case(4, 3, 5, "theta_t"),
             isolates="Σ σ(sᵢ) θ_t'ᵢ"),
        Case("random, n_e=4, m=3, k=5", _case(4, 3, 5)),
        Case("one pair, one negative (m = k = 1)", _case(3, 1, 1)),
        Case("m = 6, k = 2", _case(5, 6, 2)),
    ],
    mistakes=[
        Mistake("positive sign", _grad_mistake("positive sign"),
                "∂J/∂s⁺ = σ(s⁺) - 1 (negative: raising the true score lowers J); you used "
                "1 - σ(s⁺)."),
        Mistake("negatives minus one", _grad_mistake("negatives minus one"),
                "for a negative, J has -log σ(-sᵢ), whose derivative is ∂J/∂sᵢ = σ(sᵢ), "
                "not σ(sᵢ) - 1 (that is the true pair's)."),
        Mistake("sigma of minus s", _grad_mistake("sigma of minus s"),
                "∂/∂sᵢ [-log σ(-sᵢ)] = σ(sᵢ) (chain rule: σ'(z)/σ(z) = 1 - σ(z), and the "
                "inner minus flips it); you wrote σ(-sᵢ)."),
        Mistake("no 1/m", _grad_mistake("no 1/m"),
                "the loss is a mean over the m pairs, so every gradient carries 1/m."),
        Mistake("de_c without negatives", _grad_mistake("de_c without negatives"),
                "e_c appears in every negative's score too: de_c = (σ(s⁺) - 1) θ_t + "
                "Σ_i σ(sᵢ) θ_t'ᵢ."),
        Mistake("dtheta_t from theta", _grad_mistake("dtheta_t from theta"),
                "s⁺ = θ_tᵀ e_c, so ∂s⁺/∂θ_t = e_c: dθ_t = (σ(s⁺) - 1) e_c, not times θ_t."),
    ],
    hints=[
        "Work with the scores: g⁺ = ∂J/∂s⁺ = (σ(s⁺) - 1)/m (m,) and gᵢ = ∂J/∂sᵢ = σ(sᵢ)/m "
        "(m, k). Then each score is a dot product, s = θᵀ e, whose gradients are the other "
        "vector.",
        "de_c = g⁺ θ_t + Σ_i gᵢ θ_t'ᵢ; dθ_t = g⁺ e_c; dθ_t'ᵢ = gᵢ e_c. Shapes: (n_e, m), "
        "(n_e, m), (n_e, m, k).",
        "g_pos = (sig(s_pos) - 1) / m; g_neg = sig(s_neg) / m; de_c = g_pos * theta_t + "
        "np.einsum('mk,dmk->dm', g_neg, theta_neg); dtheta_t = g_pos * e_c; dtheta_neg = "
        "g_neg[None] * e_c[:, :, None]",
    ],
)

EXERCISES = {ex.name: ex for ex in (NEGATIVE_SAMPLING_LOSS, NEGATIVE_SAMPLING_GRAD)}
