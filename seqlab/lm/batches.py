r"""Batches for a language model: padded sequences, or windows of one stream (truncated BPTT).

*Sequence Models*, week 1, "Language model and sequence generation": the target at step t is
the next token, y<t> = x<t+1>, and the input at step t is the previous target (teacher
forcing). Two ways to cut a corpus into batches of shape (m, T):

- **sequences** (names, sentences): one sequence per row, padded at the end to the longest in
  the batch; a mask (m, T) marks the real steps, so the loss ignores the padding;
- **a stream** (a long text): the corpus as one token stream, cut into m contiguous rows, and
  the rows into windows of T steps. The state a<T> of a window is the a<0> of the next
  (*truncated* backpropagation through time: the forward pass sees the whole history, the
  backward pass stops at the window's start).

Shapes
------
============  ==========  =====================================================================
name          shape       meaning
============  ==========  =====================================================================
x             (m, T) int  inputs: x<1> = ``<EOS>`` (the start token), x<t> = y<t-1>
y             (m, T) int  targets: the sequence's tokens, ending with ``<EOS>``
mask          (m, T) bool True on real steps (sequences only; padding is False)
============  ==========  =====================================================================

Equations
---------
.. math::

    (1)\quad x^{\langle 1\rangle} = \langle EOS\rangle, \qquad
        x^{\langle t\rangle} = y^{\langle t-1\rangle} \quad (t > 1)

    (2)\quad \text{row } i \text{ of a stream of } N \text{ tokens: }
        s_{iL+1}, \dots, s_{(i+1)L}, \quad L = \lfloor (N - 1) / m \rfloor
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from seqlab.backend import asarray, host_rng

__all__ = ["pad_batch", "sequence_batches", "stream", "stream_windows"]


def pad_batch(sequences: Sequence[Sequence[int]], eos_id: int = 0):
    """Inputs, targets and mask for a batch of encoded sequences (eq. 1), on the default device.

    Parameters
    ----------
    sequences : m lists of token ids, each ending with ``<EOS>`` (``Vocabulary.encode``)
    eos_id : int, the id of ``<EOS>`` (the start token x<1>, and the padding of x)

    Returns
    -------
    x : int array (m, T), T = the longest sequence's length
    y : int array (m, T), padded with 0 (never read: masked)
    mask : bool array (m, T)
    """
    if not sequences or any(len(s) == 0 for s in sequences):
        raise ValueError("pad_batch(sequences): expected a non-empty list of non-empty token "
                         "id lists (each ending with <EOS>)")
    T = max(len(s) for s in sequences)
    xs, ys, masks = [], [], []
    for s in sequences:
        s = [int(i) for i in s]
        pad = T - len(s)
        xs.append([eos_id] + s[:-1] + [eos_id] * pad)      # (1) x<1> = <EOS>, x<t> = y<t-1>
        ys.append(s + [0] * pad)                           # y<t>, padding never read
        masks.append([True] * len(s) + [False] * pad)
    return (asarray(xs, dtype=np.int64), asarray(ys, dtype=np.int64),
            asarray(masks, dtype=np.bool_))


def sequence_batches(sequences: Sequence[Sequence[int]], batch_size: int, seed=None,
                     eos_id: int = 0) -> Iterator[tuple]:
    """Padded batches (x, y, mask) of ``batch_size`` sequences (the last may be smaller).

    Parameters
    ----------
    sequences : list of encoded sequences
    batch_size : int ≥ 1, m
    seed : None (the given order) or an int / Generator: a shuffled order
    """
    _positive_int(batch_size, "sequence_batches(batch_size)")
    order = list(range(len(sequences)))
    if seed is not None:
        order = [int(i) for i in host_rng(seed).permutation(len(sequences))]
    for start in range(0, len(order), batch_size):
        yield pad_batch([sequences[i] for i in order[start:start + batch_size]], eos_id)


def stream(sequences: Sequence[Sequence[int]], eos_id: int = 0) -> list[int]:
    """One token stream: ``<EOS>`` (the start token), then every sequence (each ends with
    ``<EOS>``), so a sequence's first input is the previous one's ``<EOS>``."""
    out = [eos_id]
    for s in sequences:
        out.extend(int(i) for i in s)
    return out


def stream_windows(tokens: Sequence[int], batch_size: int, window: int) -> list[tuple]:
    """Cut a stream into ``batch_size`` contiguous rows, then into windows of ``window`` steps.

    Parameters
    ----------
    tokens : list of ids (:func:`stream`), N ≥ batch_size + 1
    batch_size : int, m rows; the last (N - 1) mod m tokens are dropped (eq. 2)
    window : int, T steps per window (the last window of a row may be shorter)

    Returns
    -------
    windows : list of (x, y), each int (m, T) on the default device; row i of window k
        continues row i of window k - 1, so its state a<T> is the next window's a<0>
    """
    _positive_int(batch_size, "stream_windows(batch_size)")
    _positive_int(window, "stream_windows(window)")
    L = (len(tokens) - 1) // batch_size                     # (2) tokens per row
    if L < 1:
        raise ValueError(f"stream_windows(tokens): {len(tokens)} tokens cannot fill "
                         f"{batch_size} rows of at least 1 step (need {batch_size + 1})")
    data = asarray(list(tokens[: L * batch_size + 1]), dtype=np.int64)   # (m·L + 1,)
    x_all = data[:-1].reshape(batch_size, L)                # (m, L) row i: s_{iL+1..(i+1)L}
    y_all = data[1:].reshape(batch_size, L)                 # (m, L) the next tokens
    return [(x_all[:, s:s + window], y_all[:, s:s + window]) for s in range(0, L, window)]


def _positive_int(value, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name}: expected an int ≥ 1, got {value!r}")
