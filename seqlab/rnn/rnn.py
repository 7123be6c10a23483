r"""Recurrent neural network (RNN): the cell, the sequence, backpropagation through time.

*Sequence Models*, week 1: "Recurrent Neural Network Model" and "Backpropagation Through
Time". One cell is applied at every step with the *same* parameters; a<t> carries what the
network remembers of x<1>..x<t>.

Shapes
------
=======================  =========================  ======================================
name                     shape                      meaning
=======================  =========================  ======================================
x_t / x                  (n_x, m) / (n_x, m, T_x)   input x<t>; all T_x steps on axis 2
a_prev, a0               (n_a, m)                   hidden state a<t-1>; initial state a<0>
a_t / a                  (n_a, m) / (n_a, m, T_x)   hidden state a<t>; all of them
y_hat_t / y_hat          (n_y, m) / (n_y, m, T_x)   ŷ<t>, probabilities on axis 0
W_aa, W_ax               (n_a, n_a), (n_a, n_x)     recurrent and input weights
b_a                      (n_a, 1)                   hidden bias, broadcast over m columns
W_ya, b_y                (n_y, n_a), (n_y, 1)       output layer (optional: omit both)
=======================  =========================  ======================================

Equations
---------
.. math::

    (1)\quad a^{\langle t\rangle} = g\big(W_{aa}\, a^{\langle t-1\rangle}
        + W_{ax}\, x^{\langle t\rangle} + b_a\big), \qquad g \in \{\tanh, \mathrm{relu}\}

    (2)\quad \hat y^{\langle t\rangle} = \mathrm{softmax}\big(W_{ya}\, a^{\langle t\rangle}
        + b_y\big)

Backward, with da<t> the *total* ∂J/∂a<t> (its own loss plus what flows back from step t+1):

.. math::

    (3)\quad dz^{\langle t\rangle} = da^{\langle t\rangle} \odot g'
        = da^{\langle t\rangle} \odot \big(1 - (a^{\langle t\rangle})^2\big)
        \ \text{(tanh)}, \quad da^{\langle t\rangle} \odot \mathbf 1[a^{\langle t\rangle} > 0]
        \ \text{(relu)}

    (4)\quad dW_{aa} = \sum_t dz^{\langle t\rangle} (a^{\langle t-1\rangle})^T \qquad
    (5)\quad dW_{ax} = \sum_t dz^{\langle t\rangle} (x^{\langle t\rangle})^T \qquad
    (6)\quad db_a = \sum_t \sum_{\text{columns}} dz^{\langle t\rangle}

    (7)\quad da^{\langle t-1\rangle} \mathrel{+}= W_{aa}^T\, dz^{\langle t\rangle} \qquad
    (8)\quad dx^{\langle t\rangle} = W_{ax}^T\, dz^{\langle t\rangle}

Output layer, with dz_y<t> = ∂J/∂(W_ya a<t> + b_y) (ŷ<t> - y<t> for cross-entropy):

.. math::

    (9)\quad dW_{ya} = \sum_t dz_y^{\langle t\rangle} (a^{\langle t\rangle})^T \qquad
    (10)\quad db_y = \sum_t \sum_{\text{columns}} dz_y^{\langle t\rangle} \qquad
    (11)\quad da^{\langle t\rangle} = W_{ya}^T\, dz_y^{\langle t\rangle}

Usage: a model trains with the logits kept in the cache and adds the output layer's grads::

    a, y_hat, cache = rnn_forward(x, a0, params)
    loss, dlogits = temporal_cross_entropy(cache.logits, y)
    da, out_grads = output_backward(dlogits, a, params)     # (9)-(11)
    dx, (da0, _), grads = rnn_backward(da, cache)           # (3)-(8)
    grads.update(out_grads)                                 # W_ya, b_y were zeros

Notes
-----
Differs from the lecture: :func:`rnn_backward` takes ∂J/∂a<t> for every step, not the labels,
so the same BPTT serves a language model, an encoder and a stacked layer. It returns
(dx, d_initial_state, grads) like every sequence backward of the family, ``d_initial_state``
a :class:`seqlab.rnn.InitialStateGrad` (da0 = ∂J/∂a<0>, dc0 None: no memory cell). ``grads`` has
every key of ``params`` (one optimizer serves every model), with zeros for W_ya and b_y:
their gradients come from :func:`output_backward`. ``cache.logits`` keeps W_ya a<t> + b_y so
the loss never takes the log of a rounded probability.

References
----------
Coursera, *Building your Recurrent Neural Network - Step by Step* (rnn_cell_forward ...).
cs231n assignment 3, ``rnn_layers.py`` (rnn_step_backward).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from seqlab._validate import MissingKeyError, as_array, check_dict
from seqlab.arrays import randn, zeros
from seqlab.backend import get_array_module
from seqlab.functional import softmax, tanh, tanh_backward
from seqlab.rnn._validate import (
    check_cache,
    check_choice,
    check_init,
    check_keys,
    check_ndim,
    check_output,
    check_sequence,
    check_shape,
    check_step,
    fmt,
)
from seqlab.rnn.state import InitialStateGrad, complete_grads

__all__ = [
    "RNNCache",
    "RNNCellCache",
    "init_rnn_params",
    "output_backward",
    "output_forward",
    "rnn_backward",
    "rnn_cell_backward",
    "rnn_cell_forward",
    "rnn_forward",
]

RNN_KEYS = ("W_aa", "W_ax", "b_a")
ACTIVATIONS = ("tanh", "relu")


class RNNCellCache(NamedTuple):
    """What :func:`rnn_cell_backward` needs: the step's inputs and output (g' from a<t>)."""

    x_t: Any            # (n_x, m)
    a_prev: Any         # (n_a, m)
    a_t: Any            # (n_a, m)
    params: dict
    activation: str


class RNNCache(NamedTuple):
    """What :func:`rnn_backward` needs, plus the logits a loss wants."""

    steps: list         # T_x RNNCellCache, one per step
    logits: Any         # (n_y, m, T_x) W_ya a<t> + b_y for every t, or None without W_ya
    params: dict


def rnn_cell_forward(x_t, a_prev, params, activation: str = "tanh"):
    """One step of the RNN (eqs. 1-2).

    Parameters
    ----------
    x_t : array (n_x, m), x<t>
    a_prev : array (n_a, m), a<t-1>
    params : dict with W_aa (n_a, n_a), W_ax (n_a, n_x), b_a (n_a, 1), and optionally
        W_ya (n_y, n_a), b_y (n_y, 1)
    activation : "tanh" (the lecture's default) or "relu"

    Returns
    -------
    a_t : array (n_a, m), a<t>
    y_hat_t : array (n_y, m), ŷ<t>; None when params has no W_ya
    cache : RNNCellCache
    """
    has_output = _check_params(params, activation, "rnn_cell_forward")
    n_a, n_x = params["W_ax"].shape
    x_t, _ = check_step("rnn_cell_forward", n_x, n_a, x_t, a_prev=a_prev)
    xp = get_array_module(x_t, a_prev, params["W_aa"])
    W_aa, W_ax, b_a = params["W_aa"], params["W_ax"], params["b_a"]

    z_t = W_aa @ a_prev + W_ax @ x_t + b_a      # (1) W_aa a<t-1> + W_ax x<t> + b_a   (n_a, m)
    a_t = tanh(z_t) if activation == "tanh" else xp.maximum(z_t, 0)  # (1) a<t> = g(z<t>)
    y_hat_t = None
    if has_output:
        y_hat_t = softmax(params["W_ya"] @ a_t + params["b_y"])  # (2) ŷ<t>   (n_y, m)
    return a_t, y_hat_t, RNNCellCache(x_t, a_prev, a_t, params, activation)


def rnn_cell_backward(da_t, cache: RNNCellCache):
    """Backward pass of :func:`rnn_cell_forward` for the recurrent part (eqs. 3-8).

    Parameters
    ----------
    da_t : array (n_a, m), the total ∂J/∂a<t>
    cache : RNNCellCache

    Returns
    -------
    dx_t : array (n_x, m)
    da_prev : array (n_a, m), ∂J/∂a<t-1> through this step
    grads : dict with the keys of ``cache.params``: dW_aa, dW_ax, db_a for this step, and
        zeros for W_ya, b_y (see :func:`output_backward`)
    """
    x_t, a_prev, a_t, params, activation = check_cache(cache, RNNCellCache, "rnn_cell_backward")
    check_shape(da_t, a_t.shape, "(n_a, m)", "rnn_cell_backward(da_t)")
    xp = get_array_module(da_t, a_t)
    W_aa, W_ax = params["W_aa"], params["W_ax"]

    if activation == "tanh":
        dz = tanh_backward(da_t, a_t)           # (3) dz = da ⊙ (1 - a<t>²)          (n_a, m)
    else:
        dz = da_t * (a_t > 0)                   # (3) dz = da ⊙ 1[a<t> > 0]
    grads = {
        "W_aa": dz @ a_prev.T,                  # (4) dz a<t-1>ᵀ                      (n_a, n_a)
        "W_ax": dz @ x_t.T,                     # (5) dz x<t>ᵀ                        (n_a, n_x)
        "b_a": dz.sum(axis=1, keepdims=True),   # (6) Σ_columns dz                    (n_a, 1)
    }
    da_prev = W_aa.T @ dz                       # (7) W_aaᵀ dz                        (n_a, m)
    dx_t = W_ax.T @ dz                          # (8) W_axᵀ dz                        (n_x, m)
    return dx_t, da_prev, complete_grads(xp, grads, params)


def rnn_forward(x, a0, params, activation: str = "tanh"):
    """The RNN over a whole sequence: rnn_cell_forward at t = 1..T_x (eqs. 1-2).

    Parameters
    ----------
    x : array (n_x, m, T_x)
    a0 : array (n_a, m), a<0> (zeros in the lecture)
    params : dict as for :func:`rnn_cell_forward`
    activation : "tanh" or "relu"

    Returns
    -------
    a : array (n_a, m, T_x), a<1>..a<T_x>
    y_hat : array (n_y, m, T_x), or None when params has no W_ya
    cache : RNNCache (``cache.logits`` feeds a loss)
    """
    has_output = _check_params(params, activation, "rnn_forward")
    n_a, n_x = params["W_ax"].shape
    x, m, T_x = check_sequence("rnn_forward", n_x, n_a, x, a0=a0)
    xp = get_array_module(x, a0, params["W_aa"])
    recurrent = {k: params[k] for k in RNN_KEYS}  # the cell without its output layer
    a = xp.zeros((n_a, m, T_x), dtype=xp.result_type(x, a0, *recurrent.values()))
    steps, a_t = [], a0
    for t in range(T_x):
        a_t, _, step = rnn_cell_forward(x[:, :, t], a_t, recurrent, activation)  # (1)
        a[:, :, t] = a_t
        steps.append(step)
    logits, y_hat = output_forward(a, params) if has_output else (None, None)  # (2)
    return a, y_hat, RNNCache(steps, logits, params)


def rnn_backward(da, cache: RNNCache):
    """Backpropagation through time: rnn_cell_backward at t = T_x..1 (eqs. 3-8).

    Parameters
    ----------
    da : array (n_a, m, T_x), ∂J/∂a<t> from outside the recurrence (e.g. from
        :func:`output_backward`, or zeros but the last step for a many-to-one model)
    cache : RNNCache

    Returns
    -------
    dx : array (n_x, m, T_x)
    d_initial_state : InitialStateGrad, da0 (n_a, m) = ∂J/∂a<0>; dc0 None
    grads : dict with the keys of ``cache.params``; zeros for W_ya and b_y
    """
    steps, _, params = check_cache(cache, RNNCache, "rnn_backward")
    n_a, m = steps[0].a_t.shape
    n_x, T_x = steps[0].x_t.shape[0], len(steps)
    check_shape(da, (n_a, m, T_x), "(n_a, m, T_x)", "rnn_backward(da)")
    xp = get_array_module(da, steps[0].a_t)
    grads = {k: xp.zeros_like(v) for k, v in params.items()}
    dx = xp.zeros((n_x, m, T_x), dtype=xp.result_type(da, steps[0].x_t))
    da_next = xp.zeros_like(da[:, :, 0])        # ∂J/∂a<T_x> through a<T_x+1>: none
    for t in reversed(range(T_x)):
        da_t = da[:, :, t] + da_next            # (7) total ∂J/∂a<t>: own loss + step t+1
        dx[:, :, t], da_next, step_grads = rnn_cell_backward(da_t, steps[t])
        for k, g in step_grads.items():
            grads[k] += g                       # (4)-(6) Σ_t over the shared parameters
    return dx, InitialStateGrad(da_next, None), grads  # da_next = ∂J/∂a<0>


def output_forward(a, params):
    """The output layer at every step: logits W_ya a<t> + b_y and ŷ<t> = softmax (eq. 2).

    Parameters
    ----------
    a : array (n_a, m, T_x), or (n_a, m) for one step
    params : dict with W_ya (n_y, n_a) and b_y (n_y, 1) (other keys are ignored)

    Returns
    -------
    logits : array (n_y, m, T_x) (or (n_y, m))
    y_hat : array of ``logits.shape``, softmax over axis 0
    """
    a, W_ya, b_y = _check_output_args(a, params, "output_forward")
    n_a = a.shape[0]
    logits = W_ya @ a.reshape(n_a, -1) + b_y    # (2) W_ya a<t> + b_y, all steps  (n_y, m·T_x)
    logits = logits.reshape((W_ya.shape[0],) + tuple(a.shape[1:]))  # (n_y, m, T_x)
    return logits, softmax(logits)              # (2) ŷ<t> = softmax(logits<t>)


def output_backward(dlogits, a, params):
    """Backward pass of :func:`output_forward` from ∂J/∂logits (eqs. 9-11).

    Parameters
    ----------
    dlogits : array (n_y, m, T_x) (or (n_y, m)), e.g. from ``temporal_cross_entropy``
    a : array (n_a, m, T_x) (or (n_a, m)), the hidden states the logits came from
    params : dict with W_ya (n_y, n_a) and b_y (n_y, 1)

    Returns
    -------
    da : array of ``a.shape``, the output layer's part of ∂J/∂a<t>
    grads : dict with "W_ya" (n_y, n_a) and "b_y" (n_y, 1)
    """
    a, W_ya, _ = _check_output_args(a, params, "output_backward")
    n_y, n_a = W_ya.shape
    check_shape(dlogits, (n_y,) + tuple(a.shape[1:]),
                "(n_y, m, T_x)" if a.ndim == 3 else "(n_y, m)", "output_backward(dlogits)")
    dz_y = dlogits.reshape(n_y, -1)             # (n_y, m·T_x)
    a_flat = a.reshape(n_a, -1)                 # (n_a, m·T_x)
    grads = {
        "W_ya": dz_y @ a_flat.T,                # (9) Σ_t dz_y<t> a<t>ᵀ              (n_y, n_a)
        "b_y": dz_y.sum(axis=1, keepdims=True),  # (10) Σ_t Σ_columns dz_y<t>        (n_y, 1)
    }
    da = (W_ya.T @ dz_y).reshape(a.shape)       # (11) W_yaᵀ dz_y<t>                 a.shape
    return da, grads


def init_rnn_params(n_x: int, n_a: int, n_y: int | None, rng=0, dtype=np.float64):
    """Parameters for :func:`rnn_forward`, drawn on the host, on the default device.

    Parameters
    ----------
    n_x, n_a : int, input and hidden sizes
    n_y : int, output size; None for an RNN without an output layer (no W_ya, b_y)
    rng : numpy.random.Generator or int seed (one seed gives one model on NumPy and CuPy)
    dtype : float64 (gradient checks) or float32 (training)

    Returns
    -------
    params : dict W_aa (n_a, n_a), W_ax (n_a, n_x), b_a (n_a, 1) [, W_ya (n_y, n_a), b_y (n_y, 1)]

    Notes
    -----
    Differs from the lecture's assignment (randn · 0.01): W_aa and W_ax are N(0, 1/(n_a+n_x))
    (they act together on [a<t-1>; x<t>], so z<t> starts with unit variance), W_ya is
    N(0, 1/n_a), biases are zero.
    """
    n_x, n_a, n_y, rng, dtype = check_init("init_rnn_params", n_x, n_a, n_y, rng, dtype)
    scale = 1 / math.sqrt(n_a + n_x)
    params = {"W_aa": randn(rng, (n_a, n_a), scale, dtype),
              "W_ax": randn(rng, (n_a, n_x), scale, dtype),
              "b_a": zeros((n_a, 1), dtype)}
    if n_y is not None:
        params["W_ya"] = randn(rng, (n_y, n_a), 1 / math.sqrt(n_a), dtype)
        params["b_y"] = zeros((n_y, 1), dtype)
    return params


# --------------------------------------------------------------------------- helpers
def _check_params(params, activation: str, fname: str) -> bool:
    check_choice(activation, ACTIVATIONS, f"{fname}(activation)")
    has_output = check_keys(params, RNN_KEYS, fname)
    n_a, n_x = check_ndim(params["W_ax"], 2, "(n_a, n_x)", f"{fname}(params['W_ax'])")
    check_shape(params["W_aa"], (n_a, n_a), "(n_a, n_a)", f"{fname}(params['W_aa'])")
    check_shape(params["b_a"], (n_a, 1), "(n_a, 1)", f"{fname}(params['b_a'])")
    check_output(params, n_a, fname)
    return has_output


def _check_output_args(a, params, fname: str):
    check_dict(params, f"{fname}(params)")
    missing = [k for k in ("W_ya", "b_y") if k not in params]
    if missing:
        raise MissingKeyError(f"{fname}(params): missing keys {missing}; params has "
                              f"{list(params)}")
    n_y, n_a = check_ndim(params["W_ya"], 2, "(n_y, n_a)", f"{fname}(params['W_ya'])")
    check_shape(params["b_y"], (n_y, 1), "(n_y, 1)", f"{fname}(params['b_y'])")
    a = as_array(a, f"{fname}(a)")
    if a.ndim not in (2, 3) or a.shape[0] != n_a:
        raise ValueError(f"{fname}(a): expected shape ({n_a}, m, T_x) = (n_a, m, T_x) or "
                         f"({n_a}, m) = (n_a, m), got {fmt(a.shape)}")
    return a, params["W_ya"], params["b_y"]

