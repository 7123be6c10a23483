r"""Sequence metrics: edit distance, phoneme (token) error rate, exact-match accuracy.

*Sequence Models*, week 3: grapheme-to-phoneme is scored by the phoneme error rate (PER), the
speech-recognition word error rate on phonemes; date translation by exact match.

Equations
---------
(1) d(h, r) = the Levenshtein distance: fewest substitutions, insertions and deletions
    turning h into r (dynamic programming, d[i][j] = min(d[i-1][j] + 1, d[i][j-1] + 1,
    d[i-1][j-1] + [h_i ≠ r_j]))
(2) PER = Σ_i min_r d(h_i, r) / Σ_i |r_i*|, r_i* the reference achieving the min (the first
    one on ties): a corpus rate, so long words weigh more, as in speech recognition.
(3) accuracy = (1/m) Σ_i [h_i = one of the references of i]
"""

from __future__ import annotations

from collections.abc import Sequence

from seqlab._validate import check_sequence, got

__all__ = ["edit_distance", "exact_match", "phoneme_error_rate"]


def edit_distance(h: Sequence, r: Sequence) -> int:
    """Levenshtein distance between two token sequences (eq. 1), O(|h|·|r|)."""
    for name, x in (("h", h), ("r", r)):
        if not isinstance(x, Sequence):
            raise TypeError(f"edit_distance({name}): expected a sequence of tokens (a list, or "
                            f"a str of characters), got {got(x)}")
    return _edit_distance(h, r)


def _edit_distance(h: Sequence, r: Sequence) -> int:
    prev = list(range(len(r) + 1))
    for i, hi in enumerate(h, 1):
        cur = [i] + [0] * len(r)
        for j, rj in enumerate(r, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (hi != rj))  # (1)
        prev = cur
    return prev[-1]


def _pairs(hyps, refs, fname: str) -> tuple[list, list]:
    """Two non-empty lists of equal length, hypotheses token lists (not str)."""
    hyps = check_sequence(hyps, f"{fname}(hyps)", "a list of token lists")
    refs = check_sequence(refs, f"{fname}(refs)", "a list of references")
    if len(hyps) != len(refs) or len(hyps) == 0:
        raise ValueError(f"{fname}(hyps, refs): expected two non-empty lists of equal length, "
                         f"got {len(hyps)} and {len(refs)}")
    for h in hyps:
        if isinstance(h, str) or not isinstance(h, Sequence):
            raise TypeError(f"{fname}(hyps): expected token lists, got {got(h)}")
    return hyps, refs


def _references(refs_i, fname: str):
    """One reference (a list of tokens) or several (a list of lists) -> list of lists."""
    if isinstance(refs_i, str) or not isinstance(refs_i, Sequence):
        raise TypeError(f"{fname}(refs): expected token lists, got {got(refs_i)}")
    if len(refs_i) and not isinstance(refs_i[0], str) and isinstance(refs_i[0], Sequence):
        return [list(r) for r in refs_i]
    return [list(refs_i)]


def phoneme_error_rate(hyps: Sequence[Sequence], refs: Sequence) -> float:
    """Corpus PER (eq. 2). ``refs[i]`` is one reference token list or a list of them.

    Returns
    -------
    float ≥ 0 (can exceed 1 when hypotheses are much longer than the references)
    """
    hyps, refs = _pairs(hyps, refs, "phoneme_error_rate")
    errors = length = 0
    for h, refs_i in zip(hyps, refs, strict=True):
        refs_list = _references(refs_i, "phoneme_error_rate")
        best = min(((_edit_distance(h, r), len(r)) for r in refs_list),
                   key=lambda dl: dl[0])                                   # (2) closest ref
        errors += best[0]
        length += best[1]
    if length == 0:
        raise ValueError("phoneme_error_rate(refs): every reference is empty")
    return errors / length


def exact_match(hyps: Sequence[Sequence], refs: Sequence) -> float:
    """Fraction of hypotheses equal to one of their references (eq. 3)."""
    hyps, refs = _pairs(hyps, refs, "exact_match")
    hits = sum(list(h) in _references(r, "exact_match") for h, r in zip(hyps, refs, strict=True))
    return hits / len(hyps)
