"""seqlab.viz.captioning: the caption grid and the caption explorer (in place, < 200 ms)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from seqlab.data.scenes import make_scenes
from seqlab.seq2seq.captioning import ImageCaptioner
from seqlab.viz.captioning import caption_explorer, caption_grid, image_rgb, training_curve


@pytest.fixture(scope="module")
def model_and_scenes():
    return ImageCaptioner.pretrained(), make_scenes(12, seed=2)


def test_image_rgb_and_grid(model_and_scenes):
    _, sc = model_and_scenes
    rgb = image_rgb(sc.images[0])
    assert rgb.shape == (24, 24, 3) and rgb.dtype == np.uint8
    np.testing.assert_array_equal(rgb[..., 0], np.round(sc.images[0][0] * 255))
    fig = caption_grid(sc.images[:5], [[" ".join(r[0])] for r in sc.refs[:5]], labels=["ref"],
                       cols=3)
    assert len(fig.data) == 5
    assert fig.layout.annotations[0].text.startswith("ref: a")
    with pytest.raises(ValueError, match=r"caption_grid\(captions\)"):
        caption_grid(sc.images[:2], [["a"]])
    with pytest.raises(ValueError, match=r"image_rgb\(image\)"):
        image_rgb(np.zeros((24, 24, 3)))


def test_explorer_updates_in_place_and_fast(model_and_scenes):
    model, sc = model_and_scenes
    box = caption_explorer(model, sc, index=0, beam_width=3)
    fig = box.figure
    z0 = np.array(fig.data[0].z)
    times = []
    for i in range(1, 8):
        t = time.perf_counter()
        box.update(index=i)
        times.append(time.perf_counter() - t)
    assert box.figure is fig and not np.array_equal(np.array(fig.data[0].z), z0)
    assert box.state["index"] == 7
    best = " ".join(model.vocab.decode(box.state["result"].best))
    assert best in fig.layout.title.text and fig.data[1].y[0] == best
    box.update(beam_width=1)
    assert len(box.state["result"].hypotheses) == 1
    assert sorted(times)[len(times) // 2] < 0.2, times          # median slider move


def test_training_curve():
    fig = training_curve(np.linspace(3, 1, 50), window=10)
    assert len(fig.data[0].y) == 50 and len(fig.data[1].y) == 41
