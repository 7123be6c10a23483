"""GloVe (seqlab.embeddings.glove_model): co-occurrence counts (1), weighting f (2), the loss
(3)-(4) and its gradient (5), AdaGrad on the rows a minibatch touches, training.

References: a brute-force loop for X_ij, float64 finite differences, torch autograd of the same
formula, ``torch.optim.Adagrad`` (and seqlab.optim.Adagrad) for the update.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
import torch

from seqlab.embeddings.glove_model import (
    GLOVE_KEYS,
    Cooccurrence,
    adagrad_rows,
    cooccurrence,
    cooccurrence_matrix,
    encode,
    fit_glove,
    glove_backward,
    glove_forward,
    init_glove_params,
    train_glove,
    weighting,
)
from seqlab.gradcheck import check_grads, rel_error
from seqlab.optim import Adagrad

CORPUS = [
    "the ice is solid and the steam is gas".split(),
    "water is ice or steam and water is water".split(),
    "fashion is not water".split(),
    "solid".split(),
    "a rare word then ice ice ice".split(),
]


def brute_force(sentences, words, window, weighted=True):
    """X_ij by the definition: drop OOV tokens, then every pair 1..window apart, both ways."""
    stoi = {w: k for k, w in enumerate(words)}
    X = defaultdict(float)
    for s in sentences:
        ids = [stoi[w] for w in s if w in stoi]
        for t, i in enumerate(ids):
            for k in range(1, window + 1):
                for u in (t - k, t + k):
                    if 0 <= u < len(ids):
                        X[i, ids[u]] += 1.0 / k if weighted else 1.0
    return X


@pytest.mark.parametrize("window", [1, 2, 3, 10])
@pytest.mark.parametrize("weighted", [True, False])
def test_cooccurrence_equals_a_brute_force_loop(window, weighted):
    words = ["is", "water", "ice", "steam", "the", "and", "solid", "gas", "fashion"]  # no OOV
    ids, seg = encode(CORPUS, words)
    assert ids.size == sum(w in words for s in CORPUS for w in s)
    i, j, x = cooccurrence(ids, seg, len(words), window, distance_weighting=weighted)
    expected = brute_force(CORPUS, words, window, weighted)
    got = {(int(a), int(b)): float(v) for a, b, v in zip(i, j, x, strict=True)}
    assert got.keys() == expected.keys()
    assert max(abs(got[k] - expected[k]) for k in got) < 1e-12
    keys = i * len(words) + j
    assert np.all(np.diff(keys) > 0)                      # sorted by (i, j), no duplicates
    assert np.all(x > 0)


def test_cooccurrence_is_symmetric_and_stops_at_sentence_ends():
    words = ["solid", "ice", "water"]
    ids, seg = encode([["solid"], ["ice", "x", "water"], ["water"]], words)
    i, j, x = cooccurrence(ids, seg, 3, window=5)
    X = np.zeros((3, 3))
    X[i, j] = x
    assert np.array_equal(X, X.T)
    assert X[0].sum() == 0              # "solid" is alone in its sentence
    assert X[1, 2] == 1.0               # "x" is out of vocabulary: ice and water become adjacent


def test_cooccurrence_matrix_reads_the_sparse_triples():
    words = ["is", "water", "ice", "steam", "solid", "fashion", "gas"]
    ids, seg = encode(CORPUS, words)
    i, j, x = cooccurrence(ids, seg, len(words), 3)
    cooc = Cooccurrence(i, j, x, words, np.ones(len(words)))
    dense = np.zeros((len(words), len(words)))
    dense[i, j] = x
    rows, cols = ["ice", "steam", "fashion"], ["solid", "gas", "water", "fashion"]
    block = cooccurrence_matrix(cooc, rows, cols)
    assert block.shape == (3, 4)
    r = [words.index(w) for w in rows]
    c = [words.index(w) for w in cols]
    assert np.array_equal(block, dense[np.ix_(r, c)])
    assert block[2, 3] == 0                                  # absent pair -> 0
    with pytest.raises(KeyError, match="'snow'"):
        cooccurrence_matrix(cooc, ["snow"], cols)


def test_weighting_function_values():
    x = np.array([0.0, 1.0, 50.0, 99.999, 100.0, 1e6])
    f = weighting(x, x_max=100, alpha=0.75)
    assert np.allclose(f, [0.0, 0.01 ** 0.75, 0.5 ** 0.75, (99.999 / 100) ** 0.75, 1.0, 1.0],
                       rtol=1e-14, atol=0)
    assert np.allclose(weighting(x, x_max=10, alpha=1.0), [0, 0.1, 1, 1, 1, 1])
    assert np.allclose(weighting(x[1:], x_max=100, alpha=0.0), 1.0)   # α = 0: unweighted
    assert np.all(np.diff(weighting(np.linspace(0, 200, 101))) >= 0)   # non-decreasing


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"x_max": 0}, "x_max"), ({"alpha": -1}, "alpha")])
def test_weighting_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        weighting(np.ones(3), **kwargs)


def _problem(seed=0, V=6, d=3, B=12, dtype=np.float64):
    r = np.random.default_rng(seed)
    params = {k: v * 30 for k, v in init_glove_params(V, d, r, dtype).items()}  # O(1) values
    i, j = r.integers(0, V, B), r.integers(0, V, B)        # repeated rows included
    x = r.choice([0.2, 1.0, 3.5, 40.0, 150.0, 1000.0], B)  # both branches of f
    return params, i, j, x


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_glove_backward_gradcheck_float64(seed):
    params, i, j, x = _problem(seed)
    _, cache = glove_forward(params, i, j, x, x_max=100, alpha=0.75)
    grads = glove_backward(cache)
    assert set(grads) == set(GLOVE_KEYS)
    assert all(grads[k].shape == params[k].shape for k in GLOVE_KEYS)
    diffs = check_grads(lambda: glove_forward(params, i, j, x)[0], params, grads)
    assert max(diffs.errors.values()) < 1e-7, diffs.errors


def test_glove_loss_and_gradients_equal_torch_autograd():
    params, i, j, x = _problem(3, V=8, d=5, B=40)
    J, cache = glove_forward(params, i, j, x, x_max=10.0, alpha=0.6)
    grads = glove_backward(cache, dJ=0.7)
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    ti, tj, tx = torch.tensor(i), torch.tensor(j), torch.tensor(x)
    f = torch.where(tx < 10.0, (tx / 10.0) ** 0.6, torch.ones_like(tx))
    diff = (t["W"][ti] * t["W_tilde"][tj]).sum(1) + t["b"][ti] + t["b_tilde"][tj] - tx.log()
    tJ = (f * diff ** 2).sum()
    (0.7 * tJ).backward()
    assert abs(float(J) - tJ.item()) <= 1e-10 * abs(tJ.item())
    for k in GLOVE_KEYS:
        assert rel_error(grads[k], t[k].grad.numpy()) < 1e-10, k


def test_glove_forward_validates_its_inputs():
    params, i, j, x = _problem()
    with pytest.raises(ValueError, match="X_ij > 0"):
        glove_forward(params, i, j, np.where(x > 100, 0.0, x))
    bad = dict(params, b=params["b"][:-1])
    with pytest.raises(ValueError, match=r"glove_forward\(params\)"):
        glove_forward(bad, i, j, x)


def test_sparse_adagrad_equals_torch_adagrad_and_seqlab_adagrad_on_dense_gradients():
    params, i, j, x = _problem(4, V=9, d=4, B=15)  # some rows are not touched at all
    lr = 0.05
    ours = {k: v.copy() for k, v in params.items()}
    G = {k: np.ones_like(v) for k, v in params.items()}
    t = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    opt = torch.optim.Adagrad(list(t.values()), lr=lr, initial_accumulator_value=1.0, eps=1e-10)
    seq = {k: v.copy() for k, v in params.items()}
    seq_opt = Adagrad(lr)
    seq_opt.G = {k: np.ones_like(v) for k, v in params.items()}  # GloVe starts G at 1
    for _ in range(3):                                           # three successive steps
        _, cache = glove_forward(ours, i, j, x)
        dense = glove_backward(cache)
        _, cache_seq = glove_forward(seq, i, j, x)
        seq_opt.step(seq, glove_backward(cache_seq))
        for k, rows in (("W", i), ("b", i), ("W_tilde", j), ("b_tilde", j)):
            unique = np.unique(rows)
            adagrad_rows(ours[k], G[k], unique, dense[k][unique], lr)
        for k in GLOVE_KEYS:
            t[k].grad = torch.tensor(glove_backward(
                glove_forward({n: p.detach().numpy() for n, p in t.items()}, i, j, x)[1])[k])
        opt.step()
    untouched = np.setdiff1d(np.arange(9), i)
    assert untouched.size and np.array_equal(ours["W"][untouched], params["W"][untouched])
    for k in GLOVE_KEYS:
        assert rel_error(ours[k], t[k].detach().numpy()) < 1e-10, k
        assert rel_error(ours[k], seq[k]) < 1e-10, k


def test_one_full_batch_epoch_is_one_adagrad_step_on_the_full_loss():
    words = ["is", "water", "ice", "steam", "the", "and", "solid", "gas", "fashion"]
    ids, seg = encode(CORPUS, words)
    i, j, x = cooccurrence(ids, seg, len(words), 3)
    cooc = Cooccurrence(i, j, x, words, np.ones(len(words), dtype=np.int64))
    start = init_glove_params(len(words), 4, np.random.default_rng(7), np.float64)
    J, cache = glove_forward(start, i, j, x, x_max=5.0)
    grads = glove_backward(cache)
    for G0 in (0.0, 1.0):               # torch's start of the AdaGrad sums, and glove.c's
        model = fit_glove(cooc, vector_size=4, x_max=5.0, alpha=0.75, epochs=1, lr=0.1,
                          batch_size=x.size, seed=7, dtype=np.float64, progress=False,
                          initial_accumulator=G0)
        for k in GLOVE_KEYS:
            expected = start[k] - 0.1 * grads[k] / (np.sqrt(G0 + grads[k] ** 2) + 1e-10)
            assert rel_error(model.params[k], expected) < 1e-10, k
    assert abs(model.losses[0] - J / x.size) < 1e-12
    assert np.allclose(model.vectors, (model.params["W"] + model.params["W_tilde"]) / 2)


def test_training_on_a_tiny_corpus_lowers_the_loss():
    sentences = CORPUS * 20 + [["hapax", "ice"]]
    seen = []
    model = train_glove(sentences, vector_size=8, window=3, min_count=2, x_max=10.0, epochs=30,
                        lr=0.1, batch_size=16, seed=0, dtype=np.float64, progress=False,
                        callback=lambda epoch, loss, params: seen.append((epoch, loss)))
    assert [e for e, _ in seen] == list(range(30))
    assert model.losses[-1] < 0.1 * model.losses[0]
    assert model.vectors.shape == (len(model.words), 8)
    assert set(model.words[:2]) == {"is", "ice"}        # most frequent first (5 each)
    assert "hapax" not in model.words                   # count 1 < min_count


@pytest.mark.parametrize(("call", "match"), [
    (lambda: train_glove("the ice is cold"), "token lists"),
    (lambda: train_glove(CORPUS, window=0, min_count=1, progress=False), "window"),
    (lambda: train_glove(CORPUS, min_count=0, progress=False), "min_count"),
    (lambda: train_glove(CORPUS, min_count=1, epochs=0, progress=False), "epochs"),
    (lambda: train_glove(CORPUS, min_count=1, lr=-1.0, progress=False), "lr"),
    (lambda: cooccurrence(np.array([0, 5]), np.array([0, 0]), 3), r"ids in \[0, 3\)"),
])
def test_bad_arguments_raise_naming_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def _random_corpus(seed, n_tokens=20_000, vocab=300):
    """Zipf-like ids in sentences of 1-40 tokens: a small stand-in for the summary corpus."""
    r = np.random.default_rng(seed)
    ids = np.minimum(r.zipf(1.3, n_tokens) - 1, vocab - 1).astype(np.int64)
    segment = np.repeat(np.arange(n_tokens), r.integers(1, 41, n_tokens))[:n_tokens]
    return ids, segment


@pytest.mark.parametrize("max_pairs", [1, 7, 500, 30_000])
@pytest.mark.parametrize("weighted", [True, False])
def test_counting_a_range_of_words_at_a_time_equals_one_shot_counting_bit_for_bit(max_pairs,
                                                                                   weighted):
    ids, segment = _random_corpus(max_pairs)
    one_shot = cooccurrence(ids, segment, 300, 5, weighted, max_pairs=10**12)
    chunked = cooccurrence(ids, segment, 300, 5, weighted, max_pairs=max_pairs)
    for a, b in zip(chunked, one_shot, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)   # same sums in the same order
    keys = one_shot[0] * 300 + one_shot[1]
    assert np.all(np.diff(keys) > 0)                         # sorted, unique
    from seqlab.embeddings.cooccurrence import _word_ranges
    if max_pairs < 30_000:                                    # several ranges really were used
        assert len(_word_ranges(ids, 300, 5, max_pairs, np)) > 3


def test_chunked_counting_equals_the_brute_force_loop():
    words = ["is", "water", "ice", "steam", "the", "and", "solid", "gas", "fashion"]
    ids, seg = encode(CORPUS, words)
    want = brute_force(CORPUS, words, 3)
    i, j, x = cooccurrence(ids, seg, len(words), 3, max_pairs=4)
    got = {(a, b): v for a, b, v in zip(i.tolist(), j.tolist(), x.tolist(), strict=True)}
    assert got == pytest.approx(dict(want), rel=1e-15)


def test_chunked_counting_needs_far_less_memory():
    import tracemalloc

    ids, segment = _random_corpus(0, n_tokens=200_000, vocab=5000)
    peaks = {}
    for max_pairs in (10**12, 200_000):
        tracemalloc.start()
        cooccurrence(ids, segment, 5000, 10, max_pairs=max_pairs)
        peaks[max_pairs] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peaks[200_000] < 0.4 * peaks[10**12], peaks


def test_glove_model_re_exports_the_counting_names():
    import seqlab.embeddings.cooccurrence as counting
    import seqlab.embeddings.glove_model as glove

    for name in counting.__all__:
        assert getattr(glove, name) is getattr(counting, name)
    with pytest.raises(ValueError, match=r"cooccurrence\(max_pairs\)"):
        cooccurrence(np.array([0, 1]), np.array([0, 0]), 3, max_pairs=0)


def test_the_summary_corpus_is_counted_in_about_105_mb_instead_of_770():
    """The numbers notebook 09 and seqlab.embeddings.cooccurrence state (tracemalloc peaks)."""
    import tracemalloc

    from seqlab.data.corpus import build_vocab, load_corpus

    sentences = load_corpus("ovos")
    words, _ = build_vocab(sentences, min_count=5)
    ids, segment = encode(sentences, words)
    del sentences
    peaks, results = {}, {}
    for max_pairs in (1_000_000, 10**12):              # the default, and everything at once
        tracemalloc.start()
        results[max_pairs] = cooccurrence(ids, segment, len(words), 10, max_pairs=max_pairs)
        peaks[max_pairs] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    assert 95 < peaks[1_000_000] < 115 and 700 < peaks[10**12] < 850, peaks
    for a, b in zip(results[1_000_000], results[10**12], strict=True):
        assert np.array_equal(a, b)
