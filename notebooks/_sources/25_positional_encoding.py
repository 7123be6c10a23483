# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 25 · Positional encoding
#
# *Sequence Models*, week 4: "Transformer Network". Self-attention has no idea of order:
# shuffle the words and every output is shuffled the same way, nothing else changes. An RNN
# knew the order because it read one word after the other; the Transformer must be **told**
# where each word is. It adds to each embedding a vector that depends only on the position.
# In this notebook you
# 1. check that attention is blind to order;
# 2. write `get_angles` and `positional_encoding` as the course defines them;
# 3. explore the encoding with a position slider, and see why a shift by k positions is a
#    fixed linear map, so relative positions are easy for attention to read.
#
# Run it top to bottom (**Run ▸ Run All Cells**); it takes a few seconds.

# %%
import numpy as np

from seqlab import backend
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.exercises import check_get_angles, check_positional_encoding, hint, reveal
from seqlab.transformer import positional as library   # the library's positional module
from seqlab.transformer import scaled_dot_product_attention
from seqlab.viz.source import show_source
from seqlab.viz.transformer import positional_encoding_explorer, position_similarity

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(25)            # one seeded generator: Run All gives the same numbers every time

# %% [markdown]
# ## 1. Attention is blind to order
# Permute the rows of X (the words) and self-attention's output is the same rows, permuted
# the same way: "dog bites man" and "man bites dog" give the same set of vectors.

# %%
X = rng.standard_normal((6, 8))                               # 6 words, d_model = 8
perm = rng.permutation(6)
out, _, _ = scaled_dot_product_attention(X, X, X)
out_perm, _, _ = scaled_dot_product_attention(X[perm], X[perm], X[perm])
print("attention(X[perm]) == attention(X)[perm]:", np.allclose(out_perm, out[perm]))

# %% [markdown]
# ## 2. Sines and cosines of many wavelengths
# Position $pos$ gets a $d$-vector. Entries $2i$ and $2i+1$ share one angle, and the
# frequencies fall geometrically from 1 to $1/10000$:
#
# $$\theta(pos, k) = \frac{pos}{10000^{2i/d}}, \quad i = \lfloor k/2 \rfloor \quad (1) \qquad
# PE_{(pos, 2i)} = \sin\theta \quad (2) \qquad PE_{(pos, 2i+1)} = \cos\theta \quad (3)$$
#
# The first pair turns by one radian per position (a fast clock hand), the last ones barely
# move (slow hands): together, like the hands of a clock, they give every position a unique
# pattern, with values in $[-1, 1]$ whatever the length.
#
# ### Exercise 1: `get_angles(pos, k, d)`
# `pos` is a column `(positions, 1)`, `k` a row `(1, d)`; return the `(positions, d)` table of
# angles (1) by broadcasting.

# %%
def get_angles(pos, k, d):
    """θ(pos, k) = pos / 10000^(2⌊k/2⌋/d), shape (positions, d)."""
    ### BEGIN SOLUTION
    i = k // 2                                       # columns 2i and 2i+1 share ω_i
    return pos / np.power(10000, (2 * i) / np.float64(d))
    ### END SOLUTION


# %%
check_get_angles(get_angles)

# %% [markdown]
# A slip the check recognises: `k / 2` instead of `k // 2`.

# %%
check_get_angles(lambda pos, k, d: pos / np.power(10000, 2 * (k / 2) / d))

# %% [markdown]
# ### Exercise 2: `positional_encoding(positions, d)`
# Return the course's `(1, positions, d)` array: the angles of every position and feature,
# sine in the even columns, cosine in the odd ones, and a batch axis of 1 in front. Use your
# `get_angles`.

# %%
def positional_encoding(positions, d):
    """PE of (2)-(3), shape (1, positions, d)."""
    ### BEGIN SOLUTION
    angles = get_angles(np.arange(positions)[:, np.newaxis], np.arange(d)[np.newaxis, :], d)
    angles[:, 0::2] = np.sin(angles[:, 0::2])       # (2) even columns
    angles[:, 1::2] = np.cos(angles[:, 1::2])       # (3) odd columns
    return angles[np.newaxis, ...]
    ### END SOLUTION


# %%
check_positional_encoding(positional_encoding)

# %% [markdown]
# `hint("positional_encoding")` gives the next of three hints; `reveal(...)` shows the
# library's answer. From here on the notebook uses the library's `library.positional_encoding`.
# The course's own test, on the library: $\sin^2 + \cos^2 = 1$ for every pair.

# %%
pe = library.positional_encoding(50, 64)[0]                 # (positions, d_model)
print("shape", library.positional_encoding(50, 64).shape, "| all values in [-1, 1]:",
      bool(np.all(np.abs(pe) <= 1)), "| sin² + cos² = 1 for every pair:",
      np.allclose(pe[:, 0::2] ** 2 + pe[:, 1::2] ** 2, 1))

# %%
show_source(library.positional_encoding)

# %% [markdown]
# ## 3. The explorer
# Left: the encoding matrix, one row per position (the slider marks position $p$); the left
# columns oscillate fast, the right ones slowly. Right: the dot product $PE(p) \cdot PE(q)$ of
# position $p$ with every position $q$. It peaks at $q = p$ and falls off symmetrically: the
# similarity of two positions depends on their **distance**, not on where they are. Move the
# slider: the curve slides along without changing shape.

# %%
# NBVAL_IGNORE_OUTPUT
explorer = positional_encoding_explorer(positions=50, d_model=64, position=10)
explorer.update(position=25)
sim = np.asarray(explorer.figure.data[2].y)
assert int(np.argmax(sim)) == 25 and np.allclose(sim[25 - 5], sim[25 + 5], atol=1e-3)
explorer

# %% [markdown]
# Measured: the dot product of two positions k apart is the same wherever they are.

# %%
for k in (1, 5, 20):
    dots = [float(pe[p] @ pe[p + k]) for p in range(50 - k)]
    print(f"k = {k:2d}: PE(p)·PE(p+k) ranges over [{min(dots):.6f}, {max(dots):.6f}] "
          f"for p = 0..{49 - k}")
    assert max(dots) - min(dots) < 1e-9
print("PE(p)·PE(p) =", round(float(pe[3] @ pe[3]), 9), "= d_model / 2 for every p")

# %% [markdown]
# ## 4. Why relative positions are easy: PE(p + k) is a linear function of PE(p)
# Each pair $(\sin \omega_i p, \cos \omega_i p)$ is a point on a circle turning at speed
# $\omega_i$. Moving k positions forward turns it by the angle $\omega_i k$, whatever $p$:
#
# $$\begin{pmatrix} \sin \omega_i (p+k) \\ \cos \omega_i (p+k) \end{pmatrix} =
# \begin{pmatrix} \cos\omega_i k & \sin\omega_i k \\ -\sin\omega_i k & \cos\omega_i k
# \end{pmatrix}
# \begin{pmatrix} \sin \omega_i p \\ \cos \omega_i p \end{pmatrix} \quad (4)$$
#
# So $PE(p+k) = M_k\, PE(p)$ with one block-diagonal matrix $M_k$ for **all** positions. A
# query projection $W_Q$ can learn $M_k$ and make "the word k places back" match as a key:
# attending by relative position is one linear map away. Numerically:

# %%
for k in (1, 3, 10):
    M = library.relative_shift_matrix(k, 64)                 # (d_model, d_model)
    err = np.abs(pe[:50 - k] @ M.T - pe[k:]).max()            # PE(p) Mᵀ vs PE(p + k), all p
    print(f"k = {k:2d}: max |M_k PE(p) - PE(p+k)| over every p below 1e-12: {err < 1e-12}")
    assert err < 1e-12
# and M_k is found from the data alone, by least squares on positions 0..29:
A, B = pe[:30], pe[3:33]                                      # PE(p), PE(p+3)
M_fit = np.linalg.lstsq(A, B, rcond=None)[0].T
fit_err = np.abs(pe[30:47] @ M_fit.T - pe[33:50]).max()
print("the map fitted on positions 0..29 predicts positions 30..46 shifted by 3 to within 0.01:",
      bool(fit_err < 0.01))
assert fit_err < 0.01

# %%
show_source(library.relative_shift_matrix)

# %% [markdown]
# ## Summary
# - Attention alone is permutation-equivariant; the positional encoding adds the order.
# - $PE_{(pos, 2i)} = \sin(pos/10000^{2i/d})$, $PE_{(pos, 2i+1)} = \cos(\cdot)$: bounded,
#   unique per position, defined for any length.
# - $PE(p)\cdot PE(p+k)$ depends on k only, and $PE(p+k) = M_k PE(p)$: relative positions are
#   a linear map away, which attention's projections can learn.
