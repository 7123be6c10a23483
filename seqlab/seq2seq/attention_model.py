r"""The attention seq2seq model of the course's W3A1 (date translation): Bi-LSTM encoder,
attention before every output step, a post-attention LSTM, a softmax per output step.

*Sequence Models*, week 3, "Attention Model". The encoder's states a<t'> never pass through a
single summary vector: at every output step the decoder reads its own context c<t>
(:mod:`seqlab.seq2seq.attention`), so long inputs lose nothing on the way.

Shapes
------
================  ==========================  ============================================
name              shape                       meaning
================  ==========================  ============================================
x_ids, x_lengths  (m, T_x) int, (m,)          source ids (padded with 0), real lengths
y_ids, y_lengths  (m, T_y) int, (m,)          target ids ending in eos, real lengths
a                 (2 n_a, m, T_x)             Bi-LSTM states a<t'> = [a→; a←]
s, c              (n_s, m, T_y)               post-attention LSTM states s<t>, cells c<t>
alpha             (m, T_y, T_x)               α<t,t'> of every output step (for plots)
enc/l1/...        bidirectional encoder       :func:`seqlab.rnn.deep_rnn_forward` keys
att/...           score params                :func:`init_attention_params`
post/W_f, ...     (n_s, n_s + n_in)           post-attention LSTM, n_in = 2 n_a (+ V_y)
W_ya, b_y         (V_y, n_s), (V_y, 1)        output layer
================  ==========================  ============================================

Equations
---------
.. math::

    (1)\ a^{\langle t'\rangle} = \text{Bi-LSTM}(x)_{t'} \qquad
    (2)\ c^{\langle t\rangle}, \alpha^{\langle t,\cdot\rangle}
        = \text{attention}(s^{\langle t-1\rangle}, a) \qquad
    (3)\ s^{\langle t\rangle} = \mathrm{LSTM}(s^{\langle t-1\rangle},
        [c^{\langle t\rangle}; \mathrm{onehot}(y^{\langle t-1\rangle})])

    (4)\ P(y^{\langle t\rangle} | x, y^{\langle <t\rangle})
        = \mathrm{softmax}(W_{ya} s^{\langle t\rangle} + b_y) \qquad
    (5)\ J = \text{masked mean of } -\log P(y^{\langle t\rangle} | \ldots)

s<0> = c<0> = 0 as in the course. With ``feed_previous=False`` (the course's model) the LSTM
reads only c<t>; with ``True`` it also reads y<t-1> (teacher forcing in training), which makes
the output depend on the prefix, as beam search assumes.

Backward: (4) for all steps at once, then a reversed loop: the LSTM cell backward gives
∂J/∂[c<t>; ·] and ∂J/∂s<t-1>; the attention backward adds its ∂J/∂s<t-1> and ∂J/∂a; finally
BPTT of the encoder from the summed ∂J/∂a.

Notes
-----
Differs from the lecture / course: targets end in eos (so the same model can decode
variable-length outputs); the course uses n_a = 32, n_s = 64 and a relu energy, as here by
default.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from seqlab._validate import check_cache, check_choice, check_int
from seqlab.backend import get_array_module
from seqlab.functional import log_softmax
from seqlab.losses import temporal_cross_entropy
from seqlab.rnn.deep import init_deep_rnn_params
from seqlab.rnn.lstm import init_lstm_params, lstm_cell_backward, lstm_cell_forward
from seqlab.rnn.network import _one_hot
from seqlab.rnn.rnn import output_backward, output_forward
from seqlab.seq2seq._base import Seq2SeqBase, _encode, _sub, encoder_backward
from seqlab.seq2seq._checks import check_dlogits, check_force, check_model_args
from seqlab.seq2seq.attention import (
    attention_step_backward,
    attention_step_forward,
    init_attention_params,
)
from seqlab.vocab.tokens import TokenVocab

__all__ = ["AttentionSeq2Seq", "AttentionSeq2SeqCache"]


class AttentionSeq2SeqCache(NamedTuple):
    enc: Any            # EncoderCache
    a: Any              # (2 n_a, m, T_x)
    steps: list         # per output step: (AttentionStepCache, LSTMCellCache)
    s: Any              # (n_s, m, T_y)
    alpha: Any          # (m, T_y, T_x)


class AttentionSeq2Seq(Seq2SeqBase):
    """Bi-LSTM encoder + attention + post-attention LSTM + softmax (module docstring).

    Parameters
    ----------
    src_vocab, tgt_vocab : TokenVocab
    n_a : int, encoder LSTM size per direction (course: 32)
    n_s : int, post-attention LSTM size (course: 64)
    n_e : int, hidden units of the additive energy network (course: 10)
    score : "additive" (course), "dot" (needs n_s = 2 n_a) or "general"
    energy_activation : "relu" (course) or "identity"
    feed_previous : bool, the LSTM also reads onehot(y<t-1>)
    kind : encoder cell ("lstm" in the course; "gru" or "rnn" also work)
    rng, dtype : seed and float dtype
    """

    def __init__(self, src_vocab: TokenVocab, tgt_vocab: TokenVocab, n_a: int = 32,
                 n_s: int = 64, n_e: int = 10, score: str = "additive",
                 energy_activation: str = "relu", feed_previous: bool = False,
                 kind: str = "lstm", *, rng=0, dtype=np.float32, n_x=None, n_y=None,
                 n_layers=1, bidirectional=True):
        f = "AttentionSeq2Seq"
        sizes, dtype, rng = check_model_args(
            f, {"src_vocab": src_vocab, "tgt_vocab": tgt_vocab}, kind, dtype, rng,
            {"feed_previous": feed_previous}, n_a=n_a, n_s=n_s, n_e=n_e)
        n_a, n_s, n_e = sizes["n_a"], sizes["n_s"], sizes["n_e"]
        check_choice(score, ("additive", "dot", "general"), f"{f}(score)")
        check_choice(energy_activation, ("relu", "identity"), f"{f}(energy_activation)")
        if score == "dot" and n_s != 2 * n_a:
            raise ValueError(f"{f}(score): expected n_s = 2 n_a = {2 * n_a} for score='dot' "
                             f"(s · a<t'>), got n_s = {n_s}")
        self.src_vocab, self.tgt_vocab, self.meta = src_vocab, tgt_vocab, {}
        V_x, V_y = len(src_vocab), len(tgt_vocab)
        self.config = dict(n_x=V_x, n_y=V_y, n_a=n_a, n_s=n_s, n_e=n_e,
                           score=score, energy_activation=energy_activation,
                           feed_previous=bool(feed_previous), kind=kind, n_layers=1,
                           bidirectional=True)
        enc = init_deep_rnn_params(V_x, n_a, None, 1, kind, rng, bidirectional=True,
                                   dtype=dtype)
        att = init_attention_params(n_s, 2 * n_a, score, n_e, rng, dtype)
        n_in = 2 * n_a + (V_y if feed_previous else 0)
        post = init_lstm_params(n_in, n_s, V_y, rng, dtype=dtype)
        self.params = {f"enc/{k}": v for k, v in enc.items()}
        self.params.update({f"att/{k}": v for k, v in att.items()})
        self.params.update({k if k in ("W_ya", "b_y") else f"post/{k}": v
                            for k, v in post.items()})

    @classmethod
    def load(cls, path) -> AttentionSeq2Seq:
        """The model saved by :meth:`save` (``model.meta`` holds its metadata)."""
        return cls._from_file(path)

    def _attend(self, s_prev, a, mask):
        return attention_step_forward(s_prev, a, _sub(self.params, "att/"),
                                      self.config["score"], mask,
                                      self.config["energy_activation"])

    def _cell_input(self, context, y_prev):
        """[c<t>; onehot(y<t-1>)] or c<t> (eq. 3), (n_in, m)."""
        if not self.config["feed_previous"]:
            return context
        xp = get_array_module(context)
        onehot = _one_hot(xp.asarray(y_prev).reshape(-1, 1), self.config["n_y"],
                          context.dtype)[:, :, 0]                           # (V_y, m)
        return xp.concatenate([context, onehot], axis=0)

    # ----------------------------------------------------------------- training
    def forward(self, x_ids, x_lengths, y_ids):
        """Logits (V_y, m, T_y) under teacher forcing (eqs. 1-4), and the cache (α inside)."""
        x_ids, x_lengths = self._source(x_ids, x_lengths, "forward")
        xp = get_array_module(x_ids)
        y_ids = self._targets(y_ids, x_ids.shape[0], "AttentionSeq2Seq.forward")
        m, T_y = y_ids.shape
        a, enc_cache = _encode(x_ids, x_lengths, self.params, self.config,
                                       self.dtype)                          # (1)
        mask = xp.arange(a.shape[2])[None, :] < x_lengths[:, None]           # (m, T_x)
        post = _sub(self.params, "post/")
        s_t = xp.zeros((self.config["n_s"], m), self.dtype)                 # s<0> = 0
        c_t = xp.zeros_like(s_t)                                            # c<0> = 0
        y_prev = xp.full((m,), self.bos_id, y_ids.dtype)
        steps, S, alphas = [], [], []
        for t in range(T_y):
            context, alpha, att_cache = self._attend(s_t, a, mask)          # (2)
            x_t = self._cell_input(context, y_prev)
            s_t, c_t, _, cell_cache = lstm_cell_forward(x_t, s_t, c_t, post)  # (3)
            steps.append((att_cache, cell_cache))
            S.append(s_t)
            alphas.append(alpha)
            y_prev = y_ids[:, t]                                            # teacher forcing
        s = xp.stack(S, axis=2)                                             # (n_s, m, T_y)
        logits, _ = output_forward(s, self.params)                          # (4)
        return logits, AttentionSeq2SeqCache(enc_cache, a, steps, s, xp.stack(alphas, axis=1))

    def backward(self, dlogits, cache: AttentionSeq2SeqCache) -> dict:
        """∂J/∂param for every key of :attr:`params` from ∂J/∂logits (V_y, m, T_y)."""
        check_cache(cache, AttentionSeq2SeqCache, "AttentionSeq2Seq.backward")
        dlogits = check_dlogits(dlogits, cache.s, "AttentionSeq2Seq.backward")
        xp = get_array_module(dlogits)
        dS, grads = output_backward(dlogits, cache.s, self.params)         # (4)
        n_a2 = cache.a.shape[0]
        ds_next = xp.zeros_like(dS[:, :, 0])
        dc_next = xp.zeros_like(ds_next)
        da = xp.zeros_like(cache.a)
        acc = {k: xp.zeros_like(v) for k, v in self.params.items()
               if k.startswith(("post/", "att/"))}
        for t in reversed(range(len(cache.steps))):
            att_cache, cell_cache = cache.steps[t]
            dx_t, ds_prev, dc_next, g_cell = lstm_cell_backward(dS[:, :, t] + ds_next, dc_next,
                                                                cell_cache)  # (3)
            ds_att, da_t, g_att = attention_step_backward(dx_t[:n_a2], att_cache)  # (2)
            ds_next = ds_prev + ds_att                                      # both paths to s<t-1>
            da += da_t
            for k, v in g_cell.items():
                if k not in ("W_ya", "b_y"):
                    acc[f"post/{k}"] += v
            for k, v in g_att.items():
                acc[f"att/{k}"] += v
        grads.update(acc)
        grads.update(encoder_backward(da, cache.enc))                       # (1)
        return grads

    def loss(self, batch):
        """(J, grads) of the masked mean cross-entropy (eq. 5); batch = (x_ids, x_lengths,
        y_ids, y_lengths) as made by :meth:`batch`."""
        x_ids, x_lengths, y_ids, y_lengths = self._batch4(batch, "AttentionSeq2Seq.loss")
        logits, cache = self.forward(x_ids, x_lengths, y_ids)
        xp = get_array_module(logits)
        mask = xp.arange(y_ids.shape[1])[None, :] < xp.asarray(y_lengths)[:, None]
        J, dlogits = temporal_cross_entropy(logits, y_ids, mask=mask)       # (5)
        return J, self.backward(dlogits, cache)

    # ----------------------------------------------------------------- decoding
    def init_state(self, x_ids, x_lengths=None):
        """The decoder state for a batch of sources, every array with leading axis m:
        (s (m, n_s), c (m, n_s), a (m, 2 n_a, T_x), mask (m, T_x) bool, alpha (m, T_x))."""
        x_ids, x_lengths = self._source(x_ids, x_lengths, "init_state")
        xp = get_array_module(x_ids)
        a, _ = _encode(x_ids, x_lengths, self.params, self.config, self.dtype)
        m, T_x = x_ids.shape
        mask = xp.arange(T_x)[None, :] < x_lengths[:, None]
        s = xp.zeros((m, self.config["n_s"]), self.dtype)
        return (s, xp.zeros_like(s), xp.ascontiguousarray(a.transpose(1, 0, 2)), mask,
                xp.zeros((m, T_x), self.dtype))

    def decoder_step(self, last_tokens, states, alpha=None):
        """One output step for k hypotheses (eqs. 2-4).

        Parameters
        ----------
        last_tokens : int array (k,), y<t-1> (bos first; ignored unless ``feed_previous``)
        states : tuple from :meth:`init_state` or this method, leading axis k

        Returns
        -------
        log_probs : array (k, V_y)
        new_states : tuple like ``states``; its last entry is this step's α (k, T_x)

        ``alpha`` (k, T_x), optional: use these attention weights instead of the computed ones
        (the heatmap explorer's what-if: "what if step t had looked there?").
        """
        last_tokens = self._states(last_tokens, states, 5, "AttentionSeq2Seq.decoder_step")
        s, c, a_rows, mask, _ = states
        a = a_rows.transpose(1, 0, 2)                                       # (2 n_a, k, T_x)
        if alpha is None:
            context, alpha, _ = self._attend(s.T, a, mask)                  # (2)
        else:
            alpha = get_array_module(a).asarray(alpha, dtype=a.dtype).reshape(mask.shape)
            context = (a * alpha[None]).sum(axis=2)                         # (2) forced α
        x_t = self._cell_input(context, last_tokens)
        s_t, c_t, _, _ = lstm_cell_forward(x_t, s.T, c.T, _sub(self.params, "post/"))  # (3)
        logits, _ = output_forward(s_t, self.params)                        # (4) (V_y, k)
        return log_softmax(logits, axis=0).T, (s_t.T, c_t.T, a_rows, mask, alpha)

    def attention_map(self, x_ids, x_lengths=None, max_len: int = 30, force=None):
        """Greedy decoding of a batch that also returns α: (outputs, alphas) with alphas[i] a
        host array (len(outputs[i]), T_x) for the heatmap. ``force``: {step t (from 0): α row
        (T_x,)} replaces the attention of those steps for every example (what-if)."""
        from seqlab.backend import to_numpy

        f = "AttentionSeq2Seq.attention_map"
        max_len = check_int(max_len, f"{f}(max_len)", 1)
        x_ids, x_lengths = self._source(x_ids, x_lengths, "attention_map")
        xp = get_array_module(x_ids)
        m = x_ids.shape[0]
        force = check_force(force, x_ids.shape[1], f"{f}(force)")
        states = self.init_state(x_ids, x_lengths)
        last = xp.full((m,), self.bos_id, dtype=xp.int64)
        out, alphas, done = [[] for _ in range(m)], [[] for _ in range(m)], [False] * m
        for t in range(max_len):
            forced = None
            if t in force:
                row = xp.asarray(force[t], dtype=self.dtype)                # (T_x,)
                forced = xp.broadcast_to(row, (m, x_ids.shape[1]))
            log_probs, states = self.decoder_step(last, states, alpha=forced)
            last = xp.argmax(log_probs, axis=1)
            for i, tok in enumerate(to_numpy(last).tolist()):
                if not done[i]:
                    out[i].append(int(tok))
                    alphas[i].append(states[4][i])                  # α<t,·> (T_x,)
                    done[i] = tok == self.eos_id
            if all(done):
                break
        return out, [to_numpy(xp.stack(al)) for al in alphas]
