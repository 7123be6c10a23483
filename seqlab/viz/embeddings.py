"""The analogy explorer: a : b :: c : ?, with the offsets drawn in a 2-D projection (notebook 07).

Type three words; the explorer asks :meth:`KeyedVectors.most_similar` for the 3CosAdd answers
(argmax cos(e_w, ê_b − ê_a + ê_c), the input words excluded), lists the best ones, and draws
the words involved (a, b, c, the answers and a few neighbours of each) in the plane of their
two principal components (PCA of their unit vectors), with the arrows a → b and c → answer:
where the analogy works, the two arrows are nearly parallel and of similar length.

The computation (:func:`analogy_view`) is separate from the figure (:func:`analogy_figure`)
and the widget (:func:`analogy_explorer`), and each is testable headless.

=================  ============  =========================================================
name               shape         meaning
=================  ============  =========================================================
words              k             a, b, c, the answers, then neighbours
Y                  (k, 2)        PCA coordinates of their unit vectors
answers            topn          [(word, cos), ...] best first
=================  ============  =========================================================
"""

from __future__ import annotations

import html
import time
from typing import NamedTuple

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from seqlab._validate import check_instance, check_int, named_as
from seqlab.backend import to_numpy
from seqlab.embeddings.keyed_vectors import KeyedVectors
from seqlab.embeddings.tsne import pca
from seqlab.viz.plots import COLOURS, TEMPLATE
from seqlab.viz.widgets import FigureBox


class AnalogyView(NamedTuple):
    """Everything the figure shows for one question a : b :: c : ?."""

    a: str
    b: str
    c: str
    answers: list            # [(word, cos), ...], best first (3CosAdd)
    words: list              # a, b, c, answers, neighbours (k words)
    role: list               # "input" | "answer" | "neighbour" per word
    Y: np.ndarray            # (k, 2) PCA coordinates


def analogy_view(kv: KeyedVectors, a: str, b: str, c: str, topn: int = 5,
                 neighbours: int = 3) -> AnalogyView:
    """Answers to a : b :: c : ? and a 2-D PCA projection of the words involved.

    Parameters
    ----------
    kv : the word vectors
    a, b, c : words (lower-cased); a KeyError names an unknown one
    topn : number of answers (>= 1)
    neighbours : nearest words of each of a, b, c shown for context (>= 0)
    """
    check_instance(kv, KeyedVectors, "analogy_view(kv)")
    topn = check_int(topn, "analogy_view(topn)", 1)
    neighbours = check_int(neighbours, "analogy_view(neighbours)", 0)
    a, b, c = (str(w).strip().lower() for w in (a, b, c))
    for name, w in (("a", a), ("b", b), ("c", c)):
        with named_as({"get_index(key)": f"analogy_view({name})"}):
            kv.get_index(w)
    answers = kv.most_similar(positive=[b, c], negative=[a], topn=topn)
    words = list(dict.fromkeys([a, b, c] + [w for w, _ in answers]))
    role = ["input"] * 3 + ["answer"] * (len(words) - 3)
    for w in (a, b, c):
        for n, _ in kv.most_similar(positive=[w], topn=neighbours) if neighbours else []:
            if n not in words:
                words.append(n)
                role.append("neighbour")
    X = to_numpy(kv.get_normed_vectors()[[kv.get_index(w) for w in words]])  # (k, n)
    Y = np.asarray(to_numpy(pca(X.astype(np.float64), 2)))                   # (k, 2)
    return AnalogyView(a, b, c, answers, words, role, Y)


def _arrow(p, q):
    """x, y of a line p -> q (the arrowhead is the marker at q)."""
    return [float(p[0]), float(q[0])], [float(p[1]), float(q[1])]


def _traces(view: AnalogyView) -> list[dict]:
    """The five traces' data: neighbours, inputs, answers, arrow a→b, arrow c→answer."""
    pos = {w: view.Y[i] for i, w in enumerate(view.words)}
    groups = {r: [i for i, x in enumerate(view.role) if x == r]
              for r in ("neighbour", "input", "answer")}
    out = []
    for r in ("neighbour", "input", "answer"):
        idx = groups[r]
        text = [view.words[i] for i in idx]
        if r == "answer":
            text = [f"{w} ({s:.2f})" for w, s in view.answers]
        out.append(dict(x=view.Y[idx, 0].tolist(), y=view.Y[idx, 1].tolist(), text=text))
    best = view.answers[0][0]
    for p, q in ((view.a, view.b), (view.c, best)):
        x, y = _arrow(pos[p], pos[q])
        out.append(dict(x=x, y=y, text=[p, q]))
    return out


def _title(view: AnalogyView) -> str:
    best, score = view.answers[0]
    return (f"{view.a} : {view.b} :: {view.c} : <b>{best}</b> (cos {score:.2f}); "
            f"2-D PCA of {len(view.words)} words' unit vectors")


def analogy_figure(view: AnalogyView, height: int = 460) -> go.Figure:
    """The projection with the arrows a → b (blue) and c → best answer (red)."""
    check_instance(view, AnalogyView, "analogy_figure(view)", "an AnalogyView (analogy_view)")
    height = check_int(height, "analogy_figure(height)", 1)
    data = _traces(view)
    styles = [dict(name="neighbours", mode="markers+text", marker=dict(color="#999", size=6),
                   textfont=dict(color="#777", size=10)),
              dict(name="a, b, c", mode="markers+text", marker=dict(color="#222", size=9),
                   textfont=dict(size=13)),
              dict(name="answers", mode="markers+text", marker=dict(color=COLOURS[3], size=9),
                   textfont=dict(color=COLOURS[3], size=12)),
              dict(name="a → b", mode="lines+markers", line=dict(color=COLOURS[0], width=3)),
              dict(name="c → answer", mode="lines+markers",
                   line=dict(color=COLOURS[1], width=3))]
    fig = go.Figure()
    for i, (d, s) in enumerate(zip(data, styles, strict=True)):
        if i >= 3:  # an arrowhead at the end of the line only
            s = {**s, "marker": dict(symbol="arrow", angleref="previous", size=[0, 16],
                                     color=s["line"]["color"]), "hoverinfo": "skip"}
            d = {**d, "text": None}
        fig.add_trace(go.Scatter(**d, textposition="top center", **s))
    fig.update_layout(template=TEMPLATE, height=height, title=_title(view),
                      margin=dict(l=30, r=20, t=50, b=30), legend=dict(orientation="h"),
                      xaxis=dict(title="PC 1", zeroline=False),
                      yaxis=dict(title="PC 2", zeroline=False, scaleanchor="x"))
    return fig


def _answers_html(view: AnalogyView) -> str:
    rows = "".join(f"<tr><td>{i + 1}.</td><td><b>{html.escape(w)}</b></td><td>{s:.3f}</td></tr>"
                   for i, (w, s) in enumerate(view.answers))
    return ("<table style='font-family:monospace'><tr><th></th><th>answer</th><th>cos</th></tr>"
            f"{rows}</table>")


def analogy_explorer(kv: KeyedVectors, a: str = "man", b: str = "woman", c: str = "king",
                     topn: int = 5, neighbours: int = 3) -> FigureBox:
    """The widget: a slider for the number of answers (first control), boxes for a, b, c.

    ``box.update(topn=..., a=..., b=..., c=...)`` does what the controls do; ``box.timings``
    lists the seconds each update took; an unknown word shows the KeyError's message (with
    close spellings) and leaves the figure as it was.
    """
    state = {"a": a, "b": b, "c": c, "topn": topn}
    with named_as({"analogy_view(": "analogy_explorer("}):
        view = analogy_view(kv, a, b, c, topn, neighbours)
    fig = go.FigureWidget(analogy_figure(view))
    slider = widgets.IntSlider(value=topn, min=1, max=10, description="answers shown",
                               continuous_update=True, style={"description_width": "initial"},
                               layout=widgets.Layout(width="420px"))
    boxes = {k: widgets.Text(value=state[k], description=f"{k}", continuous_update=False,
                             layout=widgets.Layout(width="200px")) for k in "abc"}
    info = widgets.HTML(_answers_html(view))
    timings: list = []

    def update(topn=None, a=None, b=None, c=None) -> None:
        start = time.perf_counter()
        new = {k: v for k, v in dict(topn=topn, a=a, b=b, c=c).items() if v is not None}
        trial = {**state, **new}
        try:
            v = analogy_view(kv, trial["a"], trial["b"], trial["c"], trial["topn"], neighbours)
        except (KeyError, ValueError) as exc:
            msg = exc.args[0] if exc.args else str(exc)
            info.value = f"<b style='color:#cf222e'>{html.escape(str(msg))}</b>"
            return
        state.update(trial)
        with fig.batch_update():
            for trace, d in zip(fig.data, _traces(v), strict=True):
                trace.x, trace.y = d["x"], d["y"]
                if trace.mode != "lines+markers":
                    trace.text = d["text"]
            fig.layout.title.text = _title(v)
        info.value = _answers_html(v)
        timings.append(time.perf_counter() - start)

    slider.observe(lambda ch: update(topn=ch["new"]), names="value")
    for k, box in boxes.items():
        box.observe(lambda ch, k=k: ch["new"] and update(**{k: ch["new"]}), names="value")
    row = widgets.HBox([widgets.HTML("<b>a : b :: c : ?</b>&nbsp;"), *boxes.values()])
    box = FigureBox([slider, row, info], fig, update)
    box.timings, box.state = timings, state
    return box
