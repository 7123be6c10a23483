"""Exercise of notebook 13 (seq2seq basics): ``sequence_log_probability``.

The chain rule of a conditional language model, eq. (2) of :mod:`seqlab.seq2seq.search`:
log P(y | x) = Σ_t log P(y<t> | x, y<1..t-1>), eos included, computed by feeding the given
output back into the decoder one token at a time (teacher forcing) through the decoder
interface ``step_fn(last_tokens (k,), states) -> (log_probs (k, V), new_states)`` with k = 1.
The reference is :func:`seqlab.seq2seq.search.sequence_log_prob`. The cases use the notebook's
hand-made table model and a small random RNN decoder, whose state really carries the prefix.
"""

from __future__ import annotations

import numpy as np

from seqlab.exercises.core import Case, Exercise, Mistake
from seqlab.seq2seq.search import sequence_log_prob

# A hand-made conditional model like the notebook's: P(next word | words so far).
_WORDS = ["<eos>", "jane", "is", "visiting", "going", "to", "africa"]
_TABLE = {(): {"jane": 0.9}, ("jane",): {"is": 0.9},
          ("jane", "is"): {"going": 0.5, "visiting": 0.4},
          ("jane", "is", "visiting"): {"africa": 0.9},
          ("jane", "is", "visiting", "africa"): {"<eos>": 0.9},
          ("jane", "is", "going"): {"to": 0.9}, ("jane", "is", "going", "to"): {"africa": 0.6},
          ("jane", "is", "going", "to", "africa"): {"<eos>": 0.9}}
_BOS = len(_WORDS)


def _table_step(last_tokens, states):
    """states (k, t): the words so far; bos is not stored."""
    if last_tokens[0] != _BOS:
        states = np.concatenate([states, np.asarray(last_tokens)[:, None]], axis=1)
    rows = []
    for row in states:
        given = _TABLE.get(tuple(_WORDS[t] for t in row), {"<eos>": 0.9})
        rest = (1 - sum(given.values())) / (len(_WORDS) - len(given))
        rows.append(np.log([given.get(w, rest) for w in _WORDS]))
    return np.stack(rows), states


def _table_case(sentence):
    def make(r):
        return {"step_fn": _table_step, "init_state": np.zeros((1, 0), dtype=np.int64),
                "bos": _BOS, "tokens": [_WORDS.index(w) for w in sentence.split()]}
    return make


def _rnn_case(V, H, T, end_with_eos=True):
    """A random RNN decoder: h = tanh(h W + E[last]), log P = log_softmax(h U)."""
    def make(r):
        W, E, U = r.normal(size=(H, H)) * 0.8, r.normal(size=(V + 1, H)), r.normal(size=(H, V))

        def step_fn(last_tokens, states):
            h = np.tanh(states @ W + E[np.asarray(last_tokens)])       # (k, H)
            z = h @ U                                                   # (k, V)
            z = z - z.max(axis=1, keepdims=True)
            return z - np.log(np.exp(z).sum(axis=1, keepdims=True)), h

        tokens = [int(v) for v in r.integers(1, V, size=T - 1)] + [0 if end_with_eos else 1]
        return {"step_fn": step_fn, "init_state": r.normal(size=(1, H)), "bos": V,
                "tokens": tokens}
    return make


def _bug_version(step_fn, init_state, bos, tokens, bug=None):
    """Eq. (2) by teacher forcing, with one known ``bug`` switched on."""
    tokens = list(tokens)
    if bug == "without eos":
        tokens = tokens[:-1]
    state, last, terms = init_state, bos, []
    if bug == "no bos":                     # starts by feeding the first token, scores the rest
        last, tokens = tokens[0], tokens[1:]
    for y in tokens:
        log_probs, new_state = step_fn(np.array([last]), init_state if bug == "state not "
                                       "carried" else state)
        state = new_state
        terms.append(float(log_probs[0].max() if bug == "argmax" else log_probs[0, y]))
        last = y
    terms = np.array(terms)
    if bug == "product":
        return float(np.prod(np.exp(terms)))
    if bug == "summed probabilities":
        return float(np.exp(terms).sum())
    if bug == "mean":
        return float(terms.mean()) if terms.size else 0.0
    return float(terms.sum())


def _mistake(bug):
    return lambda step_fn, init_state, bos, tokens: _bug_version(step_fn, init_state, bos,
                                                                 tokens, bug)


SEQUENCE_LOG_PROBABILITY = Exercise(
    name="sequence_log_probability",
    signature="sequence_log_probability(step_fn, init_state, bos, tokens) -> log_prob",
    reference=sequence_log_prob,
    library_name="seqlab.seq2seq.search.sequence_log_prob",
    week="3",
    output_names=("log_prob",),
    cases=[
        Case("a random RNN decoder, V = 5, 6 tokens", _rnn_case(5, 4, 6)),
        Case("the table model: jane is visiting africa <eos>",
             _table_case("jane is visiting africa <eos>")),
        Case("the table model: jane is going to africa <eos>",
             _table_case("jane is going to africa <eos>")),
        Case("the empty sentence: just <eos>", _rnn_case(4, 3, 1)),
        Case("a random RNN decoder, V = 9, 20 tokens", _rnn_case(9, 6, 20)),
    ],
    mistakes=[
        Mistake("product", _mistake("product"),
                "return the LOG-probability: add the log P of each token (2). You returned the "
                "product of probabilities, which underflows for long sentences."),
        Mistake("summed probabilities", _mistake("summed probabilities"),
                "the chain rule MULTIPLIES the conditional probabilities, so their logs add "
                "(2): sum the log P, not the probabilities."),
        Mistake("without eos", _mistake("without eos"),
                "the last token, <eos>, is part of the output and its probability counts: a "
                "sentence must also be likely to END there. Score every token of `tokens`."),
        Mistake("no bos", _mistake("no bos"),
                "the first step feeds `bos` (there is no previous word yet) and scores "
                "tokens[0]; then each step feeds the previous token. You skipped the first "
                "token's probability."),
        Mistake("state not carried", _mistake("state not carried"),
                "pass the NEW state that step_fn returned into the next call: the state is "
                "where the decoder remembers x and y<1..t-1>. You restarted from init_state "
                "at every step."),
        Mistake("argmax", _mistake("argmax"),
                "score the GIVEN token, log_probs[0, y<t>], and feed it back (teacher "
                "forcing); you took the best token's log-probability, which is greedy "
                "search's score, not this sentence's."),
        Mistake("mean", _mistake("mean"),
                "eq. (2) is a sum over t, not a mean: length normalization comes later, in "
                "beam search's score, not in log P(y | x)."),
    ],
    hints=[
        "Start with last = bos and state = init_state. For each token y of `tokens`: call "
        "step_fn on [last] and the state, add log P(y) from the (1, V) result, then last = y.",
        "log_probs, state = step_fn(np.array([last]), state); total += log_probs[0, y]; "
        "last = y  (keep the new state: it carries the prefix).",
        "total, state, last = 0.0, init_state, bos; for y in tokens: log_probs, state = "
        "step_fn(np.array([last]), state); total += float(log_probs[0, y]); last = y; "
        "return total",
    ],
)

EXERCISES = {ex.name: ex for ex in (SEQUENCE_LOG_PROBABILITY,)}
