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

from seqlab._validate import check_int, check_rng, check_sequence, got, is_int
from seqlab.arrays import asarray

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
    sequences = _sequences(sequences, "pad_batch(sequences)")
    eos_id = check_int(eos_id, "pad_batch(eos_id)", 0)
    if not sequences or any(len(s) == 0 for s in sequences):
        raise ValueError("pad_batch(sequences): expected a non-empty list of non-empty token "
                         "id lists (each ending with <EOS>), got an empty one")
    T = max(len(s) for s in sequences)
    xs, ys, masks = [], [], []
    for s in sequences:
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
    batch_size = check_int(batch_size, "sequence_batches(batch_size)", 1)
    sequences = check_sequence(sequences, "sequence_batches(sequences)", "a list of token id lists")
    order = list(range(len(sequences)))
    if seed is not None:
        rng = check_rng(seed, "sequence_batches(seed)")
        order = [int(i) for i in rng.permutation(len(sequences))]
    for start in range(0, len(order), batch_size):
        yield pad_batch([sequences[i] for i in order[start:start + batch_size]], eos_id)


def stream(sequences: Sequence[Sequence[int]], eos_id: int = 0) -> list[int]:
    """One token stream: ``<EOS>`` (the start token), then every sequence (each ends with
    ``<EOS>``), so a sequence's first input is the previous one's ``<EOS>``."""
    out = [check_int(eos_id, "stream(eos_id)", 0)]
    for s in _sequences(sequences, "stream(sequences)"):
        out.extend(s)
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
    batch_size = check_int(batch_size, "stream_windows(batch_size)", 1)
    window = check_int(window, "stream_windows(window)", 1)
    tokens = check_sequence(tokens, "stream_windows(tokens)", "a list of token ids")
    L = (len(tokens) - 1) // batch_size                     # (2) tokens per row
    if L < 1:
        raise ValueError(f"stream_windows(tokens): expected at least batch_size + 1 = "
                         f"{batch_size + 1} tokens to fill {batch_size} rows of one step, got "
                         f"{len(tokens)}")
    data = asarray(list(tokens[: L * batch_size + 1]), dtype=np.int64)   # (m·L + 1,)
    x_all = data[:-1].reshape(batch_size, L)                # (m, L) row i: s_{iL+1..(i+1)L}
    y_all = data[1:].reshape(batch_size, L)                 # (m, L) the next tokens
    return [(x_all[:, s:s + window], y_all[:, s:s + window]) for s in range(0, L, window)]


def _sequences(sequences, where: str) -> list[list[int]]:
    """A list of token id lists (ints; NumPy arrays and ints accepted), each as a list."""
    out = []
    for s in check_sequence(sequences, where, "a list of token id lists"):
        if isinstance(s, str) or is_int(s) or not hasattr(s, "__len__"):
            raise TypeError(f"{where}: expected a list of token id lists, got an item {got(s)}")
        bad = [i for i in s if not is_int(i)]
        if bad:
            raise TypeError(f"{where}: expected int token ids, got {got(bad[0])}")
        out.append([int(i) for i in s])
    return out
