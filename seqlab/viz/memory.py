"""Memory you can see: which earlier characters a prediction leans on, RNN vs GRU vs LSTM
(notebook 27).

In the spirit of Distill's "Visualizing memorization in RNNs" (Madsen, 2019), on the shipped
sonnet models and any text: :func:`memory_trace` computes, for each model, the connectivity map
G[t, t'] = ‖∂ log ŷ<t>[y<t>] / ∂x<t'>‖ (:func:`seqlab.lm.connectivity.connectivity`, one batched
backward pass per block of rows); the widget shows it three ways, the models side by side:

- the text, each character coloured by how much the chosen prediction leans on it (relative to
  the input it leans on most, on a log scale from 0.1% to 100%), the predicted character boxed;
- the same row as curves over the distance back from the predicted character (log scale);
- all (t, t') as heatmaps, the chosen row marked.

A slider move sends only the three curves, the row markers and the coloured text: the maps are
computed once per text (about 0.7 s of CPU for 200 characters and three models).
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqlab._validate import (
    as_array,
    check_dict,
    check_instance,
    check_int,
    check_sequence,
    check_str,
)
from seqlab.lm.connectivity import MemoryStats, connectivity
from seqlab.rnn.inspect import GateModel, load_gate_model
from seqlab.viz.plots import COLOURS, TEMPLATE, colour_image, png_data_uri, visible
from seqlab.viz.widgets import FigureBox, text_pickers

MAX_CHARS = 300          # longer texts: the map is T × T and the colours unreadable
DECADES = 3              # colours and maps span 10^-3 .. 1 of the row's largest influence
SCALE = "Blues"          # the maps' colour scale: white is no influence
EXAMPLES = (
    "Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:\n"
    "Rough winds do shake the darling buds of May,\nAnd summer's lease hath all too short a "
    "date:\n",
    "When I do count the clock that tells the time,\nAnd see the brave day sunk in hideous "
    "night;\nWhen I behold the violet past prime,\n",
    "From fairest creatures we desire increase,\nThat thereby beauty's rose might never die,\n",
)


def load_memory_models() -> dict:
    """The three shipped sonnet models, {"RNN": ..., "GRU": ..., "LSTM": ...} (GateModel)."""
    return {kind.upper(): load_gate_model(kind) for kind in ("rnn", "gru", "lstm")}


@dataclass(frozen=True)
class MemoryTrace:
    """The connectivity of each model on one text of T + 1 characters (T predictions)."""

    text: str            # the characters read (unknown ones replaced by a space)
    maps: dict           # name -> seqlab.lm.connectivity.Connectivity: G (T, T), log_prob (T,)
    replaced: int = 0

    @property
    def T(self) -> int:
        return len(self.text) - 1


def memory_trace(models: dict, text: str, max_chars: int = MAX_CHARS) -> MemoryTrace:
    """Every model's connectivity map on ``text`` (2..max_chars characters, read from zero
    states; characters outside a model's vocabulary read as spaces)."""
    check_dict(models, "memory_trace(models)", "a dict name -> GateModel (load_memory_models)")
    if not models:
        raise ValueError("memory_trace(models): expected at least one model, got an empty dict")
    for name, model in models.items():
        check_instance(model, GateModel, f"memory_trace(models[{name!r}])",
                       "a GateModel (load_memory_models)")
    check_str(text, "memory_trace(text)")
    if isinstance(text, str) and len(text) == 1:
        raise ValueError("memory_trace(text): expected at least 2 characters (one to read, one "
                         "to predict), got 1")
    maps, shown, replaced = {}, None, 0
    for name, model in models.items():
        ids, shown_m, replaced = model.encode(text, max_chars, "memory_trace")
        shown = shown or shown_m
        maps[name] = connectivity(model.net, ids)
    return MemoryTrace(shown, maps, replaced)


def _check_G(G, fname: str) -> np.ndarray:
    """A connectivity map: a square real array (T, T)."""
    G = as_array(G, f"{fname}(G)", ndim=2, symbols="(T, T)")
    if G.shape[0] != G.shape[1]:
        raise ValueError(f"{fname}(G): expected a square map (T, T), got shape {G.shape}")
    return G


def _check_trace(trace, t, fname: str) -> int:
    """A MemoryTrace and one of its predictions, 0 <= t < T."""
    check_instance(trace, MemoryTrace, f"{fname}(trace)", "a MemoryTrace (memory_trace)")
    return check_int(t, f"{fname}(t) (a prediction)", 0, trace.T - 1)


def relative_row(G: np.ndarray, t: int) -> np.ndarray:
    """Row t of G over the inputs 0..t, divided by its largest entry: (t + 1,) in [0, 1]."""
    G = _check_G(G, "relative_row")
    t = check_int(t, "relative_row(t)", 0, G.shape[0] - 1)
    row = G[t, :t + 1]
    return row / max(float(row.max()), 1e-300)


def _shade(w: float) -> float:
    """Opacity of a character whose relative influence is w: log scale over DECADES."""
    return float(np.clip(1 + np.log10(max(w, 1e-300)) / DECADES, 0.0, 1.0))


def coloured_text(text: str, weights: np.ndarray, colour: str) -> str:
    """HTML: ``text[:len(weights)]`` shaded by ``weights`` (log scale), then the predicted
    character boxed, then the rest in grey."""
    check_str(text, "coloured_text(text)")
    weights = as_array(weights, "coloured_text(weights)", ndim=1, symbols="(t + 1,)")
    if len(weights) >= len(text):
        raise ValueError(f"coloured_text(weights): expected fewer weights than the "
                         f"{len(text)} characters (the next one is the predicted one), got "
                         f"{len(weights)}")
    check_str(colour, "coloured_text(colour)")
    if len(colour) != 7 or colour[0] != "#" or any(c not in "0123456789abcdefABCDEF"
                                                    for c in colour[1:]):
        raise ValueError(f"coloured_text(colour): expected a colour '#rrggbb', got {colour!r}")
    rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    parts = []
    for ch, w in zip(text, weights, strict=False):
        a = _shade(w)
        c = html.escape("↵\n" if ch == "\n" else ch)
        parts.append(f"<span style='background:rgba{(*rgb, round(a, 2))}'>{c}</span>"
                     if a >= 0.01 else c)
    t1 = len(weights)
    nxt = html.escape(visible(text[t1])) + ("\n" if text[t1] == "\n" else "")
    parts.append(f"<span style='outline:2px solid black;font-weight:bold'>{nxt}</span>")
    parts.append(f"<span style='color:#bbb'>{html.escape(text[t1 + 1:])}</span>")
    return "".join(parts)


def influence_html(trace: MemoryTrace, t: int) -> str:
    """The models side by side: the text shaded by what prediction t leans on."""
    t = _check_trace(trace, t, "influence_html")
    target = visible(trace.text[t + 1])
    cols = []
    for i, (name, (G, log_prob)) in enumerate(trace.maps.items()):
        w = relative_row(G, t)
        far = t + 1 - int(np.nonzero(w >= 0.01)[0].min())        # farthest input >= 1%
        cols.append(f"<div style='flex:1;min-width:0'><b style='color:{COLOURS[i]}'>{name}"
                    f"</b>: P('{html.escape(target)}') = {np.exp(log_prob[t]):.2f}, leans on "
                    f"characters up to {far} back (≥ 1%)<div style='font-family:monospace;"
                    f"white-space:pre-wrap;line-height:1.5;font-size:12px'>"
                    f"{coloured_text(trace.text, w, COLOURS[i])}</div></div>")
    return (f"<div style='display:flex;gap:14px'>{''.join(cols)}</div><div style='font-size:"
            f"90%'>Shade: how much the prediction of the boxed character leans on each earlier "
            f"one, relative to the one it leans on most, on a log scale (full colour 100%, "
            f"pale 1%, none below 0.1%).</div>")


def influence_figure(trace: MemoryTrace, t: int = 0) -> go.Figure:
    """Row t as curves over the distance d back from the predicted character (d = 1: the
    character just read): trace i is model i's relative influence, log y."""
    t = _check_trace(trace, t, "influence_figure")
    fig = go.Figure([go.Scatter(name=name, mode="lines+markers", marker=dict(size=4),
                                line=dict(color=COLOURS[i]))
                     for i, name in enumerate(trace.maps)])
    fig.update_layout(template=TEMPLATE, height=300, margin=dict(l=60, r=20, t=40, b=45),
                      legend=dict(orientation="h", x=1, xanchor="right", y=1.02,
                                  yanchor="bottom"),
                      xaxis_title="distance d back from the predicted character",
                      yaxis=dict(type="log", range=[-DECADES - 0.5, 0.1], dtick=1,
                                 exponentformat="power", title="relative influence"))
    return _restyle_curves(fig, trace, t)


def _restyle_curves(fig, trace: MemoryTrace, t: int):
    d = np.arange(1, t + 2)                                     # distance of input t + 1 - d
    for i, (G, _) in enumerate(trace.maps.values()):
        fig.data[i].x, fig.data[i].y = d, relative_row(G, t)[::-1]
        fig.data[i].customdata = [visible(c) for c in trace.text[t::-1]]
        fig.data[i].hovertemplate = "d = %{x} ('%{customdata}'): %{y:.3g}"
    fig.update_xaxes(range=[0.5, max(t + 1, 10) + 0.5])
    fig.layout.title = dict(text=f"what the prediction of '{visible(trace.text[t + 1])}' "
                                 f"(character {t + 1}) leans on", font=dict(size=13), x=0.06,
                            y=0.97)
    return fig


def connectivity_heatmaps(trace: MemoryTrace, t: int = 0) -> go.Figure:
    """The map of each model as an image (rows: predictions t, columns: inputs t'), coloured by
    log10 G[t, t'] / max_t' G[t, t'] from white (0.1% and below, and the future above the
    diagonal, where G = 0) to dark blue (100%); trace i is model i's image, the last trace
    carries the colour bar, layout shape i marks row t on image i. Images, not heatmaps: a
    slider move redraws them with the marker, and plotly.js draws an image 2-3x faster."""
    t = _check_trace(trace, t, "connectivity_heatmaps")
    names = list(trace.maps)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=names, horizontal_spacing=0.04)
    for i, name in enumerate(names):
        fig.add_trace(go.Image(name=name, hovertemplate="prediction %{y}, input %{x}"
                               "<extra></extra>"), 1, i + 1)
        fig.add_shape(type="line", xref=f"x{i + 1 if i else ''} domain", x0=0, x1=1,
                      yref=f"y{i + 1 if i else ''}", line=dict(color="#ff7f0e", width=2))
        fig.update_xaxes(title_text="input t'", row=1, col=i + 1)
        fig.update_yaxes(showticklabels=i == 0, row=1, col=i + 1)
    ticks = list(range(-DECADES, 1))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", showlegend=False,
                             hoverinfo="skip", marker=dict(
                                 colorscale=SCALE, cmin=-DECADES, cmax=0, color=[0],
                                 showscale=True, colorbar=dict(
                                     thickness=10, tickvals=ticks, ticktext=[
                                         f"{10.0 ** k:.1%}".replace(".0%", "%") for k in ticks]))),
                  1, len(names))
    fig.update_yaxes(title_text="prediction t", row=1, col=1)
    fig.update_layout(template=TEMPLATE, height=340, margin=dict(l=60, r=20, t=40, b=45))
    return _fill_heatmaps(fig, trace, t)


def log_relative_map(G: np.ndarray) -> np.ndarray:
    """log10 of each row of G divided by its largest entry, clipped at -DECADES: (T, T)."""
    G = _check_G(G, "log_relative_map")
    rel = G / np.maximum(G.max(axis=1, keepdims=True), 1e-300)  # 0 above the diagonal
    return np.log10(np.maximum(rel, 10.0 ** -DECADES))


def _fill_heatmaps(fig, trace: MemoryTrace, t: int):
    for i, (G, _) in enumerate(trace.maps.values()):
        rgb = colour_image(log_relative_map(G), SCALE, -DECADES, 0)
        fig.data[i].source = png_data_uri(rgb)               # about 20 KB for 172 × 172
    _mark_row(fig, t)
    return fig


def _mark_row(fig, t: int) -> None:
    for shape in fig.layout.shapes:
        shape.y0 = shape.y1 = t


def decay_figure(stats: dict) -> go.Figure:
    """Median relative influence over distance (lines) with the band between the 25th and 75th
    percentiles of the texts, per model: trace 2i is model i's band, 2i + 1 its median."""
    check_dict(stats, "decay_figure(stats)", "a dict model name -> MemoryStats")
    fig = go.Figure()
    for i, (name, s) in enumerate(stats.items()):
        if not isinstance(s, MemoryStats):
            raise TypeError(f"decay_figure(stats[{name!r}]): expected a MemoryStats, got "
                            f"{type(s).__name__}")
        d = np.arange(1, len(s.median) + 1)
        low, high = np.percentile(s.relative, [25, 75], axis=0)
        fig.add_trace(go.Scatter(x=np.r_[d, d[::-1]], y=np.maximum(np.r_[low, high[::-1]],
                                                                   1e-6),
                                 fill="toself", line=dict(width=0), opacity=0.2,
                                 fillcolor=COLOURS[i], hoverinfo="skip", showlegend=False))
        fig.add_trace(go.Scatter(x=d, y=np.maximum(s.median, 1e-6), name=name, mode="lines",
                                 line=dict(color=COLOURS[i])))
    fig.add_hline(y=0.5, line=dict(color="grey", dash="dot"))
    fig.add_hline(y=0.01, line=dict(color="grey", dash="dot"))
    fig.update_layout(template=TEMPLATE, height=360, margin=dict(l=60, r=20, t=30, b=45),
                      xaxis_title="distance d back from the predicted character",
                      yaxis=dict(type="log", range=[-4, 0.3], dtick=1, exponentformat="power",
                                 title="influence relative to d = 1"))
    return fig


def memory_explorer(models: dict | None = None, texts=EXAMPLES, t: int | None = None
                    ) -> FigureBox:
    """The widget: a slider over the predicted character (first control), example and text
    boxes, the models' coloured texts side by side, the curves, the heatmaps. It opens on
    prediction ``t`` (default: the newline that ends the text's second line).

    ``box.figure`` is :func:`influence_figure`, ``box.heatmaps`` :func:`connectivity_heatmaps`,
    ``box.text`` the HTML of :func:`influence_html`. ``box.update(t=..., text=...)`` does what the
    controls do (t: the prediction, 0..T-1); ``box.timings`` lists the seconds each took.
    """
    if models is not None:
        check_dict(models, "memory_explorer(models)", "a dict name -> GateModel")
    texts = check_sequence(texts, "memory_explorer(texts)", "a list of texts", empty=False)
    models = models or load_memory_models()
    cache: dict = {}

    def trace_of(text):
        if text not in cache:
            cache[text] = memory_trace(models, text)
        return cache[text]

    tr = trace_of(texts[0])
    if t is None:                       # the end of the second line (the first starts from the
        ends = [i for i, ch in enumerate(tr.text) if ch == "\n" and i > 0]  # zero state)
        t = ends[min(1, len(ends) - 1)] - 1 if ends else tr.T - 1
    state = {"text": texts[0], "t": t, "syncing": False}
    fig = go.FigureWidget(influence_figure(tr, t))
    heatmaps = go.FigureWidget(connectivity_heatmaps(tr, t))
    slider = widgets.IntSlider(value=t + 1, min=1, max=tr.T, description="predict char",
                               continuous_update=True, layout=widgets.Layout(width="620px"))
    examples, box_text = text_pickers(texts)
    text_view = widgets.HTML(influence_html(tr, t))
    timings: dict = {"t": [], "text": []}

    def update(t=None, text=None) -> None:
        start = time.perf_counter()
        new_text = text is not None and text != state["text"]
        try:
            tr = trace_of(text if new_text else state["text"])
        except ValueError as exc:
            text_view.value = f"<b style='color:#cf222e'>{html.escape(str(exc))}</b>"
            return
        state["text"] = text if new_text else state["text"]
        state["t"] = min(state["t"] if t is None else t, tr.T - 1)
        with fig.batch_update():        # in the order the browser draws them: the curves,
            _restyle_curves(fig, tr, state["t"])  # the text, then the maps (plotly.js redraws
        note = f" ({tr.replaced} unknown characters read as spaces)" if tr.replaced else ""
        text_view.value = influence_html(tr, state["t"]) + note  # the three images when only
        with heatmaps.batch_update():   # the marker moves)
            if new_text:
                _fill_heatmaps(heatmaps, tr, state["t"])
            else:
                _mark_row(heatmaps, state["t"])
        if new_text:                    # the slider follows without calling update again
            state["syncing"] = True
            try:
                slider.max, slider.value = tr.T, state["t"] + 1
            finally:
                state["syncing"] = False
        timings["text" if new_text else "t"].append(time.perf_counter() - start)

    slider.observe(lambda ch: state["syncing"] or update(t=ch["new"] - 1), names="value")
    examples.observe(lambda ch: update(text=ch["new"]), names="value")
    box_text.observe(lambda ch: ch["new"] and update(text=ch["new"]), names="value")
    box = FigureBox([slider, examples, box_text, text_view], fig, update, below=[heatmaps])
    box.timings, box.state, box.heatmaps, box.text = timings, state, heatmaps, text_view
    return box


__all__ = ["EXAMPLES", "MemoryTrace", "coloured_text", "connectivity_heatmaps", "decay_figure",
           "influence_figure", "influence_html", "load_memory_models", "log_relative_map",
           "memory_explorer", "memory_trace", "relative_row"]
