r"""Add & Norm: LN(x + Dropout(Sublayer(x))), the wrapper of every Transformer sub-layer.

Week 4, "Transformer Network": each sub-layer (self-attention, cross-attention, the
feed-forward network) is wrapped by a residual connection and a layer norm ("post-LN", as in
the paper and the course). The residual lets the input, and its position, pass through
unchanged; the norm keeps the scale of every position steady.

Shapes
------
=========  =================  ============================================
name       shape              meaning
=========  =================  ============================================
x          (m, T, d_model)    the sub-layer's input
sublayer   (m, T, d_model)    Sublayer(x), e.g. MHA(x, x) or FFN(x)
residual   (m, T, d_model)    x + Dropout(sublayer), the layer norm's input
out        (m, T, d_model)    LN(residual)
=========  =================  ============================================

Equations
---------
.. math::

    (1)\quad \mathrm{out} = \mathrm{LN}\big(x + \mathrm{Dropout}(\mathrm{Sublayer}(x))\big)

Backward: the layer norm's backward gives d residual; at the sum the gradient splits, and both
paths carry it unchanged (2): to x directly (the identity path) and into the sub-layer (after
dropout's backward), whose own backward adds its part to dx: dx = d residual + dx_sublayer.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from seqlab.layers.dropout import dropout_backward, dropout_forward
from seqlab.layers.layer_norm import layer_norm_backward, layer_norm_forward

__all__ = ["LN_EPS", "AddNormCache", "SublayerGrads"]

LN_EPS = 1e-6   # the course's LayerNormalization(epsilon=1e-6)


class AddNormCache(NamedTuple):
    """The caches of LN(x + Dropout(sublayer)) and its arrays (for a step-through)."""

    dropout: Any
    layer_norm: Any
    sublayer: Any   # (m, T, d_model), the sub-layer's output before dropout
    residual: Any   # (m, T, d_model), x + Dropout(sublayer): the layer norm's input
    out: Any        # (m, T, d_model), LN(residual)


class SublayerGrads(NamedTuple):
    """The gradients around one sub-layer LN(x + Sublayer(x)), as the backward pass meets them
    (the ``*_backward_full`` functions return one per sub-layer)."""

    dout: Any              # ∂J/∂LN(...), the gradient arriving from above   (m, T, d_model)
    dresidual: Any         # ∂J/∂(x + ·): the identity path hands it to x unchanged (2)
    dsublayer: Any         # ∂J/∂Sublayer(x), after dropout's backward
    dx_sublayer: Any       # ∂J/∂x through the sub-layer (attention queries + keys/values, FFN)
    dconcat: Any = None    # attention: ∂J/∂Concat(head_1..h)             (m, T_q, d_model)
    attention: Any = None  # attention: AttentionGrads of the heads (dα, de, dQ, dK, dV)
    denc: Any = None       # cross-attention: ∂J/∂enc through its keys and values


def add_norm_forward(x, sublayer_out, params, prefix, dropout, rng, train):
    """LN(x + Dropout(sublayer_out)) with the layer norm ``prefix``; returns (out, cache)."""
    dropped, d_cache = dropout_forward(sublayer_out, dropout, rng, train)
    residual = x + dropped                                       # x + Dropout(Sublayer(x))
    out, ln_cache = layer_norm_forward(residual, params[f"{prefix}.gamma"],  # (1) LN(...)
                                       params[f"{prefix}.beta"], LN_EPS)
    return out, AddNormCache(d_cache, ln_cache, sublayer_out, residual, out)


def add_norm_backward(dout, cache: AddNormCache, grads, prefix):
    """(2): returns d(x + ·), the gradient of both the residual input and the sub-layer."""
    dsum, g = layer_norm_backward(dout, cache.layer_norm)
    grads[f"{prefix}.gamma"], grads[f"{prefix}.beta"] = g["gamma"], g["beta"]
    return dsum, dropout_backward(dsum, cache.dropout)  # (residual path, sub-layer path)
