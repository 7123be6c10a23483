r"""Encoder and decoder layers: attention and a feed-forward network, each with Add & Norm.

Week 4, "Transformer Network". An encoder layer is self-attention then a position-wise
feed-forward network; a decoder layer is masked self-attention, then attention over the
encoder's output (cross-attention: queries from the decoder, keys and values from the
encoder), then the feed-forward network. Every sub-layer is wrapped as
LayerNorm(x + Dropout(Sublayer(x))): the residual lets the input (and its position) pass
through, the norm keeps the scale steady ("post-LN", as in the paper and the course).

Shapes
------
==================  ====================  ==============================================
name                shape                 meaning
==================  ====================  ==============================================
x                   (m, T_x, d_model)     encoder layer input / output
y                   (m, T_y, d_model)     decoder layer input / output
enc_out             (m, T_x, d_model)     the encoder stack's output (cross-attention K, V)
ffn.W_1, ffn.b_1    (d_model, d_ff), (d_ff,)
ffn.W_2, ffn.b_2    (d_ff, d_model), (d_model,)
lnN.gamma, .beta    (d_model,)
mha.* / self.* /    see multi_head.py      attention parameters, prefixed by sub-layer
cross.*
==================  ====================  ==============================================

Equations
---------
.. math::

    (1)\quad \mathrm{FFN}(x) = \max(0, x W_1 + b_1)\, W_2 + b_2

    (2)\quad x_1 = \mathrm{LN}_1\big(x + \mathrm{Dropout}(\mathrm{MHA}(x, x, \mathrm{pad}_x))\big)
    \qquad
    (3)\quad \mathrm{enc} = \mathrm{LN}_2\big(x_1 + \mathrm{Dropout}(\mathrm{FFN}(x_1))\big)

    (4)\quad y_1 = \mathrm{LN}_1\big(y + \mathrm{Dropout}(\mathrm{MHA}(y, y, \mathrm{dec}_y))\big)
    \qquad
    (5)\quad y_2 = \mathrm{LN}_2\big(y_1 + \mathrm{Dropout}(\mathrm{MHA}(y_1, \mathrm{enc},
        \mathrm{pad}_x))\big)

    (6)\quad \mathrm{dec} = \mathrm{LN}_3\big(y_2 + \mathrm{Dropout}(\mathrm{FFN}(y_2))\big)

Backward runs the same lines in reverse; at each residual the gradient splits into the
sub-layer path and the identity path and the two are added (7): dx = dx_sublayer + d(x + ·).

Notes
-----
Parameters are one flat dict per layer with dotted keys ("ffn.W_1", "self.W_q"), so a model
can prefix them again ("dec.0.self.W_q") and one optimizer serves all (STYLE section 3).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from seqlab._validate import (
    as_array,
    check_bool,
    check_cache,
    check_dict,
    check_float_dtype,
    check_int,
    check_keys,
    check_number,
    check_rng,
    check_shape,
    check_str,
    fmt,
    got,
)
from seqlab.arrays import zeros
from seqlab.backend import get_array_module, to_device
from seqlab.transformer.add_norm import SublayerGrads, add_norm_backward, add_norm_forward
from seqlab.transformer.attention import check_mask
from seqlab.transformer.multi_head import (
    MHA_KEYS,
    _heads,
    init_multi_head_params,
    multi_head_attention_backward_full,
    multi_head_attention_forward,
)

__all__ = ["FFNCache", "decoder_layer_backward",
           "decoder_layer_backward_full", "decoder_layer_forward", "encoder_layer_backward",
           "encoder_layer_backward_full", "encoder_layer_forward", "feed_forward_backward",
           "feed_forward_forward", "init_decoder_layer", "init_encoder_layer", "sub"]

FFN_KEYS = ("W_1", "b_1", "W_2", "b_2")


def _keys(*parts) -> tuple:
    """The keys of a layer: ("mha", MHA_KEYS), ("ln1", ("gamma", "beta")), ..."""
    return tuple(f"{prefix}.{k}" for prefix, keys in parts for k in keys)


LN = ("gamma", "beta")
ENCODER_KEYS = _keys(("mha", MHA_KEYS), ("ln1", LN), ("ffn", FFN_KEYS), ("ln2", LN))
DECODER_KEYS = _keys(("self", MHA_KEYS), ("ln1", LN), ("cross", MHA_KEYS), ("ln2", LN),
                     ("ffn", FFN_KEYS), ("ln3", LN))


def sub(params: dict, prefix: str) -> dict:
    """The entries of ``params`` whose key starts with ``prefix + '.'``, with it removed."""
    check_dict(params, "sub(params)")
    out = _sub(params, check_str(prefix, "sub(prefix)"))
    if not out:
        raise ValueError(f"sub(prefix): expected the prefix of some key, got {prefix!r}; "
                         f"keys: {sorted(params)[:8]}")
    return out


def _sub(params: dict, prefix: str) -> dict:
    n = len(prefix) + 1
    return {k[n:]: v for k, v in params.items() if k.startswith(prefix + ".")}


def _prefixed(prefix: str, d: dict) -> dict:
    return {f"{prefix}.{k}": v for k, v in d.items()}


# --------------------------------------------------------------------------- feed-forward
class FFNCache(NamedTuple):
    """What :func:`feed_forward_backward` needs."""

    x: Any        # (m, T, d_model)
    hidden: Any   # (m, T, d_ff), relu output
    params: dict


def feed_forward_forward(x, params: dict):
    """The position-wise feed-forward network (1), the same two dense layers at every position.

    Parameters
    ----------
    x : array (m, T, d_model)
    params : dict with W_1 (d_model, d_ff), b_1 (d_ff,), W_2 (d_ff, d_model), b_2 (d_model,)

    Returns
    -------
    out : array (m, T, d_model)
    cache : FFNCache
    """
    x = as_array(x, "feed_forward_forward(x)", symbols="(..., d_model)")
    check_keys(params, FFN_KEYS, "feed_forward_forward(params)")
    xp = get_array_module(x, params["W_1"])
    if x.shape[-1] != params["W_1"].shape[0]:
        raise ValueError(f"feed_forward_forward(x): expected (..., {params['W_1'].shape[0]}) "
                         f"to match W_1 {tuple(params['W_1'].shape)}, got {tuple(x.shape)}")
    hidden = xp.maximum(x @ params["W_1"] + params["b_1"], 0)   # max(0, x W_1 + b_1) (m, T, d_ff)
    out = hidden @ params["W_2"] + params["b_2"]                 # (1) (m, T, d_model)
    return out, FFNCache(x, hidden, params)


def feed_forward_backward(dout, cache: FFNCache):
    """Backward pass of :func:`feed_forward_forward`: returns (dx, grads with its 4 keys)."""
    x, hidden, p = check_cache(cache, FFNCache, "feed_forward_backward")
    dout = as_array(dout, "feed_forward_backward(dout)", symbols="(..., d_model)")
    check_shape(dout, x.shape, "the output's (..., d_model)", "feed_forward_backward(dout)")
    xp = get_array_module(dout, x)
    d, d_ff = x.shape[-1], hidden.shape[-1]
    dout2 = dout.reshape(-1, d)                                  # (m·T, d_model)
    dW_2 = hidden.reshape(-1, d_ff).T @ dout2                    # dW_2 = hiddenᵀ dout
    db_2 = xp.sum(dout2, axis=0)
    dz = (dout @ p["W_2"].T) * (hidden > 0)                      # d(x W_1 + b_1), relu' = 1[h>0]
    dz2 = dz.reshape(-1, d_ff)                                   # (m·T, d_ff)
    grads = {"W_1": x.reshape(-1, d).T @ dz2, "b_1": xp.sum(dz2, axis=0), "W_2": dW_2,
             "b_2": db_2}
    return dz @ p["W_1"].T, grads                                # dx = dz W_1ᵀ (m, T, d_model)


# --------------------------------------------------------------------------- encoder layer
def encoder_layer_forward(x, params: dict, n_heads: int, mask=None, dropout: float = 0.0,
                          rng=None, train: bool = False):
    """One encoder layer (eqs. 2-3).

    Parameters
    ----------
    x : array (m, T_x, d_model)
    params : dict with mha.*, ln1.*, ffn.*, ln2.* (see :func:`init_encoder_layer`)
    n_heads : int
    mask : boolean (m, 1, T_x) padding mask or None
    dropout, rng, train : residual dropout rate, its Generator, training mode

    Returns
    -------
    out : array (m, T_x, d_model)
    weights : array (m, h, T_x, T_x), the self-attention α
    cache : tuple
    """
    x, n_heads, dropout, rng = _check_layer("encoder_layer_forward", x, params, ENCODER_KEYS,
                                            n_heads, dropout, rng, train, mask=mask)
    att, weights, mha_cache = multi_head_attention_forward(x, x, _sub(params, "mha"), n_heads,
                                                           mask)
    x1, an1 = add_norm_forward(x, att, params, "ln1", dropout, rng, train)      # (2)
    f, ffn_cache = feed_forward_forward(x1, _sub(params, "ffn"))
    out, an2 = add_norm_forward(x1, f, params, "ln2", dropout, rng, train)      # (3)
    return out, weights, (mha_cache, an1, ffn_cache, an2)


def encoder_layer_backward(dout, cache):
    """Backward pass of :func:`encoder_layer_forward`: (dx (m, T_x, d_model), grads)."""
    return _encoder_backward(dout, cache, "encoder_layer_backward")[:2]


def encoder_layer_backward_full(dout, cache):
    """:func:`encoder_layer_backward` that also returns {"mha": SublayerGrads, "ffn": ...}."""
    return _encoder_backward(dout, cache, "encoder_layer_backward_full")


def _encoder_backward(dout, cache, fname: str) -> tuple:
    dout, (mha_cache, an1, ffn_cache, an2) = _check_layer_cache(dout, cache, 4, fname)
    grads: dict = {}
    dx1, df = add_norm_backward(dout, an2, grads, "ln2")
    dx1_ffn, g = feed_forward_backward(df, ffn_cache)
    grads.update(_prefixed("ffn", g))
    dx1_all = dx1 + dx1_ffn                           # (7) residual path + FFN path
    dx, datt = add_norm_backward(dx1_all, an1, grads, "ln1")
    dq, dkv, g, dconcat, att = multi_head_attention_backward_full(datt, mha_cache)
    grads.update(_prefixed("mha", g))
    flows = {"mha": SublayerGrads(dx1_all, dx, datt, dq + dkv, dconcat, att),
             "ffn": SublayerGrads(dout, dx1, df, dx1_ffn)}
    return dx + dq + dkv, grads, flows                # (7) residual + query path + key/value path


# --------------------------------------------------------------------------- decoder layer
def decoder_layer_forward(y, enc_out, params: dict, n_heads: int, self_mask=None,
                          cross_mask=None, dropout: float = 0.0, rng=None, train: bool = False):
    """One decoder layer (eqs. 4-6).

    Parameters
    ----------
    y : array (m, T_y, d_model)
    enc_out : array (m, T_x, d_model)
    params : dict with self.*, ln1.*, cross.*, ln2.*, ffn.*, ln3.*
    n_heads : int
    self_mask : boolean (m, T_y, T_y) look-ahead & padding mask, or None
    cross_mask : boolean (m, 1, T_x) padding mask of the source, or None

    Returns
    -------
    out : array (m, T_y, d_model)
    weights : (self α (m, h, T_y, T_y), cross α (m, h, T_y, T_x))
    cache : tuple
    """
    y, n_heads, dropout, rng = _check_layer("decoder_layer_forward", y, params, DECODER_KEYS,
                                            n_heads, dropout, rng, train, enc_out, self_mask,
                                            cross_mask)
    att, w_self, self_cache = multi_head_attention_forward(y, y, _sub(params, "self"), n_heads,
                                                           self_mask)
    y1, an1 = add_norm_forward(y, att, params, "ln1", dropout, rng, train)         # (4)
    att2, w_cross, cross_cache = multi_head_attention_forward(y1, enc_out,
                                                              _sub(params, "cross"), n_heads,
                                                              cross_mask)
    y2, an2 = add_norm_forward(y1, att2, params, "ln2", dropout, rng, train)       # (5)
    f, ffn_cache = feed_forward_forward(y2, _sub(params, "ffn"))
    out, an3 = add_norm_forward(y2, f, params, "ln3", dropout, rng, train)         # (6)
    return out, (w_self, w_cross), (self_cache, an1, cross_cache, an2, ffn_cache, an3)


def decoder_layer_backward(dout, cache):
    """Backward pass of :func:`decoder_layer_forward`: (dy, denc_out, grads)."""
    return _decoder_backward(dout, cache, "decoder_layer_backward")[:3]


def decoder_layer_backward_full(dout, cache):
    """:func:`decoder_layer_backward` that also returns {"self", "cross", "ffn": SublayerGrads}."""
    return _decoder_backward(dout, cache, "decoder_layer_backward_full")


def _decoder_backward(dout, cache, fname: str) -> tuple:
    dout, (self_cache, an1, cross_cache, an2, ffn_cache, an3) = _check_layer_cache(
        dout, cache, 6, fname)
    grads: dict = {}
    dy2, df = add_norm_backward(dout, an3, grads, "ln3")
    dy2_ffn, g = feed_forward_backward(df, ffn_cache)
    grads.update(_prefixed("ffn", g))
    dy2_all = dy2 + dy2_ffn
    dy1, datt2 = add_norm_backward(dy2_all, an2, grads, "ln2")
    dy1_q, denc_out, g, dconcat2, att2 = multi_head_attention_backward_full(datt2, cross_cache)
    grads.update(_prefixed("cross", g))
    dy1_all = dy1 + dy1_q
    dy, datt = add_norm_backward(dy1_all, an1, grads, "ln1")
    dq, dkv, g, dconcat, att = multi_head_attention_backward_full(datt, self_cache)
    grads.update(_prefixed("self", g))
    flows = {"self": SublayerGrads(dy1_all, dy, datt, dq + dkv, dconcat, att),
             "cross": SublayerGrads(dy2_all, dy1, datt2, dy1_q, dconcat2, att2, denc_out),
             "ffn": SublayerGrads(dout, dy2, df, dy2_ffn)}
    return dy + dq + dkv, denc_out, grads, flows


# --------------------------------------------------------------------------- initialisation
def _ffn_params(d_model: int, d_ff: int, rng, dtype) -> dict:
    """Glorot-uniform W_1, W_2 and zero biases."""
    lim = (6.0 / (d_model + d_ff)) ** 0.5
    return {"W_1": to_device(rng.uniform(-lim, lim, (d_model, d_ff)).astype(dtype)),
            "b_1": zeros((d_ff,), dtype=dtype),
            "W_2": to_device(rng.uniform(-lim, lim, (d_ff, d_model)).astype(dtype)),
            "b_2": zeros((d_model,), dtype=dtype)}


def _ln_params(d_model: int, dtype) -> dict:
    return {"gamma": zeros((d_model,), dtype=dtype) + 1, "beta": zeros((d_model,), dtype=dtype)}


def init_encoder_layer(d_model: int, d_ff: int, rng, dtype="float64") -> dict:
    """Parameters of one encoder layer: mha.*, ln1.*, ffn.*, ln2.* (drawn on the host)."""
    d_model, d_ff, rng, dtype = _check_init("init_encoder_layer", d_model, d_ff, rng, dtype)
    return {**_prefixed("mha", init_multi_head_params(d_model, rng, dtype)),
            **_prefixed("ln1", _ln_params(d_model, dtype)),
            **_prefixed("ffn", _ffn_params(d_model, d_ff, rng, dtype)),
            **_prefixed("ln2", _ln_params(d_model, dtype))}


def init_decoder_layer(d_model: int, d_ff: int, rng, dtype="float64") -> dict:
    """Parameters of one decoder layer: self.*, ln1.*, cross.*, ln2.*, ffn.*, ln3.*."""
    d_model, d_ff, rng, dtype = _check_init("init_decoder_layer", d_model, d_ff, rng, dtype)
    return {**_prefixed("self", init_multi_head_params(d_model, rng, dtype)),
            **_prefixed("ln1", _ln_params(d_model, dtype)),
            **_prefixed("cross", init_multi_head_params(d_model, rng, dtype)),
            **_prefixed("ln2", _ln_params(d_model, dtype)),
            **_prefixed("ffn", _ffn_params(d_model, d_ff, rng, dtype)),
            **_prefixed("ln3", _ln_params(d_model, dtype))}


# --------------------------------------------------------------------------- checks
def _check_init(fname: str, d_model, d_ff, rng, dtype) -> tuple:
    return (check_int(d_model, f"{fname}(d_model)", 1), check_int(d_ff, f"{fname}(d_ff)", 1),
            check_rng(rng, f"{fname}(rng)"), check_float_dtype(dtype, f"{fname}(dtype)"))


def _check_layer(fname: str, x, params, keys, n_heads, dropout, rng, train, enc_out=None,
                 mask=None, cross_mask=None) -> tuple:
    """A layer's arguments: x (m, T, d_model) of the params' d_model, the keys, h dividing
    d_model, dropout in [0, 1), masks; returns (x, n_heads, dropout, the dropout rng)."""
    x = as_array(x, f"{fname}({'y' if enc_out is not None else 'x'})", ndim=3,
                 symbols="(m, T, d_model)")
    check_keys(params, keys, f"{fname}(params)")
    d_model = params[keys[0]].shape[0]
    if x.shape[2] != d_model:
        raise ValueError(f"{fname}({'y' if enc_out is not None else 'x'}): expected (m, T, "
                         f"d_model) with d_model = {d_model} (the params'), got {fmt(x.shape)}")
    n_heads = _heads(n_heads, d_model, fname)
    dropout = check_number(dropout, f"{fname}(dropout)", 0, 1, high_open=True)
    train = check_bool(train, f"{fname}(train)")
    xp = get_array_module(x)
    T_k = x.shape[1]
    if enc_out is not None:
        enc = as_array(enc_out, f"{fname}(enc_out)", ndim=3, symbols="(m, T_x, d_model)")
        if enc.shape[0] != x.shape[0] or enc.shape[2] != d_model:
            raise ValueError(f"{fname}(enc_out): expected ({x.shape[0]}, T_x, {d_model}) like "
                             f"y, got {fmt(enc.shape)}")
        if cross_mask is not None:
            check_mask(cross_mask, (x.shape[0], x.shape[1], enc.shape[1]),
                       f"{fname}(cross_mask)", xp)
    if mask is not None:
        check_mask(mask, (x.shape[0], x.shape[1], T_k), f"{fname}("
                   f"{'self_mask' if enc_out is not None else 'mask'})", xp)
    return x, n_heads, dropout, check_rng(rng, f"{fname}(rng)") if train and dropout > 0 \
        else None


def _check_layer_cache(dout, cache, n: int, fname: str) -> tuple:
    """A layer's cache (the tuple of n parts its forward pass returned) and dout of the
    output's shape."""
    if not isinstance(cache, tuple) or len(cache) != n:
        raise TypeError(f"{fname}(cache): expected the tuple of {n} caches the forward pass "
                        f"returned, got {got(cache)}")
    shape = cache[0].q_in.shape                          # the layer's input and output shape
    dout = as_array(dout, f"{fname}(dout)", ndim=3, symbols="(m, T, d_model)")
    check_shape(dout, shape, "the layer's output (m, T, d_model)", f"{fname}(dout)")
    return dout, cache
