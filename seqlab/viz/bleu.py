"""The BLEU explainer: the hypothesis and its references with the matched n-grams highlighted,
the clip table, the modified precisions p_n and the brevity penalty (eqs. 1-3 of
:mod:`seqlab.seq2seq.bleu`).

Colours, for the chosen order n: in the hypothesis, a token covered by a *matched* n-gram is
green, one covered only by *clipped* n-grams (in a reference, but more often in the hypothesis
than in any one reference) orange, the rest grey; in the references, tokens covered by an
n-gram the hypothesis also has are green.

Below the text, a bar chart of p_1..p_max_n (unsmoothed, matched / total), the brevity penalty
and BLEU, with the chosen order's bar highlighted; the order slider recolours it in place
(:class:`~seqlab.viz.widgets.FigureBox`) and rewrites the text.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets
import plotly.graph_objects as go

from seqlab._validate import check_instance, check_int, named_as
from seqlab.seq2seq.bleu import BleuExplanation, bleu_explain
from seqlab.viz.plots import COLOURS, styled
from seqlab.viz.widgets import FigureBox

__all__ = ["bleu_bars", "bleu_explainer", "bleu_html"]

_GREEN, _ORANGE, _GREY = "#aceebb", "#ffd8a8", "#eaeef2"
_DIM = "#c9d1d9"   # the orders not chosen


def _span(token: str, colour: str, tip: str = "") -> str:
    return (f'<span title="{html.escape(tip)}" style="background:{colour};padding:1px 4px;'
            f'margin:1px;border-radius:3px;display:inline-block">{html.escape(str(token))}</span>')


def _hyp_colours(ex: BleuExplanation, n: int) -> list[str]:
    order = ex.orders[n - 1]
    colour = [_GREY] * len(ex.hypothesis)
    for occ in order.occurrences:                        # clipped first, matched wins
        if occ.clipped:
            for p in range(occ.start, occ.start + n):
                colour[p] = _ORANGE if colour[p] == _GREY else colour[p]
    for occ in order.occurrences:
        if occ.matched:
            for p in range(occ.start, occ.start + n):
                colour[p] = _GREEN
    return colour


def bleu_html(ex: BleuExplanation, n: int = 1) -> str:
    """HTML of an explanation (from :func:`seqlab.seq2seq.bleu.bleu_explain`) at order ``n``."""
    check_instance(ex, BleuExplanation, "bleu_html(ex)", "a BleuExplanation (bleu_explain)")
    check_int(n, "bleu_html(n) (an order)", 1, len(ex.orders))
    order = ex.orders[n - 1]
    hyp = "".join(_span(t, c) for t, c in zip(ex.hypothesis, _hyp_colours(ex, n), strict=True))
    refs = []
    for i, (ref, starts) in enumerate(zip(ex.references, order.ref_starts, strict=True)):
        covered = {p for s in starts for p in range(s, s + n)}
        refs.append(f"<div><b>reference {i + 1}</b> ({len(ref)} tokens): "
                    + "".join(_span(t, _GREEN if p in covered else _GREY)
                              for p, t in enumerate(ref)) + "</div>")
    rows = "".join(
        f"<tr><td>{html.escape(' '.join(map(str, g)))}</td><td>{k}</td><td>{r}</td>"
        f"<td><b>{c}</b></td></tr>" for g, (k, r, c) in order.clip.items())
    prec = " · ".join(f"p<sub>{o.n}</sub> = {o.matched}/{o.total}"
                      + ("" if o.n != n else " ◀") for o in ex.orders)
    b = ex.bleu
    return (f"<div style='font-family:sans-serif;line-height:1.9'>"
            f"<div><b>hypothesis</b> ({ex.hyp_len} tokens): {hyp}</div>{''.join(refs)}"
            f"<div style='margin-top:6px'>{prec}</div>"
            f"<div>brevity penalty: c = {ex.hyp_len}, closest reference r = {ex.ref_len}, "
            f"BP = {ex.brevity_penalty:.4f}; BLEU = BP · exp(mean log p<sub>n</sub>) = "
            f"<b>{b.score:.4f}</b></div>"
            f"<table style='margin-top:6px'><tr><th>{n}-gram</th><th>count in ŷ</th>"
            f"<th>max count in a reference</th><th>clipped count</th></tr>{rows}</table></div>")


def _bar_colours(ex: BleuExplanation, n: int) -> list[str]:
    """One colour per bar: the chosen order highlighted, the other orders dim, BP and BLEU."""
    return ([COLOURS[0] if o.n == n else _DIM for o in ex.orders] + [COLOURS[1], COLOURS[2]])


def bleu_bars(ex: BleuExplanation, n: int = 1) -> go.Figure:
    """Bars p_1..p_N (matched / total, unsmoothed), BP and BLEU; order ``n`` highlighted."""
    check_instance(ex, BleuExplanation, "bleu_bars(ex)", "a BleuExplanation (bleu_explain)")
    check_int(n, "bleu_bars(n) (an order)", 1, len(ex.orders))
    labels = [f"p_{o.n}" for o in ex.orders] + ["BP", "BLEU"]
    values = [o.precision for o in ex.orders] + [ex.brevity_penalty, ex.bleu.score]
    text = [f"{o.matched}/{o.total}" for o in ex.orders] + [
        f"{ex.brevity_penalty:.3f}", f"{ex.bleu.score:.3f}"]
    fig = go.Figure(go.Bar(x=labels, y=values, text=text, textposition="outside",
                           marker_color=_bar_colours(ex, n),
                           hovertemplate="%{x} = %{y:.4f}<extra></extra>"))
    return styled(fig, _title(ex, n), height=300, yaxis=dict(range=[0, 1.15], title="value"))


def _title(ex: BleuExplanation, n: int) -> str:
    o = ex.orders[n - 1]
    return (f"p_{n} = {o.matched}/{o.total} clipped matches; BLEU = BP · exp(mean log p_n) = "
            f"{ex.bleu.score:.3f}")


def bleu_explainer(hypothesis: Sequence, references: Sequence[Sequence], max_n: int = 4,
                   n: int = 1) -> FigureBox:
    """An order slider (1..``max_n``) above :func:`bleu_html` of one hypothesis and
    :func:`bleu_bars` (the chosen order's bar highlighted).

    The returned box has ``update(n=...)`` (what the slider calls; it rewrites the HTML and
    recolours the bars in place), ``explanation``, ``html`` and ``figure``.
    """
    with named_as({"bleu_explain(": "bleu_explainer("}):
        ex = bleu_explain(hypothesis, references, max_n)
    n = check_int(n, "bleu_explainer(n) (an order)", 1, len(ex.orders))
    out = widgets.HTML(bleu_html(ex, n))
    slider = widgets.IntSlider(value=n, min=1, max=max_n, description="n-gram order")
    fig = go.FigureWidget(bleu_bars(ex, n))

    def update(n: int) -> None:
        out.value = bleu_html(ex, n)
        with fig.batch_update():
            fig.data[0].marker.color = _bar_colours(ex, n)
            fig.layout.title.text = _title(ex, n)

    slider.observe(lambda c: update(c["new"]), names="value")
    box = FigureBox([slider, out], fig, update)
    box.explanation, box.html = ex, out
    return box
