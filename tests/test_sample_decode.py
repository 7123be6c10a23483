"""Sampling through a decoder's step_fn (seqlab.seq2seq.search.sample_decode) and the per-step
distributions of a given output (step_log_probs), on test_beam_search's prefix-table models
and on the shipped number-words Transformer (TaskModel.sample / path_log_probs)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import seqlab
from seqlab.lm.sampling import adjust_logits
from seqlab.seq2seq.search import (
    greedy_decode,
    sample_decode,
    sequence_log_prob,
    step_log_probs,
    token_log_probs,
)
from seqlab.transformer.tasks import TaskModel
from tests.helpers.toy_lm import BOS, EOS, Model

TEXT = "four million, seventeen thousand and sixty-one"


@pytest.mark.parametrize("seed", range(6))
def test_temperature_0_and_top_1_are_greedy_search(seed):
    m = Model(V=5, seed=seed)
    g = greedy_decode(m.step_fn, m.init(), BOS, EOS, max_len=6)
    for kwargs in ({"temperature": 0.0}, {"top_k": 1, "temperature": 2.0}):
        s = sample_decode(m.step_fn, m.init(), BOS, EOS, max_len=6, seed=seed + 1, **kwargs)
        assert s.tokens == g.tokens and math.isclose(s.log_prob, g.log_prob, rel_tol=1e-12)
        assert np.all(s.probs.max(axis=1) == 1.0)


@pytest.mark.parametrize(("temperature", "top_k"), [(1.0, None), (0.5, None), (2.0, 2)])
def test_each_step_draws_from_the_adjusted_distribution(temperature, top_k):
    m = Model(V=6, seed=3, scale=1.0)
    for seed in range(20):
        s = sample_decode(m.step_fn, m.init(), BOS, EOS, max_len=5, temperature=temperature,
                          top_k=top_k, seed=seed)
        for t, v in enumerate(s.tokens):
            want = adjust_logits(s.log_probs[t][:, None], temperature, top_k)[:, 0]
            np.testing.assert_allclose(s.probs[t], want, rtol=0, atol=0)
            assert s.probs[t, v] > 0                              # never a token it cannot draw
            assert s.log_probs[t, v] == m.row(s.tokens[:t])[v]   # the model's own row
        assert math.isclose(s.log_prob, sequence_log_prob(m.step_fn, m.init(), BOS, s.tokens),
                            rel_tol=1e-12)
        assert s.tokens[-1] == EOS or len(s.tokens) == 5


def test_first_token_frequencies_follow_the_distribution():
    """2000 seeds: each first token's frequency within 4.5 standard errors of its p."""
    m = Model(V=4, seed=1, scale=1.0)
    first = [sample_decode(m.step_fn, m.init(), BOS, EOS, max_len=1, temperature=1.5,
                           seed=s).tokens[0] for s in range(2000)]
    p = adjust_logits(m.row([])[:, None], 1.5)[:, 0]
    freq = np.bincount(first, minlength=4) / 2000
    assert np.all(np.abs(freq - p) < 4.5 * np.sqrt(p * (1 - p) / 2000) + 1e-12), (freq, p)


def test_same_seed_same_output_and_bad_options_are_refused():
    m = Model(V=6, seed=2, scale=0.5)
    a = sample_decode(m.step_fn, m.init(), BOS, EOS, max_len=6, seed=7)
    b = sample_decode(m.step_fn, m.init(), BOS, EOS, max_len=6, seed=7)
    assert a.tokens == b.tokens
    with pytest.raises(ValueError, match=r"sample_decode\(temperature\)"):
        sample_decode(m.step_fn, m.init(), BOS, EOS, temperature=-1.0)
    with pytest.raises(ValueError, match=r"sample_decode\(top_k\)"):
        sample_decode(m.step_fn, m.init(), BOS, EOS, top_k=0)


def test_step_log_probs_rows_hold_the_token_log_probs():
    m = Model(V=5, seed=4)
    y = [2, 3, 1, EOS]
    rows = step_log_probs(m.step_fn, m.init(), BOS, y)
    assert rows.shape == (4, 5) and rows.dtype == np.float64
    np.testing.assert_array_equal(rows[np.arange(4), y], token_log_probs(m.step_fn, m.init(),
                                                                         BOS, y))
    np.testing.assert_allclose(np.exp(rows).sum(axis=1), 1.0, atol=1e-12)
    with pytest.raises(ValueError, match="at least one token"):
        step_log_probs(m.step_fn, m.init(), BOS, [])


@pytest.fixture(scope="module")
def numbers():
    return TaskModel.load(Path(seqlab.__file__).parent / "transformer" / "pretrained"
                          / "numbers.npz")


def test_task_model_sampling_and_path_distributions(numbers):
    greedy = numbers.greedy([TEXT])[0]
    text, res = numbers.sample(TEXT, temperature=0.0)
    assert text == greedy == "4017061" and res.tokens[-1] == numbers.eos
    best, beam = numbers.beam(TEXT, beam_width=3)
    rows = numbers.path_log_probs(TEXT, beam.best)
    assert best == greedy and rows.shape == (len(beam.best), len(numbers.tgt_vocab))
    np.testing.assert_allclose(rows, res.log_probs, rtol=0, atol=1e-6)
    assert np.all(np.isneginf(rows[:, :2]))                     # pad and bos never emitted
    hot, _ = numbers.sample(TEXT, temperature=5.0, seed=0)
    assert hot != greedy                                         # a flat distribution wanders
    with pytest.raises(ValueError, match=r"TaskModel.sample\(temperature\)"):
        numbers.sample(TEXT, temperature=-1)
