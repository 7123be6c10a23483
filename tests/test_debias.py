"""Debiasing (seqlab.embeddings.debias) on the course's GloVe 50d vectors and Bolukbasi's lists.

- neutralize / equalize reproduce the course's printed expected output (W2A1) to 1e-7;
- the bias direction: the course's e_woman - e_man and Bolukbasi's PCA of the pairs;
- hard_debias: neutral words end orthogonal to g, gender-specific words keep their direction,
  equalized pairs are mirror images; the input is not changed;
- measured: the profession words' mean |projection| goes from about 0.16 to ~0, and the Google
  analogy accuracy (restrict_vocab=30000, gensim's evaluator as the reference) drops by less
  than 1 point; the shipped results file says the same;
- the debias plot's slider changes the figure, fast.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from seqlab.data.debias_words import load_bolukbasi
from seqlab.data.glove import gensim_test_file, load_glove
from seqlab.embeddings.debias import (
    bias_direction,
    equalize,
    equalize_vectors,
    hard_debias,
    neutralize,
    neutralize_vectors,
    normalize_rows,
    projection,
)
from seqlab.npz import load_arrays

RESULTS = "seqlab/data/results/debias_glove50.npz"


def _cos(u, v):
    return float(u @ v / np.linalg.norm(u) / np.linalg.norm(v))


@pytest.fixture(scope="module")
def glove():
    words, E = load_glove(50_000, dtype=np.float64)
    return words, E, dict(zip(words, E, strict=True))


@pytest.fixture(scope="module")
def lists():
    return load_bolukbasi()


def test_word_lists_are_read_by_path():
    raw = load_bolukbasi(lowercase=False, single_words=False)
    assert [len(x) for x in raw] == [10, 52, 218, 1441, 320]
    low = load_bolukbasi()
    assert [len(x) for x in low] == [10, 43, 205, 746, 291]
    assert low.definitional_pairs[0] == ("woman", "man")
    assert ("spokesman", "spokeswoman") in low.equalize_pairs
    assert all(w == w.lower() and "_" not in w for w in low.specific_full)


def test_neutralize_reproduces_the_course_output(glove):
    _, _, w2v = glove
    g = bias_direction(w2v, [("woman", "man")], method="difference")
    np.testing.assert_array_equal(g, w2v["woman"] - w2v["man"])
    assert _cos(w2v["receptionist"], g) == pytest.approx(0.330779417506, abs=1e-7)
    e = neutralize("receptionist", g, w2v)
    assert abs(_cos(e, g)) < 1e-12
    np.testing.assert_allclose(e + (w2v["receptionist"] @ g) / (g @ g) * g, w2v["receptionist"],
                               atol=1e-12)


def test_equalize_reproduces_the_course_output(glove):
    _, _, w2v = glove
    g = w2v["woman"] - w2v["man"]
    assert _cos(w2v["man"], g) == pytest.approx(-0.117110957653, abs=1e-7)
    assert _cos(w2v["woman"], g) == pytest.approx(0.356666188463, abs=1e-7)
    e1, e2 = equalize(("man", "woman"), g, w2v)
    assert _cos(e1, g) == pytest.approx(-0.700436428931, abs=1e-7)
    assert _cos(e2, g) == pytest.approx(0.700436428931, abs=1e-7)
    np.testing.assert_allclose(neutralize_vectors(e1[None], g), neutralize_vectors(e2[None], g),
                               atol=1e-12)   # the same part orthogonal to g: μ⊥


def test_equalize_on_unit_vectors_gives_unit_mirror_images(glove):
    _, _, w2v = glove
    unit = {w: w2v[w] / np.linalg.norm(w2v[w]) for w in ("grandmother", "grandfather", "she",
                                                         "he")}
    g = bias_direction(unit, [("she", "he")], "difference")
    e1, e2 = equalize(("grandmother", "grandfather"), g, unit)
    assert projection(e1, g) == pytest.approx(-projection(e2, g), abs=1e-12)
    assert np.linalg.norm(e1) == pytest.approx(np.linalg.norm(e2), abs=1e-12)
    assert np.linalg.norm(e1) <= 1 + 1e-12
    rows = equalize_vectors(np.stack([unit["grandmother"]] * 2), np.stack([unit["grandfather"]]
                                                                          * 2), g)
    np.testing.assert_allclose(rows[0], np.stack([e1, e1]), atol=1e-14)


def test_pca_bias_direction(glove, lists):
    _, _, w2v = glove
    g = bias_direction(w2v, lists.definitional_pairs, method="pca")
    assert np.linalg.norm(g) == pytest.approx(1.0, abs=1e-12)
    diffs = np.stack([w2v[a] - w2v[b] for a, b in lists.definitional_pairs])
    # the first right singular vector of the differences, oriented towards the female words
    v = np.linalg.svd(diffs)[2][0]
    assert abs(abs(g @ v) - 1) < 1e-12 and (diffs @ g).sum() > 0
    simple = w2v["woman"] - w2v["man"]
    assert _cos(g, simple) > 0.8
    assert projection(w2v["she"], g) > projection(w2v["he"], g)


def test_bad_inputs_raise_naming_the_argument(glove):
    _, E, w2v = glove
    with pytest.raises(ValueError, match=r"bias_direction\(method\)"):
        bias_direction(w2v, [("woman", "man")], method="svd")
    with pytest.raises(ValueError, match=r"bias_direction\(pairs\)"):
        bias_direction(w2v, [])
    with pytest.raises(KeyError, match="qwxzv"):
        neutralize("qwxzv", E[0], w2v)
    with pytest.raises(ValueError, match=r"neutralize\(g\)"):
        neutralize("doctor", E[0, :10], w2v)
    with pytest.raises(ValueError, match=r"neutralize\(g\).*zero"):
        neutralize("doctor", np.zeros(50), w2v)
    with pytest.raises(ValueError, match=r"equalize\(pair\)"):
        equalize(("man",), E[0], w2v)
    with pytest.raises(ValueError, match=r"hard_debias\(E\)"):
        hard_debias(["a", "b"], E[:3], E[0], [], [])


def test_hard_debias_whole_vocabulary(glove, lists):
    words, E, w2v = glove
    E_copy = E.copy()
    g = bias_direction(w2v, lists.definitional_pairs)
    res = hard_debias(words, E, g, lists.specific_full, lists.equalize_pairs)
    np.testing.assert_array_equal(E, E_copy)                       # input unchanged
    assert res.E.shape == E.shape and len(res.equalized) == 41
    index = {w: i for i, w in enumerate(words)}
    eq_words = {w for p in res.equalized for w in p}
    neutral = res.neutralized & ~np.isin(np.array(words), list(eq_words))
    assert np.abs(res.E[neutral] @ g).max() < 1e-12                 # ⟂ g
    np.testing.assert_allclose(np.linalg.norm(res.E[neutral], axis=1), 1.0, atol=1e-12)
    kept = [index[w] for w in lists.specific_full if w in index and w not in eq_words]
    np.testing.assert_allclose(res.E[kept], normalize_rows(E[kept]), atol=1e-15)
    for a, b in res.equalized:
        ea, eb = res.E[index[a]], res.E[index[b]]
        assert projection(ea, g) == pytest.approx(-projection(eb, g), abs=1e-12)
        np.testing.assert_allclose(ea - (ea @ g) * g, eb - (eb @ g) * g, atol=1e-12)


def _gensim_accuracy(words, E):
    gensim_models = pytest.importorskip("gensim.models")
    kv = gensim_models.KeyedVectors(E.shape[1])
    kv.add_vectors(list(words), np.asarray(E, dtype=np.float32))
    score, _ = kv.evaluate_word_analogies(str(gensim_test_file("questions-words.txt")),
                                          restrict_vocab=30000)
    return score


def test_measured_effects_projection_gone_analogies_kept(glove, lists):
    words, E, w2v = glove
    g = bias_direction(w2v, lists.definitional_pairs)
    res = hard_debias(words, E, g, lists.specific_full, lists.equalize_pairs)
    index = {w: i for i, w in enumerate(words)}
    specific = set(lists.specific_full)
    rows = [index[w] for w, _, _ in lists.professions if w in index and w not in specific]
    before = np.abs(projection(normalize_rows(E)[rows], g)).mean()
    after = np.abs(projection(res.E[rows], g)).mean()
    assert len(rows) == 268 and before > 0.1 and after < 1e-12
    acc0, acc1 = _gensim_accuracy(words, E), _gensim_accuracy(words, res.E)
    print(f"mean |projection| {before:.4f} -> {after:.1e}; analogies {acc0:.4f} -> {acc1:.4f}")
    assert acc0 > 0.45 and acc1 > acc0 - 0.01                      # less than 1 point lost
    shipped, meta = load_arrays(RESULTS)
    assert float(shipped["accuracy_before"]) == pytest.approx(acc0, abs=1e-12)
    assert float(shipped["accuracy_after"]) == pytest.approx(acc1, abs=1e-12)
    assert np.abs(shipped["projection_before"]).mean() == pytest.approx(before, rel=1e-5)
    assert np.abs(shipped["projection_after"]).mean() < 1e-6       # float32 GloVe in the tool
    assert meta["made_by"] == "tools/debias_results.py"


def test_debias_explorer_slider_changes_the_figure_fast(glove, lists):
    from seqlab.viz.embedding_maps import debias_explorer

    words, E, w2v = glove
    g = bias_direction(w2v, lists.definitional_pairs)
    show = ["doctor", "nurse", "receptionist", "engineer", "grandmother", "grandfather", "he",
            "she"]
    index = {w: i for i, w in enumerate(words)}
    rows = [index[w] for w in show]
    full = hard_debias(words, E, g, lists.specific_full, lists.equalize_pairs).E[rows]
    neut = hard_debias(words, E, g, lists.specific_full, []).E[rows]
    box = debias_explorer(show, E[rows], neut, full, g, [("grandfather", "grandmother")])
    x0 = np.array(box.figure.data[1].x)
    start = time.perf_counter()
    box.update(t=1.0)
    ms = 1000 * (time.perf_counter() - start)
    x1 = np.array(box.figure.data[1].x)
    assert ms < 200, ms
    assert np.abs(x1[:4]).max() < 1e-12 < np.abs(x0[:4]).min()     # professions on the axis
    assert x1[4] == pytest.approx(-x1[5], abs=1e-12)                # equalized pair mirrored
    assert len(box.figure.data[0].x) == 3                          # one line for the pair
