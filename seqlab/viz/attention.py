"""The attention heatmap explorer (notebook 17): where the date model looks for each character.

Pick an example or type a date; the heatmap shows α<t,t'> for every output character t (rows)
over the input characters t' (columns). Choose an output step (the slider, or click a row of the
heatmap) to see its row as bars. What-if: send that step's attention to one input character
(one-hot α row) and re-decode greedily from there; the new output is shown next to the old.

The computation is :meth:`seqlab.seq2seq.attention_model.AttentionSeq2Seq.attention_map`; the
widget decodes once per (text, what-if) and keeps it, so a step change only restyles.

Outlined boxes (``boxes``: (row, first column, stop column)) mark where a person would look,
the rule-derived field of each output character (:func:`seqlab.data.dates.date_fields`), so
the heatmap shows at a glance whether α lands inside them.
"""

from __future__ import annotations

import html
import time
from collections.abc import Mapping, Sequence

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqlab._validate import (
    MissingKeyError,
    as_array,
    check_dict,
    check_instance,
    check_int,
    check_sequence,
)
from seqlab.backend import to_numpy
from seqlab.seq2seq.attention_model import AttentionSeq2Seq
from seqlab.viz.plots import TEMPLATE
from seqlab.viz.widgets import FigureBox

__all__ = ["attention_explorer", "attention_figure", "decode_with_attention",
           "length_accuracy_plot", "training_curve_plot"]


def decode_with_attention(model, text: str, force: dict | None = None, max_len: int = 12):
    """(input characters, output characters, α (T_y, T_x) host array) for one date string."""
    check_instance(model, AttentionSeq2Seq, "decode_with_attention(model)")
    x_ids, x_len = model.batch([text])
    outs, alphas = model.attention_map(x_ids, x_len, max_len=max_len, force=force)
    tokens = [model.tgt_vocab.itos[i] for i in outs[0]]
    return list(text), tokens, np.asarray(to_numpy(alphas[0]), dtype=float)


def _labels(chars: Sequence[str]) -> list[str]:
    """Unique axis labels: 'char·position' (plotly merges equal category names)."""
    return [f"{c if c != ' ' else '␣'}·{i + 1}" for i, c in enumerate(chars)]


def _box_shapes(boxes, n_rows: int, n_cols: int, where: str) -> list[dict]:
    """Plotly rectangles around heatmap cells (row, columns lo..hi-1); categories sit at
    0, 1, 2, ... so a cell spans ±0.5 around its index."""
    shapes = []
    for box in boxes or ():
        if len(box) != 3:
            raise ValueError(f"{where}: expected (row, start, stop) triples, got {box!r}")
        t, lo, hi = (int(v) for v in box)
        if not (0 <= t < n_rows and 0 <= lo < hi <= n_cols):
            raise ValueError(f"{where}: expected 0 <= row < {n_rows} and 0 <= start < stop <= "
                             f"{n_cols}, got {box!r}")
        shapes.append(dict(type="rect", xref="x", yref="y", x0=lo - 0.5, x1=hi - 0.5,
                           y0=t - 0.5, y1=t + 0.5, line=dict(color="#e8710a", width=2),
                           fillcolor="rgba(0,0,0,0)"))
    return shapes


def attention_figure(inp: Sequence[str], out: Sequence[str], alpha, step: int = 0,
                     title: str = "", boxes=None) -> go.Figure:
    """Heatmap of α (len(out), len(inp)) with the row of ``step`` as bars underneath;
    ``boxes`` (row, start, stop) outline the cells a person would point to (orange)."""
    alpha = np.asarray(to_numpy(as_array(alpha, "attention_figure(alpha)", ndim=2,
                                         symbols="(T_y, T_x)")), dtype=float)
    if alpha.shape != (len(out), len(inp)):
        raise ValueError(f"attention_figure(alpha): expected shape (len(out), len(inp)) = "
                         f"{(len(out), len(inp))}, got {alpha.shape}")
    step = check_int(step, "attention_figure(step)", 0, len(out) - 1)
    shapes = _box_shapes(boxes, len(out), len(inp), "attention_figure(boxes)")
    xs, ys = _labels(inp), _labels(out)
    fig = make_subplots(rows=2, cols=1, row_heights=[0.66, 0.34], vertical_spacing=0.17,
                        subplot_titles=("α<t,t'>: output character t (rows) × input t'",
                                        f"step {step + 1}: α<{step + 1},t'>"))
    fig.add_trace(go.Heatmap(z=np.round(alpha, 3), x=xs, y=ys, colorscale="Blues", zmin=0,
                             zmax=1, colorbar=dict(len=0.6, y=0.7),
                             hovertemplate="output %{y}<br>input %{x}<br>α = %{z:.3f}"
                                           "<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Bar(x=xs, y=np.round(alpha[step], 3), marker_color="#1f77b4",
                         hovertemplate="input %{x}: α = %{y:.3f}<extra></extra>"), row=2, col=1)
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.update_yaxes(range=[0, 1], row=2, col=1)
    fig.update_layout(template=TEMPLATE, height=560, width=760, showlegend=False,
                      title=title or f"{''.join(inp)!r} → {''.join(out).replace('<eos>', '')}",
                      margin=dict(l=60, r=20, t=80, b=40), shapes=shapes)
    return fig


def attention_explorer(model, examples: Sequence[str], step: int = 0,
                       boxes: dict | None = None) -> FigureBox:
    """The explorer widget (module docstring). ``box.update(text=..., step=..., focus=...)``
    does what the controls do (``focus``: input position for the what-if, -1 for none);
    ``box.timings`` lists the seconds of each update. ``boxes``: {text: [(row, start,
    stop), ...]} outlines the expected cells of those texts (none for a typed date)."""
    check_instance(model, AttentionSeq2Seq, "attention_explorer(model)")
    boxes = dict(boxes or {})
    for text, rows in boxes.items():       # checked now: a bad box must not fail in a callback
        _box_shapes(rows, max((b[0] + 1 for b in rows), default=0), len(text),
                    f"attention_explorer(boxes[{text!r}])")

    def shapes(text, n_out):
        """The boxes of rows the output has (a wrong, shorter output drops the rest)."""
        return _box_shapes([b for b in boxes.get(text, ()) if b[0] < n_out], n_out, len(text),
                           "attention_explorer(boxes)")
    state = {"text": examples[0], "step": step, "focus": -1}
    cache: dict = {}

    def decoded(text, focus_key):
        if (text, focus_key) not in cache:
            force = None
            if focus_key is not None:
                t, j = focus_key
                row = np.zeros(len(text))
                row[j] = 1.0
                force = {t: row}
            cache[(text, focus_key)] = decode_with_attention(model, text, force)
        return cache[(text, focus_key)]

    inp, out, alpha = decoded(state["text"], None)
    fig = go.FigureWidget(attention_figure(inp, out, alpha, step))
    fig.layout.shapes = shapes(state["text"], len(out))
    step_slider = widgets.IntSlider(value=step, min=0, max=len(out) - 1,
                                    description="output step", continuous_update=True,
                                    layout=widgets.Layout(width="460px"))
    picker = widgets.Dropdown(options=list(examples), value=examples[0], description="example",
                              layout=widgets.Layout(width="460px"))
    box_text = widgets.Text(placeholder="or type a date and press Enter", description="date",
                            continuous_update=False, layout=widgets.Layout(width="460px"))
    focus = widgets.IntSlider(value=-1, min=-1, max=len(inp) - 1, description="what-if: look at",
                              style={"description_width": "initial"},
                              layout=widgets.Layout(width="460px"))
    info = widgets.HTML()
    timings: dict = {"step": [], "text": []}

    def render():
        text, t, j = state["text"], state["step"], state["focus"]
        inp, out, alpha = decoded(text, None)
        t = min(t, len(out) - 1)
        state["step"] = t
        with fig.batch_update():
            fig.data[0].z = np.round(alpha, 3)
            fig.data[0].x, fig.data[0].y = _labels(inp), _labels(out)
            fig.data[1].x, fig.data[1].y = _labels(inp), np.round(alpha[t], 3)
            fig.layout.annotations[1].text = f"step {t + 1} ('{out[t]}'): α<{t + 1},t'>"
            fig.layout.title.text = f"{text!r} → {''.join(out).replace('<eos>', '')}"
            fig.layout.shapes = shapes(text, len(out))
        msg = f"output: <b>{html.escape(''.join(out).replace('<eos>', ''))}</b>"
        if 0 <= j < len(inp):
            _, out2, _ = decoded(text, (t, j))
            msg += (f" — what-if step {t + 1} looks only at input {j + 1} "
                    f"('{html.escape(inp[j])}'): "
                    f"<b>{html.escape(''.join(out2).replace('<eos>', ''))}</b>")
        info.value = msg
        return inp, out

    focus_w = focus

    def _update(text=None, step=None, focus=None):
        start = time.perf_counter()
        kind = "text" if text is not None and text != state["text"] else "step"
        if text is not None:
            try:
                model.batch([text])
            except ValueError as exc:
                info.value = f"<b style='color:#cf222e'>{html.escape(str(exc))}</b>"
                return
            state.update(text=text, focus=-1)
        if step is not None:
            state["step"] = int(step)
        if focus is not None:
            state["focus"] = int(focus)
        inp, out = render()
        step_slider.max, focus_w.max = len(out) - 1, len(inp) - 1
        timings[kind].append(time.perf_counter() - start)

    def on_click(_trace, points, _selector):
        """A click on heatmap cell (row t, column t') selects output step t."""
        if points.point_inds and isinstance(points.point_inds[0], list | tuple):
            step_slider.value = int(points.point_inds[0][0])   # its observer redraws

    fig.data[0].on_click(on_click)
    step_slider.observe(lambda ch: _update(step=ch["new"]), names="value")
    picker.observe(lambda ch: _update(text=ch["new"]), names="value")
    box_text.observe(lambda ch: ch["new"] and _update(text=ch["new"]), names="value")
    focus_w.observe(lambda ch: _update(focus=ch["new"]), names="value")
    render()
    box = FigureBox([picker, box_text, step_slider, focus_w, info], fig, _update)
    box.timings, box.state, box.info = timings, state, info
    return box


def length_accuracy_plot(results: dict) -> go.Figure:
    """Accuracy vs input length, one line per model: ``results`` {name: {"lo-hi": [n, acc]}}."""
    check_dict(results, "length_accuracy_plot(results)", 'a dict {name: {"lo-hi": [n, acc]}}')
    if not results:
        raise MissingKeyError('length_accuracy_plot(results): expected at least one model, '
                              '{name: {"lo-hi": [n, acc]}}, got an empty dict')
    for name, bins in results.items():
        check_dict(bins, f"length_accuracy_plot(results[{name!r}])",
                   'a dict {"lo-hi": [n, acc]}')
    fig = go.Figure()
    for name, bins in results.items():
        keys = list(bins)
        fig.add_trace(go.Scatter(x=keys, y=[bins[k][1] for k in keys], mode="lines+markers",
                                 name=name, text=[f"n = {bins[k][0]}" for k in keys],
                                 hovertemplate="length %{x}: accuracy %{y:.3f} (%{text})"
                                               "<extra></extra>"))
    fig.update_layout(template=TEMPLATE,
                      title="exact-match accuracy vs input length (characters)",
                      xaxis_title="input length", yaxis_title="accuracy", yaxis_range=[0, 1.02],
                      height=380, width=700)
    return fig


def training_curve_plot(evals: dict, metric: str = "val_acc_500",
                        title: str = "validation exact-match accuracy while training",
                        y_title: str = "accuracy") -> go.Figure:
    """A validation metric vs Adam steps, one line per model: ``evals`` {name: [(step,
    {metric: value}), ...]} (the ``evals`` metadata of the shipped models)."""
    check_dict(evals, "training_curve_plot(evals)", "a dict {name: [(step, {metric: value})]}")
    for name, points in evals.items():
        for p in check_sequence(points, f"training_curve_plot(evals[{name!r}])"):
            if not (isinstance(p, Sequence) and len(p) == 2 and isinstance(p[1], Mapping)
                    and metric in p[1]):
                raise MissingKeyError(f"training_curve_plot(evals[{name!r}]): expected (step, "
                                      f"{{{metric!r}: value}}) pairs, got {p!r}")
    fig = go.Figure()
    for name, points in evals.items():
        fig.add_trace(go.Scatter(x=[p[0] for p in points], y=[p[1][metric] for p in points],
                                 mode="lines+markers", name=name))
    fig.update_layout(template=TEMPLATE, title=title,
                      xaxis_title="Adam steps (minibatches of 64)", yaxis_title=y_title,
                      yaxis_range=[0, 1.02], height=360, width=700)
    return fig
