"""Static figures of week 1's RNN notebooks: hidden states over time, norms over time.

NumPy (or CuPy) arrays in, a ``plotly.graph_objects.Figure`` out; tests read ``fig.data``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from seqlab._validate import as_array, check_dict
from seqlab.backend import to_numpy
from seqlab.viz.plots import COLOURS, styled


def hidden_state_heatmap(a, labels: Sequence[str] | None = None, example: int = 0,
                         title: str = "") -> go.Figure:
    """Heatmap of one example's hidden states a<t>: units down, time steps across.

    Parameters
    ----------
    a : array (n_a, m, T_x), the ``a`` returned by ``rnn_forward`` (tanh: values in [-1, 1])
    labels : T_x names for the steps (the words read), or None for "t = 1 .. T_x"
    example : int, the column of the batch to show
    """
    a = np.asarray(to_numpy(as_array(a, "hidden_state_heatmap(a)", symbols="(n_a, m, T_x)")),
                   dtype=float)
    if a.ndim != 3:
        raise ValueError(f"hidden_state_heatmap(a): expected shape (n_a, m, T_x), got "
                         f"{a.shape}")
    n_a, m, T_x = a.shape
    if not 0 <= example < m:
        raise ValueError(f"hidden_state_heatmap(example): expected 0 <= example < m = {m}, "
                         f"got {example}")
    steps = [f"{t}" for t in range(1, T_x + 1)]
    if labels is not None:
        if len(labels) != T_x:
            raise ValueError(f"hidden_state_heatmap(labels): expected {T_x} labels, one per "
                             f"step, got {len(labels)}")
        steps = [f"{t}: {w}" for t, w in zip(steps, labels, strict=True)]
    fig = go.Figure(go.Heatmap(
        z=a[:, example, :], x=steps, y=[f"unit {i + 1}" for i in range(n_a)],
        zmin=-1, zmax=1, colorscale="RdBu", reversescale=True,
        colorbar=dict(title="a⟨t⟩"),
        hovertemplate="step %{x}<br>%{y}<br>a = %{z:.3f}<extra></extra>"))
    return styled(fig, title, height=min(180 + 28 * n_a, 700), xaxis_title="time step t",
                  yaxis=dict(autorange="reversed"))


def norm_curves(curves: Mapping[str, object], title: str = "", y_title: str = "norm",
                log: bool = True, dashed: Sequence[str] = ()) -> go.Figure:
    """Lines of per-step quantities over t = 1..T (e.g. ‖dJ/da<t>‖), on a log scale by default.

    Parameters
    ----------
    curves : mapping name -> array (T,), one value per time step, in legend order
    log : bool, a logarithmic y axis (non-positive values are not drawn)
    dashed : names drawn dashed
    """
    check_dict(curves, "norm_curves(curves)", "a dict of name -> array (T,)")
    fig = go.Figure()
    for i, (name, y) in enumerate(curves.items()):
        where = f"norm_curves(curves[{name!r}])"
        y = np.asarray(to_numpy(as_array(y, where, ndim=1, symbols="(T,)")), dtype=float)
        if log and (y < 0).any():
            raise ValueError(f"{where}: expected norms >= 0 on a log axis, got "
                             f"{y[y < 0][:3].tolist()} (pass log=False)")
        fig.add_trace(go.Scatter(x=np.arange(1, y.size + 1), y=y, name=name,
                                 mode="lines+markers", marker=dict(size=4),
                                 line=dict(color=COLOURS[i % len(COLOURS)],
                                           dash="dash" if name in dashed else "solid")))
    return styled(fig, title, xaxis_title="time step t",
                  yaxis=dict(title=y_title, type="log" if log else "linear",
                             exponentformat="power"))
