r"""Greedy search, exhaustive search, and scoring a given output with a decoder's ``step_fn``.

*Sequence Models*, week 3, "Picking the most likely sentence": the decoder is a conditional
language model, and the output we want is

.. math::

    (1)\quad \hat y = \arg\max_{y^{\langle 1\rangle}, \dots, y^{\langle T_y\rangle}}
        P(y^{\langle 1\rangle}, \dots, y^{\langle T_y\rangle} \mid x), \qquad
    (2)\quad \log P(y \mid x) = \sum_{t=1}^{T_y} \log P(y^{\langle t\rangle} \mid x,
        y^{\langle 1\rangle}, \dots, y^{\langle t-1\rangle}).

**Greedy search** picks the most likely first token, then the most likely second given it,
and so on; it need not find (1), since the best sentence may start with a less likely token.
**Exhaustive search** scores every candidate with (2) and is exact, but there are
:math:`V^{T_y}` of them: fine for a toy vocabulary, impossible for a real one. Beam search
(:mod:`seqlab.seq2seq.beam`) sits between the two.

**Sampling** (week 1's "Sampling novel sequences", on a conditional model) draws each token
from the decoder's distribution instead, reshaped by a temperature τ and top-k
(:func:`seqlab.lm.sampling.adjust_logits`, :func:`~seqlab.lm.sampling.draw`): τ → 0 is greedy
search, large τ flattens the distribution.

All of them use the same decoder interface as :func:`~seqlab.seq2seq.beam.beam_search`:
``step_fn(last_tokens (k,), states (leaves (k, ...)) or None) -> (log_probs (k, V),
new_states)``. The candidates of exhaustive search are the outputs that end in ``eos`` within
``max_len`` tokens, ranked by ``log P / T_y^α`` (``alpha=0``: eq. 2 itself).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from seqlab._validate import IdError, as_array, check_int, check_rng
from seqlab.backend import get_array_module, to_numpy
from seqlab.lm.sampling import _check_options, adjust_logits, draw
from seqlab.seq2seq.beam import (
    _call_step,
    _check_alpha,
    _check_search,
    _check_vocab,
    _leaves,
    _score,
)

__all__ = ["Decoded", "Sampled", "exhaustive_search", "greedy_decode", "sample_decode",
           "sequence_log_prob", "step_log_probs", "token_log_probs"]


class Decoded(NamedTuple):
    """An output (tokens without bos, eos last if it ended), its log P (2) and score."""

    tokens: list
    log_prob: float
    score: float


def greedy_decode(step_fn: Callable, init_state: Any, bos: int, eos: int,
                  max_len: int = 50) -> Decoded:
    """Greedy search: ŷ<t> = argmax_v P(v | x, ŷ<1..t-1>) until eos or ``max_len`` tokens.

    Returns
    -------
    Decoded(tokens, log_prob, score) with score = log_prob (no length normalization).
    """
    f = "greedy_decode"
    bos, eos, max_len, xp = _check_search(f, step_fn, init_state, bos, eos, max_len)
    tokens, total, state, last = [], 0.0, init_state, bos
    for t in range(1, max_len + 1):
        lp, state = _call_step(step_fn, xp.asarray([last], dtype="int64"), state, 1, None, t, f)
        if t == 1:
            _check_vocab(f, lp.shape[1], eos=eos)
        last = int(lp[0].argmax())                 # the single most likely next token
        total += float(lp[0, last])                # (2)
        tokens.append(last)
        if last == eos:
            break
    return Decoded(tokens, total, total)


class Sampled(NamedTuple):
    """A sampled output, its log P (2) under the model, and each step's two distributions."""

    tokens: list        # the drawn ids, eos last if it was drawn
    log_prob: float     # log P(y | x) (2), the model's own (τ = 1, no top-k)
    log_probs: Any      # host (T_y, V): log P(· | x, y<1..t-1>) at each step
    probs: Any          # host (T_y, V): the distribution each token was drawn from (τ, top-k)


def sample_decode(step_fn: Callable, init_state: Any, bos: int, eos: int, max_len: int = 50,
                  temperature: float = 1.0, top_k: int | None = None, seed=0) -> Sampled:
    """Sampling: y<t> drawn from softmax(log P(· | x, y<1..t-1>) / τ) over the top k tokens,
    until eos or ``max_len`` tokens; τ = 0 is :func:`greedy_decode`.

    ``seed`` is an int or a numpy Generator: the same seed draws the same output.
    """
    f = "sample_decode"
    bos, eos, max_len, xp = _check_search(f, step_fn, init_state, bos, eos, max_len)
    temperature, top_k = _check_options(temperature, top_k, f)
    rng = check_rng(seed, f"{f}(seed)")
    tokens, total, rows, drawn_from, state, last = [], 0.0, [], [], init_state, bos
    for t in range(1, max_len + 1):
        lp, state = _call_step(step_fn, xp.asarray([last], dtype="int64"), state, 1, None, t, f)
        if t == 1:
            _check_vocab(f, lp.shape[1], eos=eos)
        p = adjust_logits(lp.T, temperature, top_k)          # (V, 1), τ and top-k applied
        last = draw(p, rng)[0]                                # y<t> ~ p
        total += float(lp[0, last])                           # (2), under the model itself
        tokens.append(last)
        rows.append(to_numpy(lp[0]))
        drawn_from.append(to_numpy(p[:, 0]))
        if last == eos:
            break
    hp = get_array_module(rows[0])
    return Sampled(tokens, total, hp.stack(rows).astype("float64"), hp.stack(drawn_from))


def greedy_batch(step_fn: Callable, init_state: Any, m: int, bos: int, eos: int,
                 max_len: int) -> list[list[int]]:
    """Greedy search for a batch of m inputs at once: one ``step_fn`` call per step for all.

    ``init_state`` carries a leading axis of size m (as for :func:`beam_search` with k = m).
    Returns per input the token ids without bos, ending in eos unless ``max_len`` tokens were
    emitted. Each row equals :func:`greedy_decode` of that input (width-1 beam search).
    """
    xp = get_array_module(*_leaves(init_state))
    last = xp.full((m,), bos, dtype=xp.int64)
    out, done, state = [[] for _ in range(m)], [False] * m, init_state
    for _ in range(max_len):
        log_probs, state = step_fn(last, state)
        last = xp.argmax(log_probs, axis=1)                   # ŷ<t> = argmax_v P(v | x, ŷ<t)
        for i, tok in enumerate(to_numpy(last).tolist()):
            if not done[i]:
                out[i].append(int(tok))
                done[i] = tok == eos
        if all(done):
            break
    return out


def exhaustive_search(step_fn: Callable, init_state: Any, bos: int, eos: int,
                      max_len: int = 5, alpha: float = 0.0, limit: int = 200_000
                      ) -> list[Decoded]:
    """Every output ending in eos within ``max_len`` tokens, scored by (2), best first by
    log P / T_y^α: the exact (1).

    Depth-first, one ``step_fn`` call per prefix (k = 1). Raises ValueError when more than
    ``limit`` prefixes would be expanded (a real vocabulary: use beam search).

    Returns
    -------
    list of Decoded, best first (ties: the earlier in lexicographic token order first).
    """
    f = "exhaustive_search"
    bos, eos, max_len, xp = _check_search(f, step_fn, init_state, bos, eos, max_len)
    alpha = _check_alpha(alpha, f)
    limit = check_int(limit, f"{f}(limit)", 1)
    out: list[Decoded] = []
    expanded = [0]

    def visit(prefix: list, logp: float, state: Any, last: int) -> None:
        expanded[0] += 1
        if expanded[0] > limit:
            raise ValueError(f"exhaustive_search(limit): more than {limit} prefixes to expand "
                             f"(V^max_len grows fast); lower max_len or use beam_search")
        lp, new_state = _call_step(step_fn, xp.asarray([last], dtype="int64"), state, 1,
                                   None, len(prefix) + 1, f)
        if not prefix:
            _check_vocab(f, lp.shape[1], eos=eos)
        for v in range(lp.shape[1]):
            y, total = prefix + [v], logp + float(lp[0, v])      # (2), one token longer
            if v == eos:
                out.append(Decoded(y, total, _score(total, len(y), alpha)))
            elif len(y) < max_len:
                visit(y, total, new_state, v)

    visit([], 0.0, init_state, bos)
    return sorted(out, key=lambda d: -d.score)                   # stable: ties keep order


def token_log_probs(step_fn: Callable, init_state: Any, bos: int, tokens: Sequence[int]):
    """log P(y<t> | x, y<1..t-1>) of each given token, by teacher forcing through ``step_fn``.

    Parameters
    ----------
    tokens : the output y<1..T_y> (without bos; include eos to score a finished sentence)

    Returns
    -------
    host float64 array (T_y,), whose sum is log P(y | x) (2).
    """
    return _token_log_probs(step_fn, init_state, bos, tokens, "token_log_probs")


def step_log_probs(step_fn: Callable, init_state: Any, bos: int, tokens: Sequence[int]):
    """log P(· | x, y<1..t-1>) over the whole vocabulary at each step of a given output,
    by teacher forcing through ``step_fn``: host float64 array (T_y, V)."""
    f = "step_log_probs"
    tokens, rows = _teacher_forced(step_fn, init_state, bos, tokens, f)
    if not tokens:
        raise ValueError(f"{f}(tokens): expected at least one token, got none")
    return to_numpy(get_array_module(rows[0]).stack(rows)).astype("float64")


def _teacher_forced(step_fn, init_state, bos, tokens, f: str) -> tuple[list, list]:
    """(the tokens as a list of ints, [log P(· | x, y<1..t-1>) (V,) for each step])."""
    tokens = to_numpy(as_array(tokens, f"{f}(tokens)", "int", ndim=1, symbols="(T_y,) of token "
                               "ids")).tolist()
    if any(v < 0 for v in tokens):
        raise IdError(f"{f}(tokens): expected token ids >= 0, got {tokens!r}")
    bos, _, _, xp = _check_search(f, step_fn, init_state, bos, 0, 1)
    rows, state, last = [], init_state, bos
    for t, v in enumerate(tokens, start=1):
        lp, state = _call_step(step_fn, xp.asarray([last], dtype="int64"), state, 1, None, t, f)
        if v >= lp.shape[1]:
            raise IdError(f"{f}(tokens): expected token ids < V = {lp.shape[1]}, got {v} at "
                          f"position {t}")
        rows.append(lp[0])                                       # teacher forcing: feed y<t>
        last = v
    return tokens, rows


def _token_log_probs(step_fn, init_state, bos, tokens, f: str):
    tokens, rows = _teacher_forced(step_fn, init_state, bos, tokens, f)
    if not tokens:
        return to_numpy(get_array_module(*_leaves(init_state)).zeros(0))
    hp = get_array_module(rows[0])
    return hp.asarray([row[v] for row, v in zip(rows, tokens, strict=True)], dtype="float64")


def sequence_log_prob(step_fn: Callable, init_state: Any, bos: int,
                      tokens: Sequence[int]) -> float:
    """log P(y | x) (2) of a given output ``tokens``, by teacher forcing through ``step_fn``."""
    return float(_token_log_probs(step_fn, init_state, bos, tokens, "sequence_log_prob").sum())
