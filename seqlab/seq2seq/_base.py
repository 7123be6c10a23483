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

from seqlab._validate import (
    as_array,
    check_cache,
    check_dict,
    check_ids,
    check_int,
    check_keys,
    check_lengths,
    check_path,
    check_sequence,
    check_str,
    got,
    same_shape,
)
from seqlab.backend import get_array_module, to_numpy
from seqlab.npz import load_arrays, save_arrays
from seqlab.rnn.deep import deep_rnn_backward, deep_rnn_forward
from seqlab.rnn.gru import gru_cell_forward
from seqlab.rnn.lstm import lstm_cell_forward
from seqlab.rnn.network import _one_hot
from seqlab.rnn.rnn import rnn_cell_forward
from seqlab.seq2seq._checks import check_step, check_targets, encode_texts
from seqlab.seq2seq.search import greedy_batch
from seqlab.vocab.tokens import TokenVocab

__all__ = ["EncoderCache", "Seq2SeqBase", "encoder_backward", "encoder_forward", "sub_params"]


class EncoderCache(NamedTuple):
    deep: Any           # DeepRNNCache of the encoder
    prefix: str         # "enc/"


def sub_params(params: dict, prefix: str) -> dict:
    """{key without prefix: array} for the keys that start with ``prefix``."""
    check_dict(params, "sub_params(params)")
    check_str(prefix, "sub_params(prefix)")
    out = _sub(params, prefix)
    if not out:
        raise ValueError(f"sub_params(prefix): expected a prefix of some key, got {prefix!r}; "
                         f"keys: {sorted(params)[:8]}")
    return out


def _sub(params: dict, prefix: str) -> dict:
    return {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}


CONFIG_KEYS = ("n_x", "kind", "n_layers", "bidirectional")


def encoder_forward(x_ids, x_lengths, params, config, dtype):
    """Encoder states a<t'> (n_dir·n_a, m, T_x), zero on padded steps (eq. 1), and its cache."""
    f = "encoder_forward"
    check_keys(config, CONFIG_KEYS, f"{f}(config)", extra=True)
    check_dict(params, f"{f}(params)")
    x_ids = check_ids(as_array(x_ids, f"{f}(x_ids)", "int", ndim=2, symbols="(m, T_x)"),
                      config["n_x"], f"{f}(x_ids)")
    x_lengths = check_lengths(x_lengths, x_ids.shape[0], x_ids.shape[1], f"{f}(x_lengths)")
    return _encode(x_ids, x_lengths, params, config, dtype)


def _encode(x_ids, x_lengths, params, config, dtype):
    """:func:`encoder_forward` on checked ids and lengths (the models check them once)."""
    x = _one_hot(x_ids, config["n_x"], dtype)                   # (V_x, m, T_x)
    p = _sub(params, "enc/")
    a_enc, _, deep = deep_rnn_forward(x, p, config["kind"], config["n_layers"],
                                      lengths=x_lengths,
                                      bidirectional=config["bidirectional"])  # (1)
    return a_enc, EncoderCache(deep, "enc/")


def encoder_backward(da_enc, cache: EncoderCache) -> dict:
    """Gradients of the encoder's params (keys under ``enc/``) from ∂J/∂a<t'>."""
    check_cache(cache, EncoderCache, "encoder_backward")
    da_enc = same_shape(da_enc, cache.deep.a[-1], "encoder_backward(da_enc)",
                        "a_enc (n_dir·n_a, m, T_x)")
    _, _, grads = deep_rnn_backward(da_enc, cache.deep)
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
        f = self._name("batch")
        xs = encode_texts(self.src_vocab, sources, f"{f}(sources)", False)
        x_ids, x_len = self.src_vocab.pad(xs)
        if targets is None:
            return x_ids, x_len
        ys = encode_texts(self.tgt_vocab, targets, f"{f}(targets)", True)
        if len(ys) != len(xs):
            raise ValueError(f"{f}(targets): expected {len(xs)} targets, one per source, got "
                             f"{len(ys)}")
        y_ids, y_len = self.tgt_vocab.pad(ys)
        return x_ids, x_len, y_ids, y_len

    def _name(self, method: str) -> str:
        return f"{type(self).__name__}.{method}"

    def _source(self, x_ids, x_lengths, method):
        """Checked (x_ids (m, T_x) on the params' device, x_lengths (m,)); one source
        (T_x,) is a batch of one."""
        fname = self._name(method)
        xp = get_array_module(*self.params.values())
        x_ids = as_array(x_ids, f"{fname}(x_ids)", "int", ndim=(1, 2), symbols="(m, T_x)")
        x_ids = xp.asarray(check_ids(x_ids, self.config["n_x"], f"{fname}(x_ids)"))
        if x_ids.ndim == 1:
            x_ids = x_ids[None]
        if x_lengths is None:
            x_lengths = (x_ids != self.pad_id).sum(axis=1)
        x_lengths = xp.asarray(check_lengths(x_lengths, x_ids.shape[0], x_ids.shape[1],
                                             f"{fname}(x_lengths)"))
        return x_ids, x_lengths

    def _targets(self, y_ids, m: int, fname: str):
        """Target ids (m, T_y) < V_y on the params' device."""
        return check_targets(y_ids, m, self.config["n_y"], fname,
                             get_array_module(*self.params.values()))

    def _batch4(self, batch, fname: str) -> tuple:
        """(x_ids, x_lengths, y_ids, y_lengths), y_lengths checked in [1, T_y]."""
        if not isinstance(batch, tuple | list) or len(batch) != 4:
            raise TypeError(f"{fname}(batch): expected a batch (x_ids, x_lengths, y_ids, "
                            f"y_lengths) as made by batch(), got {got(batch)}"
                            + (f" of {len(batch)}" if isinstance(batch, tuple | list) else ""))
        x_ids, x_lengths, y_ids, y_lengths = batch
        y = as_array(y_ids, f"{fname}(batch) y_ids", "int", ndim=2, symbols="(m, T_y)")
        check_lengths(y_lengths, y.shape[0], y.shape[1], f"{fname}(batch) y_lengths")
        return x_ids, x_lengths, y_ids, y_lengths

    def _states(self, last_tokens, states, n: int, fname: str):
        return check_step(last_tokens, states, n, self.config["n_y"], fname)

    # ----------------------------------------------------------------- decoding
    def greedy(self, x_ids, x_lengths=None, max_len: int = 30) -> list[list[int]]:
        """Greedy decoding (eq. 3) of a batch: per example the token ids without bos, ending in
        eos unless ``max_len`` steps were taken. Same as beam search with width 1."""
        max_len = check_int(max_len, f"{self._name('greedy')}(max_len)", 1)
        x_ids, x_lengths = self._source(x_ids, x_lengths, "greedy")
        return greedy_batch(self.decoder_step, self.init_state(x_ids, x_lengths),  # (3) argmax
                            x_ids.shape[0], self.bos_id, self.eos_id, max_len)

    def log_prob(self, x_ids, y_seqs, x_lengths=None):
        """log P(y | x) (eq. 2) for a batch: ``y_seqs`` lists of target ids (eos appended when
        missing). Returns a float64 host array (m,)."""
        f = self._name("log_prob")
        x_ids, x_lengths = self._source(x_ids, x_lengths, "log_prob")
        y_seqs = check_sequence(y_seqs, f"{f}(y_seqs)", "a list of target id lists")
        if len(y_seqs) != x_ids.shape[0]:
            raise ValueError(f"{f}(y_seqs): expected {x_ids.shape[0]} sequences, got "
                             f"{len(y_seqs)}")
        ys = [to_numpy(check_ids(as_array(y, f"{f}(y_seqs)", "int", ndim=1, symbols="of id "
                                          "lists"), self.config["n_y"], f"{f}(y_seqs)")).tolist()
              for y in y_seqs]
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
        f = self._name("translate")
        max_len = check_int(max_len, f"{f}(max_len)", 1)
        check_sequence(sources, f"{f}(sources)", "a list of str or token lists", empty=False)
        x_ids, x_len = self.batch(sources)
        return [self.tgt_vocab.decode(y) for y in self.greedy(x_ids, x_len, max_len)]

    # ----------------------------------------------------------------- saving
    def save(self, path, **meta) -> None:
        """Params, config, vocabularies and ``meta`` (seed, data, metrics) in one .npz."""
        info = dict(self.meta, **meta)
        path = check_path(path, f"{self._name('save')}(path)")
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


def decoder_cell(kind: str, x_t, states: tuple, p: dict) -> tuple:
    """One step of a decoder's rnn / gru / lstm cell on k hypotheses: x_t (n_x, k), states
    (k, n_a) each -> (a (n_a, k), new states (k, n_a) each)."""
    if kind == "lstm":
        a, c, _, _ = lstm_cell_forward(x_t, states[0].T, states[1].T, p)
        return a, (a.T, c.T)
    cell = gru_cell_forward if kind == "gru" else rnn_cell_forward
    a, _, _ = cell(x_t, states[0].T, p)
    return a, (a.T,)
