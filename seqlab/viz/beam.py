"""The beam-tree explorer: every hypothesis beam search kept (and the runners-up it pruned), with
beam-width and length-normalization sliders.

x is the time step t, each node a hypothesis y<1..t> labelled with its last token (a space as
"␣"); hover shows its cumulative log P(y<1..t>|x) (eq. 2 of :mod:`seqlab.seq2seq.beam`) and its
score log P / t^α (eq. 3). The legend names the markers: kept hypotheses are blue circles,
finished ones (ended by eos) green squares, prefixes cut at ``max_len`` (not finished) brown
diamonds, pruned runners-up grey crosses; the chosen output's path is drawn thick in red.

The search keeps the B best prefixes by log P and α only ranks the candidates at the end (the
lecture's definition; see the Notes of :mod:`seqlab.seq2seq.beam`), so the explorer decodes once
per beam width (cached) and an α move only calls :meth:`BeamResult.rerank`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as widgets
import plotly.graph_objects as go

from seqlab._validate import check_instance, check_int, check_sequence, named_as
from seqlab.seq2seq.beam import BeamResult, beam_search
from seqlab.viz.plots import visible
from seqlab.viz.widgets import FigureBox

__all__ = ["beam_explorer", "beam_tree_figure", "tree_layout"]

_STATUS_STYLE = {"root": ("circle", "#57606a"), "live": ("circle", "#0969da"),
                 "finished": ("square", "#1a7f37"), "cut": ("diamond", "#9a6700"),
                 "pruned": ("x", "#afb8c1")}
_LEGEND = {"live": "kept in the beam", "finished": "finished: ended by {eos}",
           "cut": "cut at max_len (not finished)", "pruned": "pruned runner-up"}
PRUNED_ROW = 0.4        # a pruned leaf (no label) takes this fraction of a labelled leaf's row
_SIZE, _CHOSEN_SIZE = 9, 13


def tree_layout(result: BeamResult) -> dict:
    """Node id -> (x = step, y): leaves stacked in depth-first order (more probable children
    first), each parent at the mean height of its children; a pruned leaf, which has no label,
    takes ``PRUNED_ROW`` of a row (at B = 10 they are 163 of the 226 leaves)."""
    check_instance(result, BeamResult, "tree_layout(result)", "a BeamResult (beam_search)")
    children: dict[int, list] = {n.id: [] for n in result.tree}
    for n in result.tree[1:]:
        children[n.parent].append(n)
    y: dict[int, float] = {}
    next_leaf = [0.0]

    def place(node_id: int) -> float:
        kids = sorted(children[node_id], key=lambda n: -n.log_prob)
        if not kids:
            y[node_id] = -next_leaf[0]
            next_leaf[0] += PRUNED_ROW if result.tree[node_id].status == "pruned" else 1.0
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
    text = ["" if n.status == "pruned" else visible(labels(n.token)) if n.parent >= 0
            else "<bos>" for n in nodes]
    hover = [f"{'→'.join(_path(result, n.id, labels))}<br>{n.status}<br>"
             f"log P = {n.log_prob:.3f}<br>score = log P / {max(n.step, 1)}^{result.alpha:g}"
             f" = {n.score:.3f}" for n in nodes]
    chosen = [n for n in nodes if n.chosen]
    return [
        {"x": ex, "y": ey},
        {"x": cx, "y": cy},
        {"x": [pos[n.id][0] for n in nodes], "y": [pos[n.id][1] for n in nodes],
         "text": text, "hovertext": hover,
         # labels right of their node, except: the root's left of it (its children are on the
         # right), a chosen node's above it (the red path leaves it to the right). A chosen
         # node is as large as its red ring, so that its label clears the ring
         "textposition": ["middle left" if n.parent < 0 else "top center" if n.chosen
                          else "middle right" for n in nodes],
         "marker": {"symbol": [_STATUS_STYLE[n.status][0] for n in nodes],
                    "color": [_STATUS_STYLE[n.status][1] for n in nodes],
                    "size": [_CHOSEN_SIZE if n.chosen else _SIZE for n in nodes]}},
        {"x": [pos[n.id][0] for n in chosen], "y": [pos[n.id][1] for n in chosen]},
    ]


def _path(result: BeamResult, node: int, labels) -> list[str]:
    out = []
    while node > 0:
        out.append(visible(labels(result.tree[node].token)))
        node = result.tree[node].parent
    return out[::-1] or ["<bos>"]


def _title(result: BeamResult, labels) -> str:
    tokens = [labels(t) for t in result.best]
    best = ("" if all(len(t) == 1 for t in tokens) else " ").join(tokens)  # characters: a text
    finished = sum(h.finished for h in result.hypotheses)
    cut = len(result.hypotheses) - finished
    note = "" if result.hypotheses[0].finished else ": nothing finished, the best is cut"
    return (f"B = {result.beam_width}, α = {result.alpha:.2f}: best '{best}'<br>"
            f"<sup>log P = {result.best_log_prob:.3f}, score = {result.best_score:.3f}; "
            f"{finished} finished candidate{'s' * (finished != 1)} (ended by eos), {cut} "
            f"cut at max_len{note}</sup>")


def _height(result: BeamResult) -> int:
    """About 13 px per row of the drawn tree (a pruned leaf's row is ``PRUNED_ROW`` of one), so
    that labels do not overlap: 380-1800 px."""
    parents = {n.parent for n in result.tree[1:]}
    rows = sum(PRUNED_ROW if n.status == "pruned" else 1.0 for n in result.tree
               if n.id not in parents)
    return int(min(max(150 + 13 * rows, 380), 1800))


def _x_range(result: BeamResult) -> list[float]:
    """Room left of the root for "<bos>", right of the last step for a label ("<eos>")."""
    return [-1.4, max(n.step for n in result.tree) + 1.2]


def beam_tree_figure(result: BeamResult, labels: Sequence[str] | Callable | None = None,
                     title: str | None = None, eos: int | None = None) -> go.Figure:
    """The tree of ``result`` (a :class:`~seqlab.seq2seq.beam.BeamResult`) as a Figure.

    Parameters
    ----------
    labels : token id -> text, as a list (vocabulary) or a function; default str(id)
    eos : the end token, named in the legend ("finished: ended by <eos>")

    Returns
    -------
    Figure: data[0] edges, [1] the chosen path, [2] every node, [3] the chosen nodes' rings,
    [4:] legend entries only (no points): one per marker kind
    """
    check_instance(result, BeamResult, "beam_tree_figure(result)", "a BeamResult (beam_search)")
    if labels is not None and not callable(labels):
        labels = check_sequence(labels, "beam_tree_figure(labels)",
                                "a list of labels (one per token id) or a function")
        top = max(n.token for n in result.tree)
        if top >= len(labels):
            raise ValueError(f"beam_tree_figure(labels): expected a label for every token id "
                             f"in the tree (ids up to {top}), got {len(labels)} labels")
    lab = _labeller(labels)
    edges, path, nodes, chosen = _traces(result, lab)
    end = f"'{visible(lab(eos))}'" if eos is not None else "eos"
    legend = [go.Scatter(x=[None], y=[None], mode="markers", name=_LEGEND[k].format(eos=end),
                         marker={"symbol": _STATUS_STYLE[k][0], "color": _STATUS_STYLE[k][1],
                                 "size": _SIZE}, hoverinfo="skip")
              for k in ("live", "finished", "cut", "pruned")]
    fig = go.Figure([
        go.Scatter(**edges, mode="lines", line={"color": "#d0d7de", "width": 1},
                   hoverinfo="skip", name="expansions", showlegend=False),
        go.Scatter(**path, mode="lines", line={"color": "#cf222e", "width": 4},
                   hoverinfo="skip", name="chosen output"),
        go.Scatter(**nodes, mode="markers+text", hoverinfo="text", name="hypotheses",
                   showlegend=False, cliponaxis=False,  # a label may reach into the margin
                   textfont={"size": 12, "shadow": "auto"}),  # a halo: readable on the lines
        go.Scatter(**chosen, mode="markers", marker={"color": "#cf222e", "size": _CHOSEN_SIZE,
                                                      "symbol": "circle-open"},
                   hoverinfo="skip", name="chosen", showlegend=False),
        *legend,
    ])
    fig.update_layout(title={"text": title or _title(result, lab), "font_size": 15,
                             "y": 1, "yref": "container", "yanchor": "top", "pad_t": 22},
                      height=_height(result), showlegend=True, template="plotly_white",
                      legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom",
                              "font_size": 11},        # right above the tree, under the title
                      margin={"l": 20, "r": 40, "t": 120, "b": 40},
                      xaxis={"title": "time step t", "dtick": 1, "range": _x_range(result)},
                      yaxis={"visible": False})
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
    max_width = check_int(max_width, "beam_explorer(max_width)", 1)
    beam_width = check_int(beam_width, "beam_explorer(beam_width)", 1, max_width)
    lab = _labeller(labels)
    cache: dict[int, BeamResult] = {}

    def result_for(width: int, a: float) -> BeamResult:
        if width not in cache:
            cache[width] = beam_search(step_fn, init_state, bos, eos, width, max_len, 0.0)
        return cache[width].rerank(a)

    with named_as({"beam_search(": "beam_explorer("}):
        for width in range(1, max_width + 1):  # decode every width now: a move only redraws
            result_for(width, alpha)
    first = result_for(beam_width, alpha)
    fig = go.FigureWidget(beam_tree_figure(first, lab, eos=eos))
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
            for trace, props in zip(fig.data[:4], _traces(res, lab), strict=True):
                trace.update(props)                        # data[4:] are legend entries
            fig.layout.title.text = _title(res, lab)
            fig.layout.height = _height(res)
            fig.layout.xaxis.range = _x_range(res)

    w_slider.observe(lambda c: update(beam_width=c["new"]), names="value")
    a_slider.observe(lambda c: update(alpha=c["new"]), names="value")
    box = FigureBox([widgets.HBox([w_slider, a_slider])], fig, update)
    box.state = state
    return box
