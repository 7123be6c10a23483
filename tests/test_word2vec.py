"""word2vec: negative sampling (2-8), hierarchical softmax, full softmax, the NPLM, training.

Float64 finite differences for every backward; the negative-sampling loss against torch
autograd of the same formula; subsampling against gensim's own vocabulary; the vectorized
training step against a pair-by-pair loop.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seqlab.embeddings import word2vec as w2v
from seqlab.embeddings.huffman import (
    build_huffman,
    hierarchical_softmax_backward,
    hierarchical_softmax_forward,
    hs_probabilities,
)
from seqlab.embeddings.negative_sampling import (
    negative_sampling_backward,
    negative_sampling_forward,
    noise_distribution,
    sample_negatives,
)
from seqlab.embeddings.nplm import (
    init_nplm_params,
    nplm_backward,
    nplm_forward,
    softmax_backward,
    softmax_forward,
)
from seqlab.gradcheck import check_grads, numerical_gradient, rel_error


def _ns_inputs(n_e=4, m=3, k=5, seed=0):
    r = np.random.default_rng(seed)
    return r.normal(size=(n_e, m)), r.normal(size=(n_e, m)), r.normal(size=(n_e, m, k))


@pytest.mark.parametrize(("m", "k"), [(1, 1), (3, 5), (6, 2)])
def test_negative_sampling_gradients_finite_differences(m, k):
    e_c, th, thn = _ns_inputs(m=m, k=k)
    J, cache = negative_sampling_forward(e_c, th, thn)
    grads = negative_sampling_backward(cache)
    for x, g in zip((e_c, th, thn), grads, strict=True):
        num = numerical_gradient(lambda _: negative_sampling_forward(e_c, th, thn)[0], x)
        assert rel_error(g, num) < 1e-7


def test_negative_sampling_matches_torch_autograd():
    e_c, th, thn = _ns_inputs(n_e=7, m=5, k=4, seed=3)
    J, cache = negative_sampling_forward(e_c, th, thn)
    de, dth, dthn = negative_sampling_backward(cache)
    te, tt, tn = (torch.tensor(a, requires_grad=True) for a in (e_c, th, thn))
    pos = torch.nn.functional.logsigmoid((tt * te).sum(0))
    neg = torch.nn.functional.logsigmoid(-torch.einsum("dmk,dm->mk", tn, te)).sum(1)
    loss = -(pos + neg).mean()                  # (2) averaged over pairs
    loss.backward()
    assert abs(J - loss.item()) < 1e-12
    for ours, theirs in ((de, te), (dth, tt), (dthn, tn)):
        assert rel_error(ours, theirs.grad.numpy()) < 1e-10


def test_noise_distribution_from_uniform_to_unigram():
    counts = np.array([100, 10, 1, 0])
    np.testing.assert_allclose(noise_distribution(counts, 0.0), 0.25)
    np.testing.assert_allclose(noise_distribution(counts, 1.0), counts / 111)
    p = noise_distribution(counts, 0.75)
    np.testing.assert_allclose(p, counts ** 0.75 / (counts ** 0.75).sum())
    assert p[0] < counts[0] / 111 and p[2] > 1 / 111   # 3/4 flattens: rare words up
    draws = sample_negatives(p, 200_000, rng=1)
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / 2e5, p, atol=4e-3)
    with pytest.raises(ValueError, match="exponent"):
        noise_distribution(counts, -1)


def test_huffman_probabilities_sum_to_one_and_frequent_words_are_shallow():
    counts = np.array([50, 20, 20, 5, 3, 1, 1])
    tree = build_huffman(counts)
    more = counts[:, None] > counts[None, :]            # a more frequent word: never deeper
    deep = np.broadcast_to(tree.lengths[:, None], more.shape)
    assert np.all(deep[more] <= deep.T[more])
    assert abs(np.sum(2.0 ** -tree.lengths) - 1) < 1e-12    # Kraft: a full binary tree
    r = np.random.default_rng(0)
    e_c, Theta = r.normal(size=(3, 4)), r.normal(size=(3, len(counts) - 1))
    p = hs_probabilities(e_c, Theta, tree)
    np.testing.assert_allclose(p.sum(axis=0), 1.0, atol=1e-12)
    for t in range(len(counts)):                       # loss (3) = -log p(t|c) of (2)
        J, _ = hierarchical_softmax_forward(e_c[:, :1], Theta, np.array([t]), tree)
        assert abs(J + np.log(p[t, 0])) < 1e-12


def test_huffman_code_lengths_match_scipy_free_reference():
    """Expected code length of a Huffman code is within 1 bit of the entropy."""
    counts = np.random.default_rng(1).integers(1, 1000, size=200)
    tree = build_huffman(counts)
    f = counts / counts.sum()
    mean_len = float(f @ tree.lengths)
    entropy = float(-(f * np.log2(f)).sum())
    assert entropy <= mean_len < entropy + 1


def test_hierarchical_softmax_gradients():
    tree = build_huffman(np.array([9, 7, 4, 4, 2, 1]))
    r = np.random.default_rng(2)
    e_c, Theta = r.normal(size=(3, 5)), r.normal(size=(3, 5))
    t = np.array([0, 5, 5, 2, 3])
    _, cache = hierarchical_softmax_forward(e_c, Theta, t, tree)
    de, dTheta = hierarchical_softmax_backward(cache)
    f = lambda _: hierarchical_softmax_forward(e_c, Theta, t, tree)[0]  # noqa: E731
    assert rel_error(de, numerical_gradient(f, e_c)) < 1e-7
    assert rel_error(dTheta, numerical_gradient(f, Theta)) < 1e-7


def test_full_softmax_gradients_and_torch():
    r = np.random.default_rng(3)
    e_c, Theta, t = r.normal(size=(4, 6)), r.normal(size=(4, 9)), r.integers(0, 9, 6)
    J, cache = softmax_forward(e_c, Theta, t)
    de, dTheta = softmax_backward(cache)
    f = lambda _: softmax_forward(e_c, Theta, t)[0]  # noqa: E731
    assert rel_error(de, numerical_gradient(f, e_c)) < 1e-7
    assert rel_error(dTheta, numerical_gradient(f, Theta)) < 1e-7
    ref = torch.nn.functional.cross_entropy(torch.tensor((Theta.T @ e_c).T), torch.tensor(t))
    assert abs(float(J) - ref.item()) < 1e-12


@pytest.mark.parametrize("n_ctx", [1, 3])
def test_nplm_gradients(n_ctx):
    r = np.random.default_rng(4)
    params = init_nplm_params(V=7, n_e=3, n_h=5, n_ctx=n_ctx, rng=r)
    ctx, tgt = r.integers(0, 7, size=(4, n_ctx)), r.integers(0, 7, size=4)
    ctx[1] = ctx[0]                                        # repeated words in the batch
    _, cache = nplm_forward(ctx, tgt, params)
    grads = nplm_backward(cache)
    res = check_grads(lambda: nplm_forward(ctx, tgt, params)[0], params, grads)
    assert max(res.errors.values()) < 1e-7, res.errors


def test_keep_probability_matches_gensim():
    from gensim.models import Word2Vec
    rng = np.random.default_rng(5)
    p = 1 / np.arange(1, 41)
    sents = [[f"w{i}" for i in rng.choice(40, 30, p=p / p.sum())] for _ in range(300)]
    model = Word2Vec(sents, min_count=1, sample=1e-2, vector_size=4, epochs=1, workers=1)
    words, counts = w2v.build_vocab(sents, 1)
    ours = w2v.keep_probability(counts, 1e-2)
    theirs = [model.wv.get_vecattr(w, "sample_int") / 2 ** 32 for w in words]
    np.testing.assert_allclose(ours, np.minimum(theirs, 1.0), atol=1e-9)
    assert ours[0] < 0.5 and ours[-1] == 1.0


def test_linear_lr():
    assert w2v.linear_lr(0.0) == 0.025 and abs(w2v.linear_lr(1.0) - 1e-4) < 1e-15
    assert abs(w2v.linear_lr(0.5, 1.0, 0.0) - 0.5) < 1e-15


@pytest.mark.parametrize(("lo", "hi", "c"), [(0, 21, 2), (40, 80, 3), (5, 30, 1)])
def test_vectorized_sgns_step_equals_pair_by_pair_sgd(lo, hi, c):
    """One minibatch of the fast kernel = the sum of the per-pair gradients (6-8) of (2)."""
    r = np.random.default_rng(lo)
    V, N, window, k, d, lr = 30, 80, 3, 3, 4, 0.5
    ids, sent = r.integers(0, V, N), np.sort(r.integers(0, 6, N))
    W_in, W_out = r.normal(size=(V, d)), r.normal(size=(V, d))
    b_all = r.integers(1, window + 1, N)
    cdf = np.cumsum(noise_distribution(np.arange(1, V + 1)))
    A_in, A_out = W_in.copy(), W_out.copy()
    w2v._sgns_batch(A_in, A_out, lo, hi, b_all, ids, sent, window, k, cdf, c, lr,
                    np.random.default_rng(7))
    rr = np.random.default_rng(7)
    n = hi - lo
    neg = np.minimum(np.searchsorted(cdf, rr.random(((n + (-n) % c) // c, k)) * cdf[-1],
                                     side="right"), V - 1)
    dI, dO = np.zeros_like(W_in), np.zeros_like(W_out)
    for i, p in enumerate(range(lo, hi)):
        for o in [*range(-b_all[p], 0), *range(1, b_all[p] + 1)]:
            q = p + o
            if not 0 <= q < N or sent[q] != sent[p]:
                continue
            negs = np.array([x for x in neg[i // c] if x != ids[p]], dtype=int)
            _, cache = negative_sampling_forward(W_in[ids[q]][:, None], W_out[ids[p]][:, None],
                                                 W_out[negs].T[:, None, :])
            de, dth, dthn = negative_sampling_backward(cache)
            dI[ids[q]] -= lr * de[:, 0]
            dO[ids[p]] -= lr * dth[:, 0]
            np.add.at(dO, negs, -lr * dthn[:, 0, :].T)
    assert np.abs(A_in - W_in - dI).max() < 1e-12
    assert np.abs(A_out - W_out - dO).max() < 1e-12


def _two_topics(n=400, seed=0):
    r = np.random.default_rng(seed)
    a, b = [f"a{i}" for i in range(8)], [f"b{i}" for i in range(8)]
    return [list(r.choice(a if r.random() < 0.5 else b, 12)) for _ in range(n)]


@pytest.mark.parametrize(("sg", "hs", "negative"), [(1, 0, 5), (0, 0, 5), (1, 1, 0), (0, 1, 0),
                                                    (1, 0, 0), (0, 0, 0)])
def test_every_variant_separates_two_topics(sg, hs, negative):
    res = w2v.train_word2vec(_two_topics(), vector_size=10, window=3, negative=negative, sg=sg,
                             hs=hs, min_count=1, epochs=3, batch_size=64, sample=0, alpha=0.05)
    V = res.vectors / np.linalg.norm(res.vectors, axis=1, keepdims=True)
    topic = np.array([w[0] for w in res.words])
    sims = V @ V.T
    same = sims[topic[:, None] == topic[None, :]].mean()
    other = sims[topic[:, None] != topic[None, :]].mean()
    assert same > other + 0.3, (same, other)
    assert res.E.shape == (10, 16) and res.vectors.dtype == np.float32


def test_training_is_seeded_and_calls_back():
    seen = []
    kw = dict(vector_size=5, window=2, min_count=1, epochs=2, batch_size=32, seed=3)
    r1 = w2v.train_word2vec(_two_topics(100), callback=lambda p, W: seen.append(p),
                            callback_every=2, **kw)
    r2 = w2v.train_word2vec(_two_topics(100), **kw)
    np.testing.assert_array_equal(r1.vectors, r2.vectors)
    assert seen[-1] == 1.0 and len(seen) > 3 and seen == sorted(seen)


def test_bad_arguments():
    with pytest.raises(ValueError, match="train_word2vec\\(window\\)"):
        w2v.train_word2vec(_two_topics(10), window=0)
    with pytest.raises(ValueError, match="train_word2vec\\(sg\\)"):
        w2v.train_word2vec(_two_topics(10), sg=2)
    with pytest.raises(ValueError, match="theta_neg"):
        negative_sampling_forward(np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((2, 4, 1)))
    with pytest.raises(ValueError, match="build_huffman"):
        build_huffman(np.array([3]))


def test_result_converts_to_keyed_vectors():
    res = w2v.train_word2vec(_two_topics(100), vector_size=6, window=2, min_count=1, epochs=1)
    kv = res.keyed_vectors()
    top = kv.most_similar("a0", topn=3)
    assert len(top) == 3 and all(w != "a0" for w, _ in top)
