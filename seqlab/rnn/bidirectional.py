r"""Bidirectional RNN (BRNN): a forward and a backward chain of any week-1 cell.

*Sequence Models*, week 1: "Bidirectional RNN". One chain reads x<1>..x<T_x> into a→<t>, a
second reads x<T_x>..x<1> into a←<t>, each with its own parameters; the prediction at step t
sees the whole sentence, past and future. The cell is the RNN, a GRU variant or the LSTM.

Shapes
------
=====================  ========================  ============================================
name                   shape                     meaning
=====================  ========================  ============================================
x                      (n_x, m, T_x)             input, all T_x steps on axis 2
a0, c0                 (2 n_a, m)                [a→<0>; a←<T_x+1>] (c0: LSTM only), default 0
a                      (2 n_a, m, T_x)           [a→<t>; a←<t>], the two chains stacked
y_hat                  (n_y, m, T_x)             ŷ<t>, probabilities on axis 0
lengths                (m,)                      real steps per example, padding at the end
fwd/<key>, bwd/<key>   the cell's shapes         each chain's params, e.g. fwd/W_aa (n_a, n_a)
W_ya, b_y              (n_y, 2 n_a), (n_y, 1)    output layer on both chains (optional)
=====================  ========================  ============================================

Param keys: the cell's keys (``seqlab.rnn.rnn``, ``.gru``, ``.lstm``) under the prefixes
``fwd/`` and ``bwd/``, e.g. kind="rnn": fwd/W_aa fwd/W_ax fwd/b_a bwd/W_aa bwd/W_ax bwd/b_a,
optionally W_ya b_y. One flat dict, so one optimizer serves it and ``grads`` has its keys.

Equations
---------
.. math::

    (1)\quad \overrightarrow a^{\langle t\rangle} = \mathrm{cell}_{fwd}(x^{\langle t\rangle},
        \overrightarrow a^{\langle t-1\rangle}), \quad t = 1 .. T_x \qquad
    (2)\quad \overleftarrow a^{\langle t\rangle} = \mathrm{cell}_{bwd}(x^{\langle t\rangle},
        \overleftarrow a^{\langle t+1\rangle}), \quad t = T_x .. 1

    (3)\quad \hat y^{\langle t\rangle} = \mathrm{softmax}(W_y [\overrightarrow a^{\langle t
        \rangle}, \overleftarrow a^{\langle t\rangle}] + b_y) \qquad
    (4)\quad \overleftarrow a = \mathrm{flip}(\mathrm{cell}_{bwd}\text{ over }
        \mathrm{flip}(x)), \quad \mathrm{flip}(x)^{\langle s\rangle} = x^{\langle L+1-s\rangle}
        \ (s \le L)

    (5)\quad a^{\langle t\rangle} = 0 \ \text{ for } t > L_i \text{ (padding of example i)}

Backward: flip is a permutation of the steps and its own inverse, and x feeds both chains:

.. math::

    (6)\quad [d\overrightarrow a; d\overleftarrow a] = da * \mathrm{mask} \qquad
    (7)\quad dx = dx_{fwd} + \mathrm{flip}(dx_{bwd}\text{ of } \mathrm{flip}(d\overleftarrow a))

    (8)\quad dW_{fwd/\cdot},\ dW_{bwd/\cdot}: \text{each chain's BPTT} \qquad
    (9)\quad dW_y, db_y: \text{``output\_backward(dlogits, a, params)''}

Usage, as for the single chain (module :mod:`seqlab.rnn.rnn`)::

    a, y_hat, cache = brnn_forward(x, params, "lstm", lengths=lengths)
    loss, dlogits = temporal_cross_entropy(cache.logits, y, mask=mask)  # mask the padding
    da, out_grads = output_backward(dlogits, a, params)                 # (9)
    dx, _, grads = brnn_backward(da, cache)                             # (6)-(8)
    grads.update(out_grads)                                             # W_ya, b_y were zeros

Notes
-----
Differs from the lecture: the chains may start from given states (the lecture: zeros, the
default); the backward chain's is a←<T_x+1>. With ``lengths``, L = L_i in (4) per example: i's
backward chain starts at its own last real step x<L_i>, so a padded batch gives on its real
steps the states of each example run alone; the states on padded steps are set to zero (5)
and receive no gradient, as with ``torch.nn.utils.rnn.pack_padded_sequence``. The forward
chain needs no change: padding comes after its real steps. :func:`brnn_backward` returns
(dx, d_initial_state, grads), d_initial_state = InitialStateGrad(∂J/∂a0, ∂J/∂c0) (dc0 None but
for the LSTM), like every sequence backward of :mod:`seqlab.rnn`. torch.nn.RNN / GRU /
LSTM(bidirectional=True): ``*_l0`` are the ``fwd/`` weights (mapped as in the cell modules),
``*_l0_reverse`` the ``bwd/`` ones, output[..., :n_a] is a→ and h_0[1] is a←<T_x+1>.

References
----------
Schuster & Paliwal, "Bidirectional Recurrent Neural Networks", 1997.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from seqlab.arrays import randn, zeros
from seqlab.backend import get_array_module
from seqlab.rnn._layer import (
    _OPTION,
    DIRECTIONS,
    LayerCache,
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

__all__ = ["BRNNCache", "LayerCache", "brnn_backward", "brnn_forward", "init_brnn_params"]


class BRNNCache(NamedTuple):
    """What :func:`brnn_backward` needs, plus the logits a loss wants."""

    layer: LayerCache
    logits: Any         # (n_y, m, T_x) W_ya a<t> + b_y, or None without W_ya
    params: dict


def brnn_forward(x, params, kind: str, a0=None, c0=None, lengths=None, *,
                 activation: str = "tanh", variant: str = "full", peephole: bool = False):
    """The bidirectional RNN over a sequence (eqs. 1-5).

    Parameters
    ----------
    x : array (n_x, m, T_x)
    params : dict, the cell's keys under ``fwd/`` and ``bwd/``; optionally W_ya (n_y, 2 n_a),
        b_y (n_y, 1) (module docstring)
    kind : "rnn", "gru" or "lstm"
    a0 : array (2 n_a, m), [a→<0>; a←<T_x+1>]; None for zeros
    c0 : array (2 n_a, m), the LSTM's [c→<0>; c←<T_x+1>]; None for zeros; kind="lstm" only
    lengths : int array (m,), real steps of each example in [1, T_x]; None: all T_x
    activation : "tanh" or "relu", kind="rnn" only
    variant : "full", "simplified" or "cudnn", kind="gru" only
    peephole : bool, kind="lstm" only

    Returns
    -------
    a : array (2 n_a, m, T_x), [a→<t>; a←<t>], zero on padded steps
    y_hat : array (n_y, m, T_x), or None without W_ya
    cache : BRNNCache (``cache.logits`` feeds a loss)
    """
    fname = "brnn_forward"
    option = _option(kind, activation, variant, peephole, fname)
    has_output = check_keys(params, _keys(DIRECTIONS, kind, option), fname,
                            f" for kind={kind!r}, {_OPTION[kind]}={option!r}")
    n_a, n_x = _layer_dims(params, DIRECTIONS, kind, option, fname)
    x, a0, c0, steps = _prepare(x, params, kind, n_x, (2 * n_a,), a0, c0, lengths, fname)
    _check_output(params, 2 * n_a, "(n_y, 2 n_a)", fname)
    a, layer = _layer_forward(x, params, DIRECTIONS, kind, option, a0, c0, steps)
    logits, y_hat = output_forward(a, params) if has_output else (None, None)  # (3)
    return a, y_hat, BRNNCache(layer, logits, params)


def brnn_backward(da, cache: BRNNCache):
    """Backward pass of :func:`brnn_forward`: BPTT through both chains (eqs. 6-8).

    Parameters
    ----------
    da : array (2 n_a, m, T_x), ∂J/∂[a→<t>; a←<t>] from outside the recurrence (e.g. from
        :func:`seqlab.rnn.output_backward`)
    cache : BRNNCache

    Returns
    -------
    dx : array (n_x, m, T_x), zero on padded steps
    d_initial_state : InitialStateGrad, da0 (2 n_a, m) = ∂J/∂[a→<0>; a←<T_x+1>] (for "gru"
        its one state c0); dc0 (2 n_a, m) = ∂J/∂c0 for kind="lstm", None for "rnn" and "gru"
    grads : dict with the keys of ``cache.params``; zeros for W_ya and b_y
    """
    layer, _, params = check_cache(cache, BRNNCache, "brnn_backward")
    check_shape(da, layer.a_shape, "(2 n_a, m, T_x)", "brnn_backward(da)")
    dx, da0, dc0, grads = _layer_backward(da, layer)                    # (6)-(8)
    return dx, InitialStateGrad(da0, dc0), complete_grads(get_array_module(da), grads, params)


def init_brnn_params(n_x: int, n_a: int, n_y: int | None, kind: str, rng=0, *,
                     variant: str = "full", peephole: bool = False, dtype=np.float64):
    """Parameters for :func:`brnn_forward`, drawn on the host, on the default device.

    Parameters
    ----------
    n_x, n_a : int, input size and hidden size of each chain
    n_y : int, output size; None for no output layer (an encoder, a layer of a deep RNN)
    kind : "rnn", "gru" or "lstm"
    rng : numpy.random.Generator or int seed
    variant, peephole : the GRU's variant, the LSTM's peepholes (decide the keys)
    dtype : float64 or float32

    Returns
    -------
    params : dict, each chain as drawn by ``init_<kind>_params`` under fwd/ then bwd/,
        W_ya N(0, 1/(2 n_a)) (n_y, 2 n_a), b_y zero (n_y, 1)
    """
    option = _option(kind, "tanh", variant, peephole, "init_brnn_params")
    n_x, n_a, n_y, rng, dtype = check_init("init_brnn_params", n_x, n_a, n_y, rng, dtype)
    params = _init_layer(n_x, n_a, DIRECTIONS, kind, option, rng, dtype)
    if n_y is not None:
        params["W_ya"] = randn(rng, (n_y, 2 * n_a), 1 / math.sqrt(2 * n_a), dtype)
        params["b_y"] = zeros((n_y, 1), dtype)
    return params

