"""Language-model figures and widgets: a live loss curve, the next-token distribution with a
temperature slider and sampled text, and per-token log-probabilities of two sentences.

No model math here: the widgets call :mod:`seqlab.lm` (``next_token_probs``, ``sample``) and
draw what it returns. Each widget is a :class:`~seqlab.viz.widgets.FigureBox` (controls above
a ``FigureWidget`` updated in place; a static snapshot where no widget front end runs).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from seqlab._validate import check_dict, check_instance, lookup
from seqlab.backend import to_numpy
from seqlab.lm import next_token_probs, sample
from seqlab.lm.sampling import _check_model
from seqlab.viz.plots import COLOURS, styled
from seqlab.viz.widgets import FigureBox
from seqlab.vocab import TokenVocab, Vocabulary

__all__ = ["live_loss_curve", "sampling_explorer", "token_logprob_bars", "vocab_labels"]


def vocab_labels(vocab) -> list[str]:
    """Printable labels of a vocabulary's tokens (space, newline and tab made visible)."""
    check_instance(vocab, (Vocabulary, TokenVocab), "vocab_labels(vocab)")
    shown = {" ": "␣", "\n": "⏎", "\t": "⇥"}
    return [shown.get(t, t) for t in vocab.itos]


def live_loss_curve(baselines: Mapping[str, float] | None = None, history=None,
                    title: str = "Loss per token while training") -> FigureBox:
    """A loss plot to pass as ``train(..., callback=box.update_history)``.

    Traces: 0 the training loss (running mean of 20 steps), 1 the validation loss, then one
    dashed horizontal line per baseline (e.g. {"unigram": 2.81, "bigram": 2.36}).
    """
    if baselines is not None:
        check_dict(baselines, "live_loss_curve(baselines)", "a dict name -> loss")
    fig = go.FigureWidget()
    fig.add_trace(go.Scatter(x=[], y=[], name="train (mean of 20 steps)", mode="lines",
                             line=dict(color=COLOURS[0])))
    fig.add_trace(go.Scatter(x=[], y=[], name="validation", mode="lines+markers",
                             line=dict(color=COLOURS[1])))
    for i, (name, value) in enumerate((baselines or {}).items()):
        fig.add_trace(go.Scatter(x=[0, 1], y=[value, value], name=f"{name} baseline",
                                 mode="lines", line=dict(color=COLOURS[2 + i % 4], dash="dash")))
    styled(fig, title, xaxis_title="step", yaxis_title="nats per token")

    def update(history) -> None:
        steps = list(history.step)
        with fig.batch_update():
            fig.data[0].x, fig.data[0].y = steps, history.smoothed(20)
            fig.data[1].x, fig.data[1].y = list(history.val_step), list(history.val_loss)
            for trace in fig.data[2:]:
                trace.x = [0, max(steps[-1] if steps else 1, 1)]
            if history.val_loss:
                fig.layout.title.text = (f"{title}: step {steps[-1]}, validation "
                                         f"{history.val_loss[-1]:.3f}")

    box = FigureBox([], fig, lambda history: update(history))
    box.update_history = update
    if history is not None:
        update(history)
    return box


def sampling_explorer(model, prefix: str = "", temperature: float = 1.0, n: int = 8,
                      seed: int = 0, top_k: int | None = None, max_length: int = 30
                      ) -> FigureBox:
    """Next-token probabilities after ``prefix`` at temperature τ, and ``n`` sampled texts.

    Controls: a temperature slider (first), a top-k slider (0 = all tokens), a prefix box, then
    the sampled texts; the bar chart shows the distribution the first sampled token is drawn
    from. ``box.update(temperature=..., top_k=..., prefix=...)`` does what the controls do.
    """
    _check_model(model, "sampling_explorer")
    labels = vocab_labels(model.vocab)
    fig = go.FigureWidget(go.Bar(x=labels, y=np.zeros(len(labels)), marker_color=COLOURS[0]))
    styled(fig, "", height=320, yaxis=dict(range=[0, 1.05], title="probability"),
           xaxis=dict(title="next token", type="category"))
    tau = widgets.FloatSlider(value=temperature, min=0.0, max=2.0, step=0.05,
                              description="temperature τ", readout_format=".2f",
                              style={"description_width": "initial"},
                              layout=widgets.Layout(width="420px"))
    k = widgets.IntSlider(value=top_k or 0, min=0, max=len(labels), description="top-k (0 = all)",
                          style={"description_width": "initial"},
                          layout=widgets.Layout(width="420px"))
    text = widgets.Text(value=prefix, description="prefix", continuous_update=False)
    out = widgets.HTML()
    state = {"temperature": temperature, "top_k": top_k or 0, "prefix": prefix}

    def update(**values) -> None:
        state.update(values)
        t, kk, pre = state["temperature"], state["top_k"] or None, state["prefix"]
        p = next_token_probs(model, pre, t, kk)                  # (n_y,)
        texts = sample(model, n, temperature=t, top_k=kk, seed=seed, prefix=pre,
                       max_length=max_length)
        best = int(np.argmax(p))
        with fig.batch_update():
            fig.data[0].y = p
            fig.layout.title.text = (f"next token after '{pre}' at τ = {t:.2f}: "
                                     f"'{labels[best]}' has p = {p[best]:.2f}")
        out.value = ("<b>sampled (seed " + str(seed) + "):</b> " + ", ".join(
            f"<code>{html.escape(s)}</code>" for s in texts))
        box.samples = texts

    tau.observe(lambda change: update(temperature=change["new"]), names="value")
    k.observe(lambda change: update(top_k=change["new"]), names="value")
    text.observe(lambda change: update(prefix=change["new"]), names="value")
    box = FigureBox([tau, k, text, out], fig, update)
    update()
    return box


def token_logprob_bars(tokens_by_label: Mapping[str, Sequence[str]],
                       log_probs: Mapping[str, object], title: str = "") -> go.Figure:
    """Grouped bars of log P(y<t> | ...) per token for several texts (one trace each).

    Parameters
    ----------
    tokens_by_label : label -> the text's tokens, ``<EOS>`` last
    log_probs : label -> array (T_y,), from ``seqlab.lm.token_log_probs``
    """
    check_dict(tokens_by_label, "token_logprob_bars(tokens_by_label)", "a dict label -> tokens")
    check_dict(log_probs, "token_logprob_bars(log_probs)", "a dict label -> array (T_y,)")
    fig = go.Figure()
    for i, (label, tokens) in enumerate(tokens_by_label.items()):
        lp = lookup(log_probs, label, "token_logprob_bars(log_probs)", "label")
        lp = np.asarray(to_numpy(lp), dtype=float).ravel()
        if lp.shape[0] != len(tokens):
            raise ValueError(f"token_logprob_bars(log_probs[{label!r}]): expected "
                             f"{len(tokens)} values, one per token, got {lp.shape[0]}")
        shown = [{" ": "␣"}.get(t, t) for t in tokens]
        fig.add_trace(go.Bar(x=list(range(1, len(tokens) + 1)), y=lp, text=shown,
                             textposition="outside", name=f"{label} (total {lp.sum():.2f})",
                             marker_color=COLOURS[i % len(COLOURS)]))
    return styled(fig, title, barmode="group", height=360, xaxis_title="step t (token shown)",
                  yaxis_title="log P(y<t> | y<1..t-1>)", legend=dict(orientation="h", y=-0.25))
