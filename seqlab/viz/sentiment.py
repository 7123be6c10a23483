"""Plots and a widget for sentiment classification (notebook 11). No model math here.

- :func:`confusion_heatmap`: a confusion matrix, counts and row-normalised colours;
- :func:`negation_figure`: accuracy of V1 and V2 on plain vs negated sentences;
- :func:`word_contribution_bars`: V1's score split over the words of one sentence;
- :func:`sentiment_explorer`: type a sentence (or pick one with a slider), see V1's and V2's
  class probabilities and V1's per-word contributions, updated in place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqlab._validate import (
    as_array,
    check_callable,
    check_dict,
    check_int,
    check_sequence,
)
from seqlab.backend import to_numpy
from seqlab.viz.plots import COLOURS, styled
from seqlab.viz.widgets import FigureBox


def confusion_heatmap(C, classes: Sequence[str], title: str = "") -> go.Figure:
    """Heatmap of C[i, j] (true class i predicted as j); colour = share of row i, text = count."""
    C = np.asarray(to_numpy(as_array(C, "confusion_heatmap(C)", "real", symbols="(k, k)")))
    if C.ndim != 2 or C.shape != (len(classes), len(classes)):
        raise ValueError(f"confusion_heatmap(C): expected ({len(classes)}, {len(classes)}), "
                         f"one row and column per class, got {C.shape}")
    share = C / np.maximum(C.sum(axis=1, keepdims=True), 1)
    fig = go.Figure(go.Heatmap(z=share, x=list(classes), y=list(classes), zmin=0, zmax=1,
                               colorscale="Blues", text=C, texttemplate="%{text}",
                               colorbar=dict(title="row share")))
    fig.update_yaxes(autorange="reversed", title="true class")
    fig.update_xaxes(title="predicted class")
    return styled(fig, title, height=330, width=430)


def negation_figure(correct: dict, negated, title: str = "") -> go.Figure:
    """Grouped bars: accuracy of each model on all / plain / negated sentences.

    Parameters
    ----------
    correct : model name -> bool array (n,), True where that model is right
    negated : bool array (n,), True for the sentences with a negation
    """
    check_dict(correct, "negation_figure(correct)", "a dict model name -> bool array (n,)")
    negated = np.asarray(to_numpy(negated), dtype=bool)
    groups = {"all": np.ones_like(negated), "without negation": ~negated, "negated": negated}
    fig = go.Figure()
    for i, (name, ok) in enumerate(correct.items()):
        ok = np.asarray(to_numpy(ok), dtype=bool)
        if ok.shape != negated.shape:
            raise ValueError(f"negation_figure(correct[{name!r}]): expected shape "
                             f"{negated.shape}, got {ok.shape}")
        acc = [float(ok[g].mean()) for g in groups.values()]
        fig.add_trace(go.Bar(x=[f"{k} ({int(g.sum())})" for k, g in groups.items()], y=acc,
                             name=name, marker_color=COLOURS[i % len(COLOURS)],
                             text=[f"{a:.0%}" for a in acc], textposition="outside"))
    fig.add_hline(y=0.5, line_dash="dot", annotation_text="chance")
    return styled(fig, title, barmode="group", yaxis_range=[0, 1.1], yaxis_title="accuracy")


def word_contribution_bars(tokens: Sequence[str], contributions, bias: float = 0.0,
                           title: str = "") -> go.Figure:
    """Bars of each word's term in V1's score z_pos - z_neg (green: towards positive)."""
    c = np.asarray(to_numpy(as_array(contributions, "word_contribution_bars(contributions)",
                                     symbols="(n,)")), dtype=float).ravel()
    if len(c) != len(tokens):
        raise ValueError(f"word_contribution_bars(contributions): expected {len(tokens)} "
                         f"values, one per token, got {len(c)}")
    fig = go.Figure(_contribution_bar(tokens, c, bias))
    return styled(fig, title, yaxis_title="score towards positive")


def _contribution_bar(tokens, c, bias) -> go.Bar:
    labels = [f"{i + 1}. {w}" for i, w in enumerate(tokens)] + ["bias"]
    values = [*c.tolist(), bias]
    return go.Bar(x=labels, y=values, name="V1 word terms", showlegend=False,
                  marker_color=["#2ca02c" if v >= 0 else "#d62728" for v in values])


def sentiment_explorer(analyse: Callable[[str], dict], classes: Sequence[str],
                       examples: Sequence[str], start: int = 0) -> FigureBox:
    """Type a sentence or pick an example: V1 vs V2 probabilities and V1's word terms.

    Parameters
    ----------
    analyse : text -> dict with ``tokens``, ``contributions``, ``bias``, ``p_v1``, ``p_v2``
        (e.g. ``functools.partial(seqlab.tasks.sentiment.analyse_sentence, word_index=..., ...)``)
    classes : class names, one per probability
    examples : sentences the slider walks through
    """
    check_callable(analyse, "sentiment_explorer(analyse)", "a callable text -> dict")
    examples = check_sequence(examples, "sentiment_explorer(examples)", "a list of sentences",
                              empty=False)
    start = check_int(start, "sentiment_explorer(start)", 0, len(examples) - 1)
    fig = go.FigureWidget(make_subplots(rows=1, cols=2, column_widths=[0.4, 0.6],
                                        subplot_titles=("class probabilities",
                                                        "V1: each word's term (z_pos - z_neg)")))
    for name, colour in (("V1 averaging", COLOURS[0]), ("V2 LSTM", COLOURS[1])):
        fig.add_trace(go.Bar(x=list(classes), y=np.zeros(len(classes)), name=name,
                             marker_color=colour), row=1, col=1)
    fig.add_trace(_contribution_bar([], np.zeros(0), 0.0), row=1, col=2)
    styled(fig, "", height=360, barmode="group", yaxis_range=[0, 1])
    fig.update_layout(margin=dict(t=90), legend=dict(orientation="h", y=-0.2))
    text = widgets.Text(value=examples[start], description="sentence",
                        continuous_update=False, layout=widgets.Layout(width="560px"))
    slider = widgets.IntSlider(value=start, min=0, max=len(examples) - 1,
                               description="example", continuous_update=True)

    def update(sentence: str) -> None:
        r = analyse(sentence)
        bar = _contribution_bar(r["tokens"], np.asarray(r["contributions"]), r["bias"])
        with fig.batch_update():
            fig.data[0].y = np.asarray(r["p_v1"], dtype=float)
            fig.data[1].y = np.asarray(r["p_v2"], dtype=float)
            fig.data[2].x, fig.data[2].y = bar.x, bar.y
            fig.data[2].marker.color = bar.marker.color
            top1, top2 = (classes[int(np.argmax(r[k]))] for k in ("p_v1", "p_v2"))
            fig.layout.title.text = f"“{sentence[:60]}”: V1 says {top1}, V2 says {top2}"

    update(examples[start])
    text.observe(lambda change: update(change["new"]), names="value")
    slider.observe(lambda change: setattr(text, "value", examples[change["new"]]), names="value")
    return FigureBox([slider, text], fig, update)
