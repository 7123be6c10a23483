# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 07 · Word representation: embeddings, cosine similarity, analogies
#
# *Sequence Models*, week 2: "Word Representation", "Using Word Embeddings", "Properties of
# Word Embeddings" and "Embedding Matrix". So far every word was a one-hot vector: a column of
# the identity, as far from "orange" as from "apple". A **word embedding** gives each word a
# dense vector of a few hundred learned features instead, and words used alike get vectors
# that point alike. In this notebook you
# 1. see why the embedding matrix is *looked up*, never multiplied by a one-hot vector;
# 2. write `cosine_similarity` and `complete_analogy`, the course's programming exercise, on
#    the course's own GloVe 6B 50d vectors;
# 3. ask analogies interactively, with the offsets drawn in 2-D;
# 4. measure the vectors on the Google analogy set and on WordSim353, with the same numbers
#    gensim gives.
#
# Run it top to bottom (**Run ▸ Run All Cells**); it takes about 15 seconds.

# %%
import numpy as np

from seqlab import backend, embeddings
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.about import peak_memory_mb
from seqlab.data.glove import gensim_test_file, load_glove
from seqlab.embeddings import KeyedVectors
from seqlab.embeddings.evaluation import analogy_predictions
from seqlab.exercises import check_complete_analogy, check_cosine_similarity, hint, progress
from seqlab.viz import show_source
from seqlab.viz.embeddings import analogy_explorer, analogy_figure, analogy_view

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(7)             # one seeded generator: Run All gives the same numbers every time

# %% [markdown]
# ## 1. One-hot vectors and the embedding matrix
# With a vocabulary of $V$ words, word $j$ as a one-hot vector $o_j \in \{0, 1\}^V$ has a single
# 1 in row $j$. Any two different words are orthogonal, so the model learns nothing about
# "orange juice" from "apple juice". An embedding matrix $E$ of shape $(n, V)$ holds one
# $n$-dimensional column per word, and
#
# $$e_j = E\, o_j \qquad (1)$$
#
# picks column $j$. Written as a product, (1) costs $2nV$ operations to read $n$ numbers, so
# libraries *look up* the column instead. The GloVe vectors we use store the rows
# $e_j^T$ (one row per word, the most frequent word first), that is $E^T$.
#
# We load the 50,000 most frequent words of GloVe 6B 50d (400,000 words in all; the top rows
# keep this notebook within Binder's memory).

# %%
words, vectors = load_glove(top=50_000)          # vectors (50000, 50) float32, row j = e_j
V, n = vectors.shape
print(f"{V} words x {n} dimensions; first words: {words[:8]}")
print("e_the[:5] =", vectors[0, :5])

# %%
j = words.index("orange")
E = vectors[:10_000].T                            # (n, V) = (50, 10000): the lecture's E
o_j = np.zeros(10_000, dtype=np.float32)          # the one-hot vector of 'orange'
o_j[j] = 1.0
e_by_product = E @ o_j                            # (1): 2 n V = 1,000,000 multiply-adds
e_by_lookup = E[:, j]                             # the lookup: 50 numbers copied
assert np.array_equal(e_by_product, e_by_lookup)
print(f"'orange' is word {j}; E @ o_j == E[:, j]: {np.array_equal(e_by_product, e_by_lookup)}")
print(f"the product costs {2 * E.shape[0] * E.shape[1]:,} operations for {E.shape[0]} numbers")

# %% [markdown]
# One-hot vectors carry no similarity at all; embeddings do:

# %%
apple, orange_, king = (words.index(w) for w in ("apple", "orange", "king"))
one_hot = np.eye(3)                               # apple, orange, king as one-hot vectors
print("one-hot: apple·orange =", one_hot[0] @ one_hot[1], " apple·king =", one_hot[0] @ one_hot[2])
sim_orange = embeddings.cosine_similarity(vectors[apple], vectors[orange_])
sim_king = embeddings.cosine_similarity(vectors[apple], vectors[king])
print(f"GloVe cos(apple, orange) = {sim_orange:.3f}, cos(apple, king) = {sim_king:.3f}")
assert sim_orange > sim_king

# %% [markdown]
# ## 2. Cosine similarity
# Two vectors are similar when they point the same way, whatever their lengths:
#
# $$\mathrm{sim}(u, v) = \frac{u^T v}{\|u\|_2\,\|v\|_2} = \cos\theta \qquad (2)$$
#
# with $\|u\|_2 = \sqrt{\sum_i u_i^2}$. It is 1 for the same direction, 0 for orthogonal
# vectors and −1 for opposite ones. (The squared Euclidean distance $\|u - v\|^2$ also works
# as a dissimilarity, but it mixes length and direction.)
#
# ### Exercise 1: `cosine_similarity`
# `u` and `v` have the same shape, e.g. $(50,)$. Return a float; when one of them is the zero
# vector it has no direction: return 0, as the course's version does.

# %%
def cosine_similarity(u, v):
    """sim(u, v) = uᵀv / (‖u‖₂ ‖v‖₂) (2); 0 when either vector is zero."""
    ### BEGIN SOLUTION
    dot = np.dot(u, v)                             # uᵀv
    norm_u = np.sqrt(np.sum(u * u))                # ‖u‖₂
    norm_v = np.sqrt(np.sum(v * v))                # ‖v‖₂
    if norm_u * norm_v == 0:
        return 0.0
    return dot / (norm_u * norm_v)                 # (2)
    ### END SOLUTION


# %%
check_cosine_similarity(cosine_similarity)

# %% [markdown]
# A classic slip, and what the check says about it: the dot product without the lengths.

# %%
def cosine_without_norms(u, v):
    return np.dot(u, v)


check_cosine_similarity(cosine_without_norms)

# %% [markdown]
# Stuck? `hint("cosine_similarity")` gives the next of three hints; `reveal(...)` shows the
# library's answer. From here on the notebook uses the library's
# `embeddings.cosine_similarity`, so it runs whether or not your exercise passes. Its three
# properties, and a few word pairs as in the course:

# %%
u = vectors[words.index("father")].astype(np.float64)
w = rng.normal(size=n)
orthogonal = w - (w @ u) / (u @ u) * u             # u's component removed from w
for name, v in [("u itself", u), ("3.5 u", 3.5 * u), ("orthogonal", orthogonal), ("-u", -u)]:
    s = embeddings.cosine_similarity(u, v)
    print(f"sim(u, {name:10s}) = {round(s, 6) + 0.0:+.6f}")   # + 0.0: no "-0.000000"
assert abs(embeddings.cosine_similarity(u, orthogonal)) < 1e-12

# %%
kv = KeyedVectors(words, vectors)                 # the lookup table with gensim's methods
wv = kv.word_to_vec_map                           # the course's word_to_vec_map (a view)
pairs = [("father", "mother"), ("ball", "crocodile"), ("france", "italy")]
for a, b in pairs:
    print(f"cos({a}, {b}) = {embeddings.cosine_similarity(wv[a], wv[b]):.4f}")
offsets = embeddings.cosine_similarity(wv["france"] - wv["paris"], wv["rome"] - wv["italy"])
print(f"cos(france - paris, rome - italy) = {offsets:.4f}")
assert offsets < -0.5

# %% [markdown]
# The last line compares two *offsets*: "country minus its capital" against "capital minus its
# country", and finds them nearly opposite. Offsets are what analogies are made of.
#
# ## 3. Analogies
# "man is to woman as king is to ?": if $e_{man} - e_{woman} \approx e_{king} - e_{queen}$,
# the answer is the word whose offset from $c$ best matches the offset from $a$ to $b$. The
# programming exercise scores every word $w$ by
#
# $$w^* = \arg\max_{w \notin \{a, b, c\}} \mathrm{sim}(e_b - e_a,\; e_w - e_c) \qquad (3)$$
#
# ### Exercise 2: `complete_analogy`
# Lower-case the three words (the vocabulary is lower-case), look up $e_a, e_b, e_c$ in
# `word_to_vec_map` (a dict word → vector), loop over every word except the three input words
# and keep the one with the largest score (3). Use your `cosine_similarity`.

# %%
def complete_analogy(word_a, word_b, word_c, word_to_vec_map):
    """a : b :: c : ? by (3); returns the best word, never one of the inputs."""
    ### BEGIN SOLUTION
    word_a, word_b, word_c = word_a.lower(), word_b.lower(), word_c.lower()
    e_a, e_b, e_c = (word_to_vec_map[w] for w in (word_a, word_b, word_c))
    max_cosine_sim, best_word = -100, None
    for w in word_to_vec_map:
        if w in (word_a, word_b, word_c):
            continue                                # never answer an input word
        sim = cosine_similarity(e_b - e_a, word_to_vec_map[w] - e_c)   # (3)
        if sim > max_cosine_sim:
            max_cosine_sim, best_word = sim, w
    return best_word
    ### END SOLUTION


# %%
check_complete_analogy(complete_analogy)

# %%
hint("complete_analogy")

# %% [markdown]
# The course's four questions, answered by the library's `embeddings.complete_analogy` (the
# same rule (3), vectorised: one matrix-vector product over all 50,000 words instead of a
# Python loop):

# %%
course_triads = [("italy", "italian", "spain"), ("india", "delhi", "japan"),
                 ("man", "woman", "boy"), ("small", "smaller", "large")]
answers = {t: embeddings.complete_analogy(*t, wv) for t in course_triads}
for (a, b, c), d in answers.items():
    print(f"{a} -> {b} :: {c} -> {d}")
assert answers[("man", "woman", "boy")] == "girl"

# %% [markdown]
# The lecture's slide writes the same idea as $\arg\max_w \mathrm{sim}(e_w, e_b - e_a + e_c)$,
# and word2vec and gensim first normalise $e_a, e_b, e_c$ to unit length ("3CosAdd"). That is
# `kv.most_similar(positive=[b, c], negative=[a])`, with gensim's names and results. The two
# rules do not always agree:

# %%
question = ("man", "woman", "king")
exercise_rule = embeddings.complete_analogy(*question, wv)
cos_add = kv.most_similar(positive=["woman", "king"], negative=["man"], topn=3)
print(f"rule (3):  man : woman :: king : {exercise_rule}")
print("3CosAdd:  ", [(word, round(s, 3)) for word, s in cos_add])
assert cos_add[0][0] == "queen"

# %% [markdown]
# ## 4. The analogy explorer
# Type $a$, $b$ and $c$ (press Enter after each); the slider sets how many answers are listed
# and drawn. The plot is the plane of the first two principal components of the unit vectors
# of the words involved (PCA, so straight lines stay straight): the blue arrow is $a \to b$,
# the red one $c \to$ the best answer. Where an analogy works, the arrows are nearly parallel
# and of similar length. Try `france : paris :: japan`, `walk : walked :: swim`,
# `good : better :: bad`, or one that fails.

# %%
# NBVAL_IGNORE_OUTPUT
explorer = analogy_explorer(kv, "man", "woman", "king", topn=5)
fig = explorer.figure
assert fig.data[2].text[0].startswith("queen")            # the best answer, labelled
assert len(fig.data[2].x) == 5 and len(fig.data[3].x) == 2  # 5 answers, the arrow a -> b
explorer.update(topn=8)
assert len(fig.data[2].x) == 8
explorer.update(topn=5)
assert max(explorer.timings) < 0.2, explorer.timings       # a slider move answers in < 200 ms
explorer

# %% [markdown]
# The same view without the widget, for one question (the figure a static page shows too):

# %%
# NBVAL_IGNORE_OUTPUT
view = analogy_view(kv, "france", "paris", "japan", topn=3)
print("france : paris :: japan :", [(word, round(s, 3)) for word, s in view.answers])
assert view.answers[0][0] == "tokyo" and view.Y.shape == (len(view.words), 2)
analogy_figure(view, height=380)

# %% [markdown]
# ## 5. How good are these vectors? Two standard measurements
# **Analogies.** The Google analogy set (Mikolov et al., 2013) has 19,544 questions "a b c d"
# in 14 sections, from capitals to plural verbs. As in gensim, we answer with 3CosAdd over the
# 30,000 most frequent words and skip the questions with a word outside them. The library
# answers a block of questions with one matrix product $(B, n)\times(n, R)$ instead of one
# product per question:

# %%
show_source(analogy_predictions)

# %%
score, sections = kv.evaluate_word_analogies(gensim_test_file("questions-words.txt"),
                                             restrict_vocab=30_000)
for s in sections:
    done = len(s["correct"]) + len(s["incorrect"])
    print(f"{s['section']:28s} {len(s['correct']):5d} / {done:5d}"
          + (f"  {100 * len(s['correct']) / done:5.1f}%" if done else ""))
print(f"overall accuracy: {100 * score:.2f}%")
acc = {s["section"]: len(s["correct"]) / (len(s["correct"]) + len(s["incorrect"]))
       for s in sections}
assert 0.45 < score < 0.55 and acc["capital-common-countries"] > 0.7
assert acc["gram6-nationality-adjective"] > 0.9 and acc["city-in-state"] < 0.2

# %% [markdown]
# GloVe 50d gets about half the covered questions right: the capitals and nationalities well,
# some grammatical sections and the US cities (city-in-state) much less.
# `tests/test_keyed_vectors.py` checks that these numbers, section by section, are exactly
# those of `gensim.models.KeyedVectors` on the same vectors.
#
# **Similarity judgements.** WordSim353 lists 353 word pairs with a human similarity score
# from 0 to 10. A good embedding ranks the pairs the way people do: we report the Spearman
# rank correlation between the cosine similarities and the human scores.

# %%
pearson, spearman, oov = kv.evaluate_word_pairs(gensim_test_file("wordsim353.tsv"))
print(f"WordSim353: Spearman {spearman.statistic:.4f} (p = {spearman.pvalue:.1e}), "
      f"Pearson {pearson.statistic:.4f}, pairs with an unknown word: {oov:.1f}%")
pearson_sl, spearman_sl, oov_sl = kv.evaluate_word_pairs(gensim_test_file("simlex999.txt"))
print(f"SimLex-999: Spearman {spearman_sl.statistic:.4f}, unknown: {oov_sl:.1f}%")
assert 0.5 < spearman.statistic < 0.55 and spearman_sl.statistic < spearman.statistic

# %% [markdown]
# SimLex-999 scores *similarity* only (cup and coffee are related, not similar), which
# co-occurrence vectors capture less well than relatedness: its correlation is clearly lower.
#
# Memory: the 50,000 words cost 10 MB of float32 vectors; the whole notebook stays far below
# Binder's 2 GB (the peak resident size of this kernel so far):

# %%
# NBVAL_IGNORE_OUTPUT
peak_mb = peak_memory_mb()
print(f"vectors: {vectors.nbytes / 2**20:.1f} MB; peak memory of this kernel: {peak_mb:.0f} MB")
assert vectors.nbytes < 11 * 2**20 and peak_mb < 1500

# %% [markdown]
# ## Summary
# - A one-hot vector only names a word; an embedding $e_j = E\,o_j$ describes it, and is
#   looked up (a column of $E$, a row of the stored $E^T$), never computed as a product.
# - Cosine similarity (2) compares directions: 1, 0 and −1 for the same, orthogonal and
#   opposite directions.
# - Analogies follow offsets: rule (3), or 3CosAdd as in word2vec and gensim
#   (`kv.most_similar(positive=[b, c], negative=[a])`); man : woman :: king : queen.
# - GloVe 50d answers about half of the covered Google analogy questions and reaches a
#   Spearman correlation of about 0.52 with the WordSim353 judgements.

# %%
print(progress())
