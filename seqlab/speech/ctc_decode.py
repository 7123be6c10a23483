r"""Decoding CTC outputs: the collapse rule, best path (greedy) and prefix beam search.

*Sequence Models*, week 3, "Speech recognition": an alignment such as "ttt_h_eee___ ___qqq"
becomes a transcript by the **basic rule: collapse repeated characters not separated by
blank**, then remove the blanks (B in eq. 1). Greedy (best-path) decoding takes the most
probable symbol per frame and collapses; it finds the most probable *alignment*, not the most
probable *labelling*, whose probability sums over all its alignments (eq. 2). **Prefix beam
search** keeps the B best labelling prefixes, each with two probabilities: of ending in a blank
and of not (eqs. 3-5), so that the alignments of one prefix are summed while the search runs;
a character language model can score each new character (eq. 6).

Shapes
------
==============  =================  ===========================================================
name            shape              meaning
==============  =================  ===========================================================
path            (T_x,) ints / str  one symbol per frame (an alignment π)
logits          (n_y, m, T_x)      network outputs (log-softmax taken inside)
log_probs       (n_y, T_x)         one utterance's log ŷ<t> (prefix beam search)
paths           (m, T_x) int       the best path per example, -1 past its length
==============  =================  ===========================================================

Equations
---------
.. math::

    (1)\quad \mathcal B(\pi) = \text{remove blanks}\big(\text{merge runs of equal symbols}
        (\pi)\big), \qquad \mathcal B(\text{"aa\_ab"}) = \text{"aab"}

    (2)\quad \hat\pi_t = \arg\max_k \hat y^{\langle t\rangle}_k, \quad
        \text{greedy} = \mathcal B(\hat\pi) \qquad\text{vs.}\qquad
        \hat y = \arg\max_y \sum_{\pi \in \mathcal B^{-1}(y)} \prod_t \hat y^{\langle t
        \rangle}_{\pi_t}

    (3)\quad p_b^{t}(\ell) = \big(p_b^{t-1}(\ell) + p_{nb}^{t-1}(\ell)\big)\,
        \hat y^{\langle t\rangle}_{\_}

    (4)\quad p_{nb}^{t}(\ell c) \mathrel{+}= \hat y^{\langle t\rangle}_c \cdot
        \begin{cases} p_b^{t-1}(\ell) & c = \text{last}(\ell) \\
        p_b^{t-1}(\ell) + p_{nb}^{t-1}(\ell) & \text{otherwise} \end{cases}

    (5)\quad p_{nb}^{t}(\ell) \mathrel{+}= p_{nb}^{t-1}(\ell)\,
        \hat y^{\langle t\rangle}_{\text{last}(\ell)} \quad \text{(a repeat collapses)}

    (6)\quad \log \text{score} = \log p_{ctc} + \alpha \log P_{LM}(c \mid \ell) + \beta
        \quad \text{for every character } c \text{ appended}

Notes
-----
Differs from the lecture: the lecture stops at the collapse rule; (3)-(6) are Hannun et al.'s
prefix beam search (also the Distill article), computed in log space. With α = 0 and a beam
that keeps every prefix, (3)-(5) give the exact probability of every labelling, which the tests
check against brute-force enumeration of all n_y^T alignments.

References
----------
Hannun, Maas, Jurafsky, Ng, "First-pass large vocabulary continuous speech recognition using
bi-directional recurrent DNNs", arXiv:1408.2873 (2014). Hannun, "Sequence modeling with CTC",
Distill (2017).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from itertools import groupby
from typing import NamedTuple

import numpy as np

from seqlab._validate import as_array, check_callable, check_int, check_number, got
from seqlab.backend import host, to_numpy
from seqlab.functional import log_softmax
from seqlab.speech._ctc_inputs import check_input_lengths

__all__ = ["BeamResult", "ctc_best_path", "ctc_collapse", "ctc_greedy_decode",
           "ctc_prefix_beam_search"]

hp = host                 # NumPy: host-side work (lengths, labels, search, data)

_NEG_INF = -math.inf


def ctc_collapse(path, blank=0):
    """The lecture's rule B (eq. 1): merge runs of equal symbols, then drop the blanks.

    Parameters
    ----------
    path : a sequence of ints (or an int array), or a str of characters
    blank : the blank symbol (an int; for a str path a character, e.g. "_")

    Returns
    -------
    list of ints (a str for a str path)

    Examples
    --------
    >>> ctc_collapse("ttt_h_eee___ ___qqq", blank="_")
    'the q'
    >>> ctc_collapse([1, 1, 0, 1, 2, 2], blank=0)
    [1, 1, 2]
    """
    if isinstance(path, str):
        if not isinstance(blank, str) or len(blank) != 1:
            raise TypeError(f"ctc_collapse(blank): expected a one-character blank for a str "
                            f"path, got {blank!r}")
        return "".join(k for k, _ in groupby(path) if k != blank)
    if path is None:
        raise TypeError("ctc_collapse(path): expected a 1-D sequence of ints or a str, got None")
    arr = hp.asarray(to_numpy(path))
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise TypeError(f"ctc_collapse(path): expected a 1-D sequence of ints or a str, got "
                        f"{got(arr)}")
    return [int(k) for k, _ in groupby(arr.tolist()) if k != blank]   # (1) merge, drop _


def _log_probs(logits, name):
    logits = as_array(logits, f"{name}(logits)", ndim=3, symbols="(n_y, m, T_x)")
    return hp.asarray(to_numpy(log_softmax(logits, axis=0)), dtype=np.float64)


def ctc_best_path(logits, input_lengths=None):
    """The most probable alignment per example (eq. 2, left) and its log-probability.

    Parameters
    ----------
    logits : (n_y, m, T_x) float
    input_lengths : (m,) ints in [0, T_x], or None: all T_x

    Returns
    -------
    paths : (m, T_x) int64 host array, argmax per frame, -1 past each input length
    log_probs : (m,) float64, Σ_t max_k log ŷ<t>_k over the real frames
    """
    return _best_path(_log_probs(logits, "ctc_best_path"), input_lengths, "ctc_best_path")


def _best_path(lp, input_lengths, name: str):
    n_y, m, T = lp.shape                                             # lp (n_y, m, T)
    lens = check_input_lengths(input_lengths, m, T, name)
    real = hp.arange(T)[None, :] < lens[:, None]                     # (m, T)
    paths = hp.where(real, lp.argmax(axis=0), -1)                    # (m, T) π̂_t
    return paths, hp.where(real, lp.max(axis=0), 0.0).sum(axis=1)


def ctc_greedy_decode(logits, input_lengths=None, blank: int = 0) -> list[list[int]]:
    """Best-path decoding for a batch: argmax per frame, then the collapse rule (eq. 2).

    Returns m label lists (ints, blanks removed).
    """
    lp = _log_probs(logits, "ctc_greedy_decode")
    blank = check_int(blank, f"ctc_greedy_decode(blank) (in [0, n_y={lp.shape[0]}))", 0,
                      lp.shape[0] - 1)
    paths, _ = _best_path(lp, input_lengths, "ctc_greedy_decode")
    return [ctc_collapse(p[p >= 0], blank) for p in paths]


class BeamResult(NamedTuple):
    """The finished beam, best first: labellings (tuples of ints) and their scores."""

    labels: list          # list of tuples of ints
    scores: list          # log score (eq. 6): log p_ctc + α Σ log P_LM + β·|ℓ|
    log_probs: list       # log p_ctc(ℓ) = log(p_b + p_nb) alone (the acoustic part)

    @property
    def best(self) -> tuple:
        return self.labels[0]


def _lae(a: float, b: float) -> float:
    """log(e^a + e^b) for floats, -inf allowed."""
    if a == _NEG_INF:
        return b
    if b == _NEG_INF:
        return a
    return max(a, b) + math.log1p(math.exp(-abs(a - b)))


def ctc_prefix_beam_search(log_probs, beam_width: int = 8, blank: int = 0,
                           lm_score: Callable[[Sequence[int], int], float] | None = None,
                           alpha: float = 0.0, beta: float = 0.0,
                           prune: float | None = None) -> BeamResult:
    """Prefix beam search over one utterance (eqs. 3-6), optionally with a language model.

    Parameters
    ----------
    log_probs : (n_y, T_x) float, log ŷ<t> of one utterance (e.g. ``log_softmax(logits[:, b,
        :T_b], axis=0)``); exponentiated probabilities are not accepted (columns must be
        normalized in log space, checked)
    beam_width : int ≥ 1, prefixes kept per frame
    blank : int, the blank's index
    lm_score : ``lm_score(prefix, c) -> log P(c | prefix)`` or None; prefix a tuple of ints
    alpha : weight of the LM log-probability, beta : bonus per appended character (eq. 6)
    prune : skip symbols with log ŷ<t>_c below this (e.g. log 1e-3), or None: try all

    Returns
    -------
    BeamResult, best first.
    """
    f = "ctc_prefix_beam_search"
    lp = hp.asarray(to_numpy(as_array(log_probs, f"{f}(log_probs)", ndim=2,
                                      symbols="(n_y, T_x)")), dtype=np.float64)
    n_y, T = lp.shape
    beam_width = check_int(beam_width, f"{f}(beam_width)", 1)
    blank = check_int(blank, f"{f}(blank) (in [0, n_y={n_y}))", 0, n_y - 1)
    if T and not hp.allclose(hp.logaddexp.reduce(lp, axis=0), 0.0, atol=1e-6):
        sums = hp.logaddexp.reduce(lp, axis=0)
        raise ValueError(f"{f}(log_probs): expected each column to be a log distribution "
                         f"(logsumexp 0), got {'NaN' if hp.isnan(sums).any() else 'sums'} "
                         f"{sums[:3].round(3).tolist()}...: pass log_softmax(logits, axis=0)")
    alpha = check_number(alpha, f"{f}(alpha)")
    beta = check_number(beta, f"{f}(beta)")
    if lm_score is None and alpha != 0.0:
        raise ValueError(f"{f}(alpha): expected 0 without lm_score (a non-zero LM weight "
                         f"needs lm_score), got {alpha}")
    if lm_score is not None:
        check_callable(lm_score, f"{f}(lm_score)", "a callable lm_score(prefix, c) or None")
    if prune is not None:
        prune = check_number(prune, f"{f}(prune) (a log-probability, or None)", high=0,
                             allow_inf=True)
    lm_cache: dict[tuple, float] = {}

    def bonus(prefix: tuple, c: int) -> float:                       # (6) α log P_LM + β
        if lm_score is None:
            return beta
        key = (*prefix, c)
        if key not in lm_cache:
            lm_cache[key] = alpha * float(lm_score(prefix, c)) + beta
        return lm_cache[key]

    # beam: prefix -> (log p_b, log p_nb, log LM/bonus total)
    beam: dict[tuple, tuple[float, float, float]] = {(): (0.0, _NEG_INF, 0.0)}
    for t in range(T):
        col = lp[:, t]
        symbols = [c for c in range(n_y) if c != blank and (prune is None or col[c] >= prune)]
        nxt: dict[tuple, list] = {}

        def entry(prefix, lm_total, nxt=nxt):
            if prefix not in nxt:
                nxt[prefix] = [_NEG_INF, _NEG_INF, lm_total]
            return nxt[prefix]

        for prefix, (p_b, p_nb, lm_total) in beam.items():
            here = entry(prefix, lm_total)
            here[0] = _lae(here[0], _lae(p_b, p_nb) + col[blank])      # (3) end in a blank
            last = prefix[-1] if prefix else None
            if last is not None:
                here[1] = _lae(here[1], p_nb + col[last])              # (5) repeat collapses
            for c in symbols:
                new = (*prefix, c)
                ext = entry(new, lm_total + bonus(prefix, c))
                src = p_b if c == last else _lae(p_b, p_nb)            # (4) "a_a" vs "aa"
                ext[1] = _lae(ext[1], src + col[c])
        ranked = sorted(((k, v) for k, v in nxt.items() if _lae(v[0], v[1]) > _NEG_INF),
                        key=lambda kv: -(_lae(kv[1][0], kv[1][1]) + kv[1][2]))
        beam = {k: tuple(v) for k, v in ranked[:beam_width]}       # the B best (possible) ones
    final = sorted(beam.items(), key=lambda kv: -(_lae(kv[1][0], kv[1][1]) + kv[1][2]))
    return BeamResult([k for k, _ in final], [_lae(v[0], v[1]) + v[2] for _, v in final],
                      [_lae(v[0], v[1]) for _, v in final])
