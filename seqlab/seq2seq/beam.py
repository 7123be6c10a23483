r"""Beam search with length normalization, and the tree of every hypothesis it expanded.

*Sequence Models*, week 3, "Beam search" and "Refinements to beam search": machine
translation as a conditional language model asks for the most likely output sentence,

.. math::

    (1)\quad \hat y = \arg\max_{y} \sum_{t=1}^{T_y} \log P(y^{\langle t\rangle} \mid x,
        y^{\langle 1\rangle}, \dots, y^{\langle t-1\rangle}),

which no decoder can compute by trying every sentence. Beam search keeps the ``B`` (beam
width) most probable prefixes at each step: every prefix is extended by every token, the
cumulative log-probability of each extension is

.. math::

    (2)\quad \log P(y^{\langle 1..t\rangle} \mid x) = \log P(y^{\langle 1..t-1\rangle} \mid x)
        + \log P(y^{\langle t\rangle} \mid x, y^{\langle 1..t-1\rangle}),

and the ``B`` best of the ``k·V`` extensions survive. ``B = 1`` is greedy search. Long outputs
multiply more probabilities below 1, so the lecture ranks the finished candidates by the
length-normalized objective

.. math::

    (3)\quad \mathrm{score}(y) = \frac{1}{T_y^{\alpha}} \sum_{t=1}^{T_y} \log P(y^{\langle t
        \rangle} \mid x, y^{\langle 1..t-1\rangle}), \qquad T_y \text{ counting } \langle EOS
        \rangle,

α = 0: no normalization, α = 1: the mean log-probability per token, α = 0.7 in practice.

Shapes
------
===========  =================  ==========================================================
name         shape              meaning
===========  =================  ==========================================================
last_tokens  (k,) int           the last token of each of the k live hypotheses (bos first)
states       leaves (k, ...)    the decoder state of each hypothesis, or None; any nest of
                                tuples / lists / dicts / NamedTuples of arrays
log_probs    (k, V)             log P(y<t> = v | x, y<1..t-1>) for each hypothesis
===========  =================  ==========================================================

Notes
-----
As in the lecture, the search keeps the ``B`` extensions with the highest *unnormalized*
log-probability (2), and eq. (3) only ranks the candidates at the end: a hypothesis that
emits ``<EOS>`` is set aside as finished and the beam continues with the others (it shrinks),
until no hypothesis is live or ``max_len`` tokens were emitted. The candidates are the finished
hypotheses, ranked by (3); the live ones cut off at ``max_len`` rank after every finished one
(they are the answer only when nothing finished). So α never changes the search, only which
candidate wins: :meth:`BeamResult.rerank` re-ranks a search for another α without decoding.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from seqlab._validate import (
    as_array,
    check_callable,
    check_ids,
    check_int,
    check_number,
    check_token,
)
from seqlab.backend import get_array_module, to_numpy

__all__ = ["BeamNode", "BeamResult", "Hypothesis", "beam_search", "beam_step", "gather_states",
           "normalized_score"]


class BeamNode(NamedTuple):
    """One hypothesis in the search tree (node 0 is the root, the bos prefix)."""

    id: int
    parent: int          # -1 for the root
    token: int           # the token this node appended (bos for the root)
    log_prob: float      # cumulative log P(y<1..t> | x)  (2)
    score: float         # (3) with the result's α, over the t tokens so far
    step: int            # t, the number of tokens emitted (0 for the root)
    status: str          # "root", "live", "finished" (ended in eos), "cut" (live at
    #                      max_len), "pruned" (a runner-up that did not enter the beam)
    chosen: bool = False  # on the path of the best candidate


class Hypothesis(NamedTuple):
    """A candidate output: its tokens (without bos), log P (2), score (3), tree node."""

    tokens: list
    log_prob: float
    score: float
    finished: bool
    node: int


def normalized_score(log_prob: float, length: int, alpha: float) -> float:
    """(3): log P(y|x) / T_y^α; T_y = ``length`` counts eos (0 tokens gives log P itself)."""
    lp = check_number(log_prob, "normalized_score(log_prob)", allow_inf=True)
    if not lp <= 1e-9:                                  # a sum of log-probabilities is <= 0
        raise ValueError(f"normalized_score(log_prob): expected a log-probability <= 0, got "
                         f"{log_prob!r}")
    length = check_int(length, "normalized_score(length)", 0)
    return _score(lp, length, _check_alpha(alpha, "normalized_score"))


def _score(log_prob: float, length: int, alpha: float) -> float:
    return log_prob / (max(length, 1) ** alpha)


@dataclass
class BeamResult:
    """What :func:`beam_search` found.

    ``best`` (token list without bos, ending in eos unless max_len was reached), ``best_score``
    (3), ``best_log_prob`` (2), ``hypotheses`` (all candidates, best first: finished ones by
    (3), then those cut at max_len), ``tree`` (every
    hypothesis the beam kept plus up to B pruned runners-up per step, as :class:`BeamNode`).
    """

    best: list
    best_score: float
    best_log_prob: float
    hypotheses: list
    tree: list
    alpha: float
    beam_width: int
    steps: int = 0
    step_calls: int = 0

    def rerank(self, alpha: float) -> BeamResult:
        """The same search ranked by (3) with another α (the search itself never used α)."""
        alpha = _check_alpha(alpha, "BeamResult.rerank")
        hyps = sorted((h._replace(score=_score(h.log_prob, len(h.tokens), alpha))
                       for h in self.hypotheses), key=lambda h: (not h.finished, -h.score,
                                                                 h.node))
        on_path = _path_ids(self.tree, hyps[0].node)
        tree = [n._replace(score=_score(n.log_prob, n.step, alpha),
                           chosen=n.id in on_path) for n in self.tree]
        return replace(self, best=list(hyps[0].tokens), best_score=hyps[0].score,
                       best_log_prob=hyps[0].log_prob, hypotheses=hyps, tree=tree,
                       alpha=float(alpha))


def _path_ids(tree: list, node: int) -> set:
    ids = set()
    while node >= 0:
        ids.add(node)
        node = tree[node].parent
    return ids


def _check_alpha(alpha, where) -> float:
    try:
        return check_number(alpha, f"{where}(alpha)", 0, 10)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{e} (the lecture's α, 0.7 in practice)") from None


def _check_search(where: str, step_fn, init_state, bos, eos, max_len) -> tuple:
    """The arguments every decoder shares: (bos, eos, max_len, xp); eos must be < V, which
    :func:`_check_vocab` checks once the first step shows V."""
    check_callable(step_fn, f"{where}(step_fn)",
                   "a callable step_fn(last_tokens, states) -> (log_probs, new_states)")
    bos, eos = (check_int(v, f"{where}({n}) (a token id)", 0) for n, v in (("bos", bos),
                                                                         ("eos", eos)))
    max_len = check_int(max_len, f"{where}(max_len)", 1)
    _check_states(init_state, 1, f"{where}(init_state)")
    return bos, eos, max_len, get_array_module(*_leaves(init_state))


def _check_vocab(where: str, V: int, **ids) -> None:
    """Every decoder's rule: eos is a token id < V (an eos >= V never ends a search). bos is
    the decoder's input, which need not be an output token (models check it themselves)."""
    for name, v in ids.items():
        check_token(v, V, f"{where}({name})")


def _leaves(state: Any) -> list:
    if state is None:
        return []
    if isinstance(state, dict):
        return [x for v in state.values() for x in _leaves(v)]
    if isinstance(state, tuple | list):
        return [x for v in state for x in _leaves(v)]
    return [state]


def gather_states(state: Any, index, where: str = "gather_states(state)") -> Any:
    """Rows ``index`` (k',) of every array in a nest of tuples/lists/dicts/NamedTuples (axis 0,
    ``xp.take``); None stays None. This is how a hypothesis's children inherit its state."""
    index = as_array(index, "gather_states(index)", "int", ndim=1, symbols="(k',) of rows")
    for leaf in _leaves(state):
        if hasattr(leaf, "shape") and len(leaf.shape):
            check_ids(index, leaf.shape[0], "gather_states(index)")
    return _gather(state, index, where)


def _gather(state: Any, index, where: str) -> Any:
    if state is None:
        return None
    if isinstance(state, dict):
        return {k: _gather(v, index, where) for k, v in state.items()}
    if isinstance(state, tuple) and hasattr(state, "_fields"):  # a NamedTuple (a cache)
        return type(state)(*(_gather(v, index, where) for v in state))
    if isinstance(state, tuple | list):
        return type(state)(_gather(v, index, where) for v in state)
    if not hasattr(state, "shape") or len(state.shape) == 0:
        raise TypeError(f"{where}: expected arrays with a leading axis of size k (one row per "
                        f"hypothesis) in a tuple/list/dict, or None; got {type(state).__name__}")
    xp = get_array_module(state)
    return xp.take(state, xp.asarray(index), axis=0)


def _check_states(state: Any, k: int, where: str) -> None:
    for leaf in _leaves(state):
        shape = getattr(leaf, "shape", None)
        if shape is None or len(shape) == 0 or shape[0] != k:
            got = f"shape {tuple(shape)}" if shape is not None else type(leaf).__name__
            raise ValueError(f"{where}: expected every state array to have a leading axis of "
                             f"size k = {k} (one row per live hypothesis), got {got}")


def _call_step(step_fn, last_tokens, states, k, V, step, where="beam_search"):
    """step_fn on k hypotheses, its output validated: (host float64 (k, V), new states)."""
    out = step_fn(last_tokens, states)
    if not isinstance(out, tuple) or len(out) != 2:
        raise TypeError(f"{where}(step_fn): expected step_fn(last_tokens, states) to return "
                        f"a tuple (log_probs (k, V), new_states), got {type(out).__name__} at "
                        f"step {step}")
    log_probs, new_states = out
    lp = to_numpy(log_probs)
    shape = getattr(lp, "shape", None)
    if shape is None or len(shape) != 2 or shape[0] != k or (V is not None and shape[1] != V):
        want = f"({k}, {V if V is not None else 'V'})"
        raise ValueError(f"{where}(step_fn): expected log_probs of shape {want} (one row per "
                         f"live hypothesis) at step {step}, got "
                         f"{tuple(shape) if shape is not None else type(log_probs).__name__}")
    lp = lp.astype("float64")
    if (lp != lp).any() or (lp > 1e-5).any():
        raise ValueError(f"{where}(step_fn): expected log-probabilities (<= 0, no NaN) at "
                         f"step {step}, got values up to {lp.max()!r}: apply log_softmax to "
                         "the logits (not softmax, not raw logits)")
    _check_states(new_states, k, f"{where}(step_fn) new_states at step {step}")
    return lp, new_states


def beam_step(log_probs, scores, beam_width: int):
    """One step of beam search: the ``beam_width`` best extensions of k hypotheses by (2).

    Parameters
    ----------
    log_probs : (k, V), log P(y<t> = v | x, y<1..t-1>) of each hypothesis
    scores : (k,), log P(y<1..t-1> | x) of each hypothesis so far
    beam_width : int B (fewer come back when k·V < B)

    Returns
    -------
    hyp_idx : int (B,), which hypothesis each extension extends
    tokens : int (B,), the token it appends
    new_scores : (B,), log P(y<1..t> | x) (2), best first (ties: the lower hyp_idx·V + token)
    """
    log_probs = as_array(log_probs, "beam_step(log_probs)", ndim=2, symbols="(k, V)")
    scores = as_array(scores, "beam_step(scores)", ndim=1, symbols="(k,)")
    if scores.shape[0] != log_probs.shape[0]:
        raise ValueError(f"beam_step(scores): expected shape (k,) = ({log_probs.shape[0]},), "
                         f"one per row of log_probs, got ({scores.shape[0]},)")
    xp = get_array_module(log_probs, scores)
    if bool(xp.isnan(log_probs).any()) or bool(xp.isnan(scores).any()):
        raise ValueError("beam_step(log_probs): expected log-probabilities without NaN, got NaN")
    return _beam_step(log_probs, scores, check_int(beam_width, "beam_step(beam_width)", 1))


def _beam_step(log_probs, scores, beam_width: int):
    xp = get_array_module(log_probs, scores)
    V = log_probs.shape[1]
    total = (scores[:, None] + log_probs).reshape(-1)          # (2) for all k·V extensions
    best = xp.argsort(-total, kind="stable")[:beam_width]      # the B largest, best first
    return best // V, best % V, total[best]                    # flat index = i·V + v


def beam_search(step_fn: Callable, init_state: Any, bos: int, eos: int, beam_width: int = 3,
                max_len: int = 50, alpha: float = 0.7) -> BeamResult:
    """The ``beam_width`` most probable prefixes (2), candidates ranked by (3).

    Parameters
    ----------
    step_fn : callable ``step_fn(last_tokens, states) -> (log_probs, new_states)``;
        ``last_tokens`` (k,) int, ``states`` leaves (k, ...) or None, ``log_probs`` (k, V)
        normalized log-probabilities of the next token. Called once per time step for all k
        live hypotheses at once.
    init_state : the decoder's initial state, leaves with a leading axis of size 1, or None
    bos, eos : int, the start token fed first and the end token that finishes a hypothesis
    beam_width : int B >= 1 (1 is greedy search)
    max_len : int >= 1, at most this many tokens are emitted (eos included)
    alpha : float in [0, 10], the length-normalization exponent of (3)

    Returns
    -------
    BeamResult with ``best``, ``best_score``, ``hypotheses`` (best first) and ``tree``.
    """
    bos, eos, max_len, xp = _check_search("beam_search", step_fn, init_state, bos, eos, max_len)
    beam_width = check_int(beam_width, "beam_search(beam_width)", 1)
    alpha = _check_alpha(alpha, "beam_search")

    B = beam_width
    tree = [BeamNode(0, -1, bos, 0.0, 0.0, 0, "root")]
    live = [0]                 # tree ids of the live hypotheses, in beam order
    tokens = {0: []}           # tree id -> emitted tokens
    cum = [0.0]                # cumulative log P of each live hypothesis
    states, last = init_state, [bos]
    candidates, V, calls = [], None, 0
    for t in range(1, max_len + 1):
        k = len(live)
        lp, new_states = _call_step(step_fn, xp.asarray(last, dtype="int64"), states, k, V, t)
        calls += 1
        if V is None:
            _check_vocab("beam_search", lp.shape[1], eos=eos)
        V = lp.shape[1]
        hp = get_array_module(lp)                                    # host NumPy
        rows, toks, new = _beam_step(lp, hp.asarray(cum), 2 * B)     # B kept + B runners-up
        keep_rows, next_live, next_last = [], [], []
        for rank, (i, v, logp) in enumerate(zip(rows.tolist(), toks.tolist(), new.tolist(),
                                                strict=True)):
            parent = live[i]
            if rank >= B:
                status = "pruned"
            elif v == eos:
                status = "finished"
            else:
                status = "cut" if t == max_len else "live"
            node = len(tree)
            tree.append(BeamNode(node, parent, v, logp, _score(logp, t, alpha), t, status))
            if status == "pruned" or logp == -math.inf:
                continue
            tokens[node] = tokens[parent] + [v]
            if status in ("finished", "cut"):
                candidates.append(Hypothesis(tokens[node], logp, _score(logp, t, alpha),
                                             status == "finished", node))
            else:
                keep_rows.append(i)
                next_live.append(node)
                next_last.append(v)
        if not next_live:
            break
        live, last = next_live, next_last
        cum = [tree[n].log_prob for n in live]
        states = _gather(new_states, keep_rows, "beam_search(step_fn) new_states")
    if not candidates:
        raise ValueError("beam_search(step_fn): every extension had log-probability -inf; "
                         "no candidate output exists")
    result = BeamResult([], 0.0, 0.0, candidates, tree, float(alpha), B, t, calls)
    return result.rerank(alpha)

