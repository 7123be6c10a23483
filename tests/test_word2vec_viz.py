"""seqlab.viz.word2vec: the figures hold the right data and the widgets update fast."""

from __future__ import annotations

import time

import numpy as np

from seqlab.embeddings.huffman import build_huffman
from seqlab.embeddings.negative_sampling import noise_distribution
from seqlab.viz.word2vec import (
    huffman_explorer,
    noise_explorer,
    projection_recorder,
    training_animation,
)

WORDS = ["the", "of", "king", "queen", "paris", "france", "rome", "italy"]
COUNTS = np.array([500, 300, 40, 30, 20, 20, 10, 9])


def test_noise_slider_goes_from_uniform_to_unigram_fast():
    box = noise_explorer(WORDS, COUNTS)
    np.testing.assert_allclose(box.figure.data[0].y, noise_distribution(COUNTS, 0.75))
    t0 = time.perf_counter()
    box.update(exponent=0.0)
    assert time.perf_counter() - t0 < 0.2
    np.testing.assert_allclose(box.figure.data[0].y, 1 / len(WORDS))
    box.update(exponent=1.0)
    np.testing.assert_allclose(box.figure.data[0].y, COUNTS / COUNTS.sum())


def test_huffman_path_ends_at_the_word_and_has_its_code_length():
    box = huffman_explorer(WORDS, COUNTS, "queen")
    tree = build_huffman(COUNTS)
    path = box.figure.data[2]
    assert len(path.x) == tree.lengths[3] + 1
    leaf_x = box.figure.data[1].x[3]
    assert path.x[-1] == leaf_x and path.y[0] == 0          # root to the leaf
    t0 = time.perf_counter()
    box.update(word="the")
    assert time.perf_counter() - t0 < 0.2
    assert len(box.figure.data[2].x) == tree.lengths[0] + 1 < tree.lengths[3] + 1


def test_training_animation_has_one_frame_per_snapshot():
    cb, log = projection_recorder(["king", "queen", "paris"], WORDS)
    r = np.random.default_rng(0)
    for p in (0.25, 0.5, 1.0):
        cb(p, r.normal(size=(len(WORDS), 5)).astype(np.float32))
    fig = training_animation(log)
    assert len(fig.frames) == 3 and list(fig.data[0].text) == ["king", "queen", "paris"]


def test_live_projection_moves_the_points_in_place_while_training_runs():
    from seqlab.viz.word2vec import live_projection

    vocab = ["a", "b", "c", "d", "e"]
    box = live_projection(["a", "b", "c"], vocab, {"first": ["a"]})
    fig = box.figure
    r = np.random.default_rng(0)
    seen = []
    for p in (0.5, 1.0):
        box.callback(p, r.normal(size=(5, 4)))
        assert box.figure is fig                       # updated in place, not rebuilt
        seen.append((fig.data[0].x, fig.data[0].y))
    assert fig.layout.title.text == "skip-gram training: 100% done"
    assert seen[0] != seen[1] and len(seen[1][0]) == 3
    assert box.recorded["progress"] == [0.5, 1.0] and len(box.recorded["vectors"]) == 2
    X = box.recorded["vectors"][-1]                         # the points are the PCA of the rows
    centred = X - X.mean(axis=0)
    assert np.allclose(np.var(seen[1][0]), np.linalg.svd(centred, compute_uv=False)[0] ** 2 / 3)
