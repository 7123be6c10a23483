"""Checks and padding of CTC's targets and lengths (host side), and the extended labels l'.

Used by :mod:`seqlab.speech.ctc`; see its Shapes table.
"""

from __future__ import annotations

import numpy as np

from seqlab._validate import IdError, as_array, check_int
from seqlab.backend import host, to_numpy

__all__ = ["check_fits", "check_input_lengths", "extend_labels", "prepare_targets"]

hp = host                 # NumPy: host-side work (lengths, labels)


def prepare_targets(targets, target_lengths, m: int, n_y: int, blank: int,
                    name: str = "prepare_targets"):
    """Validate ``targets`` and return them as a padded host (m, S) int64 array and (m,) lengths.

    ``targets`` is a padded (m, S) int array (with ``target_lengths``, or None: all S) or a
    list of m int sequences (``target_lengths`` None or equal to their lengths).
    """
    if targets is None or isinstance(targets, str):
        raise TypeError(f"{name}(targets): expected a padded (m={m}, S) int array or a list of "
                        f"{m} int sequences, got {type(targets).__name__}")
    if isinstance(targets, list | tuple) and not (targets and not hasattr(targets[0], "__len__")):
        seqs = [hp.asarray(to_numpy(t)).reshape(-1) for t in targets]
        if len(seqs) != m:
            raise ValueError(f"{name}(targets): expected {m} sequences (one per example), got "
                             f"{len(seqs)}")
        bad = [s.dtype for s in seqs if s.size and s.dtype.kind not in "iu"]
        if bad:
            raise TypeError(f"{name}(targets): expected integer labels, got {bad[0]}")
        S = max([len(s) for s in seqs], default=0)
        padded = hp.full((m, S), blank, np.int64)
        for b, s in enumerate(seqs):
            padded[b, :len(s)] = s
        lens = hp.array([len(s) for s in seqs], np.int64)
        if target_lengths is not None and not hp.array_equal(
                hp.asarray(to_numpy(target_lengths)).reshape(-1), lens):
            raise ValueError(f"{name}(target_lengths): expected the lengths of the target "
                             f"sequences {lens.tolist()}, got {to_numpy(target_lengths)}")
        targets, target_lengths = padded, lens
    targets = hp.asarray(to_numpy(as_array(targets, f"{name}(targets)", "int")))
    if targets.ndim != 2 or targets.shape[0] != m:
        raise ValueError(f"{name}(targets): expected a padded (m={m}, S) int array or a list "
                         f"of {m} sequences, got shape {targets.shape}")
    if targets.size and targets.dtype.kind not in "iu":
        raise TypeError(f"{name}(targets): expected integer labels, got {targets.dtype}")
    S = targets.shape[1]
    if target_lengths is None:
        lens = hp.full(m, S, np.int64)
    else:
        lens = _lengths(target_lengths, m, f"{name}(target_lengths)")
        if lens.size and (lens.min() < 0 or lens.max() > S):
            raise ValueError(f"{name}(target_lengths): expected values in [0, S={S}], got "
                             f"{lens.tolist()}")
    lens = lens.astype(np.int64)
    real = hp.arange(S)[None, :] < lens[:, None]                          # (m, S)
    labels = targets.astype(np.int64)
    if hp.any(real & ((labels < 0) | (labels >= n_y))):
        raise IdError(f"{name}(targets): expected labels in [0, n_y={n_y}), got "
                      f"{sorted(set(labels[real].tolist()))[:10]}")
    if hp.any(real & (labels == blank)):
        raise ValueError(f"{name}(targets): expected labels other than the blank {blank}, got "
                         "the blank in a target (the blank is not a label: use another index "
                         "for it, or remove it)")
    return hp.where(real, labels, blank), lens


def extend_labels(targets, target_lengths, blank: int = 0):
    """The extended label sequences l' = (_, y1, _, y2, ..., _, yS, _), blank-padded.

    Parameters
    ----------
    targets : (m, S) int (host), target_lengths : (m,) int

    Returns
    -------
    ext : (m, 2S + 1) int64, l'_{2i+1} = y_{i+1}, blank elsewhere (and past 2·S_b + 1)
    """
    targets = hp.asarray(to_numpy(as_array(targets, "extend_labels(targets)", "int", ndim=2,
                                           symbols="(m, S) of labels")))
    m, S = targets.shape
    target_lengths = _lengths(target_lengths, m, "extend_labels(target_lengths)")
    if target_lengths.size and int(target_lengths.max()) > S:
        raise ValueError(f"extend_labels(target_lengths): expected values in [0, S={S}], got "
                         f"{target_lengths.tolist()}")
    blank = check_int(blank, "extend_labels(blank)", 0)
    ext = hp.full((m, 2 * S + 1), blank, np.int64)
    ext[:, 1::2] = hp.where(hp.arange(S)[None, :] < hp.asarray(target_lengths)[:, None],
                            targets, blank)                             # odd positions: labels
    return ext


def check_input_lengths(input_lengths, m, T, name):
    """(m,) int64 input lengths in [0, T] (None: all T)."""
    if input_lengths is None:
        return hp.full(m, T, np.int64)
    lens = _lengths(input_lengths, m, f"{name}(input_lengths)")
    if lens.size and (lens.min() < 0 or lens.max() > T):
        raise ValueError(f"{name}(input_lengths): expected values in [0, T_x={T}], got "
                         f"{lens.tolist()}")
    return lens.astype(np.int64)


def _lengths(lengths, m: int, where: str):
    """(m,) int lengths on the host (a list converted; floats refused)."""
    lens = hp.asarray(to_numpy(as_array(lengths, where, "int", symbols="(m,) of lengths"))
                      ).reshape(-1)
    if lens.shape != (m,):
        raise ValueError(f"{where}: expected (m={m},) ints, got shape {lens.shape}")
    return lens.astype(np.int64)


def check_fits(targets, target_lengths, input_lengths, name: str, zero_infinity=False):
    """An impossible transcript (more labels, plus one blank between each repeated pair, than
    frames) has p(y | x) = 0: refused unless ``zero_infinity`` (then its loss is 0)."""
    if zero_infinity or not targets.size:
        return
    S = targets.shape[1]
    real = hp.arange(S)[None, :] < target_lengths[:, None]
    repeats = (real[:, 1:] & (targets[:, 1:] == targets[:, :-1])).sum(axis=1)
    need = target_lengths + repeats                                  # frames a path needs
    bad = hp.flatnonzero(need > input_lengths)
    if bad.size:
        b = int(bad[0])
        raise ValueError(f"{name}(targets): expected a transcript that fits in its frames, got "
                         f"example {b} needing {int(need[b])} frames ({int(target_lengths[b])} "
                         f"labels + {int(repeats[b])} blanks between repeats) in "
                         f"input_lengths[{b}] = {int(input_lengths[b])} (p(y | x) = 0; pass "
                         f"zero_infinity=True to give such examples loss 0)")
