"""Music pictures and sound: a piano roll, histogram comparisons and an audio player.

Melodies are ``(pitch, duration)`` pairs as in :mod:`seqlab.data.music` (MIDI numbers with
REST = -1, lengths in quarter notes). No model math here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from IPython.display import Audio
from plotly.subplots import make_subplots

from seqlab._validate import check_dict, check_instance, check_int, check_sequence
from seqlab.backend import to_numpy
from seqlab.data.music import REST, as_melody, midi_to_name
from seqlab.lm.train import History
from seqlab.viz.plots import COLOURS, styled

__all__ = ["audio", "compare_histograms", "loss_curves", "piano_roll"]

GAP = 0.06  # quarter notes left blank at the end of each note, so repeated notes show apart


def _segments(pitch: np.ndarray, duration: np.ndarray) -> tuple[list, list, list]:
    """x, y, hover text of one melody: a horizontal segment per note, None between notes."""
    onsets = np.concatenate([[0.0], np.cumsum(duration)[:-1]])  # (n,) start of each event
    xs, ys, text = [], [], []
    for p, on, d in zip(pitch, onsets, duration, strict=True):
        if p == REST:
            continue
        name = f"{midi_to_name(p)} ({d:g} q)"
        xs += [on, on + max(d - GAP, d / 2), None]
        ys += [int(p), int(p), None]
        text += [name, name, None]
    return xs, ys, text


def piano_roll(melodies: Mapping[str, tuple] | tuple, title: str = "",
               height_per_row: int = 200) -> go.Figure:
    """One row per melody: each note a bar at its pitch, from its onset for its length.

    Parameters
    ----------
    melodies : mapping name -> (pitch (n,), duration (n,)), one row each, sharing the time
        axis; or a single (pitch, duration) pair
    title : figure title

    Returns
    -------
    fig : ``fig.data[i]`` is melody i: x holds onset/offset pairs in quarter notes, y the MIDI
        numbers, with None between notes; rests are gaps.
    """
    if not isinstance(melodies, Mapping):
        check_sequence(melodies, "piano_roll(melodies)",
                       "a dict name -> (pitch, duration) or one (pitch, duration) pair")
        melodies = {"melody": melodies}
    if not melodies:
        raise ValueError("piano_roll(melodies): expected at least one melody, got none")
    names = list(melodies)
    fig = make_subplots(rows=len(names), cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=names)
    low, high = 127, 0
    for row, name in enumerate(names, start=1):
        pitch, duration = melodies[name]
        p, d = as_melody(to_numpy(pitch), to_numpy(duration), "piano_roll")
        xs, ys, text = _segments(p, d)
        if (p != REST).any():
            low, high = min(low, p[p != REST].min()), max(high, p.max())
        fig.add_trace(go.Scatter(x=xs, y=ys, text=text, name=name, mode="lines",
                                 hoverinfo="text", line=dict(width=7,
                                                             color=COLOURS[(row - 1) % 6])),
                      row=row, col=1)
    low, high = (60, 72) if low > high else (int(low), int(high))
    ticks = [m for m in range(low - 1, high + 2) if m % 12 in (0, 4, 7)]  # C, E, G
    fig.update_yaxes(tickvals=ticks, ticktext=[midi_to_name(m) for m in ticks],
                     range=[low - 1.5, high + 1.5], title_text="pitch")
    fig.update_xaxes(title_text="time (quarter notes)", row=len(names), col=1)
    return styled(fig, title, height=60 + height_per_row * len(names), showlegend=False)


def compare_histograms(categories: Sequence, series: Mapping[str, object], title: str = "",
                       x_title: str = "", y_title: str = "share") -> go.Figure:
    """Grouped bars: one distribution per series over the same categories.

    Parameters
    ----------
    categories : k labels (numbers or strings) for the x axis
    series : mapping name -> array (k,), e.g. {"Bach": p_real, "LSTM": p_generated}
    """
    check_dict(series, "compare_histograms(series)", "a dict name -> array (k,)")
    fig = go.Figure()
    for i, (name, values) in enumerate(series.items()):
        v = np.asarray(to_numpy(values), dtype=float).ravel()
        if v.shape[0] != len(categories):
            raise ValueError(f"compare_histograms(series[{name!r}]): expected {len(categories)} "
                             f"values, one per category, got shape {v.shape}")
        fig.add_trace(go.Bar(x=list(categories), y=v, name=name,
                             marker_color=COLOURS[i % len(COLOURS)]))
    return styled(fig, title, barmode="group", xaxis_title=x_title, yaxis_title=y_title)


def loss_curves(history, baselines: Mapping[str, float] | None = None, title: str = "",
                span: int = 20, val: tuple | None = None) -> go.Figure:
    """Training loss per step (raw and smoothed), validation loss, and baselines as lines.

    Parameters
    ----------
    history : a :class:`seqlab.lm.History` (``step``, ``train_loss``, ``val_step``,
        ``val_loss``, ``smoothed(span)``)
    baselines : mapping name -> loss, drawn as dotted horizontal lines (e.g. the bigram's)
    val : (steps, losses) measured by the caller, instead of the history's validation loss

    Returns
    -------
    fig : data[0] raw training loss, data[1] its running mean, data[2] validation loss (when
        measured), then one trace per baseline.
    """
    check_instance(history, History, "loss_curves(history)", "a History (seqlab.lm.train)")
    span = check_int(span, "loss_curves(span)", 1)
    steps = np.asarray(history.step)
    if steps.size == 0 or len(history.train_loss) != steps.size:
        raise ValueError(f"loss_curves(history): expected a trained history with one loss per "
                         f"step, got {steps.size} steps and {len(history.train_loss)} losses")
    fig = go.Figure([
        go.Scatter(x=steps, y=history.train_loss, name="training batch", mode="lines",
                   line=dict(color=COLOURS[0], width=1), opacity=0.35),
        go.Scatter(x=steps, y=history.smoothed(span), name=f"training (mean of {span})",
                   mode="lines", line=dict(color=COLOURS[0], width=2.5))])
    val_step, val_loss = val if val is not None else (history.val_step, history.val_loss)
    if len(val_step) != len(val_loss):
        raise ValueError(f"loss_curves(val): expected as many steps as losses, got "
                         f"{len(val_step)} and {len(val_loss)}")
    if len(val_step):
        fig.add_trace(go.Scatter(x=list(val_step), y=list(val_loss), name="validation",
                                 mode="lines+markers", line=dict(color=COLOURS[1])))
    for i, (name, value) in enumerate((baselines or {}).items()):
        fig.add_trace(go.Scatter(x=[steps[0], steps[-1]], y=[value, value], name=name,
                                 mode="lines", line=dict(color=COLOURS[2 + i % 4], dash="dot")))
    return styled(fig, title, xaxis_title="step", yaxis_title="loss per token (nats)")


def audio(wave, sample_rate: int) -> Audio:
    """An audio player for a waveform in [-1, 1] (e.g. from ``data.music.synthesize``).

    The wave is embedded as 16-bit WAV without rescaling (``normalize=False``): quiet stays
    quiet, and a few seconds at 8 kHz add about 20 KB per second to the notebook.
    """
    sample_rate = check_int(sample_rate, "audio(sample_rate)", 1)
    w = np.asarray(to_numpy(wave), dtype=np.float64)
    if w.ndim != 1 or w.size == 0 or np.abs(w).max() > 1:
        raise ValueError(f"audio(wave): expected a non-empty 1-D wave within [-1, 1], got shape "
                         f"{w.shape}" + (f", peak {np.abs(w).max():.3f}" if w.size else ""))
    return Audio(w, rate=int(sample_rate), normalize=False)
