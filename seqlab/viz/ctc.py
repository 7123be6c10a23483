"""CTC pictures (notebook 20): the collapse typer, the alignments of a target, the lattice.

- :func:`collapse_typer`: type an alignment ("ttt_h_eee___ ___qqq") and see its runs, which
  symbol each run keeps, and the collapsed text (the lecture's rule).
- :func:`alignment_explorer`: pick a target and a number of frames T and see a few of the
  alignments that collapse to it, with the count of all of them.
- :func:`lattice_figure` / :func:`lattice_explorer`: log α and log β over (extended labels ×
  time) as heatmaps with the most likely alignment (Viterbi) drawn on them, next to the
  per-frame posteriors ŷ<t> and, when given, the spectrogram of the utterance.

The computation is the library's (:mod:`seqlab.speech`); the explorers compute the lattice of
every example once, so a slider move only restyles the figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqlab._validate import check_instance, check_int, check_sequence, check_str, got
from seqlab.backend import to_numpy
from seqlab.speech import (
    CTCLattice,
    ctc_alignments,
    ctc_collapse,
    ctc_count_alignments,
    ctc_forced_alignment,
)
from seqlab.viz.plots import TEMPLATE
from seqlab.viz.widgets import FigureBox

MAX_TYPED = 80          # the typer shows at most this many frames
_RUN_COLOURS = ("#dbe9f6", "#fde2c8")


def collapse_rows(alignment: str, blank: str = "_"):
    """(run parity per frame, kept symbol per frame or '') for the typer's two rows."""
    parity, kept, i = [], [], 0
    for k, (sym, run) in enumerate(groupby(alignment)):
        n = len(list(run))
        parity += [k % 2] * n
        kept += [("" if sym == blank else sym)] + [""] * (n - 1)
        i += n
    return parity, kept


def collapse_figure(alignment: str, blank: str = "_") -> go.Figure:
    """Two rows of boxes: the alignment (runs shaded alternately) and the symbol each run
    keeps (nothing for a blank run); the title gives the collapsed text."""
    alignment = alignment[:MAX_TYPED]
    parity, kept = collapse_rows(alignment, blank)
    shown = [("␣" if c == " " else c) for c in alignment]
    kept_shown = [("␣" if c == " " else c) for c in kept]
    fig = go.Figure(go.Heatmap(z=[parity, [p if k else -1 for p, k in zip(parity, kept,
                                                                          strict=True)]],
                               text=[shown, kept_shown], texttemplate="%{text}",
                               textfont=dict(size=16), showscale=False, xgap=2, ygap=6,
                               zmin=-1, zmax=1, hoverinfo="skip",
                               colorscale=[[0, "white"], [0.5, _RUN_COLOURS[0]],
                                           [1, _RUN_COLOURS[1]]]))
    out = ctc_collapse(alignment, blank)
    fig.update_layout(template=TEMPLATE, height=210, margin=dict(l=110, r=20, t=60, b=30),
                      title=f"collapses to “{out}” ({len(alignment)} frames → "
                            f"{len(out)} characters)")
    fig.update_yaxes(tickvals=[0, 1], ticktext=["alignment", "kept"], autorange="reversed")
    fig.update_xaxes(title="frame t", showgrid=False)
    return fig


def _check_blank(blank, fname: str) -> str:
    """The blank symbol: one character."""
    if not (isinstance(blank, str) and len(blank) == 1):
        raise TypeError(f"{fname}(blank): expected one character (a str of length 1), got "
                        f"{got(blank)}")
    return blank


def collapse_typer(alignment: str = "ttt_h_eee___ ___qqq", blank: str = "_") -> FigureBox:
    """Type an alignment, see it collapse (runs merged, then blanks dropped)."""
    check_str(alignment, "collapse_typer(alignment)", empty=True)
    _check_blank(blank, "collapse_typer")
    fig = go.FigureWidget(collapse_figure(alignment, blank))
    box = widgets.Text(value=alignment, description="alignment", continuous_update=True,
                       layout=widgets.Layout(width="520px"))

    def update(alignment: str) -> None:
        new = collapse_figure(alignment, blank)
        with fig.batch_update():
            fig.data[0].z, fig.data[0].text = new.data[0].z, new.data[0].text
            fig.layout.title.text = new.layout.title.text

    update(alignment)
    box.observe(lambda change: update(change["new"]), names="value")
    return FigureBox([box], fig, update)


def alignments_figure(target: str, T: int, blank: str = "_", show: int = 8) -> go.Figure:
    """A few alignments of T frames that collapse to ``target`` (one per row), titled with
    the number of all of them."""
    count = ctc_count_alignments(target, T, blank)
    rows = ctc_alignments(target, T, blank, limit=show)
    z = [[0.0 if c == blank else 1.0 for c in row] for row in rows] or [[np.nan] * T]
    text = [list(row) for row in rows] or [[""] * T]
    fig = go.Figure(go.Heatmap(z=z, text=text, texttemplate="%{text}", showscale=False,
                               xgap=2, ygap=2, zmin=0, zmax=1, hoverinfo="skip",
                               colorscale=[[0, "#f2f2f2"], [1, _RUN_COLOURS[0]]]))
    fig.update_layout(template=TEMPLATE, height=90 + 26 * max(len(rows), 1),
                      margin=dict(l=40, r=20, t=60, b=30),
                      title=f"{count:,} alignments of {T} frames collapse to “{target}”"
                            + (f" (the first {len(rows)} shown)" if count > len(rows) else ""))
    fig.update_yaxes(autorange="reversed", showticklabels=False)
    fig.update_xaxes(title="frame t")
    return fig


def alignment_explorer(target: str = "cat", T: int = 6, blank: str = "_") -> FigureBox:
    """Pick a target and T: a few of its alignments and how many there are."""
    check_str(target, "alignment_explorer(target)")
    _check_blank(blank, "alignment_explorer")
    if blank in target:
        raise ValueError(f"alignment_explorer(blank): expected a symbol that is not in the "
                         f"target {target!r}, got {blank!r}")
    repeats = sum(a == b for a, b in zip(target, target[1:], strict=False))
    check_int(T, f"alignment_explorer(T) (frames for {target!r}: one per symbol and a blank "
                 f"between repeats)", len(target) + repeats)
    fig = go.FigureWidget(alignments_figure(target, T, blank))
    text = widgets.Text(value=target, description="target", continuous_update=True)
    frames = widgets.IntSlider(value=T, min=1, max=20, description="frames T")
    state = {"target": target, "T": T}

    def update(target: str | None = None, T: int | None = None) -> None:
        state.update({k: v for k, v in (("target", target), ("T", T)) if v is not None})
        tgt = state["target"].replace(blank, "")
        new = alignments_figure(tgt, state["T"], blank)
        with fig.batch_update():
            fig.data[0].z, fig.data[0].text = new.data[0].z, new.data[0].text
            fig.layout.title.text, fig.layout.height = new.layout.title.text, new.layout.height

    text.observe(lambda c: update(target=c["new"]), names="value")
    frames.observe(lambda c: update(T=c["new"]), names="value")
    return FigureBox([widgets.HBox([text, frames])], fig, update)


def _finite(a):
    """Rows of floats with None for -inf, so plotly leaves impossible cells blank (NaN would
    not survive a widget's JSON message)."""
    a = np.asarray(to_numpy(a), dtype=float)
    return [[float(v) if np.isfinite(v) else None for v in row] for row in a]


def _check_lattice(lattice, labels, fname: str) -> None:
    """A CTCLattice and a label for each of its n_y output classes."""
    check_instance(lattice, CTCLattice, f"{fname}(lattice)", "a CTCLattice (ctc_lattice)")
    labels = check_sequence(labels, f"{fname}(labels)", "a list of labels")
    n_y = lattice.log_probs.shape[0]
    if len(labels) < n_y:
        raise ValueError(f"{fname}(labels): expected a label for each of the n_y = {n_y} "
                         f"output classes, got {len(labels)}")


def lattice_panels(lattice: CTCLattice, b: int, labels: Sequence[str]):
    """What :func:`lattice_figure` draws for example ``b``, as host arrays (testable)."""
    _check_lattice(lattice, labels, "lattice_panels")
    b = check_int(b, "lattice_panels(b)", 0, len(to_numpy(lattice.input_lengths)) - 1)
    T, S = int(lattice.input_lengths[b]), int(lattice.target_lengths[b])
    L = 2 * S + 1
    ext = np.asarray(to_numpy(lattice.ext))[b, :L]
    lp = np.asarray(to_numpy(lattice.log_probs))[:, b, :T]           # (n_y, T)
    blank = int(ext[0])
    path = ctc_forced_alignment(lp, [int(k) for k in ext[1::2]], blank)
    return dict(T=T, ext=ext, ext_names=[labels[k] if k != blank else "_" for k in ext],
                log_alpha=_finite(lattice.log_alpha[b, :L, :T]),
                log_beta=_finite(lattice.log_beta[b, :L, :T]),
                posteriors=np.exp(lp), path=path.nodes, path_symbols=path.symbols,
                log_likelihood=float(to_numpy(lattice.log_likelihood)[b]))


# The colour floor of log α and log β, in nats (e^-20 ≈ 2e-9). The values run down to -65 ..
# -123 on notebook 20's utterances, so a scale over all of them paints most of the reachable
# lattice mid-blue and the band around the path does not show. Clipped at -20 it does: about
# 4 nodes per frame lie above the floor (33-60 % of the reachable cells), dark only near the
# path, the rest white; at -30 the band is wider and paler, at -10 it is the path alone. Hover
# shows the true value.
LOG_FLOOR = -20.0


def _colour_bar(fig: go.Figure, row: int, title: str, **extra) -> dict:
    """A colour bar beside the heatmap in ``row``, as tall as that subplot."""
    low, high = fig.get_subplot(row, 1).yaxis.domain
    return dict(title=dict(text=title, side="right"), x=1.01, xanchor="left", y=(low + high) / 2,
                len=high - low, thickness=10, **extra)


def lattice_figure(lattice: CTCLattice, b: int, labels: Sequence[str],
                   spectrogram=None, title: str = "") -> go.Figure:
    """log α and log β heatmaps (extended labels × frames) with the Viterbi path, the
    per-frame posteriors ŷ<t> (labels × frames) and an optional spectrogram (bins × frames).

    log α and log β share one colour scale, ``LOG_FLOOR``..0 nats: lower values take the
    floor's colour (white), so the band of likely nodes around the path stands out."""
    _check_lattice(lattice, labels, "lattice_figure")
    check_int(b, "lattice_figure(b)", 0, len(to_numpy(lattice.input_lengths)) - 1)
    p = lattice_panels(lattice, b, labels)
    spec = spectrogram is not None
    rows = 3 + spec
    titles = (["spectrogram"] if spec else []) + [
        "log α_t(s): all alignment prefixes ending at node s", "log β_t(s): all suffixes",
        "posteriors ŷ<t> (softmax output)"]
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=titles)
    r = 1
    t_axis = np.arange(p["T"])
    if spec:
        fig.add_trace(go.Heatmap(z=np.asarray(to_numpy(spectrogram))[:, :p["T"]],
                                 colorscale="Viridis", showscale=False, name="spectrogram"),
                      row=1, col=1)
        r = 2
    y_nodes = [f"{s}:{n}" for s, n in enumerate(p["ext_names"])]
    ticks = np.arange(0, LOG_FLOOR - 1, -5.0)
    for k, key in enumerate(("log_alpha", "log_beta")):
        bar = _colour_bar(fig, r + k, ("log α" if k == 0 else "log β") + " (nats)",
                          tickvals=ticks, ticktext=[f"{v:g}" for v in ticks[:-1]]
                          + [f"≤ {LOG_FLOOR:g}"])
        fig.add_trace(go.Heatmap(z=p[key], x=t_axis, y=y_nodes, colorscale="Blues",
                                 zmin=LOG_FLOOR, zmax=0.0, colorbar=bar, name=key,
                                 hovertemplate="t=%{x} node %{y}: %{z:.2f}<extra></extra>"),
                      row=r + k, col=1)
        fig.add_trace(go.Scatter(x=t_axis, y=[y_nodes[s] for s in p["path"]], mode="lines",
                                 line=dict(color="#d62728", width=2), showlegend=k == 0,
                                 name="most likely alignment"), row=r + k, col=1)
        fig.update_yaxes(autorange="reversed", row=r + k, col=1)
    fig.add_trace(go.Heatmap(z=p["posteriors"], x=t_axis, y=list(labels), zmin=0.0, zmax=1.0,
                             colorscale="Greys", name="posteriors",
                             colorbar=_colour_bar(fig, r + 2, "ŷ"),
                             hovertemplate="t=%{x} %{y}: %{z:.2f}<extra></extra>"),
                  row=r + 2, col=1)
    fig.update_xaxes(title="frame t", row=rows, col=1)
    target = "".join(p["ext_names"][1::2])
    fig.update_layout(template=TEMPLATE, height=230 * rows, margin=dict(l=60, r=90, t=80, b=40),
                      title=title or f"target “{target}”: log p(y|x) = "
                                     f"{p['log_likelihood']:.2f}",
                      legend=dict(orientation="h", x=1, xanchor="right", y=1, yanchor="top",
                                  yref="container"))   # top right, clear of subplot titles
    return fig


def lattice_explorer(lattice: CTCLattice, labels: Sequence[str], spectrograms=None,
                     names: Sequence[str] | None = None) -> FigureBox:
    """:func:`lattice_figure` with a slider over the batch's examples."""
    _check_lattice(lattice, labels, "lattice_explorer")
    m = len(to_numpy(lattice.input_lengths))
    if names is not None and len(check_sequence(names, "lattice_explorer(names)")) != m:
        raise ValueError(f"lattice_explorer(names): expected {m} names, one per utterance, got "
                         f"{len(names)}")
    spec = (lambda b: None) if spectrograms is None else (lambda b: spectrograms[b])
    fig = go.FigureWidget(lattice_figure(lattice, 0, labels, spec(0)))
    slider = widgets.IntSlider(value=0, min=0, max=max(m - 1, 0), description="example")

    def update(b: int) -> None:
        p = lattice_panels(lattice, b, labels)
        t_axis = np.arange(p["T"])
        y_nodes = [f"{s}:{n}" for s, n in enumerate(p["ext_names"])]
        k = 0
        with fig.batch_update():
            if spectrograms is not None:
                fig.data[0].z = np.asarray(to_numpy(spectrograms[b]))[:, :p["T"]]
                k = 1
            for j, key in enumerate(("log_alpha", "log_beta")):
                heat, path = fig.data[k + 2 * j], fig.data[k + 2 * j + 1]
                heat.z, heat.x, heat.y = p[key], t_axis, y_nodes
                path.x, path.y = t_axis, [y_nodes[s] for s in p["path"]]
            fig.data[k + 4].z, fig.data[k + 4].x = p["posteriors"], t_axis
            head = f"{names[b]}: " if names else ""
            fig.layout.title.text = (f"{head}target “{''.join(p['ext_names'][1::2])}”: "
                                     f"log p(y|x) = {p['log_likelihood']:.2f}")

    update(0)
    slider.observe(lambda c: update(c["new"]), names="value")
    return FigureBox([slider], fig, update)
