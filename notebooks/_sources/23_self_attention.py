# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 23 · Self-attention and scaled dot-product attention
#
# *Sequence Models*, week 4: "Transformer Network Intuition" and "Self-Attention". Week 3's
# attention let a decoder look back at every encoder state, but both sides were still RNNs:
# step t waits for step t-1. The Transformer drops the recurrence. Every word of a sentence
# builds its new representation by **attending to every word of the same sentence at once**:
# one matrix product for all positions, so training runs in parallel over the sequence. In this
# notebook you
# 1. meet the Transformer's data layout, rows `(m, T, d_model)` instead of the RNN family's
#    columns `(n_x, m, T_x)`;
# 2. write `scaled_dot_product_attention`, the heart of every Transformer layer;
# 3. see why the scores are divided by $\sqrt{d_k}$, and what a mask does.
#
# Run it top to bottom (**Run ▸ Run All Cells**); it takes a few seconds.

# %%
import numpy as np

from seqlab import backend
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.exercises import check_scaled_dot_product_attention, hint, reveal
from seqlab.gradcheck import numerical_gradient_array, relative_difference
from seqlab.transformer import look_ahead_mask
from seqlab.transformer import attention as library   # the library's attention module
from seqlab.viz.source import show_source
from seqlab.viz.transformer import attention_heatmap

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(23)            # one seeded generator: Run All gives the same numbers every time

# %% [markdown]
# ## 1. From columns to rows
# Weeks 1-3 stacked one example per **column**, as the lecture writes
# $a^{\langle t \rangle} = \tanh(W_{aa} a^{\langle t-1 \rangle} + W_{ax} x^{\langle t \rangle} + b_a)$:
# a sequence is an array `(n_x, m, T_x)` and a weight multiplies from the left. The Transformer
# lecture (and every Transformer library) puts one **token per row**: a batch is
# `(m, T, d_model)`, m examples of T tokens, each a $d_{model}$-vector, and a weight multiplies
# from the right, $Q = X W_Q$. Nothing about the maths changes: $(W x)^\top = x^\top W^\top$.
# Rows win here because attention compares *tokens with tokens*: $Q K^\top$ is then a plain
# `(T, d) @ (d, T)` product per example, and the leading axes (examples, heads) broadcast.
#
# | | RNN family (weeks 1-3) | Transformer (week 4) |
# |---|---|---|
# | a batch of sequences | `x` $(n_x, m, T_x)$ | `X` $(m, T, d_{model})$ |
# | a dense layer | `W @ x + b`, `W` $(n_a, n_x)$, `b` $(n_a, 1)$ | `X @ W + b`, `W` $(d_{in}, d_{out})$, `b` $(d_{out},)$ |
# | softmax over classes | `axis=0` | `axis=-1` |
#
# The same numbers in both layouts, and the same dense layer in both:

# %%
n_x, m, T_x = 4, 2, 3
x_columns = rng.standard_normal((n_x, m, T_x))        # the RNN family's layout
X_rows = x_columns.transpose(1, 2, 0)                  # (m, T_x, n_x): token (i, t) is a row
W = rng.standard_normal((5, n_x))                      # a column-layout weight (n_out, n_x)
dense_columns = np.einsum("on,nmt->omt", W, x_columns)  # W x at every (example, step)
dense_rows = X_rows @ W.T                              # X Wᵀ: the row layout's weight is Wᵀ
print("columns:", x_columns.shape, "-> rows:", X_rows.shape)
print("same dense layer in both layouts:",
      np.allclose(dense_columns.transpose(1, 2, 0), dense_rows))

# %% [markdown]
# ## 2. Scaled dot-product attention
# Each token's vector is turned into three: a **query** $q$ ("what am I looking for?"), a
# **key** $k$ ("what do I contain?") and a **value** $v$ ("what do I pass on?"). Query $t$
# scores every key by a dot product, a softmax turns the scores into weights that sum to 1,
# and the output is the weighted average of the values:
#
# $$e = \frac{Q K^\top}{\sqrt{d_k}} \quad (1) \qquad
# \alpha_{t, t'} = \frac{\mathrm{mask}_{t,t'}\, \exp e_{t,t'}}{\sum_s \mathrm{mask}_{t,s} \exp e_{t,s}} \quad (2)
# \qquad \mathrm{Attention}(Q, K, V) = \alpha V \quad (3)$$
#
# Shapes: `Q` $(\dots, T_q, d_k)$, `K` $(\dots, T_k, d_k)$, `V` $(\dots, T_k, d_v)$, the
# weights $\alpha$ $(\dots, T_q, T_k)$ (row $t$: how much query $t$ takes from each key), the
# output $(\dots, T_q, d_v)$. The `...` axes (examples, later heads) just ride along. Week 3's
# $\alpha^{\langle t, t' \rangle}$ came from a small network on $[s^{\langle t-1 \rangle},
# a^{\langle t' \rangle}]$; here the score is a dot product, so all $T_q \times T_k$ of them
# are one matrix product.
#
# The **mask** is boolean, `True` where query $t$ may attend to key $t'$. Masked keys get
# weight 0: the course does it by adding $-10^9$ to their scores before the softmax,
# `np.where(mask, e, -1e9)`.
#
# ### Exercise 1: `scaled_dot_product_attention`
# Return `(out, weights)`. `mask` is `None` or a boolean array that broadcasts to
# $(\dots, T_q, T_k)$. The check runs the course's tiny test tensors, a case where all keys
# are equal (the weights must then be uniform), random masks and the look-ahead mask.

# %%
def scaled_dot_product_attention(Q, K, V, mask):
    """softmax(Q Kᵀ / √d_k) V over the allowed keys; returns out (..., T_q, d_v), weights."""
    ### BEGIN SOLUTION
    d_k = Q.shape[-1]
    e = Q @ np.swapaxes(K, -1, -2) / np.sqrt(d_k)           # (1) (..., T_q, T_k)
    if mask is not None:
        e = np.where(mask, e, -1e9)                         # masked keys: -1e9
    w = np.exp(e - e.max(axis=-1, keepdims=True))           # softmax over the keys...
    w = w / w.sum(axis=-1, keepdims=True)                   # (2) ...rows sum to 1
    return w @ V, w                                         # (3)
    ### END SOLUTION

# %%
check_scaled_dot_product_attention(scaled_dot_product_attention)

# %% [markdown]
# A classic slip, and what the check says about it: the softmax taken over the wrong axis.

# %%
def attention_wrong_axis(Q, K, V, mask):
    e = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        e = np.where(mask, e, -1e9)
    w = np.exp(e - e.max(axis=-2, keepdims=True))
    w = w / w.sum(axis=-2, keepdims=True)                   # normalised over the queries
    return w @ V, w


check_scaled_dot_product_attention(attention_wrong_axis)

# %% [markdown]
# Stuck? `hint("scaled_dot_product_attention")` gives the next of three hints;
# `reveal("scaled_dot_product_attention")` shows the library's answer, folded. From here on the
# notebook uses the library's version, `library.scaled_dot_product_attention`, which also
# returns a cache for the backward pass.

# %%
hint("scaled_dot_product_attention")

# %% [markdown]
# The library's function, which the tests compare with PyTorch's
# `torch.nn.functional.scaled_dot_product_attention` (outputs and gradients, float64, to
# $10^{-10}$). It leaves masked keys out of the softmax exactly; a query with nothing to attend
# to gets zero weights instead of NaN.

# %%
show_source(library.scaled_dot_product_attention)

# %% [markdown]
# ## 3. Self-attention on a sentence
# In **self-attention** Q, K and V all come from the same sentence. Here each word is a
# made-up 8-dimensional vector, and words of a kind share a direction ("animal", "place",
# "action") plus a little noise; we use the vectors themselves as queries, keys and values
# (a Transformer first multiplies them by learned $W_Q, W_K, W_V$, notebook 24). Each word
# attends most to the words most similar to it, itself included.

# %%
words = ["the", "cat", "sat", "on", "the", "mat", "dog", "ran"]
kind = {"cat": 0, "dog": 0, "mat": 1, "sat": 2, "ran": 2}
directions = 2.5 * np.eye(8)[:3]                                  # one direction per kind
X = 0.4 * rng.standard_normal((len(words), 8))                    # (T, d): noise for every word
for t, w in enumerate(words):
    if w in kind:
        X[t] += directions[kind[w]]
out, weights, cache = library.scaled_dot_product_attention(X, X, X)
top = {w: words[int(np.argsort(weights[t])[-2])] for t, w in enumerate(words) if w in kind}
print("each word's most attended OTHER word:", top)
assert top["cat"] == "dog" and top["dog"] == "cat" and top["sat"] == "ran"

# %%
# NBVAL_IGNORE_OUTPUT
fig = attention_heatmap(weights, words, words, "self-attention weights α (each row sums to 1)")
assert np.allclose(np.asarray(fig.data[0].z).sum(axis=1), 1, atol=0.01)
fig

# %% [markdown]
# ## 4. Why divide by $\sqrt{d_k}$?
# If the entries of q and k are independent with mean 0 and variance 1, the dot product
# $q \cdot k = \sum_{j=1}^{d_k} q_j k_j$ has variance $d_k$: the scores grow like
# $\sqrt{d_k}$. Large scores make the softmax nearly one-hot, and a one-hot softmax has
# almost zero gradient, so learning stalls. Dividing by $\sqrt{d_k}$ brings the variance back
# to 1 whatever $d_k$. Measured on random vectors:

# %%
print(" d_k   var(q·k)  var(q·k/√d_k)   mean max α unscaled   mean max α scaled")
saturation = {}
for d_k in (4, 16, 64, 256):
    Q = rng.standard_normal((200, 10, d_k))
    K = rng.standard_normal((200, 10, d_k))
    raw = Q @ K.transpose(0, 2, 1)                                # unscaled scores
    e = np.exp(raw - raw.max(-1, keepdims=True))
    max_unscaled = (e / e.sum(-1, keepdims=True)).max(-1).mean()
    _, w, _ = library.scaled_dot_product_attention(Q, K, K)
    saturation[d_k] = (max_unscaled, w.max(-1).mean())
    print(f"{d_k:4d} {raw.var():10.1f} {(raw / np.sqrt(d_k)).var():12.2f} "
          f"{max_unscaled:18.2f} {saturation[d_k][1]:19.2f}")
assert saturation[256][0] > 0.85 and saturation[256][1] < 0.6

# %% [markdown]
# Without the scaling, at $d_k = 256$ the largest weight of a row is on average above 0.85: each
# query looks at a single key. With it, the weights stay spread out at every $d_k$.
#
# ## 5. Masks
# A decoder must not look at the words it has not written yet. The **look-ahead mask** allows
# query $t$ to see keys $t' \le t$ only (a lower-triangular matrix of `True`); with it the first
# word can only attend to itself, so its output is exactly its own value vector.

# %%
mask = look_ahead_mask(len(words))                 # (1, T, T), True on and below the diagonal
out_masked, w_masked, _ = library.scaled_dot_product_attention(X, X, X, mask[0])
print("first output equals the first value:", np.allclose(out_masked[0], X[0]))
print("weights above the diagonal are all 0:", bool(np.all(np.triu(w_masked, 1) == 0)))

# %%
# NBVAL_IGNORE_OUTPUT
fig = attention_heatmap(w_masked, words, words, "masked self-attention: no peeking ahead")
assert np.all(np.triu(np.asarray(fig.data[0].z), 1) == 0)
fig

# %% [markdown]
# ## 6. The backward pass
# Backpropagation through (1)-(3) needs only the weights α, kept in the cache:
#
# $$dV = \alpha^\top d\mathrm{out} \quad (4) \qquad d\alpha = d\mathrm{out}\, V^\top \quad (5)
# \qquad de = \alpha \odot \big(d\alpha - \textstyle\sum_{t'} d\alpha \odot \alpha\big) \quad (6)$$
#
# $$dQ = \frac{de\, K}{\sqrt{d_k}} \quad (7) \qquad dK = \frac{de^\top Q}{\sqrt{d_k}} \quad (8)$$
#
# (6) is the softmax's backward, row by row. A finite-difference check in float64 of all three
# gradients, with a random mask:

# %%
Q, K, V = (rng.standard_normal((2, 4, 3)) for _ in range(3))
mask = rng.random((2, 4, 4)) < 0.7
mask[..., 0] = True
dout = rng.standard_normal((2, 4, 3))
_, _, cache = library.scaled_dot_product_attention(Q, K, V, mask)
grads = dict(zip("QKV", library.scaled_dot_product_attention_backward(dout, cache), strict=True))
for name, arr in (("Q", Q), ("K", K), ("V", V)):
    num = numerical_gradient_array(
        lambda _: library.scaled_dot_product_attention(Q, K, V, mask)[0], arr, dout)
    err = relative_difference(num, grads[name])
    print(f"d{name}: relative difference {'< 1e-8' if err < 1e-8 else f'{err:.1e}'}")
    assert err < 1e-8

# %%
show_source(library.scaled_dot_product_attention_backward)

# %% [markdown]
# ## Summary
# - The Transformer works on rows `(m, T, d_model)`; weights multiply from the right.
# - Attention is $\mathrm{softmax}(QK^\top/\sqrt{d_k})V$: a weighted average of values, with
#   weights from query-key similarities, for every position at once.
# - $\sqrt{d_k}$ keeps the softmax from saturating; masks set chosen weights to exactly 0.
#
# Next, notebook 24: several attentions side by side (multi-head attention), padding masks,
# and the heads of a small trained Transformer.
