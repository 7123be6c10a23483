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
    dx, grads = brnn_backward(da, cache)                                # (6)-(8)
    grads.update(out_grads)                                             # W_ya, b_y were zeros

Notes
-----
Differs from the lecture: the chains may start from given states (the lecture: zeros, the
default); the backward chain's is a←<T_x+1>. With ``lengths``, L = L_i in (4) per example: i's
backward chain starts at its own last real step x<L_i>, so a padded batch gives on its real
steps the states of each example run alone; the states on padded steps are set to zero (5)
and receive no gradient, as with ``torch.nn.utils.rnn.pack_padded_sequence``. The forward
chain needs no change: padding comes after its real steps. :func:`brnn_backward` returns
(dx, grads); :func:`brnn_backward_full` also returns ∂J/∂a0 and ∂J/∂c0. torch.nn.RNN / GRU /
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

from seqlab.backend import get_array_module, host_rng, randn, zeros
from seqlab.rnn._validate import (
    check_choice,
    check_keys,
    check_ndim,
    check_sequence,
    check_shape,
    gate_dims,
)
from seqlab.rnn.gru import VARIANT_KEYS, gru_backward, gru_forward, init_gru_params
from seqlab.rnn.lstm import (
    LSTM_KEYS,
    PEEPHOLE_KEYS,
    init_lstm_params,
    lstm_backward_full,
    lstm_forward,
)
from seqlab.rnn.rnn import (
    ACTIVATIONS,
    RNN_KEYS,
    _with_zeros,
    init_rnn_params,
    output_forward,
    rnn_backward,
    rnn_forward,
)

__all__ = ["BRNNCache", "LayerCache", "brnn_backward", "brnn_backward_full", "brnn_forward",
           "init_brnn_params"]

KINDS = ("rnn", "gru", "lstm")
DIRECTIONS = ("fwd/", "bwd/")  # key prefixes: forward in time, then backward


class LayerCache(NamedTuple):
    """One recurrent layer of one chain (deep RNN) or two (BRNN): what its backward needs."""

    caches: tuple       # per chain: its RNNCache, GRUCache or LSTMCache (bwd: on flipped x)
    prefixes: tuple     # per chain: its key prefix, e.g. ("fwd/", "bwd/") or ("l1/",)
    kind: str           # "rnn", "gru" or "lstm"
    order: Any          # (1, m, T_x) int, step s of flip(x) is x<order[s]>; None: x[..., ::-1]
    mask: Any           # (1, m, T_x) bool, True on real steps; None without lengths
    a_shape: tuple      # (n_dir · n_a, m, T_x), the shape of the layer's states


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
    a0, c0, steps = _prepare(x, params, kind, n_x, (2 * n_a,), a0, c0, lengths, fname)
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
    grads : dict with the keys of ``cache.params``; zeros for W_ya and b_y
    """
    dx, _, _, grads = _backward(da, cache, "brnn_backward")
    return dx, grads


def brnn_backward_full(da, cache: BRNNCache):
    """:func:`brnn_backward` (same parameters) that also returns the initial states' gradients.

    Returns
    -------
    dx : array (n_x, m, T_x)
    da0 : array (2 n_a, m), ∂J/∂[a→<0>; a←<T_x+1>]
    dc0 : array (2 n_a, m), ∂J/∂c0 for kind="lstm"; None for "rnn" and "gru"
    grads : dict with the keys of ``cache.params``; zeros for W_ya and b_y
    """
    return _backward(da, cache, "brnn_backward_full")


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
    rng = host_rng(rng)
    params = _init_layer(n_x, n_a, DIRECTIONS, kind, option, rng, dtype)
    if n_y is not None:
        params["W_ya"] = randn(rng, (n_y, 2 * n_a), 1 / math.sqrt(2 * n_a), dtype)
        params["b_y"] = zeros((n_y, 1), dtype)
    return params


# --------------------------------------------------------------------------- one layer
# Shared with seqlab.rnn.deep: a layer is one chain (prefixes ("l1/",)) or two.
_OPTION = {"rnn": "activation", "gru": "variant", "lstm": "peephole"}


def _layer_forward(x, params, prefixes, kind, option, a0, c0, steps):
    """Run each chain of one layer; the second runs backward in time (eqs. 1-2, 4-5)."""
    order, mask = steps
    n_a = a0.shape[0] // len(prefixes)
    outs, caches = [], []
    for d, prefix in enumerate(prefixes):
        rows = slice(d * n_a, (d + 1) * n_a)                    # this chain's block of a0, a
        p = {k: params[prefix + k] for k in _keys(("",), kind, option)}
        x_d = x if d == 0 else _flip(x, order)                  # (4) flip(x) for the bwd chain
        c0_d = None if c0 is None else c0[rows]
        if kind == "lstm":
            a_d, _, _, cache = lstm_forward(x_d, a0[rows], p, option, c0=c0_d)  # (1)/(2)
        else:
            forward = rnn_forward if kind == "rnn" else gru_forward
            a_d, _, cache = forward(x_d, a0[rows], p, option)   # (1)/(2)
        outs.append(a_d if d == 0 else _flip(a_d, order))      # (4) back to time order
        caches.append(cache)
    xp = get_array_module(x, a0)
    a = xp.concatenate(outs, axis=0)                            # [a→; a←]  (n_dir·n_a, m, T_x)
    if mask is not None:
        a = a * mask                                            # (5) zero on padded steps
    return a, LayerCache(tuple(caches), tuple(prefixes), kind, order, mask, tuple(a.shape))


def _layer_backward(da, cache: LayerCache):
    """(dx, da0, dc0, grads) of one layer (eqs. 6-8); grads under the layer's prefixes."""
    caches, prefixes, kind, order, mask, _ = cache
    if mask is not None:
        da = da * mask                                          # (6) no gradient from padding
    n_a = da.shape[0] // len(prefixes)
    dx, da0, dc0, grads = 0, [], [], {}
    for d, (prefix, seq_cache) in enumerate(zip(prefixes, caches, strict=True)):
        da_d = da[d * n_a:(d + 1) * n_a]                        # (6) split [da→; da←]
        da_d = da_d if d == 0 else _flip(da_d, order)           # into flip(x)'s step order
        if kind == "lstm":
            dx_d, da0_d, dc0_d, g = lstm_backward_full(da_d, seq_cache)  # (8)
        else:
            backward = rnn_backward if kind == "rnn" else gru_backward
            dx_d, da0_d, g = backward(da_d, seq_cache)                  # (8)
            dc0_d = None
        dx = dx + (dx_d if d == 0 else _flip(dx_d, order))     # (7) x feeds both chains
        da0.append(da0_d)
        dc0.append(dc0_d)
        grads.update({prefix + k: v for k, v in g.items()})    # (8) under the chain's prefix
    xp = get_array_module(da)
    dc0 = xp.concatenate(dc0, axis=0) if kind == "lstm" else None  # (n_dir·n_a, m)
    return dx, xp.concatenate(da0, axis=0), dc0, grads


def _init_layer(n_x, n_a, prefixes, kind, option, rng, dtype) -> dict:
    """One layer's params: ``init_<kind>_params`` for each chain, under its prefix."""
    params = {}
    for prefix in prefixes:
        if kind == "rnn":
            p = init_rnn_params(n_x, n_a, None, rng, dtype=dtype)
        elif kind == "gru":
            p = init_gru_params(n_x, n_a, None, rng, variant=option, dtype=dtype)
        else:
            p = init_lstm_params(n_x, n_a, None, rng, peephole=option, dtype=dtype)
        params.update({prefix + k: v for k, v in p.items()})
    return params


def _backward(da, cache: BRNNCache, fname: str):
    layer, _, params = cache
    check_shape(da, layer.a_shape, "(2 n_a, m, T_x)", f"{fname}(da)")
    dx, da0, dc0, grads = _layer_backward(da, layer)
    return dx, da0, dc0, _with_zeros(get_array_module(da), grads, params)


def _flip(x, order):
    """flip(x) along time (eq. 4): reversed, or each example's first L_i steps reversed."""
    if order is None:
        return x[:, :, ::-1]                                    # x<T_x+1-s>
    return get_array_module(x).take_along_axis(x, order, axis=2)  # x<order[s]>, per column


# --------------------------------------------------------------------------- checks
def _option(kind, activation, variant, peephole, fname):
    """The one option of ``kind`` (activation, variant or peephole), checked."""
    check_choice(kind, KINDS, f"{fname}(kind)")
    given = {"activation": (activation, "tanh", ACTIVATIONS), "variant": (variant, "full",
             tuple(VARIANT_KEYS)), "peephole": (peephole, False, (False, True))}
    for name, (value, default, _) in given.items():
        if name != _OPTION[kind] and value != default:
            owner = next(k for k, o in _OPTION.items() if o == name)
            raise ValueError(f"{fname}({name}): applies to kind={owner!r} only, got "
                             f"{name}={value!r} with kind={kind!r}")
    value, _, choices = given[_OPTION[kind]]
    check_choice(value, choices, f"{fname}({_OPTION[kind]})")
    return value


def _keys(prefixes, kind, option) -> list[str]:
    """The recurrent keys of ``kind`` under every prefix."""
    if kind == "rnn":
        keys = RNN_KEYS
    elif kind == "gru":
        keys = VARIANT_KEYS[option]
    else:
        keys = LSTM_KEYS + (PEEPHOLE_KEYS if option else ())
    return [prefix + k for prefix in prefixes for k in keys]


def _layer_dims(params, prefixes, kind, option, fname) -> tuple[int, int]:
    """(n_a, n_x) of one layer, the same for each of its chains."""
    dims = []
    for prefix in prefixes:
        keys = _keys((prefix,), kind, option)
        if kind == "rnn":
            W_aa, W_ax, b_a = keys
            n_a, n_x = check_ndim(params[W_ax], 2, "(n_a, n_x)", f"{fname}(params[{W_ax!r}])")
            for k, shape, sym in ((W_aa, (n_a, n_a), "(n_a, n_a)"), (b_a, (n_a, 1), "(n_a, 1)")):
                check_shape(params[k], shape, sym, f"{fname}(params[{k!r}])")
        else:
            weights = [k for k in keys if k[len(prefix):].startswith("W_")]
            n_a, n_x = gate_dims(params, weights, [k for k in keys if k not in weights], fname)
        dims.append((n_a, n_x))
        if dims[-1] != dims[0]:
            raise ValueError(f"{fname}(params): the {prefix}* chain has (n_a, n_x) = "
                             f"{dims[-1]} but the {prefixes[0]}* chain has {dims[0]}")
    return dims[0]


def _check_output(params, n_in: int, symbols: str, fname: str) -> None:
    if "W_ya" in params:
        n_y = check_ndim(params["W_ya"], 2, symbols, f"{fname}(params['W_ya'])")[0]
        check_shape(params["W_ya"], (n_y, n_in), symbols, f"{fname}(params['W_ya'])")
        check_shape(params["b_y"], (n_y, 1), "(n_y, 1)", f"{fname}(params['b_y'])")


def _prepare(x, params, kind, n_x, state_shape, a0, c0, lengths, fname):
    """Check x, a0, c0 (state_shape + (m,)) and lengths; return a0, c0, (order, mask)."""
    m, T_x = check_sequence(fname, n_x, 1, x)
    xp = get_array_module(x, a0, c0, *params.values())
    symbols = "(2 n_a, m)" if len(state_shape) == 1 else "(n_layers, n_dir·n_a, m)"
    if c0 is not None and kind != "lstm":
        raise ValueError(f"{fname}(c0): only kind='lstm' has a memory cell apart from a<t>, "
                         f"got kind={kind!r}")
    for name, s in (("a0", a0), ("c0", c0)):
        if s is not None:
            check_shape(s, state_shape + (m,), symbols, f"{fname}({name})")
    if a0 is None:
        a0 = xp.zeros(state_shape + (m,), xp.result_type(x, *params.values()))
    if lengths is None:
        return a0, c0, (None, None)
    lengths = xp.asarray(lengths)
    check_shape(lengths, (m,), "(m,)", f"{fname}(lengths)")
    if lengths.dtype.kind not in "iu" or int(lengths.min()) < 1 or int(lengths.max()) > T_x:
        raise ValueError(f"{fname}(lengths): expected integers in [1, T_x] = [1, {T_x}], got "
                         f"{lengths.tolist()}")
    s = xp.arange(T_x)[None, :]                                 # step index s  (1, T_x)
    L = lengths[:, None]                                        # L_i           (m, 1)
    order = xp.where(s < L, L - 1 - s, s)[None]                 # (4) flip_i    (1, m, T_x)
    return a0, c0, (order, (s < L)[None])                       # mask (5)      (1, m, T_x)
