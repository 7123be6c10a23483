r"""What a character model remembers: how much each earlier input moves one prediction.

*Sequence Models*, week 1, "Vanishing gradients with RNNs" and "LSTM": the lecture argues that a
plain RNN's output depends mostly on nearby inputs, and that the GRU's and LSTM's memory cells
carry information much further. This module measures it on a trained model and a given text, as
Distill's "Visualizing memorization in RNNs" (Madsen, 2019) does: the **connectivity** of the
prediction at step t to the input at an earlier step t' is the size of the gradient

.. math::

    (1)\quad G[t, t'] = \Bigl\lVert \frac{\partial \log \hat y^{\langle t\rangle}_{y^{\langle t
        \rangle}}}{\partial x^{\langle t'\rangle}} \Bigr\rVert_2 , \qquad t' \le t

(the log-probability the model gives the character that really comes next, y<t> = x<t+1>;
G[t, t'] = 0 for t' > t, the network reads left to right), computed with the library's own
backward passes: :func:`seqlab.rnn.output_backward` then
:func:`seqlab.rnn.deep_rnn_backward`, which returns ∂J/∂x for every step.

One backward pass gives the gradient of *one* scalar, and G needs T of them (one per output t).
Instead of T passes, the batch carries them: the text is copied into m = T columns, and column i
gets the upstream gradient of output t_i only,

.. math::

    (2)\quad \frac{\partial J}{\partial z^{\langle t\rangle}_{[:, i]}} = \delta_{t, t_i}
        \bigl(\mathrm{onehot}(y^{\langle t_i\rangle}) - \mathrm{softmax}(z^{\langle t_i
        \rangle}_{[:, i]})\bigr)

(the gradient of log softmax at its target), so one forward and one backward over (n_x, T, T)
give every row of G at once (:func:`connectivity`; it cuts the rows into a few blocks, since
outputs t < b need only the first b inputs). The same machinery gives the last row for many
texts at once (:func:`last_step_influence`), and :func:`memory_stats` turns those rows into
half-lives:

- the **distance** of input x<t'> from the prediction ŷ<t> is d = t + 1 - t', the number of
  characters back from the one being predicted (d = 1: the character just read);
- the **relative influence** of text j at distance d is n_j(d) = I_j(d) / I_j(1), where I_j(d)
  is G[t, t + 1 - d] for the text's prediction t;
- the **half-life** is the first distance at which the median over texts of n_j(d) falls below
  1/2 (and per text, the first d with n_j(d) < 1/2: its spread over texts); the **reach** of a
  text is the farthest d with n_j(d) ≥ 1%.

Shapes
------
===========  =====================  =====================================================
name         shape                  meaning
===========  =====================  =====================================================
x            (m, T) int             token ids (one-hot inside), or (n_x, m, T) float
y            (m, T) int             targets, y<t> = x<t+1>
t            (m,) int               the output each column differentiates
dz           (n_y, m, T)            eq. (2), zero except at (:, i, t_i)
dx           (n_x, m, T)            ∂ log ŷ<t_i>[y<t_i>] / ∂x<t'> for column i
G            (T, T)                 eq. (1) for one text, row t, column t'
===========  =====================  =====================================================

References
----------
Madsen, "Visualizing memorization in RNNs", Distill, 2019 (connectivity = the gradient norm of
a prediction with respect to each input; they used the embedding of each input).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from seqlab._validate import (
    as_array,
    check_ids,
    check_instance,
    check_int,
    check_number,
    check_shape,
    named_as,
)
from seqlab.backend import get_array_module, to_device, to_numpy
from seqlab.functional import log_softmax, softmax
from seqlab.rnn.deep import deep_rnn_backward
from seqlab.rnn.network import RecurrentNetwork
from seqlab.rnn.rnn import output_backward
from seqlab.threads import blas_threads

__all__ = ["Connectivity", "InputGradients", "MemoryStats", "connectivity", "input_gradients",
           "last_step_influence", "log_prob_upstream", "memory_stats", "text_windows"]


class InputGradients(NamedTuple):
    """What :func:`input_gradients` returns."""

    dx: object         # (n_x, m, T) ∂ log ŷ<t_i>[y<t_i>] / ∂x<t'>, column i
    log_prob: object   # (m,) log ŷ<t_i>[y<t_i>], the value differentiated


class Connectivity(NamedTuple):
    """What :func:`connectivity` returns for one text of T predictions (NumPy, float64)."""

    G: np.ndarray         # (T, T) eq. (1), zero above the diagonal
    log_prob: np.ndarray  # (T,) log ŷ<t>[y<t>], how sure each prediction was


def log_prob_upstream(logits, y, t):
    """Eq. (2): column i of the batch carries the gradient of log ŷ<t_i>[y<t_i>] alone.

    Parameters
    ----------
    logits : array (n_y, m, T), z<t> for every column and step
    y : int array (m, T), the targets
    t : int array (m,), the output step each column differentiates

    Returns
    -------
    dz : array (n_y, m, T), zero except dz[:, i, t_i] = onehot(y[i, t_i]) - softmax(z[:, i, t_i])
    """
    f = "log_prob_upstream"
    logits = as_array(logits, f"{f}(logits)", ndim=3, symbols="(n_y, m, T)")
    n_y, m, T = logits.shape
    xp = get_array_module(logits)
    y = to_device(check_ids(as_array(y, f"{f}(y)", "int", ndim=2, symbols="(m, T)"), n_y,
                            f"{f}(y)"), xp)
    check_shape(y, (m, T), "(m, T)", f"{f}(y)")
    t = as_array(t, f"{f}(t)", "int", ndim=1, symbols="(m,)")
    check_shape(t, (m,), "(m,)", f"{f}(t)")
    t = to_device(check_ids(t, T, f"{f}(t)"), xp)
    cols = xp.arange(m)
    z = logits[:, cols, t]                                  # z<t_i> of column i    (n_y, m)
    target = (xp.arange(n_y)[:, None] == y[cols, t][None]).astype(logits.dtype)  # onehot
    dz = xp.zeros_like(logits)
    dz[:, cols, t] = target - softmax(z, axis=0)            # (2) ∂ log softmax(z)[y] / ∂z
    return dz


def input_gradients(net: RecurrentNetwork, x, y, t) -> InputGradients:
    """∂ log ŷ<t_i>[y<t_i>] / ∂x<t'> for each column i and every step t': one forward and one
    backward pass of ``net`` (eqs. 1-2).

    Parameters
    ----------
    net : a unidirectional :class:`~seqlab.rnn.RecurrentNetwork` (any cell, any depth)
    x : (m, T) int token ids, or (n_x, m, T) float features; zero initial states
    y : (m, T) int targets
    t : (m,) int, the output step of each column

    Returns
    -------
    InputGradients(dx (n_x, m, T), log_prob (m,)); dx[:, i, t'] = 0 for t' > t_i
    """
    f = "input_gradients"
    check_instance(net, RecurrentNetwork, f"{f}(net)")
    if net.bidirectional:
        raise ValueError(f"{f}(net): expected a unidirectional network (a prediction that reads "
                         f"the future has no 'earlier' inputs), got a bidirectional one")
    with named_as({"RecurrentNetwork.forward(x)": f"{f}(x)", "log_prob_upstream(": f"{f}("}):
        logits, cache = net.forward(x)
        dz = log_prob_upstream(logits, y, t)                # (2)   (n_y, m, T)
    xp = get_array_module(dz)
    cols = xp.arange(dz.shape[1])
    steps, y = (to_device(as_array(v, f"{f}({name})", "int"), xp) for name, v in (("t", t),
                                                                                ("y", y)))
    log_prob = log_softmax(logits[:, cols, steps], axis=0)[y[cols, steps], cols]  # (m,)
    da_top, _ = output_backward(dz, cache.deep.a[-1], net.params)  # W_yaᵀ dz<t>
    dx, _, _ = deep_rnn_backward(da_top, cache.deep)              # BPTT down to x
    return InputGradients(dx, log_prob)


def connectivity(net: RecurrentNetwork, ids, blocks: int = 4, threads: int | None = 1
                 ) -> Connectivity:
    """Eq. (1) for one text: G[t, t'] for every output t and input t', in ``blocks`` batched
    passes.

    Parameters
    ----------
    net : a unidirectional network over token ids
    ids : int (T + 1,), a text's ids: the network reads ids[:-1] and predicts ids[1:]
    blocks : int ≥ 1, how many passes: the outputs t in [a, b) need only the inputs before b,
        so each block runs on the first b characters with b - a columns; 4 blocks do 5/8 of
        the work of one pass over (T, T)
    threads : BLAS threads (None: as set). One is fastest for these small products: on a busy
        2-core machine two OpenBLAS threads made a 200-character text 15x slower (0.9 s of CPU
        against 15 s)

    Returns
    -------
    Connectivity(G (T, T), log_prob (T,)): G[t, t'] = ‖∂ log ŷ<t>[y<t>] / ∂x<t'>‖, zero above
        the diagonal
    """
    check_instance(net, RecurrentNetwork, "connectivity(net)")
    ids = as_array(ids, "connectivity(ids)", "int", ndim=1, symbols="(T + 1,)")
    T = check_int(int(ids.shape[0]) - 1, "connectivity(ids): the number of predictions, "
                  "len(ids) - 1,", 1)
    blocks = check_int(blocks, "connectivity(blocks)", 1)
    xp = get_array_module(*net.params.values())
    ids = to_device(ids, xp)
    G, log_prob = xp.zeros((T, T), xp.float64), xp.zeros(T, xp.float64)
    n = min(blocks, T)
    edges = [round(i * T / n) for i in range(n + 1)]        # block boundaries 0 = e_0 < .. = T
    with _delegated("connectivity", "ids"), blas_threads(threads):
        for a, b in zip(edges[:-1], edges[1:], strict=True):  # outputs a..b-1 read x<0..b-1>
            x = xp.broadcast_to(ids[:b], (b - a, b))        # column i = the text, (b - a, b)
            y = xp.broadcast_to(ids[1:b + 1], (b - a, b))
            dx, lp = input_gradients(net, x, y, xp.arange(a, b))  # dx (n_x, b - a, b)
            G[a:b, :b] = xp.sqrt((dx.astype(xp.float64) ** 2).sum(axis=0))  # (1)
            log_prob[a:b] = lp
    return Connectivity(to_numpy(G), to_numpy(log_prob))


def _delegated(f: str, ids: str):
    """Report input_gradients' and blas_threads' checks under ``f`` and its argument."""
    return named_as({"input_gradients(net)": f"{f}(net)", "input_gradients(x)": f"{f}({ids})",
                     "input_gradients(y)": f"{f}({ids})", "blas_threads(n)": f"{f}(threads)"})


def last_step_influence(net: RecurrentNetwork, windows, threads: int | None = 1) -> np.ndarray:
    """The last row of G for many texts at once: how much the last prediction of each window
    leans on each of its inputs, by distance.

    Parameters
    ----------
    net : a unidirectional network over token ids
    windows : int (k, L + 1), k texts of L + 1 ids; window j reads its first L ids and its
        last prediction is of its last id
    threads : BLAS threads (None: as set), one by default as in :func:`connectivity`

    Returns
    -------
    profiles : float64 NumPy array (k, L), column d - 1 = the influence of the input at
        distance d before the predicted character: d = 1 is the character just read, d = L the
        window's first
    """
    check_instance(net, RecurrentNetwork, "last_step_influence(net)")
    windows = as_array(windows, "last_step_influence(windows)", "int", ndim=2,
                       symbols="(k, L + 1)")
    k, L = int(windows.shape[0]), int(windows.shape[1]) - 1
    check_int(L, "last_step_influence(windows): L, the number of inputs per window,", 1)
    xp = get_array_module(*net.params.values())
    windows = to_device(windows, xp)
    with _delegated("last_step_influence", "windows"), blas_threads(threads):
        dx = input_gradients(net, windows[:, :-1], windows[:, 1:], xp.full((k,), L - 1)).dx
    norms = xp.sqrt((dx.astype(xp.float64) ** 2).sum(axis=0))  # (1) (k, L) by position t'
    return to_numpy(xp.ascontiguousarray(norms[:, ::-1]))   # by distance d = L - t'


def text_windows(ids, k: int, length: int) -> np.ndarray:
    """k windows of ``length`` consecutive ids, their starts evenly spread over ``ids``
    (they overlap when k · length > len(ids)): (k, length) int."""
    ids = as_array(ids, "text_windows(ids)", "int", ndim=1)
    k, length = check_int(k, "text_windows(k)", 1), check_int(length, "text_windows(length)", 1)
    N = int(ids.shape[0])
    if length > N:
        raise ValueError(f"text_windows(length): expected at most len(ids) = {N}, got {length}")
    starts = [round(i * (N - length) / max(k - 1, 1)) for i in range(k)]  # 0 .. N - length
    return get_array_module(ids).stack([ids[s:s + length] for s in starts])


class MemoryStats(NamedTuple):
    """What :func:`memory_stats` measures on k influence profiles (distances 1..D)."""

    relative: np.ndarray   # (k, D) each profile divided by its value at distance 1
    median: np.ndarray     # (D,) the median over the k texts of ``relative``
    half_life: int         # the first distance where ``median`` < 1/2
    half_lives: np.ndarray  # (k,) the same per text: the first d where relative[j, d-1] < 1/2
    reach: np.ndarray      # (k,) per text, the farthest d where relative >= ``floor`` (0.01)


def memory_stats(profiles, max_distance: int | None = None, floor: float = 0.01) -> MemoryStats:
    """How fast each text's influence fades with distance: half-lives and reach.

    Parameters
    ----------
    profiles : (k, L) from :func:`last_step_influence`, column d - 1 = distance d
    max_distance : int, keep distances 1..max_distance (default L): the first inputs of a window
        are read from a zero state, which makes the very first ones stand out, so leave them out
    floor : float in (0, 1), the relative influence that still counts for ``reach``

    Returns
    -------
    MemoryStats; a half-life is max_distance + 1 where the influence never falls below 1/2
    """
    P = to_numpy(as_array(profiles, "memory_stats(profiles)", ndim=2, symbols="(k, L)"))
    xp = get_array_module(P)                                # NumPy: statistics on the host
    P = P.astype(xp.float64)
    D = P.shape[1] if max_distance is None else check_int(
        max_distance, "memory_stats(max_distance)", 1, P.shape[1])
    check_number(floor, "memory_stats(floor)", 0, 1, low_open=True, high_open=True)
    if not (P[:, 0] > 0).all():
        raise ValueError("memory_stats(profiles): the influence at distance 1 (column 0) must "
                         "be > 0 in every row, it is what the others are divided by")
    relative = P[:, :D] / P[:, :1]                          # n_j(d) = I_j(d) / I_j(1)
    median = xp.median(relative, axis=0)                    # (D,)

    def first_below(rows):                                  # first d with n(d) < 1/2, else D+1
        below = rows < 0.5
        return xp.where(below.any(axis=1), below.argmax(axis=1) + 1, D + 1)

    above = relative >= floor
    reach = D - above[:, ::-1].argmax(axis=1)               # the last d with n(d) >= floor
    return MemoryStats(relative, median, int(first_below(median[None])[0]),
                       first_below(relative), reach)
