"""Beam-search error analysis (week 3): on tiny conditional models where the exhaustive optimum
is known, a greedy error against the optimum is always the search's fault, an error against a
less probable reference always the model's; log P by teacher forcing equals the sum of the
table's entries; fractions, normalization and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqlab.seq2seq import beam_search, exhaustive_search
from seqlab.seq2seq.error_analysis import (
    error_analysis,
    error_analysis_from_scores,
    teacher_forcing_scorer,
)

BOS, EOS, V = 7, 0, 4


def row(x, prefix):
    """log P(v | x, prefix): a random table per source x and prefix."""
    z = np.random.default_rng([x, *(t + 1 for t in prefix)]).normal(size=V) * 2.0
    return z - z.max() - np.log(np.exp(z - z.max()).sum())


def decoder(x):
    def step_fn(last, states):
        prefix = states.copy()
        if last[0] != BOS:
            prefix = np.concatenate([prefix, np.asarray(last)[:, None]], axis=1)
        lp = np.stack([row(x, [int(t) for t in p]) for p in prefix])
        return lp, prefix
    return step_fn, np.zeros((1, 0), dtype=int)


def true_log_p(x, y):
    return sum(row(x, y[:t])[y[t]] for t in range(len(y)))


def test_teacher_forced_log_prob_is_the_sum_of_the_table():
    log_prob = teacher_forcing_scorer(decoder, BOS)
    for x in range(5):
        y = [1, 3, 2, EOS]
        assert math.isclose(log_prob(x, y), true_log_p(x, y), rel_tol=1e-12)


def test_greedy_errors_against_the_optimum_are_search_errors():
    xs, refs, preds = [], [], []
    for x in range(60):
        greedy = beam_search(*decoder(x), BOS, EOS, beam_width=1, max_len=4, alpha=0.0).best
        if greedy[-1] != EOS:        # greedy was cut off at max_len: finished outputs only
            continue
        xs.append(x)
        preds.append(greedy)
        refs.append(exhaustive_search(*decoder(x), BOS, EOS, max_len=4)[0].tokens)
    res = error_analysis(xs, refs, preds, teacher_forcing_scorer(decoder, BOS), alpha=0.0)
    assert res.n_examples >= 20 and 0 < res.n_errors < res.n_examples   # greedy misses some
    assert res.fraction_search == 1.0 and res.fraction_model == 0.0
    for r in res.rows:
        assert r.log_p_ref > r.log_p_hat
        assert math.isclose(r.log_p_ref, true_log_p(xs[r.index], r.reference), rel_tol=1e-12)
        assert math.isclose(r.log_p_hat, true_log_p(xs[r.index], r.prediction), rel_tol=1e-12)
    text = res.table()
    assert "search at fault 100.0%" in text and str(res.rows[0].log_p_ref)[:6] in text


def test_wrong_references_ranked_lower_are_model_errors():
    xs = list(range(30))
    preds, refs = [], []
    for x in xs:
        ranked = exhaustive_search(*decoder(x), BOS, EOS, max_len=3)
        preds.append(ranked[0].tokens)      # the exact argmax: the search did its job
        refs.append(ranked[3].tokens)       # a "human" answer the model ranks 4th
    res = error_analysis(xs, refs, preds, teacher_forcing_scorer(decoder, BOS), alpha=0.0)
    assert res.n_errors == 30 and res.fraction("model") == 1.0


def test_normalization_can_change_the_verdict():
    # y* shorter and a bit more probable; ŷ longer with a better per-token average
    refs, preds = [[1, EOS]], [[1, 2, 3, 2, 1, EOS]]
    res = error_analysis_from_scores(refs, preds, [-3.0], [-4.0], alpha=1.0)
    r = res.rows[0]
    assert r.fault == "search" and r.fault_normalized == "model"
    assert math.isclose(r.score_ref, -1.5) and math.isclose(r.score_hat, -4.0 / 6)
    assert res.fraction("search") == 1.0 and res.fraction("search", normalized=True) == 0.0


def test_ties_go_to_the_model_and_correct_examples_are_not_errors():
    res = error_analysis_from_scores([[1, EOS], [2, EOS]], [[3, EOS], [2, EOS]], [-2.0, -1.0],
                                     [-2.0, -1.0], alpha=0.7)
    assert res.n_errors == 1 and res.rows[0].fault == "model" and res.n_examples == 2


@pytest.mark.parametrize("call, match", [
    (lambda: error_analysis_from_scores([[1]], [[1], [2]], [0.0], [0.0]), r"equal length"),
    (lambda: error_analysis_from_scores([[1]], [[]], [0.0], [0.0]), r"predictions\[0\]"),
    (lambda: error_analysis_from_scores(["ab"], [[1]], [0.0], [0.0]), r"references\[0\]"),
    (lambda: error_analysis([1, 2], [[1]], [[1]], lambda x, y: 0.0), r"error_analysis\(inputs\)"),
    (lambda: error_analysis([1], [[1]], [[1]], 3.0), r"error_analysis\(log_prob\)"),
])
def test_bad_input_raises_naming_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
