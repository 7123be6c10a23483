r"""The basic sequence-to-sequence model: an encoder RNN reads x, a decoder RNN writes y.

*Sequence Models*, week 3, "Basic models" (Sutskever et al. 2014; Cho et al. 2014) and
"Picking the most likely sentence": the decoder is a language model whose first state is the
encoder's summary of x, so it models P(y | x), a *conditional* language model. Training uses
teacher forcing: the decoder reads the true y<t-1> (bos at t = 1), not its own guess.

Shapes
------
=================  ==========================  ==========================================
name               shape                       meaning
=================  ==========================  ==========================================
x_ids, x_lengths   (m, T_x) int, (m,)          source ids (padded with 0), real lengths
y_ids, y_lengths   (m, T_y) int, (m,)          target ids ending in eos, real lengths
a_enc              (n_dir·n_a, m, T_x)         encoder states a<t'>, zero on padding
h                  (n_dir·n_a, m)              summary [a→<T_x>; a←<1>] at each real end
s0                 (n_s, m)                    decoder's first state
s                  (n_s, m, T_y)               decoder states s<1..T_y>
logits             (V_y, m, T_y)               W_ya s<t> + b_y
enc/l<l>/...       the cells' shapes           encoder (any week-1 cell, deep, bidirect.)
bridge/W, bridge/b (n_s, n_dir·n_a), (n_s, 1)  s0 = tanh(W h + b)
dec/l1/...         cell with n_x = V_y         decoder cell reading onehot(y<t-1>)
W_ya, b_y          (V_y, n_s), (V_y, 1)        output layer
=================  ==========================  ==========================================

Equations
---------
.. math::

    (1)\ a^{\langle t'\rangle} = \mathrm{Encoder}(x)_{t'} \qquad
    (2)\ h = [\overrightarrow a^{\langle T_x\rangle}; \overleftarrow a^{\langle 1\rangle}]
    \qquad (3)\ s^{\langle 0\rangle} = \tanh(W_b h + b_b)

    (4)\ s^{\langle t\rangle} = \mathrm{cell}(s^{\langle t-1\rangle},
        \mathrm{onehot}(y^{\langle t-1\rangle})), \ y^{\langle 0\rangle} = \mathrm{bos} \qquad
    (5)\ P(y^{\langle t\rangle} | x, y^{\langle <t\rangle}) =
        \mathrm{softmax}(W_{ya} s^{\langle t\rangle} + b_y)

    (6)\ J = -\frac{1}{N}\sum_{i,t \le T_y^{(i)}} \log P(y^{(i)\langle t\rangle} | \ldots)
    \quad\text{(masked: padded steps count for nothing)}

Backward: (5) by :func:`seqlab.rnn.output_backward`, (4) by BPTT of the decoder (also ∂J/∂s0),
(3) by :func:`seqlab.layers.dense.dense_backward`, (2) places ∂J/∂h at each example's last
forward step and first backward step, (1) BPTT of the encoder.

Notes
-----
Differs from the lecture: the bridge (3) maps the encoder summary to the decoder's size (the
lecture feeds the encoding straight in); an LSTM decoder starts from c<0> = 0. Decoding is
:meth:`EncoderDecoder.decoder_step` (one step for k hypotheses, for beam search), greedy and
log P(y|x) come from :class:`seqlab.seq2seq._base.Seq2SeqBase`.

References
----------
Sutskever, Vinyals & Le, "Sequence to Sequence Learning with Neural Networks", 2014;
Cho et al., "Learning Phrase Representations using RNN Encoder-Decoder", 2014.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from seqlab._validate import check_cache, check_lengths, check_path
from seqlab.arrays import randn, zeros
from seqlab.backend import get_array_module
from seqlab.functional import log_softmax
from seqlab.layers.dense import dense_backward, dense_forward
from seqlab.losses import temporal_cross_entropy
from seqlab.rnn.deep import deep_rnn_backward, deep_rnn_forward, init_deep_rnn_params
from seqlab.rnn.network import _one_hot
from seqlab.rnn.rnn import output_backward, output_forward
from seqlab.seq2seq._base import Seq2SeqBase, _encode, _sub, decoder_cell, encoder_backward
from seqlab.seq2seq._checks import check_dlogits, check_model_args
from seqlab.vocab.tokens import TokenVocab

__all__ = ["EncoderDecoder", "EncoderDecoderCache", "load_seq2seq"]


class EncoderDecoderCache(NamedTuple):
    enc: Any            # EncoderCache
    bridge: Any         # DenseCache of (3)
    dec: Any            # DeepRNNCache of the decoder (one layer)
    s: Any              # (n_s, m, T_y) decoder states
    x_lengths: Any      # (m,)
    a_shape: tuple      # shape of a_enc


class EncoderDecoder(Seq2SeqBase):
    """Encoder RNN -> bridge -> decoder RNN -> softmax (module docstring).

    Parameters
    ----------
    src_vocab, tgt_vocab : TokenVocab (:mod:`seqlab.vocab.tokens`)
    n_a : int, encoder hidden size per direction
    n_s : int, decoder hidden size
    kind : "rnn", "gru" or "lstm", encoder and decoder cell
    n_layers : int ≥ 1, encoder layers
    bidirectional : bool, bidirectional encoder
    rng : int seed or numpy Generator
    dtype : float32 (training) or float64 (gradient checks)
    """

    def __init__(self, src_vocab: TokenVocab, tgt_vocab: TokenVocab, n_a: int = 64,
                 n_s: int = 64, kind: str = "lstm", n_layers: int = 1,
                 bidirectional: bool = True, *, rng=0, dtype=np.float32, n_x=None, n_y=None):
        sizes, dtype, rng = check_model_args(
            "EncoderDecoder", {"src_vocab": src_vocab, "tgt_vocab": tgt_vocab}, kind, dtype, rng,
            {"bidirectional": bidirectional}, n_a=n_a, n_s=n_s, n_layers=n_layers)
        n_a, n_s, n_layers = sizes["n_a"], sizes["n_s"], sizes["n_layers"]
        self.src_vocab, self.tgt_vocab, self.meta = src_vocab, tgt_vocab, {}
        self.config = dict(n_x=len(src_vocab), n_y=len(tgt_vocab), n_a=n_a, n_s=n_s,
                           kind=kind, n_layers=n_layers, bidirectional=bool(bidirectional))
        n_dir = 2 if bidirectional else 1
        enc = init_deep_rnn_params(len(src_vocab), n_a, None, n_layers, kind, rng,
                                   bidirectional=bidirectional, dtype=dtype)
        dec = init_deep_rnn_params(len(tgt_vocab), n_s, len(tgt_vocab), 1, kind, rng,
                                   dtype=dtype)
        self.params = {f"enc/{k}": v for k, v in enc.items()}
        self.params["bridge/W"] = randn(rng, (n_s, n_dir * n_a), 1 / math.sqrt(n_dir * n_a),
                                        dtype)
        self.params["bridge/b"] = zeros((n_s, 1), dtype)
        self.params.update({k if k in ("W_ya", "b_y") else f"dec/{k}": v for k, v in dec.items()})

    @classmethod
    def load(cls, path) -> EncoderDecoder:
        """The model saved by :meth:`save` (``model.meta`` holds its metadata)."""
        return cls._from_file(path)

    # ----------------------------------------------------------------- training
    def _summary(self, a_enc, x_lengths):
        """h = [a→ at each last real step; a← at step 1] (eq. 2), (n_dir·n_a, m)."""
        xp = get_array_module(a_enc)
        m, n_a = a_enc.shape[1], self.config["n_a"]
        cols, last = xp.arange(m), xp.asarray(x_lengths) - 1
        h_fwd = a_enc[:n_a, cols, last]                          # a→<L_i>     (n_a, m)
        if not self.config["bidirectional"]:
            return h_fwd
        return xp.concatenate([h_fwd, a_enc[n_a:, :, 0]], axis=0)  # [a→<L_i>; a←<1>]

    def forward(self, x_ids, x_lengths, y_ids, y_lengths=None):
        """Logits (V_y, m, T_y) under teacher forcing (eqs. 1-5), and the cache."""
        x_ids, x_lengths = self._source(x_ids, x_lengths, "forward")
        xp = get_array_module(x_ids)
        y_ids = self._targets(y_ids, x_ids.shape[0], "EncoderDecoder.forward")
        m, T_y = y_ids.shape
        if y_lengths is not None:
            check_lengths(y_lengths, m, T_y, "EncoderDecoder.forward(y_lengths)")
        a_enc, enc_cache = _encode(x_ids, x_lengths, self.params, self.config,
                                           self.dtype)                       # (1)
        h = self._summary(a_enc, x_lengths)                                  # (2)
        s0, bridge = dense_forward(h, self.params["bridge/W"], self.params["bridge/b"],
                                   "tanh")                                   # (3)
        y_prev = xp.concatenate([xp.full((m, 1), self.bos_id, y_ids.dtype), y_ids[:, :-1]],
                                axis=1)                                      # y<0..T_y-1>
        x_dec = _one_hot(y_prev, self.config["n_y"], self.dtype)            # (V_y, m, T_y)
        s, _, dec = deep_rnn_forward(x_dec, _sub(self.params, "dec/"), self.config["kind"],
                                     1, a0=s0[None], lengths=y_lengths)      # (4)
        logits, _ = output_forward(s, self.params)                           # (5)
        return logits, EncoderDecoderCache(enc_cache, bridge, dec, s, x_lengths, a_enc.shape)

    def backward(self, dlogits, cache: EncoderDecoderCache) -> dict:
        """∂J/∂param for every key of :attr:`params` from ∂J/∂logits (V_y, m, T_y)."""
        check_cache(cache, EncoderDecoderCache, "EncoderDecoder.backward")
        dlogits = check_dlogits(dlogits, cache.s, "EncoderDecoder.backward")
        xp = get_array_module(dlogits)
        ds, grads = output_backward(dlogits, cache.s, self.params)          # (5)
        _, (ds0, _), g_dec = deep_rnn_backward(ds, cache.dec)                # (4)
        grads.update({f"dec/{k}": v for k, v in g_dec.items() if k not in ("W_ya", "b_y")})
        dh, g_b = dense_backward(ds0[0], cache.bridge)                      # (3)
        grads["bridge/W"], grads["bridge/b"] = g_b["W"], g_b["b"]
        n_a, m = self.config["n_a"], dh.shape[1]
        da_enc = xp.zeros(cache.a_shape, dh.dtype)
        cols, last = xp.arange(m), xp.asarray(cache.x_lengths) - 1
        da_enc[:n_a, cols, last] = dh[:n_a]                                  # (2) to a→<L_i>
        if self.config["bidirectional"]:
            da_enc[n_a:, :, 0] = dh[n_a:]                                    # (2) to a←<1>
        grads.update(encoder_backward(da_enc, cache.enc))                    # (1)
        return grads

    def loss(self, batch):
        """(J, grads) of the masked mean cross-entropy (eq. 6); batch = (x_ids, x_lengths,
        y_ids, y_lengths) as made by :meth:`batch`."""
        x_ids, x_lengths, y_ids, y_lengths = self._batch4(batch, "EncoderDecoder.loss")
        logits, cache = self.forward(x_ids, x_lengths, y_ids, y_lengths)
        xp = get_array_module(logits)
        mask = xp.arange(y_ids.shape[1])[None, :] < xp.asarray(y_lengths)[:, None]
        J, dlogits = temporal_cross_entropy(logits, y_ids, mask=mask)        # (6)
        return J, self.backward(dlogits, cache)

    # ----------------------------------------------------------------- decoding
    def init_state(self, x_ids, x_lengths=None):
        """The decoder's first state for a batch of sources: a tuple of arrays with leading
        axis m: (s0,) or (s0, c0) for an LSTM, each (m, n_s). One source (T_x,) gives m = 1."""
        x_ids, x_lengths = self._source(x_ids, x_lengths, "init_state")
        a_enc, _ = _encode(x_ids, x_lengths, self.params, self.config, self.dtype)
        s0, _ = dense_forward(self._summary(a_enc, x_lengths), self.params["bridge/W"],
                              self.params["bridge/b"], "tanh")               # (n_s, m)
        if self.config["kind"] == "lstm":
            return (s0.T.copy(), get_array_module(s0).zeros_like(s0.T))
        return (s0.T.copy(),)

    def decoder_step(self, last_tokens, states):
        """One decoder step for k hypotheses (eqs. 4-5).

        Parameters
        ----------
        last_tokens : int array (k,), y<t-1> (bos first)
        states : tuple of arrays (k, n_s), as from :meth:`init_state` or this method

        Returns
        -------
        log_probs : array (k, V_y), log P(y<t> = v | x, y<1..t-1>)
        new_states : tuple like ``states``
        """
        kind = self.config["kind"]
        last = self._states(last_tokens, states, 2 if kind == "lstm" else 1,
                            "EncoderDecoder.decoder_step")
        xp = get_array_module(states[0])
        last = xp.asarray(last).reshape(-1, 1)
        x_t = _one_hot(last, self.config["n_y"], self.dtype)[:, :, 0]       # (V_y, k)
        s, new = decoder_cell(kind, x_t, states, _sub(self.params, "dec/l1/"))  # (4)
        logits, _ = output_forward(s, self.params)                           # (5) (V_y, k)
        return log_softmax(logits, axis=0).T, new


def load_seq2seq(path):
    """Load any model of this package saved with ``save`` (dispatch on its class name)."""
    from seqlab.npz import load_arrays
    from seqlab.seq2seq.attention_model import AttentionSeq2Seq

    classes = {"EncoderDecoder": EncoderDecoder, "AttentionSeq2Seq": AttentionSeq2Seq}
    _, info = load_arrays(check_path(path, "load_seq2seq(path)"))
    name = info.get("class")
    if name not in classes:
        raise ValueError(f"load_seq2seq(path): {path!r} holds no seq2seq model (class {name!r})")
    return classes[name].load(path)
