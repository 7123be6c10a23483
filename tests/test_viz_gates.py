"""The gate explorer of notebook 04: gru_gates, the headless computations, the figure, the widget.

- ``gru_gates`` returns exactly the per-step values of the GRU cell (eqs. 1-4), as copies;
- ``gate_trace`` is the network's forward pass on the one-hot text, ``unit_profile`` and
  ``unit_correlations`` compute what they say on hand-made values;
- the figures hold the trace's values with the characters in a strip under each; the widget's first
  control is the unit slider, a slider move changes the unit figure's data and the heatmaps'
  marker shapes, not the heatmaps, without running the model again; a new text or model
  refills the same figures;
- the shipped weights are under 1 MB and give the validation loss their metadata claims.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pytest
from plotly.utils import PlotlyJSONEncoder

from seqlab import rnn
from seqlab.rnn import inspect as I
from seqlab.viz import gates as G

ROOT = Path(__file__).resolve().parents[1]
VOCAB = " \nabcde"


@pytest.fixture(scope="module")
def tiny():
    """Small untrained GRU and LSTM over a 7-character vocabulary, float64."""
    return {kind.upper(): I.GateModel(rnn.RecurrentNetwork(7, 5, 7, kind=kind, rng=3,
                                                           dtype=np.float64), VOCAB)
            for kind in ("lstm", "gru")}


def _data(fig) -> str:
    """The figure's trace data as the browser gets it (JSON), to compare before and after."""
    return json.dumps(fig.to_plotly_json()["data"], cls=PlotlyJSONEncoder)


# ------------------------------------------------------------------------------ gru_gates

@pytest.mark.parametrize("variant", ["full", "simplified", "cudnn"])
@pytest.mark.parametrize(("m", "T_x"), [(1, 1), (2, 5)])
def test_gru_gates_are_the_cells_values_at_every_step(variant, m, T_x):
    r = np.random.default_rng(0)
    params = rnn.init_gru_params(3, 4, None, rng=1, variant=variant)
    x, c0 = r.normal(size=(3, m, T_x)), r.normal(size=(4, m))
    c, _, cache = rnn.gru_forward(x, c0, params, variant)
    got = rnn.gru_gates(cache)
    assert set(got) == ({"gamma_u", "c_tilde", "c"} | ({"gamma_r"} if variant != "simplified"
                                                        else set()))
    np.testing.assert_array_equal(got["c"], c)
    c_t = c0
    for t in range(T_x):                     # the cell itself, step by step
        c_t, _, step = rnn.gru_cell_forward(x[:, :, t], c_t, params, variant)
        np.testing.assert_array_equal(got["gamma_u"][:, :, t], step.gamma_u)
        np.testing.assert_array_equal(got["c_tilde"][:, :, t], step.c_tilde)
        if variant != "simplified":
            np.testing.assert_array_equal(got["gamma_r"][:, :, t], step.gamma_r)
    got["gamma_u"][:] = -1                   # a copy: the cache is untouched
    assert cache.steps[0].gamma_u.min() > 0


# ---------------------------------------------------------------------- headless compute

@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_gate_trace_is_the_networks_forward_pass(tiny, name):
    model = tiny[name]
    text = "ab cd\nea"
    ids = np.array([[VOCAB.index(ch) for ch in text]])
    x = rnn.one_hot(ids, 7, np.float64)                           # (7, 1, T)
    p = {k[3:]: v for k, v in model.net.params.items() if k.startswith("l1/")}
    if name == "LSTM":
        _, _, _, cache = rnn.lstm_forward(x, np.zeros((5, 1)), p)
        want = rnn.lstm_gates(cache)
    else:
        _, _, cache = rnn.gru_forward(x, np.zeros((5, 1)), p)
        want = rnn.gru_gates(cache)
    trace = I.gate_trace(model, text)
    assert trace.text == text and trace.replaced == 0 and trace.n_a == 5
    for key in I.PANELS[model.kind]:
        np.testing.assert_allclose(trace.values[key], want[key][:, 0, :], rtol=1e-12)


def test_unknown_characters_read_as_spaces_and_bad_texts_are_refused(tiny):
    trace = I.gate_trace(tiny["LSTM"], "aXbÿ")
    assert trace.text == "a b " and trace.replaced == 2
    np.testing.assert_allclose(trace.values["c"], I.gate_trace(tiny["LSTM"], "a b ").values["c"])
    for bad in ("", "a" * (I.MAX_CHARS + 1)):
        with pytest.raises(ValueError, match="gate_trace\\(text\\)"):
            I.gate_trace(tiny["LSTM"], bad)
    with pytest.raises(TypeError, match="gate_trace\\(text\\)"):       # the input contract
        I.gate_trace(tiny["LSTM"], 42)


def _trace(c):
    c = np.asarray(c, dtype=float)
    return I.GateTrace("lstm", "x" * c.shape[1], {g: np.full_like(c, 0.5) for g in
                                                 ("gamma_f", "gamma_u", "gamma_o")} | {"c": c})


def test_unit_profile_finds_the_largest_memory_changes():
    trace = _trace([[0.0, 0.0, 0.0, 0.0], [0.2, 0.1, -0.9, -0.8]])
    prof = I.unit_profile(trace, 1, k=2)
    np.testing.assert_allclose(prof["dc"], [0.2, -0.1, -1.0, 0.1])   # c<0> = 0
    assert prof["switches"] == [2, 0]
    np.testing.assert_allclose(prof["values"]["gamma_f"], 0.5)
    with pytest.raises(ValueError, match="unit_profile\\(unit\\).*got 2"):
        I.unit_profile(trace, 2)


def test_unit_correlations_pick_the_planted_unit():
    r = np.random.default_rng(0)
    feature = np.arange(30) % 7                                     # a "position in line"
    c = r.normal(size=(6, 30))
    c[4] = -2 * feature + 0.01 * r.normal(size=30)                  # unit 4 counts, negated
    unit, corr = I.unit_correlations(_trace(c), {"line": feature})["line"]
    assert unit == 4 and corr < -0.99
    with pytest.raises(ValueError, match="features\\['line'\\]"):
        I.unit_correlations(_trace(c), {"line": feature[:5]})


# --------------------------------------------------------------------------- figure, widget

def _marker_rows(heatmaps) -> list:
    """The unit each heatmap's marker line sits on."""
    return [(shape.y0, shape.y1) for shape in heatmaps.layout.shapes]


def test_figures_hold_the_trace_with_the_characters_under_it(tiny):
    trace = I.gate_trace(tiny["LSTM"], "ab c\nd")
    heat = G.gate_figure(trace, unit=3)
    assert len(heat.data) == 5 and _marker_rows(heat) == [(3, 3)] * 8
    for i, key in enumerate(I.PANELS["lstm"]):
        z = np.asarray(heat.data[i].z)                              # stored as float32
        assert z.dtype == np.float32
        np.testing.assert_allclose(z, trace.values[key].astype(np.float32))
        assert heat.layout.annotations[i].text.startswith(G.LABELS[key])
        assert {shape.yref for shape in heat.layout.shapes[2 * i:2 * i + 2]} == {
            heat.data[i].yaxis}                                     # a marker on each heatmap
    chars = ["a", "b", "␣", "c", "↵", "d"]
    assert list(heat.data[4].text) == chars and heat.data[4].mode == "text"
    unit = G.unit_figure(trace, unit=3)
    assert len(unit.data) == 6 and list(unit.data[5].text) == chars
    assert list(unit.data[5].x) == list(unit.data[3].x) == list(heat.data[0].x) == list(range(6))
    np.testing.assert_allclose(unit.data[3].y, trace.values["c"][3])
    np.testing.assert_allclose(unit.data[0].y, trace.values["gamma_f"][3])
    assert unit.layout.annotations[0].text.startswith("unit 3")
    # the same plot area in both, so the characters line up one above the other
    assert heat.layout.margin == unit.layout.margin and heat.layout.margin.autoexpand is False


def test_figures_are_readable_marker_orange_gate_range_and_unit_axes(tiny):
    """Issue 16's screenshot: the marker read as black (1.5 px of orange on 4 px of black), the
    LSTM's gate plot ran -1..1 for values in [0, 1], and the heatmaps had no y-axis title."""
    for kind, low in (("LSTM", -0.05), ("GRU", -1.05)):
        trace = I.gate_trace(tiny[kind], "ab c\nd")
        heat, unit = G.gate_figure(trace, unit=2), G.unit_figure(trace, unit=2)
        for i in range(4):
            edge, core = heat.layout.shapes[2 * i:2 * i + 2]
            assert (edge.line.color, core.line.color) == ("black", "#ff7f0e")
            assert core.line.width >= 3 and edge.line.width - core.line.width >= 3  # edges
            axis = heat.layout["yaxis" if i == 0 else f"yaxis{i + 1}"]
            assert axis.title.text == "unit"
        assert heat.layout.yaxis5.visible is False                 # the characters' strip
        assert tuple(unit.layout.yaxis.range) == (low, 1.05)
        shown = np.concatenate([unit.data[i].y for i in range(3)])
        assert low <= shown.min() and shown.max() <= 1.05
    box = G.gate_explorer(tiny, texts=("abc de",))
    box.controls[1].value = "GRU"                                   # the range follows the model
    assert tuple(box.figure.layout.yaxis.range) == (-1.05, 1.05)
    box.controls[1].value = "LSTM"
    assert tuple(box.figure.layout.yaxis.range) == (-0.05, 1.05)


def test_slider_moves_restyle_without_running_the_model(tiny, monkeypatch):
    calls = []
    real = I.gate_trace
    monkeypatch.setattr(G, "gate_trace", lambda m, t, *a: calls.append(t) or real(m, t, *a))
    box = G.gate_explorer(tiny, texts=("abc de", "edcba"), unit=0)
    slider = box.controls[0]
    assert isinstance(slider, widgets.IntSlider) and slider.max == 4
    assert calls == ["abc de"]
    assert box.children.index(box.heatmaps) == box.children.index(box.figure) + 1
    fig, heatmaps = box.figure, box.heatmaps
    heat = np.array(heatmaps.data[3].z)
    before, heat_before = _data(fig), _data(heatmaps)
    slider.value = 2                                                # a slider move
    assert _data(fig) != before                   # the unit's lines changed
    assert _data(heatmaps) == heat_before         # the heatmaps did not: only the marker moved
    assert _marker_rows(heatmaps) == [(2, 2)] * 8
    np.testing.assert_allclose(fig.data[3].y, heat[2], rtol=1e-6)  # heat is float32
    assert calls == ["abc de"] and len(box.timings["unit"]) == 1
    assert "unit 2" in box.controls[4].value and fig.layout.annotations[0].text.startswith(
        "unit 2")


def test_new_text_and_model_refill_the_same_figures(tiny):
    box = G.gate_explorer(tiny, texts=("abc de", "edcba"), unit=1)
    fig, heatmaps = box.figure, box.heatmaps
    box.controls[2].value = "edcba"                                 # the example dropdown
    assert list(heatmaps.data[4].text) == list("edcba") == list(fig.data[5].text)
    np.testing.assert_allclose(np.array(heatmaps.data[3].z),
                               I.gate_trace(tiny["LSTM"], "edcba").values["c"].astype(np.float32))
    box.controls[1].value = "GRU"                                   # the model buttons
    assert heatmaps.layout.annotations[1].text == G.LABELS["gamma_r"]
    want = I.gate_trace(tiny["GRU"], "edcba").values["gamma_r"]
    np.testing.assert_allclose(np.array(heatmaps.data[1].z), want.astype(np.float32))
    np.testing.assert_allclose(np.array(fig.data[1].y), want[1])   # the unit's Γr line
    assert fig.data[1].name == "Γr" and _marker_rows(heatmaps) == [(1, 1)] * 8
    box.controls[3].value = "a b"                                   # a typed text
    assert list(fig.data[5].text) == ["a", "␣", "b"] == list(heatmaps.data[4].text)
    assert box.figure is fig and box.heatmaps is heatmaps
    assert len(box.timings["text"]) == 3


def test_a_bad_typed_text_shows_a_message_and_keeps_the_figures(tiny):
    box = G.gate_explorer(tiny, texts=("abc",))
    before = _data(box.figure), _data(box.heatmaps)
    box.controls[3].value = "a" * (G.WIDGET_CHARS + 5)
    assert f"1 to {G.WIDGET_CHARS} characters" in box.controls[4].value
    assert (_data(box.figure), _data(box.heatmaps)) == before


# ------------------------------------------------------------------------ shipped weights

@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_shipped_model_is_small_and_has_the_loss_it_claims(kind):
    path = I.PRETRAINED / f"sonnets_{kind}.npz"
    assert path.stat().st_size < 1_000_000
    model = I.load_gate_model(kind)
    assert model.kind == kind and model.net.n_x == len(model.vocab)
    spec = importlib.util.spec_from_file_location("train", ROOT / "tools" / "train_gate_models.py")
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    vocab, _, val_text = train.corpus(model.meta["seed"])
    assert vocab == model.vocab
    ids = np.array([vocab.index(ch) for ch in val_text])
    val = train.evaluate(model.net, ids)
    assert abs(val - model.meta["val_loss"]) < 1e-3
    unigram = np.bincount(ids, minlength=len(vocab)) / len(ids)
    entropy = -(unigram[unigram > 0] * np.log(unigram[unigram > 0])).sum()
    assert val < entropy - 0.8                                      # far better than letter counts


def test_load_gate_model_names_the_argument():
    with pytest.raises(ValueError, match="load_gate_model\\(kind\\)"):
        I.load_gate_model("transformer")
