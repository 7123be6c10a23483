"""Exercises of notebooks 14 (beam search) and 16 (BLEU): one beam-search step, the modified
n-gram precision and the brevity penalty.

The references are the library's :func:`seqlab.seq2seq.beam.beam_step`,
:func:`seqlab.seq2seq.bleu.modified_precision` and :func:`seqlab.seq2seq.bleu.brevity_penalty`.
Each known mistake is the whole function written once with one bug switched on.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from seqlab.exercises.core import Case, Exercise, Mistake
from seqlab.seq2seq.beam import beam_step
from seqlab.seq2seq.bleu import brevity_penalty, modified_precision

# -------------------------------------------------------------------------------- beam_step


def _beam_step(log_probs, scores, beam_width, bug=None):
    k, V = log_probs.shape
    if bug == "multiplied":
        total = scores[:, None] * log_probs
    elif bug in ("no prefix", "ranked without prefix"):
        total = np.zeros((k, 1)) + log_probs
    else:
        total = scores[:, None] + log_probs
    if bug == "per hypothesis":                      # the best token of each hypothesis
        tok = total.argmax(axis=1)
        new = total[np.arange(k), tok]
        order = np.argsort(-new, kind="stable")[:beam_width]
        return order, tok[order], new[order]
    flat = total.reshape(-1)
    best = np.argsort(-flat, kind="stable")
    best = best[::-1][:beam_width] if bug == "smallest" else best[:beam_width]
    if bug == "unsorted":
        best = np.sort(best)
    if bug == "divmod swapped":
        return best % V, best // V, flat[best]
    if bug == "token score":
        return best // V, best % V, log_probs.reshape(-1)[best]
    if bug == "ranked without prefix":           # ranked by the token alone, scored in full
        return best // V, best % V, scores[best // V] + log_probs.reshape(-1)[best]
    return best // V, best % V, flat[best]


def _beam_case(k, V, B):
    def make(r):
        lp = r.normal(size=(k, V)) * 2
        lp = lp - np.log(np.exp(lp).sum(axis=1, keepdims=True))         # log-softmax rows
        return {"log_probs": lp, "scores": -np.sort(r.uniform(0.5, 4, size=k)),
                "beam_width": B}
    return make


def _mistake(fn, bug):
    return lambda *args: fn(*args, bug=bug)


BEAM_STEP = Exercise(
    name="beam_step",
    signature="beam_step(log_probs, scores, beam_width) -> (hyp_idx, tokens, new_scores)",
    reference=lambda log_probs, scores, beam_width: tuple(
        np.asarray(v) for v in beam_step(log_probs, scores, beam_width)),
    source=beam_step,
    library_name="seqlab.seq2seq.beam.beam_step",
    week="3",
    output_names=("hyp_idx", "tokens", "new_scores"),
    steps=[("new_scores", "the B best totals scores[i] + log_probs[i, v] (2), best first."),
           ("hyp_idx", "the scores are right, so the indices are not: hyp_idx = flat // V "
            "for the flat indices of the (k, V) totals."),
           ("tokens", "the scores and hypotheses are right: tokens = flat % V.")],
    cases=[
        Case("k = 3 hypotheses with scores -0.2, -2.5, -5, V = 5, B = 3",
             lambda r: dict(_beam_case(3, 5, 3)(r), scores=np.array([-0.2, -2.5, -5.0]))),
        Case("first step: one hypothesis (k = 1) with score 0, B = 3",
             lambda r: {"log_probs": _beam_case(1, 6, 3)(r)["log_probs"],
                        "scores": np.zeros(1), "beam_width": 3}),
        Case("k = 2, V = 8, B = 4", _beam_case(2, 8, 4)),
        Case("k = 4, V = 3, B = 2", _beam_case(4, 3, 2)),
    ],
    mistakes=[
        Mistake("multiplied", _mistake(_beam_step, "multiplied"),
                "log P(y<1..t>|x) = log P(y<1..t-1>|x) + log P(y<t>|x, y<1..t-1>) (2): "
                "probabilities multiply, so their logs ADD; you multiplied the log-probs."),
        Mistake("no prefix", _mistake(_beam_step, "no prefix"),
                "you ranked the extensions by the new token's log-probability alone, ignoring "
                "the previous scores; add the score of the hypothesis each one extends: "
                "scores[:, None] + log_probs (2), then pick the B best of those totals.",
                variants=(_mistake(_beam_step, "ranked without prefix"),)),
        Mistake("per hypothesis", _mistake(_beam_step, "per hypothesis"),
                "you kept the best token of each hypothesis; beam search keeps the B best of "
                "ALL k·V extensions, so one hypothesis may get several children and another "
                "none."),
        Mistake("smallest", _mistake(_beam_step, "smallest"),
                "you kept the B least likely extensions: sort by -score (or take the last B of "
                "an ascending argsort, reversed)."),
        Mistake("unsorted", _mistake(_beam_step, "unsorted"),
                "you have the right B extensions, but return them best first (new_scores "
                "descending)."),
        Mistake("divmod swapped", _mistake(_beam_step, "divmod swapped"),
                "the flat index of extension (i, v) in the flattened (k, V) array is i·V + v: "
                "hyp_idx = flat // V and token = flat % V; you swapped them."),
        Mistake("token score", _mistake(_beam_step, "token score"),
                "new_scores must be the cumulative log P(y<1..t>|x) of each kept extension, "
                "not the new token's log-probability alone."),
    ],
    hints=[
        "Every hypothesis i extended by every token v has score scores[i] + log_probs[i, v] "
        "(2): a (k, V) array by broadcasting.",
        "Flatten it to k·V values, take the indices of the B largest, best first "
        "(np.argsort(-total)[:B]), and turn each flat index back into (i, v) with // and %.",
        "total = (scores[:, None] + log_probs).reshape(-1); best = np.argsort(-total, "
        "kind='stable')[:beam_width]; V = log_probs.shape[1]; return best // V, best % V, "
        "total[best]",
    ],
)

# ------------------------------------------------------------------------ modified_precision


def _ngrams(tokens, n):
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def _precision(hypothesis, references, n, bug=None):
    if bug == "unigrams only":
        n = 1
    grams = (Counter(tuple(hypothesis[i:i + n]) for i in range(len(hypothesis) - n))
             if bug == "last n-gram lost" else _ngrams(hypothesis, n))
    refs = [_ngrams(r, n) for r in references]
    if bug == "first reference":
        refs = refs[:1]
    if bug == "set":
        grams = Counter(dict.fromkeys(grams, 1))
    total = sum(grams.values())
    if total == 0:
        return 0.0
    clip = {"no clipping": lambda g, k: k if any(rc[g] for rc in refs) else 0,
            "sum over references": lambda g, k: min(k, sum(rc[g] for rc in refs)),
            "min over references": lambda g, k: min(k, min(rc[g] for rc in refs))}.get(
        bug, lambda g, k: min(k, max(rc[g] for rc in refs)))
    matched = sum(clip(g, k) for g, k in grams.items())
    if bug == "reference denominator":
        total = max(sum(_ngrams(r, n).values()) for r in references) or 1
    return matched / total


def _tokens(r, length, vocab=6):
    return [f"w{int(v)}" for v in r.integers(vocab, size=length)]


def _precision_case(n, n_refs, hyp_len, ref_len, vocab=5):
    def make(r):
        return {"hypothesis": _tokens(r, hyp_len, vocab),
                "references": [_tokens(r, ref_len + i, vocab) for i in range(n_refs)], "n": n}
    return make


_LECTURE_REFS = ["the cat is on the mat".split(), "there is a cat on the mat".split()]

MODIFIED_PRECISION = Exercise(
    name="modified_precision",
    signature="modified_precision(hypothesis, references, n) -> p_n",
    reference=modified_precision,
    library_name="seqlab.seq2seq.bleu.modified_precision",
    week="3",
    output_names=("p_n",),
    cases=[
        Case("the lecture's 'the cat the cat on the mat', n = 2",
             lambda r: {"hypothesis": "the cat the cat on the mat".split(),
                        "references": _LECTURE_REFS, "n": 2}),
        Case("the lecture's 'the the the the the the the', n = 1",
             lambda r: {"hypothesis": ["the"] * 7, "references": _LECTURE_REFS, "n": 1}),
        Case("random words, 3 references, n = 1", _precision_case(1, 3, 12, 9, vocab=4)),
        Case("random words, 2 references, n = 2", _precision_case(2, 2, 14, 12, vocab=3)),
        Case("one reference, n = 3", _precision_case(3, 1, 15, 15, vocab=2)),
        Case("hypothesis shorter than n: no n-grams, p_n = 0",
             lambda r: {"hypothesis": ["the", "cat"], "references": _LECTURE_REFS, "n": 3}),
    ],
    mistakes=[
        Mistake("no clipping", _mistake(_precision, "no clipping"),
                "an n-gram counts at most as often as it appears in a reference (clipping): "
                "'the the the the the the the' gets 2/7, not 7/7 (1)."),
        Mistake("sum over references", _mistake(_precision, "sum over references"),
                "the clip is the count in the ONE reference that has the n-gram most often "
                "(max over references), not the sum over the references."),
        Mistake("min over references", _mistake(_precision, "min over references"),
                "the clip is the MAX count over the references (the most generous one), not "
                "the min."),
        Mistake("first reference", _mistake(_precision, "first reference"),
                "you clipped by the first reference only; every reference counts: "
                "max over r of Count_r(g)."),
        Mistake("set", _mistake(_precision, "set"),
                "count every occurrence of an n-gram in the hypothesis, not each distinct "
                "n-gram once: use a Counter, not a set."),
        Mistake("reference denominator", _mistake(_precision, "reference denominator"),
                "precision divides by the number of n-grams of the HYPOTHESIS "
                "(len(hypothesis) - n + 1), not of a reference."),
        Mistake("unigrams only", _mistake(_precision, "unigrams only"),
                "you always counted single words: the n-grams of order n are the tuples "
                "hypothesis[i:i+n] for i in range(len(hypothesis) - n + 1)."),
        Mistake("last n-gram lost", _mistake(_precision, "last n-gram lost"),
                "the last n-gram is missing: there are len(tokens) - n + 1 n-grams, "
                "range(len(tokens) - n + 1)."),
    ],
    hints=[
        "Count the hypothesis's n-grams (tuples of n consecutive tokens) with a Counter; "
        "p_n = Σ_g min(count in ŷ, max over references of count in r) / Σ_g count in ŷ.",
        "A helper ngrams(tokens, n) = Counter(tuple(tokens[i:i+n]) for i in "
        "range(len(tokens) - n + 1)) serves the hypothesis and each reference; return 0.0 "
        "when the hypothesis has no n-grams.",
        "h = ngrams(hypothesis, n); refs = [ngrams(r, n) for r in references]; total = "
        "sum(h.values()); return 0.0 if total == 0 else sum(min(k, max(rc[g] for rc in "
        "refs)) for g, k in h.items()) / total",
    ],
)

# --------------------------------------------------------------------------- brevity_penalty


def _bp(hypothesis, references, bug=None):
    c = len(hypothesis)
    lens = [len(r) for r in references]
    r = {"shortest reference": lambda: min(lens), "longest reference": lambda: max(lens),
         "first reference": lambda: lens[0],
         "ties to longer": lambda: min(lens, key=lambda x: (abs(c - x), -x))}.get(
        bug, lambda: min(lens, key=lambda x: (abs(c - x), x)))()
    if c == 0:
        return 0.0
    if bug == "inverted":
        return 1.0 if c > r else math.exp(1 - c / r)
    if bug == "no exp":
        return 1.0 if c > r else 1 - r / c
    if bug == "always":
        return math.exp(1 - r / c)
    return 1.0 if c > r else math.exp(1 - r / c)


def _bp_case(c, ref_lens):
    def make(r):
        return {"hypothesis": _tokens(r, c), "references": [_tokens(r, n) for n in ref_lens]}
    return make


BREVITY_PENALTY = Exercise(
    name="brevity_penalty",
    signature="brevity_penalty(hypothesis, references) -> BP",
    reference=brevity_penalty,
    library_name="seqlab.seq2seq.bleu.brevity_penalty",
    week="3",
    output_names=("BP",),
    cases=[
        Case("one reference, hypothesis shorter (c = 4, r = 6)", _bp_case(4, [6])),
        Case("one reference, hypothesis longer: BP = 1 (c = 8, r = 5)", _bp_case(8, [5])),
        Case("closest of three references (c = 6; 9, 7, 12)", _bp_case(6, [9, 7, 12])),
        Case("a tie: 4 and 8 are both 2 away from c = 6, take the shorter",
             _bp_case(6, [4, 15, 8])),
        Case("the closest reference is neither the shortest nor the longest (c = 5; 2, 6, 11)",
             _bp_case(5, [2, 6, 11])),
    ],
    mistakes=[
        Mistake("inverted", _mistake(_bp, "inverted"),
                "BP = exp(1 - r/c), reference length over hypothesis length (2); you wrote "
                "exp(1 - c/r), which penalizes too little."),
        Mistake("always", _mistake(_bp, "always"),
                "BP = 1 when the hypothesis is longer than the reference (c > r): BLEU never "
                "rewards length; exp(1 - r/c) is only for c <= r."),
        Mistake("no exp", _mistake(_bp, "no exp"),
                "BP = exp(1 - r/c) (2): you forgot the exponential."),
        Mistake("shortest reference", _mistake(_bp, "shortest reference"),
                "r is the length of the reference CLOSEST to the hypothesis's length, not the "
                "shortest reference."),
        Mistake("longest reference", _mistake(_bp, "longest reference"),
                "r is the length of the reference CLOSEST to the hypothesis's length, not the "
                "longest reference."),
        Mistake("first reference", _mistake(_bp, "first reference"),
                "with several references, r is the length of the one closest in length to the "
                "hypothesis, not the first one."),
        Mistake("ties to longer", _mistake(_bp, "ties to longer"),
                "on a tie (two references equally close) take the SHORTER one, as sacrebleu "
                "does: min(lens, key=lambda x: (abs(c - x), x))."),
    ],
    hints=[
        "c = len(hypothesis); r = the length of the reference closest to c (the shorter on a "
        "tie). BP = 1 if c > r, else exp(1 - r/c).",
        "min(lens, key=lambda x: (abs(c - x), x)) finds the closest length and breaks ties "
        "towards the shorter one.",
        "c = len(hypothesis); r = min((len(x) for x in references), key=lambda x: "
        "(abs(c - x), x)); return 1.0 if c > r else math.exp(1 - r / c)",
    ],
)

EXERCISES = {ex.name: ex for ex in (BEAM_STEP, MODIFIED_PRECISION, BREVITY_PENALTY)}
