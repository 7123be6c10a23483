r"""Speech recognition with CTC: a deep bidirectional GRU/LSTM over log-mel frames.

*Sequence Models*, week 3, "Speech recognition": audio → spectrogram features x<1..T_x> → a
deep bidirectional RNN → one softmax ŷ<t> per frame over the characters and the blank; CTC sums
over the alignments in training and the collapse rule reads the output ("ttt_h_eee___" → "the").
With many more input frames than characters, the input is subsampled first: k consecutive
log-mel frames are stacked into one step (k = 3: 30 ms per step).

Shapes
------
=================  ====================  ====================================================
name               shape                 meaning
=================  ====================  ====================================================
wav                (N,) float32          16 kHz samples
feats              (n_mels·k, T_i)       normalized log-mel frames of one utterance, stacked
x                  (n_x, m, T_x)         a padded batch (n_x = n_mels·k), lengths (m,)
logits             (n_y, m, T_x)         n_y = 1 + len(ALPHABET): blank (0) + characters
targets            (m, S) int            character ids (padded), target_lengths (m,)
=================  ====================  ====================================================

Equations
---------
(1) x<t> = [F<kt>; F<kt+1>; …; F<kt+k-1>],  F = normalize(log mel(wav))   (stacked frames)
(2) z<t> = W_ya [a→<t>; a←<t>] + b_y  from a 2-layer bidirectional GRU/LSTM
(3) J = (1/m) Σ_i -log p(y_i | x_i),  p by CTC (:func:`seqlab.speech.ctc_loss`)
(4) CER = Σ_i edit_distance(ŷ_i, y_i) / Σ_i |y_i|   (characters, spaces included)

Notes
-----
Differs from the lecture: the lecture's pictures show one output per input frame; here k
frames are stacked per step, which shortens T_x k times (the lecture's "1,000 inputs, 19
characters" becomes about 330 steps) and speeds up every step of BPTT.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqlab._validate import (
    CLIP_ADVICE,
    MissingKeyError,
    as_array,
    check_callable,
    check_choice,
    check_finite,
    check_float_dtype,
    check_int,
    check_number,
    check_paired,
    check_path,
    check_sequence,
    got,
    renamed,
)
from seqlab.audio import batch_features, log_mel, normalize, stack_frames
from seqlab.backend import get_array_module, host, to_device, to_numpy
from seqlab.data.speech import ALPHABET, decode_labels, encode_text
from seqlab.functional import log_softmax
from seqlab.npz import load_arrays, save_arrays
from seqlab.optim import Adam, clip_by_norm
from seqlab.rnn.network import RecurrentNetwork
from seqlab.seq2seq.metrics import edit_distance
from seqlab.speech.ctc import ctc_loss
from seqlab.speech.ctc_decode import ctc_greedy_decode, ctc_prefix_beam_search

hp = host                 # NumPy: host-side work (mel filters, lengths, labels)

__all__ = ["PRETRAINED", "SpeechRecognizer", "character_error_rate", "ctc_targets",
           "load_pretrained", "train_recognizer", "utterance_features"]

PRETRAINED = Path(__file__).resolve().parent / "pretrained" / "digits_ctc.npz"


def utterance_features(wav, n_mels: int = 40, stack: int = 3, rate: int = 16000):
    """Eq. (1): wav (N,) -> (n_mels·stack, ceil(T_frames/stack)) float32."""
    return _features(wav, n_mels, stack, rate, "utterance_features(wav)")


def _features(wav, n_mels, stack, rate, where: str):
    fname = where.split("(")[0]
    wav = as_array(wav, where, ndim=1, symbols="(N,) waveform")
    check_finite(wav, where, "samples", "a waveform with NaN or inf has no spectrum")
    n_mels, stack, rate = (check_int(v, f"{fname}({k})", 1) for k, v in (
        ("n_mels", n_mels), ("stack", stack), ("rate", rate)))
    xp = get_array_module(wav)
    F = normalize(log_mel(xp.asarray(wav, dtype=xp.float64), rate=rate, n_mels=n_mels))
    return stack_frames(F, stack).astype(np.float32)


def ctc_targets(texts) -> tuple[np.ndarray, np.ndarray]:
    """Padded character ids (m, S) and lengths (m,) of ``texts`` (ids 1..len(ALPHABET))."""
    texts = check_sequence(texts, "ctc_targets(texts)", "a list of transcripts (str)",
                           empty=False)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"ctc_targets(texts): expected str transcripts, got {got(t)} at {i}")
        bad = sorted(set(t) - set(ALPHABET))
        if bad:
            raise MissingKeyError(f"ctc_targets(texts): expected characters of the alphabet "
                                  f"{ALPHABET!r}, got {bad[0]!r} in item {i}")
    ids = [encode_text(t) for t in texts]
    lens = hp.array([len(i) for i in ids], dtype=np.int64)
    out = hp.zeros((len(ids), max(1, int(lens.max(initial=0)))), dtype=np.int64)
    for r, i in enumerate(ids):
        out[r, :len(i)] = i
    return out, lens


def character_error_rate(hyps, refs) -> float:
    """Eq. (4): total character edit distance over total reference length (texts, or label
    lists as the CTC toy's)."""
    f = "character_error_rate"
    refs, hyps = check_paired(refs, hyps, f, ("refs", "hyps"), "a list of texts or label lists",
                              "hyps")
    for name, seqs in (("hyps", hyps), ("refs", refs)):
        bad = [s for s in seqs if not isinstance(s, str | list | tuple) and not hasattr(s,
                                                                                       "shape")]
        if bad:
            raise TypeError(f"{f}({name}): expected texts or label lists, got {got(bad[0])}")
    total = sum(len(r) for r in refs)
    if total == 0:
        raise ValueError(f"{f}(refs): expected at least one reference character, got only "
                         f"empty references (the rate would divide by 0)")
    return sum(edit_distance(list(h), list(r)) for h, r in zip(hyps, refs, strict=True)) / total


class SpeechRecognizer:
    """A deep bidirectional GRU/LSTM acoustic model trained with CTC (eqs. 1-3).

    Parameters
    ----------
    n_a : hidden size per layer and direction
    kind : "gru" or "lstm"
    n_layers : recurrent layers (each bidirectional)
    n_mels, stack : log-mel bands and frames stacked per step (n_x = n_mels·stack)
    rng : seed of the initial params; dtype : float32 (training) or float64 (gradient checks)
    """

    def __init__(self, n_a: int = 96, kind: str = "gru", n_layers: int = 2, n_mels: int = 40,
                 stack: int = 3, *, rng=0, dtype=np.float32):
        f = "SpeechRecognizer"
        check_choice(kind, ("gru", "lstm", "rnn"), f"{f}(kind)")
        n_a, n_layers, n_mels, stack = (check_int(v, f"{f}({k})", 1) for k, v in (
            ("n_a", n_a), ("n_layers", n_layers), ("n_mels", n_mels), ("stack", stack)))
        dtype = check_float_dtype(dtype, f"{f}(dtype)")
        self.config = dict(n_a=n_a, kind=kind, n_layers=n_layers, n_mels=n_mels, stack=stack)
        self.n_y = len(ALPHABET) + 1                       # blank + characters
        self.net = RecurrentNetwork(n_mels * stack, n_a, self.n_y, kind, n_layers,
                                    bidirectional=True, rng=rng, dtype=dtype)

    @property
    def params(self) -> dict:
        return self.net.params

    def __repr__(self) -> str:
        return f"SpeechRecognizer({self.net!r})"

    def features(self, waves) -> tuple:
        """A batch (x (n_x, m, T_x), lengths (m,)) from a list of waveforms (eq. 1), on the
        device of the model's parameters."""
        f = "SpeechRecognizer.features(waves)"
        if hasattr(waves, "shape"):
            raise TypeError(f"{f}: expected a list of waveforms, got one array of shape "
                            f"{tuple(waves.shape)} (wrap one waveform in a list)")
        waves = check_sequence(waves, f, "a list of waveforms", empty=False)
        feats = [_features(w, self.config["n_mels"], self.config["stack"], 16000, f)
                 for w in waves]
        return self.on_device(*batch_features(feats, dtype=self.net.dtype))

    def on_device(self, *arrays) -> tuple:
        """``arrays`` (host data: features, lengths, targets) moved to the parameters' device."""
        xp = get_array_module(*self.params.values())
        for a in arrays:
            if not hasattr(a, "shape"):
                raise TypeError(f"SpeechRecognizer.on_device(arrays): expected arrays, got "
                                f"{got(a)}")
        return tuple(to_device(a, xp) for a in arrays)

    def forward(self, x, lengths=None):
        """Logits (n_y, m, T_x) (eq. 2) and the cache for :meth:`backward`."""
        return self._forward(x, lengths, "forward")

    def _forward(self, x, lengths, method: str):
        """The network's forward pass; its argument errors are reported as this method's."""
        try:
            return self.net.forward(x, lengths=lengths)
        except (TypeError, ValueError) as e:
            raise renamed(e, "RecurrentNetwork.forward(", f"SpeechRecognizer.{method}(") \
                from None

    def loss(self, x, lengths, targets, target_lengths) -> tuple[float, dict]:
        """Eq. (3): the mean CTC loss of the batch and ∂J/∂param for every param."""
        f = "SpeechRecognizer.loss"
        x = as_array(x, f"{f}(x)", ndim=3, symbols="(n_x, m, T_x)")
        check_finite(x, f"{f}(x)", "features", f"so the loss would not be finite "
                     f"({CLIP_ADVICE})", sep=", ")
        logits, cache = self._forward(x, lengths, "loss")
        try:
            losses, dlogits = ctc_loss(logits, targets, lengths, target_lengths, blank=0,
                                       zero_infinity=True)
        except (TypeError, ValueError) as e:
            raise renamed(e, "ctc_loss(", f"{f}(") from None
        m = x.shape[1]
        grads = self.net.backward(dlogits / m, cache)
        return float(to_numpy(losses).sum()) / m, grads

    def log_probs(self, x, lengths=None):
        """log ŷ (n_y, m, T_x): the per-frame log posteriors of the characters and blank."""
        logits, _ = self._forward(x, lengths, "log_probs")
        return log_softmax(logits, axis=0)

    def transcribe(self, waves=None, *, x=None, lengths=None, method: str = "greedy",
                   beam_width: int = 8) -> list[str]:
        """Texts of ``waves`` (or of a feature batch ``x``, ``lengths``): "greedy" best path
        + collapse, or "beam" prefix beam search (no language model)."""
        f = "SpeechRecognizer.transcribe"
        check_choice(method, ("greedy", "beam"), f"{f}(method)")
        beam_width = check_int(beam_width, f"{f}(beam_width)", 1)
        if x is None:
            if waves is None:
                raise TypeError(f"{f}(waves): expected a list of waveforms (or features x), got "
                                f"None")
            x, lengths = self.features(waves)
        logits, _ = self._forward(x, lengths, "transcribe")
        lp = to_numpy(log_softmax(logits, axis=0)).astype(np.float64)   # (n_y, m, T_x)
        lens = hp.full(lp.shape[1], lp.shape[2]) if lengths is None else to_numpy(lengths)
        if method == "greedy":
            return [decode_labels(ids) for ids in ctc_greedy_decode(lp, lens)]
        return [decode_labels(ctc_prefix_beam_search(lp[:, i, :int(lens[i])], beam_width,
                                                      prune=hp.log(1e-3)).best)
                for i in range(lp.shape[1])]

    def save(self, path, meta: dict | None = None) -> None:
        """Params, config and ``meta`` in one .npz."""
        save_arrays(check_path(path, "SpeechRecognizer.save(path)"), self.params,
                    {"config": self.config, **(meta or {})})

    @classmethod
    def load(cls, path) -> tuple[SpeechRecognizer, dict]:
        """(model, meta) from a file written by :meth:`save`."""
        params, meta = load_arrays(check_path(path, "SpeechRecognizer.load(path)"))
        model = cls(**meta["config"], dtype=params["W_ya"].dtype)
        if set(params) != set(model.params):
            raise ValueError(f"SpeechRecognizer.load({path!r}): keys {sorted(params)} do not "
                             f"match the config's {sorted(model.params)}")
        model.net.params = params
        return model, meta


def load_pretrained(path=PRETRAINED) -> tuple[SpeechRecognizer, dict]:
    """The shipped digit-string recognizer (made by ``python tools/train_speech.py``) and its
    metadata (training data, seed, CER on held-out voices)."""
    return SpeechRecognizer.load(path)


def _buckets(lengths, batch_size, rng):
    """Batches of similar length: shuffle, sort chunks of 8 batches by length, split."""
    order = rng.permutation(len(lengths))
    batches = []
    chunk = 8 * batch_size
    for s in range(0, len(order), chunk):
        part = order[s:s + chunk]
        part = part[hp.argsort([lengths[i] for i in part], kind="stable")]
        batches += [part[j:j + batch_size] for j in range(0, len(part), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def train_recognizer(model: SpeechRecognizer, feats: list, texts: list, epochs: int = 1,
                     batch_size: int = 32, lr: float = 2e-3, clip: float = 5.0, seed: int = 0,
                     optimizer: Adam | None = None, progress: bool = False,
                     callback=None) -> list[float]:
    """Adam + global-norm clipping over ``epochs`` passes of length-bucketed batches.

    ``feats`` are per-utterance features (n_x, T_i) (see :func:`utterance_features`),
    ``texts`` their transcripts. ``callback(step, loss)`` is called after every step.
    Returns the loss of every step.
    """
    f = "train_recognizer"
    if not isinstance(model, SpeechRecognizer):
        raise TypeError(f"{f}(model): expected a SpeechRecognizer, got {got(model)}")
    feats, texts = check_paired(feats, texts, f, ("feats", "texts"), "a list", "texts")
    n_x = model.config["n_mels"] * model.config["stack"]
    for i, F in enumerate(feats):
        if getattr(F, "ndim", None) != 2 or F.shape[0] != n_x:
            raise ValueError(f"{f}(feats): expected (n_x = {n_x}, T_i) features, got "
                             f"{getattr(F, 'shape', got(F))} at {i}")
    epochs, batch_size = (check_int(v, f"{f}({k})", 1) for k, v in (("epochs", epochs),
                                                                      ("batch_size", batch_size)))
    lr = check_number(lr, f"{f}(lr)", 0, low_open=True)
    clip = check_number(clip, f"{f}(clip) (inf: no clipping)", 0, low_open=True, allow_inf=True)
    if callback is not None:
        check_callable(callback, f"{f}(callback)", "a callable callback(step, loss) or None")
    ctc_targets(texts)                                     # the transcripts, checked once
    rng = np.random.default_rng(seed)
    opt = optimizer or Adam(lr=lr)
    history = []
    bar = None
    batches = [b for _ in range(epochs) for b in _buckets([f.shape[1] for f in feats],
                                                            batch_size, rng)]
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(batches), desc="CTC training")
    for step, idx in enumerate(batches):
        x, lengths = batch_features([feats[i] for i in idx], dtype=model.net.dtype)
        targets, target_lengths = ctc_targets([texts[i] for i in idx])
        x, lengths, targets, target_lengths = model.on_device(x, lengths, targets, target_lengths)
        loss, grads = model.loss(x, lengths, targets, target_lengths)
        clip_by_norm(grads, clip)
        opt.step(model.params, grads)
        history.append(loss)
        if callback is not None:
            callback(step, loss)
        if bar is not None:
            bar.update()
            bar.set_postfix(loss=f"{loss:.3f}")
    if bar is not None:
        bar.close()
    return history
