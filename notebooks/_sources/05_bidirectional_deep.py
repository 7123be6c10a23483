# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 05 · Bidirectional and deep RNNs
#
# *Sequence Models*, week 1: "Bidirectional RNN" and "Deep RNNs". Every RNN so far read its
# sentence left to right, so its prediction at word $t$ knew the words up to $t$ and nothing
# after. The lecture's example shows why that is not enough:
#
# > He said, "**Teddy** Roosevelt was a great President."
# > He said, "**Teddy** bears are on sale!"
#
# Is "Teddy" part of a person's name? The first three words are the same in both sentences;
# only the word *after* "Teddy" decides. In this notebook you
# 1. see that a left-to-right RNN *must* give "Teddy" the same output in both sentences;
# 2. read the bidirectional RNN (BRNN) in the library, next to its equations;
# 3. train a unidirectional and a bidirectional tagger with the same budget on sentences where
#    the next word decides, and measure the gap;
# 4. stack layers into a deep RNN, look at every layer's states, and count the parameters of
#    a deep bidirectional LSTM.
#
# Run it top to bottom (**Run ▸ Run All Cells**); it takes about 10 seconds.

# %%
import time

import numpy as np

from seqlab import backend, rnn
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.data.synthetic import TAGGING_VOCAB, decode, name_tagging_batch, tag_sentence
from seqlab.rnn import RecurrentNetwork
from seqlab.rnn._layer import _layer_forward
from seqlab.tasks.name_tagging import (
    evaluate_name_tagger,
    name_probabilities,
    train_name_tagger,
)
from seqlab.viz import show_source
from seqlab.viz.tasks import (
    layer_states_figure,
    name_probability_figure,
    tagging_comparison_figure,
    tagging_explorer,
)

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(5)             # one seeded generator: Run All gives the same numbers every time

# %% [markdown]
# ## 1. What a left-to-right RNN cannot know
# A unidirectional RNN computes $a^{\langle t \rangle}$ from $a^{\langle t-1 \rangle}$ and
# $x^{\langle t \rangle}$ only, so $\hat y^{\langle t \rangle}$ is a function of
# $x^{\langle 1 \rangle}, \dots, x^{\langle t \rangle}$. Feed the two lecture sentences to any
# unidirectional network, trained or not, and its output at "teddy" (word 4) is *the same
# number* in both. A bidirectional network's is not. Here with random weights:

# %%
teddy_name = tag_sentence("he said, teddy roosevelt was a great president")
teddy_bear = tag_sentence("he said, teddy bears are on sale")
print(decode(teddy_name.ids[0]), "\n", decode(teddy_bear.ids[0]))
for bidirectional in (False, True):
    net = RecurrentNetwork(len(TAGGING_VOCAB), 8, 2, "gru", bidirectional=bidirectional, rng=0)
    z_name = net.forward(teddy_name.ids)[0][:, 0, 3]    # logits (n_y,) at t = 4, "teddy"
    z_bear = net.forward(teddy_bear.ids)[0][:, 0, 3]
    print(f"bidirectional={bidirectional!s:5}: logits at 'teddy' {z_name.round(4)} vs "
          f"{z_bear.round(4)}  identical: {np.array_equal(z_name, z_bear)}")

# %% [markdown]
# No amount of training changes that: whatever the unidirectional model outputs for "teddy",
# it outputs it for both sentences, so it is wrong on one of them.
#
# ## 2. The bidirectional RNN
# A BRNN runs two chains over the sentence, each an RNN, GRU or LSTM with its own parameters:
# a forward one, $t = 1 \dots T_x$, and a backward one, $t = T_x \dots 1$. The prediction at
# $t$ reads both:
#
# $$\overrightarrow a^{\langle t \rangle} = g\big(\overrightarrow W_a [\overrightarrow
#   a^{\langle t-1 \rangle}, x^{\langle t \rangle}] + \overrightarrow b_a\big) \quad (1) \qquad
#   \overleftarrow a^{\langle t \rangle} = g\big(\overleftarrow W_a [\overleftarrow
#   a^{\langle t+1 \rangle}, x^{\langle t \rangle}] + \overleftarrow b_a\big) \quad (2)$$
#
# $$\hat y^{\langle t \rangle} = g\big(W_y [\overrightarrow a^{\langle t \rangle},
#   \overleftarrow a^{\langle t \rangle}] + b_y\big) \quad (3)$$
#
# The library runs the backward chain (2) as the ordinary forward chain over the *flipped*
# sentence and flips its states back; `seqlab.rnn.brnn_forward` does this for any cell, and
# `RecurrentNetwork(..., bidirectional=True)` uses it in every layer. This is the loop at the
# heart of both:

# %%
show_source(_layer_forward)

# %% [markdown]
# Check it against two plain GRU chains: the top half of $a$ must be `gru_forward` on $x$, the
# bottom half `gru_forward` on the reversed $x$, reversed back.

# %%
n_x, n_a, m, T_x = 5, 4, 3, 6
x = rng.normal(size=(n_x, m, T_x))
params = rnn.init_brnn_params(n_x, n_a, 2, "gru", rng=1)
a, y_hat, cache = rnn.brnn_forward(x, params, "gru")
zeros = np.zeros((n_a, m))
chain = {d: {k[4:]: v for k, v in params.items() if k.startswith(d)} for d in ("fwd/", "bwd/")}
a_fwd, _, _ = rnn.gru_forward(x, zeros, chain["fwd/"])
a_bwd, _, _ = rnn.gru_forward(x[:, :, ::-1], zeros, chain["bwd/"])
print("a:", a.shape, " y_hat:", y_hat.shape, " (n_a = 4 per direction, so 2 n_a = 8 rows)")
print("a[:n_a] == forward chain:            ", np.allclose(a[:n_a], a_fwd, rtol=1e-12))
print("a[n_a:] == backward chain, reversed: ", np.allclose(a[n_a:], a_bwd[:, :, ::-1],
                                                           rtol=1e-12))
print("y_hat sums to 1 at every step:       ", np.allclose(y_hat.sum(axis=0), 1))

# %% [markdown]
# ## 3. Who is Teddy? Training both directions
# `name_tagging_batch` writes sentences like the lecture's, one tag per word (1 = part of a
# person's name). Half of them contain an **ambiguous** first word (teddy, april, rose, grace,
# summer, ruby, holly, jack, lily, amber): a name in exactly half of its sentences, decided by
# the next word (a surname or a noun). Nothing before it gives a clue: the prefixes ("he
# said,", "i think", ...) are drawn independently. The rest are easy: a clear name (ada
# lovelace) or a common phrase (green apples).

# %%
sample = name_tagging_batch(8, rng=3)
for i in range(8):
    words = decode(sample.ids[i], length=sample.lengths[i])
    tagged = [w.upper() if tag else w for w, tag in zip(words, sample.tags[i], strict=False)]
    mark = "   <- ambiguous: " + words[int(sample.ambiguous[i].argmax())] \
        if sample.ambiguous[i].any() else ""
    print(" ".join(tagged) + mark)

# %% [markdown]
# Three taggers, one budget: a GRU, 150 Adam steps on batches of 64 fresh sentences, learning
# rate 0.02, gradient norm clipped at 1. The unidirectional one gets $n_a = 16$ and, to rule
# out capacity, a second one gets $n_a = 32$ (about as many parameters as the bidirectional
# one); the bidirectional one has $n_a = 16$ per direction. Each is trained with three seeds.

# %%
# NBVAL_IGNORE_OUTPUT
MODELS = {"unidirectional, n_a = 16": dict(bidirectional=False, n_a=16),
          "unidirectional, n_a = 32": dict(bidirectional=False, n_a=32),
          "bidirectional, n_a = 16 + 16": dict(bidirectional=True, n_a=16)}
SEEDS = (0, 1, 2)
start = time.perf_counter()
runs = {name: [train_name_tagger(seed=s, **cfg) for s in SEEDS] for name, cfg in MODELS.items()}
print(f"trained {len(MODELS) * len(SEEDS)} taggers in {time.perf_counter() - start:.1f} s")
assert all(len(r) == len(SEEDS) for r in runs.values())

# %%
test = name_tagging_batch(2000, rng=50_000)      # held-out sentences
print(f"held out: {int(test.lengths.sum())} words, {int(test.ambiguous.sum())} ambiguous")
scores = {name: [evaluate_name_tagger(r.net, test) for r in rs] for name, rs in runs.items()}
print(f"{'model':30} {'params':>7} {'all words':>14} {'ambiguous':>14} {'other':>14}")
for name, rs in runs.items():
    size = sum(v.size for v in rs[0].net.params.values())
    cols = [np.array([s[k] for s in scores[name]]) for k in ("overall", "ambiguous", "other")]
    print(f"{name:30} {size:7,} " + " ".join(f"{c.mean():7.1%} ±{c.std():4.1%}" for c in cols))
mean = {name: {k: float(np.mean([s[k] for s in ss])) for k in ss[0]}
        for name, ss in scores.items()}
uni, bi = mean["unidirectional, n_a = 16"], mean["bidirectional, n_a = 16 + 16"]
print(f"\non the ambiguous words the bidirectional tagger is right {bi['ambiguous']:.1%} of "
      f"the time, the unidirectional {uni['ambiguous']:.1%} (chance: 50%): a gap of "
      f"{100 * (bi['ambiguous'] - uni['ambiguous']):.1f} points")

# %% [markdown]
# All three tag the easy words (the surname or noun after the ambiguous word, the clear
# names, every other word) almost perfectly. On the ambiguous words the unidirectional
# taggers sit at chance, about 50%, with 16 units or 32: more parameters do not help, the
# information is not there yet when they must answer. The bidirectional one is right on
# essentially all of them.

# %%
# NBVAL_IGNORE_OUTPUT
fig = tagging_comparison_figure(mean, title="Per-word accuracy on held-out sentences "
                                            "(mean of 3 seeds)")
assert abs(fig.data[0].y[1] - uni["ambiguous"]) < 1e-12 and fig.data[2].y[1] > 0.95
fig

# %% [markdown]
# ## 4. Word by word: P(name)
# What each tagger (seed 0) says for every word: the probability that the word is part of a
# name. The unidirectional tagger gives "teddy" the same probability in both sentences, a
# hedge near 1/2; the bidirectional one is sure either way.

# %%
examples = ["he said, teddy roosevelt was a great president",
            "he said, teddy bears are on sale",
            "i think april ludgate will visit us",
            "i think april showers were lovely",
            "everyone says grace hopper won the prize",
            "everyone says grace notes look nice",
            "apparently jack london is here",
            "apparently jack rabbits are everywhere",
            "they told me ada lovelace won the prize",
            "we know that green apples are on sale"]
batches = [tag_sentence(s) for s in examples]
sentences = [decode(b.ids[0]) for b in batches]
show = {"unidirectional": runs["unidirectional, n_a = 16"][0].net,
        "bidirectional": runs["bidirectional, n_a = 16 + 16"][0].net}
probs = {name: [name_probabilities(net, b)[0] for b in batches] for name, net in show.items()}
for name in show:
    print(f"{name:15} P(name | teddy): {probs[name][0][3]:.3f} in 'teddy roosevelt', "
          f"{probs[name][1][3]:.3f} in 'teddy bears'")

# %%
# NBVAL_IGNORE_OUTPUT
fig = name_probability_figure(sentences[:2], {k: v[:2] for k, v in probs.items()},
                              title="P(name) per word: the lecture's two sentences")
assert np.allclose(fig.data[0].z[:, 3], [probs["unidirectional"][0][3],
                                         probs["bidirectional"][0][3]])
fig

# %% [markdown]
# Move the slider through the ten sentences: pairs share everything up to the ambiguous word,
# and only the bidirectional row changes its mind there.

# %%
# NBVAL_IGNORE_OUTPUT
explorer = tagging_explorer(sentences, probs)
explorer.update(index=2)
assert np.allclose(explorer.figure.data[0].z[1], probs["bidirectional"][2])
explorer.update(index=0)
explorer

# %% [markdown]
# ## 5. Deep RNNs
# Stacking recurrent layers gives each step more computation: layer $l$ has its own
# parameters and its own chain, and reads the states of the layer below at the same step,
#
# $$a^{[l]\langle t \rangle} = g\big(W_a^{[l]} [a^{[l]\langle t-1 \rangle},
#   a^{[l-1]\langle t \rangle}] + b_a^{[l]}\big), \qquad a^{[0]\langle t \rangle} =
#   x^{\langle t \rangle} \quad (4)$$
#
# e.g. the lecture's $a^{[2]\langle 3 \rangle} = g(W_a^{[2]} [a^{[2]\langle 2 \rangle},
# a^{[1]\langle 3 \rangle}] + b_a^{[2]})$. Three layers is already deep for an RNN. In
# `seqlab.rnn.deep_rnn_forward` each layer is a unidirectional or a bidirectional layer; with
# `bidirectional=True` layer $l+1$ reads $[\overrightarrow a^{[l]}, \overleftarrow a^{[l]}]$:

# %%
show_source(rnn.deep_rnn_forward)

# %% [markdown]
# A two-layer bidirectional GRU tagger, trained with the same budget. Below, each layer's
# states for "he said, teddy roosevelt ..." (top: layer 2, which feeds $\hat y$; above the
# black line the 16 units of $\overrightarrow a$, below it the 16 of $\overleftarrow a$).
# Layer 2 reads, at every word, both directions of layer 1.

# %%
# NBVAL_IGNORE_OUTPUT
start = time.perf_counter()
deep = train_name_tagger(True, seed=0, n_layers=2)
print(f"trained in {time.perf_counter() - start:.1f} s")
assert deep is not None

# %%
print(deep.net)
deep_scores = evaluate_name_tagger(deep.net, test)
print("held out: " + ", ".join(f"{k} {v:.1%}" for k, v in deep_scores.items()))
logits, deep_cache = deep.net.forward(teddy_name.ids)
states = deep.net.layer_states(deep_cache)
for l, a_l in enumerate(states, start=1):
    print(f"a^[{l}]: {a_l.shape}  (2 n_a, m, T_x)")

# %%
# NBVAL_IGNORE_OUTPUT
fig = layer_states_figure(states, sentences[0], bidirectional=True,
                          title="Each layer's states: 'he said, teddy roosevelt was a great "
                                "president'")
assert np.allclose(fig.data[1].z, states[1][:, 0, :])
fig

# %% [markdown]
# ## 6. Deep and bidirectional: what the parameters should be
# A 3-layer bidirectional LSTM over the tagging vocabulary with $n_a = 32$ per direction. Each
# chain of each layer has the LSTM's four weight matrices $W_f, W_u, W_c, W_o$ of shape
# $(n_a, n_a + n_{in})$ and four biases $(n_a, 1)$, where $n_{in} = n_x$ for layer 1 and
# $2 n_a$ above (it reads both directions of the layer below); the output layer $W_{ya}$ is
# $(n_y, 2 n_a)$. So the count should be
#
# $$2 \cdot 4\,n_a (n_a + n_x + 1) + 2 \cdot 2 \cdot 4\, n_a (n_a + 2 n_a + 1) + n_y (2 n_a + 1).$$

# %%
n_x, n_a, n_y, L = len(TAGGING_VOCAB), 32, 2, 3
big = RecurrentNetwork(n_x, n_a, n_y, "lstm", n_layers=L, bidirectional=True, rng=0)
for key in ("l1/fwd/W_f", "l1/bwd/b_f", "l2/fwd/W_f", "l3/bwd/W_o", "W_ya", "b_y"):
    print(f"{key:12} {big.params[key].shape}")
expected = (2 * 4 * n_a * (n_a + n_x + 1) + (L - 1) * 2 * 4 * n_a * (n_a + 2 * n_a + 1)
            + n_y * (2 * n_a + 1))
counted = sum(v.size for v in big.params.values())
print(f"{len(big.params)} arrays, {counted:,} parameters; formula: {expected:,}; "
      f"equal: {counted == expected}")
logits, big_cache = big.forward(test.ids[:4], lengths=test.lengths[:4])
print("logits:", logits.shape, " layer states:", [a_l.shape for a_l in big.layer_states(big_cache)])

# %% [markdown]
# ## Summary
# - A unidirectional RNN's $\hat y^{\langle t \rangle}$ depends on $x^{\langle 1 \rangle} \dots
#   x^{\langle t \rangle}$ only; when the next word decides, it can do no better than chance
#   on the ambiguous words, however many units it has (measured above: about 50%).
# - A BRNN concatenates a forward and a backward chain, $\hat y^{\langle t \rangle} =
#   g(W_y[\overrightarrow a^{\langle t \rangle}, \overleftarrow a^{\langle t \rangle}] +
#   b_y)$, and was right on essentially every ambiguous word with the same training budget.
#   The price: it needs the whole sentence before it predicts anything, so it does not suit
#   real-time use (live speech) as it is.
# - A deep RNN stacks layers, $a^{[l]\langle t \rangle}$ reading $a^{[l]\langle t-1 \rangle}$
#   and $a^{[l-1]\langle t \rangle}$; with bidirectional layers each layer above reads
#   $2 n_a$ features, which is where most of a deep BRNN's parameters go.
