"""seqlab.embeddings: cosine similarity, complete_analogy, KeyedVectors against gensim.

gensim's ``KeyedVectors`` is built from the same GloVe rows (top 50k, float32) and asked the
same questions: most_similar (words, and scores to 1e-6), similarity, doesnt_match,
evaluate_word_analogies on questions-words.txt (score and every section's correct/incorrect
lists identical) and evaluate_word_pairs on wordsim353 (Pearson, Spearman, p-values, OOV ratio).
The correlation helpers are also checked against scipy on tied data.
"""

from __future__ import annotations

import resource

import numpy as np
import pytest

from seqlab.data.glove import gensim_test_file, load_glove
from seqlab.embeddings import KeyedVectors, complete_analogy, cosine_similarity
from seqlab.embeddings.evaluation import betainc, pearsonr, rankdata, spearmanr

gensim_models = pytest.importorskip("gensim.models")
stats = pytest.importorskip("scipy.stats")
special = pytest.importorskip("scipy.special")


@pytest.fixture(scope="module")
def glove():
    return load_glove(top=50_000)


@pytest.fixture(scope="module")
def kv(glove):
    return KeyedVectors(*glove)


@pytest.fixture(scope="module")
def gkv(glove):
    words, vectors = glove
    g = gensim_models.KeyedVectors(vectors.shape[1])
    g.add_vectors(words, vectors)
    return g


# ----------------------------------------------------------------- the GloVe loader
def test_load_glove_first_row_and_order(glove):
    words, vectors = glove
    assert words[:3] == ["the", ",", "."] and len(words) == 50_000 == vectors.shape[0]
    assert vectors.dtype == np.float32 and vectors.shape == (50_000, 50)
    np.testing.assert_array_equal(vectors[0, :5], np.float32([0.418, 0.24968, -0.41242,
                                                              0.1217, 0.34527]))
    assert vectors.nbytes == 50_000 * 50 * 4  # 10 MB: only the top rows are copied


def test_load_glove_memory_of_top_50k_is_small():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    words, vectors = load_glove(top=50_000, dtype=np.float64)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert vectors.dtype == np.float64 and len(words) == 50_000
    assert grown_mb < 120, grown_mb  # 20 MB of float64 rows (+ the word index), not 80 MB+


@pytest.mark.parametrize("top", [0, -1, 400_001, 2.5, True, "10"])
def test_load_glove_rejects_bad_top(top):
    with pytest.raises(ValueError, match=r"load_glove\(top\)"):
        load_glove(top=top)


def test_gensim_test_file_lists_files_when_missing():
    assert gensim_test_file("wordsim353.tsv").is_file()
    with pytest.raises(FileNotFoundError, match="questions-words.txt"):
        gensim_test_file("no-such-file.txt")


# ----------------------------------------------------------------- cosine similarity (1)
def test_cosine_similarity_properties():
    rng = np.random.default_rng(0)
    u, w = rng.normal(size=50), rng.normal(size=50)
    v = w - (w @ u) / (u @ u) * u                     # orthogonal to u
    assert cosine_similarity(u, u) == pytest.approx(1.0, abs=1e-15)
    assert cosine_similarity(u, 3.5 * u) == pytest.approx(1.0, abs=1e-15)
    assert cosine_similarity(u, -u) == pytest.approx(-1.0, abs=1e-15)
    assert cosine_similarity(u, v) == pytest.approx(0.0, abs=1e-14)
    assert cosine_similarity(u, np.zeros(50)) == 0.0
    assert cosine_similarity(u, w) == pytest.approx(cosine_similarity(w, u), abs=1e-15)
    ref = 1 - __import__("scipy.spatial.distance", fromlist=["cosine"]).cosine(u, w)
    assert cosine_similarity(u, w) == pytest.approx(ref, abs=1e-14)


def test_cosine_similarity_errors():
    with pytest.raises(ValueError, match=r"cosine_similarity\(v\).*\(50,\).*\(49,\)"):
        cosine_similarity(np.ones(50), np.ones(49))
    with pytest.raises(TypeError, match=r"cosine_similarity\(u\)"):
        cosine_similarity(["a", "b"], np.ones(2))


# ----------------------------------------------------------------- complete_analogy (3)
def _course_loop(a, b, c, m):
    """The course's loop: max over w ∉ {a, b, c} of cos(e_b - e_a, e_w - e_c)."""
    e_a, e_b, e_c = m[a], m[b], m[c]
    best, best_w = -100, None
    for w in m:
        if w in (a, b, c):
            continue
        s = cosine_similarity(e_b - e_a, m[w] - e_c)
        if s > best:
            best, best_w = s, w
    return best_w


@pytest.mark.parametrize("triad, answer", [
    (("italy", "italian", "spain"), "spanish"), (("india", "delhi", "japan"), "tokyo"),
    (("man", "woman", "boy"), "girl"), (("Man", "Woman", "Boy"), "girl")])
def test_complete_analogy_course_triads(kv, triad, answer):
    assert complete_analogy(*triad, kv.word_to_vec_map) == answer


def test_complete_analogy_equals_the_course_loop_on_a_dict(glove):
    words, vectors = glove
    m = {w: vectors[i].astype(np.float64) for i, w in enumerate(words[:3000])}
    for triad in [("man", "woman", "king"), ("small", "smaller", "large"),
                  ("france", "paris", "germany"), ("good", "better", "bad")]:
        assert complete_analogy(*triad, m) == _course_loop(*triad, m)


def test_complete_analogy_errors(kv):
    with pytest.raises(KeyError, match=r"'kingg'.*'king'"):
        complete_analogy("man", "woman", "kingg", kv.word_to_vec_map)
    with pytest.raises(TypeError, match=r"complete_analogy\(word_b\)"):
        complete_analogy("man", 3, "king", kv.word_to_vec_map)
    with pytest.raises(ValueError, match="no word left"):
        complete_analogy("a", "b", "c", {w: np.ones(2) * i for i, w in enumerate("abc")})


# ----------------------------------------------------------------- KeyedVectors vs gensim
def test_lookup_is_the_embedding_matrix_row(kv, glove):
    words, vectors = glove
    i = kv.key_to_index["king"]
    assert kv.index_to_key[i] == "king" and "king" in kv and "kingg" not in kv
    np.testing.assert_array_equal(kv["king"], vectors[i])
    np.testing.assert_array_equal(kv[["king", "queen"]], vectors[[i, kv.key_to_index["queen"]]])
    np.testing.assert_array_equal(kv.word_to_vec_map["king"], vectors[i])
    assert len(kv.word_to_vec_map) == 50_000 and kv.vectors is vectors
    np.testing.assert_allclose(np.linalg.norm(kv.get_normed_vectors(), axis=1), 1, atol=1e-6)


@pytest.mark.parametrize("positive, negative", [
    (["woman", "king"], ["man"]), (["paris", "germany"], ["france"]), (["computer"], []),
    ("frog", None), ([("good", 2.0), "movie"], [("bad", 0.5)]), (["walking", "swam"], ["walked"])])
def test_most_similar_matches_gensim(kv, gkv, positive, negative):
    ours = kv.most_similar(positive=positive, negative=negative, topn=10)
    theirs = gkv.most_similar(positive=positive, negative=negative, topn=10)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=0, atol=1e-6)


def test_most_similar_topn_none_and_restrict_vocab(kv, gkv):
    np.testing.assert_allclose(kv.most_similar("king", topn=None),
                               gkv.most_similar("king", topn=None), atol=1e-6)
    ours = kv.most_similar("king", topn=5, restrict_vocab=2000)
    theirs = gkv.most_similar("king", topn=5, restrict_vocab=2000)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-6)
    assert kv.most_similar("king", topn=0) == []


@pytest.mark.parametrize("pair", [("cat", "dog"), ("king", "queen"), ("good", "bad"),
                                  ("car", "banana"), ("the", "the")])
def test_similarity_matches_gensim(kv, gkv, pair):
    assert kv.similarity(*pair) == pytest.approx(float(gkv.similarity(*pair)), abs=1e-7)


@pytest.mark.parametrize("words", ["breakfast cereal dinner lunch", "france germany italy cat",
                                   "red green blue seven yellow", "man woman child car"])
def test_doesnt_match_matches_gensim(kv, gkv, words):
    assert kv.doesnt_match(words.split()) == gkv.doesnt_match(words.split())


def test_doesnt_match_ignores_unknown_words_with_a_warning(kv):
    with pytest.warns(UserWarning, match="zzqx"):
        assert kv.doesnt_match(["breakfast", "lunch", "zzqx", "car"]) == "car"


@pytest.mark.parametrize("restrict_vocab", [30_000, 5_000])
def test_evaluate_word_analogies_identical_to_gensim(kv, gkv, restrict_vocab):
    path = gensim_test_file("questions-words.txt")
    score, sections = kv.evaluate_word_analogies(path, restrict_vocab=restrict_vocab)
    g_score, g_sections = gkv.evaluate_word_analogies(path, restrict_vocab=restrict_vocab)
    assert score == g_score
    assert [s["section"] for s in sections] == [s["section"] for s in g_sections]
    assert sections[-1]["section"] == "Total accuracy" and len(sections) == 15
    for ours, theirs in zip(sections, g_sections, strict=True):
        assert ours["correct"] == theirs["correct"], ours["section"]
        assert ours["incorrect"] == theirs["incorrect"], ours["section"]
    if restrict_vocab == 30_000:
        assert 0.45 < score < 0.55  # GloVe 50d on the covered questions


def test_evaluate_word_analogies_dummy4unknown_and_cased_vocab(tmp_path):
    """A cased vocabulary ('Paris' and 'paris'): gensim skips a case variant of an input."""
    rng = np.random.default_rng(3)
    words = ["paris", "france", "Paris", "berlin", "germany", "rome", "italy", "Rome", "x", "y"]
    vectors = rng.normal(size=(len(words), 8)).astype(np.float32)
    vectors[2] = vectors[0] + 0.01  # 'Paris' right next to 'paris'
    path = tmp_path / "q.txt"
    path.write_text(": capitals\nfrance paris germany berlin\ngermany berlin france paris\n"
                    "italy rome france paris\nfrance paris spain madrid\n: other\nx y x y\n")
    g = gensim_models.KeyedVectors(8)
    g.add_vectors(words, vectors)
    ours = KeyedVectors(words, vectors)
    for kwargs in ({}, {"dummy4unknown": True}, {"case_insensitive": False}):
        s, secs = ours.evaluate_word_analogies(path, restrict_vocab=30_000, **kwargs)
        gs, gsecs = g.evaluate_word_analogies(path, restrict_vocab=30_000, **kwargs)
        assert s == gs and secs == gsecs, kwargs


def test_evaluate_word_pairs_identical_to_gensim(kv, gkv):
    path = gensim_test_file("wordsim353.tsv")
    (r, p_r), (rho, p_rho), oov = kv.evaluate_word_pairs(path)
    (gr, gp_r), (grho, gp_rho), goov = gkv.evaluate_word_pairs(path)
    assert r == pytest.approx(gr, abs=1e-12) and rho == pytest.approx(grho, abs=1e-12)
    assert p_r == pytest.approx(gp_r, rel=1e-9) and p_rho == pytest.approx(gp_rho, rel=1e-9)
    assert oov == pytest.approx(goov, abs=1e-12)
    assert 0.5 < rho < 0.55


def test_rankdata_spearman_pearson_and_betainc_match_scipy():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 6, size=40).astype(float)  # many ties
    y = x + rng.normal(size=40)
    np.testing.assert_array_equal(rankdata(x), stats.rankdata(x))
    for ours, theirs in ((spearmanr(x, y), stats.spearmanr(x, y)),
                         (pearsonr(x, y), stats.pearsonr(x, y))):
        assert ours.statistic == pytest.approx(theirs.statistic, abs=1e-12)
        assert ours.pvalue == pytest.approx(theirs.pvalue, rel=1e-9)
    for a, b, z in [(2.0, 0.5, 0.3), (175.5, 0.5, 0.7), (0.5, 3.0, 0.99), (10.0, 10.0, 0.5)]:
        assert betainc(a, b, z) == pytest.approx(special.betainc(a, b, z), rel=1e-12)


def test_keyed_vectors_errors(kv):
    with pytest.raises(KeyError, match=r"'quen'.*did you mean.*'queen'"):
        kv["quen"]
    with pytest.raises(KeyError, match="'zzqx'"):
        kv.most_similar(positive=["zzqx"])
    with pytest.raises(ValueError, match=r"KeyedVectors\(words\): expected 2 words"):
        KeyedVectors(["a"], np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"KeyedVectors\(vectors\).*shape \(3,\)"):
        KeyedVectors(["a", "b", "c"], np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="distinct"):
        KeyedVectors(["a", "a"], np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"most_similar\(positive\).*\(50,\)"):
        kv.most_similar(positive=[np.ones(3)])
    with pytest.raises(ValueError, match=r"evaluate_word_analogies\(restrict_vocab\)"):
        kv.evaluate_word_analogies(gensim_test_file("questions-words.txt"), restrict_vocab=0)
