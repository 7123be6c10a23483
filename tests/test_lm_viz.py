"""seqlab.viz.lm: the live loss curve follows a History, the sampling explorer's temperature
slider redraws the same figure with the library's next-token distribution, and the per-token
bars carry the log-probabilities they are given."""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.lm import History, LanguageModel, Vocabulary, next_token_probs, sample
from seqlab.viz.lm import live_loss_curve, sampling_explorer, token_logprob_bars, vocab_labels
from seqlab.viz.widgets import FigureBox

NAMES = ["anna", "bob", "carla", "dave", "eve", "nora"]


@pytest.fixture
def model():
    return LanguageModel(Vocabulary.build(NAMES), 8, "gru", rng=0)


def test_live_loss_curve_plots_the_history_and_baselines():
    box = live_loss_curve({"unigram": 2.8, "bigram": 2.4})
    assert isinstance(box, FigureBox) and len(box.figure.data) == 4
    history = History(step=[1, 2, 3], train_loss=[3.0, 2.0, 1.0], val_step=[3], val_loss=[1.5])
    box.update_history(history)
    fig = box.figure
    assert list(fig.data[0].x) == [1, 2, 3]
    assert np.allclose(fig.data[0].y, [3.0, 2.5, 2.0])            # running mean
    assert list(fig.data[1].y) == [1.5] and list(fig.data[2].y) == [2.8, 2.8]
    assert list(fig.data[3].x) == [0, 3] and "validation 1.500" in fig.layout.title.text
    box.update(history=History(step=[1], train_loss=[4.0]))         # FigureBox.update works too
    assert list(fig.data[0].y) == [4.0]


def test_temperature_slider_redraws_the_same_figure(model):
    box = sampling_explorer(model, temperature=1.0, n=4, seed=0)
    fig, slider = box.figure, box.controls[0]
    assert np.allclose(fig.data[0].y, next_token_probs(model, "", 1.0))
    assert box.samples == sample(model, 4, seed=0, max_length=30)
    slider.value = 0.5                                   # what a slider move does
    assert box.figure is fig
    assert np.allclose(fig.data[0].y, next_token_probs(model, "", 0.5))
    assert "τ = 0.50" in fig.layout.title.text
    assert box.samples == sample(model, 4, temperature=0.5, seed=0, max_length=30)
    box.controls[1].value = 2                            # top-k
    assert np.count_nonzero(fig.data[0].y) == 2
    box.controls[2].value = "an"                         # prefix
    assert np.allclose(fig.data[0].y, next_token_probs(model, "an", 0.5, top_k=2))
    assert all(s.startswith("an") for s in box.samples)
    assert "<code>an" in box.controls[3].value


def test_token_logprob_bars_one_trace_per_text():
    tokens = {"pair": list("pair") + ["<EOS>"], "pear": list("pear") + ["<EOS>"]}
    lp = {"pair": np.array([-1.0, -2, -3, -1, -0.5]), "pear": np.array([-1.0, -1, -2, -1, -1])}
    fig = token_logprob_bars(tokens, lp, title="t")
    assert [t.name for t in fig.data] == ["pair (total -7.50)", "pear (total -6.00)"]
    assert np.allclose(fig.data[1].y, lp["pear"]) and list(fig.data[1].text)[1] == "e"
    with pytest.raises(ValueError, match=r"token_logprob_bars\(log_probs\['pair'\]\)"):
        token_logprob_bars(tokens, {"pair": np.zeros(3), "pear": lp["pear"]})


def test_vocab_labels_make_whitespace_visible():
    assert vocab_labels(Vocabulary([" ", "\n", "a"]))[2:] == ["␣", "⏎", "a"]
