# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 00 · Getting started with seqlab
#
# **seqlab** is the *Sequence Models* course (RNN, GRU, LSTM, word embeddings, seq2seq,
# attention, CTC, Transformers) written from scratch in NumPy, with every backward pass by hand
# and checked. These notebooks let you run the models, move sliders to see what they do, and
# write the key functions yourself.
#
# This notebook takes five minutes:
# 1. check that your environment works (versions, backend, widgets);
# 2. a short tour: sigmoid, tanh and softmax, with a temperature slider;
# 3. two small exercises, to see how the checks, hints and reveals work.
#
# Run it top to bottom with **Run ▸ Run All Cells**; it takes a few seconds.

# %%
import numpy as np

import seqlab
import seqlab.functional as F
from seqlab import backend, layers
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.exercises import check_dense_forward, check_softmax, hint, progress, reveal
from seqlab.gradcheck import numerical_gradient_array, rel_error
from seqlab.viz import (
    activation_curves,
    show_source,
    softmax_temperature_explorer,
    widget_frontend_check,
)

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(0)             # one seeded generator: Run All gives the same numbers every time

# %% [markdown]
# ## 1. Your environment
# The table lists what this kernel runs on. Below it you should see a **green tick**: it is an
# ipywidget, so if it renders, every slider in these notebooks will work. If instead you read a
# sentence starting with ⚠, start JupyterLab with `make lab` (or use Binder).

# %%
# NBVAL_IGNORE_OUTPUT
report = seqlab.environment_report()
assert report["backend"].startswith(("numpy", "cupy")) and report["numpy"] != "not installed"
report

# %%
widget_frontend_check()

# %% [markdown]
# ## 2. A short tour: the functions every model is built from
# A recurrent cell computes $a^{\langle t \rangle} = \tanh(W_{aa} a^{\langle t-1 \rangle} +
# W_{ax} x^{\langle t \rangle} + b_a)$; its gates (GRU, LSTM) use the sigmoid $\sigma$; its
# output $\hat y^{\langle t \rangle} = \mathrm{softmax}(W_{ya} a^{\langle t \rangle} + b_y)$.
#
# Their derivatives decide how gradients flow back through time. Both are computed from the
# *output*: $\sigma' = \sigma(1-\sigma)$ and $\tanh' = 1 - \tanh^2$. Look at how flat they get
# for large $|z|$: that is where gradients vanish (week 1).

# %%
# NBVAL_IGNORE_OUTPUT
z = np.linspace(-6, 6, 241)
s, t = F.sigmoid(z), F.tanh(z)
ones = np.ones_like(z)
fig = activation_curves(z, {
    "σ(z)": s, "σ'(z) = σ(1 - σ)": F.sigmoid_backward(ones, s),
    "tanh(z)": t, "tanh'(z) = 1 - tanh²": F.tanh_backward(ones, t),
}, dashed=["σ'(z) = σ(1 - σ)", "tanh'(z) = 1 - tanh²"], title="Activations and their slopes")
assert np.isclose(fig.data[1].y.max(), 0.25) and np.isclose(fig.data[3].y.max(), 1.0)
fig

# %%
print(f"largest slope: sigmoid {F.sigmoid_backward(ones, s).max():.3f}, "
      f"tanh {F.tanh_backward(ones, t).max():.3f}")
a5 = F.tanh(np.array([5.0]))
print(f"slope of tanh at z = 5: {F.tanh_backward(np.ones(1), a5)[0]:.5f}  (saturated)")

# %% [markdown]
# ### Softmax and temperature
# A language model's last layer turns scores (logits) $z$ into probabilities
# $\mathrm{softmax}(z)_i = e^{z_i} / \sum_j e^{z_j}$. Dividing the logits by a temperature
# $\tau$ before the softmax is how you make sampled text safer ($\tau < 1$: sharper) or more
# adventurous ($\tau > 1$: flatter). Here are the model's scores for the word after
# "I would like a glass of orange ...":

# %%
words = ["juice", "soda", "pear", "salad", "the", "aardvark"]
logits = np.array([3.0, 1.8, 1.2, 0.3, -0.5, -2.0])
for tau in (0.5, 1.0, 2.0):
    p = F.softmax(logits[:, None] / tau, axis=0).ravel()   # (6,) one column, one example
    print(f"τ = {tau}:", "  ".join(f"{w} {q:.3f}" for w, q in zip(words, p, strict=True)))

# %% [markdown]
# Move the slider: near $\tau = 0$ all the probability goes to "juice" (greedy choice); for
# large $\tau$ the distribution flattens towards uniform and even "aardvark" gets a chance.

# %%
# NBVAL_IGNORE_OUTPUT
explorer = softmax_temperature_explorer(logits, words, tau=1.0)
explorer.update(tau=0.05)
assert explorer.figure.data[0].y[0] > 0.99          # τ → 0: all mass on the top word
explorer.update(tau=5.0)
assert explorer.figure.data[0].y.max() < 0.35       # τ large: close to uniform (1/6)
explorer.update(tau=1.0)
explorer

# %% [markdown]
# ## 3. How exercises work
# An exercise cell holds a function for you to write, with
# `# YOUR CODE HERE` / `raise NotImplementedError()` in place of the body. The cell after it
# runs a **check** that compares your function with the library's on random and hand-built
# inputs and tells you precisely what is wrong. While an exercise is open, the check says so
# and the rest of the notebook carries on with the library's version, so Run All always works.
#
# - `hint("softmax")` prints the next of several hints, from a nudge to almost the answer;
# - `reveal("softmax")` shows the library's source, folded: click it when you want the answer.
#
# ### Exercise 1: softmax over each column
# The course stacks the $m$ examples of a batch as **columns**: logits for $n_y$ classes have
# shape $(n_y, m)$, and the softmax normalises each column. Write `softmax(z)`. Make it
# *stable*: $e^{1000}$ overflows to `inf`, but $\mathrm{softmax}(z) = \mathrm{softmax}(z - c)$
# for any constant $c$ per column.

# %%
def softmax(z):
    """Softmax of z (n_y, m) over axis 0: returns s (n_y, m), each column summing to 1."""
    ### BEGIN SOLUTION
    e = np.exp(z - z.max(axis=0, keepdims=True))   # (n_y, m), each column shifted by its max
    return e / e.sum(axis=0, keepdims=True)         # (n_y, m), columns sum to 1
    ### END SOLUTION


# %%
check_softmax(softmax)

# %% [markdown]
# This is what a check says about a typical mistake, normalising over the wrong axis:

# %%
def softmax_by_rows(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


check_softmax(softmax_by_rows)

# %% [markdown]
# Stuck? Each call of `hint` gives the next hint; `reveal` folds the answer until you click.

# %%
hint("softmax")

# %%
reveal("softmax")

# %% [markdown]
# ### Exercise 2: a dense layer, $a = \tanh(W x + b)$
# Half of an RNN cell. With $x$ of shape $(n_x, m)$, $W$ of shape $(n_a, n_x)$ and $b$ of shape
# $(n_a, 1)$, return $a$ of shape $(n_a, m)$. The check isolates each term (only $b$
# non-zero, then only $Wx$), so a mistake is pinned to the term that causes it.

# %%
def dense_forward(x, W, b):
    """a = tanh(W x + b) for x (n_x, m), W (n_a, n_x), b (n_a, 1); returns a (n_a, m)."""
    ### BEGIN SOLUTION
    z = W @ x + b          # (n_a, m): the bias broadcasts over the m columns
    return np.tanh(z)      # (n_a, m)
    ### END SOLUTION


# %%
check_dense_forward(dense_forward)

# %% [markdown]
# And a forgotten bias: the check finds it on the case where only $b$ is non-zero.

# %%
check_dense_forward(lambda x, W, b: np.tanh(W @ x))

# %% [markdown]
# ## 4. Every backward pass is checked
# The library computes gradients by hand (no autograd), so each backward pass is compared with
# a finite-difference estimate $\frac{J(\theta + h) - J(\theta - h)}{2h}$ in float64. Here is the
# dense layer's: the relative errors are tiny, which is what *correct* looks like. The library's
# code is below; every model in later weeks follows the same forward/backward-with-cache shape.

# %%
x, W, b = rng.normal(size=(3, 4)), rng.normal(size=(2, 3)), rng.normal(size=(2, 1))
a, cache = layers.dense_forward(x, W, b)                # a: (2, 4), the library's layer
da = rng.normal(size=a.shape)                           # an upstream gradient dJ/da
dx, grads = layers.dense_backward(da, cache)
numeric = {
    "W": numerical_gradient_array(lambda W_: layers.dense_forward(x, W_, b)[0], W, da),
    "b": numerical_gradient_array(lambda b_: layers.dense_forward(x, W, b_)[0], b, da),
    "x": numerical_gradient_array(lambda x_: layers.dense_forward(x_, W, b)[0], x, da),
}
analytic = {"W": grads["W"], "b": grads["b"], "x": dx}
for name in numeric:
    err = rel_error(analytic[name], numeric[name])
    print(f"d{name}: relative error below 1e-8? {err < 1e-8}")

# %%
show_source(layers.dense_backward)

# %% [markdown]
# ## Your progress, and what comes next
# `progress()` lists the exercises you have checked in this session (the functions defined in
# the exercise cells; the try-outs of wrong versions above do not count).

# %%
print(progress())

# %% [markdown]
# | week | notebooks | what you will build |
# |---|---|---|
# | 1 | recurrent neural networks | RNN, BPTT, language models and sampling, GRU, LSTM, bidirectional and deep RNNs |
# | 2 | word embeddings | word2vec, negative sampling, GloVe, analogies, t-SNE, debiasing |
# | 3 | sequence to sequence | beam search, BLEU, attention, CTC, trigger words |
# | 4 | Transformers | self-attention, multi-head attention, positional encoding |
#
# The README lists the notebooks as they arrive.
