"""Intrinsic evaluation of word vectors: analogy accuracy and correlation with human judgements.

*Sequence Models*, week 2, "Properties of word embeddings". Two standard tests, with gensim's
file formats and semantics (so the numbers equal ``gensim.models.KeyedVectors``'s):

- **Analogies** (Mikolov et al. 2013, ``questions-words.txt``: 14 sections, 19,544 questions
  "a b c d"): the answer is 3CosAdd over the first ``restrict_vocab`` words, the input words
  excluded,

      (1)  d̂ = argmax_{w ∉ {a, b, c}} cos(e_w, m),   m = unit((ê_b + ê_c − ê_a) / 3),
           ê = e / ‖e‖;

  a question with a word outside the first ``restrict_vocab`` words is skipped (counted as
  incorrect with ``dummy4unknown=True``). Vectorised: the questions go through the model in
  blocks, one GEMM (B, n) x (n, R) per block, instead of one matrix-vector product each.
- **Word pairs** (``wordsim353.tsv``, ``simlex999.txt``): Pearson and Spearman correlation of
  cos(e_a, e_b) with the human scores,

      (2)  ρ_s = Pearson(rank(x), rank(y))   (average ranks for ties)
      (3)  p = I_{df/(df+t²)}(df/2, 1/2),  t = r √(df / (1 − r²)),  df = N − 2

  (the two-sided p-value of a t test, as scipy.stats gives it; I is the regularised
  incomplete beta function).

================  =============  ==========================================================
name              shape          meaning
================  =============  ==========================================================
V                 (N, n)         the model's vectors; R = min(restrict_vocab, N) searched
M                 (B, n)         one block of B questions' query vectors m (1)
S                 (B, R)         their cosine with every searched word
================  =============  ==========================================================

References: Mikolov et al. (2013), "Efficient Estimation of Word Representations in Vector
Space"; Finkelstein et al. (2002), WordSim353; gensim ``KeyedVectors.evaluate_word_analogies``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple

from seqlab._validate import as_array, check_finite
from seqlab.backend import get_array_module, to_numpy


class CorrelationResult(NamedTuple):
    """A correlation and its two-sided p-value (unpacks like scipy's result)."""

    statistic: float
    pvalue: float


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, qab, qap, qam = 1e-300, a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                   -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-16:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b), for a, b > 0 and 0 <= x <= 1."""
    if x <= 0.0 or x >= 1.0:
        return 0.0 if x <= 0.0 else 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, 1.0 - x) / b


def _correlation(x, y) -> CorrelationResult:
    """Pearson's r of two 1-D host arrays with its t-test p-value (3)."""
    xp = get_array_module(x)
    x, y = x - x.mean(), y - y.mean()
    r = float((x @ y) / (xp.sqrt(x @ x) * xp.sqrt(y @ y)))
    r = max(-1.0, min(1.0, r))
    df = len(x) - 2
    if df < 1 or abs(r) == 1.0:
        return CorrelationResult(r, 0.0 if df >= 1 else float("nan"))
    t2 = r * r * df / ((1.0 - r) * (1.0 + r))           # t² = r² df / (1 − r²)
    return CorrelationResult(r, betainc(0.5 * df, 0.5, df / (df + t2)))   # (3)


def rankdata(x):
    """Ranks 1..N of a 1-D array, ties sharing their average rank (scipy's 'average')."""
    xp = get_array_module(x)
    order = xp.argsort(x, kind="stable")
    xs = x[order]
    starts = xp.concatenate([xp.asarray([True]), xs[1:] != xs[:-1]])  # first of each tie run
    run = xp.cumsum(starts) - 1                                       # run id of each sorted x
    first = xp.flatnonzero(starts)                                    # (runs,) start positions
    ends = xp.concatenate([first[1:], xp.asarray([len(x)])])
    avg = 0.5 * (first + ends - 1) + 1.0                              # average 1-based rank
    ranks = xp.empty(len(x), dtype=xp.float64)
    ranks[order] = avg[run]
    return ranks


def pearsonr(x, y) -> CorrelationResult:
    """Pearson correlation of two sequences, with its two-sided p-value (as scipy)."""
    x, y = _pair_arrays(x, y, "pearsonr")
    return _correlation(x, y)


def spearmanr(x, y) -> CorrelationResult:
    """Spearman rank correlation (2) of two sequences, with its two-sided p-value (as scipy)."""
    x, y = _pair_arrays(x, y, "spearmanr")
    return _correlation(rankdata(x), rankdata(y))


def _pair_arrays(x, y, fn):
    """x, y as 1-D float64 host arrays of one length >= 2, finite and not constant: a
    correlation is undefined for a constant sequence (scipy returns NaN), so it is refused."""
    x = as_array(to_numpy(x), f"{fn}(x)", ndim=1, symbols="(N,)").astype("float64")
    y = as_array(to_numpy(y), f"{fn}(y)", ndim=1, symbols="(N,)").astype("float64")
    if x.size < 2:
        raise ValueError(f"{fn}(x): expected at least 2 values, got {x.size}")
    if x.shape != y.shape:
        raise ValueError(f"{fn}(y): expected as many values as x (at least 2), got "
                         f"{y.size} and {x.size}")
    for name, v in (("x", x), ("y", y)):
        check_finite(v, f"{fn}({name})")
        if float(v.min()) == float(v.max()):
            raise ValueError(f"{fn}({name}): expected values that vary, got a constant "
                             f"sequence ({float(v[0])!r}): its correlation is undefined")
    return x, y


def read_analogies(path, case_insensitive: bool = True) -> list[tuple[str, list]]:
    """``[(section name, [(line_no, (a, b, c, d)), ...]), ...]`` from a questions-words file.

    Lines not made of four words are skipped (as gensim does); a question before the first
    ": section" line is a ValueError.
    """
    sections: list[tuple[str, list]] = []
    with open(Path(path), "rb") as fin:
        for line_no, raw in enumerate(fin):
            line = raw.decode("utf8")
            if line.startswith(": "):
                sections.append((line.lstrip(": ").strip(), []))
                continue
            if not sections:
                raise ValueError(f"read_analogies(path): missing section header before line "
                                 f"#{line_no} in {path}")
            words = [w.upper() for w in line.split()] if case_insensitive else line.split()
            if len(words) == 4:
                sections[-1][1].append((line_no, tuple(words)))
    return sections


def read_word_pairs(path, delimiter: str = "\t", encoding: str = "utf8",
                    case_insensitive: bool = True) -> list[tuple[str, str, float]]:
    """``[(a, b, human score), ...]`` from a wordsim353/simlex-style file ('#' comments)."""
    pairs = []
    with open(Path(path), encoding=encoding) as fin:
        for line in fin:
            if not line or line.startswith("#"):
                continue
            parts = [w.upper() for w in line.split(delimiter)] if case_insensitive \
                else line.split(delimiter)
            if len(parts) != 3:
                continue
            try:
                pairs.append((parts[0], parts[1], float(parts[2])))
            except ValueError:
                continue
    return pairs


def ok_vocab(index_to_key, restrict_vocab: int | None, case_insensitive: bool) -> dict:
    """Word (upper-cased if case-insensitive) -> index, over the first ``restrict_vocab``
    words; of several case variants the most frequent (first) wins."""
    keys = list(index_to_key[:restrict_vocab])
    out: dict = {}
    for i in range(len(keys) - 1, -1, -1):
        out[keys[i].upper() if case_insensitive else keys[i]] = i
    return out


def analogy_predictions(normed, vectors, norms, abc, canonical=None,
                        block_elements: int = 8_000_000):
    """The 3CosAdd answer (1) of every question: for each row (a, b, c) of ``abc`` the index
    of the best word in ``vectors`` (R, n), the three input indices excluded.

    Parameters
    ----------
    normed : (N, n) unit rows ê (the inputs' vectors are taken from here)
    vectors, norms : (R, n) and (R,), the searched words and their norms
    abc : (Q, 3) int indices (a, b, c)
    canonical : None, or (R,) int: the index of each word's most frequent case variant
        (case-insensitive evaluation of a cased vocabulary): a variant of an input word is
        skipped too, as gensim skips a prediction whose upper-cased form is an input word
    block_elements : size of one score block B x R (memory: 4 bytes each in float32)

    Returns
    -------
    (Q,) int: index of the predicted word
    """
    xp = get_array_module(vectors)
    R, Q = vectors.shape[0], abc.shape[0]
    B = max(1, min(Q, block_elements // max(R, 1)))
    out = xp.empty(Q, dtype=xp.int64)
    for s in range(0, Q, B):
        q = abc[s:s + B]                                               # (B, 3)
        m = (normed[q[:, 1]] + normed[q[:, 2]]) - normed[q[:, 0]]      # (B, n) ê_b + ê_c − ê_a
        m = m.astype(xp.float64) / 3.0                                 # the mean, as gensim
        m = (m * (1.0 / xp.sqrt(xp.einsum("bn,bn->b", m, m)))[:, None]).astype(vectors.dtype)
        S = m @ vectors.T                                              # (B, R) e_w·m
        S /= xp.where(norms > 0, norms, 1)[None, :]                    # (B, R) cos(e_w, m) (1)
        rows = xp.arange(len(q))[:, None]                              # (B, 1)
        S[rows, q] = -xp.inf                                           # w ∉ {a, b, c}
        best = xp.argmax(S, axis=1)                                    # (B,)
        for _ in range(5 if canonical is not None else 0):             # gensim looks at 5
            clash = (canonical[best][:, None] == q).any(axis=1)        # a variant of a, b, c
            if not bool(clash.any()):
                break
            S[xp.flatnonzero(clash), best[clash]] = -xp.inf
            best = xp.argmax(S, axis=1)
        out[s:s + len(q)] = best
    return out
