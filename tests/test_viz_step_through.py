"""Notebook 28's widgets: the Transformer step-through (every stage drawn from the trace, the
library lines it names exist), the gradient-flow view and the decoding controls, headless
(FigureWidget data), with the Python time of an update (the browser test measures Chromium)."""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
import pytest

import seqlab
from seqlab.transformer.tasks import TaskModel
from seqlab.transformer.trace import trace_backward
from seqlab.viz.decoding import decoding_explorer
from seqlab.viz.gradient_flow import gradient_flow_view, gradient_norms, residual_split
from seqlab.viz.source import source_lines, source_lines_html
from seqlab.viz.step_through import prepare_text, stage_panels, transformer_stepper

PRETRAINED = Path(seqlab.__file__).parent / "transformer" / "pretrained"
TEXT = "four million, seventeen thousand and sixty-one"


@pytest.fixture(scope="module")
def numbers():
    return TaskModel.load(PRETRAINED / "numbers.npz")


@pytest.fixture(scope="module")
def stepper(numbers):
    return transformer_stepper(numbers, TEXT)


@pytest.mark.parametrize("name", ["numbers", "dates"])
def test_every_stage_names_library_lines_that_exist(name):
    task = TaskModel.load(PRETRAINED / f"{name}.npz")
    prep = prepare_text(task, "3 sep 1993" if name == "dates" else TEXT)
    box = transformer_stepper(task, "3 sep 1993" if name == "dates" else TEXT)
    tr = box.traces[(box.state["text"], None)][1]
    assert len(tr.stages) == 68 and prep["labels"]["tgt"][0].startswith("0:<bos>")
    for stage in tr.stages:
        assert stage.code, stage.key
        for where, line, code in source_lines(stage.code + stage.back_code):
            assert where.startswith("seqlab/") and line > 0 and code.strip()
    with pytest.raises(ValueError, match="expected one line"):
        source_lines([(prepare_text, "no such text anywhere")])
    assert "seqlab/transformer/attention.py:" in source_lines_html(tr.stages[4].code)


def test_stepper_draws_each_stage_as_its_panels(stepper):
    tr = stepper.traces[(TEXT, None)][1]
    for i, stage in enumerate(tr.stages):
        stepper.update(stage=i)
        panels = stage_panels(stage, 0, False)
        shown = [d for d in stepper.figure.data[:3] if d.visible]          # data[3]: the strip
        assert len(shown) == len(panels), stage.key
        for trace, panel in zip(shown, panels, strict=True):
            want = panel["z"] if panel["kind"] != "onehot" else None
            if want is not None:
                assert np.asarray(trace.z).shape == want.shape, stage.key
        titles = [a.text for a in stepper.figure.layout.annotations[:3] if a.text]
        assert all(str(tuple(p["shape"])) in t for p, t in zip(panels, titles, strict=True))
    assert stepper.controls[0].children[0].value == len(tr.stages) - 1   # the slider followed
    where, line, _ = source_lines(tr.stages[-1].code)[0]                    # the last stage
    assert f"{where}:{line}</div>" in stepper.code.value and "log_softmax" in stepper.code.value


def test_backward_view_shows_the_gradients_of_the_chosen_head(stepper, numbers):
    stepper.update(view="backward", position=3, stage=6, head=2)          # enc 0 softmax α
    tr = stepper.traces[(TEXT, 3)][1]
    alpha = tr.stages[6].panels[0]
    np.testing.assert_allclose(np.asarray(stepper.figure.data[0].z), alpha.grad[2])
    assert "∂J/∂(α = softmax(e)), head 2" in stepper.figure.layout.annotations[0].text
    where, line, code = source_lines(tr.stages[6].back_code)[0]
    assert f"{where}:{line}</div>" in stepper.code.value and "dweights = dout @" in code
    assert f"= {tr.loss:.3g}" in stepper.info.value and tr.position == 3
    stepper.update(stage=5)                                                # the mask
    assert "(no gradient)" in stepper.figure.layout.annotations[0].text
    colours = stepper.strip.marker.color
    assert len(set(colours)) > 10                                          # log-norm colours
    x0 = stepper.figure.layout.shapes[0].x0                                # the highlight
    assert x0 < stepper.strip.x[5] < x0 + 1
    stepper.update(view="forward", stage=0)


def test_stepper_updates_are_fast_and_a_bad_text_is_reported(stepper):
    stepper.timings.clear()
    for view in ("forward", "backward"):
        for i in range(0, 68, 3):
            stepper.update(stage=i, view=view)
    median = statistics.median(stepper.timings)
    print(f"\nstep-through stage update (Python): median {1e3 * median:.0f} ms, "
          f"slowest {1e3 * max(stepper.timings):.0f} ms over {len(stepper.timings)}")
    assert median < 0.2
    stepper.update(text="four zillion")
    assert "zillion" in stepper.info.value and stepper.state["text"] == TEXT
    stepper.update(text="twelve", view="forward", stage=0)
    assert stepper.state["text"] == "twelve"
    assert stepper.controls[2].children[0].max == 2                       # bos 1 2 -> 3 rows


def test_gradient_flow_view(numbers):
    box = gradient_flow_view(numbers, TEXT, position=2)
    text, position = box.state["text"], box.state["position"]
    tr = box.cache[text][2][position]
    norms, split = gradient_norms(tr), residual_split(tr)
    assert len(box.figure.data[0].y) == len(norms) == 59   # 68 - 2 tokens, 6 masks and ŷ
    assert [d["name"] for d in split][:2] == ["enc 0 mha", "enc 0 ffn"] and len(split) == 10
    assert all(d["identity"] > 0 and d["sublayer"] > 0 for d in split)
    assert [d["enc"] > 0 for d in split] == ["cross" in d["name"] for d in split]
    heads = box.figure.data[4:]
    want = tr.flows["dec"][1]["cross"].attention.dweights[0]
    for h, trace in enumerate(heads):
        np.testing.assert_allclose(np.asarray(trace.z), want[h])
    box.update(which=("enc", 0, "mha"), position=5)
    assert np.asarray(box.figure.data[4].z).shape == (9, 9)
    again = trace_backward(numbers.model, box.cache[text][1], 5)
    assert abs(again.loss - box.cache[text][2][5].loss) < 1e-9


def test_decoding_controls(numbers):
    box = decoding_explorer(numbers, TEXT, temperature=0.0)
    greedy = numbers.greedy([TEXT])[0]
    res = box.results
    assert res[("sampled", TEXT, 0.0, 0, 0)][0] == greedy == res[("greedy", TEXT)][0]
    box.update(temperature=2.5, top_k=1)
    assert res[("sampled", TEXT, 2.5, 1, 0)][0] == greedy               # top-1 is greedy
    box.update(top_k=0, seed=3, beam_width=4, step=2)
    sampled = res[("sampled", TEXT, 2.5, 0, 3)]
    bars = box.figure.data
    assert abs(sum(bars[1].y) - 1) < 1e-9 and abs(sum(bars[0].y) - 1) < 1e-6
    assert list(bars[1].marker.line.width).index(3) == sampled[1][2]     # the drawn token
    best, beam = numbers.beam(TEXT, beam_width=4)
    assert res[("beam", TEXT, 4)][1] == beam.best and res[("beam", TEXT, 4)][0] == best
    assert list(bars[5].x) == [numbers.tgt_vocab.itos[v] for v in beam.best]
    info = box.controls[-1].value
    assert f"<code>{best}</code>" in info and "beam search, B = 4" in info
    print(f"\ndecoding controls (Python): median {1e3 * statistics.median(box.timings):.0f} ms,"
          f" slowest {1e3 * max(box.timings):.0f} ms")
