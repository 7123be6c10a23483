"""Trigger-word pictures: the clip's log-mel image over the model's ŷ<t>, labels, detections.

``trigger_figure`` is the static picture (arrays in, plotly Figure out); ``trigger_timeline``
adds a threshold slider (the detections and the threshold line move in place) and a play
button for the clip with a chime wherever the model fires (course: ``chime_on_activate``).
"""

from __future__ import annotations

import time

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqlab._validate import as_array, check_int, check_number
from seqlab.backend import to_numpy
from seqlab.data.speech import resample
from seqlab.speech.trigger import chime_on_activate, detect, step_to_ms
from seqlab.viz.plots import styled
from seqlab.viz.widgets import FigureBox

__all__ = ["player", "trigger_figure", "trigger_timeline"]

CLIP_S = 10.0


def player(wave, rate: int = 16000, play_rate: int = 8000):
    """An IPython audio player, resampled to ``play_rate`` (8 kHz keeps a 10 s clip ~210 KB
    inside the notebook)."""
    from IPython.display import Audio

    wave = as_array(wave, "player(wave)", ndim=1, symbols="(samples,)")
    rate = check_int(rate, "player(rate)", 1)
    play_rate = check_int(play_rate, "player(play_rate)", 1)
    wav = resample(np.asarray(to_numpy(wave), np.float64), rate, play_rate)
    return Audio(wav, rate=play_rate, normalize=bool(np.abs(wav).max() > 0))


def _detections(probs, threshold):
    steps = detect(probs, threshold)
    return np.round(step_to_ms(np.array(steps), probs.size) / 1000, 3), steps


def trigger_figure(x, probs=None, labels=None, threshold: float = 0.5, true_ends_ms=(),
                   title: str = "") -> go.Figure:
    """Log-mel image (top) and ŷ<t>, labels y<t>, threshold, detections, true ends (bottom).

    Parameters
    ----------
    x : (n_mels, T_x) features of one clip (drawn at every 4th frame)
    probs : (T_y,) predicted probabilities, or None (data only)
    labels : (T_y,) labels, or None
    threshold : float, drawn as a dashed line; detections are :func:`detect`'s
    true_ends_ms : end times of the real "activate"s (grey dotted lines)
    """
    x = np.asarray(to_numpy(as_array(x, "trigger_figure(x)")), np.float32)
    check_number(threshold, "trigger_figure(threshold)", 0, 1)
    if x.ndim != 2:
        raise ValueError(f"trigger_figure(x): expected features (n_mels, T_x), got {x.shape}")
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        row_heights=[0.55, 0.45])
    xs = x[:, ::4]
    fig.add_trace(go.Heatmap(z=np.round(xs, 1), x=np.round(np.arange(xs.shape[1]) * 4 * CLIP_S
                                                           / x.shape[1], 3),
                             colorscale="Viridis", showscale=False, name="log-mel"), 1, 1)
    T_y = len(probs) if probs is not None else (len(labels) if labels is not None else 275)
    t = np.round(step_to_ms(np.arange(T_y), T_y) / 1000, 3)
    if labels is not None:
        fig.add_trace(go.Scatter(x=t, y=np.asarray(to_numpy(labels), float).ravel(),
                                 name="label y<t>", line=dict(color="#2ca02c", shape="hv")),
                      2, 1)
    if probs is not None:
        p = np.round(np.asarray(to_numpy(probs), float).ravel(), 3)
        fig.add_trace(go.Scatter(x=t, y=p, name="ŷ<t>", line=dict(color="#1f77b4")), 2, 1)
        fig.add_trace(go.Scatter(x=[0, CLIP_S], y=[threshold] * 2, name="threshold",
                                 line=dict(color="#d62728", dash="dash")), 2, 1)
        det_s, _ = _detections(p, threshold)
        fig.add_trace(go.Scatter(x=det_s, y=[1.08] * len(det_s), mode="markers",
                                 name="detections", marker=dict(symbol="triangle-down", size=12,
                                                                color="#d62728")), 2, 1)
    for e in true_ends_ms:
        fig.add_vline(x=e / 1000, line=dict(color="grey", dash="dot"), row=2, col=1)
    fig.update_yaxes(title_text="mel band", row=1, col=1)
    fig.update_yaxes(title_text="probability", range=[-0.05, 1.18], row=2, col=1)
    fig.update_xaxes(title_text="time (s)", row=2, col=1)
    return styled(fig, title, height=460)


def trigger_timeline(x, wave, probs, labels=None, threshold: float = 0.5, true_ends_ms=(),
                     rate: int = 16000, title: str = "") -> FigureBox:
    """:func:`trigger_figure` with a threshold slider and a play button (clip + chimes).

    ``box.update(threshold=...)`` does what the slider does (moves the threshold line and the
    detection markers in place); ``box.timings`` lists each update's seconds;
    ``box.state["detections_s"]`` the current detection times.
    """
    probs = np.asarray(to_numpy(as_array(probs, "trigger_timeline(probs)", ndim=1,
                                         symbols="(T_y,)")), float)
    check_number(threshold, "trigger_timeline(threshold)", 0, 1)
    fig = go.FigureWidget(trigger_figure(x, probs, labels, threshold, true_ends_ms, title))
    names = [tr.name for tr in fig.data]
    i_thr, i_det = names.index("threshold"), names.index("detections")
    slider = widgets.FloatSlider(value=threshold, min=0.05, max=0.95, step=0.01,
                                 description="threshold", continuous_update=True,
                                 layout=widgets.Layout(width="520px"))
    info = widgets.HTML()
    button = widgets.Button(description="play with chimes", icon="play")
    plain = widgets.Button(description="play the clip", icon="play")
    out = widgets.Output()
    state = {"threshold": threshold, "detections_s": []}
    timings: list = []

    def update(threshold=None) -> None:
        start = time.perf_counter()
        thr = state["threshold"] if threshold is None else float(threshold)
        det_s, _ = _detections(probs, thr)
        with fig.batch_update():
            fig.data[i_thr].y = [thr, thr]
            fig.data[i_det].x = det_s
            fig.data[i_det].y = [1.08] * len(det_s)
        state.update(threshold=thr, detections_s=list(det_s))
        info.value = (f"{len(det_s)} detection(s) at threshold {thr:.2f}: "
                      + ", ".join(f"{s:.2f} s" for s in det_s))
        timings.append(time.perf_counter() - start)

    def play(chimes: bool) -> None:
        from IPython.display import display

        audio = chime_on_activate(wave, probs, state["threshold"], rate)[0] if chimes else wave
        out.clear_output()
        with out:
            display(player(audio, rate))

    slider.observe(lambda ch: update(threshold=ch["new"]), names="value")
    button.on_click(lambda _: play(True))
    plain.on_click(lambda _: play(False))
    update(threshold)
    box = FigureBox([slider, info, widgets.HBox([plain, button]), out], fig, update)
    box.timings, box.state = timings, state
    return box
