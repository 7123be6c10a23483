"""One recurrent layer of one chain (deep RNN) or two (BRNN): the engine under both wrappers.

:mod:`seqlab.rnn.bidirectional` and :mod:`seqlab.rnn.deep` hold the lecture's equations and
the public functions; this module runs a layer's chains over time (eqs. 1-2, 4-5 of the BRNN),
backward (6-8), draws a layer's params and checks the arguments both wrappers share.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from seqlab._validate import check_bool, check_lengths
from seqlab.backend import get_array_module, to_device
from seqlab.rnn._validate import (
    check_choice,
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
    lstm_backward,
    lstm_forward,
)
from seqlab.rnn.rnn import (
    ACTIVATIONS,
    RNN_KEYS,
    init_rnn_params,
    rnn_backward,
    rnn_forward,
)

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
        backward = {"rnn": rnn_backward, "gru": gru_backward, "lstm": lstm_backward}[kind]
        dx_d, (da0_d, dc0_d), g = backward(da_d, seq_cache)     # (8) dc0_d None but LSTM
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
                             f"{name}={value!r} with kind={kind!r} (expected the default "
                             f"{default!r})")
    value, _, choices = given[_OPTION[kind]]
    if kind == "lstm":
        return check_bool(value, f"{fname}(peephole)")
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
    """Check x, a0, c0 (state_shape + (m,)) and lengths; return x, a0, c0, (order, mask)."""
    x, m, T_x = check_sequence(fname, n_x, 1, x)
    xp = get_array_module(x, a0, c0, *params.values())
    symbols = "(2 n_a, m)" if len(state_shape) == 1 else "(n_layers, n_dir·n_a, m)"
    if c0 is not None and kind != "lstm":
        raise ValueError(f"{fname}(c0): only kind='lstm' has a memory cell apart from a<t>, "
                         f"got kind={kind!r} (expected c0=None)")
    for name, s in (("a0", a0), ("c0", c0)):
        if s is not None:
            check_shape(s, state_shape + (m,), symbols, f"{fname}({name})")
    if a0 is None:
        a0 = xp.zeros(state_shape + (m,), xp.result_type(x, *params.values()))
    if lengths is None:
        return x, a0, c0, (None, None)
    lengths = to_device(check_lengths(lengths, m, T_x, f"{fname}(lengths)"), xp)
    s = xp.arange(T_x)[None, :]                                 # step index s  (1, T_x)
    L = lengths[:, None]                                        # L_i           (m, 1)
    order = xp.where(s < L, L - 1 - s, s)[None]                 # (4) flip_i    (1, m, T_x)
    return x, a0, c0, (order, (s < L)[None])                    # mask (5)      (1, m, T_x)
