"""The attention heatmap explorer (seqlab.viz.attention) on a small untrained model."""


import numpy as np
import pytest

from seqlab.data.dates import date_vocabs
from seqlab.seq2seq.attention_model import AttentionSeq2Seq
from seqlab.viz.attention import (
    attention_explorer,
    attention_figure,
    decode_with_attention,
    length_accuracy_plot,
    training_curve_plot,
)
from tests.helpers.timing import cpu_seconds


@pytest.fixture(scope="module")
def model():
    src, tgt = date_vocabs()
    return AttentionSeq2Seq(src, tgt, n_a=8, n_s=16, feed_previous=True, rng=0)


def test_figure_holds_alpha_and_the_selected_row(model):
    inp, out, alpha = decode_with_attention(model, "3 may 1979")
    assert alpha.shape == (len(out), len(inp))
    fig = attention_figure(inp, out, alpha, step=2)
    np.testing.assert_allclose(fig.data[0].z, np.round(alpha, 3))
    np.testing.assert_allclose(fig.data[1].y, np.round(alpha[2], 3))
    with pytest.raises(ValueError, match="alpha"):
        attention_figure(inp, out, alpha[:, :3])


def test_explorer_updates_step_text_and_what_if(model):
    box = attention_explorer(model, ["3 may 1979", "tuesday july 8 2008"])
    box.update(step=1)
    _, out, alpha = decode_with_attention(model, "3 may 1979")
    np.testing.assert_allclose(box.figure.data[1].y, np.round(alpha[1], 3))
    box.update(text="tuesday july 8 2008")
    assert len(box.figure.data[0].x) == len("tuesday july 8 2008")
    box.update(step=0, focus=3)       # what-if: step 1 looks only at input 4
    assert "what-if" in box.info.value
    box.update(text="3 maz 1979 ✗")    # an unknown character: a message, no exception
    assert "vocabulary" in box.info.value
    assert max(cpu_seconds(box.update, step=t) for t in range(5)) < 0.2


def test_length_accuracy_plot():
    fig = length_accuracy_plot({"attention": {"1-10": [5, 1.0], "11-15": [7, 0.9]},
                                "plain": {"1-10": [5, 0.8], "11-15": [7, 0.5]}})
    assert [list(t.y) for t in fig.data] == [[1.0, 0.9], [0.8, 0.5]]


def test_boxes_outline_the_expected_cells(model):
    from datetime import date

    from seqlab.data.dates import ISO_FIELDS, date_fields
    from seqlab.seq2seq.alignment import field_boxes

    text, spans = date_fields(date(1979, 5, 3), "d MMM y")
    boxes = field_boxes(spans, ISO_FIELDS)
    assert boxes[:1] == [(0, 6, 10)] and boxes[-1] == (9, 0, 1) and len(boxes) == 8
    inp, out, alpha = decode_with_attention(model, text)
    fig = attention_figure(inp, out, alpha, boxes=boxes)
    assert [(s.x0, s.x1, s.y0, s.y1) for s in fig.layout.shapes][:2] == [
        (5.5, 9.5, -0.5, 0.5), (5.5, 9.5, 0.5, 1.5)]
    with pytest.raises(ValueError, match=r"attention_figure\(boxes\): expected 0 <= row"):
        attention_figure(inp, out, alpha, boxes=[(0, 6, 99)])
    with pytest.raises(ValueError, match=r"attention_explorer\(boxes\['3 may 1979'\]\)"):
        attention_explorer(model, [text], boxes={text: [(0, 6)]})
    box = attention_explorer(model, [text, "08.07.08"], boxes={text: boxes})
    n_out = len(out)
    assert len(box.figure.layout.shapes) == sum(b[0] < n_out for b in boxes)
    box.update(text="08.07.08")          # no boxes for this one
    assert len(box.figure.layout.shapes) == 0


def test_training_curve_plot_metric_and_titles():
    evals = {"a": [(100, {"val_acc_500": 0.1, "m": 0.5}), (200, {"val_acc_500": 0.9, "m": 0.75})]}
    fig = training_curve_plot(evals)
    assert list(fig.data[0].x) == [100, 200] and list(fig.data[0].y) == [0.1, 0.9]
    fig = training_curve_plot(evals, "m", title="t", y_title="mass")
    assert list(fig.data[0].y) == [0.5, 0.75] and fig.layout.yaxis.title.text == "mass"
