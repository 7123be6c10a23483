"""Figures of the week-1 task experiments: accuracy against the gap, name tagging uni vs bi.

- :func:`load_long_range_results` reads the shipped result of ``tools/long_range_experiment.py``;
  :func:`accuracy_vs_gap_figure` plots it (or a live :func:`seqlab.tasks.gap_sweep`).
- :func:`tagging_comparison_figure`, :func:`name_probability_figure` and
  :func:`tagging_explorer` show the unidirectional and bidirectional name taggers;
  :func:`layer_states_figure` shows every layer of a deep RNN.

NumPy (or CuPy) arrays in, plotly figures out; tests read ``fig.data``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqlab._validate import (
    MissingKeyError,
    as_array,
    check_dict,
    check_int,
    check_sequence,
    check_token_lists,
)
from seqlab.backend import to_numpy
from seqlab.viz.plots import COLOURS, styled
from seqlab.viz.widgets import FigureBox

__all__ = ["LONG_RANGE_RESULTS", "accuracy_vs_gap_figure", "layer_states_figure",
           "load_long_range_results", "name_probability_figure", "tagging_comparison_figure",
           "tagging_explorer"]

LONG_RANGE_RESULTS = Path(__file__).resolve().parents[1] / "data" / "results" / "long_range.npz"
KIND_NAMES = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}


def load_long_range_results(path=None) -> dict:
    """The shipped long-range experiment (``tools/long_range_experiment.py``).

    Returns
    -------
    dict: "kinds" (list of K str), "gaps" (G,) int, "seeds" (S,) int, "accuracy" (K, G, S),
        "steps" (K, G, S), "seconds" (K, G, S), "config" (dict), "seconds_total" (float)
    """
    path = Path(path) if path is not None else LONG_RANGE_RESULTS
    if not path.exists():
        raise FileNotFoundError(f"load_long_range_results(path): {path} does not exist; make "
                                f"it with `python tools/long_range_experiment.py`")
    with np.load(path) as f:
        return {"kinds": [str(k) for k in f["kinds"]], "gaps": f["gaps"], "seeds": f["seeds"],
                "accuracy": f["accuracy"], "steps": f["steps"], "seconds": f["seconds"],
                "config": json.loads(str(f["config"])),
                "seconds_total": float(f["seconds_total"])}


def _need(mapping: Mapping, keys: Sequence[str], where: str) -> None:
    """MissingKeyError unless every key is in ``mapping``."""
    missing = [k for k in keys if k not in mapping]
    if missing:
        raise MissingKeyError(f"{where}: expected keys {list(keys)}, got {list(mapping)} "
                              f"(missing {missing})")


def accuracy_vs_gap_figure(results: Mapping, title: str = "") -> go.Figure:
    """Held-out accuracy against the gap: per cell kind the band from the worst to the best seed
    (filled), the mean over seeds (line) and every seed (dots), with chance (50 %) dashed.

    Parameters
    ----------
    results : dict with "kinds" (K names), "gaps" (G,), "accuracy" (K, G, S), e.g. from
        :func:`load_long_range_results` or :func:`seqlab.tasks.gap_sweep`

    Returns
    -------
    Figure: data[k] kind k's band (the closed outline: best seed over the gaps, then worst seed
    back), drawn first so the lines lie on top; data[K + 2k] its mean (G,); data[K + 2k + 1]
    its seeds (G·S,)
    """
    check_dict(results, "accuracy_vs_gap_figure(results)", "a dict of gap-sweep results")
    _need(results, ("kinds", "gaps", "accuracy"), "accuracy_vs_gap_figure(results)")
    kinds, gaps = list(results["kinds"]), np.asarray(results["gaps"])
    acc = np.asarray(results["accuracy"], dtype=float)
    if acc.ndim != 3 or acc.shape[:2] != (len(kinds), len(gaps)):
        raise ValueError(f"accuracy_vs_gap_figure(results['accuracy']): expected shape (K, G, "
                         f"S) = ({len(kinds)}, {len(gaps)}, S), got {acc.shape}")
    n_seeds = acc.shape[2]
    fig = go.Figure()
    for k, kind in enumerate(kinds):
        colour = COLOURS[k % len(COLOURS)]
        fill = "rgba({}, {}, {}, 0.18)".format(*(int(colour[i:i + 2], 16) for i in (1, 3, 5)))
        fig.add_trace(go.Scatter(
            x=np.concatenate([gaps, gaps[::-1]]),
            y=np.concatenate([acc[k].max(axis=1), acc[k].min(axis=1)[::-1]]),
            fill="toself", fillcolor=fill, line=dict(width=0), mode="lines", legendgroup=kind,
            name=f"{KIND_NAMES.get(kind, kind)}, worst to best seed", showlegend=False,
            hoverinfo="skip"))
    for k, kind in enumerate(kinds):
        name, colour = KIND_NAMES.get(kind, kind), COLOURS[k % len(COLOURS)]
        fig.add_trace(go.Scatter(
            x=gaps, y=acc[k].mean(axis=1), mode="lines+markers", name=name, legendgroup=kind,
            line=dict(color=colour, width=3), customdata=np.stack([acc[k].min(axis=1),
                                                                   acc[k].max(axis=1)], 1),
            hovertemplate=f"{name}, gap %{{x}}: mean %{{y:.3f}}, seeds %{{customdata[0]:.3f}}"
                          f" to %{{customdata[1]:.3f}}<extra></extra>"))
        fig.add_trace(go.Scatter(
            x=np.repeat(gaps, n_seeds) + (k - 1) * 0.6, y=acc[k].ravel(), mode="markers",
            name=f"{name}, each seed", legendgroup=kind, showlegend=False, opacity=0.45,
            marker=dict(color=colour, size=6),
            hovertemplate=f"{name}, one seed: %{{y:.3f}}<extra></extra>"))
    fig.add_hline(y=0.5, line_dash="dash", line_color="grey",
                  annotation_text="chance (50 %)", annotation_position="bottom right")
    title = title or (f"Agreement across a gap: held-out accuracy<br><sup>line: mean of "
                      f"{n_seeds} seeds; shaded band: worst to best seed; dots: each seed</sup>")
    return styled(fig, title, height=400, xaxis_title="gap (words between noun and verb)",
                  yaxis=dict(title="accuracy", range=[0.4, 1.04]))


def tagging_comparison_figure(scores: Mapping[str, Mapping[str, float]],
                              title: str = "") -> go.Figure:
    """Grouped bars of per-word accuracy: one trace per model, one group per word set.

    Parameters
    ----------
    scores : model name -> {"overall": float, "ambiguous": float, "other": float}
    """
    groups = {"overall": "all words", "ambiguous": "ambiguous words", "other": "other words"}
    check_dict(scores, "tagging_comparison_figure(scores)", "a dict model name -> scores")
    fig = go.Figure()
    for i, (name, s) in enumerate(scores.items()):
        check_dict(s, f"tagging_comparison_figure(scores[{name!r}])", "a dict of accuracies")
        _need(s, list(groups), f"tagging_comparison_figure(scores[{name!r}])")
        y = [float(s[g]) for g in groups]
        fig.add_trace(go.Bar(x=list(groups.values()), y=y, name=name,
                             marker_color=COLOURS[i % len(COLOURS)],
                             text=[f"{v:.1%}" for v in y], textposition="outside"))
    fig.add_hline(y=0.5, line_dash="dash", line_color="grey", annotation_text="chance")
    return styled(fig, title, height=360, barmode="group",
                  yaxis=dict(title="per-word accuracy", range=[0, 1.12]))


def _heatmap(words, rows: Mapping[str, object], showscale: bool = True) -> go.Heatmap:
    """Rows (model -> P(name) per word) over the words of one sentence."""
    z = np.array([np.asarray(to_numpy(p), dtype=float)[: len(words)] for p in rows.values()])
    return go.Heatmap(z=z, x=list(range(len(words))), y=list(rows), zmin=0, zmax=1,
                      colorscale="Blues", showscale=showscale, text=np.round(z, 2),
                      texttemplate="%{text:.2f}", colorbar=dict(title="P(name)"),
                      customdata=np.array([list(words)] * len(rows)),
                      hovertemplate="%{y}<br>%{customdata}: P(name) = %{z:.3f}<extra></extra>")


def _check_probs(sentences, probs, fname: str) -> None:
    """probs: model name -> one array (>= T_i,) of P(name) per sentence."""
    check_dict(probs, f"{fname}(probs)", "a dict model name -> arrays, one per sentence")
    for name, ps in probs.items():
        ps = check_sequence(ps, f"{fname}(probs[{name!r}])", "a list of arrays")
        if len(ps) != len(sentences):
            raise ValueError(f"{fname}(probs[{name!r}]): expected {len(sentences)} arrays, one "
                             f"per sentence, got {len(ps)}")
        for i, (p, words) in enumerate(zip(ps, sentences, strict=True)):
            p = as_array(p, f"{fname}(probs[{name!r}][{i}])", ndim=1, symbols="(T_i,)")
            if p.shape[0] < len(words):
                raise ValueError(f"{fname}(probs[{name!r}][{i}]): expected at least "
                                 f"{len(words)} values, one per word, got {p.shape[0]}")


def name_probability_figure(sentences: Sequence[Sequence[str]],
                            probs: Mapping[str, Sequence], title: str = "") -> go.Figure:
    """P(name) for every word of some sentences, one heatmap row per model.

    Parameters
    ----------
    sentences : n sentences, each a list of T_i words
    probs : model name -> n arrays (≥ T_i,), P(name) per word of each sentence
    """
    sentences = check_token_lists(sentences, "name_probability_figure(sentences)", empty=False)
    _check_probs(sentences, probs, "name_probability_figure")
    row_px = 70 + 30 * len(probs)                     # one sentence, its title and its words
    height = 90 + len(sentences) * row_px
    fig = make_subplots(rows=len(sentences), cols=1, vertical_spacing=70 / height,
                        subplot_titles=[" ".join(s) for s in sentences])
    for i, words in enumerate(sentences):
        fig.add_trace(_heatmap(words, {n: ps[i] for n, ps in probs.items()}, i == 0),
                      row=i + 1, col=1)
        fig.update_xaxes(tickvals=list(range(len(words))), ticktext=list(words), row=i + 1,
                         col=1)
    fig.update_yaxes(autorange="reversed")
    return styled(fig, title, height=height)


def tagging_explorer(sentences: Sequence[Sequence[str]], probs: Mapping[str, Sequence],
                     index: int = 0) -> FigureBox:
    """A slider over sentences; the heatmap shows each model's P(name) for every word.

    The probabilities are computed beforehand, so a slider move only swaps arrays.

    Parameters
    ----------
    sentences : n sentences, each a list of words
    probs : model name -> n arrays, P(name) per word (as for :func:`name_probability_figure`)
    """
    sentences = check_token_lists(sentences, "tagging_explorer(sentences)", empty=False)
    _check_probs(sentences, probs, "tagging_explorer")
    if not 0 <= index < len(sentences):
        raise ValueError(f"tagging_explorer(index): expected 0 <= index < {len(sentences)}, "
                         f"got {index}")
    first = _heatmap(sentences[index], {k: v[index] for k, v in probs.items()})
    fig = go.FigureWidget(styled(go.Figure(first), "P(name) per word",
                                 height=190 + 30 * len(probs),
                                 yaxis=dict(autorange="reversed")))
    slider = widgets.IntSlider(value=index, min=0, max=len(sentences) - 1,
                               description="sentence", continuous_update=True,
                               layout=widgets.Layout(width="420px"))

    def update(index: int) -> None:
        words = list(sentences[index])
        new = _heatmap(words, {k: v[index] for k, v in probs.items()})
        with fig.batch_update():
            fig.data[0].z, fig.data[0].x = new.z, new.x
            fig.data[0].text, fig.data[0].customdata = new.text, new.customdata
            fig.layout.xaxis.tickvals, fig.layout.xaxis.ticktext = new.x, words
            fig.layout.title.text = "“" + " ".join(words) + "”: P(name) per word"

    update(index)
    slider.observe(lambda change: update(change["new"]), names="value")
    return FigureBox([slider], fig, update)


def layer_states_figure(states: Sequence, words: Sequence[str], example: int = 0,
                        titles: Sequence[str] | None = None, title: str = "",
                        bidirectional: bool = False) -> go.Figure:
    """Every layer's hidden states a^[l]<t> for one example: one heatmap per layer, bottom
    layer at the bottom.

    Parameters
    ----------
    states : L arrays (n_dir·n_a, m, T_x), e.g. ``net.layer_states(cache)``
    words : T_x labels of the steps
    example : the column of the batch to show
    titles : L subplot titles (default "layer l: a^[l]")
    bidirectional : rows are [a→; a←]: a line between the halves, labelled →1.., ←1..

    Returns
    -------
    Figure: data[l] is layer l + 1's heatmap (n_dir·n_a, T_x), the top layer drawn on top
    """
    states = check_sequence(states, "layer_states_figure(states)",
                            "a list of arrays (n_dir·n_a, m, T_x), one per layer", empty=False)
    states = [as_array(a, f"layer_states_figure(states[{l}])", ndim=3,
                       symbols="(n_dir·n_a, m, T_x)") for l, a in enumerate(states)]
    example = check_int(example, "layer_states_figure(example)", 0, states[0].shape[1] - 1)
    arrays = [np.asarray(to_numpy(a), dtype=float)[:, example, :] for a in states]
    L = len(arrays)
    titles = list(titles) if titles is not None else [f"layer {l}: a^[{l}]"
                                                      for l in range(1, L + 1)]
    height = 120 + 200 * L
    fig = make_subplots(rows=L, cols=1, subplot_titles=titles[::-1], vertical_spacing=60 / height)
    for l, a in enumerate(arrays):                  # data[l] is layer l + 1, drawn in row L - l
        if a.shape[1] != len(words):
            raise ValueError(f"layer_states_figure(words): expected {a.shape[1]} words, one "
                             f"per step, got {len(words)}")
        n = a.shape[0]
        units = ([f"→{i + 1}" for i in range(n // 2)] + [f"←{i + 1}" for i in range(n // 2)]
                 if bidirectional else [str(i + 1) for i in range(n)])
        fig.add_trace(go.Heatmap(z=a, x=list(range(len(words))), y=list(range(n)),
                                 zmin=-1, zmax=1, colorscale="RdBu", reversescale=True,
                                 showscale=l == 0, colorbar=dict(title="a"),
                                 customdata=np.array([[u] * len(words) for u in units]),
                                 hovertemplate="unit %{customdata}, step %{x}: %{z:.3f}"
                                               "<extra></extra>"),
                      row=L - l, col=1)
        fig.update_xaxes(tickvals=list(range(len(words))), ticktext=list(words), row=L - l,
                         col=1)
        ticks = list(range(0, n, max(1, n // 8)))
        fig.update_yaxes(autorange="reversed", tickvals=ticks, ticktext=[units[i] for i in ticks],
                         row=L - l, col=1)
        if bidirectional:
            fig.add_hline(y=n // 2 - 0.5, line_color="black", line_width=2, row=L - l, col=1)
    return styled(fig, title, height=height)
