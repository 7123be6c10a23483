r"""Multi-head attention: h scaled dot-product attentions on learned projections, concatenated.

Week 4, "Multi-Head Attention": instead of one attention over d_model-dimensional vectors, the
queries, keys and values are projected by W_q, W_k, W_v and split into h heads of
d_k = d_model / h features each. Each head asks its own question ("who did what?", "when?") and
attends on its own; the heads' outputs are concatenated and mixed by W_o.

Shapes
------
==============  ========================  ================================================
name            shape                     meaning
==============  ========================  ================================================
q_in            (m, T_q, d_model)         the sequence asking (decoder, or x itself)
kv_in           (m, T_k, d_model)         the sequence attended to (encoder output, or x)
W_q, W_k, W_v   (d_model, d_model)        projections, row layout: Q = q_in W_q + b_q
b_q, b_k, b_v   (d_model,)
W_o, b_o        (d_model, d_model), (d,)  output projection of the concatenated heads
mask            broadcastable to          boolean, True = may attend; a 4-D mask may also
                (m, T_q, T_k)             differ per head: (m, h, T_q, T_k)
Q, K, V         (m, h, T, d_k)            per head, d_k = d_model / h
weights         (m, h, T_q, T_k)          α of every head
out             (m, T_q, d_model)
==============  ========================  ================================================

Equations
---------
.. math::

    (1)\quad Q = q_{in} W_q + b_q,\quad K = kv_{in} W_k + b_k,\quad V = kv_{in} W_v + b_v

    (2)\quad \mathrm{head}_i = \mathrm{Attention}(Q_i, K_i, V_i), \quad
        Q_i = Q_{[:, :, i d_k:(i+1) d_k]}

    (3)\quad \mathrm{out} = \mathrm{Concat}(\mathrm{head}_1, \dots, \mathrm{head}_h)\, W_o + b_o

Backward: (4) dW_o = concatᵀ d out, db_o = Σ d out, d concat = d out W_oᵀ; split into heads,
through :func:`~seqlab.transformer.attention.scaled_dot_product_attention_backward`, merge
heads; (5) dW_q = q_inᵀ dQ, db_q = Σ dQ, dq_in = dQ W_qᵀ (the same for K and V, both into
dkv_in).

Notes
-----
Differs from the lecture: the course (Keras' ``MultiHeadAttention``) stores W_q as
(d_model, h, d_k); here it is one (d_model, d_model) matrix whose columns i·d_k..(i+1)·d_k
belong to head i, the same numbers reshaped. ``torch.nn.MultiheadAttention`` computes x Wᵀ:
its ``in_proj_weight`` is [W_qᵀ; W_kᵀ; W_vᵀ] (3 d_model, d_model) and ``out_proj.weight`` is
W_oᵀ. For self-attention pass the same array as q_in and kv_in and add dq_in + dkv_in.

References
----------
Vaswani et al., "Attention Is All You Need", 2017, section 3.2.2.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from seqlab._validate import (
    as_array,
    check_cache,
    check_float_dtype,
    check_int,
    check_keys,
    check_rng,
    check_shape,
    got,
)
from seqlab.arrays import zeros
from seqlab.backend import get_array_module, to_device
from seqlab.transformer.attention import (
    AttentionCache,
    check_mask,
    scaled_dot_product_attention,
    scaled_dot_product_attention_backward_full,
)

__all__ = ["MHA_KEYS", "MultiHeadCache", "init_multi_head_params", "multi_head_attention_backward",
           "multi_head_attention_backward_full", "multi_head_attention_forward", "split_heads",
           "merge_heads"]

MHA_KEYS = ("W_q", "b_q", "W_k", "b_k", "W_v", "b_v", "W_o", "b_o")


class MultiHeadCache(NamedTuple):
    """What :func:`multi_head_attention_backward` needs."""

    q_in: Any                   # (m, T_q, d_model)
    kv_in: Any                  # (m, T_k, d_model)
    params: dict
    concat: Any                 # (m, T_q, d_model), the heads side by side
    attention: AttentionCache   # per head, (m, h, ., .)
    n_heads: int


def init_multi_head_params(d_model: int, rng, dtype="float64") -> dict:
    """Glorot-uniform weights U(±√(6 / 2 d_model)) (Keras' and torch's default), zero biases.

    Drawn on the host with ``rng`` (a numpy Generator or seed), then moved to the default device.
    """
    d_model = check_int(d_model, "init_multi_head_params(d_model)", 1)
    dtype = check_float_dtype(dtype, "init_multi_head_params(dtype)")
    rng = check_rng(rng, "init_multi_head_params(rng)")
    limit = (6.0 / (2 * d_model)) ** 0.5
    return {k: (to_device(rng.uniform(-limit, limit, (d_model, d_model)).astype(dtype))
                if k.startswith("W_") else zeros((d_model,), dtype=dtype)) for k in MHA_KEYS}


def split_heads(x, n_heads: int):
    """(m, T, d_model) -> (m, h, T, d_k): head i gets features i·d_k..(i+1)·d_k."""
    x = as_array(x, "split_heads(x)", "real", ndim=3, symbols="(m, T, d_model)")
    return _split(x, _heads(n_heads, x.shape[2], "split_heads"))


def _heads(n_heads, d_model: int, fname: str) -> int:
    """h: an int >= 1 that divides d_model (d_k = d_model / h)."""
    n_heads = check_int(n_heads, f"{fname}(n_heads)", 1)
    if d_model % n_heads:
        raise ValueError(f"{fname}(n_heads): expected an int >= 1 dividing d_model={d_model}, "
                         f"got {n_heads}")
    return n_heads


def _split(x, n_heads: int):
    m, T, d_model = x.shape
    x = x.reshape(m, T, n_heads, d_model // n_heads)          # (m, T, h, d_k)
    return x.transpose(0, 2, 1, 3)                            # (m, h, T, d_k)


def merge_heads(x):
    """(m, h, T, d_k) -> (m, T, h·d_k): the inverse of :func:`split_heads` (Concat in (3))."""
    return _merge(as_array(x, "merge_heads(x)", "real", ndim=4, symbols="(m, h, T, d_k)"))


def _merge(x):
    m, h, T, d_k = x.shape
    return x.transpose(0, 2, 1, 3).reshape(m, T, h * d_k)     # (m, T, h, d_k) -> (m, T, d_model)


def multi_head_attention_forward(q_in, kv_in, params: dict, n_heads: int, mask=None):
    """Multi-head attention (eqs. 1-3).

    Parameters
    ----------
    q_in : array (m, T_q, d_model)
    kv_in : array (m, T_k, d_model)
    params : dict with W_q, b_q, W_k, b_k, W_v, b_v, W_o, b_o (see the Shapes table)
    n_heads : int, h; d_model must be divisible by it
    mask : None or boolean array broadcastable to (m, T_q, T_k) (or (m, h, T_q, T_k));
        True = may attend

    Returns
    -------
    out : array (m, T_q, d_model)
    weights : array (m, h, T_q, T_k), every head's α
    cache : MultiHeadCache
    """
    q_in, kv_in, n_heads = _check(q_in, kv_in, params, n_heads)
    xp = get_array_module(q_in, kv_in, *params.values())
    p = params
    Q = _split(q_in @ p["W_q"] + p["b_q"], n_heads)           # (1)+(2) (m, h, T_q, d_k)
    K = _split(kv_in @ p["W_k"] + p["b_k"], n_heads)          # (1)+(2) (m, h, T_k, d_k)
    V = _split(kv_in @ p["W_v"] + p["b_v"], n_heads)          # (1)+(2) (m, h, T_k, d_k)
    if mask is not None:
        if not hasattr(mask, "dtype"):
            raise TypeError(f"multi_head_attention_forward(mask): expected a boolean array "
                            f"(True = may attend), got {got(mask)}")
        mask = to_device(mask, xp)                            # on the data's device
        if mask.ndim == 4:                                    # per head (m, h, T_q, T_k)
            mask = check_mask(mask, Q.shape[:3] + (K.shape[2],),
                              "multi_head_attention_forward(mask)", xp)
        else:                                                 # (m, T_q, T_k): same for all heads
            shape = (q_in.shape[0], q_in.shape[1], kv_in.shape[1])
            mask = check_mask(mask, shape, "multi_head_attention_forward(mask)", xp)
            mask = mask[:, None]                              # (m, 1, T_q, T_k)
    heads, weights, att_cache = scaled_dot_product_attention(Q, K, V, mask)  # (2) per head
    concat = _merge(heads)                                    # Concat(head_1..h) (m, T_q, d_model)
    out = concat @ p["W_o"] + p["b_o"]                        # (3) (m, T_q, d_model)
    return out, weights, MultiHeadCache(q_in, kv_in, params, concat, att_cache, n_heads)


def multi_head_attention_backward(dout, cache: MultiHeadCache):
    """Backward pass of :func:`multi_head_attention_forward` (eqs. 4-5).

    Parameters
    ----------
    dout : array (m, T_q, d_model), ∂J/∂out
    cache : MultiHeadCache

    Returns
    -------
    dq_in : array (m, T_q, d_model)
    dkv_in : array (m, T_k, d_model)
    grads : dict with the keys of ``params``
    """
    return _backward(dout, cache, "multi_head_attention_backward")[:3]


def multi_head_attention_backward_full(dout, cache: MultiHeadCache):
    """:func:`multi_head_attention_backward` (same parameters) that also returns the gradients
    inside: (dq_in, dkv_in, grads, dconcat (m, T_q, d_model) = ∂J/∂Concat(head_1..h), the
    heads' :class:`~seqlab.transformer.attention.AttentionGrads` (m, h, ., .))."""
    return _backward(dout, cache, "multi_head_attention_backward_full")


def _backward(dout, cache, fname: str) -> tuple:
    q_in, kv_in, p, concat, att, h = check_cache(cache, MultiHeadCache, fname)
    dout = as_array(dout, f"{fname}(dout)", ndim=3, symbols="(m, T_q, d_model)")
    check_shape(dout, q_in.shape, "(m, T_q, d_model) like out", f"{fname}(dout)")
    xp = get_array_module(dout, q_in)
    d = q_in.shape[-1]
    dout2 = dout.reshape(-1, d)                               # (m·T_q, d_model)
    grads = {"W_o": concat.reshape(-1, d).T @ dout2,          # (4) dW_o = concatᵀ dout
             "b_o": xp.sum(dout2, axis=0)}                    # (4) db_o = Σ dout
    dconcat = dout @ p["W_o"].T                               # (4) d concat  (m, T_q, d_model)
    att_grads = scaled_dot_product_attention_backward_full(_split(dconcat, h), att)
    dQ, dK, dV = att_grads[:3]                                # per head (m, h, T, d_k)
    dq_in = _projection_backward(_merge(dQ), q_in, p["W_q"], grads, "q")        # (5)
    dkv_in = (_projection_backward(_merge(dK), kv_in, p["W_k"], grads, "k")
              + _projection_backward(_merge(dV), kv_in, p["W_v"], grads, "v"))
    return dq_in, dkv_in, {k: grads[k] for k in p}, dconcat, att_grads


def _projection_backward(dY, x, W, grads: dict, name: str):
    """(5) for Y = x W + b: stores dW = xᵀ dY and db = Σ dY in grads; returns dx = dY Wᵀ."""
    xp = get_array_module(dY, x)
    d = x.shape[-1]
    dY2 = dY.reshape(-1, dY.shape[-1])                        # (m·T, d_model)
    grads[f"W_{name}"] = x.reshape(-1, d).T @ dY2             # dW = xᵀ dY   (d_model, d_model)
    grads[f"b_{name}"] = xp.sum(dY2, axis=0)                  # db = Σ dY    (d_model,)
    return dY @ W.T                                           # dx = dY Wᵀ   (m, T, d_model)


def _check(q_in, kv_in, params, n_heads) -> tuple:
    """(q_in, kv_in, n_heads) checked: float arrays of matching shapes, the params' keys and
    shapes, h dividing d_model."""
    fname = "multi_head_attention_forward"
    q_in, kv_in = (as_array(x, f"{fname}({n})", ndim=3, symbols="(m, T, d_model)") for n, x in (
        ("q_in", q_in), ("kv_in", kv_in)))
    m, _, d_model = q_in.shape
    if kv_in.shape[0] != m or kv_in.shape[2] != d_model:
        raise ValueError(f"{fname}(kv_in): expected shape ({m}, T_k, {d_model}) to match q_in "
                         f"{tuple(q_in.shape)}, got {tuple(kv_in.shape)}")
    n_heads = _heads(n_heads, d_model, fname)
    check_keys(params, MHA_KEYS, f"{fname}(params)")
    for k in MHA_KEYS:
        want = (d_model, d_model) if k.startswith("W_") else (d_model,)
        if tuple(params[k].shape) != want:
            raise ValueError(f"{fname}(params[{k!r}]): expected shape {want}, got "
                             f"{tuple(params[k].shape)}")
    return q_in, kv_in, n_heads
