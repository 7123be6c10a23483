"""Audio pictures: waveform, spectrogram and log-mel images, per-frame posteriors, a player.

(Named ``speech``, not ``audio``: ``seqlab.viz.audio`` is the music synthesizer's player
function exported by ``seqlab.viz``, and a submodule of that name would replace it.)

Every function takes NumPy arrays and returns a plotly Figure (or an IPython Audio object),
kept small for notebooks: waveforms are reduced to a min/max envelope, images to float32
rounded values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqlab._validate import as_array, check_int, check_paired, check_sequence
from seqlab.backend import to_numpy
from seqlab.viz.plots import styled

__all__ = ["audio_player", "log_mel_figure", "log_mel_grid", "loss_curve",
           "mel_filterbank_figure", "posteriors_figure",
           "spectrogram_figure", "waveform_figure"]


def _small(a, decimals=2):
    return np.round(np.asarray(to_numpy(a), dtype=np.float32), decimals)


def waveform_figure(wav, rate: int = 16000, max_points: int = 1200,
                    title: str = "waveform") -> go.Figure:
    """Samples over time (s); long clips are drawn as their min/max envelope."""
    wav = np.asarray(to_numpy(as_array(wav, "waveform_figure(wav)")), dtype=np.float64)
    rate = check_int(rate, "waveform_figure(rate)", 1)
    if wav.ndim != 1:
        raise ValueError(f"waveform_figure(wav): expected a 1-D waveform, got {wav.shape}")
    n_bins = max_points // 2
    if wav.size > max_points:
        edges = np.linspace(0, wav.size, n_bins + 1).astype(int)
        lo = np.minimum.reduceat(wav, edges[:-1])
        hi = np.maximum.reduceat(wav, edges[:-1])
        t = np.repeat(edges[:-1] / rate, 2)
        y = np.ravel(np.column_stack([lo, hi]))             # min, max per bin: an envelope
    else:
        t, y = np.arange(wav.size) / rate, wav
    fig = go.Figure(go.Scatter(x=np.round(t, 4), y=_small(y, 4), mode="lines",
                               line=dict(width=1), name="x(t)"))
    return styled(fig, title, height=220, xaxis_title="time (s)", yaxis_title="amplitude")


def spectrogram_figure(S, rate: int = 16000, hop_length: int = 160, db: bool = True,
                       max_freq_bins: int = 100, title: str = "power spectrogram") -> go.Figure:
    """A power spectrogram (n_freq, T) as an image: time (s) by frequency (Hz), in dB."""
    S = np.asarray(to_numpy(as_array(S, "spectrogram_figure(S)")), dtype=np.float64)
    if S.ndim != 2:
        raise ValueError(f"spectrogram_figure(S): expected (n_freq, T_frames), got {S.shape}")
    n_freq, T = S.shape
    step = max(1, -(-n_freq // max_freq_bins))              # keep at most max_freq_bins rows
    S = S[::step]
    freqs = np.arange(0, n_freq, step) * (rate / 2) / (n_freq - 1)
    z = 10 * np.log10(S + 1e-10) if db else S
    fig = go.Figure(go.Heatmap(z=_small(z, 1), x=np.round(np.arange(T) * hop_length / rate, 3),
                               y=np.round(freqs), colorscale="Viridis",
                               colorbar=dict(title="dB" if db else "")))
    return styled(fig, title, height=280, xaxis_title="time (s)", yaxis_title="frequency (Hz)")


def log_mel_figure(F, hop_s: float = 0.01, title: str = "log-mel features") -> go.Figure:
    """Log-mel features (n_mels, T) as an image: time (s) by mel band."""
    F = np.asarray(to_numpy(as_array(F, "log_mel_figure(F)")), dtype=np.float64)
    if F.ndim != 2:
        raise ValueError(f"log_mel_figure(F): expected (n_mels, T_frames), got {F.shape}")
    fig = go.Figure(go.Heatmap(z=_small(F), x=np.round(np.arange(F.shape[1]) * hop_s, 3),
                               colorscale="Magma"))
    return styled(fig, title, height=260, xaxis_title="time (s)", yaxis_title="mel band")


def log_mel_grid(features: Sequence, titles: Sequence[str], hop_s: float = 0.01,
                 cols: int = 2) -> go.Figure:
    """Several log-mel images side by side (e.g. one word, several voices)."""
    features, titles = check_paired(features, titles, "log_mel_grid", ("features", "titles"),
                                    "a list of log-mel arrays (n_mels, T)", "titles")
    cols = check_int(cols, "log_mel_grid(cols)", 1)
    rows = -(-len(features) // cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(titles),
                        vertical_spacing=0.12, horizontal_spacing=0.06)
    for i, F in enumerate(features):
        F = np.asarray(to_numpy(as_array(F, f"log_mel_grid(features[{i}])", ndim=2,
                                         symbols="(n_mels, T)")), dtype=np.float64)
        fig.add_trace(go.Heatmap(z=_small(F, 1), x=np.round(np.arange(F.shape[1]) * hop_s, 3),
                                 colorscale="Magma", showscale=False),
                      row=i // cols + 1, col=i % cols + 1)
    return styled(fig, "", height=180 * rows + 40)


def mel_filterbank_figure(M, rate: int = 16000, every: int = 1,
                          title: str = "mel filterbank") -> go.Figure:
    """The triangular filters M (n_mels, n_freq) as curves over frequency (Hz)."""
    M = np.asarray(to_numpy(as_array(M, "mel_filterbank_figure(M)")), dtype=np.float64)
    if M.ndim != 2:
        raise ValueError(f"mel_filterbank_figure(M): expected (n_mels, n_freq), got {M.shape}")
    freqs = np.round(np.arange(M.shape[1]) * (rate / 2) / (M.shape[1] - 1), 1)
    traces = []
    for j in range(0, M.shape[0], every):
        nz = np.flatnonzero(M[j] > 0)                       # the triangle's support only
        keep = np.arange(max(nz[0] - 1, 0), min(nz[-1] + 2, M.shape[1])) if nz.size else nz
        traces.append(go.Scatter(x=freqs[keep], y=_small(M[j, keep], 3), mode="lines",
                                 line=dict(width=1), name=f"band {j}", showlegend=False))
    fig = go.Figure(traces)
    return styled(fig, title, height=240, xaxis_title="frequency (Hz)", yaxis_title="weight")


def posteriors_figure(log_probs, labels: Sequence[str], hop_s: float = 0.03,
                      title: str = "per-frame posteriors ŷ<t>", top: int | None = None
                      ) -> go.Figure:
    """Per-step posteriors of one utterance, log_probs (n_y, T), as an image (rows = symbols,
    ``labels[k]`` the name of symbol k; "_" for the blank); ``top`` keeps the most used rows."""
    lp = np.asarray(to_numpy(as_array(log_probs, "posteriors_figure(log_probs)")),
                    dtype=np.float64)
    labels = check_sequence(labels, "posteriors_figure(labels)", "a list of labels")
    if lp.ndim != 2:
        raise ValueError(f"posteriors_figure(log_probs): expected (n_y={len(labels)}, T), got "
                         f"{lp.shape}")
    if lp.shape[0] != len(labels):
        raise ValueError(f"posteriors_figure(labels): expected n_y = {lp.shape[0]} labels, one "
                         f"per row of log_probs, got {len(labels)}")
    if top is not None:
        top = check_int(top, "posteriors_figure(top)", 1)
    p = np.exp(lp)
    rows = np.arange(lp.shape[0])
    if top is not None:
        rows = np.sort(np.argsort(-p.max(axis=1), kind="stable")[:top])
    names = [repr(labels[k]) if labels[k] == " " else labels[k] for k in rows]
    fig = go.Figure(go.Heatmap(z=_small(p[rows], 3), y=names, colorscale="Blues", zmin=0,
                               zmax=1, x=np.round(np.arange(lp.shape[1]) * hop_s, 3)))
    return styled(fig, title, height=max(220, 14 * len(rows) + 80), xaxis_title="time (s)",
                  yaxis=dict(type="category", autorange="reversed"))


def loss_curve(history, title: str = "CTC loss per step") -> go.Figure:
    """A training curve: loss per step."""
    h = np.asarray(to_numpy(as_array(history, "loss_curve(history)")), dtype=np.float64).ravel()
    fig = go.Figure(go.Scatter(x=np.arange(1, h.size + 1), y=np.round(h, 4), mode="lines",
                               name="loss"))
    return styled(fig, title, height=240, xaxis_title="step", yaxis_title="loss")


def audio_player(wav, rate: int = 16000):
    """An IPython audio player for a waveform (normalized to its peak)."""
    from IPython.display import Audio

    wav = np.asarray(to_numpy(as_array(wav, "audio_player(wav)")), dtype=np.float64)
    rate = check_int(rate, "audio_player(rate)", 1)
    if wav.ndim != 1 or wav.size == 0:
        raise ValueError(f"audio_player(wav): expected a non-empty 1-D waveform, got "
                         f"{wav.shape}")
    return Audio(wav, rate=rate, normalize=bool(np.abs(wav).max() > 0))
