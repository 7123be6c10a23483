r"""Audio features from scratch: framing, window, STFT, power spectrogram, mel filterbank, log-mel.

*Sequence Models*, week 3, "Speech recognition": the network does not read raw samples but a
*spectrogram*, the energy of each frequency in short overlapping frames ("pre-processing:
a common step is to run the raw audio through a spectrogram"). Here every step is written out.

Shapes
------
============  =====================  ==========================================================
name          shape                  meaning
============  =====================  ==========================================================
x             (N,)                   a waveform at ``rate`` Hz
frames        (n_fft, T_frames)      frame t = x[t·hop : t·hop + n_fft] (one column per frame)
X = stft(x)   (n_fft//2+1, T_frames) complex spectrum of each windowed frame (rfft: f ≥ 0 only)
S             (n_fft//2+1, T_frames) power |X|²
M             (n_mels, n_fft//2+1)   triangular mel filters
features      (n_mels, T_frames)     log(M S + ε), one utterance
batch x       (n_x, m, T_x)          the RNN family's column layout, zero-padded, + lengths (m,)
============  =====================  ==========================================================

Equations
---------
(1) frame_t[n] = x[t·hop + n],  n = 0..n_fft-1                         (framing)
(2) w[n] = 0.5 - 0.5 cos(2πn / n_fft)                                 (periodic Hann window)
(3) X[k, t] = Σ_n w[n] frame_t[n] e^{-2πi kn/n_fft},  k = 0..n_fft/2    (rfft: half spectrum)
(4) S[k, t] = |X[k, t]|²                                              (power spectrogram)
(5) mel(f) = 2595 log10(1 + f/700)  (HTK)   or   Slaney: 3f/200 below 1 kHz, then
    15 + 27 log(f/1000)/log(6.4)
(6) M[j, k] = max(0, min((f_k - f_{j-1})/(f_j - f_{j-1}), (f_{j+1} - f_k)/(f_{j+1} - f_j)))
    with f_0 .. f_{n_mels+1} equally spaced in mel between fmin and fmax
(7) features = log(M S + ε),  normalized per utterance: (F - mean_t F) / (std_t F + δ)

Notes
-----
Conventions match ``torch.stft(x, n_fft, hop_length, window=torch.hann_window(n_fft),
center=True, pad_mode="reflect", return_complex=True)``: with ``center=True`` the signal is
padded by n_fft//2 samples on each side (reflecting), so frame t is *centred* on sample
t·hop and T_frames = 1 + N // hop; with ``center=False`` T_frames = 1 + (N - n_fft) // hop.
The test compares both in float64.
"""

from __future__ import annotations

import numpy as np

from seqlab._validate import (
    as_array,
    check_choice,
    check_finite,
    check_float_dtype,
    check_int,
    check_number,
    check_sequence,
    fmt,
)
from seqlab.backend import get_array_module, host

hp = host                 # NumPy: host-side work (mel filters, lengths, labels)

__all__ = ["batch_features", "frame", "hann_window", "hz_to_mel", "log_mel", "mel_filterbank",
           "mel_to_hz", "normalize", "spectrogram", "stack_frames", "stft"]


def _wave(x, where: str, finite: bool = True):
    """A 1-D float waveform (ints promoted, lists converted); NaN and inf refused."""
    x = as_array(x, where, ndim=1, symbols="(N,) waveform")
    if finite:
        check_finite(x, where, "samples", "a waveform with NaN or inf has no spectrum")
    return x


def hann_window(n: int, xp=np, dtype=np.float64):
    """Periodic Hann window (n,) (eq. 2), as ``torch.hann_window(n)``."""
    n = check_int(n, "hann_window(n)", 1)
    dtype = check_float_dtype(dtype, "hann_window(dtype)")
    return (0.5 - 0.5 * xp.cos(2 * np.pi * xp.arange(n) / n)).astype(dtype)


def frame(x, frame_length: int, hop_length: int):
    """Overlapping frames (eq. 1): x (N,) -> (frame_length, T_frames), frame t in column t,
    T_frames = 1 + (N - frame_length) // hop_length (no padding: pad first for ``center``)."""
    x = _wave(x, "frame(x)", finite=False)
    frame_length = check_int(frame_length, "frame(frame_length)", 1)
    hop_length = check_int(hop_length, "frame(hop_length)", 1)
    if x.shape[0] < frame_length:
        raise ValueError(f"frame(x): expected at least frame_length={frame_length} samples, "
                         f"got {x.shape[0]}")
    return _frame(x, frame_length, hop_length)


def _frame(x, frame_length: int, hop_length: int):
    xp = get_array_module(x)
    T = 1 + (x.shape[0] - frame_length) // hop_length
    idx = xp.arange(frame_length)[:, None] + hop_length * xp.arange(T)[None, :]  # (n, T)
    return x[idx]


def stft(x, n_fft: int = 400, hop_length: int = 160, window="hann", center: bool = True):
    """Short-time Fourier transform (eqs. 1-3): x (N,) -> complex X (n_fft//2+1, T_frames).

    ``window`` is "hann", None (rectangular) or an array (n_fft,); ``center`` pads n_fft//2
    samples on each side by reflection, as torch.stft does. NaN or inf samples are refused.
    """
    x, w = _stft_args(x, n_fft, hop_length, window, center, "stft")
    xp = get_array_module(x)
    if center:
        p = n_fft // 2
        x = xp.pad(x, (p, p), mode="reflect")
    frames = _frame(x, n_fft, hop_length)                  # (1) (n_fft, T)
    return xp.fft.rfft(frames * w[:, None], axis=0)        # (2)(3) (n_fft//2+1, T)


def spectrogram(x, n_fft: int = 400, hop_length: int = 160, window="hann",
                center: bool = True, power: float = 2.0):
    """|X|^power (eq. 4): x (N,) -> (n_fft//2+1, T_frames) real; power 2 = energy."""
    _stft_args(x, n_fft, hop_length, window, center, "spectrogram")
    power = check_number(power, "spectrogram(power)", 0, low_open=True)
    xp = get_array_module(x)
    mag = xp.abs(stft(as_array(x, "spectrogram(x)"), n_fft, hop_length, window, center))
    return mag ** 2 if power == 2.0 else mag ** power


def hz_to_mel(f, scale: str = "htk"):
    """Frequency (Hz) -> mel (eq. 5), HTK or Slaney scale; array or float."""
    f = _nonnegative(f, "hz_to_mel(f)", "frequencies (Hz)")
    check_choice(scale, ("htk", "slaney"), "hz_to_mel(scale)")
    if scale == "htk":
        return 2595.0 * hp.log10(1.0 + f / 700.0)
    if scale == "slaney":
        lin = 3.0 * f / 200.0
        log = 15.0 + 27.0 * hp.log(hp.maximum(f, 1e-10) / 1000.0) / hp.log(6.4)
        return hp.where(f >= 1000.0, log, lin)
    raise ValueError(f"hz_to_mel(scale): expected 'htk' or 'slaney', got {scale!r}")


def mel_to_hz(mel, scale: str = "htk"):
    """The inverse of :func:`hz_to_mel`."""
    mel = _nonnegative(mel, "mel_to_hz(mel)", "mels")
    check_choice(scale, ("htk", "slaney"), "mel_to_hz(scale)")
    if scale == "htk":
        return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)
    if scale == "slaney":
        return hp.where(mel >= 15.0, 1000.0 * hp.exp((mel - 15.0) * hp.log(6.4) / 27.0),
                        200.0 * mel / 3.0)
    raise ValueError(f"mel_to_hz(scale): expected 'htk' or 'slaney', got {scale!r}")


def mel_filterbank(n_mels: int = 40, n_fft: int = 400, rate: int = 16000, fmin: float = 0.0,
                   fmax: float | None = None, scale: str = "htk", norm: str | None = None):
    """Triangular mel filters M (n_mels, n_fft//2+1) (eq. 6), float64, host array.

    Filter j rises linearly from 0 at f_{j-1} to 1 at its centre f_j and falls to 0 at
    f_{j+1}; the n_mels + 2 edges are equally spaced in mel. ``norm="slaney"`` divides each
    triangle by its width 2/(f_{j+1} - f_{j-1}) (equal area) instead of peak 1.
    """
    n_mels, n_fft, rate, fmin, fmax = _mel_args(n_mels, n_fft, rate, fmin, fmax, scale,
                                                "mel_filterbank")
    check_choice(norm, (None, "slaney"), "mel_filterbank(norm)")
    freqs = hp.arange(n_fft // 2 + 1) * rate / n_fft                     # f_k of bin k
    edges = mel_to_hz(hp.linspace(hz_to_mel(fmin, scale), hz_to_mel(fmax, scale),
                                  n_mels + 2), scale)                    # f_0 .. f_{n+1}
    lo, centre, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]  # (n_mels, 1)
    rising = (freqs[None, :] - lo) / (centre - lo)
    falling = (hi - freqs[None, :]) / (hi - centre)
    M = hp.maximum(0.0, hp.minimum(rising, falling))                     # (6)
    if norm == "slaney":
        M *= 2.0 / (hi - lo)
    return M


def log_mel(x, rate: int = 16000, n_mels: int = 40, n_fft: int = 400, hop_length: int = 160,
            fmin: float = 20.0, fmax: float | None = None, eps: float = 1e-6, scale="htk"):
    """log(M |X|² + ε) (eq. 7): x (N,) -> (n_mels, T_frames), in x's dtype and backend.

    Defaults: 25 ms frames (400 samples at 16 kHz), 10 ms hop, 40 mel bands, 20 Hz - rate/2.
    """
    _stft_args(x, n_fft, hop_length, "hann", True, "log_mel")
    _mel_args(n_mels, n_fft, rate, fmin, fmax, scale, "log_mel")
    eps = check_number(eps, "log_mel(eps)", 0, low_open=True)
    x = as_array(x, "log_mel(x)")
    xp = get_array_module(x)
    S = spectrogram(x, n_fft, hop_length)                                # (n_freq, T)
    M = xp.asarray(mel_filterbank(n_mels, n_fft, rate, fmin, fmax, scale), dtype=S.dtype)
    return xp.log(M @ S + eps)                                           # (n_mels, T)


def normalize(features, delta: float = 1e-5):
    """Per-utterance, per-band standardization (eq. 7): (n, T) -> (n, T) with zero mean and
    unit variance over time in each row (cepstral mean and variance normalization)."""
    features = as_array(features, "normalize(features)", ndim=2, symbols="(n_mels, T_frames)")
    check_finite(features, "normalize(features)", "features")
    delta = check_number(delta, "normalize(delta)", 0, low_open=True)
    mu = features.mean(axis=1, keepdims=True)
    sd = features.std(axis=1, keepdims=True)
    return (features - mu) / (sd + delta)


def stack_frames(features, k: int):
    """Stack k consecutive frames and keep every k-th (subsampling by k): (n, T) ->
    (k·n, ceil(T/k)), zero-padding the last group; row block j holds frame k·t + j."""
    k = check_int(k, "stack_frames(k)", 1)
    features = as_array(features, "stack_frames(features)", ndim=2, symbols="(n, T)")
    xp = get_array_module(features)
    n, T = features.shape
    Tk = -(-T // k)
    padded = xp.zeros((n, Tk * k), dtype=features.dtype)
    padded[:, :T] = features
    return padded.reshape(n, Tk, k).transpose(2, 0, 1).reshape(k * n, Tk)  # (k·n, Tk)


def batch_features(features_list, dtype=np.float32):
    """Pad a list of (n_x, T_i) into the RNN layout: (x (n_x, m, T_x), lengths (m,) int64),
    T_x = max T_i, zeros past each length."""
    if hasattr(features_list, "shape"):
        raise TypeError(f"batch_features(features_list): expected a list of (n_x, T_i) arrays, "
                        f"got one array of shape {fmt(features_list.shape)} (wrap one utterance "
                        f"in a list)")
    features_list = check_sequence(features_list, "batch_features(features_list)",
                                   "a list of (n_x, T_i) arrays", empty=False)
    features_list = [as_array(f, "batch_features(features_list)", "real") for f in
                     features_list]
    dtype = check_float_dtype(dtype, "batch_features(dtype)")
    xp = get_array_module(*features_list)
    n_x = features_list[0].shape[0]
    if any(f.ndim != 2 or f.shape[0] != n_x for f in features_list):
        raise ValueError(f"batch_features(features_list): expected arrays (n_x={n_x}, T_i), "
                         f"got shapes {[f.shape for f in features_list]}")
    lengths = hp.array([f.shape[1] for f in features_list], dtype=np.int64)
    x = xp.zeros((n_x, len(features_list), int(lengths.max())), dtype=dtype)
    for i, f in enumerate(features_list):
        x[:, i, :f.shape[1]] = f
    return x, xp.asarray(lengths)


def _stft_args(x, n_fft, hop_length, window, center, fname: str):
    """(the waveform, the window (n_fft,)) checked for :func:`stft` and its callers."""
    x = _wave(x, f"{fname}(x)")
    n_fft = check_int(n_fft, f"{fname}(n_fft)", 2)
    check_int(hop_length, f"{fname}(hop_length)", 1)
    xp = get_array_module(x)
    p = n_fft // 2 if center else n_fft - 1
    if x.shape[0] <= p:
        raise ValueError(f"{fname}(x): expected more than {p} samples (n_fft = {n_fft}"
                         f"{', reflect padding' if center else ''}), got {x.shape[0]}")
    if window is None:
        return x, xp.ones(n_fft, dtype=x.dtype)
    if isinstance(window, str):
        if window != "hann":
            raise ValueError(f"{fname}(window): expected one of 'hann', None or an array "
                             f"({n_fft},), got {window!r}")
        return x, hann_window(n_fft, xp, x.dtype)
    w = xp.asarray(as_array(window, f"{fname}(window)", ndim=1), dtype=x.dtype)
    if w.shape != (n_fft,):
        raise ValueError(f"{fname}(window): expected shape ({n_fft},), got {fmt(w.shape)}")
    return x, w


def _mel_args(n_mels, n_fft, rate, fmin, fmax, scale, fname: str) -> tuple:
    """The mel filterbank's sizes and band edges: 0 <= fmin < fmax <= rate / 2."""
    n_mels = check_int(n_mels, f"{fname}(n_mels)", 1)
    n_fft = check_int(n_fft, f"{fname}(n_fft)", 2)
    rate = check_int(rate, f"{fname}(rate)", 1)
    fmin = check_number(fmin, f"{fname}(fmin)", 0)
    fmax = rate / 2 if fmax is None else check_number(
        fmax, f"{fname}(fmax) (<= rate / 2 = {rate / 2})", 0, rate / 2)
    if fmin >= fmax:
        raise ValueError(f"{fname}(fmin): expected 0 <= fmin < fmax = {fmax}, got {fmin}")
    check_choice(scale, ("htk", "slaney"), f"{fname}(scale)")
    return n_mels, n_fft, rate, fmin, fmax


def _nonnegative(f, where: str, what: str):
    f = hp.asarray(as_array(f, where, symbols=f"of {what} >= 0"), dtype=np.float64)
    if f.size and not float(f.min()) >= 0:
        raise ValueError(f"{where}: expected {what} >= 0, got a minimum of {float(f.min())}")
    return f
