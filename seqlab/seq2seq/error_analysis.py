r"""Error analysis of beam search: is the search or the model at fault?

*Sequence Models*, week 3, "Error analysis in beam search": the model computes P(y|x), the
search looks for its argmax. For an example the decoder got wrong (ŷ ≠ y*, the human
reference), compare the two under the model:

.. math::

    (1)\quad P(y^* \mid x) > P(\hat y \mid x): \text{ the model prefers } y^* \text{ but the
        search returned } \hat y \Rightarrow \text{the **search** is at fault}

    (2)\quad P(y^* \mid x) \le P(\hat y \mid x): \text{ the model ranks the wrong } \hat y
        \text{ at least as high} \Rightarrow \text{the **model** is at fault}

and count, over a dev set, the fraction of errors due to each: a larger beam helps only with
(1); more data, regularization or another architecture only with (2).

With length normalization the search maximizes :math:`\log P(y|x) / T_y^{\alpha}` instead of
:math:`\log P(y|x)`, so the same comparison is made on that objective too (``*_normalized``):
an error is the search's when the reference scores higher *by the objective the search
optimized*.

Shapes
------
==========  ===========================  ==============================================
name        type                         meaning
==========  ===========================  ==============================================
inputs      list of m sources x          whatever ``log_prob`` takes as its x
references  list of m token lists        y*, as scored (eos last)
predictions list of m token lists        ŷ from the decoder, as scored (eos last)
log_prob    callable (x, y) -> float     log P(y | x) under the model
==========  ===========================  ==============================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from seqlab._validate import check_bool, check_callable, check_choice, check_int, check_sequence
from seqlab.seq2seq.beam import _check_alpha, _score
from seqlab.seq2seq.search import sequence_log_prob

__all__ = ["ErrorAnalysis", "ErrorRow", "error_analysis", "error_analysis_from_scores",
           "teacher_forcing_scorer"]


class ErrorRow(NamedTuple):
    """One error of the decoder (ŷ ≠ y*), as in the lecture's table."""

    index: int
    reference: list         # y*
    prediction: list        # ŷ
    log_p_ref: float        # log P(y* | x)
    log_p_hat: float        # log P(ŷ | x)
    score_ref: float        # log P(y* | x) / |y*|^α
    score_hat: float        # log P(ŷ | x) / |ŷ|^α
    fault: str              # "search" (1) or "model" (2), on log P
    fault_normalized: str   # the same on the length-normalized score


@dataclass
class ErrorAnalysis:
    """The table (``rows``, errors only) and the fractions of errors due to each."""

    rows: list
    n_examples: int
    alpha: float

    @property
    def n_errors(self) -> int:
        return len(self.rows)

    def fraction(self, fault: str, normalized: bool = False) -> float:
        """Fraction of the errors attributed to ``fault`` ("search" or "model")."""
        check_choice(fault, ("search", "model"), "ErrorAnalysis.fraction(fault)")
        check_bool(normalized, "ErrorAnalysis.fraction(normalized)")
        if not self.rows:
            return 0.0
        key = "fault_normalized" if normalized else "fault"
        return sum(getattr(r, key) == fault for r in self.rows) / len(self.rows)

    @property
    def fraction_search(self) -> float:
        return self.fraction("search")

    @property
    def fraction_model(self) -> float:
        return self.fraction("model")

    def summary(self) -> str:
        """Counts and fractions, with and without length normalization."""
        lines = [f"{self.n_errors} errors in {self.n_examples} examples"]
        for norm, name in ((False, "on log P(y|x)"),
                           (True, f"on log P(y|x) / T_y^{self.alpha:g}")):
            s = self.fraction("search", norm)
            lines.append(f"  {name:<24} search at fault {s:6.1%}, model at fault {1 - s:6.1%}"
                         if self.rows else f"  {name:<24} no errors")
        return "\n".join(lines)

    def table(self, max_rows: int = 10, fmt: Callable[[list], str] = str) -> str:
        """The lecture's table as text: y*, ŷ, log P(y*|x), log P(ŷ|x), who is at fault."""
        max_rows = check_int(max_rows, "ErrorAnalysis.table(max_rows)", 1)
        check_callable(fmt, "ErrorAnalysis.table(fmt)", "a callable fmt(tokens) -> str")
        head = (f"{'#':>4}  {'human y*':<24} {'algorithm ŷ':<24} {'log P(y*|x)':>11} "
                f"{'log P(ŷ|x)':>11}  fault  fault(α={self.alpha:g})")
        lines = [head]
        for r in self.rows[:max_rows]:
            lines.append(f"{r.index:>4}  {fmt(r.reference)[:24]:<24} {fmt(r.prediction)[:24]:<24}"
                         f" {r.log_p_ref:>11.3f} {r.log_p_hat:>11.3f}  {r.fault:<6} "
                         f"{r.fault_normalized}")
        if len(self.rows) > max_rows:
            lines.append(f"... {len(self.rows) - max_rows} more")
        return "\n".join(lines + ["", self.summary()])

    def __repr__(self) -> str:
        return self.table()


def _check_lists(references, predictions, fname) -> tuple[list, list]:
    references = check_sequence(references, f"{fname}(references)", "a list of token lists")
    predictions = check_sequence(predictions, f"{fname}(predictions)", "a list of token lists")
    if len(references) != len(predictions):
        raise ValueError(f"{fname}(predictions): expected a list of equal length to "
                         f"references (m = {len(references)}), got {len(predictions)}")
    for what, seqs in (("references", references), ("predictions", predictions)):
        for i, y in enumerate(seqs):
            if isinstance(y, str) or not isinstance(y, Sequence) or len(y) == 0:
                raise TypeError(f"{fname}({what}): expected {what}[{i}] to be a non-empty list "
                                f"of tokens, got {str(y)[:40]!r}")
    return references, predictions


def _log_p(values, m: int, where: str) -> list[float]:
    """m log-probabilities: numbers <= 0 (-inf allowed), no NaN."""
    values = check_sequence(values, where, f"a list of {m} log-probabilities")
    if len(values) != m:
        raise ValueError(f"{where}: expected {m} values, one per example, got {len(values)}")
    out = []
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, int | float) and not hasattr(v, "__float__"):
            raise TypeError(f"{where}: expected numbers, got {type(v).__name__} at {i}")
        v = float(v)
        if v != v or v > 1e-9:
            raise ValueError(f"{where}: expected log-probabilities <= 0 (not NaN), got {v} at "
                             f"example {i}")
        out.append(v)
    return out


def error_analysis_from_scores(references: Sequence, predictions: Sequence,
                               log_p_ref: Sequence[float], log_p_hat: Sequence[float],
                               alpha: float = 0.7) -> ErrorAnalysis:
    """The table from precomputed log P(y*|x) and log P(ŷ|x) (one per example).

    An example is an error when ``list(prediction) != list(reference)``; correct examples
    are counted in ``n_examples`` only.
    """
    fname = "error_analysis_from_scores"
    references, predictions = _check_lists(references, predictions, fname)
    log_p_ref = _log_p(log_p_ref, len(references), f"{fname}(log_p_ref)")
    log_p_hat = _log_p(log_p_hat, len(references), f"{fname}(log_p_hat)")
    alpha = _check_alpha(alpha, fname)
    rows = []
    for i, (y_ref, y_hat) in enumerate(zip(references, predictions, strict=True)):
        if list(y_ref) == list(y_hat):
            continue
        lr, lh = log_p_ref[i], log_p_hat[i]
        sr = _score(lr, len(y_ref), alpha)
        sh = _score(lh, len(y_hat), alpha)
        rows.append(ErrorRow(i, list(y_ref), list(y_hat), lr, lh, sr, sh,
                             "search" if lr > lh else "model",        # (1) / (2)
                             "search" if sr > sh else "model"))       # the same, normalized
    return ErrorAnalysis(rows, len(references), float(alpha))


def error_analysis(inputs: Sequence, references: Sequence, predictions: Sequence,
                   log_prob: Callable[[Any, Sequence], float],
                   alpha: float = 0.7) -> ErrorAnalysis:
    """The lecture's table: each error attributed to the search (1) or the model (2).

    Parameters
    ----------
    inputs : m sources x, passed to ``log_prob``
    references, predictions : m token lists y* and ŷ (eos last, as the model scores them)
    log_prob : callable ``log_prob(x, y) -> float``, log P(y | x) under the model; any model
        with a ``step_fn`` gets one from :func:`teacher_forcing_scorer`
    alpha : the length-normalization exponent the search used

    Returns
    -------
    ErrorAnalysis: ``rows`` (the errors), ``fraction("search" | "model", normalized)``,
    ``table()``.
    """
    f = "error_analysis"
    references, predictions = _check_lists(references, predictions, f)
    inputs = check_sequence(inputs, f"{f}(inputs)", "a list of m inputs")
    if len(inputs) != len(references):
        raise ValueError(f"{f}(inputs): expected {len(references)} inputs, one per "
                         f"reference, got {len(inputs)}")
    check_callable(log_prob, f"{f}(log_prob)", "a callable log_prob(x, y) -> float")
    _check_alpha(alpha, f)
    lr, lh = [], []
    for x, y_ref, y_hat in zip(inputs, references, predictions, strict=True):
        same = list(y_ref) == list(y_hat)
        lr.append(float(log_prob(x, list(y_ref))))
        lh.append(lr[-1] if same else float(log_prob(x, list(y_hat))))
    _log_p(lr + lh, 2 * len(lr), f"{f}(log_prob)")
    return error_analysis_from_scores(references, predictions, lr, lh, alpha)


def teacher_forcing_scorer(decoder: Callable[[Any], tuple], bos: int
                           ) -> Callable[[Any, Sequence], float]:
    """``log_prob(x, y)`` for any decoder: ``decoder(x) -> (step_fn, init_state)``, and
    log P(y|x) is the sum of the log-probabilities of y's tokens fed one by one (teacher
    forcing) through ``step_fn``."""
    check_callable(decoder, "teacher_forcing_scorer(decoder)",
                   "a callable decoder(x) -> (step_fn, init_state)")
    bos = check_int(bos, "teacher_forcing_scorer(bos) (a token id)", 0)

    def log_prob(x, y):
        step_fn, init_state = decoder(x)
        return sequence_log_prob(step_fn, init_state, bos, y)

    return log_prob
