"""Where one output token's gradient goes (notebook 28): the backward pass, summarised.

For J = -log ŷ<t>[y<t>], the loss of the output token you pick, from
:func:`seqlab.transformer.trace.trace_backward` (the library's hand-written backward passes):

1. ‖∂J/∂·‖ at every stage of the forward pipeline (each stage's output tensor, all heads),
   on a log scale: how big the gradient is where it arrives;
2. at every residual sub-layer LN(x + Sublayer(x)), how much of ∂J/∂x comes through the
   identity path (‖∂J/∂(x + ·)‖, handed to x unchanged) and how much through the attention or
   the feed-forward network (‖∂J/∂x via the sub-layer‖); a cross-attention also sends
   ‖∂J/∂enc‖ to the encoder;
3. ∂J/∂α of every head of one attention you pick, rows = queries, columns = keys.
"""

from __future__ import annotations

import time

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqlab._validate import check_instance, check_int, check_str
from seqlab.backend import to_numpy
from seqlab.transformer.tasks import TaskModel
from seqlab.transformer.trace import TransformerTrace, trace_backward, trace_forward
from seqlab.viz.plots import COLOURS, TEMPLATE
from seqlab.viz.step_through import BLOCK_COLOURS, prepare_text
from seqlab.viz.widgets import FigureBox

__all__ = ["gradient_flow_view", "gradient_norms", "residual_split"]


def _norm(a) -> float:
    return float(np.linalg.norm(np.asarray(to_numpy(a), dtype=float)))


def gradient_norms(trace) -> list[tuple[str, str, float]]:
    """(stage key, short label, ‖∂J/∂ the stage's last tensor with a gradient‖) per stage that
    has one, in pipeline order (all heads together for per-head stages)."""
    check_instance(trace, TransformerTrace, "gradient_norms(trace)",
                   "a TransformerTrace (trace_backward)")
    out = []
    for s in trace.stages:
        grads = [p.grad for p in s.panels if p.grad is not None]
        if grads:
            out.append((s.key, s.short, _norm(grads[-1])))
    return out


def residual_split(trace) -> list[dict]:
    """Per residual sub-layer, in forward order: {"name", "identity": ‖∂J/∂(x + Sublayer(x))‖
    (the identity path), "sublayer": ‖∂J/∂x through the sub-layer‖, "enc": ‖∂J/∂enc‖ (a
    cross-attention; else 0)}."""
    check_instance(trace, TransformerTrace, "residual_split(trace)",
                   "a TransformerTrace (trace_backward)")
    if trace.flows is None:
        raise ValueError("residual_split(trace): expected a trace from trace_backward (with the "
                         "gradients' flows), got one from trace_forward (flows None)")
    out = []
    for side in ("enc", "dec"):
        for layer, subs in enumerate(trace.flows[side]):
            for name, g in subs.items():
                out.append({"name": f"{side} {layer} {name}", "identity": _norm(g.dresidual),
                            "sublayer": _norm(g.dx_sublayer),
                            "enc": _norm(g.denc) if g.denc is not None else 0.0})
    return out


def attention_choices(n_layers: int) -> list[tuple[str, tuple]]:
    """(label, (side, layer, sub-layer)) of every attention of the model."""
    out = []
    for side, subs in (("enc", ("mha",)), ("dec", ("self", "cross"))):
        for layer in range(n_layers):
            for sub in subs:
                kind = {"mha": "self-attention", "self": "masked self-attention",
                        "cross": "cross-attention"}[sub]
                out.append((f"{'encoder' if side == 'enc' else 'decoder'} layer {layer}, {kind}",
                            (side, layer, sub)))
    return out


def flow_figure(trace, prep, which: tuple, n_heads: int) -> go.Figure:
    """The three panels of the module docstring for one traced backward pass."""
    norms = gradient_norms(trace)
    split = residual_split(trace)
    titles = ["‖∂J/∂·‖ at every stage (each stage's output, all heads)",
              "at each residual sub-layer: ‖∂J/∂x‖ by path"] + [f"∂J/∂α, head {h}"
                                                                  for h in range(n_heads)]
    fig = make_subplots(rows=3, cols=n_heads, vertical_spacing=0.13, horizontal_spacing=0.03,
                        row_heights=[0.32, 0.28, 0.40], subplot_titles=titles,
                        specs=[[{"colspan": n_heads}] + [None] * (n_heads - 1)] * 2
                        + [[{}] * n_heads])
    block = {s.key: s.block for s in trace.stages}
    fig.add_trace(go.Bar(x=list(range(len(norms))), y=[n for _, _, n in norms],
                         marker_color=[BLOCK_COLOURS[block[k]] for k, _, _ in norms],
                         hovertext=[k for k, _, _ in norms], hoverinfo="text+y",
                         name="‖∂J/∂·‖", showlegend=False), 1, 1)
    fig.update_xaxes(tickvals=list(range(len(norms))), ticktext=[s for _, s, _ in norms],
                     tickfont=dict(size=8), row=1, col=1)
    fig.update_yaxes(type="log", title_text="‖∂J/∂·‖", exponentformat="e", row=1, col=1)
    names = [d["name"] for d in split]
    for i, (key, label) in enumerate((("identity", "identity path<br>∂J/∂(x + ·)"),
                                      ("sublayer", "through attention<br>or the FFN"),
                                      ("enc", "cross-attention<br>→ encoder"))):
        fig.add_trace(go.Bar(x=names, y=[d[key] for d in split], name=label,
                             marker_color=COLOURS[i]), 2, 1)
    residual_axis = fig.data[-1].yaxis                               # "y2", "y5": row 2's
    fig.update_yaxes(type="log", title_text="‖∂J/∂x‖", exponentformat="e", dtick=1, row=2,
                     col=1)                                          # one label per decade
    for h in range(n_heads):
        fig.add_trace(go.Heatmap(z=[[0]], colorscale="PiYG", zmid=0, showscale=h == n_heads - 1,
                                 colorbar=dict(len=0.35, y=0.17, thickness=8,
                                               exponentformat="e"),
                                 hovertemplate="%{y} → %{x}: %{z:.3g}<extra></extra>"),
                      3, h + 1)
        fig.update_yaxes(autorange="reversed", showticklabels=h == 0, row=3, col=h + 1)
    fig.update_layout(template=TEMPLATE, height=860, barmode="group",
                      margin=dict(l=110, r=130, t=100, b=60), title_y=0.985,
                      # beside the residual chart, outside its bars
                      legend=dict(x=1.01, xanchor="left", yanchor="middle", font=dict(size=10),
                                  y=sum(fig.layout[f"yaxis{residual_axis[1:]}"].domain) / 2))
    _set_heads(fig, trace, prep, which, n_heads)
    return fig


def _set_heads(fig, trace, prep, which, n_heads) -> None:
    side, layer, sub = which
    g = trace.flows[side][layer][sub].attention.dweights[0]                 # (h, T_q, T_k)
    g = np.asarray(to_numpy(g), dtype=float)
    top = float(np.abs(g).max()) or 1.0
    rows = prep["labels"]["src" if side == "enc" else "tgt"]
    cols = prep["labels"]["tgt" if sub == "self" else "src"]
    t = trace.position
    with fig.batch_update():
        for h in range(n_heads):
            fig.data[4 + h].update(z=g[h], x=cols, y=rows, zmin=-top, zmax=top)
        fig.layout.title.text = (f"J = -log ŷ<{t}>[{prep['out'][t]}] = {trace.loss:.3g}: "
                                 f"∂J/∂α of each head below ({side} layer {layer}, {sub})")


def gradient_flow_view(task, text: str, position: int = 0) -> FigureBox:
    """The widget: an output-position slider (first control), an attention picker for ∂J/∂α,
    a text box. ``box.update(position=..., which=..., text=...)`` does what the controls do;
    ``box.timings`` lists the seconds per update."""
    check_instance(task, TaskModel, "gradient_flow_view(task)", "a TaskModel (TaskModel.load)")
    check_str(text, "gradient_flow_view(text)")
    position = check_int(position, "gradient_flow_view(position)", 0)
    n_heads, L = task.model.config.n_heads, task.model.config.n_layers
    choices = attention_choices(L)
    state = {"text": text, "position": position, "which": choices[-1][1], "syncing": False}
    cache: dict = {}

    def traced(text, position):
        if text not in cache:
            prep = prepare_text(task, text)
            cache[text] = (prep, trace_forward(task.model, prep["src"], prep["tgt_in"]), {})
        prep, fwd, back = cache[text]
        if position not in back:
            back[position] = trace_backward(task.model, fwd, position)
        return prep, back[position]

    prep, tr = traced(text, position)
    fig = go.FigureWidget(flow_figure(tr, prep, state["which"], n_heads))
    slider = widgets.IntSlider(value=position, min=0, max=prep["tgt_in"].shape[1] - 1,
                               description="loss of output t",
                               style={"description_width": "initial"},
                               layout=widgets.Layout(width="460px"))
    picker = widgets.Dropdown(options=choices, value=state["which"], description="∂J/∂α of",
                              layout=widgets.Layout(width="460px"))
    box_text = widgets.Text(value=text, description="input", continuous_update=False,
                            layout=widgets.Layout(width="460px"))
    info = widgets.HTML()
    timings: list = []

    def update(position=None, which=None, text=None) -> None:
        start = time.perf_counter()
        if text is not None and text != state["text"]:
            try:
                prep, _ = traced(text, 0)
            except (ValueError, KeyError) as exc:
                info.value = f"<b style='color:#cf222e'>{exc}</b>"
                return
            state.update(text=text, position=0)
            slider.max = prep["tgt_in"].shape[1] - 1
        state["position"] = state["position"] if position is None else position
        state["which"] = which or state["which"]
        state["syncing"] = True
        slider.value, picker.value = state["position"], state["which"]
        state["syncing"] = False
        prep, tr = traced(state["text"], state["position"])
        norms, split = gradient_norms(tr), residual_split(tr)
        with fig.batch_update():
            fig.data[0].y = [n for _, _, n in norms]
            for i, key in enumerate(("identity", "sublayer", "enc")):
                fig.data[1 + i].y = [d[key] for d in split]
        _set_heads(fig, tr, prep, state["which"], n_heads)
        info.value = (f"<code>{state['text']}</code> → <code>{prep['answer']}</code>; "
                      f"loss of output {state['position']} "
                      f"('{prep['labels']['tgt'][state['position']]}')")
        timings.append(time.perf_counter() - start)

    def on(name):
        return lambda ch: None if state["syncing"] else update(**{name: ch["new"]})

    slider.observe(on("position"), names="value")
    picker.observe(on("which"), names="value")
    box_text.observe(lambda ch: ch["new"] and update(text=ch["new"]), names="value")
    update()
    box = FigureBox([slider, picker, box_text, info], fig, update)
    box.timings, box.state, box.cache = timings, state, cache
    return box
