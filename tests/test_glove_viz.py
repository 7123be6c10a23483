"""seqlab.viz.glove: the figures show the library's numbers and the sliders update in place."""

from __future__ import annotations

import time

import numpy as np
import pytest

from seqlab.embeddings.glove_model import Cooccurrence, cooccurrence, encode, weighting
from seqlab.viz.glove import cooccurrence_heatmap, glove_loss_curve, weighting_explorer

WORDS = ["ice", "steam", "water", "solid", "gas", "fashion"]
SENTENCES = [["ice", "is", "solid", "water"], ["steam", "is", "gas", "water"],
             ["ice", "water", "ice"], ["fashion"]]


@pytest.fixture(scope="module")
def cooc():
    words = WORDS + ["is"]
    ids, seg = encode(SENTENCES, words)
    i, j, x = cooccurrence(ids, seg, len(words), 2)
    return Cooccurrence(i, j, x, words, np.ones(len(words), dtype=np.int64))


def test_heatmap_shows_log_counts_and_blanks_zeros(cooc):
    fig = cooccurrence_heatmap(cooc, WORDS)
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape == (6, 6)
    # ice-water: adjacent twice in "ice water ice" (1 + 1); in "ice is solid water" they are
    # 3 apart, outside the window of 2: X = 2
    assert np.isclose(z[0, 2], np.log(2.0))
    assert np.isnan(z[5]).all()                       # fashion co-occurs with nothing
    assert fig.data[0].text[0][2] == "2.0"


def test_weighting_explorer_sliders_update_the_curve_in_place(cooc):
    box = weighting_explorer(100, 0.75, x_values=cooc.x)
    x = np.asarray(box.figure.data[0].x)
    assert np.allclose(box.figure.data[0].y, weighting(x, 100, 0.75))
    trace = box.figure.data[0]
    start = time.perf_counter()
    box.controls[0].value = 10.0                     # the first slider is x_max
    elapsed = time.perf_counter() - start
    assert box.figure.data[0] is trace               # updated, not rebuilt
    assert np.allclose(box.figure.data[0].y, weighting(x, 10, 0.75))
    assert list(box.figure.data[2].x) == [10.0, 10.0]
    box.controls[1].value = 1.0                      # α
    assert np.allclose(box.figure.data[0].y, np.minimum(x / 10, 1))
    assert "get f = 1" in box.figure.layout.title.text
    assert elapsed < 0.2, f"slider update took {elapsed * 1e3:.0f} ms"


def test_loss_curve_callback_appends_and_redraws():
    box = glove_loss_curve(epochs=3)
    for epoch, loss in enumerate([0.5, 0.3, 0.2]):
        box.callback(epoch, loss, None)
    assert list(box.figure.data[0].y) == [0.5, 0.3, 0.2]
    assert list(box.figure.data[0].x) == [1, 2, 3]
    assert "epoch 3" in box.figure.layout.title.text
