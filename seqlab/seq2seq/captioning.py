r"""Image captioning: a ConvNet encodes the image, its code is the first state of an RNN decoder.

*Sequence Models*, week 3, "Basic models" (Mao et al. 2014; Vinyals et al. 2014; Karpathy &
Fei-Fei 2015): replace the encoder RNN of a sequence-to-sequence model by a convolutional
network; the decoder is the same conditional language model P(y | x), x now an image.

Shapes
------
==================  =====================  ============================================
name                shape                  meaning
==================  =====================  ============================================
images              (m, 3, H, W)           RGB in [0, 1] (:mod:`seqlab.data.scenes`)
h1                  (m, F1, H/2, W/2)      relu(conv1(x)), 3x3, stride 2, pad 1
h2                  (m, F2, H/4, W/4)      relu(conv2(h1)), 3x3, stride 2, pad 1
v                   (n_v, m)               the image code, h2 flattened: n_v = F2·H·W/16
a0, c0              (n_a, m)               the decoder's first hidden (and LSTM memory) state
y_ids, y_lengths    (m, T_y) int, (m,)     caption ids ending in eos, padded with 0
logits              (V, m, T_y)            W_ya a<t> + b_y
conv1/W, conv1/b    (F1, 3, 3, 3), (F1,)
conv2/W, conv2/b    (F2, F1, 3, 3), (F2,)
enc/W_a, enc/b_a    (n_a, n_v), (n_a, 1)   eq. (3); enc/W_c, enc/b_c likewise (LSTM)
dec/l1/...          the cell, n_x = V      decoder cell reading onehot(y<t-1>)
W_ya, b_y           (V, n_a), (V, 1)       output layer
==================  =====================  ============================================

Equations
---------
.. math::

    (1)\ h_1 = \mathrm{relu}(\mathrm{conv}_1(x)),\ h_2 = \mathrm{relu}(\mathrm{conv}_2(h_1))
    \qquad (2)\ v = \mathrm{flatten}(h_2)

    (3)\ a^{\langle 0\rangle} = \tanh(W_a v + b_a), \quad
    c^{\langle 0\rangle} = \tanh(W_c v + b_c) \ \text{(LSTM)}

    (4)\ a^{\langle t\rangle} = \mathrm{cell}(a^{\langle t-1\rangle},
        \mathrm{onehot}(y^{\langle t-1\rangle})),\ y^{\langle 0\rangle} = \mathrm{bos} \qquad
    (5)\ P(y^{\langle t\rangle} | x, y^{\langle <t\rangle}) = \mathrm{softmax}(W_{ya}
        a^{\langle t\rangle} + b_y)

    (6)\ J = -\frac{1}{N}\sum_{i,\,t \le T_y^{(i)}} \log P(y^{(i)\langle t\rangle} | \ldots)
    \quad\text{(teacher forcing, padded steps masked)}

Backward: (5) :func:`seqlab.rnn.output_backward`; (4) BPTT of the decoder, which also returns
∂J/∂a<0> and ∂J/∂c<0> (:func:`seqlab.rnn.deep_rnn_backward`); (3)
:func:`seqlab.layers.dense.dense_backward`, the two paths summed into ∂J/∂v; (2) a reshape;
(1) relu' = 1[h > 0] and :func:`seqlab.layers.conv2d.conv2d_backward`.

Notes
-----
Differs from the lecture: the lecture's encoder is a pretrained AlexNet without its softmax;
here a two-layer ConvNet is trained from scratch with the decoder (the images are synthetic
and small). The image enters only through the initial state, as in the lecture's drawing.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from seqlab._validate import (
    as_array,
    check_cache,
    check_int,
    check_lengths,
    check_number,
    check_path,
    got,
)
from seqlab.arrays import randn, zeros
from seqlab.backend import get_array_module
from seqlab.functional import log_softmax
from seqlab.layers.conv2d import conv2d_backward, conv2d_forward
from seqlab.layers.dense import dense_backward, dense_forward
from seqlab.losses import temporal_cross_entropy
from seqlab.npz import load_arrays, save_arrays
from seqlab.rnn.deep import deep_rnn_backward, deep_rnn_forward, init_deep_rnn_params
from seqlab.rnn.network import _one_hot
from seqlab.rnn.rnn import output_backward, output_forward
from seqlab.seq2seq._base import _sub, decoder_cell
from seqlab.seq2seq._checks import (
    check_dlogits,
    check_encoder_grads,
    check_image_encoder,
    check_model_args,
    check_scenes,
    check_step,
    check_targets,
    encode_texts,
)
from seqlab.seq2seq.beam import _check_alpha, beam_search
from seqlab.seq2seq.bleu import corpus_bleu
from seqlab.seq2seq.search import greedy_batch
from seqlab.seq2seq.train import train_seq2seq
from seqlab.vocab.tokens import TokenVocab

__all__ = ["CaptionerCache", "ImageCaptioner", "ImageEncoderCache", "caption_metrics",
           "image_encoder_backward", "image_encoder_forward", "train_captioner"]

PRETRAINED = Path(__file__).resolve().parent / "pretrained" / "captioning.npz"


class ImageEncoderCache(NamedTuple):
    conv1: Any          # Conv2DCache
    h1: Any             # (m, F1, H/2, W/2) relu output
    conv2: Any
    h2: Any             # (m, F2, H/4, W/4)
    state: Any          # DenseCache of a0 (3)
    memory: Any         # DenseCache of c0 (3), None without an LSTM


def image_encoder_forward(images, params: dict, lstm: bool = True):
    """The image code v and the decoder's first states a<0>, c<0> (eqs. 1-3).

    Parameters
    ----------
    images : array (m, 3, H, W)
    params : dict with conv1/W, conv1/b, conv2/W, conv2/b, enc/W_a, enc/b_a (and enc/W_c,
        enc/b_c when ``lstm``)
    lstm : bool, also compute c<0>

    Returns
    -------
    a0 : array (n_a, m)
    c0 : array (n_a, m), or None unless ``lstm``
    cache : ImageEncoderCache
    """
    images = check_image_encoder(images, params, lstm)
    xp = get_array_module(images)
    z1, conv1 = conv2d_forward(images, params["conv1/W"], params["conv1/b"], 2, 1)
    h1 = xp.maximum(z1, 0)                                  # (1) relu     (m, F1, H/2, W/2)
    z2, conv2 = conv2d_forward(h1, params["conv2/W"], params["conv2/b"], 2, 1)
    h2 = xp.maximum(z2, 0)                                  # (1) relu     (m, F2, H/4, W/4)
    v = h2.reshape(h2.shape[0], -1).T                       # (2) flatten  (n_v, m)
    a0, state = dense_forward(v, params["enc/W_a"], params["enc/b_a"], "tanh")    # (3) a<0>
    c0 = memory = None
    if lstm:
        c0, memory = dense_forward(v, params["enc/W_c"], params["enc/b_c"], "tanh")  # (3) c<0>
    return a0, c0, ImageEncoderCache(conv1, h1, conv2, h2, state, memory)


def image_encoder_backward(da0, dc0, cache: ImageEncoderCache) -> dict:
    """Gradients of the encoder's params from ∂J/∂a<0> (n_a, m) and ∂J/∂c<0> (or None)."""
    da0, dc0 = check_encoder_grads(da0, dc0, cache, ImageEncoderCache)
    dv, g = dense_backward(da0, cache.state)                # (3) a<0> path
    grads = {"enc/W_a": g["W"], "enc/b_a": g["b"]}
    if cache.memory is not None:
        dv_c, g = dense_backward(dc0, cache.memory)         # (3) c<0> path
        dv = dv + dv_c                                      # v feeds both: gradients add
        grads.update({"enc/W_c": g["W"], "enc/b_c": g["b"]})
    dh2 = dv.T.reshape(cache.h2.shape)                      # (2) un-flatten (m, F2, ., .)
    dh1, g = conv2d_backward(dh2 * (cache.h2 > 0), cache.conv2)   # (1) relu', conv2
    grads.update({"conv2/W": g["W"], "conv2/b": g["b"]})
    _, g = conv2d_backward(dh1 * (cache.h1 > 0), cache.conv1)     # (1) relu', conv1
    grads.update({"conv1/W": g["W"], "conv1/b": g["b"]})
    return grads


class CaptionerCache(NamedTuple):
    enc: ImageEncoderCache
    dec: Any            # DeepRNNCache of the decoder (one layer)
    a: Any              # (n_a, m, T_y) decoder states


class ImageCaptioner:
    """ConvNet encoder -> a<0> (c<0>) -> RNN decoder -> softmax (module docstring).

    Parameters
    ----------
    vocab : TokenVocab of the captions (:func:`seqlab.data.scenes.scene_vocab`)
    n_a : int, decoder hidden size
    kind : "rnn", "gru" or "lstm", the decoder cell
    channels : (F1, F2), filters of the two convolutions
    image_size : int, H = W of the images (a multiple of 4)
    rng : int seed or numpy Generator
    dtype : float32 (training) or float64 (gradient checks)
    """

    bos_id, eos_id, pad_id = TokenVocab.bos_id, TokenVocab.eos_id, TokenVocab.pad_id

    def __init__(self, vocab: TokenVocab, n_a: int = 64, kind: str = "lstm",
                 channels: tuple = (8, 16), image_size: int = 24, *, rng=0, dtype=np.float32):
        sizes, dtype, rng = check_model_args("ImageCaptioner", {"vocab": vocab}, kind, dtype, rng,
                                             {}, n_a=n_a, image_size=image_size)
        n_a, image_size = sizes["n_a"], sizes["image_size"]
        if image_size % 4:
            raise ValueError(f"ImageCaptioner(image_size): expected a multiple of 4, got "
                             f"{image_size!r}")
        if not isinstance(channels, tuple | list) or len(channels) != 2:
            raise TypeError(f"ImageCaptioner(channels): expected a pair (F1, F2), got "
                            f"{got(channels)}")
        F1, F2 = (check_int(c, "ImageCaptioner(channels)", 1) for c in channels)
        self.vocab, self.meta = vocab, {}
        self.config = dict(n_a=n_a, kind=kind, channels=[F1, F2], image_size=image_size)
        n_v = F2 * (image_size // 4) ** 2
        p = {"conv1/W": randn(rng, (F1, 3, 3, 3), math.sqrt(2 / 27), dtype),   # He init
             "conv1/b": zeros((F1,), dtype),
             "conv2/W": randn(rng, (F2, F1, 3, 3), math.sqrt(2 / (9 * F1)), dtype),
             "conv2/b": zeros((F2,), dtype)}
        for s in ("a", "c") if kind == "lstm" else ("a",):
            p[f"enc/W_{s}"] = randn(rng, (n_a, n_v), 1 / math.sqrt(n_v), dtype)
            p[f"enc/b_{s}"] = zeros((n_a, 1), dtype)
        dec = init_deep_rnn_params(len(vocab), n_a, len(vocab), 1, kind, rng, dtype=dtype)
        p.update({k if k in ("W_ya", "b_y") else f"dec/{k}": v for k, v in dec.items()})
        self.params = p

    @property
    def dtype(self):
        return self.params["W_ya"].dtype

    @property
    def lstm(self) -> bool:
        return self.config["kind"] == "lstm"

    def __repr__(self) -> str:
        size = sum(int(v.size) for v in self.params.values())
        return f"ImageCaptioner({self.config}, {size:,} params)"

    # ----------------------------------------------------------------- training
    def _images(self, images, fname, arg="images", ndim=(3, 4)):
        """Images (m, 3, H, W) (one image (3, H, W): m = 1) on the params' device, dtype."""
        xp = get_array_module(*self.params.values())
        S = self.config["image_size"]
        images = as_array(images, f"{fname}({arg})", ndim=ndim, symbols=f"(m, 3, {S}, {S})")
        images = xp.asarray(images, dtype=self.dtype)
        if images.ndim == 3:
            images = images[None]
        if images.shape[1:] != (3, S, S):
            raise ValueError(f"{fname}({arg}): expected (m, 3, {S}, {S}), got {images.shape}")
        return images

    def batch(self, images, captions):
        """(images (m, 3, H, W), y_ids (m, T_y), y_lengths (m,)) from m images and m captions
        (token lists; eos appended)."""
        if isinstance(images, list | tuple):
            xp = get_array_module(*self.params.values())
            images = xp.stack([xp.asarray(im) for im in images])          # (m, 3, H, W)
        images = self._images(images, "ImageCaptioner.batch")
        ys = encode_texts(self.vocab, captions, "ImageCaptioner.batch(captions)", True, True)
        if len(ys) != images.shape[0]:
            raise ValueError(f"ImageCaptioner.batch(captions): expected {images.shape[0]} "
                             f"captions, one per image, got {len(ys)}")
        xp = get_array_module(images)
        y_ids, y_len = self.vocab.pad(ys)
        return images, xp.asarray(y_ids), xp.asarray(y_len)

    def forward(self, images, y_ids, y_lengths=None):
        """Logits (V, m, T_y) under teacher forcing (eqs. 1-5), and the cache. NaN in the
        images passes through to the logits (the loss refuses it)."""
        f = "ImageCaptioner.forward"
        images = self._images(images, f)
        xp = get_array_module(images)
        y_ids = check_targets(y_ids, images.shape[0], len(self.vocab), f, xp)
        m = y_ids.shape[0]
        if y_lengths is not None:
            check_lengths(y_lengths, m, y_ids.shape[1], f"{f}(y_lengths)")
        a0, c0, enc = image_encoder_forward(images, self.params, self.lstm)    # (1-3)
        y_prev = xp.concatenate([xp.full((m, 1), self.bos_id, y_ids.dtype), y_ids[:, :-1]],
                                axis=1)                                         # y<0..T_y-1>
        x_dec = _one_hot(y_prev, len(self.vocab), self.dtype)                  # (V, m, T_y)
        a, _, dec = deep_rnn_forward(x_dec, _sub(self.params, "dec/"), self.config["kind"],
                                     1, a0=a0[None], c0=None if c0 is None else c0[None],
                                     lengths=y_lengths)                         # (4)
        logits, _ = output_forward(a, self.params)                              # (5)
        return logits, CaptionerCache(enc, dec, a)

    def backward(self, dlogits, cache: CaptionerCache) -> dict:
        """∂J/∂param for every key of :attr:`params` from ∂J/∂logits (V, m, T_y)."""
        check_cache(cache, CaptionerCache, "ImageCaptioner.backward")
        dlogits = check_dlogits(dlogits, cache.a, "ImageCaptioner.backward")
        da, grads = output_backward(dlogits, cache.a, self.params)              # (5)
        _, (da0, dc0), g_dec = deep_rnn_backward(da, cache.dec)                 # (4)
        grads.update({f"dec/{k}": v for k, v in g_dec.items() if k not in ("W_ya", "b_y")})
        grads.update(image_encoder_backward(da0[0], None if dc0 is None else dc0[0],
                                            cache.enc))                         # (3-1)
        return grads

    def loss(self, batch):
        """(J, grads) of the masked mean cross-entropy (eq. 6); batch from :meth:`batch`."""
        if not isinstance(batch, tuple | list) or len(batch) != 3:
            raise TypeError(f"ImageCaptioner.loss(batch): expected a batch (images, y_ids, "
                            f"y_lengths) as made by batch(), got {got(batch)}")
        images, y_ids, y_lengths = batch
        logits, cache = self.forward(images, y_ids, y_lengths)
        xp = get_array_module(logits)
        mask = xp.arange(y_ids.shape[1])[None, :] < xp.asarray(y_lengths)[:, None]
        J, dlogits = temporal_cross_entropy(logits, y_ids, mask=mask)           # (6)
        return J, self.backward(dlogits, cache)

    # ----------------------------------------------------------------- decoding
    def init_state(self, images):
        """The decoder's first state for m images: (a0,) or (a0, c0), each (m, n_a)."""
        a0, c0, _ = image_encoder_forward(self._images(images, "ImageCaptioner.init_state"),
                                          self.params, self.lstm)
        return (a0.T.copy(),) if c0 is None else (a0.T.copy(), c0.T.copy())

    def decoder_step(self, last_tokens, states):
        """One decoder step for k hypotheses (eqs. 4-5): ``last_tokens`` (k,) int, ``states``
        a tuple of (k, n_a) -> (log_probs (k, V), new states); the ``step_fn`` of
        :func:`seqlab.seq2seq.beam_search`."""
        last = check_step(last_tokens, states, 2 if self.lstm else 1, len(self.vocab),
                          "ImageCaptioner.decoder_step")
        xp = get_array_module(states[0])
        x_t = _one_hot(xp.asarray(last).reshape(-1, 1), len(self.vocab), self.dtype)[:, :, 0]
        a, new = decoder_cell(self.config["kind"], x_t, states, _sub(self.params, "dec/l1/"))
        logits, _ = output_forward(a, self.params)                             # (5) (V, k)
        return log_softmax(logits, axis=0).T, new

    def greedy(self, images, max_len: int = 16) -> list[list[int]]:
        """Greedy captions of a batch: per image the ids without bos, ending in eos unless
        ``max_len`` tokens were emitted (the same as beam search with width 1)."""
        max_len = check_int(max_len, "ImageCaptioner.greedy(max_len)", 1)
        states = self.init_state(self._images(images, "ImageCaptioner.greedy"))
        return greedy_batch(self.decoder_step, states, states[0].shape[0], self.bos_id,
                            self.eos_id, max_len)

    def beam(self, image, beam_width: int = 3, alpha: float = 0.7, max_len: int = 16):
        """:func:`seqlab.seq2seq.beam_search` over this decoder for one image (3, H, W)."""
        f = "ImageCaptioner.beam"
        beam_width = check_int(beam_width, f"{f}(beam_width)", 1)
        max_len = check_int(max_len, f"{f}(max_len)", 1)
        state = self.init_state(self._images(image, f, "image", ndim=3))
        return beam_search(self.decoder_step, state, self.bos_id, self.eos_id, beam_width,
                           max_len, _check_alpha(alpha, f))

    def caption(self, images, beam_width: int = 1, alpha: float = 0.7,
                max_len: int = 16) -> list[list[str]]:
        """Captions (token lists) of m images: greedy (batched) for width 1, else beam."""
        f = "ImageCaptioner.caption"
        images = self._images(images, f)
        beam_width, max_len = (check_int(v, f"{f}({k})", 1) for k, v in (
            ("beam_width", beam_width), ("max_len", max_len)))
        _check_alpha(alpha, f)
        if beam_width == 1:
            return [self.vocab.decode(y) for y in self.greedy(images, max_len)]
        return [self.vocab.decode(self.beam(im, beam_width, alpha, max_len).best)
                for im in images]

    # ----------------------------------------------------------------- saving
    def save(self, path, **meta) -> None:
        """Params, config, vocabulary and ``meta`` (seed, data, metrics) in one .npz."""
        save_arrays(check_path(path, "ImageCaptioner.save(path)"), self.params, {
            "class": "ImageCaptioner", "config": self.config, "vocab": self.vocab.to_meta(),
            "meta": dict(self.meta, **meta)})

    @classmethod
    def pretrained(cls) -> ImageCaptioner:
        """The shipped model, ``pretrained/captioning.npz`` (made by
        ``tools/train_captioning.py``; its ``meta`` holds the seed, data and test scores)."""
        return cls.load(PRETRAINED)

    @classmethod
    def load(cls, path) -> ImageCaptioner:
        """The model saved by :meth:`save` (``model.meta`` holds its metadata)."""
        params, info = load_arrays(check_path(path, "ImageCaptioner.load(path)"))
        if info.get("class") != "ImageCaptioner":
            raise ValueError(f"ImageCaptioner.load(path): {path!r} holds no ImageCaptioner")
        model = cls(TokenVocab.from_meta(info["vocab"]), **info["config"],
                    dtype=params["W_ya"].dtype)
        if set(params) != set(model.params):
            raise ValueError(f"ImageCaptioner.load({path!r}): keys {sorted(params)} do not "
                             f"match the config's {sorted(model.params)}")
        model.params, model.meta = params, info.get("meta", {})
        return model


def caption_metrics(model: ImageCaptioner, scenes, beam_width: int = 1, alpha: float = 0.7,
                    max_len: int = 16) -> dict:
    """Corpus BLEU-4 (every reference of an image counts, :func:`corpus_bleu`) and the
    exact-match rate (the caption equals one of the references) of ``model`` on ``scenes``
    (a :class:`seqlab.data.scenes.SceneSet`); also the captions themselves."""
    check_scenes(model, scenes, "caption_metrics", ImageCaptioner)
    for k, v in (("beam_width", beam_width), ("max_len", max_len)):
        check_int(v, f"caption_metrics({k})", 1)
    _check_alpha(alpha, "caption_metrics")
    hyps = model.caption(scenes.images, beam_width, alpha, max_len)
    bleu = corpus_bleu(hyps, scenes.refs)
    exact = sum(h in refs for h, refs in zip(hyps, scenes.refs, strict=True)) / len(hyps)
    return {"bleu": bleu.score, "exact": exact, "hypotheses": hyps, "result": bleu}


def train_captioner(model: ImageCaptioner, scenes, *, steps: int = 2000, batch_size: int = 64,
                    lr: float = 3e-3, seed: int = 0, time_limit: float | None = None,
                    log=print, evaluate=None, eval_every: int = 500) -> dict:
    """Train on every (image, reference) pair of ``scenes`` with Adam and gradient clipping
    (:func:`seqlab.seq2seq.train.train_seq2seq`): an image with two correct captions is seen
    with each, so the decoder learns both phrasings. Returns the training history."""
    check_scenes(model, scenes, "train_captioner", ImageCaptioner)
    check_int(steps, "train_captioner(steps)", 1)
    check_number(lr, "train_captioner(lr)", 0, low_open=True)
    sources = [im for im, refs in zip(scenes.images, scenes.refs, strict=True) for _ in refs]
    targets = [r for refs in scenes.refs for r in refs]
    return train_seq2seq(model, sources, targets, steps=steps, batch_size=batch_size, lr=lr,
                         seed=seed, time_limit=time_limit, log=log, evaluate=evaluate,
                         eval_every=eval_every)
