r"""A stand-in for spoken digits, and a small bidirectional GRU trained on it with CTC.

Notebook 20 needs a *trained* CTC model to show a lattice and compare decoders, in seconds and
without audio (real synthesized speech is notebook 21's). Each digit 0-9 has its own random
"sound": a fixed feature vector (n_x bins, like one spectrogram column). An utterance of digits
is their sounds, each held for 2-4 frames with a random loudness, separated by 0-2 frames of
silence (at least one between two equal digits, as a speaker pauses between "5 5"), all in
Gaussian noise. Nobody tells the model which frame belongs to which digit: CTC finds out.

Shapes
------
=============  ==================  =======================================================
name           shape               meaning
=============  ==================  =======================================================
x              (n_x, m, T_x)       features per frame, zero-padded past each length
lengths        (m,) int            frames T_b
targets        list of m lists     digit labels 1..10 (label k + 1 is digit k; 0 = blank)
logits         (11, m, T_x)        blank + 10 digits
=============  ==================  =======================================================

Equations
---------
(1) x<t> = g_t · v_{digit(t)} + ε_t,   ε_t ~ N(0, σ² I),  g_t ~ U(0.7, 1.3) per digit
(2) z<t> = W_ya [a→<t>; a←<t>] + b_y   (bidirectional GRU, :class:`seqlab.rnn.RecurrentNetwork`)
(3) J = (1/m) Σ_i CTC(z_i, y_i)         (:func:`seqlab.speech.ctc_loss`), Adam, norm clipping
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from seqlab._validate import check_int, check_number, check_rng, check_sequence
from seqlab.backend import get_array_module, host, to_device
from seqlab.optim import Adam, clip_by_norm
from seqlab.rnn.network import RecurrentNetwork
from seqlab.speech.ctc import ctc_loss
from seqlab.speech.recognition import character_error_rate  # re-exported: one CER

__all__ = ["DIGITS", "ToyBatch", "character_error_rate", "digit_sounds", "make_utterances",
           "train_toy_ctc"]

hp = host                 # NumPy: host-side work (lengths, labels, search, data)

DIGITS = "0123456789"
LABELS = ["_", *DIGITS]      # output k: blank (0), then the digits


@dataclass
class ToyBatch:
    x: np.ndarray            # (n_x, m, T_x) float32
    lengths: np.ndarray      # (m,) int64
    targets: list            # m lists of labels in 1..10
    frames: list = field(default_factory=list)   # m lists: the digit label of each frame


def digit_sounds(n_x: int = 16, seed: int = 20) -> np.ndarray:
    """(10, n_x) one unit-norm non-negative "sound" per digit (fixed by ``seed``)."""
    n_x = check_int(n_x, "digit_sounds(n_x)", 1)
    v = hp.abs(check_rng(seed, "digit_sounds(seed)").normal(size=(10, n_x))) ** 2
    return v / hp.linalg.norm(v, axis=1, keepdims=True) * 2.0


def make_utterances(m: int, rng, n_x: int = 16, digits: tuple[int, int] = (3, 6),
                    noise: float = 0.35, texts=None) -> ToyBatch:
    """m random digit strings of ``digits`` = (min, max) length, rendered by eq. (1); or the
    given ``texts`` (m strings of digits, e.g. "1234")."""
    f = "make_utterances"
    m, n_x = check_int(m, f"{f}(m)", 1), check_int(n_x, f"{f}(n_x)", 1)
    if not (isinstance(digits, tuple | list) and len(digits) == 2):
        raise TypeError(f"{f}(digits): expected a pair (min, max) of lengths, got {digits!r}")
    lo = check_int(digits[0], f"{f}(digits) min", 1)
    check_int(digits[1], f"{f}(digits) max (>= min = {lo})", lo)
    noise = check_number(noise, f"{f}(noise)", 0)
    rng = check_rng(rng, f"{f}(rng)")
    sounds = digit_sounds(n_x)
    if texts is not None:
        texts = check_sequence(texts, f"{f}(texts)", f"{m} strings of digits")
        if len(texts) != m or not all(isinstance(t, str) and t.isdigit() for t in texts):
            raise ValueError(f"{f}(texts): expected {m} non-empty strings of digits, got "
                             f"{list(texts)[:3]}...")
    seqs, frames = [], []
    for i_utt in range(m):
        y = ([int(d) for d in texts[i_utt]] if texts is not None else
             [int(d) for d in rng.integers(0, 10, size=rng.integers(digits[0], digits[1] + 1))])
        lab = [0] * int(rng.integers(0, 3))                          # leading silence
        for i, d in enumerate(y):
            if i and (y[i - 1] == d or rng.random() < 0.5):
                lab += [0] * int(rng.integers(1, 3))                 # pause (always for repeats)
            lab += [d + 1] * int(rng.integers(2, 5))                 # the digit, 2-4 frames
        lab += [0] * int(rng.integers(0, 3))
        seqs.append([d + 1 for d in y])
        frames.append(lab)
    lengths = hp.array([len(f) for f in frames], np.int64)
    x = hp.zeros((n_x, m, int(lengths.max())), np.float32)
    for b, lab in enumerate(frames):
        lab = hp.array(lab)
        gain = rng.uniform(0.7, 1.3, size=len(lab))
        clean = hp.where(lab[:, None] > 0, sounds[hp.maximum(lab - 1, 0)], 0.0) * gain[:, None]
        x[:, b, :len(lab)] = (clean + noise * rng.normal(size=clean.shape)).T   # (1)
    return ToyBatch(x, lengths, seqs, frames)


def train_toy_ctc(steps: int = 300, m: int = 32, n_a: int = 32, lr: float = 0.01,
                  seed: int = 0, progress=None):
    """Train a 1-layer bidirectional GRU with CTC on fresh toy batches (eqs. 2-3).

    Returns (net, losses): the network and the mean CTC loss of every step. ``progress``: an
    optional wrapper of the step range (``tqdm.auto.tqdm``).
    """
    f = "train_toy_ctc"
    steps, m, n_a = (check_int(v, f"{f}({k})", 1) for k, v in (("steps", steps), ("m", m),
                                                                 ("n_a", n_a)))
    lr = check_number(lr, f"{f}(lr)", 0, low_open=True)
    rng = check_rng(seed, f"{f}(seed)")
    net = RecurrentNetwork(16, n_a, len(LABELS), "gru", 1, bidirectional=True, rng=seed)
    xp = get_array_module(*net.params.values())           # the device the batches go to
    opt = Adam(lr=lr)
    losses = []
    steps_iter = range(steps) if progress is None else progress(range(steps))
    for _ in steps_iter:
        batch = make_utterances(m, rng)
        x, lengths = to_device(batch.x, xp), to_device(batch.lengths, xp)
        logits, cache = net.forward(x, lengths=lengths)
        loss, dlogits = ctc_loss(logits, batch.targets, lengths)            # (3)
        grads = net.backward(dlogits / m, cache)
        clip_by_norm(grads, 5.0)
        opt.step(net.params, grads)
        losses.append(float(loss.mean()))
    return net, losses
