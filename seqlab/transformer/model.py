r"""The encoder-decoder Transformer: embeddings + positions, N encoder and N decoder layers.

Week 4, "Transformer Network". The encoder reads the whole source at once (self-attention, no
recurrence); the decoder produces the target one token at a time, attending to what it wrote so
far (masked self-attention) and to the encoder's output (cross-attention); a final linear layer
and softmax give the next token's distribution. Training feeds the shifted target (teacher
forcing): every position is trained in one parallel pass, the look-ahead mask hiding the future.

Shapes
------
=============  =====================  ===============================================
name           shape                  meaning
=============  =====================  ===============================================
src            (m, T_x) int           source tokens, ``pad_id`` padded
tgt_in         (m, T_y) int           target shifted right: bos y<1> ... y<T_y - 1>
tgt_out        (m, T_y) int           target: y<1> ... eos, ``pad_id`` padded
src_emb        (V_src, d_model)       source embedding E_x
tgt_emb        (V_tgt, d_model)       target embedding E_y
enc.{l}.*      see blocks.py          encoder layer l = 0..N-1
dec.{l}.*      see blocks.py          decoder layer l
W_out, b_out   (d_model, V_tgt), (V_tgt,)
logits         (m, T_y, V_tgt)
=============  =====================  ===============================================

Equations
---------
.. math::

    (1)\quad x_0 = \mathrm{Dropout}(\sqrt{d_{model}}\, E_x[\mathrm{src}] + PE_{[:T_x]})
    \qquad
    (2)\quad \mathrm{enc} = \mathrm{Encoder}_{N-1} \circ \dots \circ \mathrm{Encoder}_0(x_0)

    (3)\quad y_0 = \mathrm{Dropout}(\sqrt{d_{model}}\, E_y[\mathrm{tgt_{in}}] + PE_{[:T_y]})
    \qquad
    (4)\quad \mathrm{dec} = \mathrm{Decoder}_{N-1} \circ \dots \circ \mathrm{Decoder}_0(y_0,
        \mathrm{enc})

    (5)\quad \mathrm{logits} = \mathrm{dec}\, W_{out} + b_{out} \qquad
    (6)\quad P(y^{\langle t \rangle} \mid x, y^{\langle <t \rangle}) =
        \mathrm{softmax}(\mathrm{logits}_t)

Backward: through (5), the decoder layers in reverse (each returns d enc, summed over layers),
the encoder layers in reverse, and (7) dE[v] = √d_model Σ_{positions with token v} dx_0.

Notes
-----
Differs from the lecture: no weight sharing between the embeddings and W_out (the paper ties
them). Decoding (:meth:`Transformer.decode_step`) re-runs the decoder on the whole prefix at
each step (no key/value cache): simple and exact, quadratic in the output length.

References
----------
Vaswani et al., "Attention Is All You Need", 2017.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

from seqlab._validate import (
    as_array,
    check_float_dtype,
    check_ids,
    check_instance,
    check_int,
    check_keys,
    check_number,
    check_rng,
    check_shape,
    check_token,
    got,
)
from seqlab.arrays import zeros
from seqlab.backend import get_array_module, to_device
from seqlab.functional import log_softmax
from seqlab.layers.dropout import dropout_backward, dropout_forward
from seqlab.scatter import scatter_add
from seqlab.transformer._checks import check_batch, check_tokens
from seqlab.transformer.blocks import (
    decoder_layer_backward_full,
    decoder_layer_forward,
    encoder_layer_backward_full,
    encoder_layer_forward,
    init_decoder_layer,
    init_encoder_layer,
    sub,
)
from seqlab.transformer.label_smoothing import label_smoothed_cross_entropy
from seqlab.transformer.masks import decoder_mask, padding_mask
from seqlab.transformer.positional import positional_encoding

__all__ = ["DecoderState", "EmbedCache", "Transformer", "TransformerConfig"]


@dataclass(frozen=True)
class TransformerConfig:
    """Sizes and training settings of a :class:`Transformer`."""

    src_vocab: int
    tgt_vocab: int
    d_model: int = 64
    n_heads: int = 4
    d_ff: int = 128
    n_layers: int = 2
    max_len: int = 64
    dropout: float = 0.1
    label_smoothing: float = 0.1
    pad_id: int = 0

    def __post_init__(self):
        f = "TransformerConfig"
        for name in ("src_vocab", "tgt_vocab", "d_model", "n_heads", "d_ff", "n_layers",
                     "max_len"):               # NumPy ints accepted, stored as Python ints
            object.__setattr__(self, name, check_int(getattr(self, name), f"{f}({name})", 1))
        if self.d_model % self.n_heads:
            raise ValueError(f"{f}(n_heads): expected a divisor of d_model={self.d_model} (it "
                             f"must be divisible by n_heads), got n_heads={self.n_heads}")
        for name in ("dropout", "label_smoothing"):
            object.__setattr__(self, name, check_number(getattr(self, name), f"{f}({name})", 0,
                                                        1, high_open=True))
        object.__setattr__(self, "pad_id", check_int(
            self.pad_id, f"{f}(pad_id) (a token id of both vocabularies)", 0,
            min(self.src_vocab, self.tgt_vocab) - 1))


class EmbedCache(NamedTuple):
    """What the embedding's backward needs, and √d_model E[tokens] (for a step-through)."""

    tokens: Any     # (m, T) int
    dropout: Any    # the dropout cache
    scaled: Any     # (m, T, d_model), √d_model E[tokens], before + PE


class DecoderState(NamedTuple):
    """The state of k hypotheses for beam search: every array has a leading axis k."""

    prefix: Any      # (k, t) int, the tokens fed so far (bos first), without the last one
    memory: Any      # (k, T_x, d_model), the encoder output of the source
    src_mask: Any    # (k, 1, T_x) bool


class Transformer:
    """A thin model class: ``params``, forward/backward, ``loss(batch)``, decoding.

    Parameters
    ----------
    config : TransformerConfig
    seed : int or numpy Generator; draws the parameters on the host, and dropout masks
    dtype : "float32" to train, "float64" to gradient-check
    """

    def __init__(self, config: TransformerConfig, seed=0, dtype="float32"):
        check_instance(config, TransformerConfig, "Transformer(config)")
        self.config, self.dtype = config, check_float_dtype(dtype, "Transformer(dtype)").name
        self.rng = check_rng(seed, "Transformer(seed)")
        self.params = self.init(self.rng)
        self.pe = positional_encoding(config.max_len, config.d_model, dtype)[0]  # (max_len, d)

    def init(self, rng) -> dict:
        """Embeddings N(0, 1/d_model), Glorot-uniform layers, zero biases."""
        c, dt, rng = self.config, self.dtype, check_rng(rng, "Transformer.init(rng)")
        p = {"src_emb": to_device((rng.standard_normal((c.src_vocab, c.d_model))
                                   / math.sqrt(c.d_model)).astype(dt)),
             "tgt_emb": to_device((rng.standard_normal((c.tgt_vocab, c.d_model))
                                   / math.sqrt(c.d_model)).astype(dt))}
        for layer in range(c.n_layers):
            p.update({f"enc.{layer}.{k}": v
                      for k, v in init_encoder_layer(c.d_model, c.d_ff, rng, dt).items()})
        for layer in range(c.n_layers):
            p.update({f"dec.{layer}.{k}": v
                      for k, v in init_decoder_layer(c.d_model, c.d_ff, rng, dt).items()})
        lim = math.sqrt(6.0 / (c.d_model + c.tgt_vocab))
        p["W_out"] = to_device(rng.uniform(-lim, lim, (c.d_model, c.tgt_vocab)).astype(dt))
        p["b_out"] = zeros((c.tgt_vocab,), dtype=dt)
        return p

    # ------------------------------------------------------------------ forward / backward
    def _embed(self, tokens, table: str, train: bool):
        """(1)/(3): √d E[tokens] + PE, dropped out; returns (x0, (tokens, dropout cache))."""
        c = self.config
        xp = get_array_module(self.params[table])
        T = tokens.shape[1]
        if T > c.max_len:                        # a decoder prefix grows one token per step
            raise ValueError(f"Transformer: expected sequences of at most max_len = {c.max_len} "
                             f"tokens, got {T} (decode fewer steps or raise max_len)")
        scaled = self.params[table][tokens] * math.sqrt(c.d_model)   # √d E[tokens] (m, T, d)
        x, d_cache = dropout_forward(scaled + self.pe[:T], c.dropout, self.rng, train)  # + PE
        return (x.astype(self.params[table].dtype, copy=False),
                EmbedCache(xp.asarray(tokens), d_cache, scaled))

    def encode(self, src, train: bool = False):
        """Eqs. (1)-(2). Returns enc (m, T_x, d_model), src_mask (m, 1, T_x), caches, α list."""
        return self._encode(check_tokens(self.config, src, "src", "Transformer.encode"), train)

    def _encode(self, src, train: bool = False):
        c = self.config
        src_mask = padding_mask(src, c.pad_id)                        # (m, 1, T_x)
        x, emb_cache = self._embed(src, "src_emb", train)
        caches, weights = [], []
        for layer in range(c.n_layers):
            x, w, cache = encoder_layer_forward(x, sub(self.params, f"enc.{layer}"), c.n_heads,
                                                src_mask, c.dropout, self.rng, train)
            caches.append(cache)
            weights.append(w)
        return x, src_mask, (emb_cache, caches), weights

    def decode(self, tgt_in, enc, src_mask, train: bool = False):
        """Eqs. (3)-(5). Returns logits (m, T_y, V_tgt), caches, [(self α, cross α)] per layer."""
        tgt_in = check_tokens(self.config, tgt_in, "tgt_in", "Transformer.decode")
        enc = as_array(enc, "Transformer.decode(enc)", ndim=3, symbols="(m, T_x, d_model)")
        check_shape(enc, (tgt_in.shape[0], enc.shape[1], self.config.d_model),
                    "(m, T_x, d_model), m as in tgt_in", "Transformer.decode(enc)")
        if src_mask is not None and getattr(getattr(src_mask, "dtype", None), "kind", "") != "b":
            raise TypeError(f"Transformer.decode(src_mask): expected a bool array (m, 1, T_x), "
                            f"True on real source tokens, got {got(src_mask)}")
        return self._decode(tgt_in, enc, src_mask, train)

    def _decode(self, tgt_in, enc, src_mask, train: bool = False):
        c = self.config
        self_mask = decoder_mask(tgt_in, c.pad_id)                    # (m, T_y, T_y)
        y, emb_cache = self._embed(tgt_in, "tgt_emb", train)
        caches, weights = [], []
        for layer in range(c.n_layers):
            y, w, cache = decoder_layer_forward(y, enc, sub(self.params, f"dec.{layer}"),
                                                c.n_heads, self_mask, src_mask, c.dropout,
                                                self.rng, train)
            caches.append(cache)
            weights.append(w)
        logits = y @ self.params["W_out"] + self.params["b_out"]      # (5) (m, T_y, V_tgt)
        return logits, (emb_cache, caches, y), weights

    def forward(self, src, tgt_in, train: bool = False):
        """The whole model. Returns logits (m, T_y, V_tgt) and a cache whose ``attention``
        entry holds {"encoder": [α per layer], "decoder": [(self α, cross α) per layer]}."""
        src = check_tokens(self.config, src, "src", "Transformer.forward")
        tgt_in = check_tokens(self.config, tgt_in, "tgt_in", "Transformer.forward", m=src.shape[0])
        enc, src_mask, enc_cache, enc_w = self._encode(src, train)
        logits, dec_cache, dec_w = self._decode(tgt_in, enc, src_mask, train)
        return logits, {"enc": enc_cache, "dec": dec_cache,
                        "attention": {"encoder": enc_w, "decoder": dec_w}}

    def backward(self, dlogits, cache) -> dict:
        """∂J/∂params from ∂J/∂logits (m, T_y, V_tgt); a dict with the keys of ``params``."""
        return self._backward(dlogits, cache, "Transformer.backward")[0]

    def backward_full(self, dlogits, cache) -> tuple:
        """:meth:`backward` that also returns the gradient met at every stage: (grads, flows),
        flows = {"dec_out": ∂J/∂dec (m, T_y, d_model), "dec": [per layer {"self", "cross",
        "ffn": SublayerGrads}], "tgt_x0": ∂J/∂y_0, "enc_out": ∂J/∂enc, "enc": [per layer
        {"mha", "ffn": SublayerGrads}], "src_x0": ∂J/∂x_0} (see blocks.py and add_norm.py)."""
        return self._backward(dlogits, cache, "Transformer.backward_full")

    def _backward(self, dlogits, cache, f: str) -> tuple:
        c, p = self.config, self.params
        check_keys(cache, ("enc", "dec"), f"{f}(cache)", extra=True)
        (tgt_emb_cache, dec_caches, y) = cache["dec"]
        dlogits = as_array(dlogits, f"{f}(dlogits)", ndim=3, symbols="(m, T_y, V_tgt)")
        check_shape(dlogits, (*y.shape[:2], c.tgt_vocab), "(m, T_y, V_tgt) like the logits",
                    f"{f}(dlogits)")
        xp = get_array_module(dlogits)
        grads: dict = {}
        d = c.d_model
        dl2 = dlogits.reshape(-1, dlogits.shape[-1])                  # (m·T_y, V)
        grads["W_out"] = y.reshape(-1, d).T @ dl2                     # (5) dW_out = decᵀ dlogits
        grads["b_out"] = xp.sum(dl2, axis=0)
        dy = dlogits @ p["W_out"].T                                   # (m, T_y, d_model)
        flows: dict = {"dec_out": dy, "dec": [None] * c.n_layers, "enc": [None] * c.n_layers}
        denc = 0
        for layer in reversed(range(c.n_layers)):
            dy, denc_l, g, flows["dec"][layer] = decoder_layer_backward_full(dy,
                                                                             dec_caches[layer])
            denc = denc + denc_l                                      # every layer reads enc
            grads.update({f"dec.{layer}.{k}": v for k, v in g.items()})
        grads["tgt_emb"] = self._embed_backward(dy, tgt_emb_cache, "tgt_emb")
        src_emb_cache, enc_caches = cache["enc"]
        dx = flows["enc_out"] = denc
        flows["tgt_x0"] = dy
        for layer in reversed(range(c.n_layers)):
            dx, g, flows["enc"][layer] = encoder_layer_backward_full(dx, enc_caches[layer])
            grads.update({f"enc.{layer}.{k}": v for k, v in g.items()})
        grads["src_emb"] = self._embed_backward(dx, src_emb_cache, "src_emb")
        flows["src_x0"] = dx
        return {k: grads[k] for k in p}, flows

    def _embed_backward(self, dx, emb_cache, table: str):
        """(7): dE = √d_model Σ over the positions of each token of d x0 (scatter-add)."""
        tokens, d_cache, _ = emb_cache
        dx = dropout_backward(dx, d_cache) * math.sqrt(self.config.d_model)
        dE = get_array_module(dx).zeros_like(self.params[table])
        return scatter_add(dE, tokens.ravel(), dx.reshape(-1, dx.shape[-1]))

    def loss(self, batch, train: bool = True):
        """Label-smoothed cross-entropy over the non-pad target positions, and its grads.

        Parameters
        ----------
        batch : (src, tgt_in, tgt_out) or a dict with those keys; see the Shapes table
        train : bool, dropout on (the model's seeded rng draws the masks)

        Returns
        -------
        loss : float
        grads : dict with the keys of ``params``
        """
        src, tgt_in, tgt_out = check_batch(batch, self.config.tgt_vocab)
        logits, cache = self.forward(src, tgt_in, train)
        loss, dlogits = label_smoothed_cross_entropy(logits, tgt_out, self.config.label_smoothing,
                                                     self.config.pad_id)
        return loss, self.backward(dlogits, cache)

    # ------------------------------------------------------------------ decoding
    def init_decoder_state(self, src) -> DecoderState:
        """The beam-search ``init_state`` for ONE source sentence ``src`` (T_x,) or (1, T_x)."""
        f = "Transformer.init_decoder_state"
        xp = get_array_module(self.params["src_emb"])
        src = as_array(src, f"{f}(src)", "int", ndim=(1, 2), symbols="(T_x,) or (1, T_x)")
        if src.ndim == 2 and src.shape[0] != 1:
            raise ValueError(f"{f}(src): expected one source sentence (T_x,) or (1, T_x), got "
                             f"shape {tuple(src.shape)}")
        enc, src_mask, _, _ = self._encode(check_tokens(self.config, src.reshape(1, -1), "src", f))
        return DecoderState(xp.zeros((1, 0), dtype="int64"), enc, src_mask)

    def decode_step(self, last_tokens, states: DecoderState):
        """``step_fn`` of :func:`seqlab.seq2seq.beam.beam_search`: one more token for k prefixes.

        Parameters
        ----------
        last_tokens : int array (k,), the token each hypothesis emitted last (bos first)
        states : DecoderState with leading axis k

        Returns
        -------
        log_probs : array (k, V_tgt), log P(next token | source, prefix + last token)
        states : DecoderState, the prefix extended by ``last_tokens``
        """
        return self._decode_step(self._step_args(last_tokens, states, "Transformer.decode_step"),
                                 states)

    def _step_args(self, last_tokens, states, f: str):
        """A decoding step's checked last_tokens (k,) < V_tgt for a DecoderState of k rows."""
        check_instance(states, DecoderState, f"{f}(states)", "a DecoderState "
                       "(init_decoder_state)")
        last_tokens = check_ids(as_array(last_tokens, f"{f}(last_tokens)", "int", ndim=1,
                                         symbols="(k,)"), self.config.tgt_vocab,
                                f"{f}(last_tokens)")
        check_shape(last_tokens, states.prefix.shape[:1], "(k,), one per state",
                    f"{f}(last_tokens)")
        return last_tokens

    def _decode_step(self, last_tokens, states: DecoderState):
        xp = get_array_module(states.memory)
        prefix = xp.concatenate([states.prefix, xp.asarray(last_tokens).reshape(-1, 1)
                                 .astype(states.prefix.dtype)], axis=1)      # (k, t+1)
        logits, _, _ = self._decode(prefix, states.memory, states.src_mask)  # (k, t+1, V)
        log_probs = log_softmax(logits[:, -1], axis=-1)                      # (6) last position
        return log_probs, DecoderState(prefix, states.memory, states.src_mask)

    def greedy_decode(self, src, bos: int, eos: int, max_len: int):
        """Greedy decoding of a batch: tokens (m, ≤ max_len), each row padded after its eos."""
        f, V = "Transformer.greedy_decode", self.config.tgt_vocab
        bos, eos = check_token(bos, V, f"{f}(bos)"), check_token(eos, V, f"{f}(eos)")
        max_len = check_int(max_len, f"{f}(max_len)", 1)
        xp = get_array_module(self.params["src_emb"])
        src = xp.asarray(check_tokens(self.config, src, "src", f))
        enc, src_mask, _, _ = self._encode(src)
        out = xp.full((src.shape[0], 1), bos, dtype="int64")
        done = xp.zeros(src.shape[0], dtype=bool)
        for _ in range(max_len):
            logits, _, _ = self._decode(out, enc, src_mask)
            nxt = xp.argmax(logits[:, -1], axis=-1)                          # (m,)
            nxt = xp.where(done, self.config.pad_id, nxt)
            out = xp.concatenate([out, nxt[:, None]], axis=1)
            done = done | (nxt == eos)
            if bool(xp.all(done)):
                break
        return out[:, 1:]

    def __repr__(self) -> str:
        n = sum(int(v.size) for v in self.params.values())
        return f"Transformer({asdict(self.config)}, {n:,} parameters, {self.dtype})"
