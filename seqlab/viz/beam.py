"""The beam-tree explorer: every hypothesis beam search kept (and the runners-up it pruned), with
beam-width and length-normalization sliders.

x is the time step t, each node a hypothesis y<1..t> labelled with its last token; hover shows
its cumulative log P(y<1..t>|x) (eq. 2 of :mod:`seqlab.seq2seq.beam`) and its score
log P / t^α (eq. 3). Finished hypotheses (ending in eos) are squares, pruned runners-up grey
crosses, the chosen output's path is drawn thick in red.

The search keeps the B best prefixes by log P and α only ranks the candidates at the end (the
lecture's definition; see the Notes of :mod:`seqlab.seq2seq.beam`), so the explorer decodes once
per beam width (cached) and an α move only calls :meth:`BeamResult.rerank`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as widgets
import plotly.graph_objects as go

from seqlab.seq2seq.beam import BeamResult, beam_search
from seqlab.viz.widgets import FigureBox

__all__ = ["beam_explorer", "beam_tree_figure", "tree_layout"]

_STATUS_STYLE = {"root": ("circle", "#57606a"), "live": ("circle", "#0969da"),
                 "finished": ("square", "#1a7f37"), "cut": ("diamond", "#9a6700"),
                 "pruned": ("x", "#afb8c1")}


def tree_layout(result: BeamResult) -> dict:
    """Node id -> (x = step, y): leaves stacked in depth-first order (more probable children
    first), each parent at the mean height of its children."""
    children: dict[int, list] = {n.id: [] for n in result.tree}
    for n in result.tree[1:]:
        children[n.parent].append(n)
    y: dict[int, float] = {}
    next_leaf = [0.0]

    def place(node_id: int) -> float:
        kids = sorted(children[node_id], key=lambda n: -n.log_prob)
        if not kids:
            y[node_id] = -next_leaf[0]
            next_leaf[0] += 1
        else:
            y[node_id] = sum(place(k.id) for k in kids) / len(kids)
        return y[node_id]

    place(0)
    return {n.id: (n.step, y[n.id]) for n in result.tree}


def _traces(result: BeamResult, labels: Callable[[int], str]) -> list[dict]:
    """Properties of the four traces: edges, chosen path, nodes, chosen nodes."""
    pos = tree_layout(result)
    ex, ey, cx, cy = [], [], [], []
    for n in result.tree[1:]:
        (x0, y0), (x1, y1) = pos[n.parent], pos[n.id]
        xs, ys = (cx, cy) if n.chosen else (ex, ey)
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    nodes = result.tree
    # pruned runners-up (grey crosses) keep their hover text but no label: B x T labels of
    # kept hypotheses are already as many as a page can show
    text = ["" if n.status == "pruned" else labels(n.token) if n.parent >= 0 else "<bos>"
            for n in nodes]
    hover = [f"{'→'.join(_path(result, n.id, labels))}<br>{n.status}<br>"
             f"log P = {n.log_prob:.3f}<br>score = log P / {max(n.step, 1)}^{result.alpha:g}"
             f" = {n.score:.3f}" for n in nodes]
    chosen = [n for n in nodes if n.chosen]
    return [
        {"x": ex, "y": ey},
        {"x": cx, "y": cy},
        {"x": [pos[n.id][0] for n in nodes], "y": [pos[n.id][1] for n in nodes],
         "text": text, "hovertext": hover,
         "marker": {"symbol": [_STATUS_STYLE[n.status][0] for n in nodes],
                    "color": [_STATUS_STYLE[n.status][1] for n in nodes]}},
        {"x": [pos[n.id][0] for n in chosen], "y": [pos[n.id][1] for n in chosen]},
    ]


def _path(result: BeamResult, node: int, labels) -> list[str]:
    out = []
    while node > 0:
        out.append(labels(result.tree[node].token))
        node = result.tree[node].parent
    return out[::-1] or ["<bos>"]


def _title(result: BeamResult, labels) -> str:
    best = " ".join(labels(t) for t in result.best)
    return (f"B = {result.beam_width}, α = {result.alpha:.2f}: best '{best}'<br>"
            f"<sup>log P = {result.best_log_prob:.3f}, score = {result.best_score:.3f}; "
            f"{len(result.hypotheses)} finished candidates</sup>")


def _height(result: BeamResult) -> int:
    """About 12 px per leaf of the drawn tree, so that labels do not overlap (380-1000 px)."""
    leaves = len(result.tree) - len({n.parent for n in result.tree[1:]})
    return int(min(max(80 + 12 * leaves, 380), 1000))


def beam_tree_figure(result: BeamResult, labels: Sequence[str] | Callable | None = None,
                     title: str | None = None) -> go.Figure:
    """The tree of ``result`` (a :class:`~seqlab.seq2seq.beam.BeamResult`) as a Figure.

    Parameters
    ----------
    labels : token id -> text, as a list (vocabulary) or a function; default str(id)
    """
    lab = _labeller(labels)
    edges, path, nodes, chosen = _traces(result, lab)
    fig = go.Figure([
        go.Scatter(**edges, mode="lines", line={"color": "#d0d7de", "width": 1},
                   hoverinfo="skip", name="expansions"),
        go.Scatter(**path, mode="lines", line={"color": "#cf222e", "width": 4},
                   hoverinfo="skip", name="chosen output"),
        go.Scatter(**nodes, mode="markers+text", textposition="middle right",
                   hoverinfo="text", name="hypotheses", marker_size=9),
        go.Scatter(**chosen, mode="markers", marker={"color": "#cf222e", "size": 13,
                                                      "symbol": "circle-open"},
                   hoverinfo="skip", name="chosen"),
    ])
    fig.update_layout(title=title or _title(result, lab), height=_height(result),
                      showlegend=False,
                      margin={"l": 20, "r": 20, "t": 50, "b": 40},
                      xaxis={"title": "time step t", "dtick": 1}, yaxis={"visible": False})
    return fig


def _labeller(labels) -> Callable[[int], str]:
    if labels is None:
        return str
    if callable(labels):
        return lambda t: str(labels(t))
    return lambda t: str(labels[t]) if 0 <= t < len(labels) else str(t)


def beam_explorer(step_fn: Callable, init_state, bos: int, eos: int, max_len: int = 20,
                  labels: Sequence[str] | Callable | None = None, beam_width: int = 3,
                  alpha: float = 0.7, max_width: int = 10) -> FigureBox:
    """The beam tree with a beam-width slider (1..``max_width``) and an α slider (0..1).

    Every width is decoded once, when the explorer is made (``beam_search`` with α = 0,
    cached), so a slider move only re-ranks (``rerank``: the search does not depend on α, see
    the module docstring) and redraws.
    ``box.update(beam_width=..., alpha=...)`` redraws (what a slider move calls).
    """
    lab = _labeller(labels)
    cache: dict[int, BeamResult] = {}

    def result_for(width: int, a: float) -> BeamResult:
        if width not in cache:
            cache[width] = beam_search(step_fn, init_state, bos, eos, width, max_len, 0.0)
        return cache[width].rerank(a)

    for width in range(1, max_width + 1):  # decode every width now: a slider move only redraws
        result_for(width, alpha)
    first = result_for(beam_width, alpha)
    fig = go.FigureWidget(beam_tree_figure(first, lab))
    w_slider = widgets.IntSlider(value=beam_width, min=1, max=max_width, description="beam B",
                                 continuous_update=False)
    a_slider = widgets.FloatSlider(value=alpha, min=0.0, max=1.0, step=0.05,
                                   description="α", continuous_update=False)
    state = {"beam_width": beam_width, "alpha": alpha, "result": first}

    def update(beam_width: int | None = None, alpha: float | None = None) -> None:
        state["beam_width"] = int(beam_width if beam_width is not None else state["beam_width"])
        state["alpha"] = float(alpha if alpha is not None else state["alpha"])
        res = result_for(state["beam_width"], state["alpha"])
        state["result"] = res
        with fig.batch_update():
            for trace, props in zip(fig.data, _traces(res, lab), strict=True):
                trace.update(props)
            fig.layout.title.text = _title(res, lab)
            fig.layout.height = _height(res)

    w_slider.observe(lambda c: update(beam_width=c["new"]), names="value")
    a_slider.observe(lambda c: update(alpha=c["new"]), names="value")
    box = FigureBox([widgets.HBox([w_slider, a_slider])], fig, update)
    box.state = state
    return box
