"""The Transformer step-through (notebook 28): one forward pass, stage by stage, and the
gradient of one output token's loss at every stage.

For the text you type, :func:`transformer_stepper` shows the pipeline of
:func:`seqlab.transformer.trace.trace_forward` as a strip of stages (click one, or step with the
slider and the ◀ ▶ buttons); for the chosen stage, each of its tensors as a heatmap with its
shape, the equation in the lecture's notation and the library lines that computed it (read from
the real source, :func:`seqlab.viz.source.source_lines_html`). Switch the view to "backward"
and the same panels show ∂J/∂tensor for J = -log ŷ<t>[y<t>], the loss of the output token you
pick, from :func:`~seqlab.transformer.trace.trace_backward`; the strip's colours then show
log10 ‖∂J/∂·‖ along the whole pipeline.

The widget traces once per text (and once per loss position) and keeps the results: a stage,
head or view change only restyles the figures.
"""

from __future__ import annotations

import html
import time

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqlab._validate import check_bool, check_instance, check_int, check_str
from seqlab.backend import to_numpy
from seqlab.transformer.tasks import TaskModel
from seqlab.transformer.trace import Stage, trace_backward, trace_forward
from seqlab.viz.plots import TEMPLATE, visible
from seqlab.viz.source import source_lines_html
from seqlab.viz.widgets import FigureBox

__all__ = ["prepare_text", "stage_panels", "transformer_stepper"]

BLOCK_COLOURS = {"embedding": "#8c564b", "self-attention": "#1f77b4",
                 "masked self-attention": "#9467bd", "cross-attention": "#2ca02c",
                 "feed-forward": "#ff7f0e", "output": "#d62728"}
GAP = 0.06          # between panels, in paper units
ROW = 1.5           # between the strip's encoder and decoder rows
STRIP, PANELS = 0.76, 0.64   # the strip's bottom and the panels' top, in paper units
DIM_LABELS = {"d_model": "feature", "d_k": "feature of the head", "d_ff": "hidden unit"}


def prepare_text(task, text: str) -> dict:
    """The source, the model's greedy answer and the decoder input for a typed text, with the
    labels of every axis: {"src", "tgt_in", "answer", "labels": {axis: [str]}}."""
    check_instance(task, TaskModel, "prepare_text(task)", "a TaskModel (TaskModel.load)")
    check_str(text, "prepare_text(text)")
    tokens = task.tokens(text)
    answer = task.greedy([tokens])[0]
    src, tgt_in, _ = task.batch([tokens], [answer])                 # (1, T_x), (1, T_y)
    out = [*answer, "<eos>"]                                        # what each row predicts
    labels = {"src": [f"{i}:{visible(t)}" for i, t in enumerate(tokens)],
              "tgt": [f"{i}:{t}→{o}" for i, (t, o) in enumerate(zip(["<bos>", *answer], out,
                                                                       strict=True))],
              "V_src": [visible(t) for t in task.src_vocab.itos],
              "V_tgt": [visible(t) for t in task.tgt_vocab.itos]}
    return {"src": src, "tgt_in": tgt_in, "answer": answer, "labels": labels, "out": out}


def stage_panels(stage, head: int, backward: bool) -> list[dict]:
    """The heatmaps of one stage as plain dicts: title, z (rows, cols), rows/cols axis names,
    colour kind ("real", "grad", "prob", "mask", "onehot", "none") and the tensor's shape."""
    check_instance(stage, Stage, "stage_panels(stage)", "a Stage of a TransformerTrace")
    check_bool(backward, "stage_panels(backward)")
    heads = [np.shape(p.value)[0] for p in stage.panels if np.ndim(p.value) == 3]
    head = check_int(head, "stage_panels(head)", 0, heads[0] - 1 if heads else None)
    out = []
    for p in stage.panels:
        value = np.asarray(to_numpy(p.value))
        shape = value.shape
        if p.kind == "ids":                                         # drawn one-hot
            z, kind = value, "onehot"
        elif backward:
            has = p.grad is not None
            z = np.asarray(to_numpy(p.grad)) if has else value
            kind = "grad" if has else "none"
        else:
            z, kind = value, {"real": "real", "prob": "prob", "mask": "mask"}[p.kind]
        if z.ndim == 3:                                             # (h, rows, cols): one head
            z = z[head]
        title = p.title + (f", head {head}" if len(shape) == 3 else "")
        if backward and kind == "grad":
            title = f"∂J/∂({p.title})" + (f", head {head}" if len(shape) == 3 else "")
        elif backward and p.kind != "ids":
            title += " (no gradient)"
        out.append({"title": title, "z": z, "rows": p.rows, "cols": p.cols, "kind": kind,
                    "shape": shape})
    return out


def _colours(kind: str, z) -> dict:
    if kind in ("prob", "onehot", "mask"):
        scale = "Blues" if kind == "prob" else [[0, "#f4f4f4"], [1, "#1f4e79"]]
        return dict(colorscale=scale, zmin=0, zmax=1, zmid=None)
    if kind == "none":
        return dict(colorscale="Greys", zmin=float(np.min(z)), zmax=float(np.max(z)) + 1e-12,
                    zmid=None)
    top = float(np.max(np.abs(z))) or 1.0
    return dict(colorscale="PiYG" if kind == "grad" else "RdBu_r", zmin=-top, zmax=top, zmid=0)


def _add_strip(fig, stages) -> None:
    """The pipeline strip on top of the figure (axes x4, y4): two rows of stages (encoder;
    decoder and output), one marker each, labelled, the current one outlined by a shape."""
    xs, ys = _strip_positions(stages)
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="markers+text", text=[s.short for s in stages], xaxis="x4",
        yaxis="y4", textposition=["top center" if i % 2 else "bottom center"
                                  for i in range(len(stages))], textfont=dict(size=9),
        marker=dict(symbol="square", size=14, color=[BLOCK_COLOURS[s.block] for s in stages],
                    line=dict(width=1, color="white")), showlegend=False,
        hovertext=[_long_name(s) for s in stages], hoverinfo="text"))
    fig.update_layout(
        xaxis4=dict(visible=False, range=[-1, max(xs) + 1], domain=[0, 1], anchor="y4"),
        yaxis4=dict(visible=False, range=[-ROW - 0.75, 0.75], domain=[STRIP, 1], anchor="x4"),
        shapes=_highlight(xs[0], ys[0]))
    layers = [dict(x=x, y=y + 0.62, xref="x4", yref="y4", text=f"layer {s.layer}",
                   showarrow=False, font=dict(size=9, color="#57606a"), xanchor="left")
              for x, y, s, prev in zip(xs, ys, stages, [None, *stages[:-1]], strict=True)
              if s.layer >= 0 and (prev is None or prev.layer != s.layer)]
    for yy, name in ((0, "encoder"), (ROW, "decoder")):
        fig.add_annotation(x=-0.7, y=-yy, xref="x4", yref="y4", text=name, showarrow=False,
                           xanchor="right", font=dict(size=11))
    for a in layers:
        fig.add_annotation(a)


def _highlight(x: float, y: float) -> tuple:
    """The figure's shapes: a black square around the strip's marker at (x, y)."""
    return (dict(type="rect", xref="x4", yref="y4", x0=x - 0.62, x1=x + 0.62, y0=y - 0.26,
                 y1=y + 0.26, line=dict(color="black", width=2.5)),)


def _strip_positions(stages):
    xs, ys, count = [], [], {"encoder": 0, "decoder": 0}
    for s in stages:
        row = "encoder" if s.side == "encoder" else "decoder"
        xs.append(count[row] + (0.6 * s.layer if s.layer > 0 else 0)
                  + (0.6 if s.side == "output" else 0))
        ys.append(0 if row == "encoder" else -ROW)
        count[row] += 1
    return xs, ys


def _long_name(stage) -> str:
    where = stage.side if stage.layer < 0 else f"{stage.side} layer {stage.layer}, {stage.block}"
    return f"{where}: {stage.name}"


def _stage_figure(stages) -> go.Figure:
    """The strip (top) and three heatmap panels (traces 0-2, axes x/y, x2/y2, x3/y3): one
    figure, so that a step redraws once (plotly's widget redraws a whole figure on any update
    from Python, shapes included)."""
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=GAP)
    for i in range(3):
        fig.add_trace(go.Heatmap(z=[[0]], showscale=True,
                                 colorbar=dict(thickness=8, len=0.6, y=0.33),
                                 hovertemplate="row %{y}, column %{x}: %{z:.3g}<extra></extra>"),
                      1, i + 1)
        fig.update_yaxes(autorange="reversed", type="linear", domain=[0, PANELS], row=1,
                         col=i + 1)
        fig.update_xaxes(type="linear", row=1, col=i + 1)
    fig.update_layout(template=TEMPLATE, height=560, margin=dict(l=110, r=30, t=10, b=60),
                      plot_bgcolor="rgba(0,0,0,0)",    # no panel's background hides another
                      annotations=[dict(text="", x=0.5, y=PANELS + 0.04, xref="paper",
                                        yref="paper", showarrow=False, font=dict(size=13))
                                   for _ in range(3)])
    _add_strip(fig, stages)
    return fig


def _draw_stage(fig, panels, labels, sent: dict) -> None:
    """Restyle the stage figure in place: one equal-width panel per tensor, the rest hidden.
    Only what differs from what was sent last (``sent``: property path -> value) is sent: a
    relayout of unchanged axes still costs plotly.js a redraw, and reading plotly's own
    properties back costs Python more than the update."""
    n = len(panels)
    width = (1 - GAP * (n - 1)) / n
    props: dict = {}                 # "data[i].key" and layout paths -> value
    for i in range(3):
        ax, ay, tr = (f"xaxis{i + 1 if i else ''}", f"yaxis{i + 1 if i else ''}", f"data[{i}]")
        if i >= n:                   # unused: hidden, its plot area moved to the edge
            props.update({f"{tr}.visible": False, f"{ax}.visible": False,
                          f"{ax}.domain": (0.999, 1), f"{ay}.visible": False,
                          f"annotations[{i}].text": ""})
            continue
        p = panels[i]
        lo = i * (width + GAP)
        z = p["z"] if p["kind"] != "onehot" else np.eye(len(labels[p["cols"]]))[p["z"]]
        z = z.astype(np.float32)      # bool masks too: plotly.js draws no bool typed array
        named_cols = p["cols"] not in DIM_LABELS
        # numeric x and y with the labels as tick text: plotly's category axes kept the
        # categories of earlier stages and drew cells of uneven widths
        props.update({f"{tr}.x": tuple(range(z.shape[1])), f"{tr}.y": tuple(range(z.shape[0])),
                      f"{tr}.visible": True, f"{tr}.colorbar.x": lo + width - 0.02,
                      **{f"{tr}.{k}": v for k, v in _colours(p["kind"], z).items()},
                      f"{ax}.domain": (lo, lo + width - 0.045), f"{ax}.visible": True,
                      f"{ax}.title.text": DIM_LABELS.get(p["cols"], ""), f"{ay}.visible": True,
                      f"{ay}.showticklabels": i == 0 or p["rows"] != panels[0]["rows"],
                      f"annotations[{i}].text": f"{html.escape(p['title'])}  {tuple(p['shape'])}",
                      f"annotations[{i}].x": lo + (width - 0.045) / 2,
                      **{f"{ax}.{k}": v for k, v in _ticks(
                          labels.get(p["cols"]) if named_cols else None).items()},
                      **{f"{ay}.{k}": v for k, v in _ticks(labels.get(p["rows"])).items()}})
        props[f"{tr}.z"] = z                                   # always new
    changed = {k: v for k, v in props.items() if k.endswith(".z") or sent.get(k, sent) != v}
    sent.update(changed)
    for key, value in changed.items():              # inside the caller's batch update
        if key.startswith("data["):
            i, prop = int(key[5]), key[8:]
            fig.data[i][prop] = value
        else:
            fig.layout[key] = value


def _ticks(names) -> dict:
    """An axis' ticks: one per named row or column, else plotly's own numbers."""
    if names is None:
        return dict(tickmode="auto", tickvals=None, ticktext=None)
    return dict(tickmode="array", tickvals=tuple(range(len(names))), ticktext=tuple(names))


def transformer_stepper(task, text: str, stage: int = 0, head: int = 0) -> FigureBox:
    """The step-through widget (module docstring). ``box.update(stage=..., head=...,
    view="forward" | "backward", position=..., text=...)`` does what the controls do;
    ``box.timings`` lists the seconds of each update, ``box.state`` holds the traces."""
    check_instance(task, TaskModel, "transformer_stepper(task)", "a TaskModel (TaskModel.load)")
    check_str(text, "transformer_stepper(text)")
    stage = check_int(stage, "transformer_stepper(stage)", 0)
    head = check_int(head, "transformer_stepper(head)", 0)
    state = {"text": text, "stage": stage, "head": head, "view": "forward", "position": 0,
             "syncing": False}
    traces: dict = {}
    colours: dict = {}
    sent: dict = {}                  # what the stage figure was last sent (_draw_stage)

    def traced(text, position=None):
        if (text, None) not in traces:
            prep = prepare_text(task, text)
            traces[(text, None)] = (prep, trace_forward(task.model, prep["src"], prep["tgt_in"]))
        prep, fwd = traces[(text, None)]
        if position is None:
            return prep, fwd
        if (text, position) not in traces:
            traces[(text, position)] = (prep, trace_backward(task.model, fwd, position))
        return traces[(text, position)]

    prep, fwd = traced(text)
    n_stages, h = len(fwd.stages), task.model.config.n_heads
    fig = go.FigureWidget(_stage_figure(fwd.stages))
    strip = fig.data[3]
    slider = widgets.IntSlider(value=stage, min=0, max=n_stages - 1, description="stage",
                               continuous_update=True, layout=widgets.Layout(width="520px"))
    back, ahead = widgets.Button(description="◀", layout=widgets.Layout(width="40px")), \
        widgets.Button(description="▶", layout=widgets.Layout(width="40px"))
    head_w = widgets.IntSlider(value=head, min=0, max=h - 1, description="head")
    view_w = widgets.ToggleButtons(options=["forward", "backward"], value="forward",
                                 description="view", tooltips=["the tensor", "∂J/∂ the tensor"])
    pos_w = widgets.IntSlider(value=0, min=0, max=prep["tgt_in"].shape[1] - 1,
                              description="loss at t", style={"description_width": "initial"})
    box_text = widgets.Text(value=text, description="input", continuous_update=False,
                            layout=widgets.Layout(width="520px"))
    # fixed heights: an output that changes height makes JupyterLab resize the figures, and
    # plotly.js redraws a resized figure; the backward view's text takes 6 lines at 850 px
    info = widgets.HTML(layout=widgets.Layout(height="150px", overflow="auto"))  # 6 lines
    code = widgets.HTML(layout=widgets.Layout(height="190px", overflow="auto"))
    timings: list = []

    def render():
        prep, tr = traced(state["text"], state["position"] if state["view"] == "backward"
                          else None)
        st = tr.stages[state["stage"]]
        panels = stage_panels(st, state["head"], state["view"] == "backward")
        key = (state["text"], state["position"] if state["view"] == "backward" else None)
        if key not in colours:
            colours[key] = (_norm_colours(tr) if key[1] is not None
                            else [BLOCK_COLOURS[s.block] for s in tr.stages])
        xs, ys = _strip_positions(tr.stages)
        with fig.batch_update():                       # one message, one redraw
            _draw_stage(fig, panels, prep["labels"], sent)
            if sent.get("strip colours") != key:
                strip.marker.color = colours[key]
                sent["strip colours"] = key
            fig.layout.shapes = _highlight(xs[state["stage"]], ys[state["stage"]])
        info.value = _info(st, state, prep, tr)
        refs = st.back_code if state["view"] == "backward" else st.code
        code.value = (f"<b>{'backward' if state['view'] == 'backward' else 'forward'}: the "
                      f"library's lines</b>" + (source_lines_html(refs) if refs else
                                                 "<div>(no computation: an input)</div>"))

    def update(stage=None, head=None, view=None, position=None, text=None) -> None:
        start = time.perf_counter()
        if text is not None and text != state["text"]:
            try:
                prep, _ = traced(text)
            except (ValueError, KeyError) as exc:
                info.value = f"<b style='color:#cf222e'>{html.escape(str(exc))}</b>"
                return
            state.update(text=text, position=0)
            pos_w.max = prep["tgt_in"].shape[1] - 1
        for key, value in (("stage", stage), ("head", head), ("view", view),
                           ("position", position)):
            if value is not None:
                state[key] = value
        state["syncing"] = True                     # a call from code moves the controls too
        slider.value, head_w.value, view_w.value = state["stage"], state["head"], state["view"]
        pos_w.value = state["position"]
        state["syncing"] = False
        render()
        timings.append(time.perf_counter() - start)

    def on(name):
        return lambda ch: None if state["syncing"] else update(**{name: ch["new"]})

    def on_click(_trace, points, _selector):
        if points.point_inds:
            slider.value = int(points.point_inds[0])

    strip.on_click(on_click)
    slider.observe(on("stage"), names="value")
    back.on_click(lambda _: update(stage=max(state["stage"] - 1, 0)))
    ahead.on_click(lambda _: update(stage=min(state["stage"] + 1, n_stages - 1)))
    head_w.observe(on("head"), names="value")
    view_w.observe(on("view"), names="value")
    pos_w.observe(on("position"), names="value")
    box_text.observe(lambda ch: ch["new"] and update(text=ch["new"]), names="value")
    render()
    controls = [widgets.HBox([slider, back, ahead]), widgets.HBox([head_w, view_w]),
                widgets.HBox([pos_w, box_text]), info]
    box = FigureBox(controls, fig, update, below=[code])
    box.timings, box.state, box.traces, box.strip, box.info, box.code = (
        timings, state, traces, strip, info, code)
    return box


def _norm_colours(tr) -> list:
    """log10 ‖∂J/∂·‖ of each stage's last tensor with a gradient (grey where none)."""
    out = []
    for s in tr.stages:
        grads = [p.grad for p in s.panels if p.grad is not None]
        norm = float(np.linalg.norm(np.asarray(to_numpy(grads[-1])))) if grads else 0.0
        out.append(_viridis(np.log10(norm)) if norm > 0 else "#cccccc")
    return out


def _viridis(v: float) -> str:
    """A colour of plotly's Viridis for log10 norms from -4 (dark) to 1 (yellow)."""
    from plotly.colors import sample_colorscale
    return sample_colorscale("Viridis", [min(max((v + 4) / 5, 0.0), 1.0)])[0]


def _info(st, state, prep, tr) -> str:
    i, n = state["stage"], len(tr.stages)
    where = html.escape(_long_name(st))
    text = (f"<b>stage {i + 1} of {n}: {where}</b><br>"
            f"<span style='font-size:14px'>{html.escape(st.equation)}</span><br>"
            f"source → answer: <code>{html.escape(state['text'])}</code> → "
            f"<code>{html.escape(prep['answer'])}</code>")
    if state["view"] == "backward":
        t = state["position"]
        text += (f"<br>backward: J = -log ŷ<{t}>[{html.escape(prep['out'][t])}] = "
                 f"{tr.loss:.3g} (the loss of output {t}, "
                 f"'{html.escape(prep['labels']['tgt'][t])}'); the strip's colours: "
                 f"‖∂J/∂·‖ of each stage, dark 1e-4 to yellow 10 (log scale), grey: none")
    return text
