"""Week 4 widgets: positional-encoding explorer, mask visualizer, attention heads view.

- :func:`positional_encoding_explorer`: the encoding matrix PE (positions × d_model) as a
  heatmap, a position slider, and the dot product PE(p)·PE(q) of the chosen position p with
  every q: it peaks at q = p and depends only on |q - p|, which is why relative positions are
  easy to read.
- :func:`mask_visualizer`: for a batch of token ids, the padding mask of every example and, for
  the chosen example, the look-ahead mask and the decoder's combined mask (True = may attend).
- :func:`attention_heads_view`: in the spirit of bertviz's head view, fully offline: for an
  input you type, the attention weights of every head of the chosen layer (encoder
  self-attention, decoder masked self-attention or cross-attention), one heatmap per head.

The computations (:func:`attention_trace`, :func:`position_similarity`) return NumPy arrays and
are testable headless; the widgets keep them and only restyle their figures on a slider move.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqlab._validate import as_array, check_instance, check_int
from seqlab.backend import to_numpy
from seqlab.transformer import Transformer
from seqlab.transformer.masks import decoder_mask, look_ahead_mask, padding_mask
from seqlab.transformer.positional import positional_encoding
from seqlab.viz.plots import TEMPLATE
from seqlab.viz.widgets import FigureBox

KINDS = ("encoder self-attention", "decoder masked self-attention", "cross-attention")


# ------------------------------------------------------------------ positional encoding
def position_similarity(pe, position: int):
    """PE(position)·PE(q) for every q: array (positions,). ``pe`` is (positions, d_model)."""
    pe = np.asarray(to_numpy(pe))
    return pe @ pe[position]


def _check_pe(positions, d_model, position, fname: str) -> tuple[int, int, int]:
    """positions >= 1, an even d_model >= 2, 0 <= position < positions."""
    positions = check_int(positions, f"{fname}(positions)", 1)
    d_model = check_int(d_model, f"{fname}(d_model)", 2)
    if d_model % 2:
        raise ValueError(f"{fname}(d_model): expected an even d_model (sin and cos pairs), got "
                         f"{d_model}")
    return positions, d_model, check_int(position, f"{fname}(position)", 0, positions - 1)


def positional_encoding_figure(positions: int = 50, d_model: int = 64, position: int = 10
                               ) -> go.Figure:
    """Heatmap of PE (rows: positions) with the chosen row marked, and its similarity curve."""
    positions, d_model, position = _check_pe(positions, d_model, position,
                                             "positional_encoding_figure")
    pe = np.asarray(to_numpy(positional_encoding(positions, d_model)))[0]   # (positions, d)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], horizontal_spacing=0.1,
                        subplot_titles=("PE: position × feature", "PE(p)·PE(q) for every q"))
    fig.add_trace(go.Heatmap(z=pe.round(3), colorscale="RdBu", zmid=0, showscale=False,
                             hovertemplate="pos %{y}, feature %{x}: %{z}<extra></extra>"), 1, 1)
    fig.add_trace(go.Scatter(x=[0, d_model - 1], y=[position, position], mode="lines",
                             line=dict(color="black", width=2), name="position p"), 1, 1)
    sim = position_similarity(pe, position)
    fig.add_trace(go.Scatter(x=np.arange(positions), y=sim.round(4), mode="lines+markers",
                             marker=dict(size=4), name="PE(p)·PE(q)"), 1, 2)
    fig.add_trace(go.Scatter(x=[position], y=[float(sim[position])], mode="markers",
                             marker=dict(size=11, color="black"), name="q = p"), 1, 2)
    fig.update_yaxes(title_text="position", autorange="reversed", row=1, col=1)
    fig.update_xaxes(title_text="feature k", row=1, col=1)
    fig.update_xaxes(title_text="position q", row=1, col=2)
    fig.update_layout(template=TEMPLATE, height=380, showlegend=False,
                      margin=dict(l=50, r=20, t=60, b=40),
                      title=f"position p = {position}, d_model = {d_model}")
    return fig


def positional_encoding_explorer(positions: int = 50, d_model: int = 64, position: int = 10
                                 ) -> FigureBox:
    """The explorer: a position slider (first control) and a d_model picker.

    ``box.update(position=..., d_model=...)`` does what the controls do; ``box.timings`` lists
    the seconds each update took.
    """
    positions, d_model, position = _check_pe(positions, d_model, position,
                                             "positional_encoding_explorer")
    fig = go.FigureWidget(positional_encoding_figure(positions, d_model, position))
    slider = widgets.IntSlider(value=position, min=0, max=positions - 1, description="position p",
                               continuous_update=True, layout=widgets.Layout(width="520px"))
    picker = widgets.Dropdown(options=sorted({16, 32, 64, 128, d_model}), value=d_model,
                              description="d_model")          # the d_model asked for among them
    state = {"position": position, "d_model": d_model,
             "pe": np.asarray(to_numpy(positional_encoding(positions, d_model)))[0]}
    timings: list = []

    def update(position=None, d_model=None) -> None:
        start = time.perf_counter()
        if d_model is not None and d_model != state["d_model"]:
            state["d_model"] = d_model
            state["pe"] = np.asarray(to_numpy(positional_encoding(positions, d_model)))[0]
        if position is not None:
            state["position"] = position
        p, pe = state["position"], state["pe"]
        sim = position_similarity(pe, p)
        with fig.batch_update():
            fig.data[0].z = pe.round(3)
            fig.data[1].x, fig.data[1].y = [0, state["d_model"] - 1], [p, p]
            fig.data[2].y = sim.round(4)
            fig.data[3].x, fig.data[3].y = [p], [float(sim[p])]
            fig.layout.title.text = f"position p = {p}, d_model = {state['d_model']}"
        timings.append(time.perf_counter() - start)

    slider.observe(lambda ch: update(position=ch["new"]), names="value")
    picker.observe(lambda ch: update(d_model=ch["new"]), names="value")
    box = FigureBox([slider, picker], fig, update)
    box.timings, box.state = timings, state
    return box


# ------------------------------------------------------------------ masks
def mask_figure(tokens, example: int = 0, pad_id: int = 0,
                labels: Callable[[int], str] | None = None) -> go.Figure:
    """Three panels: the batch's padding masks (m × T), and for one example the look-ahead
    mask and the decoder mask (T × T). Dark = True = may attend."""
    tok = np.asarray(to_numpy(tokens))
    m, T = tok.shape
    label = labels or str
    pad = np.asarray(to_numpy(padding_mask(tok, pad_id)))[:, 0]             # (m, T)
    ahead = np.asarray(to_numpy(look_ahead_mask(T)))[0]                     # (T, T)
    dec = np.asarray(to_numpy(decoder_mask(tok, pad_id)))                   # (m, T, T)
    names = [f"{t}:{label(int(v))}" for t, v in enumerate(tok[example])]
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.08,
                        subplot_titles=("padding mask, every example",
                                        "look-ahead mask", f"decoder mask, example {example}"))
    scale = [[0, "#f4f4f4"], [1, "#1f4e79"]]
    fig.add_trace(go.Heatmap(z=pad.astype(int), colorscale=scale, showscale=False, zmin=0, zmax=1,
                             text=[[label(int(v)) for v in row] for row in tok],
                             texttemplate="%{text}", xgap=1, ygap=1), 1, 1)
    fig.add_trace(go.Heatmap(z=ahead.astype(int), colorscale=scale, showscale=False, zmin=0,
                             zmax=1, x=names, y=names, xgap=1, ygap=1), 1, 2)
    fig.add_trace(go.Heatmap(z=dec[example].astype(int), colorscale=scale, showscale=False,
                             zmin=0, zmax=1, x=names, y=names, xgap=1, ygap=1), 1, 3)
    fig.add_trace(go.Scatter(x=[-0.5, T - 0.5], y=[example, example], mode="lines",
                             line=dict(color="#d62728", width=3)), 1, 1)
    for col in (1, 2, 3):
        fig.update_yaxes(autorange="reversed", row=1, col=col)
    fig.update_xaxes(title_text="key position t'", row=1, col=2)
    fig.update_yaxes(title_text="example i", row=1, col=1)
    fig.update_yaxes(title_text="query position t", row=1, col=2)
    fig.update_layout(template=TEMPLATE, height=360, showlegend=False,
                      margin=dict(l=50, r=20, t=60, b=60))
    return fig


def mask_visualizer(tokens, pad_id: int = 0, labels: Callable[[int], str] | None = None
                    ) -> FigureBox:
    """An example slider (first control) over :func:`mask_figure`."""
    tok = np.asarray(to_numpy(as_array(tokens, "mask_visualizer(tokens)", "int", ndim=2,
                                       symbols="(m, T) of token ids")))
    fig = go.FigureWidget(mask_figure(tok, 0, pad_id, labels))
    slider = widgets.IntSlider(value=0, min=0, max=tok.shape[0] - 1, description="example",
                               continuous_update=True)
    timings: list = []

    def update(example: int) -> None:
        start = time.perf_counter()
        new = mask_figure(tok, example, pad_id, labels)
        with fig.batch_update():
            for i in (1, 2):                                   # look-ahead, decoder mask
                fig.data[i].z, fig.data[i].x, fig.data[i].y = (new.data[i].z, new.data[i].x,
                                                               new.data[i].y)
            fig.data[3].y = new.data[3].y                      # the chosen example's row
            fig.layout.annotations[2].text = new.layout.annotations[2].text
        timings.append(time.perf_counter() - start)

    slider.observe(lambda ch: update(ch["new"]), names="value")
    box = FigureBox([slider], fig, update)
    box.timings = timings
    return box


# ------------------------------------------------------------------ attention heads
def attention_trace(model, src, tgt_in) -> dict:
    """Every attention map of ``model`` on one example, as NumPy arrays.

    Returns
    -------
    dict: "encoder self-attention" (L, h, T_x, T_x), "decoder masked self-attention"
    (L, h, T_y, T_y), "cross-attention" (L, h, T_y, T_x)
    """
    check_instance(model, Transformer, "attention_trace(model)")
    _, cache = model.forward(src, tgt_in)
    att = cache["attention"]
    return {KINDS[0]: np.stack([to_numpy(w)[0] for w in att["encoder"]]),
            KINDS[1]: np.stack([to_numpy(s)[0] for s, _ in att["decoder"]]),
            KINDS[2]: np.stack([to_numpy(c)[0] for _, c in att["decoder"]])}


def _axes(kind: str, src_labels, tgt_labels):
    """(query labels, key labels) of an attention kind."""
    if kind == KINDS[0]:
        return src_labels, src_labels
    return tgt_labels, (tgt_labels if kind == KINDS[1] else src_labels)


def _unique(labels: Sequence[str]) -> list[str]:
    """Position-tagged labels, so repeated tokens get their own row/column."""
    return [f"{t}:{s}" for t, s in enumerate(labels)]


def heads_figure(trace: dict, kind: str, layer: int, src_labels, tgt_labels) -> go.Figure:
    """One heatmap per head: rows = queries (who attends), columns = keys (attended to)."""
    w = trace[kind][layer]                                                   # (h, T_q, T_k)
    h = w.shape[0]
    q, k = _axes(kind, _unique(src_labels), _unique(tgt_labels))
    fig = make_subplots(rows=1, cols=h, horizontal_spacing=0.03,
                        subplot_titles=[f"head {i}" for i in range(h)])
    for i in range(h):
        fig.add_trace(go.Heatmap(z=w[i].round(3), x=k, y=q, colorscale="Blues", zmin=0, zmax=1,
                                 showscale=i == h - 1,
                                 hovertemplate="%{y} → %{x}: %{z}<extra></extra>"), 1, i + 1)
        fig.update_yaxes(autorange="reversed", showticklabels=i == 0, row=1, col=i + 1)
    fig.update_layout(template=TEMPLATE, height=330, margin=dict(l=60, r=20, t=70, b=50),
                      title=f"{kind}, layer {layer}: rows attend to columns")
    return fig


def attention_heads_view(model, prepare: Callable, text: str, kind: str = KINDS[2]
                         ) -> FigureBox:
    """The heads view: a layer slider (first control), an attention-kind picker, a text box.

    Parameters
    ----------
    model : a :class:`seqlab.transformer.Transformer`
    prepare : ``prepare(text) -> (src (1, T_x), tgt_in (1, T_y), src_labels, tgt_labels)``;
        it may decode the model's own output to fill tgt_in, and raise ValueError on bad text
    text : the first input shown
    kind : one of :data:`KINDS`

    ``box.update(layer=..., kind=..., text=...)`` does what the controls do; ``box.timings``
    lists the seconds per update ("layer" for slider/picker moves, "text" for new inputs).
    """
    src, tgt_in, src_labels, tgt_labels = prepare(text)
    state = {"trace": attention_trace(model, src, tgt_in), "labels": (src_labels, tgt_labels),
             "layer": 0, "kind": kind}
    n_layers = state["trace"][kind].shape[0]
    fig = go.FigureWidget(heads_figure(state["trace"], kind, 0, src_labels, tgt_labels))
    slider = widgets.IntSlider(value=0, min=0, max=n_layers - 1, description="layer")
    picker = widgets.ToggleButtons(options=KINDS, value=kind, description="attention")
    box_text = widgets.Text(value=text, description="input", continuous_update=False,
                            layout=widgets.Layout(width="520px"))
    info = widgets.HTML(_info(src_labels, tgt_labels))
    timings: dict = {"layer": [], "text": []}

    def update(layer=None, kind=None, text=None) -> None:
        start = time.perf_counter()
        if text is not None:
            try:
                src, tgt_in, s_lab, t_lab = prepare(text)
            except ValueError as exc:
                info.value = f"<b style='color:#cf222e'>{html.escape(str(exc))}</b>"
                return
            state["trace"], state["labels"] = attention_trace(model, src, tgt_in), (s_lab, t_lab)
            info.value = _info(s_lab, t_lab)
        state["layer"] = state["layer"] if layer is None else layer
        state["kind"] = kind or state["kind"]
        slider.value, picker.value = state["layer"], state["kind"]  # a call from code shows too
        new = heads_figure(state["trace"], state["kind"], state["layer"], *state["labels"])
        with fig.batch_update():
            for old, trace in zip(fig.data, new.data, strict=True):
                old.z, old.x, old.y = trace.z, trace.x, trace.y
            fig.layout.title.text = new.layout.title.text
        timings["text" if text is not None else "layer"].append(time.perf_counter() - start)

    slider.observe(lambda ch: update(layer=ch["new"]), names="value")
    picker.observe(lambda ch: update(kind=ch["new"]), names="value")
    box_text.observe(lambda ch: ch["new"] and update(text=ch["new"]), names="value")
    box = FigureBox([slider, picker, box_text, info], fig, update)
    box.timings, box.state = timings, state
    return box


def _info(src_labels, tgt_labels) -> str:
    return (f"source: <code>{html.escape(' '.join(src_labels))}</code> &nbsp; decoder input: "
            f"<code>{html.escape(' '.join(tgt_labels))}</code>")


def attention_heatmap(weights, query_labels: Sequence[str], key_labels: Sequence[str],
                      title: str = "") -> go.Figure:
    """One attention map α (T_q, T_k) as a heatmap: rows attend to columns."""
    w = np.asarray(to_numpy(as_array(weights, "attention_heatmap(weights)", symbols="(T_q, T_k)")),
                   dtype=float)
    if w.shape != (len(query_labels), len(key_labels)):
        raise ValueError(f"attention_heatmap(weights): expected shape ({len(query_labels)}, "
                         f"{len(key_labels)}) for the labels, got {w.shape}")
    fig = go.Figure(go.Heatmap(z=w.round(3), x=_unique(key_labels), y=_unique(query_labels),
                               colorscale="Blues", zmin=0, zmax=1, texttemplate="%{z:.2f}",
                               hovertemplate="%{y} → %{x}: %{z}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", title_text="query (who attends)")
    fig.update_xaxes(title_text="key (attended to)")
    fig.update_layout(template=TEMPLATE, height=360, title=title or None,
                      margin=dict(l=60, r=20, t=60 if title else 20, b=50))
    return fig
