r"""BLEU: the bilingual evaluation understudy score of machine translation, on token lists.

*Sequence Models*, week 3, "Bleu score" (Papineni et al., 2002): a translation is good when
its n-grams appear in human references. Each n-gram of the hypothesis counts only as often as
it appears in the one reference that has it most often (*clipping*: "the the the the the" gets
no credit for its second "the" when a reference has one), summed over the corpus:

.. math::

    (1)\quad p_n = \frac{\sum_i \sum_{g \in \text{n-grams}(\hat y_i)}
        \min\bigl(\mathrm{Count}_{\hat y_i}(g),\ \max_r \mathrm{Count}_{r}(g)\bigr)}
        {\sum_i \sum_{g \in \text{n-grams}(\hat y_i)} \mathrm{Count}_{\hat y_i}(g)}
        \qquad \text{(modified, clipped precision)}

    (2)\quad BP = \begin{cases} 1 & c > r \\ e^{1 - r/c} & c \le r \end{cases}
        \qquad c = \sum_i |\hat y_i|, \quad r = \sum_i |\text{reference of } i
        \text{ closest in length to } \hat y_i| \ \text{(the shorter on ties)}

    (3)\quad \mathrm{BLEU} = BP \cdot \exp\Bigl(\frac{1}{N} \sum_{n=1}^{N} \log p_n\Bigr),
        \qquad N = 4 \text{ usually}

Shapes
------
==========  ==========================  ====================================================
name        type                        meaning
==========  ==========================  ====================================================
hypotheses  list of m token lists       system outputs, already tokenized (tokens: str/int)
references  list of m lists of lists    references[i]: one or more token lists for output i
==========  ==========================  ====================================================

Notes
-----
The definitions are sacrebleu's (``sacrebleu.corpus_bleu(..., tokenize="none")``), and the
tests check equality to 1e-12. A precision of 0 makes the score 0. Smoothing (Chen & Cherry,
2014) replaces zero precisions: ``"floor"``: p_n = ε / total_n (ε = 0.1); ``"add-k"``: for
n > 1, p_n = (matches_n + k) / (total_n + k) (k = 1); ``"exp"``: the k-th order without a
match gets p_n = 1 / (2^k total_n). ``effective_order=True`` averages (3) only over the
orders the hypothesis has n-grams of (short sentences). Differs from the lecture: the lecture
writes BP with the reference length; with several references sacrebleu (and we) take the
closest one per sentence, summed over the corpus.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from seqlab._validate import (
    check_bool,
    check_choice,
    check_int,
    check_number,
    check_paired,
    check_sequence,
    got,
)

__all__ = ["BleuExplanation", "BleuResult", "NgramOccurrence", "OrderExplanation",
           "SMOOTH_DEFAULTS", "bleu_explain", "bleu_from_counts", "brevity_penalty",
           "closest_ref_length", "modified_precision",
           "corpus_bleu", "ngram_counts", "sentence_bleu"]

SMOOTH_DEFAULTS = {"none": None, "floor": 0.1, "add-k": 1.0, "exp": None}


class BleuResult(NamedTuple):
    """BLEU (3) in [0, 1] and what it is made of."""

    score: float
    precisions: list        # p_n (1) as used in (3), after smoothing, for n = 1..max_n
    counts: list            # clipped matches per order (numerators of (1), before smoothing)
    totals: list            # hypothesis n-grams per order (denominators of (1))
    brevity_penalty: float  # (2)
    hyp_len: int            # c
    ref_len: int            # r (closest reference lengths, summed)
    max_n: int
    smooth: str
    orders_used: int        # N of (3): max_n, or fewer with effective_order


def ngram_counts(tokens: Sequence, max_n: int) -> Counter:
    """Count of every n-gram (a tuple of n tokens) of ``tokens``, n = 1..max_n."""
    _check_tokens(tokens, "ngram_counts(tokens)")
    return _ngram_counts(tokens, check_int(max_n, "ngram_counts(max_n)", 1))


def _ngram_counts(tokens: Sequence, max_n: int) -> Counter:
    counts: Counter = Counter()
    for n in range(1, max_n + 1):
        counts.update(zip(*(tokens[i:] for i in range(n)), strict=False))  # n-grams of order n
    return counts


def closest_ref_length(hyp_len: int, ref_lens: Sequence[int]) -> int:
    """The reference length closest to ``hyp_len`` (the shorter one on ties), for (2)."""
    hyp_len = check_int(hyp_len, "closest_ref_length(hyp_len)", 0)
    ref_lens = check_sequence(ref_lens, "closest_ref_length(ref_lens)", "a list of reference "
                              "lengths", empty=False)
    for r in ref_lens:
        check_int(r, "closest_ref_length(ref_lens)", 0)
    return _closest(hyp_len, ref_lens)


def _closest(hyp_len: int, ref_lens: Sequence[int]) -> int:
    return min(ref_lens, key=lambda r: (abs(hyp_len - r), r))


def modified_precision(hypothesis: Sequence, references: Sequence[Sequence], n: int) -> float:
    """p_n (1) of one sentence: its n-grams matched, each at most as often as in the one
    reference that has it most often, over its number of n-grams (0.0 when it has none)."""
    _check_tokens(hypothesis, "modified_precision(hypothesis)")
    references = _refs_of(references, "modified_precision(references)")
    n = check_int(n, "modified_precision(n)", 1)
    grams = Counter(zip(*(hypothesis[i:] for i in range(n)), strict=False))   # Count_ŷ(g)
    total = sum(grams.values())
    if total == 0:
        return 0.0
    refs = [Counter(zip(*(r[i:] for i in range(n)), strict=False)) for r in references]
    clipped = sum(min(k, max(rc[g] for rc in refs)) for g, k in grams.items())  # clipping
    return clipped / total                                                     # (1)


def brevity_penalty(hypothesis: Sequence, references: Sequence[Sequence]) -> float:
    """BP (2) of one sentence: 1 when it is longer than its closest reference, else
    e^(1 - r/c) (0.0 for an empty hypothesis)."""
    _check_tokens(hypothesis, "brevity_penalty(hypothesis)")
    references = _refs_of(references, "brevity_penalty(references)")
    c = len(hypothesis)
    r = _closest(c, [len(ref) for ref in references])                          # closest r
    if c > r:
        return 1.0
    return math.exp(1 - r / c) if c > 0 else 0.0                               # (2)


def _check_tokens(seq, where: str, item: str = "") -> Sequence:
    """``item``: which entry of the argument, e.g. "hypotheses[3] " (empty: the argument)."""
    if isinstance(seq, str | bytes) or not isinstance(seq, Sequence):
        raise TypeError(f"{where}: expected {item}a list of tokens (a pre-tokenized sentence, "
                        f"e.g. 'the cat'.split()), got {got(seq)}")
    return seq


def _refs_of(refs, where: str, item: str = "") -> list:
    """Every BLEU function's rule for one sentence's references: a non-empty list of token
    lists, each checked (a str among them would be scored as its characters)."""
    if isinstance(refs, str | bytes) or not isinstance(refs, Sequence):
        raise TypeError(f"{where}: expected {item}a list of one or more references (token "
                        f"lists), got {got(refs)}")
    if not refs:
        raise ValueError(f"{where}: expected {item}one or more references (token lists), got "
                         f"an empty list")
    if all(isinstance(r, str) for r in refs):
        raise TypeError(f"{where}: expected {item}a list of references (token lists), got one "
                        f"list of str tokens; wrap a single reference in a list: [ref]")
    for k, r in enumerate(refs):
        _check_tokens(r, where, f"reference {k} of {item}" if item else
                      f"references[{k}] to be ")
    return refs


def _segment_stats(hyp, refs, max_n: int, correct: list, total: list) -> tuple[int, int]:
    """Add one sentence's clipped matches and n-gram totals (1) in place; return (c_i, r_i)."""
    if len(refs) == 1:
        ref_counts = _ngram_counts(refs[0], max_n)
    else:
        ref_counts = _ngram_counts(refs[0], max_n)
        for ref in refs[1:]:                             # max_r Count_r(g)
            for g, k in _ngram_counts(ref, max_n).items():
                if k > ref_counts[g]:
                    ref_counts[g] = k
    for g, k in _ngram_counts(hyp, max_n).items():
        n = len(g) - 1
        total[n] += k
        r = ref_counts.get(g)
        if r:
            correct[n] += k if k < r else r                  # min(Count_ŷ(g), max_r Count_r(g))
    return len(hyp), _closest(len(hyp), [len(r) for r in refs])


def _check_options(fname, max_n, smooth, smooth_value, effective_order) -> int:
    max_n = check_int(max_n, f"{fname}(max_n)", 1)
    check_choice(smooth, list(SMOOTH_DEFAULTS), f"{fname}(smooth)")
    if smooth_value is not None:
        check_number(smooth_value, f"{fname}(smooth_value) (or None)", 0, low_open=True)
    check_bool(effective_order, f"{fname}(effective_order)")
    return max_n


def bleu_from_counts(correct: Sequence, total: Sequence, hyp_len: int, ref_len: int,
                     smooth: str = "none", smooth_value: float | None = None,
                     effective_order: bool = False) -> BleuResult:
    """BLEU (1-3) from the corpus's sufficient statistics, smoothing as in sacrebleu."""
    f = "bleu_from_counts"
    correct, total = check_paired(correct, total, f, ("correct", "total"),
                                  "a list of counts, one per order", "counts")
    for c_n, t_n in zip(correct, total, strict=True):
        if not check_int(c_n, f"{f}(correct)", 0) <= check_int(t_n, f"{f}(total)", 0):
            raise ValueError(f"{f}(correct): expected matches <= total n-grams per order, got "
                             f"correct {list(correct)} and total {list(total)}")
    hyp_len = check_int(hyp_len, f"{f}(hyp_len)", 0)
    ref_len = check_int(ref_len, f"{f}(ref_len)", 0)
    max_n = _check_options(f, len(correct), smooth, smooth_value, effective_order)
    return _from_counts(correct, total, hyp_len, ref_len, smooth, smooth_value,
                        effective_order, max_n)


def _from_counts(correct, total, hyp_len, ref_len, smooth, smooth_value, effective_order,
                 max_n) -> BleuResult:
    k = SMOOTH_DEFAULTS[smooth] if smooth_value is None else smooth_value
    bp = 1.0
    if hyp_len < ref_len:                                                     # (2)
        bp = math.exp(1 - ref_len / hyp_len) if hyp_len > 0 else 0.0
    precisions = [0.0] * max_n
    counts, totals = list(correct), list(total)
    if not any(counts):                                  # no match at all: BLEU = 0
        return BleuResult(0.0, precisions, counts, totals, bp, hyp_len, ref_len, max_n,
                          smooth, max_n)
    c, t = [float(v) for v in counts], [float(v) for v in totals]
    halvings, orders = 1.0, max_n
    for n in range(1, max_n + 1):
        if smooth == "add-k" and n > 1:
            c[n - 1] += k
            t[n - 1] += k
        if t[n - 1] == 0:
            break                                        # no n-grams of this order
        if effective_order:
            orders = n
        if c[n - 1] == 0:
            if smooth == "exp":
                halvings *= 2
                precisions[n - 1] = 1.0 / (halvings * t[n - 1])
            elif smooth == "floor":
                precisions[n - 1] = k / t[n - 1]
        else:
            precisions[n - 1] = c[n - 1] / t[n - 1]                           # (1)
    used = precisions[:orders]
    score = 0.0 if min(used) == 0.0 else bp * math.exp(sum(map(math.log, used)) / orders)  # (3)
    return BleuResult(score, precisions, counts, totals, bp, hyp_len, ref_len, max_n, smooth,
                      orders)


def corpus_bleu(hypotheses: Sequence[Sequence], references: Sequence[Sequence[Sequence]],
                max_n: int = 4, smooth: str = "none", smooth_value: float | None = None,
                effective_order: bool = False) -> BleuResult:
    """Corpus BLEU (1-3): n-gram matches and lengths summed over all sentences first.

    Parameters
    ----------
    hypotheses : list of m token lists
    references : list of m lists, references[i] holding one or more token lists
    max_n : the largest n-gram order N
    smooth : "none" | "floor" | "add-k" | "exp" (see Notes of the module)
    smooth_value : ε of "floor" (default 0.1) or k of "add-k" (default 1)
    effective_order : average (3) only over the orders that have n-grams

    Returns
    -------
    BleuResult; ``score`` equals sacrebleu.corpus_bleu(..., tokenize="none").score / 100
    """
    fname = "corpus_bleu"
    max_n = _check_options(fname, max_n, smooth, smooth_value, effective_order)
    hypotheses = check_sequence(hypotheses, f"{fname}(hypotheses)", "a list of m token lists",
                                empty=False)
    references = check_sequence(references, f"{fname}(references)", "a list of m lists of "
                                "references")
    if len(hypotheses) != len(references):
        raise ValueError(f"{fname}(hypotheses, references): expected two lists of equal "
                         f"length m, got {len(hypotheses)} hypotheses and {len(references)} "
                         "reference lists")
    for i, (hyp, refs) in enumerate(zip(hypotheses, references, strict=True)):
        _check_tokens(hyp, f"{fname}(hypotheses)", f"hypotheses[{i}] to be ")
        _refs_of(refs, f"{fname}(references)", f"references[{i}] to be ")
    return _corpus_bleu(hypotheses, references, max_n, smooth, smooth_value, effective_order)


def _corpus_bleu(hypotheses, references, max_n, smooth, smooth_value, effective_order):
    correct, total = [0] * max_n, [0] * max_n
    hyp_len = ref_len = 0
    for hyp, refs in zip(hypotheses, references, strict=True):
        c_i, r_i = _segment_stats(hyp, refs, max_n, correct, total)
        hyp_len += c_i
        ref_len += r_i
    return _from_counts(correct, total, hyp_len, ref_len, smooth, smooth_value,
                        effective_order, max_n)


def sentence_bleu(hypothesis: Sequence, references: Sequence[Sequence], max_n: int = 4,
                  smooth: str = "exp", smooth_value: float | None = None,
                  effective_order: bool = True) -> BleuResult:
    """BLEU of one sentence against its references.

    The defaults are sacrebleu's ``sentence_bleu``: exponential smoothing and the effective
    order, since a single sentence often has no 4-gram match at all and would score 0
    (``sentence_bleu(h, refs, smooth="none", effective_order=False)`` gives
    ``corpus_bleu([h], [refs])``).
    """
    f = "sentence_bleu"
    max_n = _check_options(f, max_n, smooth, smooth_value, effective_order)
    _check_tokens(hypothesis, f"{f}(hypothesis)")
    references = _refs_of(references, f"{f}(references)")
    return _corpus_bleu([hypothesis], [references], max_n, smooth, smooth_value,
                        effective_order)


class NgramOccurrence(NamedTuple):
    """One n-gram of the hypothesis at position ``start``: ``matched`` when it is within the
    clip (counted in (1)), ``clipped`` when the references have it but fewer times."""

    start: int
    ngram: tuple
    matched: bool
    clipped: bool


class OrderExplanation(NamedTuple):
    """The n-grams of one order n: every occurrence, the clip table, and (1)."""

    n: int
    occurrences: list       # NgramOccurrence, left to right
    clip: dict              # ngram -> (count in ŷ, max count in one reference, clipped count)
    matched: int
    total: int
    precision: float        # matched / total (0 when total = 0), unsmoothed
    ref_starts: list        # per reference: starts of its n-grams that the hypothesis has


class BleuExplanation(NamedTuple):
    hypothesis: list
    references: list
    orders: list            # OrderExplanation for n = 1..max_n
    hyp_len: int
    ref_len: int            # the closest reference length (2)
    brevity_penalty: float
    bleu: BleuResult        # corpus_bleu([hypothesis], [references], max_n, smooth)


def bleu_explain(hypothesis: Sequence, references: Sequence[Sequence], max_n: int = 4,
                 smooth: str = "none") -> BleuExplanation:
    """Which n-grams of ``hypothesis`` match ``references`` and which are clipped, per order,
    with positions for highlighting (the first occurrences, left to right, take the clip)."""
    f = "bleu_explain"
    max_n = _check_options(f, max_n, smooth, None, False)
    hyp = list(_check_tokens(hypothesis, f"{f}(hypothesis)"))
    refs = [list(r) for r in _refs_of(references, f"{f}(references)")]
    bleu = _corpus_bleu([hyp], [refs], max_n, smooth, None, False)
    orders = []
    for n in range(1, max_n + 1):
        grams = [tuple(hyp[s:s + n]) for s in range(len(hyp) - n + 1)]
        ref_grams = [[tuple(r[s:s + n]) for s in range(len(r) - n + 1)] for r in refs]
        hyp_count = Counter(grams)
        max_ref = {g: max(rg.count(g) for rg in ref_grams) for g in hyp_count}
        clip = {g: (k, max_ref[g], min(k, max_ref[g])) for g, k in hyp_count.items()}
        seen: Counter = Counter()
        occ = []
        for s, g in enumerate(grams):
            seen[g] += 1
            ok = seen[g] <= max_ref[g]
            occ.append(NgramOccurrence(s, g, ok, not ok and max_ref[g] > 0))
        matched = sum(c for _, _, c in clip.values())
        starts = [[s for s, g in enumerate(rg) if g in hyp_count] for rg in ref_grams]
        orders.append(OrderExplanation(n, occ, clip, matched, len(grams),
                                       matched / len(grams) if grams else 0.0, starts))
    return BleuExplanation(hyp, refs, orders, len(hyp), bleu.ref_len, bleu.brevity_penalty,
                           bleu)
