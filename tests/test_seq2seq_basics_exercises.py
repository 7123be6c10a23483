"""Notebook 13's exercise: sequence_log_probability (the chain rule (2) by teacher forcing).

tests/test_exercises.py checks every registered exercise generically. Here: a learner's loop
with one slip each gets the registered diagnosis; the plain version behind the mistakes equals
the library's sequence_log_prob and a brute-force product of the conditional tables; the
sentences of every output length sum to 1 under the table model (a check of the cases' model);
odd answers never crash the check; the stub is "open".
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from seqlab.exercises import REGISTRY, check_sequence_log_probability
from seqlab.exercises.seq2seq_basics import _BOS, _WORDS, _bug_version, _table_step
from seqlab.seq2seq.search import exhaustive_search

EX = REGISTRY["sequence_log_probability"]


def learner(step_fn, init_state, bos, tokens, bug=""):
    """The straightforward loop; ``bug`` switches on one slip."""
    total, state, last = 0.0, init_state, bos
    for y in (tokens[:-1] if bug == "eos" else tokens):
        log_probs, new_state = step_fn(np.array([last]), state)
        if bug != "state":
            state = new_state
        total = total * np.exp(log_probs[0, y]) if bug == "prod" else total + log_probs[0, y]
        if bug == "prod" and total == 0.0:
            total = np.exp(log_probs[0, y])
        last = y
    return total / len(tokens) if bug == "mean" else total


@pytest.mark.parametrize(("bug", "mistake"), [
    ("eos", "without eos"), ("state", "state not carried"), ("prod", "product"),
    ("mean", "mean"),
])
def test_learner_variants_are_diagnosed(bug, mistake):
    def sequence_log_probability(step_fn, init_state, bos, tokens):
        return learner(step_fn, init_state, bos, tokens, bug)

    result = check_sequence_log_probability(sequence_log_probability)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_the_straightforward_loop_passes():
    assert check_sequence_log_probability(lambda *args: learner(*args)).passed


def test_plain_version_equals_the_library_and_the_product_of_the_tables():
    rng = np.random.default_rng(5)
    for case in EX.cases:
        kwargs = case.make(rng)
        assert abs(_bug_version(**kwargs) - EX.reference(**kwargs)) < 1e-12
    tokens = [_WORDS.index(w) for w in "jane is going to africa <eos>".split()]
    want = np.log(0.9 * 0.9 * 0.5 * 0.9 * 0.6 * 0.9)        # the table's entries, by hand
    got = _bug_version(_table_step, np.zeros((1, 0), dtype=np.int64), _BOS, tokens)
    assert abs(got - want) < 1e-12


def test_the_table_model_is_a_distribution_over_sentences():
    init = np.zeros((1, 0), dtype=np.int64)
    ranked = exhaustive_search(_table_step, init, _BOS, 0, max_len=3)
    total = sum(np.exp(_bug_version(_table_step, init, _BOS, d.tokens)) for d in ranked)
    unfinished = sum(np.exp(_bug_version(_table_step, init, _BOS, list(p)))
                     for p in itertools.product(range(1, len(_WORDS)), repeat=3))
    assert abs(total + unfinished - 1.0) < 1e-12      # finished within 3 + still going


def test_every_mistake_is_wrong_and_named_by_the_checker():
    assert 5 <= len(EX.mistakes) <= 8 and len(EX.hints) == 3
    for mistake in EX.mistakes:
        result = check_sequence_log_probability(mistake.fn)
        assert result.status == "failed" and result.mistake == mistake.name, (
            mistake.name, repr(result))


@pytest.mark.parametrize("answer", [None, "jane", (1.0, 2.0), np.zeros(3), [0.5]])
def test_odd_answers_fail_with_a_message_never_a_traceback(answer):
    result = check_sequence_log_probability(lambda *args: answer)
    assert result.status == "failed" and result.message


def test_a_crash_inside_the_learners_loop_is_reported_not_raised():
    def sequence_log_probability(step_fn, init_state, bos, tokens):
        total, state, last = 0.0, init_state, bos
        for y in tokens:
            log_probs, state = step_fn(np.array([last]), state)
            total += log_probs[y]                          # (1, V): row 0 forgotten
            last = y
        return total

    result = check_sequence_log_probability(sequence_log_probability)
    assert result.status == "failed" and "raised IndexError" in result.message
    assert any("log_probs[y]" in d for d in result.details)   # the learner's own line


def test_the_stub_is_open():
    def sequence_log_probability(step_fn, init_state, bos, tokens):
        raise NotImplementedError()

    assert check_sequence_log_probability(sequence_log_probability).status == "open"
