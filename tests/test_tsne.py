"""t-SNE and PCA (seqlab.embeddings.tsne) against scikit-learn, finite differences and the paper.

- eq. (1): every row of P_{j|i} has the requested perplexity; the joint P equals scikit-learn's;
- eq. (5): the gradient of KL(P || Q) equals central differences in float64;
- the optimisation: KL decreases after early exaggeration and ends near scikit-learn's;
- trustworthiness on GloVe words within 0.03 of scikit-learn's TSNE (the spread of reruns, see
  TRUST_TOL); seqlab's trustworthiness equals sklearn.manifold.trustworthiness; PCA equals
  sklearn's PCA (same sign convention);
- the shipped maps (tools/tsne_maps.py) hold the notebook's claims, and a rerun is as good.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.data.glove import load_glove
from seqlab.embeddings.tsne import (
    conditional_probabilities,
    joint_probabilities,
    kl_divergence_and_gradient,
    pca,
    pca_fit,
    sq_distances,
    trustworthiness,
    tsne,
)
from seqlab.gradcheck import numerical_gradient, rel_error

sklearn = pytest.importorskip("sklearn")
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.manifold import TSNE  # noqa: E402
from sklearn.manifold import trustworthiness as sk_trustworthiness  # noqa: E402


@pytest.fixture(scope="module")
def glove_words():
    """500 GloVe vectors (float64): words 200-699 by frequency, plain content words mostly."""
    _, E = load_glove(700, dtype=np.float64)
    return E[200:700]


@pytest.mark.parametrize("perplexity", [2.0, 5.0, 30.0, 100.0])
def test_each_row_of_p_has_the_requested_perplexity(glove_words, perplexity):
    P_cond, beta = conditional_probabilities(sq_distances(glove_words), perplexity)
    assert np.allclose(P_cond.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(np.diag(P_cond) == 0) and np.all(beta > 0)
    H = -(P_cond * np.log(np.where(P_cond > 0, P_cond, 1.0))).sum(axis=1)   # nats
    np.testing.assert_allclose(np.exp(H), perplexity, rtol=1e-5)


def test_joint_p_equals_scikit_learn(glove_words):
    from scipy.spatial.distance import squareform
    from sklearn.manifold._t_sne import _joint_probabilities

    X = glove_words[:200]
    P = joint_probabilities(X, 20.0)
    P_sk = squareform(_joint_probabilities(sq_distances(X), 20.0, 0))
    assert np.isclose(P.sum(), 1.0) and np.allclose(P, P.T, atol=0)
    # scikit-learn stops its bisection at |H - log u| < 1e-5 and computes in float32
    assert np.abs(P - P_sk).max() < 1e-3 * P.max()


@pytest.mark.parametrize("n_components", [1, 2, 3])
def test_kl_gradient_matches_finite_differences(n_components):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 5))
    P = joint_probabilities(X, 4.0)
    Y = rng.normal(size=(12, n_components))
    _, dY = kl_divergence_and_gradient(P, Y)
    num = numerical_gradient(lambda y: kl_divergence_and_gradient(P, y)[0], Y.copy(), h=1e-6)
    assert rel_error(dY, num) < 1e-7


def test_kl_decreases_and_ends_near_scikit_learns():
    from sklearn.datasets import load_digits

    X = load_digits().data[:300].astype(np.float64)
    seen = []
    res = tsne(X, perplexity=30.0, n_iter=600, callback=lambda it, Y: seen.append(it),
               log_every=25)
    assert seen == list(range(600))
    it, kl = res.kl_history.T
    after = kl[it > 250]
    assert np.all(np.diff(after) <= 1e-6), after
    assert after[-1] < 0.5 * kl[0]
    sk = TSNE(perplexity=30.0, method="exact", random_state=0, max_iter=600).fit(X)
    assert abs(res.kl_divergence - sk.kl_divergence_) < 0.05 * sk.kl_divergence_


# t-SNE is chaotic: a change in the last bit of the start or of one product (another CPU's
# BLAS kernels or SIMD loops) ends in another local optimum. Measured on the 500 words below:
# seqlab rerun from its PCA start perturbed by 1e-12 (rounding level), 8 times, gives
# trustworthiness 0.885-0.901 (range 0.016) and KL 0.940-1.008 (7 %); across the CPU matrix's
# four legs it gives 0.890-0.896, scikit-learn's default TSNE 0.904 on every leg, and
# scikit-learn's exact method from seqlab's start 0.885-0.897 with KL within 1.3-2.7 % of
# seqlab's. So the bounds are the rerun spread plus the largest offset measured, not digits.
TRUST_TOL = 0.03     # 0.016 rerun range + 0.014 largest offset from scikit-learn's (4 legs)
KL_RTOL = 0.10       # 7 % rerun range + 2.7 % largest offset measured


def test_trustworthiness_close_to_scikit_learn_tsne(glove_words):
    ours = tsne(glove_words, perplexity=30.0, random_state=0)
    theirs = TSNE(perplexity=30.0, random_state=0).fit_transform(glove_words)
    t_ours = sk_trustworthiness(glove_words, ours.Y, n_neighbors=10)
    t_sk = sk_trustworthiness(glove_words, theirs, n_neighbors=10)
    print(f"trustworthiness seqlab {t_ours:.4f}, scikit-learn {t_sk:.4f}")
    assert abs(t_ours - t_sk) < TRUST_TOL
    # the same algorithm: scikit-learn's exact method from seqlab's start (PCA, std 1e-4)
    Y0 = pca(glove_words)
    Y0 = Y0 / Y0[:, 0].std() * 1e-4
    same = TSNE(perplexity=30.0, method="exact", init=Y0.copy()).fit(glove_words)
    assert abs(sk_trustworthiness(glove_words, same.embedding_, n_neighbors=10) - t_ours) \
        < TRUST_TOL
    assert abs(ours.kl_divergence - same.kl_divergence_) < KL_RTOL * same.kl_divergence_
    assert t_ours > sk_trustworthiness(glove_words, pca(glove_words), n_neighbors=10) + 0.05


@pytest.mark.parametrize("k", [1, 5, 12])
def test_trustworthiness_equals_scikit_learns(glove_words, k):
    Y = pca(glove_words, 2)
    assert abs(trustworthiness(glove_words, Y, k) - sk_trustworthiness(glove_words, Y,
                                                                       n_neighbors=k)) < 1e-12
    assert trustworthiness(glove_words, glove_words, k) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("n_components", [1, 2, 5])
def test_pca_equals_scikit_learn(glove_words, n_components):
    ours = pca_fit(glove_words, n_components)
    sk = PCA(n_components=n_components, svd_solver="full").fit(glove_words)
    signs = np.sign((ours.components * sk.components_).sum(axis=1))
    np.testing.assert_allclose(ours.components, sk.components_ * signs[:, None], atol=1e-10)
    np.testing.assert_allclose(ours.Y, sk.transform(glove_words) * signs, atol=1e-10)
    np.testing.assert_allclose(ours.explained_variance_ratio, sk.explained_variance_ratio_,
                               rtol=1e-10)
    top = np.abs(ours.components).argmax(axis=1)
    assert np.all(ours.components[np.arange(n_components), top] > 0)   # the sign convention
    np.testing.assert_allclose(ours.components @ ours.components.T, np.eye(n_components),
                               atol=1e-12)


def test_bad_inputs_raise_naming_the_argument(glove_words):
    with pytest.raises(ValueError, match=r"tsne\(perplexity\)"):
        tsne(glove_words[:20], perplexity=30.0)
    with pytest.raises(ValueError, match=r"tsne\(X\)"):
        tsne(glove_words[0])
    with pytest.raises(ValueError, match=r"tsne\(n_iter\)"):
        tsne(glove_words[:50], perplexity=5.0, n_iter=100)
    with pytest.raises(ValueError, match=r"tsne\(learning_rate\)"):
        tsne(glove_words[:50], perplexity=5.0, learning_rate=-1.0)
    with pytest.raises(ValueError, match=r"tsne\(init\)"):
        tsne(glove_words[:50], perplexity=5.0, init=np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"pca\(n_components\)"):
        pca(glove_words[:10], 11)
    with pytest.raises(ValueError, match=r"trustworthiness\(n_neighbors\)"):
        trustworthiness(glove_words[:10], glove_words[:10, :2], 5)


def test_random_init_is_seeded(glove_words):
    X = glove_words[:60]
    a = tsne(X, perplexity=10.0, n_iter=300, init="random", random_state=1).Y
    b = tsne(X, perplexity=10.0, n_iter=300, init="random", random_state=1).Y
    c = tsne(X, perplexity=10.0, n_iter=300, init="random", random_state=2).Y
    assert np.array_equal(a, b) and not np.allclose(a, c)


def test_shipped_maps_support_the_notebook_claims_and_rerun_alike():
    """The shipped maps (tools/tsne_maps.py) hold what notebook 10 says, and t-SNE rerun here
    gives a map as trustworthy. Not the same coordinates: those differ between CPU paths (see
    TRUST_TOL); the rerun perplexity-30 map was 0.9717-0.9768 trustworthy across the matrix's
    legs against the shipped 0.9768, every perplexity within 0.0096 of the shipped map's."""
    from seqlab.viz.embedding_maps import load_tsne_maps

    maps = load_tsne_maps()
    words, E = load_glove(100_000, dtype=np.float64)
    index = {w: i for i, w in enumerate(words)}
    X = E[[index[w] for w in maps["words"]]]
    k = list(maps["perplexity"]).index(30.0)
    Y = tsne(X, perplexity=30.0, n_iter=maps["meta"]["n_iter"]).Y
    assert abs(trustworthiness(X, Y, 10) - maps["trustworthiness"][k]) < TRUST_TOL
    assert trustworthiness(X, Y, 10) > maps["pca_trustworthiness"] + 0.05
    # from the stored map, the stored number: k-NN ranks in float64 from float32 coordinates
    assert trustworthiness(X, maps["Y"][k], 10) == pytest.approx(maps["trustworthiness"][k],
                                                                 abs=1e-6)
    np.testing.assert_allclose(maps["pca"], pca(X), atol=1e-5)   # PCA: no iteration, no chaos
    # notebook 10: every t-SNE map from perplexity 5 on is more trustworthy than PCA
    assert np.all(maps["trustworthiness"][maps["perplexity"] >= 5]
                  > maps["pca_trustworthiness"] + 0.05)


def test_tsne_explorer_slider_and_picker_change_the_figure_fast():
    import time

    from seqlab.viz.embedding_maps import load_tsne_maps, tsne_explorer

    maps = load_tsne_maps()
    box = tsne_explorer(maps, perplexity=30.0)
    x30 = np.array(box.figure.data[0].x)
    start = time.perf_counter()
    box.update(k=0)
    ms = 1000 * (time.perf_counter() - start)
    assert ms < 200, ms
    np.testing.assert_allclose(box.figure.data[0].x, maps["Y"][0][maps["group"] == 0, 0])
    assert not np.allclose(box.figure.data[0].x, x30)
    assert "perplexity 2" in box.figure.layout.annotations[0].text
    box.update(highlight="numbers")
    numbers = maps["groups"].index("numbers")
    assert box.figure.data[numbers].marker.opacity == 1.0
    assert box.figure.data[0].marker.opacity < 0.5
