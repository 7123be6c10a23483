# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 17 · Attention: translating dates, and where the model looks
#
# *Sequence Models*, week 3: "Attention Model Intuition" and "Attention Model". A basic
# encoder-decoder squeezes the whole input into one vector before writing anything; for long
# inputs that bottleneck hurts (the lecture's BLEU-vs-length curve that drops after ~30 words).
# The **attention model** keeps every encoder state and lets the decoder, before each output
# word, choose which inputs to read. In this notebook you
# 1. write one attention step, the course's `one_step_attention`;
# 2. open a date translator trained with attention ("3 mai 1979" → "1979-05-03") and measure
#    its exact-match accuracy on dates it never saw;
# 3. compare it with the same task *without* attention, by input length;
# 4. explore the attention weights with a heatmap, and ask "what if it had looked elsewhere?".
#
# Run it top to bottom (**Run ▸ Run All Cells**); it takes about 15 seconds.

# %%
from pathlib import Path

import numpy as np

import seqlab
from seqlab import backend
from seqlab.data.dates import load_dates
from seqlab.exercises import check_one_step_attention, hint, reveal  # noqa: F401 (hint, reveal: for you)
from seqlab.gradcheck import random_direction_check
from seqlab.seq2seq.attention import attention_step_forward
from seqlab.seq2seq.attention_model import AttentionSeq2Seq
from seqlab.seq2seq.encoder_decoder import load_seq2seq
from seqlab.seq2seq.metrics import exact_match
from seqlab.seq2seq.vocab import TokenVocab
from seqlab.viz import show_source
from seqlab.viz.attention import (
    attention_explorer,
    decode_with_attention,
    length_accuracy_plot,
    training_curve_plot,
)

print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = backend.host_rng(17)    # one seeded generator: Run All gives the same numbers every time
PRETRAINED = Path(seqlab.__file__).parent / "seq2seq" / "pretrained"

# %% [markdown]
# ## 1. One attention step
# The encoder is a bidirectional LSTM; its state at input position $t'$ is
# $a^{\langle t' \rangle} = [\overrightarrow a^{\langle t' \rangle}; \overleftarrow
# a^{\langle t' \rangle}]$. Before output step $t$ the decoder state $s^{\langle t-1 \rangle}$
# scores every input position with a small network (the lecture: "a small neural network
# computes $e^{\langle t,t' \rangle}$"), the scores become weights, and the context is their
# weighted average:
#
# $$h^{\langle t,t' \rangle} = \tanh(W_{e1}[s^{\langle t-1 \rangle}; a^{\langle t' \rangle}]
#   + b_{e1}) \quad (1) \qquad e^{\langle t,t' \rangle} = \mathrm{relu}(W_{e2}
#   h^{\langle t,t' \rangle} + b_{e2}) \quad (2)$$
#
# $$\alpha^{\langle t,t' \rangle} = \frac{\exp e^{\langle t,t' \rangle}}{\sum_{t''=1}^{T_x}
#   \exp e^{\langle t,t'' \rangle}} \quad (3) \qquad c^{\langle t \rangle} = \sum_{t'=1}^{T_x}
#   \alpha^{\langle t,t' \rangle} a^{\langle t' \rangle} \quad (4)$$
#
# So $\alpha^{\langle t,t' \rangle} \ge 0$ and $\sum_{t'} \alpha^{\langle t,t' \rangle} = 1$:
# "how much attention $y^{\langle t \rangle}$ pays to $a^{\langle t' \rangle}$". The
# decoder, a post-attention LSTM, reads $c^{\langle t \rangle}$ (and here also the previous
# output character) and a softmax writes $y^{\langle t \rangle}$. The cost: $T_x T_y$ energies
# per sentence, quadratic, fine for sentences and dates.
#
# The library's step (read the equations next to the code; `score="dot"` and `"general"` are
# Luong's cheaper scores $s^\top a$ and $s^\top W_a a$):

# %%
show_source(attention_step_forward)

# %% [markdown]
# ### Exercise: `one_step_attention`
# Shapes (column layout, as in all the RNN notebooks): `s_prev` $(n_s, m)$, `a`
# $(n_{a2}, m, T_x)$ with $n_{a2} = 2 n_a$; `params` holds `W_e1` $(n_e, n_s + n_{a2})$,
# `b_e1` $(n_e, 1)$, `W_e2` $(1, n_e)$, `b_e2` $(1, 1)$. Stack **$s^{\langle t-1 \rangle}$
# first**, then $a^{\langle t' \rangle}$ (the course's Keras code concatenates `[a, s_prev]`;
# the order only permutes $W_{e1}$'s columns). Return `context` $(n_{a2}, m)$ and `alpha`
# $(m, T_x)$, a softmax over $t'$ (axis 1).

# %%
def one_step_attention(s_prev, a, params):
    """Eqs. (1)-(4): context (n_a2, m) and alpha (m, T_x)."""
    ### BEGIN SOLUTION
    T_x = a.shape[2]
    s_rep = np.repeat(s_prev[:, :, None], T_x, axis=2)              # (n_s, m, T_x)
    concat = np.concatenate([s_rep, a], axis=0)                     # [s<t-1>; a<t'>]
    h = np.tanh(np.einsum("ek,kmt->emt", params["W_e1"], concat)
                + params["b_e1"][:, :, None])                       # (1) (n_e, m, T_x)
    energy = np.maximum(np.einsum("oe,emt->omt", params["W_e2"], h)[0]
                        + params["b_e2"][0, 0], 0)                  # (2) (m, T_x)
    e = np.exp(energy - energy.max(axis=1, keepdims=True))
    alpha = e / e.sum(axis=1, keepdims=True)                        # (3) softmax over t'
    context = (a * alpha[None]).sum(axis=2)                         # (4) (n_a2, m)
    return context, alpha
    ### END SOLUTION


# %%
check_one_step_attention(one_step_attention)

# %% [markdown]
# A classic slip and what the check says about it: the softmax taken over the wrong axis
# (over the examples of the batch instead of over the input positions).

# %%
def attention_wrong_axis(s_prev, a, params):
    T_x = a.shape[2]
    concat = np.concatenate([np.repeat(s_prev[:, :, None], T_x, axis=2), a], axis=0)
    h = np.tanh(np.einsum("ek,kmt->emt", params["W_e1"], concat) + params["b_e1"][:, :, None])
    energy = np.maximum(np.einsum("oe,emt->omt", params["W_e2"], h)[0] + params["b_e2"][0, 0], 0)
    alpha = np.exp(energy) / np.exp(energy).sum(axis=0, keepdims=True)   # axis 0: wrong
    return (a * alpha[None]).sum(axis=2), alpha


check_one_step_attention(attention_wrong_axis)

# %% [markdown]
# Stuck? `hint("one_step_attention")` gives the next of three hints. The rest of the notebook
# uses the library, so it runs whether or not your exercise passes.
#
# The backward pass is written by hand too (`attention_step_backward`: the softmax's
# $d e = \alpha * (d\alpha - \sum_{t'} \alpha\, d\alpha)$, then the two dense layers). A
# finite-difference check in float64 along random directions, through a whole attention
# model's loss (encoder, every attention step, the post-attention LSTM):

# %%
tiny = AttentionSeq2Seq(TokenVocab("abcd"), TokenVocab("xyz"), n_a=3, n_s=5, n_e=4,
                        feed_previous=True, rng=1, dtype=np.float64)
batch = tiny.batch(["abca", "d", "bb"], [list("xy"), list("zzzx"), []])
J, grads = tiny.loss(batch)
res = random_direction_check(lambda: tiny.loss(batch)[0], tiny.params, grads, per_key=False)
assert res.errors["(all)"] < 1e-6
print(f"loss {float(J):.6f}; worst relative error over 5 random directions: below 1e-6")

# %% [markdown]
# ## 2. Date translation
# The course's assignment: human-readable dates in many formats (and, here, a few locales) to
# ISO `YYYY-MM-DD`. The data are made deterministically with babel
# (`seqlab.data.dates`); the test dates are **held out**: no test date appears in training,
# in any format. (The course's formats use `YYY`, which babel reads as the *week-based* year:
# 31 Dec 2018 is written "31 Dec 2019". Here the pattern uses `y`.)

# %%
test_humans, test_isos = load_dates("test", 2000, seed=0)
for h, iso in list(zip(test_humans, test_isos, strict=True))[:6]:
    print(f"{h:32s} → {iso}")

# %% [markdown]
# The shipped model (Bi-LSTM $n_a = 32$, additive attention with $n_e = 10$ and a relu energy,
# post-attention LSTM $n_s = 64$, about 59k parameters) was trained by
# `python tools/train_dates.py --model attention` (its metadata says how long and on what).
# Its accuracy on the 2,000 held-out test dates, as stored, and recomputed here on the first
# 400:

# %%
att = load_seq2seq(PRETRAINED / "dates_attention.npz")
print(att)
print(f"stored: exact-match accuracy on 2,000 held-out dates = {att.meta['test_accuracy']:.4f}"
      f" ({att.meta['steps']} Adam steps of 64, seed {att.meta['seed']})")
n = 400
pred = ["".join(t) for t in att.translate(test_humans[:n], max_len=12)]
acc_att = exact_match([list(p) for p in pred], [list(i) for i in test_isos[:n]])
print(f"recomputed on the first {n}: {acc_att:.4f}")
assert att.meta["test_accuracy"] >= 0.99 and acc_att >= 0.98
wrong = [(h, p, i) for h, p, i in zip(test_humans[:n], pred, test_isos[:n], strict=True)
         if p != i]
print("errors:", wrong[:5])

# %% [markdown]
# ## 3. Without attention
# The same task with the basic encoder-decoder of notebook 13's lecture: a Bi-LSTM reads the
# date, its last states become the decoder's first state, and the decoder LSTM must write all
# ten characters from that one vector (`python tools/train_dates.py --model plain`, more
# parameters and the same training budget).

# %%
plain = load_seq2seq(PRETRAINED / "dates_plain.npz")
print(plain)
pred_plain = ["".join(t) for t in plain.translate(test_humans[:n], max_len=12)]
acc_plain = exact_match([list(p) for p in pred_plain], [list(i) for i in test_isos[:n]])
print(f"stored accuracy {plain.meta['test_accuracy']:.4f}; recomputed on the first {n}: "
      f"{acc_plain:.4f}")
assert abs(acc_plain - plain.meta["test_accuracy"]) < 0.05

# %% [markdown]
# Dates are short (at most 34 characters), so with enough training the bottleneck does not
# stop the plain model: it also ends near 99%. The difference is in how it gets there. Both
# runs had the same budget (about 11-13 minutes of CPU, 64 dates per step) and were evaluated
# on 500 validation dates every 1,000 steps (from the files' metadata):

# %%
# NBVAL_IGNORE_OUTPUT
curves = {"with attention": att.meta["evals"], "without attention": plain.meta["evals"]}
for name, points in curves.items():
    print(f"{name:18s}", [(step, m["val_acc_500"]) for step, m in points])
fig = training_curve_plot(curves)
assert [t.name for t in fig.data] == list(curves)
fig

# %%
first_att, first_plain = att.meta["evals"][0][1]["val_acc_500"], plain.meta["evals"][0][1][
    "val_acc_500"]
print(f"after 1,000 steps: {first_att:.3f} with attention, {first_plain:.3f} without")
assert first_att > first_plain + 0.5

# %% [markdown]
# With attention each output character can read the input characters it needs directly, so
# the alignment is learned in a few hundred steps; without it
# the encoder must first learn to pack the whole date into one vector. Accuracy by input
# length (characters) on the 2,000 test dates, from the metadata:

# %%
# NBVAL_IGNORE_OUTPUT
by_length = {"with attention": att.meta["test_accuracy_by_length"],
             "without attention": plain.meta["test_accuracy_by_length"]}
for name, bins in by_length.items():
    print(f"{name:18s}", {k: (v[0], round(v[1], 3)) for k, v in bins.items()})
fig = length_accuracy_plot(by_length)
assert [t.name for t in fig.data] == list(by_length)
fig

# %% [markdown]
# ## 4. Where does it look?
# For each output character (row) the heatmap shows $\alpha^{\langle t,t' \rangle}$ over the
# input characters (columns). Pick an example or type your own date (lowercase, no commas:
# "8 juillet 1999", "wednesday march 4 2020") and press Enter. The **output step** slider (or
# a click on a heatmap row) shows that row as bars. The **what-if** slider forces that step to
# look only at one input character (a one-hot row of $\alpha$) and decodes again from there:
# point the year's first digit at the day and watch the output change.

# %%
# NBVAL_IGNORE_OUTPUT
examples = ["3 may 1979", "tuesday july 8 2008", "08.07.08", "vendredi 3 septembre 1993",
            "21 de diciembre de 1955", "donnerstag 3. mai 1979", test_humans[0]]
explorer = attention_explorer(att, examples)
inp, out, alpha = decode_with_attention(att, examples[0])
np.testing.assert_allclose(explorer.figure.data[0].z, np.round(alpha, 3))
np.testing.assert_allclose(alpha.sum(axis=1), 1.0, rtol=1e-5)   # every row is a distribution
explorer.update(step=5)
np.testing.assert_allclose(explorer.figure.data[1].y, np.round(alpha[5], 3))
explorer.update(step=0)
explorer

# %% [markdown]
# What the rows show, measured: for each of the 10 output characters, the input position
# (from 1) and character with the most attention, on one example per format family. The peaks
# are not always where a person would look: a Bi-LSTM state $a^{\langle t' \rangle}$ also
# carries its neighbours, and the decoder reads its own previous character too.

# %%
for text in ["3 may 1979", "tuesday july 8 2008", "08.07.08"]:
    inp, out, alpha = decode_with_attention(att, text)
    peaks = [f"{j + 1}:{inp[j] if inp[j] != ' ' else '␣'}" for j in alpha[:10].argmax(axis=1)]
    print(f"{text:20s} → {''.join(out[:10])}  peak per output: {' '.join(peaks)}")

# %% [markdown]
# ## Summary
# - Attention computes, before every output step, weights $\alpha^{\langle t,t' \rangle}$
#   over the input positions from $[s^{\langle t-1 \rangle}; a^{\langle t' \rangle}]$, and
#   reads their weighted average; nothing has to pass through one fixed vector.
# - On held-out dates the attention model reaches the accuracy printed in section 2; on these
#   short inputs the model without attention gets close in the end (section 3), but learns far
#   more slowly: it must squeeze the date into one vector first.
# - The weights α come back from every decoding step and can be plotted, edited and decoded
#   again (the what-if). Next: the Transformer replaces the recurrence by attention everywhere (week 4).
