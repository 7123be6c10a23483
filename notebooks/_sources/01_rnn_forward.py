# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 01 · Notation and the RNN forward pass
#
# *Sequence Models*, week 1: "Notation", "Recurrent Neural Network Model" and "Different Types
# of RNNs". In this notebook you
# 1. set up the course's notation on a real sentence and see the shape of every symbol;
# 2. write one step of a recurrent network, `rnn_cell_forward`, then the whole sequence,
#    `rnn_forward`;
# 3. watch the hidden state $a^{\langle t \rangle}$ carry the sentence along, and measure how
#    fast it forgets;
# 4. build the types of RNN (many-to-many, many-to-one, one-to-many, $T_x \ne T_y$) from the
#    same cell;
# 5. compute the loss of a batch of sentences of different lengths, with a mask.
#
# Run it top to bottom (**Run ▸ Run All Cells**); it takes a few seconds.

# %%
import numpy as np

import seqlab.functional as F
from seqlab import backend, rnn
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.exercises import check_rnn_cell_forward, check_rnn_forward, hint, progress, reveal
from seqlab.losses import temporal_cross_entropy
from seqlab.viz.rnn_plots import hidden_state_heatmap, norm_curves

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(1)             # one seeded generator: Run All gives the same numbers every time

# %% [markdown]
# ## 1. Notation
# The lecture's example is a named-entity task: for each word of
#
# > *Harry Potter and Hermione Granger invented a new spell*
#
# say whether it is part of a person's name. The input is a sequence $x^{\langle 1 \rangle},
# \dots, x^{\langle T_x \rangle}$ of $T_x = 9$ words, the output a sequence $y^{\langle 1
# \rangle}, \dots, y^{\langle T_y \rangle}$ of 0/1 labels, here with $T_y = T_x$. Example $i$
# of a training set is $x^{(i)}$, its $t$-th word $x^{(i)\langle t \rangle}$, and its length
# $T_x^{(i)}$ varies from sentence to sentence.
#
# A word enters the network as a **one-hot** vector: a vocabulary assigns every word an index,
# and $x^{\langle t \rangle}$ is all zeros but a 1 at the index of word $t$. The lecture's
# vocabulary has 10,000 words; ours has 20, with `<unk>` for any word outside it.

# %%
sentence = "harry potter and hermione granger invented a new spell".split()
vocab = ["<pad>", "<unk>", "a", "and", "cat", "granger", "harry", "hermione", "invented",
         "is", "movie", "new", "nothing", "potter", "ron", "sleeps", "spell", "the",
         "this", "to"]
word_to_index = {w: i for i, w in enumerate(vocab)}


def one_hot_batch(sentences, T):
    """x (n_x, m, T): one column per sentence, one one-hot x<t> per word, <pad> after the end."""
    x = np.zeros((len(vocab), len(sentences), T))
    for i, words in enumerate(sentences):
        for t in range(T):
            word = words[t] if t < len(words) else "<pad>"
            x[word_to_index.get(word, word_to_index["<unk>"]), i, t] = 1.0
    return x


x = one_hot_batch([sentence], T=len(sentence))       # (n_x, m, T_x) = (20, 1, 9)
y = np.array([[1, 1, 0, 1, 1, 0, 0, 0, 0]])          # (m, T_y): is word t part of a name?
n_x, m, T_x = x.shape
print(f"n_x = {n_x} (vocabulary size), m = {m} (one sentence), T_x = {T_x} words")
print(f"x<3> is the one-hot of {sentence[2]!r}: its 1 sits at index "
      f"{int(x[:, 0, 2].argmax())} = word_to_index['and']")

# %% [markdown]
# The lecture counts time from 1 and Python from 0: $x^{\langle t \rangle}$ is `x[:, :, t-1]`.
# Everything else follows the lecture's letters, with the $m$ examples of a batch stacked as
# **columns** (so $W_{aa} a^{\langle t-1 \rangle}$ reads like the slide):
#
# | symbol | in code | shape | what it is |
# |---|---|---|---|
# | $x^{(i)\langle t \rangle}$ | `x[:, i, t-1]` | $(n_x,)$ | word $t$ of example $i$ (one-hot) |
# | $x^{\langle t \rangle}$ | `x_t` | $(n_x, m)$ | step $t$ of the whole batch |
# | $x$ | `x` | $(n_x, m, T_x)$ | all $T_x$ steps, time on axis 2 |
# | $a^{\langle 0 \rangle}$ | `a0` | $(n_a, m)$ | initial hidden state (zeros in the lecture) |
# | $a^{\langle t-1 \rangle}$, $a^{\langle t \rangle}$ | `a_prev`, `a_t` | $(n_a, m)$ | hidden state before and after step $t$ |
# | $a$ | `a` | $(n_a, m, T_x)$ | $a^{\langle 1 \rangle} \dots a^{\langle T_x \rangle}$ |
# | $W_{aa}$ | `params["W_aa"]` | $(n_a, n_a)$ | recurrent weights |
# | $W_{ax}$ | `params["W_ax"]` | $(n_a, n_x)$ | input weights |
# | $b_a$ | `params["b_a"]` | $(n_a, 1)$ | hidden bias, broadcast over the $m$ columns |
# | $W_{ya}$ | `params["W_ya"]` | $(n_y, n_a)$ | output weights |
# | $b_y$ | `params["b_y"]` | $(n_y, 1)$ | output bias |
# | $\hat y^{\langle t \rangle}$ | `y_hat_t` | $(n_y, m)$ | probabilities of the $n_y$ classes at step $t$ |
# | $\hat y$ | `y_hat` | $(n_y, m, T_y)$ | all output steps |
# | $y^{(i)\langle t \rangle}$ | `y[i, t-1]` | integer | the label (class index) of step $t$ |
# | $T_x^{(i)}$, $T_y^{(i)}$ | | integers | input and output lengths of example $i$ |

# %% [markdown]
# ## 2. One step: the RNN cell
# The same cell, with the same parameters, runs at every step. It mixes what it remembers,
# $a^{\langle t-1 \rangle}$, with the new input $x^{\langle t \rangle}$:
#
# $$a^{\langle t \rangle} = \tanh\big(W_{aa}\, a^{\langle t-1 \rangle} + W_{ax}\,
#   x^{\langle t \rangle} + b_a\big) \qquad (1)$$
# $$\hat y^{\langle t \rangle} = \mathrm{softmax}\big(W_{ya}\, a^{\langle t \rangle} + b_y\big)
#   \qquad (2)$$
#
# ### Exercise 1: `rnn_cell_forward`
# Write one step. `params` is a dict with the keys `"W_aa"`, `"W_ax"`, `"b_a"`, `"W_ya"`,
# `"b_y"`. Return `(a_t, y_hat_t, cache)`: the check compares `a_t` and `y_hat_t` with the
# library's and ignores your `cache` (any tuple of what a backward pass would need; notebook 02
# uses the library's). `F.softmax(z, axis=0)` is the column softmax of notebook 00.

# %%
def rnn_cell_forward(x_t, a_prev, params):
    """One RNN step: x_t (n_x, m), a_prev (n_a, m) -> a_t (n_a, m), y_hat_t (n_y, m), cache."""
    ### BEGIN SOLUTION
    W_aa, W_ax, b_a = params["W_aa"], params["W_ax"], params["b_a"]
    a_t = np.tanh(W_aa @ a_prev + W_ax @ x_t + b_a)                     # (1)  (n_a, m)
    y_hat_t = F.softmax(params["W_ya"] @ a_t + params["b_y"], axis=0)   # (2)  (n_y, m)
    cache = (x_t, a_prev, a_t, params)
    return a_t, y_hat_t, cache
    ### END SOLUTION


# %%
check_rnn_cell_forward(rnn_cell_forward)

# %% [markdown]
# The check runs your cell on random inputs and on cases where all terms but one are zero
# (only $b_a$, only $W_{ax} x^{\langle t \rangle}$, only $W_{aa} a^{\langle t-1 \rangle}$), and
# it knows the usual slips. Here is one: the output read from the *old* state.

# %%
def cell_output_from_a_prev(x_t, a_prev, params):
    a_t = np.tanh(params["W_aa"] @ a_prev + params["W_ax"] @ x_t + params["b_a"])
    return a_t, F.softmax(params["W_ya"] @ a_prev + params["b_y"], axis=0), None


check_rnn_cell_forward(cell_output_from_a_prev)

# %% [markdown]
# Stuck? `hint` gives the next of three hints each time you call it.

# %%
hint("rnn_cell_forward")

# %% [markdown]
# The rest of the notebook uses the library's `rnn.rnn_cell_forward`. On the first word of
# our sentence, with $n_a = 6$ hidden units and $n_y = 2$ classes (name or not):

# %%
params = rnn.init_rnn_params(n_x, n_a=6, n_y=2, rng=rng)
for k, v in params.items():
    print(f"{k:5s} {v.shape}")
a0 = np.zeros((6, m))                                          # a<0> = 0, as in the lecture
a1, y_hat1, _ = rnn.rnn_cell_forward(x[:, :, 0], a0, params)   # step t = 1 reads "harry"
print("a<1> =", np.round(a1.ravel(), 3))
print("ŷ<1> =", np.round(y_hat1.ravel(), 3), f" (sums to {y_hat1.sum():.6f})")

# %% [markdown]
# ## 3. The whole sequence: `rnn_forward`
# Unrolled in time, the network is the cell applied $T_x$ times, each step handing its state
# to the next: $a^{\langle 0 \rangle} \to a^{\langle 1 \rangle} \to \dots \to a^{\langle T_x
# \rangle}$, with an output $\hat y^{\langle t \rangle}$ at every step.
#
# ### Exercise 2: `rnn_forward`
# Loop over $t$, call a cell (the library's `rnn.rnn_cell_forward`, or yours once it passes),
# and store every $a^{\langle t \rangle}$ and $\hat y^{\langle t \rangle}$ in arrays of shape
# $(n_a, m, T_x)$ and $(n_y, m, T_x)$. Return `(a, y_hat, cache)`; the cache is again yours.

# %%
def rnn_forward(x, a0, params):
    """RNN over x (n_x, m, T_x) from a0 (n_a, m) -> a (n_a, m, T_x), y_hat (n_y, m, T_x), cache."""
    ### BEGIN SOLUTION
    n_x, m, T_x = x.shape
    n_a, n_y = a0.shape[0], params["W_ya"].shape[0]
    a, y_hat, caches = np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x)), []
    a_prev = a0
    for t in range(T_x):
        a_prev, y_hat_t, cache_t = rnn.rnn_cell_forward(x[:, :, t], a_prev, params)
        a[:, :, t], y_hat[:, :, t] = a_prev, y_hat_t   # a<t> at index t: the NEW state
        caches.append(cache_t)
    return a, y_hat, caches
    ### END SOLUTION


# %%
check_rnn_forward(rnn_forward)

# %% [markdown]
# `reveal` shows the library's answer, folded until you click it: the loop is the same, with
# shape checks and the logits kept for the loss.

# %%
reveal("rnn_forward")

# %% [markdown]
# ### The hidden state carries the sentence
# Here is the library's `rnn_forward` on the sentence. Each column is $a^{\langle t \rangle}$:
# six numbers in $[-1, 1]$ that summarise *harry ... (word t)*. The weights are random (nothing
# is trained yet), so the pattern means nothing; what matters is that column $t$ depends on all
# the words up to $t$.

# %%
a, y_hat, cache = rnn.rnn_forward(x, a0, params)
print("a:", a.shape, " y_hat:", y_hat.shape, " cache.logits:", cache.logits.shape)
print("every ŷ<t> sums to 1:", np.allclose(y_hat.sum(axis=0), 1.0))

# %%
# NBVAL_IGNORE_OUTPUT
fig = hidden_state_heatmap(a, labels=sentence, title="Hidden states a⟨t⟩ while reading")
assert np.allclose(fig.data[0].z, a[:, 0, :]) and len(fig.data[0].x) == T_x
fig

# %% [markdown]
# **How long does it remember?** Change the first word (*harry* → *ron*) and measure how far
# every later state moves, $\lVert a^{\langle t \rangle} - a'^{\langle t \rangle} \rVert$. The
# only route from $x^{\langle 1 \rangle}$ to step $t$ is through $W_{aa}$, $t-1$ times over,
# and this random $W_{aa}$ shrinks what passes through it: the first word's trace fades fast.
# Notebook 02 meets the same product of $W_{aa}$'s in the backward pass, where it makes
# gradients vanish.

# %%
x_ron = one_hot_batch([["ron"] + sentence[1:]], T=T_x)
a_ron, _, _ = rnn.rnn_forward(x_ron, a0, params)
moved = np.linalg.norm(a - a_ron, axis=(0, 1))               # (T_x,) ‖a<t> - a'<t>‖
radius = np.abs(np.linalg.eigvals(params["W_aa"])).max()
print(f"spectral radius of this W_aa: {radius:.2f}")
print("‖a<t> - a'<t>‖ for t = 1..9:", np.array2string(moved, precision=1, formatter={
    "float_kind": lambda v: f"{v:.1e}"}))
print(f"after {T_x - 1} more words the difference is {moved[-1] / moved[0]:.1e} of the first")

# %% [markdown]
# With a spectral radius of about 0.35, the change of one word shrinks at every step: after
# eight more words about $2 \times 10^{-4}$ of it is left. On a log scale that is nearly a
# straight line down:

# %%
# NBVAL_IGNORE_OUTPUT
fig = norm_curves({"‖a⟨t⟩ - a'⟨t⟩‖ (first word changed)": moved},
                  title="The first word's effect on later states (log scale)",
                  y_title="distance")
assert np.allclose(fig.data[0].y, moved) and fig.layout.yaxis.type == "log"
fig

# %% [markdown]
# ## 4. Types of RNN
# One cell, four wirings (the lecture's slide after Karpathy's *The Unreasonable
# Effectiveness of Recurrent Neural Networks*). The shapes below are computed, not typed.
#
# **Many-to-many, $T_x = T_y$** (name tagging): an output at every step, $\hat y$ of shape
# $(n_y, m, T_x)$, as above. The loss sums over the steps,
# $\mathcal L = \sum_t \mathcal L^{\langle t \rangle}(\hat y^{\langle t \rangle},
# y^{\langle t \rangle})$ (the library averages; see section 5).

# %%
loss, _ = temporal_cross_entropy(cache.logits, y)
print(f"many-to-many: x {x.shape} -> y_hat {y_hat.shape}; untrained loss {float(loss):.4f} "
      f"(log 2 = {np.log(2):.4f} is a coin toss)")

# %% [markdown]
# **Many-to-one** (sentiment: *this movie is nothing to ...* → 1 to 5 stars): read the whole
# input, output once from the last state $a^{\langle T_x \rangle}$.

# %%
review = "this movie is nothing to".split()
x_review = one_hot_batch([review], T=len(review))              # (20, 1, 5)
p_m2o = rnn.init_rnn_params(n_x, n_a=6, n_y=5, rng=rng)
a_review, _, _ = rnn.rnn_forward(x_review, np.zeros((6, 1)), p_m2o)
_, stars = rnn.output_forward(a_review[:, :, -1], p_m2o)       # ŷ from a<T_x> only: (5, 1)
print(f"many-to-one: x {x_review.shape} -> ŷ {stars.shape}, "
      f"P(stars) = {np.round(stars.ravel(), 3)}")

# %% [markdown]
# **One-to-many** (music generation): one input (or none), then the network writes $T_y$
# steps, each step's output fed back as the next step's input: $x^{\langle t \rangle} =
# \hat y^{\langle t-1 \rangle}$ (here the most likely word, one-hot).

# %%
def generate(x_first, params, T_y):
    """Greedy one-to-many: returns the T_y word indices written after reading x_first."""
    a_t, x_t, written = np.zeros((params["W_aa"].shape[0], 1)), x_first, []
    for _ in range(T_y):
        a_t, y_t, _ = rnn.rnn_cell_forward(x_t, a_t, params)     # ŷ<t>: (n_x, 1)
        written.append(int(y_t.argmax()))
        x_t = np.zeros_like(x_first)
        x_t[written[-1]] = 1.0                                   # x<t+1> = one-hot of ŷ<t>
    return written


p_o2m = rnn.init_rnn_params(n_x, n_a=6, n_y=n_x, rng=rng)      # outputs are words: n_y = n_x
words = generate(one_hot_batch([["the"]], T=1)[:, :, 0], p_o2m, T_y=6)
print("one-to-many: one x<1> (20, 1) ->", len(words), "outputs:",
      " ".join(vocab[i] for i in words), " (untrained)")

# %% [markdown]
# **Many-to-many, $T_x \ne T_y$** (translation): an *encoder* RNN reads the $T_x$ input
# words; its last state $a^{\langle T_x \rangle}$ is the *decoder*'s $a^{\langle 0 \rangle}$;
# the decoder, with its own weights, writes $T_y$ outputs (week 3 builds this for real).

# %%
source_words = "harry invented a new spell".split()                     # T_x = 5
encoder = rnn.init_rnn_params(n_x, n_a=6, n_y=None, rng=rng)            # no output layer
decoder = rnn.init_rnn_params(n_x, n_a=6, n_y=n_x, rng=rng)
a_enc, _, _ = rnn.rnn_forward(one_hot_batch([source_words], T=5), np.zeros((6, 1)), encoder)
a_dec, x_t, out = a_enc[:, :, -1], np.zeros((n_x, 1)), []               # a<0> of the decoder
for _ in range(3):                                                      # T_y = 3
    a_dec, y_t, _ = rnn.rnn_cell_forward(x_t, a_dec, decoder)
    out.append(int(y_t.argmax()))
    x_t = np.eye(n_x)[:, [out[-1]]]                                     # feed ŷ<t> back
print(f"encoder-decoder: T_x = {len(source_words)} words in, T_y = {len(out)} out:",
      " ".join(vocab[i] for i in out), " (untrained)")

# %% [markdown]
# ## 5. A batch of sentences of different lengths: the masked loss
# Sentences in a batch have different lengths $T_x^{(i)}$. To stack them into one array of
# shape $(n_x, m, T)$ the short ones are padded with `<pad>`, and a **mask** (1 = real word,
# 0 = padding) keeps the padding out of the loss:
#
# $$J = \frac{1}{N} \sum_{i, t} \mathrm{mask}^{(i)\langle t \rangle}\,
#   \mathcal{L}^{(i)\langle t \rangle}, \qquad N = \sum_{i,t} \mathrm{mask}^{(i)\langle t
#   \rangle}$$
#
# (the mean over the real steps, so the learning rate does not depend on the batch's shape).

# %%
batch = [sentence, "ron sleeps".split(), "the cat is nothing".split()]
lengths = [len(s) for s in batch]                                  # T_x^(i): 9, 2, 4
T = max(lengths)
x_batch = one_hot_batch(batch, T)                                  # (20, 3, 9)
mask = np.arange(T)[None, :] < np.array(lengths)[:, None]          # (m, T) True = real word
labels = np.array([[1, 1, 0, 1, 1, 0, 0, 0, 0],
                   [1, 0, -1, -1, -1, -1, -1, -1, -1],             # -1 at padding: never read
                   [0, 0, 0, 0, -1, -1, -1, -1, -1]])
a_b, y_hat_b, cache_b = rnn.rnn_forward(x_batch, np.zeros((6, 3)), params)
loss, dlogits = temporal_cross_entropy(cache_b.logits, labels, mask=mask)
print("mask (m, T):\n", mask.astype(int))
print(f"masked loss J = {float(loss):.6f} over N = {int(mask.sum())} real words")

# %% [markdown]
# Three checks of what the mask does, on these numbers: $J$ is the plain mean of
# $-\log \hat y_{y}$ over the 15 real words; the gradient is exactly 0 on padding; and
# the padding's inputs cannot reach the loss (a forward RNN reads the padding only *after*
# each sentence's last real word).

# %%
per_word = [-np.log(y_hat_b[labels[i, t], i, t]) for i in range(3) for t in range(lengths[i])]
print(f"mean of -log ŷ over the {len(per_word)} real words: {np.mean(per_word):.6f}")
print("largest |dJ/dlogits| on padding:", float(np.abs(dlogits[:, ~mask]).max()))
x_other_pad = x_batch.copy()
x_other_pad[:, ~mask] = np.eye(n_x)[:, [word_to_index["spell"]]]  # "spell" instead of <pad>
_, _, cache_o = rnn.rnn_forward(x_other_pad, np.zeros((6, 3)), params)
loss_o, _ = temporal_cross_entropy(cache_o.logits, labels, mask=mask)
print("same loss with other words in the padding:", bool(np.isclose(loss_o, loss)))

# %% [markdown]
# Without the mask, the padded steps would count as words (labels 0 for "not a name") and
# change both the loss and its gradient:

# %%
unmasked, _ = temporal_cross_entropy(cache_b.logits, np.where(mask, labels, 0))
print(f"without the mask: J = {float(unmasked):.6f} over {labels.size} steps "
      f"(with it: {float(loss):.6f})")

# %% [markdown]
# ## Your progress
# Next, notebook 02: the backward pass through time, and why gradients vanish or explode.

# %%
print(progress())
