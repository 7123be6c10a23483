"""Exercise of notebook 15 (error analysis of beam search): who is at fault for each error?

For the errors of a decoder (ŷ ≠ y*), :func:`search_at_fault` compares the human output y* and
the algorithm's output ŷ under the objective the search maximized, the length-normalized
log-probability (eq. 3 of :mod:`seqlab.seq2seq.beam`),

    score(y) = log P(y | x) / T_y^α        (α = 0: the lecture's plain comparison),

and says "search" where score(y*) > score(ŷ) (the model prefers y*, the search missed it) and
"model" otherwise (ties included: the model does not prefer y*). The library computes the same
column, ``fault_normalized``, in :func:`seqlab.seq2seq.error_analysis.error_analysis_from_scores`
(what ``reveal`` shows); the tests check that the reference below agrees with it.
"""

from __future__ import annotations

import numpy as np

from seqlab._validate import as_array, check_number, same_shape
from seqlab.exercises.core import Case, Exercise, Mistake
from seqlab.seq2seq.error_analysis import error_analysis_from_scores

__all__ = ["EXERCISES", "search_at_fault"]


def search_at_fault(log_p_ref, log_p_hat, T_ref, T_hat, alpha):
    """True where the search is at fault: log P(y*|x)/T*^α > log P(ŷ|x)/T̂^α.

    Parameters
    ----------
    log_p_ref, log_p_hat : float arrays (m,), log P(y*|x) and log P(ŷ|x) of m errors
    T_ref, T_hat : int arrays (m,), their lengths T_y (eos counted)
    alpha : float, the length-normalization exponent the search used (0: none)

    Returns
    -------
    bool array (m,)
    """
    f = "search_at_fault"
    lr = as_array(log_p_ref, f"{f}(log_p_ref)", ndim=(0, 1), symbols="(m,)")
    for name, v in (("log_p_ref", lr), ("log_p_hat", log_p_hat)):
        v = lr if name == "log_p_ref" else same_shape(v, lr, f"{f}({name})", "log_p_ref")
        if np.isnan(v).any() or (v > 0).any():
            raise ValueError(f"{f}({name}): expected log-probabilities <= 0 (not NaN), got "
                             f"{np.asarray(v).ravel()[:5].tolist()}")
    for name, T in (("T_ref", T_ref), ("T_hat", T_hat)):
        T = as_array(T, f"{f}({name})", "int", ndim=(0, 1), symbols="(m,) of lengths")
        same_shape(T, lr, f"{f}({name})", "log_p_ref")
        if (T < 1).any():
            raise ValueError(f"{f}({name}): expected lengths >= 1, got "
                             f"{np.asarray(T).ravel()[:5].tolist()}")
    check_number(alpha, f"{f}(alpha)", 0)
    return _fault(log_p_ref, log_p_hat, T_ref, T_hat, alpha)


def _fault(log_p_ref, log_p_hat, T_ref, T_hat, alpha, bug=None):
    lr, lh = np.asarray(log_p_ref, dtype=float), np.asarray(log_p_hat, dtype=float)
    tr, th = np.asarray(T_ref, dtype=float), np.asarray(T_hat, dtype=float)
    if bug == "no normalization":
        alpha = 0.0
    if bug == "mean per token":
        alpha = 1.0
    if bug == "multiplied":
        s_ref, s_hat = lr * tr ** alpha, lh * th ** alpha
    elif bug == "reference only":
        s_ref, s_hat = lr / tr ** alpha, lh
    else:
        s_ref, s_hat = lr / tr ** alpha, lh / th ** alpha       # (3) on both outputs
    if bug == "flipped":
        return s_ref < s_hat
    if bug == "ties to search":
        return s_ref >= s_hat
    return s_ref > s_hat                                        # (1): the model prefers y*


def _mistake(bug):
    return lambda *args: _fault(*args, bug=bug)


def _errors(m, alpha, ties=0):
    """m random errors: log-probabilities and lengths, ``ties`` rows with equal scores."""
    def make(r):
        T_ref = r.integers(3, 13, size=m)
        T_hat = r.integers(3, 13, size=m)
        lp_ref = -r.uniform(0.5, 3.0, size=m) * T_ref ** 0.8   # longer outputs: lower log P
        lp_hat = -r.uniform(0.5, 3.0, size=m) * T_hat ** 0.8
        T_hat[:ties] = T_ref[:ties]                             # same length and log P: a tie
        lp_hat[:ties] = lp_ref[:ties]
        return {"log_p_ref": lp_ref, "log_p_hat": lp_hat, "T_ref": T_ref, "T_hat": T_hat,
                "alpha": alpha}
    return make


def _normalization_case(r):
    """α = 1, one row per way of getting the normalization wrong."""
    return {"log_p_ref": np.array([-6.0, -9.0, -4.0]),
            "log_p_hat": np.array([-5.0, -6.0, -2.0]),
            "T_ref": np.array([2, 12, 4]), "T_hat": np.array([3, 4, 4]),
            "alpha": 1.0}


def _lecture_case(r):
    """The lecture's two situations and one where only the normalization decides."""
    return {"log_p_ref": np.array([-2.0, -6.0, -9.0, -4.0]),
            "log_p_hat": np.array([-5.0, -3.0, -6.0, -4.0]),
            "T_ref": np.array([5, 5, 12, 7]), "T_hat": np.array([5, 5, 4, 7]),
            "alpha": 0.0}


SEARCH_AT_FAULT = Exercise(
    name="search_at_fault",
    signature="search_at_fault(log_p_ref, log_p_hat, T_ref, T_hat, alpha) -> at_fault",
    reference=search_at_fault,
    source=error_analysis_from_scores,
    library_name="seqlab.seq2seq.error_analysis.error_analysis_from_scores",
    week="3",
    output_names=("at_fault",),
    cases=[
        Case("α = 0, the lecture's table: search (1), model (2), a tie counts for the model",
             _lecture_case),
        Case("α = 0, 12 random errors with 2 ties", _errors(12, 0.0, ties=2)),
        Case("α = 1: -6/2 < -5/3 (model), -9/12 > -6/4 (search), -4/4 < -2/4 (model)",
             _normalization_case),
        Case("α = 0.7, 30 random errors of different lengths", _errors(30, 0.7)),
        Case("α = 1 (mean log-probability per token), 12 random errors", _errors(12, 1.0)),
        Case("α = 0.5, one error (m = 1)", lambda r: {
            "log_p_ref": np.array([-6.0]), "log_p_hat": np.array([-4.0]),
            "T_ref": np.array([9]), "T_hat": np.array([3]), "alpha": 0.5}),
    ],
    mistakes=[
        Mistake("flipped", _mistake("flipped"),
                "the search is at fault when the model gives the HUMAN output y* the higher "
                "score, P(y*|x) > P(ŷ|x): it would have preferred y*, but the search did not "
                "find it (1). You flipped the comparison."),
        Mistake("ties to search", _mistake("ties to search"),
                "on a tie, P(y*|x) = P(ŷ|x), the model does not prefer y*, so the model is at "
                "fault (2): use a strict >, not >=."),
        Mistake("mean per token", _mistake("mean per token"),
                "you divided by T_y itself; the objective divides by T_y^α (with α = 0 there "
                "is no normalization at all): use T ** alpha."),
        Mistake("no normalization", _mistake("no normalization"),
                "with α > 0 the search ranked its outputs by log P(y|x) / T_y^α; compare y* "
                "and ŷ on that same objective, not on log P alone."),
        Mistake("multiplied", _mistake("multiplied"),
                "the length-normalized score DIVIDES by T_y^α: log P(y|x) / T_y^α (3); you "
                "multiplied (or divided each log-probability by the OTHER output's length, "
                "which gives the same comparison)."),
        Mistake("reference only", _mistake("reference only"),
                "normalize both outputs: log P(y*|x) / T*^α against log P(ŷ|x) / T̂^α."),
    ],
    hints=[
        "The search is at fault when the model scores the human output higher: "
        "score(y*) > score(ŷ), with score(y) = log P(y|x) / T_y^α (the objective the search "
        "maximized; α = 0 gives the lecture's plain log P).",
        "Work on whole arrays: s_ref = log_p_ref / T_ref ** alpha (NumPy broadcasts), the "
        "same for ŷ, then one comparison gives a boolean array (m,). A tie is the model's "
        "fault: use >.",
        "return np.asarray(log_p_ref) / np.asarray(T_ref, dtype=float) ** alpha > "
        "np.asarray(log_p_hat) / np.asarray(T_hat, dtype=float) ** alpha",
    ],
)

EXERCISES = {ex.name: ex for ex in (SEARCH_AT_FAULT,)}
