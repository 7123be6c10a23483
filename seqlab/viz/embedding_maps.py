"""Word maps of week 2: the t-SNE explorer (notebook 10) and the debiasing plot (notebook 12).

- :func:`load_tsne_maps` reads the maps that ``tools/tsne_maps.py`` precomputed (one t-SNE
  embedding per perplexity, and PCA), so the perplexity slider answers instantly.
- :func:`tsne_explorer`: t-SNE beside PCA, a perplexity slider, hover shows the word, a group
  picker greys out every other group.
- :func:`tsne_figure`: one map (for a live run of :func:`seqlab.embeddings.tsne.tsne`).
- :func:`debias_explorer`: words on the bias direction g (x) against an axis orthogonal to it
  (y), morphing from the original vectors to the debiased ones with a slider; a toggle
  switches between "neutralize only" and "neutralize + equalize".
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqlab._validate import as_array, check_dict, check_number, check_sequence
from seqlab.backend import to_numpy
from seqlab.embeddings.debias import normalize_rows, projection
from seqlab.npz import load_arrays
from seqlab.viz.plots import COLOURS, styled
from seqlab.viz.widgets import FigureBox

TSNE_MAPS = Path(__file__).resolve().parents[1] / "embeddings" / "pretrained" / "tsne_maps.npz"
GROUP_COLOURS = ("#1f77b4", "#17becf", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")
HIGHLIGHTS = {"all groups": None, "countries and capitals": ("countries", "capitals"),
              "professions": ("professions",), "numbers": ("numbers",),
              "animals and foods": ("animals", "foods")}


def load_tsne_maps(path=TSNE_MAPS) -> dict:
    """The precomputed maps as host arrays, plus ``groups`` (names) and ``meta``.

    Keys: words (N,), group (N,) int, perplexity (K,), Y (K, N, 2), kl (K,),
    trustworthiness (K,), pca (N, 2), pca_explained (2,), pca_trustworthiness, groups, meta.
    """
    arrays, meta = load_arrays(path)
    maps = {k: to_numpy(v) for k, v in arrays.items()}
    maps["words"] = [str(w) for w in maps["words"]]
    maps["groups"], maps["meta"] = list(meta["groups"]), meta
    return maps


def _group_traces(fig, Y, words, group, names, row=None, col=None, show_legend=True):
    for gi, name in enumerate(names):
        mask = group == gi
        fig.add_trace(go.Scatter(
            x=Y[mask, 0], y=Y[mask, 1], mode="markers", name=name, legendgroup=name,
            showlegend=show_legend, text=[w for w, m in zip(words, mask, strict=True) if m],
            hovertemplate="%{text}<extra>" + name + "</extra>",
            marker=dict(size=7, color=GROUP_COLOURS[gi % len(GROUP_COLOURS)])),
            row=row, col=col)


def tsne_figure(Y, words: Sequence[str], group=None, names: Sequence[str] = ("words",),
                title: str = "") -> go.Figure:
    """One 2-D map: a marker per word (hover shows it), one colour per group.

    Parameters
    ----------
    Y : array (N, 2)
    words : N words
    group : int array (N,) indexing ``names`` (default: all in group 0)
    """
    words = check_sequence(words, "tsne_figure(words)", "a list of words")
    Y = np.asarray(to_numpy(as_array(Y, "tsne_figure(Y)", symbols="(N, 2)")), dtype=float)
    if Y.ndim != 2 or Y.shape != (len(words), 2):
        raise ValueError(f"tsne_figure(Y): expected shape ({len(words)}, 2), got {Y.shape}")
    group = np.zeros(len(words), dtype=int) if group is None else np.asarray(group)
    fig = go.Figure()
    _group_traces(fig, Y, list(words), group, names)
    return styled(fig, title, height=420, xaxis_title="t-SNE 1", yaxis_title="t-SNE 2")


def tsne_explorer(maps: dict | None = None, perplexity: float = 30.0) -> FigureBox:
    """t-SNE (left, perplexity slider) beside PCA (right); hover for the word; group picker."""
    maps = load_tsne_maps() if maps is None else check_dict(
        maps, "tsne_explorer(maps)", "the dict of load_tsne_maps")
    check_number(perplexity, "tsne_explorer(perplexity)", 0, low_open=True)
    words, group, names = maps["words"], np.asarray(maps["group"]), maps["groups"]
    perps = [float(p) for p in maps["perplexity"]]
    k0 = int(np.argmin(np.abs(np.array(perps) - perplexity)))
    if not np.isclose(perps[k0], perplexity):
        raise ValueError(f"tsne_explorer(perplexity): expected one of the maps' perplexities "
                         f"{perps}, got {perplexity!r}")
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.06,
                        subplot_titles=("t-SNE", f"PCA ({100 * maps['pca_explained'].sum():.0f}%"
                                        f" of the variance, trustworthiness "
                                        f"{float(maps['pca_trustworthiness']):.3f})"))
    _group_traces(fig, maps["Y"][k0], words, group, names, 1, 1)
    _group_traces(fig, maps["pca"], words, group, names, 1, 2, show_legend=False)
    fig = go.FigureWidget(styled(fig, height=480, legend=dict(orientation="h", y=-0.08)))
    n = len(names)
    slider = widgets.SelectionSlider(options=[(f"{p:g}", i) for i, p in enumerate(perps)],
                                     value=k0, description="perplexity",
                                     continuous_update=True,
                                     style={"description_width": "initial"},
                                     layout=widgets.Layout(width="420px"))
    picker = widgets.Dropdown(options=list(HIGHLIGHTS), value="all groups",
                              description="highlight")
    state = {"k": k0, "highlight": "all groups"}

    def update(k: int | None = None, highlight: str | None = None) -> None:
        state["k"] = state["k"] if k is None else int(k)
        state["highlight"] = state["highlight"] if highlight is None else highlight
        Y, keep = maps["Y"][state["k"]], HIGHLIGHTS[state["highlight"]]
        with fig.batch_update():
            for gi, name in enumerate(names):
                mask = group == gi
                fig.data[gi].x, fig.data[gi].y = Y[mask, 0], Y[mask, 1]
                opacity = 1.0 if keep is None or name in keep else 0.12
                fig.data[gi].marker.opacity = opacity
                fig.data[n + gi].marker.opacity = opacity
            fig.layout.annotations[0].text = (
                f"t-SNE, perplexity {perps[state['k']]:g}: KL {maps['kl'][state['k']]:.3f}, "
                f"trustworthiness {maps['trustworthiness'][state['k']]:.3f}")

    update()
    slider.observe(lambda change: update(k=change["new"]), names="value")
    picker.observe(lambda change: update(highlight=change["new"]), names="value")
    return FigureBox([widgets.HBox([slider, picker])], fig, update)


def _orthogonal_axis(E, g):
    """A unit axis ⟂ g: the first principal direction of E's rows with g projected out."""
    g = g / np.linalg.norm(g)
    R = E - np.outer(E @ g, g)                             # (n, D) rows ⟂ g
    R = R - R.mean(axis=0)
    u = np.linalg.svd(R, full_matrices=False)[2][0]
    u = u - (u @ g) * g                                    # exactly ⟂ g after rounding
    return u / np.linalg.norm(u)


def debias_explorer(words: Sequence[str], E_before, E_neutralized, E_debiased, g,
                    pairs: Sequence[tuple[str, str]] = ()) -> FigureBox:
    """Words on the bias direction (x) vs an orthogonal axis (y), before -> after debiasing.

    Parameters
    ----------
    words : n words to draw
    E_before : (n, D) their original vectors (normalised here)
    E_neutralized : (n, D) after neutralize only (gender-specific words unchanged)
    E_debiased : (n, D) after neutralize and equalize
    g : (D,) the bias direction
    pairs : (w1, w2) pairs drawn joined by a line (equalize pairs)

    The slider t in [0, 1] draws (1 - t) * before + t * after on the page: t = 1 is the
    debiased embedding; the toggle picks "neutralize" or "neutralize + equalize" as "after".
    """
    words = check_sequence(words, "debias_explorer(words)", "a list of words")
    g = np.asarray(to_numpy(as_array(g, "debias_explorer(g)", ndim=1, symbols="(D,)")),
                   dtype=float)
    if not np.linalg.norm(g) > 0:
        raise ValueError("debias_explorer(g): expected a non-zero bias direction, got a zero "
                         "(or non-finite) vector")
    mats = []
    for name, M in (("E_before", E_before), ("E_neutralized", E_neutralized),
                    ("E_debiased", E_debiased)):
        M = np.asarray(to_numpy(as_array(M, f"debias_explorer({name})", symbols="(n, D)")),
                       dtype=float)
        if M.shape != (len(words), g.shape[0]):
            raise ValueError(f"debias_explorer({name}): expected shape ({len(words)}, "
                             f"{g.shape[0]}) = (n, D), got {M.shape}")
        mats.append(normalize_rows(M))
    u = _orthogonal_axis(mats[0], g)
    xy = [np.stack([projection(M, g), M @ u], axis=1) for M in mats]  # (n, 2) each
    index = {w: i for i, w in enumerate(words)}
    pair_idx = [(index[a], index[b]) for a, b in pairs if a in index and b in index]

    def pair_lines(P):
        x, y = [], []
        for i, j in pair_idx:
            x += [P[i, 0], P[j, 0], None]
            y += [P[i, 1], P[j, 1], None]
        return x, y

    fig = go.Figure()
    lx, ly = pair_lines(xy[0])
    fig.add_trace(go.Scatter(x=lx, y=ly, mode="lines", name="equalize pairs",
                             line=dict(color="#bbbbbb", width=1), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=xy[0][:, 0], y=xy[0][:, 1], mode="markers+text", text=list(words),
                             textposition="top center", name="words",
                             marker=dict(size=7, color=COLOURS[0])))
    fig.add_vline(x=0, line=dict(color="#d62728", dash="dash"))
    lim = 1.1 * max(np.abs(P).max() for P in xy)
    fig = go.FigureWidget(styled(fig, "debiasing", height=520, xaxis_title="projection on the bias "
                                 "direction g (+ female, - male)",
                                 yaxis_title="an axis orthogonal to g",
                                 xaxis=dict(range=[-lim, lim]), yaxis=dict(range=[-lim, lim])))
    slider = widgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.1, description="debias t",
                                 continuous_update=True, readout_format=".1f",
                                 style={"description_width": "initial"},
                                 layout=widgets.Layout(width="420px"))
    toggle = widgets.ToggleButtons(options=[("neutralize", 1), ("neutralize + equalize", 2)],
                                   value=2, description="after")
    state = {"t": 0.0, "stage": 2}

    def update(t: float | None = None, stage: int | None = None) -> None:
        state["t"] = state["t"] if t is None else float(t)
        state["stage"] = state["stage"] if stage is None else int(stage)
        P = (1 - state["t"]) * xy[0] + state["t"] * xy[state["stage"]]   # (n, 2)
        x, y = pair_lines(P)
        with fig.batch_update():
            fig.data[0].x, fig.data[0].y = x, y
            fig.data[1].x, fig.data[1].y = P[:, 0], P[:, 1]
            target = "neutralize + equalize" if state["stage"] == 2 else "neutralize"
            fig.layout.title.text = (f"t = {state['t']:.1f} of the way to {target}: mean "
                                     f"|projection on g| {np.abs(P[:, 0]).mean():.3f}")

    update()
    slider.observe(lambda change: update(t=change["new"]), names="value")
    toggle.observe(lambda change: update(stage=change["new"]), names="value")
    return FigureBox([slider, toggle], fig, update)
