"""The analogy explorer (seqlab.viz.embeddings): what the figure shows and how fast it updates."""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.data.glove import load_glove
from seqlab.embeddings import KeyedVectors
from seqlab.viz.embeddings import analogy_explorer, analogy_figure, analogy_view


@pytest.fixture(scope="module")
def kv():
    return KeyedVectors(*load_glove(top=50_000))


def test_view_answers_are_most_similar_and_projection_is_pca(kv):
    view = analogy_view(kv, "Man", "woman", "king", topn=4, neighbours=2)
    assert view.answers == kv.most_similar(positive=["woman", "king"], negative=["man"], topn=4)
    assert view.words[:3] == ["man", "woman", "king"] and view.answers[0][0] == "queen"
    assert view.role.count("answer") == 4 and len(view.words) == view.Y.shape[0]
    X = kv.get_normed_vectors()[[kv.key_to_index[w] for w in view.words]].astype(np.float64)
    Xc = X - X.mean(axis=0)
    var_2d = np.sum(view.Y ** 2)                  # variance kept by the 2 components
    s = np.linalg.svd(Xc, compute_uv=False)
    assert var_2d == pytest.approx(s[0] ** 2 + s[1] ** 2, rel=1e-6)


def test_figure_arrows_join_the_right_words(kv):
    view = analogy_view(kv, "france", "paris", "japan", topn=3)
    fig = analogy_figure(view)
    pos = {w: view.Y[i] for i, w in enumerate(view.words)}
    np.testing.assert_allclose([fig.data[3].x, fig.data[3].y],
                               np.array([pos["france"], pos["paris"]]).T)
    np.testing.assert_allclose([fig.data[4].x, fig.data[4].y],
                               np.array([pos["japan"], pos["tokyo"]]).T)
    assert list(fig.data[2].text) == [f"{w} ({s:.2f})" for w, s in view.answers]


def test_explorer_slider_changes_the_figure_fast_and_bad_words_keep_it(kv):
    box = analogy_explorer(kv, topn=5)
    fig = box.figure
    before = list(fig.data[2].x)
    box.update(topn=9)
    assert len(fig.data[2].x) == 9 and list(fig.data[2].x) != before
    box.update(a="fraance")
    assert "did you mean" in box.children[2].value and "france" in box.children[2].value
    assert len(fig.data[2].x) == 9 and box.state["a"] == "man"
    box.update(a="france", b="paris", c="italy")
    assert "rome" in fig.layout.title.text
    assert max(box.timings) < 0.2, box.timings


def test_view_rejects_bad_topn(kv):
    with pytest.raises(ValueError, match=r"analogy_view\(topn\)"):
        analogy_view(kv, "a", "b", "c", topn=0)
