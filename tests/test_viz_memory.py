"""The memory explorer of notebook 27: traces, shaded text, curves, heatmaps and the widget.

- ``memory_trace`` is each model's ``connectivity`` on the encoded text (unknown characters read
  as spaces), and refuses texts it cannot show;
- the shaded text boxes the predicted character, greys what comes after, and shades the inputs
  on a log scale of the row's relative influence;
- the curves hold row t reversed (distance 1 first), the maps log10 of the row-normalised map
  clipped at 0.1% as images, with row t marked; the PNG encoder writes what was given (read
  back with zlib alone) and the colour scale runs from white to dark blue;
- the widget's first control is the slider; a move changes the curves, markers and text, not the
  heatmaps, and runs no model; a new text refills everything; a bad text leaves a message;
- the shipped models: three of them, one vocabulary, each file under 2 MB.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest

from seqlab.lm.connectivity import connectivity, last_step_influence, memory_stats
from seqlab.rnn import RecurrentNetwork
from seqlab.rnn.inspect import PRETRAINED, GateModel
from seqlab.viz import memory as M
from seqlab.viz.plots import colour_image, png_data_uri

VOCAB = " \nabcde"


@pytest.fixture(scope="module")
def tiny():
    return {kind.upper(): GateModel(RecurrentNetwork(len(VOCAB), 5, len(VOCAB), kind=kind,
                                                     rng=i, dtype=np.float64), VOCAB)
            for i, kind in enumerate(("rnn", "gru", "lstm"))}


def test_trace_is_each_models_connectivity_and_unknown_characters_read_as_spaces(tiny):
    tr = M.memory_trace(tiny, "ab\ncXd")
    assert tr.text == "ab\nc d" and tr.replaced == 1 and tr.T == 5
    ids = np.array([VOCAB.index(c) for c in tr.text])
    for name, model in tiny.items():
        G, lp = connectivity(model.net, ids)
        np.testing.assert_array_equal(tr.maps[name].G, G)
        np.testing.assert_array_equal(tr.maps[name].log_prob, lp)


@pytest.mark.parametrize("bad", ["a", "", "a" * (M.MAX_CHARS + 1)])
def test_trace_refuses_texts_it_cannot_show(tiny, bad):
    with pytest.raises(ValueError, match=r"memory_trace\(text\)"):
        M.memory_trace(tiny, bad)


def test_relative_row_and_the_shaded_text():
    G = np.array([[2.0, 0, 0], [0.5, 1.0, 0], [0.001, 0.01, 1.0]])
    np.testing.assert_allclose(M.relative_row(G, 1), [0.5, 1.0])
    html = M.coloured_text("ab\ncd", M.relative_row(G, 2), "#1f77b4")
    assert html.count("<span style='background") == 2       # 1.0 and 0.01 shaded, 0.001 not
    assert "rgba(31, 119, 180, 1.0)" in html and "rgba(31, 119, 180, 0.33)" in html
    assert html.startswith("a<span")                          # 0.1%: plain, no span
    assert "outline:2px solid black;font-weight:bold'>c<" in html   # the predicted character
    assert html.endswith("<span style='color:#bbb'>d</span>")       # what comes later: grey


def test_curves_and_heatmaps_hold_the_row_and_the_map(tiny):
    tr = M.memory_trace(tiny, "abc de\nab")
    fig, heat = M.influence_figure(tr, 4), M.connectivity_heatmaps(tr, 4)
    assert [d.name for d in fig.data] == ["RNN", "GRU", "LSTM"]
    for i, (G, _) in enumerate(tr.maps.values()):
        np.testing.assert_allclose(fig.data[i].y, M.relative_row(G, 4)[::-1])
        assert list(fig.data[i].x) == [1, 2, 3, 4, 5]        # distance 1 = the character read
        rel = np.log10(np.maximum(G / G.max(axis=1, keepdims=True), 1e-3))
        np.testing.assert_allclose(M.log_relative_map(G), rel)
        assert heat.data[i].source == png_data_uri(colour_image(rel, "Blues", -3, 0))
        assert heat.data[i].name == list(tr.maps)[i]
    assert heat.data[3].marker.showscale and len(heat.data) == 4      # the colour bar
    assert {s.y0 for s in heat.layout.shapes} == {4} and len(heat.layout.shapes) == 3


def _data(fig):
    return fig.to_plotly_json()["data"]


def test_explorer_slider_moves_touch_no_heatmap_and_new_texts_refill(tiny, monkeypatch):
    box = M.memory_explorer(tiny, texts=("ab ab\ncd ab\nee", "dd\nee"))
    slider = box.controls[0]
    assert isinstance(slider, widgets.IntSlider) and slider.max == 13
    assert box.state["t"] == 10                               # predicting the second "\n"
    heat_before, curves_before = _data(box.heatmaps), _data(box.figure)
    monkeypatch.setattr(M, "connectivity", lambda *a, **k: pytest.fail("the model ran"))
    slider.value = 3                                          # predicting character 3
    assert box.state["t"] == 2 and {s.y0 for s in box.heatmaps.layout.shapes} == {2}
    assert _data(box.heatmaps) == heat_before and _data(box.figure) != curves_before
    assert "outline:2px" in box.text.value and len(box.timings["t"]) == 1
    monkeypatch.undo()
    box.controls[1].value = "dd\nee"                          # the example dropdown
    assert slider.max == 4 and slider.value == 3 and box.state["text"] == "dd\nee"
    assert _data(box.heatmaps) != heat_before and len(box.timings["text"]) == 1
    box.controls[2].value = "a"                               # too short: a message, no change
    assert "memory_trace(text)" in box.text.value and box.state["text"] == "dd\nee"


def test_decay_figure_has_a_band_and_a_median_per_model(tiny):
    windows = np.random.default_rng(0).integers(0, len(VOCAB), size=(6, 12))
    stats = {name: memory_stats(last_step_influence(m.net, windows), 8)
             for name, m in tiny.items()}
    fig = M.decay_figure(stats)
    assert len(fig.data) == 6 and [fig.data[2 * i + 1].name for i in range(3)] == list(stats)
    np.testing.assert_allclose(fig.data[1].y, np.maximum(stats["RNN"].median, 1e-6))
    with pytest.raises(TypeError, match=r"decay_figure\(stats\['x'\]\)"):
        M.decay_figure({"x": [1, 2]})


def test_the_shipped_models_are_three_small_files_with_one_vocabulary():
    models = M.load_memory_models()
    assert list(models) == ["RNN", "GRU", "LSTM"]
    assert len({m.vocab for m in models.values()}) == 1
    for kind in ("rnn", "gru", "lstm"):
        assert (PRETRAINED / f"sonnets_{kind}.npz").stat().st_size < 2_000_000
        assert models[kind.upper()].meta["command"].startswith("python tools/train_gate_models")


def _read_png(uri: str) -> np.ndarray:
    """The pixels of an 8-bit RGB PNG without filters, as png_data_uri writes it."""
    import base64
    import struct
    import zlib

    data = base64.b64decode(uri.split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        n, kind = struct.unpack(">I", data[pos:pos + 4])[0], data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        assert struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0] == zlib.crc32(kind + body)
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + n
    w, h, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 2)
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(h, 1 + 3 * w)
    assert not rows[:, 0].any()                               # filter type 0 on every row
    return rows[:, 1:].reshape(h, w, 3)


def test_png_and_colour_image():
    rgb = np.random.default_rng(0).integers(0, 256, size=(5, 7, 3)).astype(np.uint8)
    np.testing.assert_array_equal(_read_png(png_data_uri(rgb)), rgb)
    img = colour_image(np.array([[-5.0, -3.0, 0.0, 2.0, np.nan]]), "Blues", -3, 0)
    assert img[0, 0].tolist() == img[0, 1].tolist() == [247, 251, 255]   # white, clipped
    assert img[0, 2].tolist() == img[0, 3].tolist() == [8, 48, 107]      # dark blue, clipped
    assert img[0, 4].tolist() == [247, 251, 255]                         # NaN as zmin
    with pytest.raises(ValueError, match=r"png_data_uri\(rgb\)"):
        png_data_uri(np.zeros((3, 4)))
