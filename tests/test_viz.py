"""seqlab.viz: figures carry the right data; widgets update in place; fallbacks for no front end."""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.basedatatypes import Undefined
from plotly.basewidget import BaseFigureWidget

from seqlab.functional import softmax
from seqlab.viz import (
    FigureBox,
    activation_curves,
    probability_bars,
    show_source,
    softmax_temperature_explorer,
    widget_frontend_check,
)

WORDS = ["juice", "soda", "pear"]
LOGITS = np.array([2.0, 1.0, -1.0])


def test_activation_curves_one_trace_per_curve_dashed_as_asked():
    z = np.linspace(-2, 2, 5)
    fig = activation_curves(z, {"f": z**2, "f'": 2 * z}, dashed=["f'"], title="t")
    assert isinstance(fig, go.Figure) and [t.name for t in fig.data] == ["f", "f'"]
    np.testing.assert_allclose(fig.data[1].y, 2 * z)
    assert fig.data[1].line.dash == "dash" and fig.data[0].line.dash == "solid"


def test_plot_errors_name_the_argument():
    with pytest.raises(ValueError, match="activation_curves\\(curves\\['f'\\]\\)"):
        activation_curves(np.zeros(3), {"f": np.zeros(4)})
    with pytest.raises(ValueError, match="probability_bars\\(probs\\): expected 3 values"):
        probability_bars(WORDS, np.ones(2) / 2)
    with pytest.raises(ValueError, match="softmax_temperature_explorer\\(logits\\)"):
        softmax_temperature_explorer(np.zeros(2), WORDS)


def test_probability_bars_accepts_a_column():
    p = softmax(LOGITS[:, None], axis=0)
    fig = probability_bars(WORDS, p)
    np.testing.assert_allclose(fig.data[0].y, p.ravel())


def test_temperature_slider_updates_the_same_figure_in_place():
    box = softmax_temperature_explorer(LOGITS, WORDS, tau=1.0)
    assert isinstance(box, FigureBox)
    fig, slider = box.figure, box.controls[0]
    before = np.array(fig.data[0].y)
    np.testing.assert_allclose(before, softmax(LOGITS[:, None], axis=0).ravel())
    slider.value = 0.5  # what a slider move does: the observer redraws the same FigureWidget
    after = np.array(box.figure.data[0].y)
    assert box.figure is fig
    np.testing.assert_allclose(after, softmax(LOGITS[:, None] / 0.5, axis=0).ravel())
    assert "τ = 0.50" in fig.layout.title.text and "juice" in fig.layout.title.text


def test_figure_box_falls_back_to_a_static_figure_without_widgets():
    box = softmax_temperature_explorer(LOGITS, WORDS)
    bundle = box._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data
    static = data["application/vnd.plotly.v1+json"]
    y = static["data"][0]["y"]  # plotly serialises arrays as base64 typed arrays
    y = np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]) if isinstance(y, dict) else y
    np.testing.assert_allclose(y, box.figure.data[0].y)
    assert "static snapshot" in data["text/plain"]


def test_figure_box_batches_send_every_touched_trace_its_values(monkeypatch):
    """plotly's placeholders for the traces a batch leaves alone are filled in (complete_updates:
    with them, a view made after the message lost those properties)."""
    sent = []
    monkeypatch.setattr(BaseFigureWidget, "_send_update_msg",
                        lambda self, style, layout, traces=None, view=None:
                        sent.append((style, layout, traces)))
    fig = go.FigureWidget([go.Scatter(y=[1, 2, 3]), go.Heatmap(z=[[1, 2]], colorscale="Viridis")])
    box = FigureBox([], fig, lambda: None)
    with box.figure.batch_update():
        fig.data[0].y = [5, 5, 5]
        fig.data[1].name = "b"
        fig.data[1].zmin = 0
        fig.layout.title = "t"
    (style, layout, traces), = sent
    assert traces == [0, 1] and layout == {"title": {"text": "t"}}
    assert list(style["y"][0]) == [5, 5, 5] and style["y"][1] is None  # the heatmap has no y
    assert style["name"] == [None, "b"]
    assert style["zmin"][0] is Undefined and style["zmin"][1] == 0  # a scatter has no zmin
    assert not any(v is Undefined for k in ("y", "name") for v in style[k])
    np.testing.assert_array_equal(fig.data[0].y, [5, 5, 5])     # Python's figure as before


def test_widget_frontend_check_explains_the_fix_in_text():
    bundle = widget_frontend_check()._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "make lab" in data["text/plain"]


def test_show_source_is_the_real_code():
    src = show_source(softmax)
    assert "def softmax" in repr(src) and "seqlab.functional.softmax" in repr(src)
    assert "<details>" not in src._repr_html_()
    assert "<details>" in show_source(softmax, collapsed=True)._repr_html_()
