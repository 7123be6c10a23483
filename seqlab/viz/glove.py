"""GloVe pictures (notebook 09): the co-occurrence heatmap, the weighting function f(x) with
x_max and α sliders, the training loss.

The numbers come from :mod:`seqlab.embeddings.glove_model` (X_ij, f); this module only draws.

=============================  ====================================================
function                       shows
=============================  ====================================================
:func:`cooccurrence_heatmap`   log X_ij for a handful of words (rows × columns)
:func:`weighting_explorer`     f(x) = (x / x_max)^α capped at 1, with two sliders
:func:`glove_loss_curve`       J / nnz per epoch; ``box.callback`` updates it live
=============================  ====================================================
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from seqlab._validate import check_instance, check_int, check_number, check_sequence
from seqlab.backend import to_numpy
from seqlab.embeddings.glove_model import Cooccurrence, cooccurrence_matrix, weighting
from seqlab.viz.plots import COLOURS, styled
from seqlab.viz.widgets import FigureBox

__all__ = ["cooccurrence_heatmap", "glove_loss_curve", "weighting_explorer"]
SAMPLE = 200_000  # at most this many X_ij values enter the explorer's title statistics


def cooccurrence_heatmap(cooc, rows: Sequence[str], cols: Sequence[str] | None = None,
                         title: str = "log X_ij: how often j appears near i") -> go.Figure:
    """Heatmap of log X_ij (blank where X_ij = 0), the counts X_ij written in each cell.

    Parameters
    ----------
    cooc : :class:`seqlab.embeddings.glove_model.Cooccurrence`
    rows, cols : words (default: cols = rows); every word must be in ``cooc.words``
    """
    check_instance(cooc, Cooccurrence, "cooccurrence_heatmap(cooc)",
                   "a Cooccurrence (cooccurrence_counts)")
    cols = list(rows) if cols is None else list(cols)
    X = np.asarray(to_numpy(cooccurrence_matrix(cooc, rows, cols)), dtype=float)  # (r, c)
    z = np.where(X > 0, np.log(np.where(X > 0, X, 1.0)), np.nan)                # log X, NaN: 0
    text = [[f"{v:.1f}" if v > 0 else "0" for v in row] for row in X]
    fig = go.Figure(go.Heatmap(z=z, x=cols, y=list(rows), text=text, texttemplate="%{text}",
                               colorscale="Blues", colorbar=dict(title="log X"),
                               hovertemplate="i=%{y}, j=%{x}<br>X_ij=%{text}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return styled(fig, title, height=120 + 32 * len(rows), xaxis_title="context word j",
                  yaxis_title="word i")


def _curve(x, x_max: float, alpha: float) -> list[float]:
    return to_numpy(weighting(x, x_max, alpha)).tolist()


def weighting_explorer(x_max: float = 100.0, alpha: float = 0.75, x_values=None,
                       x_range: tuple[float, float] = (0.0, 250.0)) -> FigureBox:
    """f(x) = (x / x_max)^α (capped at 1) with an ``x_max`` slider (first) and an ``α`` slider.

    Parameters
    ----------
    x_max, alpha : starting values
    x_values : optional array of the corpus's nonzero X_ij: the title then says which share of
        them gets full weight f = 1 and the mean weight (how much the rare pairs count), on
        an evenly spaced sample of at most ``SAMPLE`` of them
    x_range : the x axis
    """
    check_number(x_max, "weighting_explorer(x_max)", 0, low_open=True)
    check_number(alpha, "weighting_explorer(alpha)", 0)
    x_range = check_sequence(x_range, "weighting_explorer(x_range)", "a pair (low, high)")
    if len(x_range) != 2 or not (check_number(x_range[0], "weighting_explorer(x_range) low")
                                 < check_number(x_range[1], "weighting_explorer(x_range) high")):
        raise ValueError(f"weighting_explorer(x_range): expected a pair (low, high) with low < "
                         f"high, got {tuple(x_range)}")
    x = np.linspace(x_range[0], x_range[1], 251)                   # (251,) the curve's x
    counts = None if x_values is None else np.asarray(to_numpy(x_values), dtype=float).ravel()
    sampled = counts is not None and counts.size > SAMPLE
    if sampled:                       # every k-th pair: a slider move stays well under 100 ms
        counts = counts[:: -(-counts.size // SAMPLE)]
    fig = go.FigureWidget()
    # lists, not arrays: plotly's FigureWidget fails on the front end's typed-array deltas for
    # NumPy-valued x/y ("truth value of an array is ambiguous" in _remove_overlapping_props)
    fig.add_trace(go.Scatter(x=x.tolist(), y=_curve(x, x_max, alpha), mode="lines",
                             name="f(x)", line=dict(color=COLOURS[0], width=3)))
    fig.add_trace(go.Scatter(x=x.tolist(), y=np.minimum(x / x_max, 1.0).tolist(), mode="lines",
                             name="α = 1 (linear)", line=dict(color=COLOURS[2], dash="dot")))
    fig.add_trace(go.Scatter(x=[x_max, x_max], y=[0, 1.05], mode="lines", name="x_max",
                             line=dict(color=COLOURS[1], dash="dash")))
    styled(fig, "f(x)", xaxis_title="co-occurrence count x = X_ij", yaxis_title="weight f(x)",
           yaxis_range=[0, 1.08])
    style = {"description_width": "initial"}
    s_xmax = widgets.FloatSlider(value=x_max, min=1.0, max=200.0, step=1.0, description="x_max",
                                 continuous_update=True, style=style,
                                 layout=widgets.Layout(width="420px"))
    s_alpha = widgets.FloatSlider(value=alpha, min=0.0, max=1.5, step=0.05, description="α",
                                  continuous_update=True, style=style,
                                  layout=widgets.Layout(width="420px"))

    def update(x_max: float | None = None, alpha: float | None = None) -> None:
        x_max = s_xmax.value if x_max is None else x_max
        alpha = s_alpha.value if alpha is None else alpha
        title = f"f(x) = (x / {x_max:g})^{alpha:g} below x_max, 1 above"
        if counts is not None and counts.size:
            f = weighting(counts, x_max, alpha)                     # the weight of each pair
            title += (f"<br>corpus: {100 * np.mean(counts >= x_max):.2f}% of the nonzero X_ij "
                      f"get f = 1; mean f = {f.mean():.3f}"
                      + (f" (a sample of {counts.size:,} pairs)" if sampled else ""))
        with fig.batch_update():
            fig.data[0].y = _curve(x, x_max, alpha)
            fig.data[1].y = np.minimum(x / x_max, 1.0).tolist()
            fig.data[2].x = [x_max, x_max]
            fig.layout.title.text = title

    update(x_max, alpha)
    s_xmax.observe(lambda change: update(x_max=change["new"]), names="value")
    s_alpha.observe(lambda change: update(alpha=change["new"]), names="value")
    return FigureBox([s_xmax, s_alpha], fig, update)


def glove_loss_curve(losses: Sequence[float] = (), epochs: int | None = None,
                     title: str = "GloVe loss J / nnz per epoch") -> FigureBox:
    """The loss per epoch; pass ``box.callback`` as ``fit_glove(..., callback=box.callback)``
    to watch it fall while training (the figure updates in place)."""
    losses = check_sequence(losses, "glove_loss_curve(losses)", "a list of losses")
    if epochs is not None:
        epochs = check_int(epochs, "glove_loss_curve(epochs)", 1)
    fig = go.FigureWidget(go.Scatter(x=[], y=[], mode="lines+markers", name="J / nnz",
                                     line=dict(color=COLOURS[0])))
    styled(fig, title, xaxis_title="epoch", yaxis_title="mean f(X) (w·w̃ + b + b̃ - log X)²")
    if epochs is not None:
        fig.update_xaxes(range=[0.5, epochs + 0.5])
    history = list(losses)

    def update(losses: Sequence[float]) -> None:
        with fig.batch_update():
            fig.data[0].x = list(range(1, len(losses) + 1))
            fig.data[0].y = list(losses)
            if losses:
                fig.layout.title.text = f"{title}: epoch {len(losses)}, {losses[-1]:.4f}"

    def callback(epoch: int, loss: float, params=None) -> None:
        history.append(float(loss))
        update(history)

    box = FigureBox([], fig, update)
    box.callback, box.history = callback, history
    update(history)
    return box
