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

All three use the same decoder interface as :func:`~seqlab.seq2seq.beam.beam_search`:
``step_fn(last_tokens (k,), states (leaves (k, ...)) or None) -> (log_probs (k, V),
new_states)``. The candidates of exhaustive search are the outputs that end in ``eos`` within
``max_len`` tokens, ranked by ``log P / T_y^α`` (``alpha=0``: eq. 2 itself).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from seqlab.backend import get_array_module, to_numpy
from seqlab.seq2seq.beam import (
    _call_step,
    _check_alpha,
    _check_states,
    _leaves,
    normalized_score,
)

__all__ = ["Decoded", "exhaustive_search", "greedy_decode", "sequence_log_prob",
           "token_log_probs"]


class Decoded(NamedTuple):
    """An output (tokens without bos, eos last if it ended), its log P (2) and score."""

    tokens: list
    log_prob: float
    score: float


def _check_common(where, init_state, bos, eos, max_len):
    for name, v in (("bos", bos), ("eos", eos), ("max_len", max_len)):
        if isinstance(v, bool) or not isinstance(v, int) or v < (1 if name == "max_len" else 0):
            raise ValueError(f"{where}({name}): expected an int >= "
                             f"{1 if name == 'max_len' else 0}, got {v!r}")
    _check_states(init_state, 1, f"{where}(init_state)")
    return get_array_module(*_leaves(init_state))


def greedy_decode(step_fn: Callable, init_state: Any, bos: int, eos: int,
                  max_len: int = 50) -> Decoded:
    """Greedy search: ŷ<t> = argmax_v P(v | x, ŷ<1..t-1>) until eos or ``max_len`` tokens.

    Returns
    -------
    Decoded(tokens, log_prob, score) with score = log_prob (no length normalization).
    """
    xp = _check_common("greedy_decode", init_state, bos, eos, max_len)
    tokens, total, state, last = [], 0.0, init_state, bos
    for t in range(1, max_len + 1):
        lp, state = _call_step(step_fn, xp.asarray([last], dtype="int64"), state, 1, None, t)
        last = int(lp[0].argmax())                 # the single most likely next token
        total += float(lp[0, last])                # (2)
        tokens.append(last)
        if last == eos:
            break
    return Decoded(tokens, total, total)


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
    xp = _check_common("exhaustive_search", init_state, bos, eos, max_len)
    _check_alpha(alpha, "exhaustive_search")
    out: list[Decoded] = []
    expanded = [0]

    def visit(prefix: list, logp: float, state: Any, last: int) -> None:
        expanded[0] += 1
        if expanded[0] > limit:
            raise ValueError(f"exhaustive_search(limit): more than {limit} prefixes to expand "
                             f"(V^max_len grows fast); lower max_len or use beam_search")
        lp, new_state = _call_step(step_fn, xp.asarray([last], dtype="int64"), state, 1,
                                   None, len(prefix) + 1)
        for v in range(lp.shape[1]):
            y, total = prefix + [v], logp + float(lp[0, v])      # (2), one token longer
            if v == eos:
                out.append(Decoded(y, total, normalized_score(total, len(y), alpha)))
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
    tokens = [int(v) for v in to_numpy(tokens)] if hasattr(tokens, "shape") else list(tokens)
    if any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in tokens):
        raise ValueError(f"token_log_probs(tokens): expected a list of token ids (ints >= 0), "
                         f"got {tokens!r}")
    xp = _check_common("token_log_probs", init_state, bos, 0, 1)
    out, state, last = [], init_state, bos
    for t, v in enumerate(tokens, start=1):
        lp, state = _call_step(step_fn, xp.asarray([last], dtype="int64"), state, 1, None, t)
        if v >= lp.shape[1]:
            raise ValueError(f"token_log_probs(tokens): token {v} at position {t} is outside "
                             f"the vocabulary of size V = {lp.shape[1]}")
        out.append(lp[0, v])                                     # teacher forcing: feed y<t>
        last = v
    hp = get_array_module(lp) if tokens else None
    return hp.asarray(out, dtype="float64") if tokens else to_numpy(xp.zeros(0))


def sequence_log_prob(step_fn: Callable, init_state: Any, bos: int,
                      tokens: Sequence[int]) -> float:
    """log P(y | x) (2) of a given output ``tokens``, by teacher forcing through ``step_fn``."""
    return float(token_log_probs(step_fn, init_state, bos, tokens).sum())
