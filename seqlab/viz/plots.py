"""Plot functions: NumPy arrays in, a plotly ``Figure`` out. No model math here.

Every function converts its inputs with :func:`seqlab.backend.to_numpy`, so CuPy arrays can be
passed too, and returns a ``go.Figure`` whose ``data`` a test can read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from seqlab.backend import to_numpy

TEMPLATE = "plotly_white"
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")


def visible(label: str) -> str:
    """A token or character as a figure can show it: a space as "␣", a newline as "↵", a tab as
    "⇥", an empty string as "∅" (in a label, a blank is indistinguishable from no label)."""
    return {" ": "␣", "\n": "↵", "\t": "⇥", "": "∅"}.get(label, label)


def styled(fig: go.Figure, title: str = "", height: int = 340, **layout) -> go.Figure:
    """Apply the house layout (template, margins, height, title) and return ``fig``."""
    fig.update_layout(template=TEMPLATE, height=height, title=title or None,
                      margin=dict(l=50, r=20, t=70 if title else 20, b=40),
                      title_y=0.95 if title else None, **layout)
    return fig


def activation_curves(z, curves: Mapping[str, object], title: str = "",
                      dashed: Sequence[str] = ()) -> go.Figure:
    """Line plot of several functions of the same ``z`` (1-D), e.g. σ(z) and σ'(z).

    Parameters
    ----------
    z : array (n,)
    curves : mapping name -> array (n,), in legend order
    dashed : names drawn dashed (derivatives, say)
    """
    z = np.asarray(to_numpy(z)).ravel()
    fig = go.Figure()
    for i, (name, y) in enumerate(curves.items()):
        y = np.asarray(to_numpy(y)).ravel()
        if y.shape != z.shape:
            raise ValueError(f"activation_curves(curves[{name!r}]): expected shape {z.shape}, "
                             f"got {y.shape}")
        fig.add_trace(go.Scatter(x=z, y=y, name=name, mode="lines",
                                 line=dict(color=COLOURS[i % len(COLOURS)],
                                           dash="dash" if name in dashed else "solid")))
    return styled(fig, title, xaxis_title="z", yaxis_title="value")


def probability_bars(labels: Sequence[str], probs, title: str = "",
                     y_title: str = "probability") -> go.Figure:
    """Bar chart of one probability distribution over ``labels``.

    Parameters
    ----------
    labels : n class names
    probs : array (n,) or (n, 1), non-negative
    """
    p = np.asarray(to_numpy(probs), dtype=float).ravel()
    if p.shape[0] != len(labels):
        raise ValueError(f"probability_bars(probs): expected {len(labels)} values (one per "
                         f"label), got shape {np.shape(to_numpy(probs))}")
    fig = go.Figure(go.Bar(x=list(labels), y=p, marker_color=COLOURS[0],
                           text=[f"{v:.2f}" for v in p], textposition="outside"))
    return styled(fig, title, yaxis=dict(range=[0, 1.1], title=y_title))
