r"""What every seq2seq model here shares: the encoder, batching, greedy decoding, log P(y|x).

*Sequence Models*, week 3, "Basic models" and "Picking the most likely sentence": a model of
P(y<1..T_y> | x) = Π_t P(y<t> | x, y<1..t-1>) is decoded one step at a time by a function
``decoder_step(last_tokens, states) -> (log_probs, new_states)``; greedy decoding and beam
search (:func:`seqlab.seq2seq.beam.beam_search`) only call that function.

Shapes
------
=============  ========================  ===============================================
name           shape                     meaning
=============  ========================  ===============================================
x_ids          (m, T_x) int              source token ids, padded with 0 at the end
x_lengths      (m,) int                  real source lengths in [1, T_x]
y_ids          (m, T_y) int              target ids *ending in eos*, padded with 0
a_enc          (n_dir·n_a, m, T_x)       the encoder's top-layer states a<t'>
last_tokens    (k,) int                  y<t-1> of k hypotheses (bos at the start)
states         tuple of arrays (k, ...)  the decoder's state, leading axis k
log_probs      (k, V)                    log P(y<t> = v | x, y<1..t-1>)
=============  ========================  ===============================================

Equations
---------
(1) a<1..T_x> = encoder(x)                (:func:`encoder_forward`, a deep / bidirectional RNN)
(2) log P(y | x) = Σ_{t=1}^{T_y} log P(y<t> | x, y<1..t-1>), with y<T_y> = eos
(3) greedy: y<t> = argmax_v log P(v | x, y<1..t-1>) until eos or max_len
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from seqlab.backend import get_array_module, load_arrays, save_arrays, to_numpy
from seqlab.rnn.deep import deep_rnn_backward, deep_rnn_forward
from seqlab.rnn.network import one_hot
from seqlab.seq2seq.search import greedy_batch
from seqlab.seq2seq.vocab import TokenVocab

__all__ = ["EncoderCache", "Seq2SeqBase", "encoder_backward", "encoder_forward", "sub_params"]


class EncoderCache(NamedTuple):
    deep: Any           # DeepRNNCache of the encoder
    prefix: str         # "enc/"


def sub_params(params: dict, prefix: str) -> dict:
    """{key without prefix: array} for the keys that start with ``prefix``."""
    return {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}


def encoder_forward(x_ids, x_lengths, params, config, dtype):
    """Encoder states a<t'> (n_dir·n_a, m, T_x), zero on padded steps (eq. 1), and its cache."""
    x = one_hot(x_ids, config["n_x"], dtype)                    # (V_x, m, T_x)
    p = sub_params(params, "enc/")
    a_enc, _, deep = deep_rnn_forward(x, p, config["kind"], config["n_layers"],
                                      lengths=x_lengths,
                                      bidirectional=config["bidirectional"])  # (1)
    return a_enc, EncoderCache(deep, "enc/")


def encoder_backward(da_enc, cache: EncoderCache) -> dict:
    """Gradients of the encoder's params (keys under ``enc/``) from ∂J/∂a<t'>."""
    _, grads = deep_rnn_backward(da_enc, cache.deep)
    return {cache.prefix + k: v for k, v in grads.items()}


class Seq2SeqBase:
    """Batching, decoding and saving on top of a subclass's ``loss``, ``init_state``,
    ``decoder_step`` (module docstring). Subclasses set ``config``, ``params``, the vocabularies
    ``src_vocab`` / ``tgt_vocab`` and ``meta``."""

    bos_id, eos_id, pad_id = TokenVocab.bos_id, TokenVocab.eos_id, TokenVocab.pad_id

    # ----------------------------------------------------------------- batching
    def batch(self, sources, targets=None):
        """Pad token sequences: sources -> (x_ids, x_lengths); with targets (eos appended)
        also (y_ids, y_lengths). A source or target is a str or a sequence of tokens."""
        xs = [self.src_vocab.encode(s) for s in sources]
        x_ids, x_len = self.src_vocab.pad(xs)
        if targets is None:
            return x_ids, x_len
        ys = [self.tgt_vocab.encode(t, eos=True) for t in targets]
        y_ids, y_len = self.tgt_vocab.pad(ys)
        return x_ids, x_len, y_ids, y_len

    def _source(self, x_ids, x_lengths, fname):
        xp = get_array_module(*self.params.values())
        x_ids = xp.asarray(x_ids)
        if x_ids.ndim == 1:
            x_ids = x_ids[None]
        if x_ids.ndim != 2 or x_ids.dtype.kind not in "iu":
            raise ValueError(f"{fname}(x_ids): expected int ids (m, T_x), got "
                             f"{x_ids.dtype} {x_ids.shape}")
        if x_lengths is None:
            x_lengths = (x_ids != self.pad_id).sum(axis=1)
        x_lengths = xp.asarray(x_lengths)
        if x_lengths.shape != (x_ids.shape[0],) or int(x_lengths.min()) < 1:
            raise ValueError(f"{fname}(x_lengths): expected (m,) = ({x_ids.shape[0]},) ints "
                             f">= 1, got {x_lengths.tolist()}")
        return x_ids, x_lengths

    # ----------------------------------------------------------------- decoding
    def greedy(self, x_ids, x_lengths=None, max_len: int = 30) -> list[list[int]]:
        """Greedy decoding (eq. 3) of a batch: per example the token ids without bos, ending in
        eos unless ``max_len`` steps were taken. Same as beam search with width 1."""
        x_ids, x_lengths = self._source(x_ids, x_lengths, "greedy")
        return greedy_batch(self.decoder_step, self.init_state(x_ids, x_lengths),  # (3) argmax
                            x_ids.shape[0], self.bos_id, self.eos_id, max_len)

    def log_prob(self, x_ids, y_seqs, x_lengths=None):
        """log P(y | x) (eq. 2) for a batch: ``y_seqs`` lists of target ids (eos appended when
        missing). Returns a float64 host array (m,)."""
        x_ids, x_lengths = self._source(x_ids, x_lengths, "log_prob")
        if len(y_seqs) != x_ids.shape[0]:
            raise ValueError(f"log_prob(y_seqs): expected {x_ids.shape[0]} sequences, got "
                             f"{len(y_seqs)}")
        ys = [list(map(int, y)) for y in y_seqs]
        ys = [y if y and y[-1] == self.eos_id else y + [self.eos_id] for y in ys]
        xp = get_array_module(x_ids)
        m, T = len(ys), max(len(y) for y in ys)
        states = self.init_state(x_ids, x_lengths)
        last = xp.full((m,), self.bos_id, dtype=xp.int64)
        total = [0.0] * m
        for t in range(T):
            log_probs, states = self.decoder_step(last, states)
            tok = [y[t] if t < len(y) else self.pad_id for y in ys]
            rows = to_numpy(log_probs).tolist()
            for i, y in enumerate(ys):
                if t < len(y):
                    total[i] += rows[i][tok[i]]                  # (2) Σ_t log P(y<t> | ...)
            last = xp.asarray(tok, dtype=xp.int64)
        return to_numpy(xp.asarray(total, dtype=np.float64))

    def translate(self, sources, max_len: int = 30) -> list[list[str]]:
        """Greedy output tokens for source strings / token lists (batched)."""
        x_ids, x_len = self.batch(sources)
        return [self.tgt_vocab.decode(y) for y in self.greedy(x_ids, x_len, max_len)]

    # ----------------------------------------------------------------- saving
    def save(self, path, **meta) -> None:
        """Params, config, vocabularies and ``meta`` (seed, data, metrics) in one .npz."""
        info = dict(self.meta, **meta)
        save_arrays(path, self.params, {"class": type(self).__name__, "config": self.config,
                                        "src": self.src_vocab.to_meta(),
                                        "tgt": self.tgt_vocab.to_meta(), "meta": info})

    @classmethod
    def _from_file(cls, path):
        params, info = load_arrays(path)
        model = cls(TokenVocab.from_meta(info["src"]), TokenVocab.from_meta(info["tgt"]),
                    **info["config"], dtype=next(iter(params.values())).dtype)
        if set(params) != set(model.params):
            raise ValueError(f"{cls.__name__}.load({path!r}): keys {sorted(params)} do not "
                             f"match the config's {sorted(model.params)}")
        model.params = params
        model.meta = info.get("meta", {})
        return model

    @property
    def dtype(self):
        return self.params["W_ya"].dtype

    def __repr__(self) -> str:
        size = sum(int(v.size) for v in self.params.values())
        return f"{type(self).__name__}({self.config}, {size:,} params)"
