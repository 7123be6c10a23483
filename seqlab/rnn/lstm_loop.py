r"""The LSTM sequence as the lecture writes it: a Python loop over the cell pair.

*Sequence Models*, week 1, *Building your Recurrent Neural Network - Step by Step*:
``lstm_forward`` runs :func:`seqlab.rnn.lstm_cell_forward` at t = 1..T_x and ``lstm_backward``
runs :func:`seqlab.rnn.lstm_cell_backward` at t = T_x..1, carrying a<t>, c<t> forward and
∂J/∂a<t>, ∂J/∂c<t> back. Equations (1)-(12) are those of :mod:`seqlab.rnn.lstm`.

Shapes
------
=======================  =========================  ======================================
name                     shape                      meaning
=======================  =========================  ======================================
x                        (n_x, m, T_x)              input, all T_x steps on axis 2
a0 / c0                  (n_a, m)                   a<0> / c<0> (c<0> = 0 unless given)
a, c                     (n_a, m, T_x)              a<1..T_x>, c<1..T_x>
y_hat                    (n_y, m, T_x)              ŷ<t>, from the cell (with W_ya)
da, dc                   (n_a, m, T_x)              ∂J/∂a<t>, ∂J/∂c<t> from outside
=======================  =========================  ======================================

Notes
-----
:func:`seqlab.rnn.lstm_forward` / :func:`seqlab.rnn.lstm_backward` compute the same numbers
faster (stacked gates, one GEMM per step; :mod:`seqlab.rnn._lstm_seq`): read these, run those.
The tests hold the two pairs equal in float64 (states, ŷ and every gradient to 1e-12) and check
:func:`lstm_backward_loop` against finite differences. The GRU needs no loop twin:
:func:`seqlab.rnn.gru_forward` / :func:`seqlab.rnn.gru_backward` are already this loop.
"""

from __future__ import annotations

from typing import NamedTuple

from seqlab.backend import get_array_module
from seqlab.rnn._validate import check_cache, check_sequence, check_shape
from seqlab.rnn.lstm import check_lstm_params, lstm_cell_backward, lstm_cell_forward
from seqlab.rnn.state import InitialStateGrad

__all__ = ["LSTMLoopCache", "lstm_backward_loop", "lstm_forward_loop"]


class LSTMLoopCache(NamedTuple):
    """What :func:`lstm_backward_loop` needs: the caches of the T_x cell steps."""

    steps: list         # T_x LSTMCellCache, step t+1 at index t
    params: dict        # the params the forward pass was given


def lstm_forward_loop(x, a0, params, peephole: bool = False, c0=None):
    """The LSTM over a whole sequence: lstm_cell_forward at t = 1..T_x (eqs. 1-7).

    Parameters
    ----------
    x : array (n_x, m, T_x)
    a0 : array (n_a, m), a<0>
    params : dict as for :func:`seqlab.rnn.lstm_cell_forward`
    peephole : bool
    c0 : array (n_a, m), c<0>; None for zeros (the lecture)

    Returns
    -------
    a : array (n_a, m, T_x), a<1>..a<T_x>
    y_hat : array (n_y, m, T_x), or None without W_ya
    c : array (n_a, m, T_x), c<1>..c<T_x>
    cache : LSTMLoopCache
    """
    fname = "lstm_forward_loop"
    has_output, n_a, n_x = check_lstm_params(params, peephole, fname)
    states = {"a0": a0} if c0 is None else {"a0": a0, "c0": c0}
    x, m, T_x = check_sequence(fname, n_x, n_a, x, **states)
    xp = get_array_module(x, a0, c0, params["W_c"])
    a_t = a0
    c_t = xp.zeros_like(a0) if c0 is None else c0               # c<0> = 0 unless given
    a, c, y_hat, steps = [], [], [], []
    for t in range(T_x):
        a_t, c_t, y_hat_t, step = lstm_cell_forward(x[:, :, t], a_t, c_t, params,
                                                    peephole)   # (1)-(7) at step t+1
        a.append(a_t)
        c.append(c_t)
        y_hat.append(y_hat_t)
        steps.append(step)
    y_hat = xp.stack(y_hat, axis=2) if has_output else None      # ŷ<1..T_x> (n_y, m, T_x)
    return xp.stack(a, axis=2), y_hat, xp.stack(c, axis=2), LSTMLoopCache(steps, params)


def lstm_backward_loop(da, cache: LSTMLoopCache, dc=None):
    """Backpropagation through time: lstm_cell_backward at t = T_x..1 (eqs. 8-12).

    Parameters
    ----------
    da : array (n_a, m, T_x), ∂J/∂a<t> from outside the recurrence
    cache : LSTMLoopCache
    dc : array (n_a, m, T_x), ∂J/∂c<t> from outside the recurrence; None for zeros

    Returns
    -------
    dx : array (n_x, m, T_x)
    d_initial_state : InitialStateGrad, da0 and dc0 (n_a, m): ∂J/∂a<0> and ∂J/∂c<0>
    grads : dict with the keys of ``cache.params``; zeros for W_ya and b_y
    """
    fname = "lstm_backward_loop"
    steps, params = check_cache(cache, LSTMLoopCache, fname)
    n_a, m = steps[0].c_prev.shape
    n_x, T_x = steps[0].x_t.shape[0], len(steps)
    check_shape(da, (n_a, m, T_x), "(n_a, m, T_x)", f"{fname}(da)")
    if dc is not None:
        check_shape(dc, (n_a, m, T_x), "(n_a, m, T_x)", f"{fname}(dc)")
    xp = get_array_module(da, dc, steps[0].c_prev)
    grads = {k: xp.zeros_like(v) for k, v in params.items()}
    dx = xp.zeros((n_x, m, T_x), dtype=xp.result_type(da, steps[0].x_t))
    da_next = xp.zeros_like(da[:, :, 0])                         # nothing from step T_x + 1
    dc_next = xp.zeros_like(da[:, :, 0])
    for t in reversed(range(T_x)):
        da_t = da[:, :, t] + da_next                             # total ∂J/∂a<t>
        dc_t = dc_next if dc is None else dc[:, :, t] + dc_next  # total ∂J/∂c<t>
        dx[:, :, t], da_next, dc_next, step_grads = lstm_cell_backward(da_t, dc_t, steps[t])
        for k, g in step_grads.items():
            grads[k] += g                                        # (11) Σ_t, shared weights
    return dx, InitialStateGrad(da_next, dc_next), grads        # da<0>, dc<0> after t = 1
