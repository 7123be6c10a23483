"""The gate explorer: what a character-level GRU or LSTM's gates do on a text (notebook 04).

In the spirit of LSTMVis (Strobelt et al., 2018), without a server: pick or type a text and see
every hidden unit's gates and memory cell c<t> per character as heatmaps (units × characters);
pick one unit with the slider and see its values per character, the text coloured by its c<t>,
and the characters where its memory changes most (the largest |Δc<t>| = |c<t> - c<t-1>|).

The computation (:func:`~seqlab.rnn.inspect.gate_trace`, ``unit_profile``,
``unit_correlations``) lives in the model layer, :mod:`seqlab.rnn.inspect`; the widget runs
one forward pass per (model, text) and keeps it, so a slider move only restyles the unit's
small figure and moves the marker lines (layout shapes) on the heatmaps, sending no heatmap
data. In Chromium the first redraw after a slider move took 151-248 ms against 237-294 ms as
one figure; plotly.js still redraws the heatmaps when a shape moves (about 40 ms).

=================  ===================================================================
panels             what they show, each (n_a units, T characters)
=================  ===================================================================
LSTM               Γf forget, Γu update, Γo output (in [0, 1]) and the memory cell c<t>
GRU                Γu update, Γr reset (in [0, 1]), the candidate c̃<t> and c<t> = a<t>
=================  ===================================================================
"""

from __future__ import annotations

import html
import time

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqlab._validate import check_dict, check_instance, check_int, check_sequence
from seqlab.rnn.inspect import PANELS, GateTrace, gate_trace, load_gate_model, unit_profile
from seqlab.viz.plots import COLOURS, TEMPLATE, visible
from seqlab.viz.widgets import FigureBox, text_pickers

LABELS = {"gamma_f": "Γf forget gate", "gamma_u": "Γu update gate", "gamma_o": "Γo output gate",
          "gamma_r": "Γr reset gate", "c_tilde": "c̃<t> candidate", "c": "memory cell c<t>"}
WIDGET_CHARS = 300      # the explorer: more columns than this are unreadable
EXAMPLES = (
    "From fairest creatures we desire increase,\nThat thereby beauty's rose might never die,\n",
    "Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:\n",
    "When I do count the clock that tells the time, (and see the brave day sunk in night)\n",
)


def highlighted_text(trace: GateTrace, unit: int, k: int = 5) -> str:
    """HTML: the text with each character's background coloured by the unit's tanh c<t>
    (red positive, blue negative), and the k characters where its memory switches most."""
    prof = unit_profile(trace, unit, k)
    v = np.tanh(trace.values["c"][unit])
    spans = []
    for ch, x in zip(trace.text, v, strict=True):
        rgb = (214, 39, 40) if x > 0 else (31, 119, 180)
        text = "↵<br>" if ch == "\n" else ("&nbsp;" if ch == " " else html.escape(ch))
        spans.append(f"<span style='background:rgba({rgb[0]},{rgb[1]},{rgb[2]},"
                     f"{abs(x):.2f})'>{text}</span>")
    dc = prof["dc"]
    switches = ", ".join(f"'{visible(trace.text[i])}' at {i} ({dc[i]:+.2f})"
                         for i in prof["switches"])
    return (f"<div style='font-family:monospace;line-height:1.6'>{''.join(spans)}</div>"
            f"<div style='font-size:90%'>unit {unit}: tanh c&lt;t&gt; red &gt; 0, blue &lt; 0."
            f" Largest |Δc&lt;t&gt;|: {html.escape(switches)}</div>")


def _unit_titles(kind: str, unit: int) -> list[str]:
    first = "Γf, Γu, Γo" if kind == "lstm" else "Γu, Γr and c̃<t>"
    return [f"unit {unit}: {first}", f"unit {unit}: c<t> (bars) and Δc<t> = c<t> - c<t-1>"]


# Both figures leave the same margins, so their character axes line up one above the other (the
# heatmaps' colour bars sit in the right margin instead of widening it). The characters are a
# text trace in a strip under each figure, not tick labels: plotly.js measures every tick label
# on every redraw (87 labels: about 80 ms of a 100 ms redraw in Chromium; as text: 25 ms).
MARGIN = dict(l=50, r=70, t=40, b=30, autoexpand=False)


def _with_strip(rows: int, heights: list[float], spacing: float) -> go.Figure:
    """Subplots sharing x, the last one a strip for the characters (its y axis hidden)."""
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=spacing,
                        row_heights=heights, subplot_titles=["-"] * (rows - 1) + [""])
    fig.update_yaxes(visible=False, range=[-1, 1], fixedrange=True, row=rows, col=1)
    fig.add_trace(go.Scatter(mode="text", textfont=dict(size=10, family="monospace"),
                             showlegend=False, hoverinfo="skip"), row=rows, col=1)
    fig.update_xaxes(title_text="position in the text", row=rows, col=1)
    return fig


def _check_unit(trace, unit, fname: str) -> int:
    """A GateTrace and one of its units, 0 <= unit < n_a."""
    check_instance(trace, GateTrace, f"{fname}(trace)", "a GateTrace (gate_trace)")
    return check_int(unit, f"{fname}(unit)", 0, trace.n_a - 1)


def gate_figure(trace: GateTrace, unit: int = 0) -> go.Figure:
    """Heatmaps (units × characters) of the four panels, traces 0-3, the characters, trace 4,
    and a line marking ``unit`` on each heatmap, layout shapes 2i and 2i + 1 on heatmap i (an
    orange line 3 px wide on a black one of 7 px: an orange core with black edges, visible on
    the gates' Viridis and on c<t>'s red/blue; at 1.5 px on 4 px it read as black)."""
    unit = _check_unit(trace, unit, "gate_figure")
    fig = _with_strip(5, [0.23] * 4 + [0.05], 0.045)
    for row in range(1, 5):
        axis = "" if row == 1 else str(row)
        low, high = fig.layout[f"yaxis{axis}"].domain
        fig.add_trace(go.Heatmap(colorbar=dict(len=high - low, y=(low + high) / 2, thickness=10,
                                               x=1.01, xpad=4),
                                 hovertemplate="unit %{y}, character %{x}: %{z:.2f}"
                                 "<extra></extra>"), row=row, col=1)
        for colour, width in (("black", 7), ("#ff7f0e", 3)):
            fig.add_shape(type="line", xref=f"x{axis} domain", x0=0, x1=1, yref=f"y{axis}",
                          line=dict(color=colour, width=width))
    fig.data = fig.data[1:] + fig.data[:1]                   # heatmaps 0-3, then the characters
    fig.update_yaxes(title=dict(text="unit", standoff=2))    # the strip's y axis stays hidden
    fig.update_layout(template=TEMPLATE, height=760, margin=MARGIN)
    return _fill_heatmaps(fig, trace, unit)


def unit_figure(trace: GateTrace, unit: int = 0) -> go.Figure:
    """One unit's values per character: traces 0-2 its first three panels (LSTM Γf, Γu, Γo;
    GRU Γu, Γr, c̃), 3 its c<t> (bars), 4 Δc<t>, 5 the characters."""
    unit = _check_unit(trace, unit, "unit_figure")
    fig = _with_strip(3, [0.45, 0.45, 0.1], 0.07)
    for i in range(3):
        fig.add_trace(go.Scatter(mode="lines+markers", marker=dict(size=4),
                                 line=dict(color=COLOURS[i])), row=1, col=1)
    fig.add_trace(go.Bar(name="c<t>", marker_color=COLOURS[4], showlegend=False), row=2, col=1)
    fig.add_trace(go.Scatter(mode="lines", name="Δc<t>", line=dict(color="black", width=1),
                             showlegend=False), row=2, col=1)  # the panel's title names both
    fig.data = fig.data[1:] + fig.data[:1]                   # the unit's traces, the characters
    fig.update_layout(template=TEMPLATE, height=440, bargap=0.1, margin=MARGIN,
                      legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"))
    fig.layout.annotations[0].update(x=1, xanchor="right")  # the title right, the legend left
    return _fill_unit(fig, trace, unit)


def _characters(fig, strip, trace: GateTrace) -> None:
    """The text under the columns; the x range fixed to the columns (text would pad it)."""
    T = len(trace.text)
    strip.update(x=np.arange(T), y=np.zeros(T), text=[visible(c) for c in trace.text])
    fig.update_xaxes(range=[-0.5, T - 0.5], autorange=False)


def _fill_heatmaps(fig, trace: GateTrace, unit: int) -> go.Figure:
    """Put a (new) text's values into the heatmaps, then mark the unit."""
    x = np.arange(len(trace.text))
    for i, name in enumerate(PANELS[trace.kind]):
        z, title = trace.values[name], LABELS[name]
        if name.startswith("c"):       # c̃, c: signed; a few LSTM cells reach |c| ≈ 50, so the
            bound = max(1.0, float(np.percentile(np.abs(z), 90)))  # colours clip at the 90th
            scale = ("RdBu_r", -bound, bound)                       # percentile of |c|
            title += f" (colours clipped at ±{bound:.1f})" if bound > 1 else ""
        else:
            scale = ("Viridis", 0.0, 1.0)                           # a gate, in [0, 1]
        fig.data[i].update(z=z.astype(np.float32), x=x, colorscale=scale[0], zmin=scale[1],
                           zmax=scale[2], name=LABELS[name])  # float32: half the bytes to send
        fig.layout.annotations[i].text = title
    _characters(fig, fig.data[4], trace)
    _mark_unit(fig, unit)
    return fig


def _fill_unit(fig, trace: GateTrace, unit: int) -> go.Figure:
    """Put a (new) text's characters into the unit figure, then the unit's values."""
    x = np.arange(len(trace.text))
    for i, name in enumerate(PANELS[trace.kind][:3]):
        fig.data[i].update(x=x, name=LABELS[name].split()[0])
    fig.data[3].x = fig.data[4].x = x
    lstm = trace.kind == "lstm"             # LSTM: three gates in [0, 1]; GRU: c̃ in [-1, 1] too
    fig.update_yaxes(range=[-0.05, 1.05] if lstm else [-1.05, 1.05], row=1, col=1,
                     title=dict(text="gate" if lstm else "gate, c̃", standoff=2))
    _characters(fig, fig.data[5], trace)
    _restyle_unit(fig, trace, unit)
    return fig


def _mark_unit(heatmaps, unit: int) -> None:
    for shape in heatmaps.layout.shapes:
        shape.y0 = shape.y1 = unit


def _restyle_unit(fig, trace: GateTrace, unit: int) -> None:
    """Redraw the unit figure's lines for ``unit``: with _mark_unit, all a slider move does."""
    prof = unit_profile(trace, unit)
    for i, name in enumerate(PANELS[trace.kind][:3]):
        fig.data[i].y = prof["values"][name]
    fig.data[3].y = trace.values["c"][unit]
    fig.data[4].y = prof["dc"]
    titles = _unit_titles(trace.kind, unit)
    fig.layout.annotations[0].text, fig.layout.annotations[1].text = titles


def gate_explorer(models: dict | None = None, texts=EXAMPLES, unit: int = 0,
                  model: str | None = None) -> FigureBox:
    """The explorer widget: a unit slider (first control), model and text pickers, a text box.

    Parameters
    ----------
    models : dict name -> GateModel; default the shipped {"LSTM": ..., "GRU": ...}
    texts : example texts for the dropdown (the text box takes any other)
    unit, model : the unit and model shown first

    ``box.figure`` is the unit's figure (:func:`unit_figure`), ``box.heatmaps`` the heatmaps
    below it (:func:`gate_figure`). ``box.update(unit=..., model=..., text=...)`` does what the
    controls do; ``box.timings`` lists the seconds each update took (``"unit"`` for slider
    moves, ``"text"`` for new texts).
    """
    if models is not None:
        check_dict(models, "gate_explorer(models)", "a dict name -> GateModel")
    texts = check_sequence(texts, "gate_explorer(texts)", "a list of texts", empty=False)
    models = models or {"LSTM": load_gate_model("lstm"), "GRU": load_gate_model("gru")}
    names = list(models)
    state = {"model": model or names[0], "text": texts[0], "unit": unit}
    cache: dict = {}

    def trace_of(name, text):
        if (name, text) not in cache:
            cache[(name, text)] = gate_trace(models[name], text, WIDGET_CHARS)
        return cache[(name, text)]

    tr = trace_of(state["model"], state["text"])
    fig, heatmaps = go.FigureWidget(unit_figure(tr, unit)), go.FigureWidget(gate_figure(tr, unit))
    slider = widgets.IntSlider(value=unit, min=0, max=tr.n_a - 1, description="hidden unit",
                               continuous_update=True, layout=widgets.Layout(width="520px"))
    picker = widgets.ToggleButtons(options=names, value=state["model"], description="model")
    examples, box_text = text_pickers(texts)
    info = widgets.HTML(highlighted_text(tr, unit))
    timings: dict = {"unit": [], "text": []}

    def update(unit=None, model=None, text=None) -> None:
        start = time.perf_counter()
        new_trace = (model or state["model"], text or state["text"]) != (state["model"],
                                                                           state["text"])
        try:
            tr = trace_of(model or state["model"], text or state["text"])
        except ValueError as exc:
            info.value = f"<b style='color:#cf222e'>{html.escape(str(exc))}</b>"
            return
        state.update(model=model or state["model"], text=text or state["text"])
        state["unit"] = min(state["unit"] if unit is None else unit, tr.n_a - 1)
        u = state["unit"]
        if new_trace:
            with fig.batch_update(), heatmaps.batch_update():
                _fill_unit(fig, tr, u)
                _fill_heatmaps(heatmaps, tr, u)
        else:                           # a slider move: two small messages, the unit's lines
            with fig.batch_update():    # and the marker shapes (no heatmap data is sent)
                _restyle_unit(fig, tr, u)
            with heatmaps.batch_update():
                _mark_unit(heatmaps, u)
        slider.max = tr.n_a - 1
        note = f" ({tr.replaced} unknown characters read as spaces)" if tr.replaced else ""
        info.value = highlighted_text(tr, state["unit"]) + note
        timings["text" if new_trace else "unit"].append(time.perf_counter() - start)

    slider.observe(lambda ch: update(unit=ch["new"]), names="value")
    picker.observe(lambda ch: update(model=ch["new"]), names="value")
    examples.observe(lambda ch: update(text=ch["new"]), names="value")
    box_text.observe(lambda ch: ch["new"] and update(text=ch["new"]), names="value")
    box = FigureBox([slider, picker, examples, box_text, info], fig, update, below=[heatmaps])
    box.timings, box.state, box.heatmaps = timings, state, heatmaps
    return box
