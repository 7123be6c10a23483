"""Decoding controls on a trained Transformer (notebook 28): temperature, top-k, beam width.

For the text you type, three decoders run on the same :class:`~seqlab.transformer.tasks
.TaskModel`: sampling with temperature τ and top-k (:meth:`TaskModel.sample`, lm.sampling's
``adjust_logits`` and ``draw``), greedy search (τ = 0) and Week 3's beam search with width B
(:meth:`TaskModel.beam`). The left panel shows the next-token distribution at the step you
pick along the sampled path: the model's own P(v | x, y<1..t-1>) (grey) and the distribution
the token was drawn from after τ and top-k (blue), the drawn token outlined. The right panel
shows the drawn-from distribution at every step, with the three chosen paths on it.
"""

from __future__ import annotations

import html
import time

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqlab._validate import check_instance, check_sequence, check_str
from seqlab.transformer.tasks import TaskModel
from seqlab.viz.plots import TEMPLATE, visible
from seqlab.viz.widgets import FigureBox

__all__ = ["decoding_explorer", "decoding_figure"]

PATHS = (("sampled", "#d62728", "x"), ("greedy", "#111111", "circle-open"),
         ("beam", "#2ca02c", "square-open"))


def decoding_figure(vocab: list[str]) -> go.Figure:
    """The empty figure: bars (model, drawn-from) left, the step × token heatmap right with
    one marker trace per path (sampled, greedy, beam)."""
    vocab = check_sequence(vocab, "decoding_figure(vocab)", "a list of token labels", empty=False)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.42, 0.58], horizontal_spacing=0.1)
    fig.add_trace(go.Bar(x=vocab, y=[0] * len(vocab), name="model P(v | x, y<t)",
                         marker_color="#bbbbbb"), 1, 1)
    fig.add_trace(go.Bar(x=vocab, y=[0] * len(vocab), name="drawn from (τ, top-k)",
                         marker_color="#1f77b4", marker_line=dict(color="#d62728", width=0)),
                  1, 1)
    fig.add_trace(go.Heatmap(z=[[0] * len(vocab)], x=vocab, colorscale="Blues", zmin=0,
                             zmax=1, showscale=False,
                             hovertemplate="step %{y}, %{x}: p = %{z:.3f}<extra></extra>"), 1, 2)
    for name, colour, symbol in PATHS:
        fig.add_trace(go.Scatter(x=[], y=[], mode="markers+lines", name=f"{name} path",
                                 marker=dict(symbol=symbol, size=13, color=colour,
                                             line=dict(width=2, color=colour)),
                                 line=dict(color=colour, width=1, dash="dot")), 1, 2)
    fig.update_yaxes(range=[0, 1.05], title_text="probability", row=1, col=1)
    fig.update_yaxes(autorange="reversed", title_text="step t", row=1, col=2)
    fig.update_xaxes(title_text="next token v", row=1, col=1)
    fig.update_xaxes(title_text="token", row=1, col=2)
    fig.update_layout(template=TEMPLATE, height=470, barmode="overlay",
                      margin=dict(l=60, r=20, t=70, b=120),
                      legend=dict(orientation="h", x=0, y=-0.32, yanchor="top"))
    return fig


def decoding_explorer(task, text: str, temperature: float = 1.0, top_k: int = 0,
                      beam_width: int = 3, seed: int = 0, max_len: int = 12) -> FigureBox:
    """The widget: sliders for τ (first control), top-k (0 = all tokens), beam width, seed
    and the step shown; a text box. ``box.update(temperature=..., top_k=..., beam_width=...,
    seed=..., step=..., text=...)`` does what the controls do; ``box.timings`` lists the
    seconds per update, ``box.results`` the decoded outputs by setting."""
    check_instance(task, TaskModel, "decoding_explorer(task)", "a TaskModel (TaskModel.load)")
    check_str(text, "decoding_explorer(text)")
    vocab = [visible(t) for t in task.tgt_vocab.itos]
    V = len(vocab)
    state = {"text": text, "temperature": temperature, "top_k": top_k,
             "beam_width": beam_width, "seed": seed, "step": 0, "syncing": False}
    results: dict = {}

    def run(kind, *key):
        """Each decoder once per setting: (text, tokens, log P, model rows, drawn-from rows)."""
        if (kind, *key) not in results:
            src = key[0]
            if kind == "beam":
                out, res = task.beam(src, beam_width=key[1], max_len=max_len)
                rows = task.path_log_probs(src, res.best)
                results[(kind, *key)] = (out, res.best, res.best_log_prob, rows, np.exp(rows))
            else:
                tau, k, s = (0.0, None, 0) if kind == "greedy" else key[1:]
                out, res = task.sample(src, tau, k or None, s, max_len)
                results[(kind, *key)] = (out, res.tokens, res.log_prob, res.log_probs,
                                         res.probs)
        return results[(kind, *key)]

    fig = go.FigureWidget(decoding_figure(vocab))
    style, wide = {"description_width": "initial"}, widgets.Layout(width="420px")
    tau_w = widgets.FloatSlider(value=temperature, min=0.0, max=3.0, step=0.05,
                                description="temperature τ", style=style, layout=wide,
                                continuous_update=True, readout_format=".2f")
    k_w = widgets.IntSlider(value=top_k, min=0, max=V, description="top-k (0: all)",
                            style=style, layout=wide)
    b_w = widgets.IntSlider(value=beam_width, min=1, max=8, description="beam width B",
                            style=style, layout=wide)
    seed_w = widgets.IntSlider(value=seed, min=0, max=50, description="seed", style=style,
                               layout=wide)
    step_w = widgets.IntSlider(value=0, min=0, max=max_len - 1, description="step t",
                               style=style, layout=wide)
    box_text = widgets.Text(value=text, description="input", continuous_update=False,
                            layout=widgets.Layout(width="520px"))
    info = widgets.HTML()
    timings: list = []

    def update(**values) -> None:
        start = time.perf_counter()
        new_text = values.pop("text", None)
        if new_text is not None and new_text != state["text"]:
            try:
                run("greedy", new_text)
            except (ValueError, KeyError) as exc:
                info.value = f"<b style='color:#cf222e'>{html.escape(str(exc))}</b>"
                return
            state.update(text=new_text, step=0)
        state.update({k: v for k, v in values.items() if v is not None})
        s = state
        sampled = run("sampled", s["text"], s["temperature"], s["top_k"], s["seed"])
        greedy, beam = run("greedy", s["text"]), run("beam", s["text"], s["beam_width"])
        s["step"] = min(s["step"], len(sampled[1]) - 1)
        s["syncing"] = True
        for w, key in ((tau_w, "temperature"), (k_w, "top_k"), (b_w, "beam_width"),
                       (seed_w, "seed")):
            w.value = s[key]
        step_w.max, step_w.value = len(sampled[1]) - 1, s["step"]
        s["syncing"] = False
        _draw(fig, vocab, s["step"], sampled, greedy, beam)
        info.value = _summary(s, sampled, greedy, beam, task)
        timings.append(time.perf_counter() - start)

    def on(name):
        return lambda ch: None if state["syncing"] else update(**{name: ch["new"]})

    for w, name in ((tau_w, "temperature"), (k_w, "top_k"), (b_w, "beam_width"),
                    (seed_w, "seed"), (step_w, "step")):
        w.observe(on(name), names="value")
    box_text.observe(lambda ch: ch["new"] and update(text=ch["new"]), names="value")
    update()
    box = FigureBox([tau_w, k_w, b_w, seed_w, step_w, box_text, info], fig, update)
    box.timings, box.state, box.results = timings, state, results
    return box


def _draw(fig, vocab, t, sampled, greedy, beam) -> None:
    _, tokens, _, rows, drawn = sampled
    width = [0] * len(vocab)
    width[tokens[t]] = 3
    with fig.batch_update():
        fig.data[0].y = np.exp(rows[t])                        # the model's distribution
        fig.data[1].y = drawn[t]                               # after τ and top-k
        fig.data[1].marker.line.width = width                  # the drawn token, outlined
        fig.data[2].z, fig.data[2].y = drawn, list(range(len(tokens)))
        for i, (_, path, *_rest) in enumerate((sampled, greedy, beam)):
            fig.data[3 + i].x = [vocab[v] for v in path]
            fig.data[3 + i].y = list(range(len(path)))
        fig.layout.title.text = (f"step t = {t}: drew '{vocab[tokens[t]]}' with p = "
                                 f"{drawn[t][tokens[t]]:.2f} (the model gave it "
                                 f"{np.exp(rows[t][tokens[t]]):.2f})")


def _summary(s, sampled, greedy, beam, task) -> str:
    k = s["top_k"] or "all"
    rows = [(f"sampled (τ = {s['temperature']:.2f}, top-k = {k}, seed {s['seed']})", sampled),
            ("greedy (τ = 0)", greedy), (f"beam search, B = {s['beam_width']}", beam)]
    cells = "".join(f"<tr><td>{html.escape(name)}</td><td><code>{html.escape(r[0])}</code></td>"
                    f"<td>{r[2]:.2f}</td></tr>" for name, r in rows)
    return (f"<table><tr><th>decoder</th><th>output</th><th>log P(y | x)</th></tr>{cells}"
            f"</table>")
