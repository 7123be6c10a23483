r"""Alignments of one transcript: how many there are, a few of them, and the most likely one.

The CTC loss sums over every alignment π of T_x frames with B(π) = y (the collapse rule).
The same lattice over the extended labels l' = (_, y1, _, ..., yS, _) that carries α and β
(:mod:`seqlab.speech.ctc`) also counts them (eq. 1, the α recursion with every ŷ = 1), lists
them (every path through it), and gives the most likely one (eq. 2, Viterbi: the α recursion
with max instead of sum), the path drawn on the lattice picture.

Equations
---------
.. math::

    (1)\quad N_t(s) = N_{t-1}(s) + N_{t-1}(s-1) + [\text{skip}_s]\, N_{t-1}(s-2), \qquad
        |\mathcal B^{-1}(y)| = N_T(L) + N_T(L-1)

    (2)\quad \delta_t(s) = \log\hat y^{\langle t\rangle}_{l'_s} + \max\big(\delta_{t-1}(s),
        \delta_{t-1}(s-1), [\text{skip}_s]\,\delta_{t-1}(s-2)\big)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from seqlab._validate import IdError, as_array, check_int, got
from seqlab.backend import host, to_numpy

__all__ = ["ForcedAlignment", "ctc_alignments", "ctc_count_alignments",
           "ctc_forced_alignment", "ctc_skip_allowed", "extended_sequence"]

hp = host                 # NumPy: host-side work (lengths, labels, search, data)


def extended_sequence(target: Sequence, blank=0) -> list:
    """l' = [_, y1, _, y2, ..., _, yS, _] for one target (ints, or characters with blank "_")."""
    return _extended(target, blank, "extended_sequence")


def _extended(target, blank, fname: str) -> list:
    if not hasattr(target, "__iter__") or isinstance(target, dict):
        raise TypeError(f"{fname}(target): expected a sequence of labels (ints, or a str of "
                        f"characters), got {got(target)}")
    out = [blank]
    for y in target:
        if y == blank:
            raise ValueError(f"{fname}(target): expected labels other than the blank "
                             f"{blank!r}, got the blank in the target")
        out += [y, blank]
    return out


def ctc_skip_allowed(ext: Sequence, blank=0) -> list[bool]:
    """skip[s]: may an alignment jump from l'_{s-2} to l'_s? (a label unlike l'_{s-2})."""
    if not hasattr(ext, "__len__") or isinstance(ext, dict):
        raise TypeError(f"ctc_skip_allowed(ext): expected an extended label sequence l', got "
                        f"{got(ext)}")
    if len(ext) % 2 == 0 or any(ext[s] != blank for s in range(0, len(ext), 2)):
        raise ValueError(f"ctc_skip_allowed(ext): expected l' = [_, y1, _, ..., yS, _] (odd "
                         f"length, the blank {blank!r} at even positions), got {list(ext)[:9]}")
    return [s >= 2 and ext[s] != blank and ext[s] != ext[s - 2] for s in range(len(ext))]


def _moves(ext, skip, s):
    """Where a path at node s may come from (s, s-1, and s-2 when allowed)."""
    return [s] + ([s - 1] if s >= 1 else []) + ([s - 2] if skip[s] else [])


def ctc_count_alignments(target: Sequence, T: int, blank=0) -> int:
    """|B⁻¹(y)| among the sequences of T symbols (eq. 1), an exact Python int."""
    T = check_int(T, "ctc_count_alignments(T)", 0)
    ext = _extended(target, blank, "ctc_count_alignments")
    L, skip = len(ext), ctc_skip_allowed(ext, blank)
    if T == 0:
        return int(L == 1)
    N = [1 if s < 2 else 0 for s in range(L)]                       # N_1: start at _ or y1
    for _ in range(1, T):
        N = [sum(N[r] for r in _moves(ext, skip, s)) for s in range(L)]
    return N[-1] + (N[-2] if L > 1 else 0)


def ctc_alignments(target: Sequence, T: int, blank=0, limit: int = 10) -> list[list]:
    """Up to ``limit`` alignments of T symbols that collapse to ``target``, in lexicographic
    order of their lattice paths (staying first), each a list of symbols."""
    T = check_int(T, "ctc_alignments(T)", 0)
    limit = check_int(limit, "ctc_alignments(limit)", 1)
    ext = _extended(target, blank, "ctc_alignments")
    L, skip = len(ext), ctc_skip_allowed(ext, blank)
    out: list[list] = []

    def can_finish(s: int, t: int) -> bool:
        # the fewest frames from node s to an end node: labels left, plus a blank between
        # each equal neighbour pair still ahead
        labels_left = sum(1 for r in range(s + 1, L) if r % 2)
        repeats = sum(1 for r in range(s + 2, L) if r % 2 and not skip[r])
        return T - 1 - t >= labels_left + repeats

    def walk(path: list[int]) -> None:
        if len(out) >= limit:
            return
        t = len(path)
        if t == T:
            if path[-1] >= L - 2:
                out.append([ext[s] for s in path])
            return
        if t == 0:
            options = [s for s in (0, 1) if s < L]
        else:
            s0 = path[-1]
            options = [s for s in (s0, s0 + 1, s0 + 2) if s < L and (s != s0 + 2 or skip[s])]
        for s in options:
            if can_finish(s, t):
                walk(path + [s])

    if T >= 1:
        walk([])
    return out


class ForcedAlignment(NamedTuple):
    """The most likely alignment of a known target (eq. 2)."""

    nodes: np.ndarray      # (T_b,) int, the node s of l' at each frame
    symbols: np.ndarray    # (T_b,) int, l'_s at each frame (the alignment π)
    log_prob: float        # log of the path's probability (an impossible target is refused)


def ctc_forced_alignment(log_probs, target: Sequence[int], blank: int = 0) -> ForcedAlignment:
    """Viterbi through the CTC lattice of one utterance (eq. 2).

    Parameters
    ----------
    log_probs : (n_y, T_b) float, log ŷ<t> of one utterance
    target : the label ids y (no blank)
    """
    f = "ctc_forced_alignment"
    lp = hp.asarray(to_numpy(as_array(log_probs, f"{f}(log_probs)", ndim=2, symbols="(n_y, T)")),
                    dtype=np.float64)
    n_y, T = lp.shape
    if lp.size and not float(lp.max()) <= 1e-6:
        raise ValueError(f"{f}(log_probs): expected log-probabilities (<= 0, no NaN), got a "
                         f"maximum of {float(lp.max())}: pass log_softmax(logits, axis=0)")
    blank = check_int(blank, f"{f}(blank) (in [0, n_y={n_y}))", 0, n_y - 1)
    y = to_numpy(as_array(target, f"{f}(target)", "int", ndim=1, symbols="of label ids"))
    if y.size and (y.min() < 0 or y.max() >= n_y):
        raise IdError(f"{f}(target): expected labels in [0, {n_y}), got {y.tolist()}")
    need = y.size + int((y[1:] == y[:-1]).sum())               # labels + blanks between repeats
    if need > T:
        raise ValueError(f"{f}(target): expected a target that fits in T = {T} frames, got one "
                         f"needing {need} ({y.size} labels + {need - y.size} blanks between "
                         f"repeats): no alignment exists")
    ext = hp.array(_extended(y.tolist(), blank, f))
    L = len(ext)
    skip = hp.array(ctc_skip_allowed(list(ext), blank))
    e = lp[ext]                                                      # (L, T)
    delta = hp.full((T, L), -np.inf)
    back = hp.zeros((T, L), np.int64)
    if T == 0:
        return ForcedAlignment(hp.zeros(0, np.int64), hp.zeros(0, np.int64),
                               0.0 if L == 1 else -np.inf)
    delta[0, :2] = e[:2, 0]
    for t in range(1, T):
        prev = delta[t - 1]
        cand = hp.stack([prev,
                         hp.concatenate([[-np.inf], prev[:-1]]),
                         hp.where(skip, hp.concatenate([[-np.inf, -np.inf], prev[:-2]]),
                                  -np.inf)])                          # (3, L): from s, s-1, s-2
        best = cand.argmax(axis=0)
        delta[t] = cand[best, hp.arange(L)] + e[:, t]
        back[t] = hp.arange(L) - best
    ends = [L - 1] + ([L - 2] if L > 1 else [])
    s = max(ends, key=lambda k: delta[T - 1, k])
    log_prob = float(delta[T - 1, s])
    nodes = [s]
    for t in range(T - 1, 0, -1):
        s = int(back[t, s])
        nodes.append(s)
    nodes = hp.array(nodes[::-1], np.int64)
    return ForcedAlignment(nodes, ext[nodes], log_prob)
