r"""Trigger-word detection: Conv1D -> ReLU -> dropout -> GRU -> GRU -> per-step sigmoid.

*Sequence Models*, week 3, "Trigger Word Detection": the network reads a 10 s spectrogram and
outputs, at every output step, the probability that the trigger word ("activate") has JUST
ended. The Conv1D (k = 15, stride 4) extracts low-level features and shortens the sequence;
two unidirectional GRUs (real-time: no look-ahead) carry the context; a dense sigmoid per step
(Keras's ``TimeDistributed(Dense(1, activation="sigmoid"))``) gives ŷ<t>.

Shapes
------
==================  =====================  =========================================
name                shape                  meaning
==================  =====================  =========================================
x                   (n_x, m, T_x)          log-mel frames (40, m, 1112)
W_conv, b_conv      (n_f, n_x, 15), (n_f,1)  Conv1D, stride 4
z1, r1              (n_f, m, T_y)          conv output, after ReLU (and dropout)
a1, a2              (n_a, m, T_y)          the two GRUs' c<t> (= a<t>)
W_y, b_y            (1, n_a), (1, 1)       the per-step dense layer
logits, y_hat, y    (1, m, T_y)            z<t>, ŷ<t> = σ(z<t>), labels
==================  =====================  =========================================
GRU parameters are ``gru1_W_u`` ... ``gru2_b_c`` (the lecture's full GRU, :mod:`seqlab.rnn.gru`).

Equations
---------
(1) z1 = Conv1D(x; W_conv, b_conv, stride 4)     (2) r1 = dropout(max(z1, 0))
(3) a1 = GRU₁(r1)    (4) a2 = GRU₂(dropout(a1))   (5) ŷ<t> = σ(W_y a2<t> + b_y)
(6) J = -(1/(m T_y)) Σ_{i,t} [y<t> log ŷ<t> + (1 - y<t>) log(1 - ŷ<t>)]
Backward: dz<t> = (ŷ<t> - y<t>)/(m T_y); dW_y = Σ dz a2ᵀ; da2 = W_yᵀ dz; GRU₂ and GRU₁ by
BPTT; dr1 through dropout; dz1 = dr1 ⊙ 1[z1 > 0]; Conv1D backward.

Detection: a detection at output step t when ŷ<t> ≥ threshold and no detection in the
previous ``refractory`` steps (the course's ``chime_on_activate`` waits 75 of 1375 steps; here
15 of 275, the same 545 ms). A detection at time d (ms, the end of step t) is a TRUE POSITIVE
when it falls in [e - 100, e + 500] ms around the end e of a real "activate" not yet matched
(greedy, in time order); precision = TP / detections, recall = TP / "activate"s, F1 their
harmonic mean, counted over all clips.

Notes
-----
Differs from the lecture: no batch normalization (the course's model has three BN layers);
the features are normalized per clip and band instead (:func:`seqlab.audio.normalize`),
which trains stably here. Smaller layers (n_f = 64 filters and n_a = 64 units for the course's
196 and 128), one dropout after the conv and one between the GRUs.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from seqlab._validate import (
    CLIP_ADVICE,
    as_array,
    check_bool,
    check_cache,
    check_finite,
    check_float_dtype,
    check_int,
    check_keys,
    check_number,
    check_path,
    check_rng,
    check_sequence,
    check_shape,
    fmt,
    got,
)
from seqlab.arrays import randn, zeros
from seqlab.backend import get_array_module, host, to_device, to_numpy
from seqlab.functional import log_sigmoid, sigmoid
from seqlab.layers.conv1d import conv1d_backward, conv1d_forward
from seqlab.layers.dropout import dropout_backward, dropout_forward
from seqlab.losses import binary_cross_entropy
from seqlab.npz import load_arrays
from seqlab.rnn.gru import VARIANT_KEYS, gru_backward, gru_forward

__all__ = ["PRETRAINED", "TriggerCache", "chime", "chime_on_activate", "detect",
           "detection_scores", "evaluate", "init_trigger_params", "load_trigger_model", "predict",
           "step_to_ms", "trigger_backward", "trigger_forward", "trigger_loss"]

KERNEL, STRIDE = 15, 4
GRU_KEYS = VARIANT_KEYS["full"]
MATCH_WINDOW_MS = (-100, 500)    # a detection must fall in [e - 100, e + 500] ms
CLIP_MS = 10_000
PRETRAINED = Path(__file__).resolve().parent / "pretrained" / "trigger.npz"


class TriggerCache(NamedTuple):
    """What :func:`trigger_backward` needs."""

    conv: Any            # Conv1DCache
    z1: Any              # (n_f, m, T_y) before the ReLU
    drop1: Any           # DropoutCache after the ReLU
    gru1: Any            # GRUCache
    drop2: Any           # DropoutCache between the GRUs
    gru2: Any            # GRUCache
    a2: Any              # (n_a, m, T_y)
    params: dict


def init_trigger_params(n_x: int = 40, n_f: int = 64, n_a: int = 64, rng=0,
                        dtype=np.float32, kernel: int = KERNEL) -> dict:
    """Parameters: W_conv N(0, 2/(n_x k)) (He, for the ReLU), GRU weights N(0, 1/(n_a + n_in)),
    W_y N(0, 1/n_a), biases zero (b_y = -2: labels are mostly 0, so start at ŷ ≈ 0.12)."""
    f = "init_trigger_params"
    n_x, n_f, n_a, kernel = (check_int(v, f"{f}({k})", 1) for k, v in (
        ("n_x", n_x), ("n_f", n_f), ("n_a", n_a), ("kernel", kernel)))
    dtype = check_float_dtype(dtype, f"{f}(dtype)")
    rng = check_rng(rng, f"{f}(rng)")
    p = {"W_conv": randn(rng, (n_f, n_x, kernel), math.sqrt(2 / (n_x * kernel)), dtype),
         "b_conv": zeros((n_f, 1), dtype)}
    for layer, n_in in (("gru1", n_f), ("gru2", n_a)):
        for k in GRU_KEYS:
            p[f"{layer}_{k}"] = (randn(rng, (n_a, n_a + n_in), 1 / math.sqrt(n_a + n_in), dtype)
                                 if k.startswith("W_") else zeros((n_a, 1), dtype))
    p["W_y"] = randn(rng, (1, n_a), 1 / math.sqrt(n_a), dtype)
    p["b_y"] = zeros((1, 1), dtype) - 2
    return p


def _layer(params: dict, layer: str) -> dict:
    return {k: params[f"{layer}_{k}"] for k in GRU_KEYS}


def trigger_forward(x, params: dict, dropout: float = 0.0, rng=None, train: bool = False):
    """Eqs. (1)-(5). x (n_x, m, T_x) -> logits (1, m, T_y), ŷ (1, m, T_y), cache.

    ``dropout``: the drop probability p of both dropouts (used only when ``train``; ``rng`` a
    Generator or int seed draws the masks).
    """
    x, rng = _check_forward(x, params, dropout, rng, train, "trigger_forward")
    xp = get_array_module(x, params["W_conv"])
    z1, conv = conv1d_forward(x, params["W_conv"], params["b_conv"], STRIDE)  # (1) (n_f,m,T_y)
    r1, drop1 = dropout_forward(xp.maximum(z1, 0), dropout, rng, train)      # (2)
    n_a, m = params["gru1_W_u"].shape[0], x.shape[1]
    c0 = xp.zeros((n_a, m), dtype=x.dtype)
    a1, _, gru1 = gru_forward(r1, c0, _layer(params, "gru1"))                # (3) (n_a,m,T_y)
    d1, drop2 = dropout_forward(a1, dropout, rng, train)
    a2, _, gru2 = gru_forward(d1, c0, _layer(params, "gru2"))                # (4) (n_a,m,T_y)
    T_y = a2.shape[2]
    logits = (params["W_y"] @ a2.reshape(n_a, m * T_y) + params["b_y"]).reshape(1, m, T_y)  # (5)
    return logits, sigmoid(logits), TriggerCache(conv, z1, drop1, gru1, drop2, gru2, a2, params)


def trigger_backward(dlogits, cache: TriggerCache) -> dict:
    """Gradients of every parameter from dJ/dlogits (1, m, T_y); keys = ``cache.params``."""
    conv, z1, drop1, gru1, drop2, gru2, a2, params = check_cache(cache, TriggerCache,
                                                                 "trigger_backward")
    n_a, m, T_y = a2.shape
    dlogits = as_array(dlogits, "trigger_backward(dlogits)", ndim=3, symbols="(1, m, T_y)")
    check_shape(dlogits, (1, m, T_y), "(1, m, T_y) like the logits",
                "trigger_backward(dlogits)")
    dz = dlogits.reshape(1, m * T_y)                                         # (1, m·T_y)
    grads = {"W_y": dz @ a2.reshape(n_a, m * T_y).T, "b_y": dz.sum(axis=1, keepdims=True)}
    da2 = (params["W_y"].T @ dz).reshape(n_a, m, T_y)                        # W_yᵀ dz
    dd1, _, g2 = gru_backward(da2, gru2)                                     # BPTT through (4)
    da1 = dropout_backward(dd1, drop2)
    dr1, _, g1 = gru_backward(da1, gru1)                                     # BPTT through (3)
    dz1 = dropout_backward(dr1, drop1) * (z1 > 0)                            # (2) ReLU'
    _, gc = conv1d_backward(dz1, conv)                                       # (1)
    grads.update({"W_conv": gc["W"], "b_conv": gc["b"]})
    for layer, g in (("gru1", g1), ("gru2", g2)):
        grads.update({f"{layer}_{k}": g[k] for k in GRU_KEYS})
    return {k: grads[k] for k in params}


def trigger_loss(x, y, params: dict, dropout: float = 0.0, rng=None, train: bool = False,
                 pos_weight: float = 1.0):
    """(J, grads) of eq. (6) for a batch x (n_x, m, T_x), y (1, m, T_y); ``pos_weight`` > 1
    weighs the (rare) positive steps more: J = mean of w<t>·BCE<t>, w = pos_weight where y = 1."""
    f = "trigger_loss"
    x, _ = _check_forward(x, params, dropout, rng, train, f)
    check_finite(x, f"{f}(x)", "features", f"so the loss would not be finite ({CLIP_ADVICE})",
                 sep=", ")
    pos_weight = check_number(pos_weight, f"{f}(pos_weight)", 0, low_open=True)
    y = as_array(y, f"{f}(y)", symbols="(1, m, T_y) of 0/1 labels")
    if y.size and not (float(y.min()) >= 0 and float(y.max()) <= 1):
        raise ValueError(f"{f}(y): expected labels in [0, 1], got values in [{float(y.min())}, "
                         f"{float(y.max())}]")
    logits, _, cache = trigger_forward(x, params, dropout, rng, train)
    xp = get_array_module(logits)
    if tuple(y.shape) != tuple(logits.shape):
        raise ValueError(f"trigger_loss(y): expected labels of shape {tuple(logits.shape)}, got "
                         f"{tuple(y.shape)}")
    if pos_weight == 1.0:
        loss, dlogits = binary_cross_entropy(logits, y)                      # (6)
    else:
        w = xp.where(y > 0.5, pos_weight, 1.0).astype(logits.dtype)        # w<t>
        per_entry = (1 - y) * logits - log_sigmoid(logits)                   # (6) BCE<t>, stable
        loss = xp.sum(w * per_entry) / y.size                                # mean of w·BCE
        dlogits = w * (sigmoid(logits) - y) / y.size                         # w (ŷ - y) / N
    return loss, trigger_backward(dlogits, cache)


def predict(x, params: dict, batch: int = 50):
    """ŷ (m, T_y) as a host array for features x (n_x, m, T_x), ``batch`` clips at a time
    (each moved to the parameters' device: host features work with a model on the GPU)."""
    batch = check_int(batch, "predict(batch)", 1)
    x, _ = _check_forward(x, params, 0.0, None, False, "predict")
    xp = get_array_module(params["W_conv"])
    rows = [to_numpy(trigger_forward(to_device(x[:, i:i + batch], xp), params)[1][0])
            for i in range(0, x.shape[1], batch)]                           # host (b, T_y)
    return get_array_module(*rows).concatenate(rows, axis=0)


def load_trigger_model(path=None) -> tuple[dict, dict]:
    """(params, meta) of the shipped model (``python tools/train_trigger.py``) or ``path``."""
    params, meta = load_arrays(PRETRAINED if path is None else
                               check_path(path, "load_trigger_model(path)"))
    missing = set(init_trigger_params(2, 1, 1)) - set(params)
    if missing:
        raise ValueError(f"load_trigger_model(path): the file lacks {sorted(missing)}")
    return params, meta


# ----------------------------------------------------------------------------- detection
def step_to_ms(t, T_y: int) -> float:
    """The time (ms) at the END of output step t of T_y (step t covers [t, t+1)·10000/T_y)."""
    T_y = check_int(T_y, "step_to_ms(T_y)", 1)
    t = to_numpy(as_array(t, "step_to_ms(t)", "int", symbols="of output steps"))
    if t.size and (t.min() < 0 or t.max() >= T_y):
        raise ValueError(f"step_to_ms(t): expected steps in [0, T_y = {T_y}), got "
                         f"{t.ravel()[:5].tolist()}")
    return (get_array_module(t).asarray(t) + 1) * CLIP_MS / T_y


def detect(probs, threshold: float = 0.5, refractory: int = 15) -> list[int]:
    """Output steps t where ŷ<t> ≥ threshold and no detection in the previous ``refractory``
    steps (1-D probs (T_y,))."""
    return _detect(probs, threshold, refractory, "detect")


def _detect(probs, threshold, refractory, fname: str) -> list[int]:
    probs = _probs(probs, f"{fname}(probs)", 1, "(T_y,)")
    threshold = check_number(threshold, f"{fname}(threshold)", 0, 1)
    refractory = check_int(refractory, f"{fname}(refractory)", 0)
    hits, last = [], -10 ** 9
    for t in get_array_module(probs).flatnonzero(probs >= threshold):
        if t - last > refractory:
            hits.append(int(t))
            last = t
    return hits


def detection_scores(detections_ms, activate_ends_ms, window=MATCH_WINDOW_MS) -> dict:
    """Precision, recall and F1 of detections over clips (module docstring).

    Parameters
    ----------
    detections_ms : list (one per clip) of detection times in ms
    activate_ends_ms : list (one per clip) of the true "activate" end times in ms
    window : (lo, hi) ms: detection d matches end e when e + lo ≤ d ≤ e + hi

    Returns
    -------
    dict with tp, fp, fn (ints), precision, recall, f1 (floats; 1.0 when there is nothing to
    find and nothing found)
    """
    f = "detection_scores"
    detections_ms = _per_clip(detections_ms, f"{f}(detections_ms)")
    activate_ends_ms = _per_clip(activate_ends_ms, f"{f}(activate_ends_ms)")
    if len(detections_ms) != len(activate_ends_ms):
        raise ValueError(f"{f}(activate_ends_ms): expected one list per clip, "
                         f"{len(detections_ms)} like detections_ms, got {len(activate_ends_ms)}")
    if not (isinstance(window, tuple | list) and len(window) == 2
            and check_number(window[0], f"{f}(window)") <= check_number(window[1],
                                                                        f"{f}(window)")):
        raise ValueError(f"{f}(window): expected (lo, hi) ms with lo <= hi, got {window!r}")
    tp = n_det = n_true = 0
    for dets, ends in zip(detections_ms, activate_ends_ms, strict=True):
        free = sorted(float(e) for e in ends)
        n_det, n_true = n_det + len(dets), n_true + len(free)
        for d in sorted(float(d) for d in dets):
            match = next((e for e in free if e + window[0] <= d <= e + window[1]), None)
            if match is not None:
                free.remove(match)
                tp += 1
    precision = tp / n_det if n_det else float(n_true == 0)
    recall = tp / n_true if n_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": n_det - tp, "fn": n_true - tp, "precision": precision,
            "recall": recall, "f1": f1}


def evaluate(probs, activate_ends_ms, threshold: float = 0.5, refractory: int = 15) -> dict:
    """:func:`detection_scores` of the detections in ``probs`` (m, T_y), one row per clip."""
    probs = _probs(probs, "evaluate(probs)", 2, "(m, T_y), one row per clip")
    ends = _per_clip(activate_ends_ms, "evaluate(activate_ends_ms)")
    if len(ends) != probs.shape[0]:
        raise ValueError(f"evaluate(activate_ends_ms): expected one list per clip, "
                         f"{probs.shape[0]} like the rows of probs, got {len(ends)}")
    xp = get_array_module(probs)
    dets = [step_to_ms(xp.array(_detect(p, threshold, refractory, "evaluate"), dtype=int),
                       probs.shape[1]).tolist() for p in probs]
    return detection_scores(dets, ends)


# ----------------------------------------------------------------------------- the chime
def chime(rate: int = 16000, duration_ms: int = 300, freqs=(880.0, 1320.0)):
    """A bell-like chime (n,) float32 on the host: two sines with an exponential decay,
    peak 0.5."""
    rate = check_int(rate, "chime(rate)", 1)
    duration_ms = check_int(duration_ms, "chime(duration_ms)", 1)
    freqs = check_sequence(freqs, "chime(freqs)", "a list of frequencies (Hz)", empty=False)
    for fr in freqs:
        check_number(fr, "chime(freqs)", 0, rate / 2, low_open=True)
    hp = host                                             # audio lives on the host: NumPy
    t = hp.arange(rate * duration_ms // 1000) / rate      # seconds
    tone = sum(hp.sin(2 * np.pi * f * t) / (i + 1) for i, f in enumerate(freqs))
    env = hp.exp(-t / (duration_ms / 4000)) * hp.minimum(1.0, t / 0.005)   # 5 ms attack
    out = tone * env
    return (0.5 * out / hp.abs(out).max()).astype(np.float32)


def chime_on_activate(audio, predictions, threshold: float = 0.5, rate: int = 16000,
                      refractory: int = 15) -> tuple[Any, list[float]]:
    """The course's ``chime_on_activate``: a chime added to ``audio`` (n,) at every detection
    of ``predictions`` ŷ (T_y,) (threshold + refractory, :func:`detect`).

    Returns (audio with chimes (n,) float32 in [-1, 1], detection times in ms).
    """
    f = "chime_on_activate"
    audio = to_numpy(as_array(audio, f"{f}(audio)", ndim=1, symbols="(n,)")).astype(np.float32)
    probs = _probs(predictions, f"{f}(predictions)", 1, "(T_y,)")
    rate = check_int(rate, f"{f}(rate)", 1)
    times = [float(step_to_ms(t, probs.size)) for t in _detect(probs, threshold, refractory,
                                                                 f)]
    out, bell = audio.copy(), chime(rate)
    for ms in times:
        start = int(ms * rate / 1000)
        n = max(0, min(bell.size, out.size - start))
        out[start:start + n] += bell[:n]
    return get_array_module(out).clip(out, -1.0, 1.0), times


# ----------------------------------------------------------------------------- checks
TRIGGER_KEYS = ("W_conv", "b_conv", *(f"{layer}_{k}" for layer in ("gru1", "gru2")
                                      for k in GRU_KEYS), "W_y", "b_y")


def _check_forward(x, params, dropout, rng, train, fname: str) -> tuple:
    """(x (n_x, m, T_x) as floats, the dropout rng) for the model's params."""
    check_keys(params, TRIGGER_KEYS, f"{fname}(params)")
    n_f, n_x, k = params["W_conv"].shape
    x = as_array(x, f"{fname}(x)", ndim=3, symbols=f"(n_x={n_x}, m, T_x)")
    if x.shape[0] != n_x:
        raise ValueError(f"{fname}(x): expected (n_x={n_x}, m, T_x), got shape {fmt(x.shape)}")
    if x.shape[2] < k:
        raise ValueError(f"{fname}(x): expected at least the kernel's {k} frames, got shape "
                         f"{fmt(x.shape)}")
    dropout = check_number(dropout, f"{fname}(dropout)", 0, 1, high_open=True)
    train = check_bool(train, f"{fname}(train)")
    return x, check_rng(rng, f"{fname}(rng)") if train and dropout > 0 else None


def _probs(probs, where: str, ndim: int, symbols: str):
    """Probabilities in [0, 1] as a host array of ``ndim`` axes."""
    probs = to_numpy(as_array(probs, where, ndim=ndim, symbols=symbols))
    if probs.size and not (float(probs.min()) >= 0 and float(probs.max()) <= 1):
        raise ValueError(f"{where}: expected probabilities in [0, 1], got values in "
                         f"[{float(probs.min())}, {float(probs.max())}]")
    return probs


def _per_clip(lists, where: str) -> list:
    """One list of times (ms) per clip."""
    lists = check_sequence(lists, where, "one list of times (ms) per clip")
    for item in lists:
        if not isinstance(item, list | tuple) and not hasattr(item, "shape"):
            raise TypeError(f"{where}: expected one list of times (ms) per clip, got an item "
                            f"{got(item)}")
    return lists
