r"""Gated Recurrent Unit (GRU): the lecture's full and simplified cells and the cuDNN variant.

*Sequence Models*, week 1: "Gated Recurrent Unit (GRU)". The memory cell c<t> (= a<t>) is
overwritten only where the update gate Γu opens, so gradients survive many steps.

Shapes
------
=======================  =========================  ======================================
name                     shape                      meaning
=======================  =========================  ======================================
x_t / x                  (n_x, m) / (n_x, m, T_x)   input x<t>; all T_x steps on axis 2
c_prev, c0               (n_a, m)                   memory cell c<t-1> = a<t-1>; c<0>
c_t / c                  (n_a, m) / (n_a, m, T_x)   c<t> = a<t>; all of them
y_hat_t / y_hat          (n_y, m) / (n_y, m, T_x)   ŷ<t>, probabilities on axis 0
W_u, W_r, W_c            (n_a, n_a + n_x)           gate weights on [c<t-1>; x<t>]
b_u, b_r, b_c, b_cc      (n_a, 1)                   biases (b_cc: "cudnn" only)
W_ya, b_y                (n_y, n_a), (n_y, 1)       output layer (optional: omit both)
=======================  =========================  ======================================

Param keys by ``variant``: "full" W_u b_u W_r b_r W_c b_c; "simplified" W_u b_u W_c b_c;
"cudnn" W_u b_u W_r b_r W_c b_c b_cc; each optionally with W_ya b_y.

Equations
---------
.. math::

    (1)\quad \Gamma_u = \sigma(W_u[c^{\langle t-1\rangle}, x^{\langle t\rangle}] + b_u)
    \qquad
    (2)\quad \Gamma_r = \sigma(W_r[c^{\langle t-1\rangle}, x^{\langle t\rangle}] + b_r)

    (3)\quad \tilde c^{\langle t\rangle} = \tanh(W_c[\Gamma_r * c^{\langle t-1\rangle},
        x^{\langle t\rangle}] + b_c)

    (3s)\quad \tilde c^{\langle t\rangle} = \tanh(W_c[c^{\langle t-1\rangle},
        x^{\langle t\rangle}] + b_c) \qquad \text{simplified: no } \Gamma_r

    (3c)\quad \tilde c^{\langle t\rangle} = \tanh\big(W_{cx} x^{\langle t\rangle} + b_c
        + \Gamma_r * (W_{cc} c^{\langle t-1\rangle} + b_{cc})\big),
        \quad [W_{cc} \mid W_{cx}] = W_c \qquad \text{cudnn}

    (4)\quad c^{\langle t\rangle} = \Gamma_u * \tilde c^{\langle t\rangle}
        + (1 - \Gamma_u) * c^{\langle t-1\rangle} \qquad
    (5)\quad a^{\langle t\rangle} = c^{\langle t\rangle} \qquad
    (6)\quad \hat y^{\langle t\rangle} = \mathrm{softmax}(W_{ya} a^{\langle t\rangle} + b_y)

Backward, with dc the total ∂J/∂c<t> and dz_g the gradient before gate g's nonlinearity:

.. math::

    (7)\quad d\tilde c = dc * \Gamma_u, \quad d\Gamma_u = dc * (\tilde c - c^{\langle t-1\rangle}),
        \quad dc^{\langle t-1\rangle} \mathrel{+}= dc * (1 - \Gamma_u)

    (8)\quad dz_c = d\tilde c * (1 - \tilde c^2), \quad dz_u = d\Gamma_u * \Gamma_u(1-\Gamma_u),
        \quad dz_r = d\Gamma_r * \Gamma_r(1-\Gamma_r)

    (9)\quad dW_g = dz_g\, [\cdot]^T, \quad db_g = \textstyle\sum_{\text{columns}} dz_g,
        \quad d[c^{\langle t-1\rangle}; x^{\langle t\rangle}] \mathrel{+}= W_g^T dz_g

    (10)\quad \text{full: } d[\Gamma_r c; x] = W_c^T dz_c, \quad
        d\Gamma_r = d(\Gamma_r c) * c^{\langle t-1\rangle}, \quad
        dc^{\langle t-1\rangle} \mathrel{+}= d(\Gamma_r c) * \Gamma_r

    (11)\quad \text{cudnn: } d\Gamma_r = dz_c * h_c, \quad dh_c = dz_c * \Gamma_r, \quad
        h_c = W_{cc} c^{\langle t-1\rangle} + b_{cc}

Notes
-----
Differs from the lecture: ``variant="cudnn"`` is the formulation of cuDNN and
``torch.nn.GRU``, where the reset gate multiplies the recurrent product (3c) instead of
c<t-1> (3); it needs a second candidate bias b_cc inside the product. PyTorch writes
h' = (1 - z) * n + z * h, so its update gate z is 1 - Γu. With torch's rows [r | z | n]:
W_r = [W_hr | W_ir], b_r = b_ir + b_hr; W_u = -[W_hz | W_iz], b_u = -(b_iz + b_hz)
(σ(-s) = 1 - σ(s)); W_c = [W_hn | W_in], b_c = b_in, b_cc = b_hn. The gate input is
[c<t-1>; x<t>], state first, as on the slide. :func:`gru_forward` and :func:`gru_backward` are
the lecture's loops over the cell (the cache is the list of the steps' GRUCellCache), the GRU's
twin of :mod:`seqlab.rnn.lstm_loop`; gradients of W_ya, b_y are zeros here, as in
:mod:`seqlab.rnn.rnn` (use ``output_backward``).
:func:`gru_backward` returns (dx, d_initial_state, grads) with the gradient of the one state
c<0> in ``d_initial_state.da0`` (dc0 is None), so code written for the RNN reads it unchanged.

References
----------
Cho et al., "Learning Phrase Representations using RNN Encoder-Decoder", 2014 (the GRU).
Chung et al., "Empirical Evaluation of Gated Recurrent Neural Networks", 2014.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from seqlab.arrays import randn, zeros
from seqlab.backend import get_array_module
from seqlab.functional import sigmoid, sigmoid_backward, softmax, tanh, tanh_backward
from seqlab.rnn._validate import (
    check_cache,
    check_choice,
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

__all__ = ["GRUCache", "GRUCellCache", "gru_backward", "gru_cell_backward",
           "gru_cell_forward", "gru_forward", "gru_gates", "init_gru_params"]

VARIANT_KEYS = {
    "full": ("W_u", "b_u", "W_r", "b_r", "W_c", "b_c"),
    "simplified": ("W_u", "b_u", "W_c", "b_c"),
    "cudnn": ("W_u", "b_u", "W_r", "b_r", "W_c", "b_c", "b_cc"),
}


class GRUCellCache(NamedTuple):
    """What :func:`gru_cell_backward` needs: inputs, saved gates and candidate."""

    x_t: Any            # (n_x, m)
    c_prev: Any         # (n_a, m)
    concat: Any         # (n_a + n_x, m)  [c<t-1>; x<t>]
    gamma_u: Any        # (n_a, m)
    gamma_r: Any        # (n_a, m), None for "simplified"
    c_tilde: Any        # (n_a, m)
    gated: Any          # (n_a + n_x, m)  [Γr*c<t-1>; x<t>] for "full", else None
    h_c: Any            # (n_a, m)  W_cc c<t-1> + b_cc for "cudnn", else None
    params: dict
    variant: str


class GRUCache(NamedTuple):
    """What :func:`gru_backward` needs, plus the logits a loss wants."""

    steps: list         # T_x GRUCellCache
    logits: Any         # (n_y, m, T_x), or None without W_ya
    params: dict


def gru_cell_forward(x_t, c_prev, params, variant: str = "full"):
    """One step of the GRU (eqs. 1-6).

    Parameters
    ----------
    x_t : array (n_x, m), x<t>
    c_prev : array (n_a, m), c<t-1> = a<t-1>
    params : dict with the keys of ``variant`` (module docstring), W_* (n_a, n_a + n_x),
        b_* (n_a, 1), optionally W_ya (n_y, n_a), b_y (n_y, 1)
    variant : "full" (lecture), "simplified" (lecture, Γu only) or "cudnn" (torch.nn.GRU)

    Returns
    -------
    c_t : array (n_a, m), c<t> = a<t>
    y_hat_t : array (n_y, m), or None without W_ya
    cache : GRUCellCache
    """
    has_output, n_a, n_x = _check_params(params, variant, "gru_cell_forward")
    x_t, _ = check_step("gru_cell_forward", n_x, n_a, x_t, c_prev=c_prev)
    xp = get_array_module(x_t, c_prev, params["W_u"])
    W_u, b_u, W_c, b_c = params["W_u"], params["b_u"], params["W_c"], params["b_c"]

    concat = xp.concatenate([c_prev, x_t], axis=0)    # [c<t-1>; x<t>]        (n_a + n_x, m)
    gamma_u = sigmoid(W_u @ concat + b_u)             # (1) Γu = σ(W_u[c<t-1>, x<t>] + b_u)
    gamma_r = gated = h_c = None
    if variant == "simplified":
        c_tilde = tanh(W_c @ concat + b_c)            # (3s) c̃ = tanh(W_c[c<t-1>, x<t>] + b_c)
    else:
        gamma_r = sigmoid(params["W_r"] @ concat + params["b_r"])  # (2) Γr = σ(W_r[c, x] + b_r)
    if variant == "full":
        gated = xp.concatenate([gamma_r * c_prev, x_t], axis=0)  # [Γr*c<t-1>; x<t>]
        c_tilde = tanh(W_c @ gated + b_c)             # (3) c̃ = tanh(W_c[Γr*c<t-1>, x<t>] + b_c)
    elif variant == "cudnn":
        h_c = W_c[:, :n_a] @ c_prev + params["b_cc"]  # (3c) W_cc c<t-1> + b_cc    (n_a, m)
        c_tilde = tanh(W_c[:, n_a:] @ x_t + b_c + gamma_r * h_c)  # (3c) c̃ = tanh(.. + Γr*h_c)
    c_t = gamma_u * c_tilde + (1 - gamma_u) * c_prev  # (4) c<t> = Γu*c̃ + (1-Γu)*c<t-1>
    y_hat_t = None
    if has_output:
        y_hat_t = softmax(params["W_ya"] @ c_t + params["b_y"])  # (5)-(6) ŷ<t>, a<t> = c<t>
    cache = GRUCellCache(x_t, c_prev, concat, gamma_u, gamma_r, c_tilde, gated, h_c, params,
                         variant)
    return c_t, y_hat_t, cache


def gru_cell_backward(dc_t, cache: GRUCellCache):
    """Backward pass of :func:`gru_cell_forward` for the recurrent part (eqs. 7-11).

    Parameters
    ----------
    dc_t : array (n_a, m), the total ∂J/∂c<t>
    cache : GRUCellCache

    Returns
    -------
    dx_t : array (n_x, m)
    dc_prev : array (n_a, m), ∂J/∂c<t-1> through this step
    grads : dict with the keys of ``cache.params`` (zeros for W_ya, b_y)
    """
    (x_t, c_prev, concat, gamma_u, gamma_r, c_tilde, gated, h_c, params,
     variant) = check_cache(cache, GRUCellCache, "gru_cell_backward")
    check_shape(dc_t, c_prev.shape, "(n_a, m)", "gru_cell_backward(dc_t)")
    xp = get_array_module(dc_t, c_prev)
    n_a, W_u, W_c = c_prev.shape[0], params["W_u"], params["W_c"]

    dc_tilde = dc_t * gamma_u                         # (7) ∂c<t>/∂c̃ = Γu
    dgamma_u = dc_t * (c_tilde - c_prev)              # (7) ∂c<t>/∂Γu = c̃ - c<t-1>
    dc_prev = dc_t * (1 - gamma_u)                    # (7) the direct path through 1 - Γu
    dz_c = tanh_backward(dc_tilde, c_tilde)           # (8) through tanh of (3)
    dz_u = sigmoid_backward(dgamma_u, gamma_u)        # (8) through σ of (1)
    grads = {"W_u": dz_u @ concat.T, "b_u": dz_u.sum(axis=1, keepdims=True),    # (9)
             "b_c": dz_c.sum(axis=1, keepdims=True)}                            # (9)
    dconcat = W_u.T @ dz_u                            # (9) ∂J/∂[c<t-1>; x<t>] via Γu
    if variant == "simplified":
        grads["W_c"] = dz_c @ concat.T                # (9) dz_c [c<t-1>; x<t>]ᵀ
        dconcat += W_c.T @ dz_c                       # (9) via c̃
    else:
        if variant == "full":
            grads["W_c"] = dz_c @ gated.T             # (9) dz_c [Γr*c<t-1>; x<t>]ᵀ
            dgated = W_c.T @ dz_c                     # (10) ∂J/∂[Γr*c<t-1>; x<t>]
            dgamma_r = dgated[:n_a] * c_prev          # (10) dΓr = d(Γr c) * c<t-1>
            dc_prev += dgated[:n_a] * gamma_r         # (10) dc<t-1> += d(Γr c) * Γr
            dconcat[n_a:] += dgated[n_a:]             # (10) x<t> enters c̃ directly
        else:
            dgamma_r = dz_c * h_c                     # (11) dΓr = dz_c * h_c
            dh_c = dz_c * gamma_r                     # (11) dh_c = dz_c * Γr          (n_a, m)
            grads["W_c"] = xp.concatenate([dh_c @ c_prev.T, dz_c @ x_t.T], axis=1)  # [dW_cc|dW_cx]
            grads["b_cc"] = dh_c.sum(axis=1, keepdims=True)   # (11) Σ_columns dh_c
            dc_prev += W_c[:, :n_a].T @ dh_c          # (11) W_ccᵀ dh_c
            dconcat[n_a:] += W_c[:, n_a:].T @ dz_c    # (11) W_cxᵀ dz_c
        dz_r = sigmoid_backward(dgamma_r, gamma_r)    # (8) through σ of (2)
        grads["W_r"] = dz_r @ concat.T                # (9)
        grads["b_r"] = dz_r.sum(axis=1, keepdims=True)  # (9)
        dconcat += params["W_r"].T @ dz_r             # (9) via Γr
    dc_prev += dconcat[:n_a]                          # (9) the c<t-1> rows
    dx_t = dconcat[n_a:]                              # (9) the x<t> rows            (n_x, m)
    return dx_t, dc_prev, complete_grads(xp, grads, params)


def gru_forward(x, c0, params, variant: str = "full"):
    """The GRU over a whole sequence: gru_cell_forward at t = 1..T_x.

    Parameters
    ----------
    x : array (n_x, m, T_x)
    c0 : array (n_a, m), c<0>
    params : dict as for :func:`gru_cell_forward`
    variant : "full", "simplified" or "cudnn"

    Returns
    -------
    c : array (n_a, m, T_x), c<1>..c<T_x> (= a<t>)
    y_hat : array (n_y, m, T_x), or None without W_ya
    cache : GRUCache (``cache.logits`` feeds a loss)
    """
    has_output, n_a, n_x = _check_params(params, variant, "gru_forward")
    x, m, T_x = check_sequence("gru_forward", n_x, n_a, x, c0=c0)
    xp = get_array_module(x, c0, params["W_u"])
    recurrent = {k: params[k] for k in VARIANT_KEYS[variant]}  # without the output layer
    c = xp.zeros((n_a, m, T_x), dtype=xp.result_type(x, c0, *recurrent.values()))
    steps, c_t = [], c0
    for t in range(T_x):
        c_t, _, step = gru_cell_forward(x[:, :, t], c_t, recurrent, variant)  # (1)-(5)
        c[:, :, t] = c_t
        steps.append(step)
    logits, y_hat = output_forward(c, params) if has_output else (None, None)  # (6)
    return c, y_hat, GRUCache(steps, logits, params)


def gru_backward(dc, cache: GRUCache):
    """Backpropagation through time for the GRU: gru_cell_backward at t = T_x..1.

    Parameters
    ----------
    dc : array (n_a, m, T_x), ∂J/∂c<t> (= ∂J/∂a<t>) from outside the recurrence
    cache : GRUCache

    Returns
    -------
    dx : array (n_x, m, T_x)
    d_initial_state : InitialStateGrad, da0 (n_a, m) = ∂J/∂c<0> (the GRU's one state, c<t> =
        a<t>, as for the RNN's a<0>); dc0 None
    grads : dict with the keys of ``cache.params``; zeros for W_ya and b_y
    """
    steps, _, params = check_cache(cache, GRUCache, "gru_backward")
    n_a, m = steps[0].c_prev.shape
    n_x, T_x = steps[0].x_t.shape[0], len(steps)
    check_shape(dc, (n_a, m, T_x), "(n_a, m, T_x)", "gru_backward(dc)")
    xp = get_array_module(dc, steps[0].c_prev)
    grads = {k: xp.zeros_like(v) for k, v in params.items()}
    dx = xp.zeros((n_x, m, T_x), dtype=xp.result_type(dc, steps[0].x_t))
    dc_next = xp.zeros_like(dc[:, :, 0])              # nothing flows back from step T_x + 1
    for t in reversed(range(T_x)):
        dc_t = dc[:, :, t] + dc_next                  # total ∂J/∂c<t>: own loss + step t+1
        dx[:, :, t], dc_next, step_grads = gru_cell_backward(dc_t, steps[t])
        for k, g in step_grads.items():
            grads[k] += g                             # Σ_t over the shared parameters
    return dx, InitialStateGrad(dc_next, None), grads  # dc_next = ∂J/∂c<0>


def gru_gates(cache: GRUCache) -> dict:
    """The gates and states of every step of :func:`gru_forward`, for plots and exercises.

    Parameters
    ----------
    cache : GRUCache from :func:`gru_forward`

    Returns
    -------
    dict with "gamma_u", "gamma_r", "c_tilde", "c": arrays (n_a, m, T_x), the values at steps
        1..T_x (eqs. 1-4; no "gamma_r" for ``variant="simplified"``), fresh arrays (writing to
        them leaves the cache unchanged)
    """
    steps = check_cache(cache, GRUCache, "gru_gates").steps
    xp = get_array_module(steps[0].c_tilde)
    c_prev = [s.c_prev for s in steps[1:]]                         # c<1>..c<T_x-1>
    out = {"gamma_u": xp.stack([s.gamma_u for s in steps], axis=2),   # (1) (n_a, m, T_x)
           "c_tilde": xp.stack([s.c_tilde for s in steps], axis=2)}   # (3) (n_a, m, T_x)
    if steps[0].gamma_r is not None:
        out["gamma_r"] = xp.stack([s.gamma_r for s in steps], axis=2)  # (2) (n_a, m, T_x)
    last = steps[-1]
    c_T = last.gamma_u * last.c_tilde + (1 - last.gamma_u) * last.c_prev  # (4) c<T_x>
    out["c"] = xp.stack([*c_prev, c_T], axis=2)                    # c<1>..c<T_x> (n_a, m, T_x)
    return out


def init_gru_params(n_x: int, n_a: int, n_y: int | None, rng=0, variant: str = "full",
                    dtype=np.float64):
    """Parameters for :func:`gru_forward`, drawn on the host, on the default device.

    Parameters
    ----------
    n_x, n_a : int, input and hidden sizes
    n_y : int, output size; None for no output layer
    rng : numpy.random.Generator or int seed
    variant : "full", "simplified" or "cudnn" (decides the keys)
    dtype : float64 or float32

    Returns
    -------
    params : dict, W_* N(0, 1/(n_a + n_x)) (n_a, n_a + n_x), biases zero (n_a, 1),
        W_ya N(0, 1/n_a) (n_y, n_a), b_y zero (n_y, 1)
    """
    check_choice(variant, tuple(VARIANT_KEYS), "init_gru_params(variant)")
    n_x, n_a, n_y, rng, dtype = check_init("init_gru_params", n_x, n_a, n_y, rng, dtype)
    params = {}
    for k in VARIANT_KEYS[variant]:
        if k.startswith("W_"):
            params[k] = randn(rng, (n_a, n_a + n_x), 1 / math.sqrt(n_a + n_x), dtype)
        else:
            params[k] = zeros((n_a, 1), dtype)
    if n_y is not None:
        params["W_ya"] = randn(rng, (n_y, n_a), 1 / math.sqrt(n_a), dtype)
        params["b_y"] = zeros((n_y, 1), dtype)
    return params


def _check_params(params, variant: str, fname: str) -> tuple[bool, int, int]:
    """Validate keys and shapes; return (has_output, n_a, n_x)."""
    check_choice(variant, tuple(VARIANT_KEYS), f"{fname}(variant)")
    keys = VARIANT_KEYS[variant]
    has_output = check_keys(params, keys, fname, f" for variant={variant!r}")
    weights = ["W_c"] + [k for k in keys if k.startswith("W_") and k != "W_c"]  # W_c: all have it
    n_a, n_x = gate_dims(params, weights, [k for k in keys if k.startswith("b_")], fname)
    check_output(params, n_a, fname)
    return has_output, n_a, n_x
