# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 10 · t-SNE: a map of word space
#
# *Sequence Models*, week 2: "Word Representation". Word vectors live in 50 (GloVe 6B 50d) or
# 300 dimensions. To *look* at them, the lecture maps them to a 2-D page with **t-SNE**, "a very
# non-linear mapping": words that are neighbours in 50-D should stay neighbours on the page.
# In this notebook you
# 1. read how t-SNE turns distances into probabilities and what **perplexity** means, and
#    write it for one word (exercise 1);
# 2. write t-SNE's gradient (exercise 2), then run seqlab's t-SNE live on a few words and
#    watch its loss fall;
# 3. explore a precomputed map of 205 words with a perplexity slider, beside PCA, the linear
#    map, and measure which keeps neighbours better.
#
# Run it top to bottom (**Run ▸ Run All Cells**); it takes a few seconds.

# %%
import numpy as np
from tqdm.auto import tqdm

from seqlab import backend
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.data.glove import load_glove
from seqlab.embeddings.tsne import (
    conditional_probabilities,
    joint_probabilities,
    kl_divergence,
    kl_divergence_and_gradient,
    pca_fit,
    sq_distances,
    trustworthiness,
    tsne,
)
from seqlab.exercises import check_conditional_row, check_tsne_gradient, hint, progress
from seqlab.viz.embedding_maps import load_tsne_maps, tsne_explorer, tsne_figure
from seqlab.viz.source import show_source

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(10)    # one seeded generator: Run All gives the same numbers every time

# %% [markdown]
# ## 1. From distances to probabilities
# For each word $i$, t-SNE puts a Gaussian around $x_i$ and turns distances into the
# probability that $i$ would pick $j$ as its neighbour:
#
# $$p_{j|i} = \frac{\exp(-\beta_i \|x_i - x_j\|^2)}{\sum_{k \ne i} \exp(-\beta_i \|x_i - x_k\|^2)}
# \quad (1) \qquad 2^{H(P_i)} = \text{perplexity}, \quad H(P_i) = -\sum_j p_{j|i} \log_2 p_{j|i}
# \quad (2)$$
#
# The width $\beta_i = 1/2\sigma_i^2$ is found **per word** by bisection so that every word has
# the same *perplexity*: the effective number of neighbours it attends to. A word in a dense
# region gets a narrow Gaussian, a word in a sparse region a wide one. The two directions are
# averaged into one symmetric table $p_{ij} = (p_{j|i} + p_{i|j}) / 2N$.
#
# On the page, t-SNE uses a heavy-tailed Student-t kernel instead, and moves the points $y_i$
# to make the two tables agree, by gradient descent on their KL divergence:
#
# $$q_{ij} = \frac{(1 + \|y_i - y_j\|^2)^{-1}}{\sum_{k \ne l} (1 + \|y_k - y_l\|^2)^{-1}}
# \quad (3) \qquad C = \sum_{i \ne j} p_{ij} \log \frac{p_{ij}}{q_{ij}} \quad (4) \qquad
# \frac{\partial C}{\partial y_i} = 4 \sum_j (p_{ij} - q_{ij})(y_i - y_j)(1 + \|y_i - y_j\|^2)^{-1}
# \quad (5)$$
#
# The heavy tail lets moderately far words sit far apart on the page, so clusters separate
# (the "crowding problem" of the paper).
#
# ### Exercise 1: `conditional_row`
# One row of (1)-(2): `d` is the $(N,)$ vector of squared distances $\|x_i - x_j\|^2$ from
# point $i$ to every point ($d_i = 0$), `beta` is $\beta_i$, `i` the point's own index.
# Return `p`, the $(N,)$ vector of $p_{j|i}$ with $p_{i|i} = 0$ (a point is not its own
# neighbour), and `perplexity` $= 2^{H(P_i)}$, a float, with $H$ in **bits**
# ($0 \log 0 = 0$).

# %%
def conditional_row(d, beta, i):
    """p_{j|i} of eq. (1) for one point i at precision beta, and its perplexity 2^H (2)."""
    ### BEGIN SOLUTION
    e = np.exp(-beta * d)                 # Gaussian numerators, (N,)
    e[i] = 0.0                            # j = i is not a neighbour
    p = e / e.sum()                       # (1)
    nz = p[p > 0]                         # 0 log 0 = 0
    H = -np.sum(nz * np.log2(nz))         # (2) entropy in bits
    return p, 2.0 ** H
    ### END SOLUTION


# %%
check_conditional_row(conditional_row)

# %% [markdown]
# Stuck? `hint("conditional_row")` gives the next of three hints; `reveal("conditional_row")`
# would show the answer. A check of your own: $\beta = 0$ makes every other point equally
# likely, so the perplexity must be exactly $N - 1$.

# %%
hint("conditional_row")

# %% [markdown]
# The library computes every row at once and finds each $\beta_i$ by bisection: the entropy
# falls as $\beta$ grows, so it doubles $\beta$ until the entropy is below the target, then
# halves the interval until $H(P_i) = \log(\text{perplexity})$ (in nats there, which is the
# same condition):

# %%
show_source(conditional_probabilities)

# %% [markdown]
# **What perplexity does**, measured: the neighbours that carry 90% of the probability
# $p_{j|i}$ of the word *paris*, at a small and at a large perplexity, among the 205 words of
# the map below.

# %%
maps = load_tsne_maps()
words_all, vectors = load_glove(100_000, dtype=np.float64)
index = {w: i for i, w in enumerate(words_all)}
X = vectors[[index[w] for w in maps["words"]]]          # (205, 50) the words of the map
D = sq_distances(X)
i = maps["words"].index("paris")
mass = {}
for perp in (3.0, 50.0):
    P_cond, beta = conditional_probabilities(D, perp)
    order = np.argsort(-P_cond[i])
    n90 = int(np.searchsorted(np.cumsum(P_cond[i, order]), 0.9)) + 1
    mass[perp] = n90
    p = P_cond[i][P_cond[i] > 0]
    nearest = [maps["words"][j] for j in order[:min(n90, 12)]]
    print(f"perplexity {perp:4g}: 2^H = {np.exp(-(p * np.log(p)).sum()):.3f}; 90% of "
          f"p(.|paris) on {n90} words: {nearest}")
assert mass[3.0] < mass[50.0]

# %% [markdown]
# ## 2. The gradient, and t-SNE live
# t-SNE moves the points $y_i$ down the gradient (5) of the KL divergence (4). With
# $W_{ij} = (1 + \|y_i - y_j\|^2)^{-1}$ (zero diagonal), $q_{ij} = W_{ij} / \sum_{k \ne l}
# W_{kl}$ and the gradient is $4 \sum_j (p_{ij} - q_{ij}) W_{ij} (y_i - y_j)$: pairs with
# $p_{ij} > q_{ij}$ (closer in 50-D than on the page) pull $y_i$ towards $y_j$, the others push
# it away.
#
# ### Exercise 2: `tsne_gradient`
# `P` is the joint $(N, N)$ table $p_{ij}$ (symmetric, zero diagonal, sums to 1), `Y` the
# $(N, d)$ map. Compute $Q$ from `Y` with (3), then return `dY` $= \partial C / \partial Y$,
# $(N, d)$, row $i$ by (5). Do not change `P` or `Y` in place.

# %%
def tsne_gradient(P, Y):
    """dC/dY (N, d) of eq. (5), with q_ij from eq. (3)."""
    ### BEGIN SOLUTION
    diff = Y[:, None, :] - Y[None, :, :]              # (N, N, d) y_i - y_j
    W = 1.0 / (1.0 + (diff ** 2).sum(axis=2))         # (N, N) Student-t kernel
    np.fill_diagonal(W, 0.0)                          # k != l
    Q = W / W.sum()                                   # (3)
    return 4.0 * (((P - Q) * W)[:, :, None] * diff).sum(axis=1)   # (5)
    ### END SOLUTION


# %%
check_tsne_gradient(tsne_gradient)

# %%
hint("tsne_gradient")

# %% [markdown]
# The library's gradient, `kl_divergence_and_gradient`, against central differences of the
# KL divergence (4) itself, on 20 of the map's words and a random page:

# %%
P20 = joint_probabilities(X[:20], perplexity=5.0)
Y20 = rng.normal(size=(20, 2))
_, grad = kl_divergence_and_gradient(P20, Y20)
h, numeric = 1e-6, np.zeros_like(Y20)
for idx in np.ndindex(Y20.shape):
    step = np.zeros_like(Y20)
    step[idx] = h
    numeric[idx] = (kl_divergence(P20, Y20 + step) - kl_divergence(P20, Y20 - step)) / (2 * h)
err = np.abs(numeric - grad).max() / np.abs(grad).max()
assert err < 1e-6
print(f"{grad.size} partial derivatives: largest difference / largest gradient entry < 1e-6")

# %% [markdown]
# seqlab's `tsne` follows the paper and van der Maaten's reference code: exact gradient (5),
# early exaggeration (for 250 iterations $P$ is multiplied by 12, which pulls clusters
# together first), momentum 0.5 then 0.8, and per-coordinate adaptive gains. A `callback`
# sees every iteration; here it drives a progress bar, for the words of three groups. The KL
# divergence falls during the exaggerated phase and again after it; where it ends depends on
# your CPU: t-SNE is chaotic, each floating-point path rounds the last bit its own way, and
# the map settles in another local optimum (on the paths seqlab is tested on: 2.00-2.19 at
# iteration 275, 0.26-0.74 at the end). The cell checks that it falls.

# %%
show_source(tsne)

# %%
# NBVAL_IGNORE_OUTPUT
small = np.flatnonzero(np.isin(maps["group"], [0, 1, 3]))[::2]   # countries, capitals, numbers
bar = tqdm(total=600, desc="t-SNE", mininterval=0.5)
run = tsne(X[small], perplexity=10.0, n_iter=600, callback=lambda it, Y: bar.update(1),
           log_every=25)
bar.close()
kl = run.kl_history
print(f"{len(small)} words: KL(P||Q) {kl[0, 1]:.2f} at iteration {kl[0, 0]:.0f} (exaggerated "
      f"phase), {kl[kl[:, 0] == 275, 1][0]:.3f} at 275, {run.kl_divergence:.3f} at the end")
assert run.kl_divergence < kl[kl[:, 0] == 275, 1][0] < kl[0, 1]

# %%
# NBVAL_IGNORE_OUTPUT
fig = tsne_figure(run.Y, [maps["words"][j] for j in small], maps["group"][small],
                  maps["groups"], title=f"a live t-SNE of {len(small)} words (hover for the word)")
assert len(fig.data) == len(maps["groups"]) and sum(len(t.x) for t in fig.data) == len(small)
fig

# %% [markdown]
# ## 3. The explorer: perplexity, groups, and PCA beside it
# `tools/tsne_maps.py` ran t-SNE on 205 words of six groups (countries, capitals, professions,
# numbers, animals, foods) at seven perplexities (about 15 s), so the slider below switches
# maps instantly. Hover a point to see its word; pick a group to highlight. Things to look
# for: at perplexity 2 each word only sees one or two neighbours and the map shatters into
# tiny islands; from 10 to 50 the groups form, countries sit next to their capitals; the
# distances *between* clusters mean little at any perplexity.
#
# On the right, **PCA**: the plane of largest variance, a linear projection. It is exact about
# what it shows, but 2 of 50 dimensions hold only part of the variance, so groups overlap.

# %%
# NBVAL_IGNORE_OUTPUT
explorer = tsne_explorer(maps, perplexity=30.0)
assert len(explorer.figure.data) == 2 * len(maps["groups"])
assert np.allclose(explorer.figure.data[0].x, maps["Y"][4][maps["group"] == 0, 0])
explorer

# %% [markdown]
# **Which map keeps neighbours?** *Trustworthiness* (Venna & Kaski) asks, for each word, whether
# its 10 nearest neighbours on the page are also near it in 50-D (1.0: all are). The numbers
# come with the maps; the PCA one is recomputed here.

# %%
t_pca = trustworthiness(X, pca_fit(X, 2).Y, 10)
for perp, t, kl_end in zip(maps["perplexity"], maps["trustworthiness"], maps["kl"],
                           strict=True):
    print(f"t-SNE, perplexity {perp:4g}: trustworthiness {t:.3f}   (final KL {kl_end:.3f})")
print(f"PCA (2 of 50 dimensions, {100 * maps['pca_explained'].sum():.0f}% of the variance): "
      f"trustworthiness {t_pca:.3f}")
assert abs(t_pca - float(maps["pca_trustworthiness"])) < 1e-6
assert np.all(maps["trustworthiness"][maps["perplexity"] >= 5] > t_pca + 0.05)

# %% [markdown]
# Every t-SNE map from perplexity 5 on keeps neighbours much better than PCA; the best is
# around 30, the usual default. That is what t-SNE is for: *local* structure. Read it with
# care: cluster sizes and the distances between clusters are not meaningful, and a different
# seed or perplexity can move whole clusters around. So can another CPU: t-SNE is chaotic, and
# a different last bit in one product ends in a different local optimum (rerun from starts
# that differ by 1e-12, the trustworthiness of a 500-word map spreads over 0.885-0.901). Also,
# `tests/test_tsne.py` checks that seqlab's t-SNE matches scikit-learn's on the same data
# (trustworthiness within 0.03, KL within 10%: that spread plus the largest offset measured),
# and `benchmarks/bench_tsne.py` times the two side by side.

# %%
print(progress())
