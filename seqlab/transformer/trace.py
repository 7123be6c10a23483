r"""One forward and backward pass of the Transformer, stage by stage, read from its own caches.

Week 4, "Transformer Network", as a pipeline a learner can step through (notebook 28): the
tokens, the embedding × √d_model, + the positional encoding, and for every layer and sub-layer
Q, K, V per head, the scores Q Kᵀ / √d_k, the mask, the softmax α, α V, Concat and W_o, the
residual, the layer norm, the feed-forward network; then the logits and the output
distribution. Nothing is computed again here: every tensor is the one the forward pass kept in
its caches (:class:`~seqlab.transformer.attention.AttentionCache`,
:class:`~seqlab.transformer.multi_head.MultiHeadCache`,
:class:`~seqlab.transformer.add_norm.AddNormCache`, :class:`~seqlab.transformer.blocks
.FFNCache`, :class:`~seqlab.transformer.model.EmbedCache`), and every gradient is the one the
hand-written backward passes met (:meth:`Transformer.backward_full`).

The backward pass is for the loss of ONE output token, (1) J = -log ŷ<t>[v] (the model's own
output at position t unless another v is asked for): label-smoothed cross-entropy with ε = 0
on that position alone, so only row t of ∂J/∂logits is non-zero and every gradient shows where
that one prediction's error goes.

Shapes
------
=========  ============================  ================================================
name       shape                         meaning
=========  ============================  ================================================
src        (1, T_x) int                  one source sentence
tgt_in     (1, T_y) int                  its decoder input, bos y<1> ... y<T_y - 1>
panel      (rows, cols) or (h, rows, c)  one tensor of example 0 (per head: leading h)
=========  ============================  ================================================

Each :class:`Stage` names the library lines that computed it, as (function, text of the line)
pairs, for :func:`seqlab.viz.source.source_lines` to show with their line numbers.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from seqlab._validate import as_array, check_instance, check_int, check_token, named_as
from seqlab.backend import get_array_module
from seqlab.functional import softmax
from seqlab.layers.layer_norm import layer_norm_backward, layer_norm_forward
from seqlab.transformer import attention as att_mod
from seqlab.transformer import multi_head as mha_mod
from seqlab.transformer.add_norm import add_norm_backward, add_norm_forward
from seqlab.transformer.blocks import feed_forward_backward, feed_forward_forward
from seqlab.transformer.label_smoothing import label_smoothed_cross_entropy
from seqlab.transformer.masks import _padding_mask, decoder_mask, look_ahead_mask
from seqlab.transformer.model import Transformer
from seqlab.transformer.multi_head import split_heads
from seqlab.transformer.tasks import TaskModel

__all__ = ["Panel", "Stage", "TransformerTrace", "trace_backward", "trace_forward"]


class Panel(NamedTuple):
    """One tensor of a stage, for example 0, and ∂J/∂ of it (None before a backward pass, or
    where there is none: ids, masks, constants)."""

    title: str
    value: Any      # (rows, cols), or (h, rows, cols) per head; "ids": (T,)
    grad: Any       # like value, or None
    rows: str       # what the rows are: "src", "tgt" (positions)
    cols: str       # "src", "tgt", "d_model", "d_k", "d_ff", "V_src", "V_tgt"
    kind: str       # "real", "prob" (0..1), "mask" (bool), "ids" (token ids)


class Stage(NamedTuple):
    """One step of the pipeline."""

    key: str        # e.g. "dec.1.cross.scores"
    side: str       # "encoder", "decoder" or "output"
    layer: int      # -1 outside the layers
    block: str      # "embedding", "self-attention", "masked self-attention", ...
    name: str       # e.g. "scores"
    short: str      # a label of a few characters for the pipeline strip
    equation: str   # lecture notation, plain Unicode
    panels: tuple   # of Panel
    code: tuple     # ((function, text of the line), ...) that computed it
    back_code: tuple  # the backward pass's lines


class TransformerTrace(NamedTuple):
    """A traced pass: the stages (grads filled after :func:`trace_backward`), the logits and
    ŷ (T_y, V_tgt) of example 0, and for a backward pass the loss, its position t and token v
    and the raw ``flows`` of :meth:`Transformer.backward_full`."""

    stages: list
    logits: Any
    probs: Any
    cache: dict
    loss: float | None = None
    position: int | None = None
    token: int | None = None
    flows: dict | None = None


def trace_forward(model: Transformer, src, tgt_in) -> TransformerTrace:
    """The forward pass (no dropout) of one example, every stage from the caches."""
    check_instance(model, Transformer, "trace_forward(model)")
    for name, x in (("src", src), ("tgt_in", tgt_in)):
        x = as_array(x, f"trace_forward({name})", "int", ndim=2, symbols="(1, T) token ids")
        if x.shape[0] != 1:
            raise ValueError(f"trace_forward({name}): expected one example (1, T), got shape "
                             f"{tuple(x.shape)}")
    with named_as({"Transformer.forward(": "trace_forward("}):
        logits, cache = model.forward(src, tgt_in, train=False)        # (1, T_y, V_tgt)
    probs = softmax(logits, axis=-1)                                   # ŷ = softmax(z)
    return TransformerTrace(_stages(model, cache, logits, probs, None, None), logits[0],
                            probs[0], cache)


def trace_backward(model: Transformer, trace: TransformerTrace, position: int,
                   token: int | None = None) -> TransformerTrace:
    """The backward pass of (1) J = -log ŷ<position>[token] through the traced forward pass.

    Parameters
    ----------
    position : int, the output position t (0-based row of tgt_in: the token predicted there)
    token : int or None, v; None takes ŷ's argmax at t (the model's own output)
    """
    check_instance(model, Transformer, "trace_backward(model)")
    check_instance(trace, TransformerTrace, "trace_backward(trace)")
    T_y, V = trace.logits.shape
    position = check_int(position, "trace_backward(position)", 0, T_y - 1)
    xp = get_array_module(trace.logits)
    token = int(xp.argmax(trace.logits[position])) if token is None else check_token(
        token, V, "trace_backward(token)")
    labels = xp.full((1, T_y), model.config.pad_id, dtype="int64")
    labels[0, position] = token
    if token == model.config.pad_id:
        raise ValueError(f"trace_backward(token): expected a token other than the padding "
                         f"id (the loss skips its positions), got {token}")
    loss, dlogits = label_smoothed_cross_entropy(trace.logits[None], labels, 0.0,
                                                 model.config.pad_id)   # (1) J, ∂J/∂z
    _, flows = model.backward_full(dlogits, trace.cache)
    flows = dict(flows, dlogits=dlogits)
    stages = _stages(model, trace.cache, trace.logits[None], trace.probs[None], flows, dlogits)
    return trace._replace(stages=stages, loss=loss, position=position, token=token,
                          flows=flows)


def _stages(model, cache, logits, probs, flows, dlogits) -> list:
    """Every stage in the order the forward pass computes them (module docstring)."""
    L, out = model.config.n_layers, []
    src_emb, enc_caches = cache["enc"]
    tgt_emb, dec_caches, dec_out = cache["dec"]
    f = flows or {}
    out += _embedding("encoder", "src", src_emb, enc_caches[0][0].q_in, model.pe,
                      f.get("src_x0"), TaskModel._encode_all, "self.src_vocab.pad(ids)")
    for layer in range(L):
        mha, an1, ffn, an2 = enc_caches[layer]
        g = f["enc"][layer] if flows else {}
        below = (f["enc"][layer - 1]["ffn"].dout if layer else f["src_x0"]) if flows else None
        out += _attention(f"enc.{layer}.mha", "encoder", layer, "self-attention", mha, an1,
                          g.get("mha"), below, "src", "src", (_padding_mask, "(tokens != pad_"))
        out += _ffn(f"enc.{layer}", "encoder", layer, ffn, an2, g.get("ffn"),
                    g["mha"].dout if flows else None, "src")
    out += _embedding("decoder", "tgt", tgt_emb, dec_caches[0][0].q_in, model.pe,
                      f.get("tgt_x0"), TaskModel.batch, "tgt_in, _ = self.tgt_vocab.pad(")
    for layer in range(L):
        self_c, an1, cross_c, an2, ffn, an3 = dec_caches[layer]
        g = f["dec"][layer] if flows else {}
        below = (f["dec"][layer - 1]["ffn"].dout if layer else f["tgt_x0"]) if flows else None
        out += _attention(f"dec.{layer}.self", "decoder", layer, "masked self-attention",
                          self_c, an1, g.get("self"), below, "tgt", "tgt",
                          (decoder_mask, "return pad & to_device(ahead"),
                          (look_ahead_mask, "xp.tril("))
        out += _attention(f"dec.{layer}.cross", "decoder", layer, "cross-attention", cross_c,
                          an2, g.get("cross"), g["self"].dout if flows else None, "tgt", "src",
                          (_padding_mask, "(tokens != pad_"))
        out += _ffn(f"dec.{layer}", "decoder", layer, ffn, an3, g.get("ffn"),
                    g["cross"].dout if flows else None, "tgt")
    z, d_dec = (dlogits[0], f["dec_out"][0]) if flows else (None, None)
    out.append(Stage("out.logits", "output", -1, "output", "logits", "z",
                     "z<t> = dec<t> W_out + b_out", (
                         Panel("dec (decoder output)", dec_out[0], d_dec, "tgt", "d_model", "real"),
                         Panel("logits z", logits[0], z, "tgt", "V_tgt", "real")),
                     ((Transformer._decode, 'logits = y @ self.params["W_out"]'),),
                     ((label_smoothed_cross_entropy, "dlogits = (xp.exp(log_p) - q)"),
                      (Transformer._backward, 'dy = dlogits @ p["W_out"].T'))))
    out.append(Stage("out.probs", "output", -1, "output", "output distribution", "ŷ",
                     "ŷ<t> = softmax(z<t>): P(y<t+1> | x, y<1..t>) over the V_tgt tokens", (
                         Panel("ŷ = softmax(z)", probs[0], None, "tgt", "V_tgt", "prob"),),
                     ((Transformer._decode_step, "log_probs = log_softmax(logits[:, -1]"),),
                     ((label_smoothed_cross_entropy, "dlogits = (xp.exp(log_p) - q)"),)))
    return out


def _embedding(side, rows, emb, x0, pe, dx0, tok_fn, tok_line) -> list:
    """tokens, √d_model E[x], + PE (eq. (1)/(3) of model.py)."""
    T = emb.tokens.shape[1]
    E, x = ("E_x", "x") if side == "encoder" else ("E_y", "y")
    g0 = None if dx0 is None else dx0[0]
    embed = (Transformer._embed, "scaled = self.params[table][tokens]")
    back = ((Transformer._embed_backward, "return scatter_add(dE"),)
    return [
        Stage(f"{side}.tokens", side, -1, "embedding", "tokens", x,
              f"token ids {x}<1..T> as one-hot rows: {E}[{x}<t>] is row {x}<t> of {E}",
              (Panel("tokens (one-hot)", emb.tokens[0], None, rows, f"V_{rows}", "ids"),),
              ((tok_fn, tok_line),), ()),
        Stage(f"{side}.embed", side, -1, "embedding", "embedding × √d_model", "E",
              f"√d_model · {E}[{x}<t>]: a row lookup, scaled",
              (Panel(f"√d_model {E}[{x}]", emb.scaled[0], g0, rows, "d_model", "real"),),
              (embed,), back),
        Stage(f"{side}.pe", side, -1, "embedding", "+ positional encoding", "+PE",
              f"{x}₀<t> = √d_model {E}[{x}<t>] + PE(t), PE(t, 2i) = sin(t / 10000^(2i/d_model)),"
              " PE(t, 2i+1) = cos(t / 10000^(2i/d_model))",
              (Panel(f"√d_model {E}[{x}]", emb.scaled[0], g0, rows, "d_model", "real"),
               Panel("PE", pe[:T], None, rows, "d_model", "real"),
               Panel(f"{x}₀ = √d {E}[{x}] + PE", x0[0], g0, rows, "d_model", "real")),
              (embed, (Transformer._embed, "scaled + self.pe[:T]")), back)]


def _attention(key, side, layer, block, mha, an, g, dx_total, rows, cols, *masks) -> list:
    """Q K V, scores, mask, softmax, α V, Concat W_o, residual, layer norm of one attention."""
    att, h = mha.attention, mha.n_heads
    ag = g.attention if g is not None else None
    gr = (lambda a: None) if g is None else (lambda a: a[0])          # noqa: E731
    mask = att.mask if att.mask is not None else get_array_module(att.energy).ones(
        att.energy.shape, dtype=bool)
    kv = "enc" if block == "cross-attention" else rows
    sdpa, mha_f = att_mod.scaled_dot_product_attention, mha_mod.multi_head_attention_forward
    sdpa_b, mha_b = att_mod._backward, mha_mod._backward
    q_from = "y" if side == "decoder" else "x"
    S = lambda k, name, short, eq, panels, code, back: Stage(  # noqa: E731
        f"{key}.{k}", side, layer, block, name, short, eq, panels, code, back)
    return [
        S("qkv", "Q, K, V per head", "QKV",
          f"Q = {q_from} W_q + b_q, K = {kv} W_k + b_k, V = {kv} W_v + b_v; head i takes "
          "columns i·d_k..(i+1)·d_k (d_k = d_model / h)",
          (Panel("Q", att.Q[0], gr(ag.dQ) if ag else None, rows, "d_k", "real"),
           Panel("K", att.K[0], gr(ag.dK) if ag else None, cols, "d_k", "real"),
           Panel("V", att.V[0], gr(ag.dV) if ag else None, cols, "d_k", "real")),
          tuple((mha_f, f"{n} = _split({'q' if n == 'Q' else 'kv'}_in @ p") for n in "QKV"),
          ((sdpa_b, "dQ = dscores @ K"), (sdpa_b, "dK = xp.swapaxes(dscores"),
           (sdpa_b, "dV = xp.swapaxes(weights"))),
        S("scores", "scores", "e", "e<t,t'> = q<t>·k<t'> / √d_k, all at once: e = Q Kᵀ / √d_k",
          (Panel("e = Q Kᵀ / √d_k", att.energy[0], gr(ag.denergy) if ag else None, rows, cols,
                 "real"),),
          ((sdpa, "energy = (Q @"),), ((sdpa_b, "denergy = weights * (dweights"),)),
        S("mask", "mask", "M", "mask<t,t'> = True where query t may attend to key t'" + (
            " (t' ≤ t and not padding)" if block == "masked self-attention" else
            " (t' is not padding)"),
          (Panel("mask", mask[0], None, rows, cols, "mask"),),
          (*masks, (sdpa, "expo = xp.exp(xp.where(mask")), ()),
        S("softmax", "softmax α", "α", "α<t,t'> = mask · exp(e<t,t'>) / Σ_s mask · exp(e<t,s>): "
          "each row sums to 1 over the allowed keys",
          (Panel("α = softmax(e)", att.weights[0], gr(ag.dweights) if ag else None, rows, cols,
                 "prob"),),
          ((sdpa, "weights = expo / xp.where(total"),), ((sdpa_b, "dweights = dout @"),)),
        S("heads", "α V", "αV", "head_i<t> = Σ_t' α<t,t'> v<t'>: head_i = α V",
          (Panel("head = α V", split_heads(mha.concat, h)[0],
                 split_heads(g.dconcat, h)[0] if g is not None else None, rows, "d_k", "real"),),
          ((sdpa, "out = weights @ V"),), ((mha_b, 'dconcat = dout @ p["W_o"].T'),)),
        S("concat", "Concat and W_o", "Wₒ", "MultiHead = Concat(head_1, ..., head_h) W_o + b_o",
          (Panel("Concat(heads)", mha.concat[0], None if g is None else g.dconcat[0], rows,
                 "d_model", "real"),
           Panel("Concat W_o + b_o", an.sublayer[0], gr(g.dsublayer) if g else None, rows,
                 "d_model", "real")),
          ((mha_f, "concat = _merge(heads)"), (mha_f, 'out = concat @ p["W_o"]')),
          ((mha_b, 'dconcat = dout @ p["W_o"].T'),)),
        *_residual(key, side, layer, block, mha.q_in, an, g, dx_total, rows, "MultiHead")]


def _ffn(prefix, side, layer, ffn, an, g, dx_total, rows) -> list:
    """The feed-forward network, its residual and layer norm."""
    gr = (lambda a: None) if g is None else (lambda a: a[0])          # noqa: E731
    return [
        Stage(f"{prefix}.ffn.ffn", side, layer, "feed-forward", "feed-forward network", "FFN",
              "FFN(x<t>) = max(0, x<t> W_1 + b_1) W_2 + b_2, the same at every position",
              (Panel("max(0, x W_1 + b_1)", ffn.hidden[0], None, rows, "d_ff", "real"),
               Panel("FFN(x)", an.sublayer[0], gr(g.dsublayer) if g else None, rows, "d_model",
                     "real")),
              ((feed_forward_forward, "hidden = xp.maximum("),
               (feed_forward_forward, 'out = hidden @ params["W_2"]')),
              ((feed_forward_backward, "dz = (dout @"), (feed_forward_backward,
                                                          "return dz @ p[")),),
        *_residual(f"{prefix}.ffn", side, layer, "feed-forward", ffn.x, an, g, dx_total, rows,
                   "FFN")]


def _residual(key, side, layer, block, x, an, g, dx_total, rows, name) -> list:
    """x + Sublayer(x) and LN(x + Sublayer(x)) (add_norm.py)."""
    gr = (lambda a: None) if g is None else (lambda a: a[0])          # noqa: E731
    total = None if dx_total is None else dx_total[0]
    return [
        Stage(f"{key}.residual", side, layer, block, "residual", "+",
              f"x + {name}(x): the input passes around the sub-layer unchanged",
              (Panel("x", x[0], total, rows, "d_model", "real"),
               Panel(f"{name}(x)", an.sublayer[0], gr(g.dsublayer) if g else None, rows,
                     "d_model", "real"),
               Panel(f"x + {name}(x)", an.residual[0], gr(g.dresidual) if g else None, rows,
                     "d_model", "real")),
              ((add_norm_forward, "residual = x + dropped"),),
              ((add_norm_backward, "return dsum, dropout_backward(dsum"),)),
        Stage(f"{key}.norm", side, layer, block, "layer norm", "LN",
              "LN(z<t>) = γ ⊙ (z<t> - μ<t>) / √(σ²<t> + ε) + β, μ and σ² over the d_model "
              "features of each position",
              (Panel(f"z = x + {name}(x)", an.residual[0], gr(g.dresidual) if g else None, rows,
                     "d_model", "real"),
               Panel("LN(z)", an.out[0], gr(g.dout) if g else None, rows, "d_model", "real")),
              ((add_norm_forward, "layer_norm_forward(residual"),
               (layer_norm_forward, "x_hat = xc * inv_std"),
               (layer_norm_forward, "y = x_hat * gamma + beta")),
              ((layer_norm_backward, "dx = (inv_std / d) * (d * dx_hat"),))]
