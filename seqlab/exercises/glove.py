"""Exercises of notebook 09 (GloVe): the weighting function f and the loss terms.

``weighting_function(x, x_max, alpha)`` is :func:`seqlab.embeddings.glove_model.weighting`
(eq. 2); ``glove_loss_terms(w_i, w_tilde_j, b_i, b_tilde_j, X_ij, x_max, alpha)`` returns, for
B pairs at once, the B terms f(X_ij) (w_i·w̃_j + b_i + b̃_j - log X_ij)² whose sum is J (eqs. 3-4);
its reference is :func:`seqlab.embeddings.glove_model.glove_forward` run on those B pairs.
Each known mistake is the whole function written once with one bug switched on.
"""

from __future__ import annotations

import numpy as np

from seqlab.embeddings.glove_model import glove_forward, weighting
from seqlab.exercises.core import Case, Exercise, Mistake

# ----------------------------------------------------------------------- weighting_function


def _weighting(x, x_max, alpha, bug=None):
    """f(x) (eq. 2) in plain NumPy with one known ``bug`` switched on."""
    x = np.asarray(x, dtype=float)
    if bug == "python if":
        if x < x_max:  # raises on an array: "The truth value of an array ... is ambiguous"
            return (x / x_max) ** alpha
        return np.ones_like(x)
    with np.errstate(divide="ignore"):
        below = {"no alpha": x / x_max, "alpha outside": x ** alpha / x_max,
                 "inverted ratio": (x_max / x) ** alpha,
                 "not divided": np.minimum(x, x_max) ** alpha}.get(bug, (x / x_max) ** alpha)
    if bug == "no cap":
        return below
    if bug == "branches swapped":
        return np.where(x < x_max, 1.0, below)
    return np.where(x < x_max, below, 1.0)


def _weighting_case(shape, low, high, x_max, alpha, zero=False):
    def make(r):
        x = r.uniform(low, high, size=shape)
        if zero:
            x.flat[0], x.flat[-1] = 0.0, x_max          # f(0) = 0 and the boundary f(x_max) = 1
        return {"x": x, "x_max": x_max, "alpha": alpha}
    return make


def _weighting_mistake(bug):
    return lambda x, x_max, alpha: _weighting(x, x_max, alpha, bug)


WEIGHTING_FUNCTION = Exercise(
    name="weighting_function",
    signature="weighting_function(x, x_max, alpha) -> f",
    reference=lambda x, x_max, alpha: weighting(x, x_max, alpha),
    source=weighting,
    library_name="seqlab.embeddings.glove_model.weighting",
    week="2",
    output_names=("f",),
    cases=[
        Case("all x below x_max (x_max = 100, α = 0.75)", _weighting_case((6,), 0.5, 90, 100,
                                                                          0.75)),
        Case("x from 0 to 3·x_max, with x = 0 and x = x_max", _weighting_case((8,), 0, 30, 10,
                                                                               0.75, zero=True)),
        Case("α = 0.5, x_max = 50, a 2-D array", _weighting_case((3, 4), 1, 120, 50, 0.5)),
        Case("α = 1: f is linear below x_max", _weighting_case((5,), 1, 200, 100, 1.0)),
    ],
    mistakes=[
        Mistake("no cap", _weighting_mistake("no cap"),
                "f must stop growing at x_max: f(x) = 1 for x >= x_max (eq. 2). Without the cap "
                "the most frequent pairs (\"of the\") would dominate J."),
        Mistake("branches swapped", _weighting_mistake("branches swapped"),
                "the two branches are swapped: (x / x_max)^α applies BELOW x_max, and f = 1 "
                "from x_max on."),
        Mistake("no alpha", _weighting_mistake("no alpha"),
                "the ratio x / x_max is raised to the power α: f(x) = (x / x_max)^α below "
                "x_max."),
        Mistake("alpha outside", _weighting_mistake("alpha outside"),
                "the power applies to the ratio, (x / x_max)^α, not to x alone (x^α / x_max)."),
        Mistake("inverted ratio", _weighting_mistake("inverted ratio"),
                "the ratio is upside down: f(x) = (x / x_max)^α grows from f(0) = 0 to 1; "
                "(x_max / x)^α gives the rare pairs the largest weight."),
        Mistake("not divided", _weighting_mistake("not divided"),
                "divide by x_max: f(x) = (x / x_max)^α lies in [0, 1]; x^α alone is not a "
                "weight between 0 and 1."),
        Mistake("python if", _weighting_mistake("python if"),
                "x is an array: a Python `if x < x_max:` cannot decide for every entry at once. "
                "Use np.where(x < x_max, (x / x_max) ** alpha, 1.0) (or np.minimum)."),
    ],
    hints=[
        "Eq. (2): f(x) = (x / x_max)^α when x < x_max, and 1 otherwise; f(0) = 0.",
        "x is a whole array: choose per entry with np.where(condition, value_if_true, "
        "value_if_false), or cap with np.minimum(..., 1.0).",
        "return np.where(x < x_max, (x / x_max) ** alpha, 1.0)",
    ],
)

# ------------------------------------------------------------------------- glove_loss_terms


def _terms_reference(w_i, w_tilde_j, b_i, b_tilde_j, X_ij, x_max, alpha):
    """The library's J (glove_forward) evaluated pair by pair, as a (B,) array."""
    B = w_i.shape[0]
    params = {"W": w_i, "W_tilde": w_tilde_j, "b": b_i, "b_tilde": b_tilde_j}
    _, cache = glove_forward(params, np.arange(B), np.arange(B), X_ij, x_max, alpha)
    return cache.f * cache.diff ** 2                           # (B,) the terms of J, eq. (4)


def _terms(w_i, w_tilde_j, b_i, b_tilde_j, X_ij, x_max, alpha, bug=None):
    """The B terms of J in plain NumPy with one known ``bug`` switched on."""
    f = np.where(X_ij < x_max, (X_ij / x_max) ** alpha, 1.0)
    dot = w_i @ w_tilde_j.T if bug == "matrix product" else (w_i * w_tilde_j).sum(axis=1)
    target = {"X not log": X_ij, "plus log": -np.log(X_ij)}.get(bug, np.log(X_ij))
    diff = dot + b_i + (0 if bug == "no context bias" else b_tilde_j) - target
    terms = {"no weighting": diff ** 2, "no square": f * diff, "f squared": (f * diff) ** 2,
             "half": 0.5 * f * diff ** 2}.get(bug, f * diff ** 2)
    return terms.sum() if bug == "summed" else terms


def _terms_mistake(bug):
    return lambda w_i, w_tilde_j, b_i, b_tilde_j, X_ij, x_max, alpha: _terms(
        w_i, w_tilde_j, b_i, b_tilde_j, X_ij, x_max, alpha, bug)


def _terms_case(B, d, x_low, x_high, x_max=100.0, alpha=0.75, zero_bias=False):
    def make(r):
        b = r.normal(size=(2, B)) * (0 if zero_bias else 0.5)
        return {"w_i": r.normal(size=(B, d)) * 0.5, "w_tilde_j": r.normal(size=(B, d)) * 0.5,
                "b_i": b[0], "b_tilde_j": b[1], "X_ij": r.uniform(x_low, x_high, size=B),
                "x_max": x_max, "alpha": alpha}
    return make


GLOVE_LOSS_TERMS = Exercise(
    name="glove_loss_terms",
    signature="glove_loss_terms(w_i, w_tilde_j, b_i, b_tilde_j, X_ij, x_max, alpha) -> terms",
    reference=_terms_reference,
    source=glove_forward,
    library_name="seqlab.embeddings.glove_model.glove_forward",
    week="2",
    output_names=("terms",),
    cases=[
        Case("b = b̃ = 0: only w_i·w̃_j - log X_ij", _terms_case(5, 3, 0.5, 80, zero_bias=True),
             isolates="w_i·w̃_j - log X_ij"),
        Case("B = 6 pairs, d = 4, X_ij below and above x_max = 10",
             _terms_case(6, 4, 0.2, 30, x_max=10.0)),
        Case("one pair (B = 1)", _terms_case(1, 5, 1, 50)),
        Case("α = 0.5, B = 7", _terms_case(7, 2, 0.5, 200, alpha=0.5)),
    ],
    mistakes=[
        Mistake("no weighting", _terms_mistake("no weighting"),
                "each term is weighted by f(X_ij) (eq. 4): terms = f * diff², not diff²."),
        Mistake("X not log", _terms_mistake("X not log"),
                "the dot product predicts the LOG of the count: subtract log X_ij (np.log), "
                "not X_ij itself (eq. 3)."),
        Mistake("plus log", _terms_mistake("plus log"),
                "the sign of log X_ij: diff = w_i·w̃_j + b_i + b̃_j - log X_ij (eq. 3); you added "
                "it."),
        Mistake("no square", _terms_mistake("no square"),
                "the residual is squared: f(X_ij) * diff ** 2 (eq. 4)."),
        Mistake("f squared", _terms_mistake("f squared"),
                "only the residual is squared: f * diff ** 2, not (f * diff) ** 2."),
        Mistake("half", _terms_mistake("half"),
                "no factor ½: the lecture's J = Σ f(X_ij)(...)² (eq. 4). (GloVe's C code "
                "minimizes ½J; the minimum is the same, but the values differ.)"),
        Mistake("no context bias", _terms_mistake("no context bias"),
                "both biases enter: diff = w_i·w̃_j + b_i + b̃_j - log X_ij; b̃_j (b_tilde_j) is "
                "missing."),
        Mistake("summed", _terms_mistake("summed"),
                "return the B terms, one per pair (shape (B,)), not their sum J."),
        Mistake("matrix product", _terms_mistake("matrix product"),
                "w_i @ w_tilde_j.T pairs every row with every row (B, B); pair k needs only "
                "its own dot product: (w_i * w_tilde_j).sum(axis=1), shape (B,)."),
    ],
    hints=[
        "Eqs. (2)-(4): f = f(X_ij); diff = w_i·w̃_j + b_i + b̃_j - log X_ij; term = f · diff², "
        "one per pair, shape (B,).",
        "Row k's dot product is (w_i * w_tilde_j).sum(axis=1)[k]; f is your weighting_function "
        "(np.where(X_ij < x_max, (X_ij / x_max) ** alpha, 1.0)).",
        "f = np.where(X_ij < x_max, (X_ij / x_max) ** alpha, 1.0); diff = (w_i * w_tilde_j)"
        ".sum(axis=1) + b_i + b_tilde_j - np.log(X_ij); return f * diff ** 2",
    ],
)

EXERCISES = {ex.name: ex for ex in (WEIGHTING_FUNCTION, GLOVE_LOSS_TERMS)}
