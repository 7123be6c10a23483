"""word2vec pictures: training you can watch, the negative-sampling distribution, the Huffman tree.

- :func:`live_projection`: a figure of the chosen words that moves WHILE training runs: its
  ``callback`` (for :func:`seqlab.embeddings.word2vec.train_word2vec`) projects the current
  vectors on their own top-2 principal axes (signs kept consistent from one snapshot to the
  next) and updates the figure in place; it also records the snapshots, for the replay below.
- :func:`projection_recorder` + :func:`training_animation`: a ``callback`` for
  :func:`seqlab.embeddings.word2vec.train_word2vec` that keeps the vectors of chosen words, and a
  plotly animation (play button and slider) of their 2-D PCA projection as training runs. Every
  snapshot is projected on the principal axes of the FINAL vectors (by SVD), so the frames share
  one coordinate system and the motion is the words' own.
- :func:`noise_explorer`: a slider for the exponent α of P(w) ∝ f(w)^α, from 0 (uniform) through
  0.75 to 1 (unigram), drawn for the most frequent words and a few rare ones.
- :func:`huffman_figure` / :func:`huffman_explorer`: the hierarchical-softmax tree of the top words
  with one word's path from the root highlighted, chosen from a dropdown.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from seqlab._validate import (
    MissingKeyError,
    as_array,
    check_dict,
    check_instance,
    check_int,
    check_number,
    check_sequence,
    check_words,
    lookup,
    named_as,
)
from seqlab.embeddings.huffman import HuffmanTree, build_huffman
from seqlab.embeddings.negative_sampling import noise_distribution
from seqlab.viz.widgets import FigureBox

__all__ = ["huffman_explorer", "huffman_figure", "huffman_layout", "live_projection",
           "noise_explorer",
           "noise_figure", "pca_axes", "projection_recorder", "training_animation"]


def pca_axes(X: np.ndarray, k: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """(mean (d,), axes (d, k)): the top-k principal directions of the rows of X, by SVD."""
    X = as_array(X, "pca_axes(X)", ndim=2, symbols="(n, d)")
    k = check_int(k, "pca_axes(k)", 1, X.shape[1])
    mean = X.mean(axis=0)
    _, _, Vt = np.linalg.svd(X - mean, full_matrices=False)
    return mean, Vt[:k].T


def projection_recorder(words: Sequence[str], vocabulary: Sequence[str]):
    """A ``callback(progress, W_in)`` recording the rows of ``words``; returns (callback, log).

    ``log`` is a dict with "progress" (list of floats) and "vectors" (list of (n, d) arrays).
    """
    words = check_words(words, "projection_recorder(words)")
    index = {w: i for i, w in enumerate(check_sequence(vocabulary,
                                                       "projection_recorder(vocabulary)"))}
    rows = np.array([lookup(index, w, "projection_recorder(words)", "word of the vocabulary")
                     for w in words], dtype=int)
    log: dict = {"words": list(words), "progress": [], "vectors": []}

    def callback(progress: float, W_in) -> None:
        log["progress"].append(float(progress))
        log["vectors"].append(np.array(W_in[rows], dtype=np.float64))

    return callback, log


def _group_colours(words: Sequence[str], groups: dict | None) -> list[str]:
    colour = [next((g for g, ws in (groups or {}).items() if w in ws), "") for w in words]
    colours = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
    palette = {g: colours[i % len(colours)] for i, g in enumerate(dict.fromkeys(colour))}
    return [palette[c] for c in colour]


def live_projection(words: Sequence[str], vocabulary: Sequence[str],
                    groups: dict | None = None) -> FigureBox:
    """The chosen words in 2-D, updated in place by ``box.callback(progress, W_in)``.

    Show the box, then pass ``callback=box.callback`` to ``train_word2vec``: the points move as
    the vectors learn. ``box.recorded`` holds every snapshot (as :func:`projection_recorder` does),
    for :func:`training_animation` afterwards.
    """
    with named_as({"projection_recorder(": "live_projection("}):
        record, log = projection_recorder(words, vocabulary)
    fig = go.FigureWidget(go.Scatter(x=[0.0] * len(words), y=[0.0] * len(words),
                                     mode="markers+text", text=list(words),
                                     textposition="top center",
                                     marker=dict(size=9, color=_group_colours(words, groups))))
    fig.update_layout(title="skip-gram training: not started", height=460, width=620,
                      xaxis_title="PC 1 (of the current vectors)", yaxis_title="PC 2",
                      showlegend=False)
    state = {"axes": None}

    def update(**_) -> None:
        if not log["vectors"]:
            return
        X = log["vectors"][-1]
        mean, axes = pca_axes(X)
        if state["axes"] is not None:                    # keep each axis pointing the same way
            axes = axes * np.sign(np.sum(axes * state["axes"], axis=0) + 1e-12)
        state["axes"] = axes
        xy = (X - mean) @ axes                           # (n, 2)
        with fig.batch_update():
            fig.data[0].x, fig.data[0].y = xy[:, 0].tolist(), xy[:, 1].tolist()
            fig.layout.title.text = f"skip-gram training: {log['progress'][-1]:.0%} done"

    def callback(progress: float, W_in) -> None:
        record(progress, W_in)
        update()

    box = FigureBox([], fig, update)
    box.callback, box.recorded = callback, log  # (a widget's `log` is its Logger)
    return box


def training_animation(log: dict, groups: dict | None = None) -> go.Figure:
    """Animated 2-D PCA projection of the recorded words (one frame per snapshot)."""
    check_dict(log, "training_animation(log)", "the log of projection_recorder")
    if not all(k in log for k in ("words", "progress", "vectors")):
        raise MissingKeyError(f"training_animation(log): expected the log of projection_recorder"
                              f" (keys 'words', 'progress', 'vectors'), got keys {list(log)}")
    if not log["vectors"]:
        raise ValueError("training_animation(log): expected at least one recorded snapshot, "
                         "got none (was the callback passed to train_word2vec?)")
    mean, axes = pca_axes(log["vectors"][-1])
    frames_xy = [(v - mean) @ axes for v in log["vectors"]]
    words = log["words"]
    colours = _group_colours(words, groups)

    def scatter(xy):
        return go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="markers+text", text=words,
                          textposition="top center", marker=dict(size=9, color=colours))

    lim = max(np.abs(xy).max() for xy in frames_xy[len(frames_xy) // 4:]) * 1.15
    names = [f"{p:.0%}" for p in log["progress"]]
    fig = go.Figure(data=[scatter(frames_xy[0])],
                    frames=[go.Frame(data=[scatter(xy)], name=n)
                            for xy, n in zip(frames_xy, names, strict=True)])
    fig.update_layout(
        title="skip-gram training: the chosen words in the final vectors' PCA plane",
        xaxis=dict(range=[-lim, lim], title="PC 1"), yaxis=dict(range=[-lim, lim], title="PC 2"),
        height=480, width=640, showlegend=False,
        updatemenus=[dict(type="buttons", x=0, y=-0.12, buttons=[dict(
            label="▶ play", method="animate",
            args=[None, dict(frame=dict(duration=250, redraw=False), fromcurrent=True)])])],
        sliders=[dict(active=0, currentvalue=dict(prefix="training done: "), steps=[
            dict(label=n, method="animate", args=[[n], dict(mode="immediate",
                                                            frame=dict(redraw=False))])
            for n in names])])
    return fig


def _counts(words, counts, fname: str) -> np.ndarray:
    """One count per word, as float64 (n,)."""
    words = check_sequence(words, f"{fname}(words)", "a list of words", empty=False)
    counts = np.asarray(as_array(counts, f"{fname}(counts)", ndim=1, symbols="(n,)"),
                        dtype=np.float64)
    if counts.shape != (len(words),):
        raise ValueError(f"{fname}(counts): expected {len(words)} counts, one per word, got "
                         f"{counts.shape[0]}")
    return counts


def noise_figure(words: Sequence[str], counts, exponent: float = 0.75) -> go.Figure:
    """Bars: P(w) ∝ f(w)^α for the given words, against the unigram and uniform levels."""
    counts = _counts(words, counts, "noise_figure")
    check_number(exponent, "noise_figure(exponent)", 0)
    p = noise_distribution(counts, exponent)
    fig = go.Figure([go.Bar(x=list(words), y=p, name=f"α = {exponent:.2f}"),
                     go.Scatter(x=list(words), y=counts / counts.sum(), mode="markers",
                                name="unigram (α = 1)", marker=dict(symbol="line-ew-open",
                                                                    size=14))])
    fig.update_layout(title=f"negative-sampling distribution P(w) ∝ f(w)^{exponent:.2f}",
                      yaxis=dict(type="log", title="P(w)"), height=380, width=760)
    return fig


def noise_explorer(words: Sequence[str], counts, exponent: float = 0.75) -> FigureBox:
    """A slider for α in [0, 1]: the distribution of :func:`noise_figure` updates in place."""
    counts = _counts(words, counts, "noise_explorer")
    check_number(exponent, "noise_explorer(exponent)", 0)
    fig = go.FigureWidget(noise_figure(words, counts, exponent))
    slider = widgets.FloatSlider(value=exponent, min=0.0, max=1.0, step=0.05,
                                 description="exponent α", continuous_update=True)

    def update(exponent: float = 0.75) -> None:
        with fig.batch_update():
            fig.data[0].y = noise_distribution(counts, exponent)
            fig.data[0].name = f"α = {exponent:.2f}"
            fig.layout.title.text = f"negative-sampling distribution P(w) ∝ f(w)^{exponent:.2f}"

    slider.observe(lambda change: update(change["new"]), names="value")
    return FigureBox([slider], fig, update)


def huffman_layout(tree: HuffmanTree) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of every node id (leaves 0..V-1, inner V..2V-2): leaves in tree order, depth down."""
    check_instance(tree, HuffmanTree, "huffman_layout(tree)", "a HuffmanTree (build_huffman)")
    V = tree.lengths.size
    x, y = np.zeros(2 * V - 1), np.zeros(2 * V - 1)
    order: list[int] = []

    def walk(node: int, depth: int) -> None:
        y[node] = -depth
        if node < V:
            x[node] = len(order)
            order.append(node)
            return
        left, right = tree.children[node - V]
        walk(int(left), depth + 1)
        walk(int(right), depth + 1)
        x[node] = (x[left] + x[right]) / 2

    walk(2 * V - 2, 0)
    return x, y


def _check_leaves(words, word, V: int, fname: str) -> None:
    """One word per leaf of the tree; ``word`` (if any) among them."""
    words = check_sequence(words, f"{fname}(words)", "a list of words")
    if len(words) != V:
        raise ValueError(f"{fname}(words): expected {V} words, one per leaf of the tree, got "
                         f"{len(words)}")
    if word is not None and word not in words:
        raise MissingKeyError(f"{fname}(word): expected one of the words, got {word!r}")


def huffman_figure(tree: HuffmanTree, words: Sequence[str], word: str | None = None
                   ) -> go.Figure:
    """The Huffman tree (edges grey, leaves labelled) with ``word``'s root-to-leaf path in red."""
    check_instance(tree, HuffmanTree, "huffman_figure(tree)", "a HuffmanTree (build_huffman)")
    V = tree.lengths.size
    _check_leaves(words, word, V, "huffman_figure")
    x, y = huffman_layout(tree)
    ex, ey = [], []
    for n, (a, b) in enumerate(tree.children):
        for c in (a, b):
            ex += [x[V + n], x[c], None]
            ey += [y[V + n], y[c], None]
    fig = go.Figure([go.Scatter(x=ex, y=ey, mode="lines", line=dict(color="#bbb", width=1),
                                hoverinfo="skip", name="tree"),
                     go.Scatter(x=x[:V], y=y[:V], mode="markers+text", text=list(words),
                                textposition="bottom center", textfont=dict(size=9),
                                marker=dict(size=6, color="#1f77b4"), name="words"),
                     go.Scatter(x=[], y=[], mode="lines+markers", name="path",
                                line=dict(color="#d62728", width=3))])
    _set_path(fig, tree, words, word, x, y)
    fig.update_layout(height=460, width=900, showlegend=False,
                      xaxis=dict(visible=False), yaxis=dict(title="depth", visible=True))
    return fig


def _path_xy(tree, words, word, x, y):
    w = list(words).index(word)
    nodes = [tree.lengths.size + int(n) for n in tree.points[w, :tree.lengths[w]]] + [w]
    bits = "".join(str(int(b)) for b in tree.codes[w, :tree.lengths[w]])
    return x[nodes], y[nodes], bits


def _set_path(fig, tree, words, word, x, y) -> None:
    if word is None:
        return
    px, py, bits = _path_xy(tree, words, word, x, y)
    fig.data[2].x, fig.data[2].y = px, py
    fig.layout.title = (f"hierarchical softmax: p('{word}' | c) = product of {len(bits)} "
                        f"sigmoids, code {bits} (0 = left, 1 = right)")


def huffman_explorer(words: Sequence[str], counts, word: str | None = None) -> FigureBox:
    """A dropdown of the words; the chosen word's path through the Huffman tree is highlighted."""
    words = check_sequence(words, "huffman_explorer(words)", "a list of words", empty=False)
    counts = as_array(counts, "huffman_explorer(counts)", "real", ndim=1, symbols="(V,)")
    if counts.shape != (len(words),):
        raise ValueError(f"huffman_explorer(counts): expected {len(words)} counts, one per "
                         f"word, got {counts.shape[0]}")
    _check_leaves(words, word, len(words), "huffman_explorer")
    tree = build_huffman(np.asarray(counts))
    word = word or words[0]
    fig = go.FigureWidget(huffman_figure(tree, words, word))
    x, y = huffman_layout(tree)
    menu = widgets.Dropdown(options=list(words), value=word, description="word")

    def update(word: str = word) -> None:
        with fig.batch_update():
            _set_path(fig, tree, words, word, x, y)

    menu.observe(lambda change: update(change["new"]), names="value")
    return FigureBox([menu], fig, update)
