r"""Long Short-Term Memory (LSTM): the cell, the sequence and BPTT, with optional peepholes.

*Sequence Models*, week 1: "Long Short Term Memory (LSTM)". Separate update and forget gates
let the memory cell c<t> keep (Γf ≈ 1) or overwrite (Γu ≈ 1) each entry; the output gate Γo
decides how much of it the hidden state a<t> shows.

Shapes
------
=======================  =========================  ======================================
name                     shape                      meaning
=======================  =========================  ======================================
x_t / x                  (n_x, m) / (n_x, m, T_x)   input x<t>; all T_x steps on axis 2
a_prev, a0 / c_prev, c0  (n_a, m)                   a<t-1>, a<0> / c<t-1>, c<0> (default 0)
a_t, c_t / a, c          (n_a, m) / (n_a, m, T_x)   hidden state, memory cell; all steps
y_hat_t / y_hat          (n_y, m) / (n_y, m, T_x)   ŷ<t>, probabilities on axis 0
W_f, W_u, W_c, W_o       (n_a, n_a + n_x)           gate weights on [a<t-1>; x<t>]
b_f, b_u, b_c, b_o       (n_a, 1)                   gate biases
p_f, p_u, p_o            (n_a, 1)                   peephole weights (``peephole=True``)
W_ya, b_y                (n_y, n_a), (n_y, 1)       output layer (optional: omit both)
=======================  =========================  ======================================

Equations
---------
.. math::

    (1)\quad \tilde c^{\langle t\rangle} = \tanh(W_c[a^{\langle t-1\rangle},
        x^{\langle t\rangle}] + b_c) \qquad
    (2)\quad \Gamma_u = \sigma(W_u[a^{\langle t-1\rangle}, x^{\langle t\rangle}] + b_u
        \,[+\, p_u * c^{\langle t-1\rangle}])

    (3)\quad \Gamma_f = \sigma(W_f[a^{\langle t-1\rangle}, x^{\langle t\rangle}] + b_f
        \,[+\, p_f * c^{\langle t-1\rangle}]) \qquad
    (4)\quad \Gamma_o = \sigma(W_o[a^{\langle t-1\rangle}, x^{\langle t\rangle}] + b_o
        \,[+\, p_o * c^{\langle t-1\rangle}])

    (5)\quad c^{\langle t\rangle} = \Gamma_u * \tilde c^{\langle t\rangle}
        + \Gamma_f * c^{\langle t-1\rangle} \qquad
    (6)\quad a^{\langle t\rangle} = \Gamma_o * \tanh c^{\langle t\rangle} \qquad
    (7)\quad \hat y^{\langle t\rangle} = \mathrm{softmax}(W_{ya} a^{\langle t\rangle} + b_y)

Backward, with da and dc the total ∂J/∂a<t>, ∂J/∂c<t> (from step t+1 and, for a sequence,
any upstream ∂J/∂c<t> such as a decoder reading c<T_x>), and dz_g before gate g's nonlinearity:

.. math::

    (8)\quad d\Gamma_o = da * \tanh c^{\langle t\rangle}, \quad
        dc_{tot} = dc + da * \Gamma_o * (1 - \tanh^2 c^{\langle t\rangle})

    (9)\quad d\tilde c = dc_{tot} * \Gamma_u, \quad d\Gamma_u = dc_{tot} * \tilde c, \quad
        d\Gamma_f = dc_{tot} * c^{\langle t-1\rangle}, \quad
        dc^{\langle t-1\rangle} = dc_{tot} * \Gamma_f \,[+ \textstyle\sum_g p_g * dz_g]

    (10)\quad dz_c = d\tilde c * (1 - \tilde c^2), \quad dz_g = d\Gamma_g * \Gamma_g(1 - \Gamma_g)
        \ \ (g = u, f, o)

    (11)\quad dW_g = \textstyle\sum_t dz_g [a^{\langle t-1\rangle}; x^{\langle t\rangle}]^T,
        \quad db_g = \textstyle\sum_t \sum_{\text{columns}} dz_g, \quad
        dp_g = \textstyle\sum_t \sum_{\text{columns}} dz_g * c^{\langle t-1\rangle}

    (12)\quad d[a^{\langle t-1\rangle}; x^{\langle t\rangle}] = \textstyle\sum_g W_g^T dz_g

Notes
-----
Differs from the lecture: the peephole connections (``peephole=True``) follow the lecture, all
three gates see c<t-1> element-wise; Gers & Schmidhuber (2000) and Graves (2013) let Γo see
c<t> instead. :func:`lstm_forward` and :func:`lstm_backward` compute the same equations as the
lecture's loop over the cells (:mod:`seqlab.rnn.lstm_loop`; the tests check it), faster
(:mod:`seqlab.rnn._lstm_seq`): the four gates are stacked as [W_f; W_u; W_o; W_c] (4 n_a
rows), so each step is one GEMM for all gates, and dW, db, dx for all steps are one GEMM each
after the reversed loop; float32 stays float32.
:func:`lstm_gates` returns Γf, Γu, Γo, c̃, c, a of every step in the lecture's shapes.
Gradients of W_ya, b_y are zeros, as in :mod:`seqlab.rnn.rnn` (use ``output_backward``).
:func:`lstm_backward` returns (dx, d_initial_state, grads) like the RNN and GRU, with
``d_initial_state = InitialStateGrad(da0, dc0)``: dc0 = ∂J/∂c<0> is for an encoder-decoder that
hands (a<T_x>, c<T_x>) on (``dx, (da0, dc0), grads = lstm_backward(da, cache)``).
With torch's rows [i | f | g | o] = [Γu | Γf | c̃ | Γo]: W_u = [W_hi | W_ii], b_u = b_ii + b_hi.

References
----------
Hochreiter & Schmidhuber, "Long Short-Term Memory", 1997; Gers & Schmidhuber, "Recurrent
nets that time and count", 2000 (peepholes); Coursera, *Building your RNN - Step by Step*.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from seqlab.arrays import randn, zeros
from seqlab.backend import get_array_module
from seqlab.functional import sigmoid, sigmoid_backward, softmax, tanh, tanh_backward
from seqlab.rnn._lstm_seq import seq_backward, seq_forward
from seqlab.rnn._validate import (
    check_bool,
    check_cache,
    check_init,
    check_keys,
    check_output,
    check_sequence,
    check_shape,
    check_step,
    gate_dims,
)
from seqlab.rnn.rnn import output_forward
from seqlab.rnn.state import InitialStateGrad, complete_grads

__all__ = ["LSTMCache", "LSTMCellCache", "init_lstm_params", "lstm_backward",
           "lstm_cell_backward", "lstm_cell_forward", "lstm_forward",
           "lstm_gates", "lstm_memory"]

LSTM_KEYS = ("W_f", "b_f", "W_u", "b_u", "W_c", "b_c", "W_o", "b_o")
PEEPHOLE_KEYS = ("p_f", "p_u", "p_o")


class LSTMCellCache(NamedTuple):
    """What :func:`lstm_cell_backward` needs: inputs, saved gates, tanh c<t>."""

    x_t: Any            # (n_x, m)
    a_prev: Any         # (n_a, m)
    c_prev: Any         # (n_a, m)
    concat: Any         # (n_a + n_x, m)  [a<t-1>; x<t>]
    c_tilde: Any        # (n_a, m)
    gamma_u: Any        # (n_a, m)
    gamma_f: Any        # (n_a, m)
    gamma_o: Any        # (n_a, m)
    tanh_c: Any         # (n_a, m)  tanh c<t>
    params: dict
    peephole: bool


class LSTMCache(NamedTuple):
    """What :func:`lstm_backward` needs, stored time-major: row t is one step, transposed.

    Read the gates with :func:`lstm_gates` (lecture shapes); this layout may change.
    """

    x: Any              # (n_x, m, T_x)
    H: Any              # (n_a + n_x + 1, T_x + 1, m)  H[:, t] = [a<t>; x<t+1>; 1]
    C: Any              # (n_a, T_x + 1, m)            C[:, t] = c<t>, C[:, 0] = c<0>
    G: Any              # (T_x, 4 n_a, m)              G[t] = [Γf; Γu; Γo; c̃] at step t+1
    tanh_c: Any         # (T_x, n_a, m)                tanh c<t+1>
    logits: Any         # (n_y, m, T_x), or None without W_ya
    params: dict
    peephole: bool


def lstm_cell_forward(x_t, a_prev, c_prev, params, peephole: bool = False):
    """One step of the LSTM (eqs. 1-7).

    Parameters
    ----------
    x_t : array (n_x, m), x<t>
    a_prev, c_prev : arrays (n_a, m), a<t-1> and c<t-1>
    params : dict W_f, W_u, W_c, W_o (n_a, n_a + n_x), b_f, b_u, b_c, b_o (n_a, 1); with
        ``peephole`` also p_f, p_u, p_o (n_a, 1); optionally W_ya (n_y, n_a), b_y (n_y, 1)
    peephole : bool, add p_g * c<t-1> inside every gate

    Returns
    -------
    a_t, c_t : arrays (n_a, m)
    y_hat_t : array (n_y, m), or None without W_ya
    cache : LSTMCellCache
    """
    has_output, n_a, n_x = check_lstm_params(params, peephole, "lstm_cell_forward")
    x_t, _ = check_step("lstm_cell_forward", n_x, n_a, x_t, a_prev=a_prev, c_prev=c_prev)
    xp = get_array_module(x_t, a_prev, c_prev, params["W_c"])
    p = params
    peep = {g: p[f"p_{g}"] * c_prev if peephole else 0 for g in "ufo"}  # p_g*c<t-1> or 0

    concat = xp.concatenate([a_prev, x_t], axis=0)              # [a<t-1>; x<t>] (n_a+n_x, m)
    c_tilde = tanh(p["W_c"] @ concat + p["b_c"])                # (1) c̃ = tanh(W_c[a,x] + b_c)
    gamma_u = sigmoid(p["W_u"] @ concat + p["b_u"]              # (2) Γu = σ(W_u[a,x] + b_u
                      + peep["u"])                              #     [+ p_u*c<t-1>])
    gamma_f = sigmoid(p["W_f"] @ concat + p["b_f"]              # (3) Γf = σ(W_f[a,x] + b_f
                      + peep["f"])                              #     [+ p_f*c<t-1>])
    gamma_o = sigmoid(p["W_o"] @ concat + p["b_o"]              # (4) Γo = σ(W_o[a,x] + b_o
                      + peep["o"])                              #     [+ p_o*c<t-1>])
    c_t = gamma_u * c_tilde + gamma_f * c_prev                  # (5) c<t> = Γu*c̃ + Γf*c<t-1>
    tanh_c = tanh(c_t)                                          # tanh c<t>
    a_t = gamma_o * tanh_c                                      # (6) a<t> = Γo*tanh c<t>
    y_hat_t = softmax(p["W_ya"] @ a_t + p["b_y"]) if has_output else None  # (7) ŷ<t>
    cache = LSTMCellCache(x_t, a_prev, c_prev, concat, c_tilde, gamma_u, gamma_f, gamma_o,
                          tanh_c, params, peephole)
    return a_t, c_t, y_hat_t, cache


def lstm_cell_backward(da_t, dc_t, cache: LSTMCellCache):
    """Backward pass of :func:`lstm_cell_forward` for the recurrent part (eqs. 8-12).

    Parameters
    ----------
    da_t, dc_t : arrays (n_a, m), the total ∂J/∂a<t> and ∂J/∂c<t> from outside this step
    cache : LSTMCellCache

    Returns
    -------
    dx_t : array (n_x, m)
    da_prev, dc_prev : arrays (n_a, m), ∂J/∂a<t-1> and ∂J/∂c<t-1> through this step
    grads : dict with the keys of ``cache.params`` (zeros for W_ya, b_y)
    """
    (x_t, a_prev, c_prev, concat, c_tilde, gamma_u, gamma_f, gamma_o, tanh_c, params,
     peephole) = check_cache(cache, LSTMCellCache, "lstm_cell_backward")
    check_shape(da_t, c_prev.shape, "(n_a, m)", "lstm_cell_backward(da_t)")
    check_shape(dc_t, c_prev.shape, "(n_a, m)", "lstm_cell_backward(dc_t)")
    xp = get_array_module(da_t, dc_t, c_prev)
    n_a = c_prev.shape[0]

    dgamma_o = da_t * tanh_c                                    # (8) ∂a<t>/∂Γo = tanh c<t>
    dc = dc_t + tanh_backward(da_t * gamma_o, tanh_c)           # (8) total ∂J/∂c<t>
    dz = {"c": tanh_backward(dc * gamma_u, c_tilde),            # (9)-(10) dc̃ = dc*Γu
          "u": sigmoid_backward(dc * c_tilde, gamma_u),         # (9)-(10) dΓu = dc*c̃
          "f": sigmoid_backward(dc * c_prev, gamma_f),          # (9)-(10) dΓf = dc*c<t-1>
          "o": sigmoid_backward(dgamma_o, gamma_o)}             # (10)
    dc_prev = dc * gamma_f                                      # (9) ∂c<t>/∂c<t-1> = Γf
    grads, dconcat = {}, 0
    for g, dz_g in dz.items():
        grads[f"W_{g}"] = dz_g @ concat.T                       # (11) dz_g [a<t-1>; x<t>]ᵀ
        grads[f"b_{g}"] = dz_g.sum(axis=1, keepdims=True)       # (11) Σ_columns dz_g
        dconcat = dconcat + params[f"W_{g}"].T @ dz_g           # (12) Σ_g W_gᵀ dz_g
        if peephole and g != "c":
            grads[f"p_{g}"] = (dz_g * c_prev).sum(axis=1, keepdims=True)  # (11) dp_g
            dc_prev = dc_prev + params[f"p_{g}"] * dz_g         # (9) peephole path to c<t-1>
    return dconcat[n_a:], dconcat[:n_a], dc_prev, complete_grads(xp, grads, params)


def lstm_forward(x, a0, params, peephole: bool = False, c0=None):
    """The LSTM over a whole sequence (eqs. 1-7; stacked gates, see Notes).

    Parameters
    ----------
    x : array (n_x, m, T_x)
    a0 : array (n_a, m), a<0>
    params : dict as for :func:`lstm_cell_forward`
    peephole : bool
    c0 : array (n_a, m), c<0>; None for zeros (the lecture)

    Returns
    -------
    a : array (n_a, m, T_x), a<1>..a<T_x>
    y_hat : array (n_y, m, T_x), or None without W_ya
    c : array (n_a, m, T_x), c<1>..c<T_x>
    cache : LSTMCache (``cache.logits`` feeds a loss)
    """
    has_output, n_a, n_x = check_lstm_params(params, peephole, "lstm_forward")
    states = {"a0": a0} if c0 is None else {"a0": a0, "c0": c0}
    x = check_sequence("lstm_forward", n_x, n_a, x, **states)[0]
    xp = get_array_module(x, a0, c0, params["W_c"])
    dtype = xp.result_type(x, *states.values(), *params.values())
    H, C, G, tanh_C = seq_forward(x, a0, c0, params, peephole, dtype)  # (1)-(6), all steps
    a = xp.ascontiguousarray(H[:n_a, 1:].transpose(0, 2, 1))   # a<1..T_x> (n_a, m, T_x)
    c = xp.ascontiguousarray(C[:, 1:].transpose(0, 2, 1))      # c<1..T_x> (n_a, m, T_x)
    logits, y_hat = output_forward(a, params) if has_output else (None, None)  # (7)
    return a, y_hat, c, LSTMCache(x, H, C, G, tanh_C, logits, params, peephole)


def lstm_backward(da, cache: LSTMCache, dc=None):
    """Backpropagation through time for the LSTM (eqs. 8-12; one GEMM per gradient).

    Parameters
    ----------
    da : array (n_a, m, T_x), ∂J/∂a<t> from outside the recurrence
    cache : LSTMCache
    dc : array (n_a, m, T_x), ∂J/∂c<t> from outside the recurrence; None for zeros

    Returns
    -------
    dx : array (n_x, m, T_x)
    d_initial_state : InitialStateGrad, da0 and dc0 (n_a, m): ∂J/∂a<0> and ∂J/∂c<0>
    grads : dict with the keys of ``cache.params``; zeros for W_ya and b_y
    """
    fname = "lstm_backward"
    x, H, C, G, tanh_C, _, params, peephole = check_cache(cache, LSTMCache, fname)
    n_x, m, T_x = x.shape
    n_a = C.shape[0]
    check_shape(da, (n_a, m, T_x), "(n_a, m, T_x)", f"{fname}(da)")
    if dc is not None:
        check_shape(dc, (n_a, m, T_x), "(n_a, m, T_x)", f"{fname}(dc)")
    xp = get_array_module(da, dc, H)
    dx, da0, dc0, grads = seq_backward(da, dc, H, C, G, tanh_C, params, peephole)
    return dx, InitialStateGrad(da0, dc0), complete_grads(xp, grads, params)  # (8)-(12)


def lstm_memory(cache: LSTMCache):
    """c<1..T_x> of :func:`lstm_forward`, (n_a, m, T_x): a view into the cache, no copy (do not
    write to it), e.g. for the last c<t> carried into the next window of truncated BPTT."""
    return check_cache(cache, LSTMCache, "lstm_memory").C[:, 1:].transpose(0, 2, 1)


def lstm_gates(cache: LSTMCache) -> dict:
    """The gates and states of every step of :func:`lstm_forward`, for plots and exercises.

    Parameters
    ----------
    cache : LSTMCache from :func:`lstm_forward`

    Returns
    -------
    dict with "gamma_f", "gamma_u", "gamma_o", "c_tilde", "c", "a": arrays (n_a, m, T_x),
        the values at steps 1..T_x (eqs. 1-6), fresh copies (writing to them leaves the cache
        unchanged)
    """
    n_a = check_cache(cache, LSTMCache, "lstm_gates").C.shape[0]
    out = {name: cache.G[:, i * n_a:(i + 1) * n_a].transpose(1, 2, 0) for i, name in
           enumerate(("gamma_f", "gamma_u", "gamma_o", "c_tilde"))}  # (T_x, n_a, m) -> lecture
    out["c"] = lstm_memory(cache)                                   # c<1..T_x> (n_a, m, T_x)
    out["a"] = cache.H[:n_a, 1:].transpose(0, 2, 1)                 # a<1..T_x> (n_a, m, T_x)
    return {k: v.copy() for k, v in out.items()}                    # fresh, C order


def init_lstm_params(n_x: int, n_a: int, n_y: int | None, rng=0, peephole: bool = False,
                     dtype=np.float64):
    """Parameters for :func:`lstm_forward`, drawn on the host, on the default device.

    Parameters
    ----------
    n_x, n_a : int, input and hidden sizes
    n_y : int, output size; None for no output layer
    rng : numpy.random.Generator or int seed
    peephole : bool, also draw p_f, p_u, p_o
    dtype : float64 or float32

    Returns
    -------
    params : dict, W_* N(0, 1/(n_a + n_x)) (n_a, n_a + n_x), b_f = 1 and other biases 0
        (n_a, 1), p_* N(0, 1/n_a) (n_a, 1), W_ya N(0, 1/n_a) (n_y, n_a), b_y = 0 (n_y, 1)

    Notes
    -----
    b_f = 1 starts the forget gate mostly open (Jozefowicz et al., 2015).
    """
    n_x, n_a, n_y, rng, dtype = check_init("init_lstm_params", n_x, n_a, n_y, rng, dtype)
    params = {}
    for k in LSTM_KEYS:
        if k.startswith("W_"):
            params[k] = randn(rng, (n_a, n_a + n_x), 1 / math.sqrt(n_a + n_x), dtype)
        else:
            params[k] = zeros((n_a, 1), dtype) + (1 if k == "b_f" else 0)
    for k in PEEPHOLE_KEYS if peephole else ():
        params[k] = randn(rng, (n_a, 1), 1 / math.sqrt(n_a), dtype)
    if n_y is not None:
        params["W_ya"] = randn(rng, (n_y, n_a), 1 / math.sqrt(n_a), dtype)
        params["b_y"] = zeros((n_y, 1), dtype)
    return params


def check_lstm_params(params, peephole: bool, fname: str) -> tuple[bool, int, int]:
    """Validate keys and shapes; return (has_output, n_a, n_x). Shared with lstm_loop."""
    keys = LSTM_KEYS + (PEEPHOLE_KEYS if check_bool(peephole, f"{fname}(peephole)") else ())
    has_output = check_keys(params, keys, fname, f" for peephole={peephole}")
    n_a, n_x = gate_dims(params, ["W_c", "W_f", "W_u", "W_o"],
                         [k for k in keys if not k.startswith("W_")], fname)
    check_output(params, n_a, fname)
    return has_output, n_a, n_x
