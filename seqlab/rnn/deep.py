r"""Deep RNN: L recurrent layers stacked, each reading the hidden states of the layer below.

*Sequence Models*, week 1: "Deep RNNs". Layer l has its own parameters and its own chain
a^[l]<1>..a^[l]<T_x>; its input at step t is a^[l-1]<t> (x<t> for l = 1). Three layers is
already deep for an RNN. Every layer is an RNN, a GRU variant or an LSTM (one ``kind`` for all),
and with ``bidirectional=True`` every layer is a BRNN (:mod:`seqlab.rnn.bidirectional`) whose
[a→; a←] feeds the next layer, as in ``torch.nn.LSTM(num_layers=L, bidirectional=True)``.

Shapes
------
=====================  ===========================  =========================================
name                   shape                        meaning
=====================  ===========================  =========================================
x                      (n_x, m, T_x)                input a^[0] = x
a0, c0                 (L, n_dir·n_a, m)            a^[l]<0> per layer (c0: LSTM), default 0
a^[l] (``cache.a``)    (n_dir·n_a, m, T_x)          layer l's states, l = 1..L
a_top                  (n_dir·n_a, m, T_x)          a^[L], the top layer's states
y_hat                  (n_y, m, T_x)                ŷ<t> from the top layer
lengths                (m,)                         real steps per example, padding at the end
l<l>/<key>             the cell's shapes            layer l's params, e.g. l2/W_aa (n_a, n_a)
W_ya, b_y              (n_y, n_dir·n_a), (n_y, 1)   output layer on a^[L] (optional)
=====================  ===========================  =========================================

n_dir is 1, or 2 with ``bidirectional=True``. Param keys: the cell's keys under ``l1/``,
``l2/``, ... (layers count from 1, as the lecture's [l]); with ``bidirectional=True`` under
``l1/fwd/``, ``l1/bwd/``, ``l2/fwd/``, ...; optionally W_ya, b_y. Layer 1's W_ax (or gate
weights) read n_x inputs, layer l > 1's read n_dir·n_a.

Equations
---------
.. math::

    (1)\quad a^{[l]\langle t\rangle} = g(W_{aa}^{[l]} a^{[l]\langle t-1\rangle}
        + W_{ax}^{[l]} a^{[l-1]\langle t\rangle} + b_a^{[l]}), \quad a^{[0]\langle t\rangle}
        = x^{\langle t\rangle} \quad \text{(or the GRU / LSTM cell, or a BRNN layer)}

    (2)\quad \hat y^{\langle t\rangle} = \mathrm{softmax}(W_{ya} a^{[L]\langle t\rangle} + b_y)

e.g. the lecture's a^[2]<3> = g(W_a^[2] [a^[2]<2>, a^[1]<3>] + b_a^[2]). Backward, layer by
layer from the top, BPTT inside each:

.. math::

    (3)\quad da^{[L]} = da_{top} \qquad
    (4)\quad da^{[l-1]} = dx^{[l]} \ \text{(the input gradient of layer l)} \qquad
    (5)\quad dx = dx^{[1]}

Usage, as for one layer: ``a_top, y_hat, cache = deep_rnn_forward(x, params, "gru", 3)``;
``da, out_grads = output_backward(dlogits, a_top, params)``;
``dx, _, grads = deep_rnn_backward(da, cache)``; ``grads.update(out_grads)``.

Notes
-----
Differs from the lecture: every layer has the same kind and n_a, as in torch; the lecture's
non-recurrent layers on top (a dense network per step, no horizontal connections) are not
built in: apply them to ``a_top``. With ``lengths`` each layer zeroes its padded steps (as the
BRNN does), so layer l+1 reads zeros there. :func:`deep_rnn_backward` also returns
∂J/∂a0 and ∂J/∂c0 of every layer (an :class:`seqlab.rnn.InitialStateGrad`). torch.nn.RNN /
GRU / LSTM(num_layers=L): the ``*_l{l-1}`` weights are the ``l<l>/`` keys (``l<l>/fwd/``
when bidirectional, ``*_l{l-1}_reverse`` the ``l<l>/bwd/`` ones), mapped as in the cell
modules; h_0[(l-1)·n_dir + d] is block d of a0[l-1].

References
----------
Graves, Mohamed & Hinton, "Speech Recognition with Deep Recurrent Neural Networks", 2013.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from seqlab._validate import check_int
from seqlab.arrays import randn, zeros
from seqlab.backend import get_array_module
from seqlab.rnn._layer import (
    _OPTION,
    DIRECTIONS,
    _check_output,
    _init_layer,
    _keys,
    _layer_backward,
    _layer_dims,
    _layer_forward,
    _option,
    _prepare,
)
from seqlab.rnn._validate import check_cache, check_init, check_keys, check_shape
from seqlab.rnn.rnn import output_forward
from seqlab.rnn.state import InitialStateGrad, complete_grads

__all__ = ["DeepRNNCache", "deep_rnn_backward", "deep_rnn_forward", "init_deep_rnn_params"]


class DeepRNNCache(NamedTuple):
    """What :func:`deep_rnn_backward` needs, plus every layer's states (for plots)."""

    layers: tuple       # L bidirectional.LayerCache, bottom (l = 1) first
    a: tuple            # L arrays (n_dir·n_a, m, T_x): a^[1] .. a^[L]
    logits: Any         # (n_y, m, T_x) W_ya a^[L]<t> + b_y, or None without W_ya
    params: dict


def deep_rnn_forward(x, params, kind: str, n_layers: int, a0=None, c0=None, lengths=None, *,
                     bidirectional: bool = False, activation: str = "tanh",
                     variant: str = "full", peephole: bool = False):
    """The deep RNN over a sequence: layer 1 on x, layer l on a^[l-1] (eqs. 1-2).

    Parameters
    ----------
    x : array (n_x, m, T_x)
    params : dict, the cell's keys under l1/ .. l<L>/ (and fwd/, bwd/ when bidirectional);
        optionally W_ya (n_y, n_dir·n_a), b_y (n_y, 1) (module docstring)
    kind : "rnn", "gru" or "lstm", the cell of every layer
    n_layers : int ≥ 1, L
    a0 : array (L, n_dir·n_a, m), a^[l]<0> (bidirectional: [a→<0>; a←<T_x+1>]); None for 0
    c0 : array (L, n_dir·n_a, m), the LSTM's c^[l]<0>; None for zeros; kind="lstm" only
    lengths : int array (m,), real steps of each example in [1, T_x]; None: all T_x
    bidirectional : bool, every layer a BRNN
    activation, variant, peephole : the option of ``kind``, as in :func:`brnn_forward`

    Returns
    -------
    a_top : array (n_dir·n_a, m, T_x), a^[L]<t>, zero on padded steps
    y_hat : array (n_y, m, T_x), or None without W_ya
    cache : DeepRNNCache (``cache.a`` holds every layer's states, ``cache.logits`` the logits)
    """
    return _deep_forward(x, params, kind, n_layers, a0, c0, lengths, bidirectional, activation,
                         variant, peephole, "deep_rnn_forward")


def _deep_forward(x, params, kind, n_layers, a0, c0, lengths, bidirectional, activation,
                  variant, peephole, fname):
    """:func:`deep_rnn_forward`, its messages naming ``fname`` (the public entry point)."""
    option = _option(kind, activation, variant, peephole, fname)
    prefixes = _prefixes(n_layers, bidirectional, fname)
    has_output = check_keys(params, _keys([p for layer in prefixes for p in layer], kind, option),
                            fname, f" for kind={kind!r}, {_OPTION[kind]}={option!r}, "
                            f"n_layers={n_layers}, bidirectional={bidirectional}")
    n_a, n_x = _layer_dims(params, prefixes[0], kind, option, fname)
    n_dir = len(prefixes[0])
    for layer in prefixes[1:]:
        dims = _layer_dims(params, layer, kind, option, fname)
        if dims != (n_a, n_dir * n_a):
            raise ValueError(f"{fname}(params): layer {layer[0][:-1]} has (n_a, n_x) = {dims}; "
                             f"expected ({n_a}, {n_dir * n_a}): n_a as layer l1 and n_x = "
                             f"n_dir·n_a, the states of the layer below")
    x, a0, c0, steps = _prepare(x, params, kind, n_x, (n_layers, n_dir * n_a), a0, c0, lengths,
                             fname)
    _check_output(params, n_dir * n_a, "(n_y, n_dir·n_a)", fname)
    a_l, states, layers = x, [], []
    for l, layer in enumerate(prefixes):
        c0_l = None if c0 is None else c0[l]
        a_l, cache = _layer_forward(a_l, params, layer, kind, option, a0[l], c0_l, steps)  # (1)
        states.append(a_l)
        layers.append(cache)
    logits, y_hat = output_forward(a_l, params) if has_output else (None, None)  # (2)
    return a_l, y_hat, DeepRNNCache(tuple(layers), tuple(states), logits, params)


def deep_rnn_backward(da_top, cache: DeepRNNCache):
    """Backward pass of :func:`deep_rnn_forward`, from the top layer down (eqs. 3-5).

    Parameters
    ----------
    da_top : array (n_dir·n_a, m, T_x), ∂J/∂a^[L]<t> from outside the recurrence (e.g. from
        :func:`seqlab.rnn.output_backward`)
    cache : DeepRNNCache

    Returns
    -------
    dx : array (n_x, m, T_x), zero on padded steps
    d_initial_state : InitialStateGrad, da0 (L, n_dir·n_a, m) = ∂J/∂a^[l]<0> per layer (for
        "gru" its one state c0); dc0 (L, n_dir·n_a, m) = ∂J/∂c^[l]<0> for kind="lstm", None
        for "rnn" and "gru"
    grads : dict with the keys of ``cache.params``; zeros for W_ya and b_y
    """
    fname = "deep_rnn_backward"
    layers, _, _, params = check_cache(cache, DeepRNNCache, fname)
    check_shape(da_top, layers[-1].a_shape, "(n_dir·n_a, m, T_x)", f"{fname}(da_top)")
    xp = get_array_module(da_top)
    da, grads, da0, dc0 = da_top, {}, [], []                    # (3) da^[L] = da_top
    for layer in reversed(layers):
        da, da0_l, dc0_l, g = _layer_backward(da, layer)        # (4) da^[l-1] = dx^[l]
        grads.update(g)
        da0.insert(0, da0_l)
        dc0.insert(0, dc0_l)
    dc0 = xp.stack(dc0) if layers[0].kind == "lstm" else None   # (L, n_dir·n_a, m)
    d_initial_state = InitialStateGrad(xp.stack(da0), dc0)      # (L, n_dir·n_a, m)
    return da, d_initial_state, complete_grads(xp, grads, params)  # (5) dx = dx^[1]


def init_deep_rnn_params(n_x: int, n_a: int, n_y: int | None, n_layers: int, kind: str, rng=0,
                         *, bidirectional: bool = False, variant: str = "full",
                         peephole: bool = False, dtype=np.float64):
    """Parameters for :func:`deep_rnn_forward`, drawn on the host, on the default device.

    Parameters
    ----------
    n_x, n_a : int, input size and hidden size of every layer (and chain)
    n_y : int, output size; None for no output layer
    n_layers : int ≥ 1, L
    kind : "rnn", "gru" or "lstm"
    rng : numpy.random.Generator or int seed
    bidirectional : bool, two chains per layer (fwd/, bwd/)
    variant, peephole : the GRU's variant, the LSTM's peepholes (decide the keys)
    dtype : float64 or float32

    Returns
    -------
    params : dict, layer l's chains drawn by ``init_<kind>_params`` (inputs n_x for l = 1,
        n_dir·n_a above), W_ya N(0, 1/(n_dir·n_a)) (n_y, n_dir·n_a), b_y zero (n_y, 1)
    """
    fname = "init_deep_rnn_params"
    option = _option(kind, "tanh", variant, peephole, fname)
    prefixes = _prefixes(n_layers, bidirectional, fname)
    n_x, n_a, n_y, rng, dtype = check_init(fname, n_x, n_a, n_y, rng, dtype)
    n_dir, params = len(prefixes[0]), {}
    for l, layer in enumerate(prefixes):
        n_in = n_x if l == 0 else n_dir * n_a                   # a^[l-1] feeds layer l
        params.update(_init_layer(n_in, n_a, layer, kind, option, rng, dtype))
    if n_y is not None:
        params["W_ya"] = randn(rng, (n_y, n_dir * n_a), 1 / math.sqrt(n_dir * n_a), dtype)
        params["b_y"] = zeros((n_y, 1), dtype)
    return params


def _prefixes(n_layers, bidirectional: bool, fname: str) -> list[tuple[str, ...]]:
    """Per layer, the key prefix of each chain: [("l1/",), ...] or [("l1/fwd/", "l1/bwd/"), ...]."""
    n_layers = check_int(n_layers, f"{fname}(n_layers)", 1)
    chains = DIRECTIONS if bidirectional else ("",)
    return [tuple(f"l{l}/{d}" for d in chains) for l in range(1, n_layers + 1)]

