# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 27 · What a recurrent network remembers
#
# *Sequence Models*, week 1: "Vanishing Gradients with RNNs", "Gated Recurrent Unit (GRU)" and
# "Long Short Term Memory (LSTM)". The lectures argue that a plain RNN's prediction depends
# mostly on the last few inputs, because the gradient through $W_{aa}$ shrinks step after step,
# and that the gated cells carry information much further. Notebook 02 showed the shrinking on
# a random network. Here you measure it on three *trained* models, the RNN, the GRU and the
# LSTM, on Shakespeare's sonnets and on any text you type, as Distill's "Visualizing
# memorization in RNNs" (Madsen, 2019) does. In this notebook you
# 1. define the **connectivity** of a prediction to each earlier character, a gradient, and
#    compute it for every prediction of a text with one backward pass;
# 2. write the piece that makes it one pass, `log_prob_upstream`;
# 3. look at it for the three cells side by side, on any text, with a slider;
# 4. measure, over 100 held-out texts, how fast each cell's influence fades: its half-life.
#
# Run it top to bottom (**Run ▸ Run All Cells**); it takes about 10 seconds.

# %%
import time

import numpy as np

from seqlab import backend
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.data.text import sonnet_corpus
from seqlab.exercises import check_log_prob_upstream, hint, progress, reveal
from seqlab.gradcheck import numerical_gradient, relative_difference
from seqlab.lm.connectivity import (
    connectivity,
    input_gradients,
    last_step_influence,
    memory_stats,
    text_windows,
)
from seqlab.rnn import RecurrentNetwork, one_hot
from seqlab.viz.memory import (
    EXAMPLES,
    decay_figure,
    load_memory_models,
    memory_explorer,
    memory_trace,
)
from seqlab.viz.source import show_source

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(27)            # one seeded generator: Run All gives the same numbers every time

# %% [markdown]
# ## 1. Three trained character models
# `tools/train_gate_models.py` trained three character-level models on the sonnets, the same
# way and on the same 90% of them: one layer of $n_a = 128$ units of each cell, Adam,
# truncated backpropagation through time in windows of 64 characters, and the epoch with the
# lowest loss on the held-out 10% kept. Notebook 04 looked inside the GRU's and the LSTM's
# gates; here the three are compared by what they *use*. Each file records the command that
# made it:

# %%
models = load_memory_models()
for name, model in models.items():
    meta = model.meta
    print(f"{name:4s} {model.net.n_a} units, {sum(v.size for v in model.net.params.values()):,} "
          f"params; held-out loss {meta['val_loss']:.3f} nats/char; made by `{meta['command']}`")
vocab = models["LSTM"].vocab
assert all(m.vocab == vocab for m in models.values())     # one vocabulary, one id per character

# %% [markdown]
# The gated cells predict the held-out sonnets better (1.71-1.72 nats per character against
# the RNN's 1.80). Where does the difference come from? One answer: from what they remember.
#
# ## 2. Connectivity: how much an earlier character moves a prediction
# Number the characters of a text $0, 1, \dots, T$. The model reads $x^{\langle t' \rangle}$
# (the one-hot vector of character $t'$) and after reading character $t$ it predicts the next
# one, $y^{\langle t \rangle} = x^{\langle t+1 \rangle}$, with probability
# $\hat y^{\langle t \rangle}_{y^{\langle t \rangle}}$. How much does that prediction depend on
# an earlier input? The size of the gradient says how much a small change of
# $x^{\langle t' \rangle}$ changes it:
#
# $$G[t, t'] = \Big\lVert \frac{\partial \log \hat y^{\langle t \rangle}_{y^{\langle t
#   \rangle}}}{\partial x^{\langle t' \rangle}} \Big\rVert_2 \quad (1) \qquad t' \le t,$$
#
# and $G[t, t'] = 0$ for $t' > t$: the network reads left to right. We call
# $d = t + 1 - t'$ the **distance** back from the predicted character ($d = 1$: the character
# just read). BPTT (notebook 02) computes exactly such gradients: backpropagating from the one
# output $\log \hat y^{\langle t \rangle}_{y^{\langle t \rangle}}$, the sizes of its
# $dx^{\langle t' \rangle}$ at every step (for the RNN, $dx^{\langle t' \rangle} = W_{ax}^T
# dz^{\langle t' \rangle}$) are row $t$ of $G$.
#
# One backward pass gives the gradient of *one* number, and a text of $T$ predictions has $T$
# rows. Rather than $T$ passes, use the batch: copy the text into $m = T$ columns and give
# column $i$ the upstream gradient of output $i$ alone. The columns never mix, so one forward
# and one backward pass over $(n_x, T, T)$ give every row. The upstream gradient of
# $\log \hat y^{\langle t \rangle}_y = z^{\langle t \rangle}_y - \log \sum_k
# e^{z^{\langle t \rangle}_k}$ with respect to the logits is
#
# $$\frac{\partial \log \hat y^{\langle t \rangle}_{y}}{\partial z^{\langle t \rangle}} =
#   \mathrm{onehot}(y) - \mathrm{softmax}(z^{\langle t \rangle}) \quad (2)$$
#
# at column $i$'s own step $t_i$ and zero everywhere else. The rest is the library's backward
# pass: `output_backward` for $W_{ya}$, then `deep_rnn_backward`, which returns
# $\partial J / \partial x$ for every step:

# %%
show_source(input_gradients)

# %% [markdown]
# ### Exercise: `log_prob_upstream`
# Write eq. (2) for a batch. `logits` is $(n_y, m, T)$, `y` the targets $(m, T)$ (ints), `t`
# $(m,)$ the step each column differentiates. Return `dz` of the shape of `logits`: zero
# everywhere except `dz[:, i, t[i]]` $= \mathrm{onehot}(y_{i, t_i}) -
# \mathrm{softmax}(z_{:, i, t_i})$.

# %%
def log_prob_upstream(logits, y, t):
    """Eq. (2): column i carries the gradient of log ŷ<t_i>[y<t_i>] alone; (n_y, m, T)."""
    ### BEGIN SOLUTION
    n_y, m, T = logits.shape
    cols = np.arange(m)
    z = logits[:, cols, t]                                   # z<t_i> of column i  (n_y, m)
    p = np.exp(z - z.max(axis=0, keepdims=True))
    p /= p.sum(axis=0, keepdims=True)                        # softmax over the classes
    onehot = np.zeros_like(z)
    onehot[y[cols, t], cols] = 1.0                           # onehot(y<t_i>)
    dz = np.zeros_like(logits)
    dz[:, cols, t] = onehot - p                              # (2)
    return dz
    ### END SOLUTION


# %%
check_log_prob_upstream(log_prob_upstream)

# %% [markdown]
# A tempting slip, and what the check says: "column $i$ carries output $i$" is true of the
# connectivity map's layout ($t_i = i$) but not of every use of the same function.

# %%
def upstream_column_is_output(logits, y, t):
    n_y, m, T = logits.shape
    cols = np.arange(m)
    z = logits[:, cols, cols]                                # t ignored: step i for column i
    p = np.exp(z - z.max(axis=0)) / np.exp(z - z.max(axis=0)).sum(axis=0)
    dz = np.zeros_like(logits)
    dz[:, cols, cols] = np.eye(n_y)[y[cols, cols]].T - p
    return dz


check_log_prob_upstream(upstream_column_is_output)

# %% [markdown]
# Stuck? `hint("log_prob_upstream")` gives the next of three hints; `reveal(...)` shows the
# library's answer.

# %%
hint("log_prob_upstream")

# %% [markdown]
# ## 3. The map of one text, checked
# `connectivity(net, ids)` builds that batch, runs the pass and returns $G$ and each
# prediction's $\log \hat y^{\langle t \rangle}_{y^{\langle t \rangle}}$. (It cuts the rows in
# four blocks: the predictions before character $b$ need only the first $b$ inputs, which
# saves 3/8 of the work.) First, is it right? Compare a few entries with central differences
# of the log-probability, in float64, on a copy of the RNN.

# %%
text = EXAMPLES[0]
ids = np.array([vocab.index(ch) for ch in text])
twin = RecurrentNetwork(**models["RNN"].net.config, dtype=np.float64)
twin.params = {k: v.astype(np.float64) for k, v in models["RNN"].net.params.items()}
G, log_prob = connectivity(twin, ids[:41])                  # the first 40 predictions
x = one_hot(ids[None, :40], len(vocab), np.float64)         # (n_x, 1, 40)
t = 38                                                       # predicting character 39, "\n"
dx = input_gradients(twin, x, ids[None, 1:41], [t]).dx      # (n_x, 1, 40), one backward pass


def log_p(x_t_prime, t_prime):
    """log ŷ<t>[y<t>] with x<t'> replaced by x_t_prime (the forward pass only)."""
    x2 = x.copy()
    x2[:, 0, t_prime] = x_t_prime
    z = twin.forward(x2)[0][:, 0, t]                         # logits z<t>  (n_y,)
    return z[ids[t + 1]] - z.max() - np.log(np.exp(z - z.max()).sum())


for t_prime in (38, 30, 20):
    num = numerical_gradient(lambda v: log_p(v, t_prime), x[:, 0, t_prime].copy(), h=1e-4)  # noqa: B023
    diff = relative_difference(dx[:, 0, t_prime], num)      # ‖a - b‖ / (‖a‖ + ‖b‖)
    print(f"G[{t}, {t_prime}] = {G[t, t_prime]:.3e}; by finite differences "
          f"{np.linalg.norm(num):.3e}; the gradients' relative difference below 1e-6? "
          f"{diff < 1e-6}")
    assert diff < 1e-6 and np.isclose(G[t, t_prime], np.linalg.norm(num), rtol=1e-6)

# %% [markdown]
# Now the three shipped models on a whole stanza, and how long that takes: the widget below does
# it for every text you type.

# %%
# NBVAL_IGNORE_OUTPUT
start, cpu = time.perf_counter(), time.process_time()
trace = memory_trace(models, EXAMPLES[0])
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
print(f"{trace.T} predictions × 3 models: {wall:.2f} s ({cpu:.2f} s of CPU)")
assert all(g.shape == (trace.T, trace.T) for g, _ in trace.maps.values())
assert wall < 30                                              # 0.7 s CPU on 2018 laptops

# %% [markdown]
# ## 4. The memory explorer
# The **slider picks the character being predicted** (boxed). Each model's copy of the text is
# shaded by how much that prediction leans on each earlier character, relative to the one it
# leans on most, on a log scale: full colour is 100%, pale is about 1%, nothing below 0.1%.
# Under it, the same row as curves over the distance $d$ back, and at the bottom all of $G$ as
# heatmaps (rows: predictions $t$, columns: inputs $t'$, the chosen row marked). Pick an example
# or type your own text (up to 300 characters) and press Enter.
#
# It opens on the end of the second line: predicting the newline after "temperate:". One
# thing to know before you read the colours: every text is read from a zero state, and the
# first few characters it reads set that state from nothing, so later predictions lean on them
# more than on the characters that follow (the bright left edge of the LSTM's heatmap). Judge
# long-range memory away from the start of the text.
#
# The maps are computed once per text; a slider move redraws only the curves, the marker lines
# and the shaded text, and the cell measures how long that takes in Python.

# %%
# NBVAL_IGNORE_OUTPUT
explorer = memory_explorer(models, EXAMPLES)
line_end = EXAMPLES[0].index("\n", EXAMPLES[0].index("\n") + 1)  # the second line's end
assert explorer.state["t"] == line_end - 1                      # predicting that "\n"
assert len(explorer.figure.data) == 3 and len(explorer.heatmaps.data) == 4  # 3 maps, 1 bar
for t in range(5, 60):
    explorer.update(t=t)                                      # what the slider does
assert {s.y0 for s in explorer.heatmaps.layout.shapes} == {59}
explorer.update(t=line_end - 1)
ms = 1e3 * np.array(explorer.timings["t"])
print(f"slider move: median {np.median(ms):.0f} ms, slowest {ms.max():.0f} ms over {len(ms)}")
explorer

# %% [markdown]
# Things to try:
# - the newline at the end of a line: which models lean on the start of the line, 40
#   characters back? (The models know how long a line of a sonnet is: notebook 04 found the
#   unit that counts.) Slide along the third line and watch the LSTM's far shading;
# - the middle of a word (slide to the "m" of "summer's"): how sure is each model of the next
#   letter, and how far back does it look for it?
# - the heatmaps: a bright diagonal band is short memory; vertical stripes are characters that
#   many later predictions lean on (which ones?);
# - type a line of prose, or the same word twice ("the cat and the cat"): is the second one
#   predicted from the first?
#
# ## 5. Half-lives, measured on 100 texts
# One text shows examples; a claim needs many. Take 100 windows of 201 characters, spread
# evenly over the held-out sonnets (they overlap: the held-out part has 9,228 characters), and
# for each the last prediction's row of $G$: the influence $I_j(d)$ of the character $d$ back,
# for $d = 1 \dots 200$, all 100 rows in one batched pass per model
# (`last_step_influence`). Then, for each text $j$, divide by its value at $d = 1$, the
# character just read: $n_j(d) = I_j(d) / I_j(1)$. Define
# - the **half-life** of a cell: the first distance at which the median over the texts of
#   $n_j(d)$ falls below 1/2; per text, the first $d$ with $n_j(d) < 1/2$ (its spread);
# - the **reach** of a text: the farthest $d$ with $n_j(d) \ge 1\%$.
#
# Only $d \le 150$ counts: the first characters of a window are read from a zero state, which
# makes the very first ones stand out (look at the left edge of the heatmaps).

# %%
_, _, held_out = sonnet_corpus(models["LSTM"].meta["seed"])
windows = text_windows([vocab.index(ch) for ch in held_out], 100, 201)
stats = {}
for name, model in models.items():
    stats[name] = memory_stats(last_step_influence(model.net, windows), max_distance=150)
print(f"{len(windows)} texts of {windows.shape[1]} characters; distances 1-150\n")
print(f"{'':5s}{'half-life':>10s}{'per text: median (quartiles)':>30s}"
      f"{'reach: median (quartiles)':>28s}{'reach ≥ 30':>12s}{'> 64':>6s}")
for name, s in stats.items():
    q = np.percentile(s.half_lives, [50, 25, 75])
    r = np.percentile(s.reach, [50, 25, 75])
    print(f"{name:5s}{s.half_life:10d}{q[0]:>16g} ({q[1]:.0f}-{q[2]:.0f})"
          f"{r[0]:>16g} ({r[1]:.0f}-{r[2]:.0f}){np.mean(s.reach >= 30):>13.0%}"
          f"{np.mean(s.reach > 64):>6.0%}")

# %%
# NBVAL_IGNORE_OUTPUT
fig = decay_figure(stats)
assert len(fig.data) == 6 and all(len(fig.data[2 * i + 1].y) == 150 for i in range(3))
fig

# %% [markdown]
# In the figure each line is a cell's median relative influence over the distance, and the band
# holds the middle half of the texts (from the 25th to the 75th percentile); the dotted lines
# are 1/2 (the half-life) and 1% (the reach).
#
# What the numbers say, and it is not quite the lecture's picture:
# - **Near the predicted character, all three forget at the same pace.** The median influence
#   halves within 3-4 characters for every cell (the LSTM's even a little sooner than the
#   RNN's), and per text the half-life lies between 3 and 5 characters for half the texts.
#   What a character model needs most is the last few letters, and all three use them alike.
# - **The difference is in the tail.** The RNN's influence is gone by about 22 characters in
#   almost every text (below 1% of the last character's; reach 30 or more in about 1 text of
#   100): the vanishing gradient of notebook 02, in a trained model. The GRU and the LSTM reach
#   30 characters or further in about half the texts, 45 and more in a quarter of them.
#
# Which far characters? The next cell asks one question of every text whose current line began
# at least 20 characters back: does the prediction still lean, at 1% or more, on the first
# character of its line?

# %%
newline = vocab.index("\n")
L = windows.shape[1] - 1
line_start = np.array([L - 1 - np.flatnonzero(w[:L] == newline).max() for w in windows])
long_lines = line_start >= 20                               # the line began 20 or more back
print(f"{long_lines.sum()} texts whose line began 20-{line_start.max()} characters back:")
for name, s in stats.items():
    at_start = s.relative[np.flatnonzero(long_lines), line_start[long_lines] - 1]
    print(f"  {name:4s} leans ≥ 1% on the line's first character in {(at_start >= 0.01).sum()}"
          f" of them (median {np.median(at_start):.1%})")

# %% [markdown]
# The gated models keep the start of the line in view: in most of those texts their prediction
# still depends on the line's first character, the RNN's only in a few. Notebook 04 showed the
# mechanism, a unit that counts the characters since the last newline, with an update gate
# that opens wide at the newline and a memory that drifts steadily along the line. A sonnet's
# line has about 40 characters, and where the line ends is worth knowing in advance.
#
# Two cautions. The gradient measures *sensitivity*, how much a small change of an input would
# move the prediction, not what the model "stores": a character can matter a lot and show a
# small gradient if the model saturates. And the models were trained with truncated BPTT in
# windows of 64 characters, so no training gradient ever reached further back than 64
# characters; yet in about one text in ten the GRU's and the LSTM's predictions still lean on
# characters more than 64 back (the last column of the table), because the state itself
# crosses the windows.
#
# ## Summary
# - The connectivity $G[t, t']$ is a gradient, so BPTT computes it; copying the text into the
#   batch and giving each column one output's upstream gradient gets all rows in one pass.
# - Over 100 held-out texts the three cells forget the last few characters at the same pace
#   (half-life 3-4 characters); the GRU and the LSTM differ from the RNN in the tail, reaching
#   30 and more characters back in about half the texts, often back to the start of the line.

# %%
print(progress())
