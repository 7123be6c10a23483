"""Notebooks 14 and 16's exercises: beam_step, modified_precision, brevity_penalty.

tests/test_exercises.py checks for every registered exercise that the library passes, that each
mistake gets its own message and that the stub is "open". Here: the plain-Python functions
behind the mistakes equal the library with no bug switched on (each mistake is one bug); a
learner's code written differently (loops, heapq, nltk style) passes or gets the diagnosis of
its bug; the checker never raises on garbage."""

from __future__ import annotations

import heapq
import math
from collections import Counter

import numpy as np
import pytest

from seqlab.exercises import (
    REGISTRY,
    check_beam_step,
    check_brevity_penalty,
    check_modified_precision,
)
from seqlab.exercises.decoding import _beam_step, _bp, _precision
from seqlab.seq2seq.beam import beam_step
from seqlab.seq2seq.bleu import brevity_penalty, corpus_bleu, modified_precision


@pytest.mark.parametrize("name", ["beam_step", "modified_precision", "brevity_penalty"])
def test_bugless_versions_equal_the_library(name):
    ex = REGISTRY[name]
    plain = {"beam_step": _beam_step, "modified_precision": _precision,
             "brevity_penalty": _bp}[name]
    r = np.random.default_rng(0)
    for case in ex.cases:
        kwargs = case.make(r)
        ours, ref = plain(*kwargs.values()), ex.reference(*kwargs.values())
        if isinstance(ref, tuple):
            for a, b in zip(ours, ref, strict=True):
                np.testing.assert_allclose(a, b)
        else:
            assert math.isclose(ours, ref)


def test_library_precision_and_bp_agree_with_corpus_bleu():
    hyp = "the cat the cat on the mat".split()
    refs = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
    res = corpus_bleu([hyp], [refs])
    for n in range(1, 5):
        assert math.isclose(modified_precision(hyp, refs, n), res.precisions[n - 1])
    short = hyp[:4]
    assert math.isclose(brevity_penalty(short, refs), corpus_bleu([short], [refs]).brevity_penalty)


def learner_beam_step(log_probs, scores, beam_width, bug=""):
    """A learner's step with heapq and loops."""
    cands = []
    for i in range(log_probs.shape[0]):
        for v in range(log_probs.shape[1]):
            s = log_probs[i, v] if bug == "no prefix" else scores[i] + log_probs[i, v]
            cands.append((s, -i, -v))
    top = heapq.nlargest(beam_width, cands)
    if bug == "swap":
        return (np.array([-v for _, _, v in top]), np.array([-i for _, i, _ in top]),
                np.array([s for s, _, _ in top]))
    return (np.array([-i for _, i, _ in top]), np.array([-v for _, _, v in top]),
            np.array([s for s, _, _ in top]))


def test_learner_beam_step_written_differently():
    assert check_beam_step(learner_beam_step).passed
    r = check_beam_step(lambda lp, s, b: learner_beam_step(lp, s, b, "no prefix"))
    assert not r.passed and r.mistake == "no prefix"


def learner_precision(hypothesis, references, n, clip=True):
    hyp = Counter(" ".join(hypothesis[i:i + n]) for i in range(len(hypothesis) - n + 1))
    if not hyp:
        return 0.0
    best = Counter()
    for ref in references:
        best |= Counter(" ".join(ref[i:i + n]) for i in range(len(ref) - n + 1))
    return sum(min(k, best[g]) if clip else (k if best[g] else 0) for g, k in hyp.items()) \
        / sum(hyp.values())


def test_learner_precision_nltk_style():
    assert check_modified_precision(learner_precision).passed
    r = check_modified_precision(lambda h, refs, n: learner_precision(h, refs, n, clip=False))
    assert r.mistake == "no clipping" and "2/7" in r.message


def test_learner_brevity_penalty_with_a_loop():
    def brevity_penalty(hypothesis, references):
        c, best = len(hypothesis), None
        for ref in references:
            if best is None or abs(len(ref) - c) < abs(best - c) or (
                    abs(len(ref) - c) == abs(best - c) and len(ref) < best):
                best = len(ref)
        return 1.0 if c > best else float(np.exp(1 - best / c))
    assert check_brevity_penalty(brevity_penalty).passed


@pytest.mark.parametrize("fn", [lambda *a: None, lambda *a: "x", lambda *a: 1 / 0,
                                lambda *a: (1, 2), lambda *a: [np.zeros(3)] * 3])
@pytest.mark.parametrize("check", [check_beam_step, check_modified_precision,
                                   check_brevity_penalty])
def test_checker_never_raises_on_garbage(fn, check):
    r = check(fn)
    assert not r.passed and r.message


def test_beam_step_keeps_best_overall_not_per_hypothesis():
    lp = np.log(np.array([[0.7, 0.2, 0.1], [0.4, 0.35, 0.25]]))
    idx, tok, new = beam_step(lp, np.array([-0.1, -2.0]), 3)
    assert idx.tolist() == [0, 0, 0] and tok.tolist() == [0, 1, 2]
    assert np.all(np.diff(new) <= 0)
