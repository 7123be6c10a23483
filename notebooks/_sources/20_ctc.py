# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 20 · CTC: connectionist temporal classification
#
# *Sequence Models*, week 3, "Speech recognition". A recognizer hears $T_x$ audio frames
# (1,000 for 10 seconds at 100 frames per second) and must write $T_y$ characters (say 19
# for "the quick brown fox"), with $T_y \ll T_x$. A training set gives the audio and the
# transcript, **never which frame says which character**. CTC makes that unnecessary: the
# network (in practice a deep bidirectional LSTM or GRU) emits one softmax $\hat
# y^{\langle t \rangle}$ per frame, over the characters **and a blank** `_`, and the loss
# sums over every way of lining the transcript up with the frames.
#
# The lecture's **basic rule: collapse repeated characters not separated by blank**, then
# drop the blanks:
#
# $$\texttt{ttt\_h\_eee\_\_\_ \_\_\_qqq} \;\longrightarrow\; \texttt{the q}$$
#
# Plan: the rule (exercise), the alignments of a transcript, the lattice of extended labels
# and the $\alpha$ recursion (exercise), the loss and its gradient, a small model trained
# with CTC, and decoding: greedy against prefix beam search.

# %%
import itertools

import numpy as np
from tqdm.auto import tqdm

from seqlab import backend
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.exercises import check_ctc_alpha_step, check_ctc_collapse, hint, progress, reveal
from seqlab.functional import log_softmax
from seqlab.gradcheck import numerical_gradient_array, rel_error
from seqlab.speech import (
    CharNGramLM,
    ctc_count_alignments,
    ctc_greedy_decode,
    ctc_lattice,
    ctc_loss,
    ctc_prefix_beam_search,
    extended_sequence,
)
from seqlab.speech import ctc_collapse as library_collapse
from seqlab.speech.ctc import _forward_backward
from seqlab.speech.ctc_toy import LABELS, character_error_rate, make_utterances, train_toy_ctc
from seqlab.viz import show_source
from seqlab.viz.ctc import alignment_explorer, collapse_typer, lattice_explorer

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))
rng = host_rng(20)

# %% [markdown]
# ## 1. The collapse rule
# Type an alignment below (one symbol per frame, `_` is the blank): the top row shades each
# run of equal symbols, the bottom row shows the one symbol each run keeps; blank runs keep
# nothing. Try `aa_a` against `aaa`: **the blank is what keeps two equal letters apart**, so
# "book" needs at least one `_` between its o's.

# %%
# NBVAL_IGNORE_OUTPUT
typer = collapse_typer("ttt_h_eee___ ___qqq")
assert "“the q”" in typer.figure.layout.title.text
typer.update(alignment="b_oo_oo__kk")
assert "“book”" in typer.figure.layout.title.text
typer.update(alignment="ttt_h_eee___ ___qqq")
typer

# %% [markdown]
# ### Exercise 1: `ctc_collapse`
# Write `ctc_collapse(path, blank)`: `path` is a list of ints (one per frame), `blank` the
# blank's index; return the list of labels: first merge each run of equal neighbours into
# one, then remove the blanks.

# %%
def ctc_collapse(path, blank):
    """The lecture's rule: merge runs of equal symbols, then drop the blanks."""
    ### BEGIN SOLUTION
    out, prev = [], None
    for k in path:
        if k != prev and k != blank:
            out.append(k)
        prev = k
    return out
    ### END SOLUTION


# %%
check_ctc_collapse(ctc_collapse)

# %% [markdown]
# `hint("ctc_collapse")` gives a hint (three, one per call); `reveal("ctc_collapse")` shows
# the library's answer, which works on strings too:

# %%
print(library_collapse("ttt_h_eee___ ___qqq", blank="_"), library_collapse([1, 1, 0, 1, 2], 0))

# %% [markdown]
# ## 2. How many alignments?
# CTC's probability of a transcript $y$ is the sum over **all** alignments $\pi$ that
# collapse to it, $p(y \mid x) = \sum_{\pi \in \mathcal B^{-1}(y)} \prod_t \hat
# y^{\langle t\rangle}_{\pi_t}$. Pick a target and a number of frames: the widget lists a few
# alignments and counts them all. Their number grows quickly with $T$, so the sum must be
# computed cleverly.

# %%
# NBVAL_IGNORE_OUTPUT
explorer = alignment_explorer("cat", 6)
assert explorer.figure.layout.title.text.startswith(f"{ctc_count_alignments('cat', 6, '_'):,}")
explorer

# %%
for target, T in [("cat", 6), ("cat", 20), ("book", 8), ("aa", 2), ("aa", 3)]:
    print(f"{target!r:>7} in {T:>2} frames: {ctc_count_alignments(target, T, '_'):>12,} "
          "alignments")
brute = sum(library_collapse("".join(p), "_") == "cat"
            for p in itertools.product("_act", repeat=6))
assert brute == ctc_count_alignments("cat", 6, "_")
print(f"brute force over all 4^6 strings: {brute} for 'cat' in 6 frames")

# %% [markdown]
# ## 3. The lattice and the α recursion
# Write the target with a blank before, between and after its labels: the **extended label
# sequence** $l' = (\_, y_1, \_, y_2, \dots, \_, y_S, \_)$ of length $L = 2S + 1$. Every
# alignment is a path through the grid (nodes $s$ of $l'$) × (frames $t$) that starts at
# $s = 1$ or $2$, ends at $L$ or $L - 1$, and at each frame **stays**, moves **one** node
# down, or **skips** a blank, $s - 2 \to s$, when $l'_s$ is a label different from
# $l'_{s-2}$ (between equal labels the blank is required). $\alpha_t(s)$ sums the
# probabilities of all path prefixes at node $s$ at frame $t$:
#
# $$\alpha_t(s) = \hat y^{\langle t\rangle}_{l'_s} \Big(\alpha_{t-1}(s) + \alpha_{t-1}(s-1)
#   + [\text{skip}_s]\,\alpha_{t-1}(s-2)\Big), \qquad
#   p(y \mid x) = \alpha_T(L) + \alpha_T(L-1).$$
#
# Over 100+ frames these products underflow, so the library works with $\log\alpha$: a
# product becomes a sum, a sum becomes $\mathrm{logsumexp}$ (`np.logaddexp`).

# %%
print("l' for 'book':", "".join(extended_sequence("book", "_")))

# %% [markdown]
# ### Exercise 2: one step of α
# Write `ctc_alpha_step(log_alpha_prev, log_y_t, ext, blank)` for one utterance: given
# $\log\alpha_{t-1}$ $(L,)$, the frame's log-softmax `log_y_t` $(n_y,)$ and the extended
# labels `ext` $(L,)$ (ints), return $\log\alpha_t$ $(L,)$. Impossible nodes hold `-np.inf`.

# %%
def ctc_alpha_step(log_alpha_prev, log_y_t, ext, blank):
    """log α_t(s) = log ŷ_t[l'_s] + logsumexp(α_{t-1}(s), α_{t-1}(s-1), [skip] α_{t-1}(s-2))."""
    ### BEGIN SOLUTION
    a, L = np.asarray(log_alpha_prev, dtype=float), len(ext)
    s1 = np.concatenate([[-np.inf], a[:-1]])
    s2 = np.concatenate([[-np.inf, -np.inf], a[:-2]])[:L]
    before = np.concatenate([[blank, blank], ext[:-2]])[:L]
    skip = (ext != blank) & (ext != before) & (np.arange(L) >= 2)
    total = np.logaddexp(np.logaddexp(a, s1), np.where(skip, s2, -np.inf))
    return total + log_y_t[ext]
    ### END SOLUTION


# %%
check_ctc_alpha_step(ctc_alpha_step)

# %% [markdown]
# The library runs this step for a whole batch and all nodes at once: only time is a Python
# loop. Its backward twin $\beta_t(s)$ sums the path *suffixes* from node $s$ at frame $t$.
# Here is the forward-backward in log space, as `ctc_lattice` runs it for the pictures below
# (a finite "log 0" inside the loop keeps the max-shifted logsumexp clear of
# $-\infty - (-\infty)$). `ctc_loss` computes the same sums twice as fast in probability
# space, rescaling $\alpha$ so that it sums to 1 every few frames, and running $\beta$ as
# the $\alpha$ of the time-reversed problem in the same loop (`seqlab/speech/_ctc_scaled.py`);
# an example whose products would underflow there falls back to this code.

# %%
show_source(_forward_backward)

# %% [markdown]
# ## 4. The loss, checked by brute force, and its gradient
# $\mathcal L = -\log p(y \mid x)$. On a tiny case we can sum over all $n_y^{T}$ alignments
# directly and compare. For training we need $\partial\mathcal L / \partial z$: with the
# posterior of each lattice node $\gamma_t(s) = \alpha_t(s)\beta_t(s) / (\hat
# y^{\langle t \rangle}_{l'_s}\, p(y\mid x))$,
#
# $$\frac{\partial \mathcal L}{\partial z^{\langle t\rangle}_k} = \hat y^{\langle t
#   \rangle}_k - \sum_{s:\ l'_s = k} \gamma_t(s),$$
#
# the softmax output minus the posterior of $k$ at frame $t$: the same "prediction minus
# target" as cross-entropy, with a *soft* target computed by forward-backward. We check it
# against finite differences.

# %%
z = rng.normal(size=(3, 1, 6))                       # (n_y, m, T_x): blank, a, b
target = [1, 2, 1]                                   # "aba"
losses, dz = ctc_loss(z, [target])
lp = log_softmax(z[:, 0], axis=0)
brute = -np.log(sum(np.exp(sum(lp[k, t] for t, k in enumerate(p)))
                    for p in itertools.product(range(3), repeat=6)
                    if library_collapse(list(p), 0) == target))
print(f"CTC loss {losses[0]:.10f}, brute force over 3^6 alignments {brute:.10f}")
assert abs(losses[0] - brute) < 1e-10

num = numerical_gradient_array(lambda zz: ctc_loss(zz, [target])[0], z.copy(), np.ones(1))
err = rel_error(num, dz)
assert err < 1e-7
print("gradient vs finite differences: relative error below 1e-7")

# %% [markdown]
# The library equals PyTorch's `ctc_loss` (loss and gradient, float64, 1e-9) on batches with
# variable lengths, repeated labels and any blank index; see `tests/test_ctc.py`. A target
# too long for its frames (counting the blanks its repeats need) has probability 0. PyTorch
# returns a loss of $+\infty$ and NaN gradients for it, which would wreck a training step
# without a word; seqlab refuses it and says which example, and `zero_infinity=True` turns
# such examples off (loss 0, gradient 0), as in PyTorch.

# %%
try:
    ctc_loss(z, [[1, 1, 1, 1]])                     # 4 labels + 3 blanks between repeats > 6
except ValueError as err:
    print(f"ValueError: {err}")
off, d_off = ctc_loss(z, [[1, 1, 1, 1]], zero_infinity=True)
print(f"with zero_infinity=True: loss {off[0]}, largest gradient {abs(d_off).max()}")
assert off[0] == 0 and not d_off.any()

# %% [markdown]
# ## 5. Training a model with CTC
# Real speech comes in notebook 21. Here a stand-in: each digit 0–9 has its own random
# "sound" (a column of 16 features, like a spectrogram column), held for 2–4 frames, with
# pauses of 0–2 frames (always one between equal digits) and noise. A one-layer
# bidirectional GRU (32 units per direction) reads the frames and emits 11 softmax outputs
# per frame (blank + 10 digits); Adam minimizes the mean CTC loss on fresh batches of 32.
# Nobody tells it where the digits are.

# %%
# NBVAL_IGNORE_OUTPUT
net, history = train_toy_ctc(steps=250, progress=lambda r: tqdm(r, desc="CTC training",
                                                                  mininterval=1.0))
assert len(history) == 250

# %%
test = make_utterances(200, 2020)                    # held-out utterances
logits, _ = net.forward(test.x, lengths=test.lengths)
greedy = ctc_greedy_decode(logits, test.lengths)
cer_greedy = character_error_rate(greedy, test.targets)
print(f"mean CTC loss: {np.mean(history[:10]):.1f} (first 10 steps) → "
      f"{np.mean(history[-10:]):.2f} (last 10)")
print(f"greedy CER on 200 held-out utterances: {cer_greedy:.1%}")
assert np.mean(history[-10:]) < 0.1 * np.mean(history[:10]) and cer_greedy < 0.1

# %% [markdown]
# ## 6. The lattice of the trained model
# For held-out utterances: the input features (the "spectrogram"), $\log\alpha$ and
# $\log\beta$ over (extended labels × frames) with the most likely alignment (red), and the
# posteriors $\hat y^{\langle t\rangle}$. The trained model is confident: the posteriors are
# nearly one-hot, switching between the blank (in the pauses, and often on the first or last
# frame of a digit) and the digits. $\alpha$ and $\beta$ are large only in a narrow band
# around the path: their colour scale runs from 0 down to $-20$ nats ($e^{-20} \approx 2
# \times 10^{-9}$), and everything less likely is white (hover shows the value; far from the
# path it is $-60$ to $-120$). Move the slider for other utterances.

# %%
# NBVAL_IGNORE_OUTPUT
show = slice(0, 6)
names = ["".join(LABELS[k] for k in y) for y in test.targets[show]]
lat = ctc_lattice(logits[:, show].astype(np.float64), test.targets[show], test.lengths[show])
box = lattice_explorer(lat, LABELS, spectrograms=[test.x[:, b] for b in range(6)],
                       names=[f"utterance “{n}”" for n in names])
box.update(b=1)
assert np.shape(box.figure.data[1].z) == (2 * len(test.targets[1]) + 1, test.lengths[1])
box.update(b=0)
box

# %%
blank_share = float((logits.argmax(axis=0)[:, :test.lengths.min()] == 0).mean())
print(f"share of frames whose most probable output is the blank: {blank_share:.0%}")

# %% [markdown]
# ## 7. Decoding: greedy against prefix beam search
# **Greedy** (best path) takes the most probable symbol per frame and collapses: it finds the
# most probable *alignment*. The most probable *transcript* sums over all of its alignments,
# and the two can differ. Two frames, $P(\_) = 0.6$ and $P(a) = 0.4$ in each: the best path
# `__` gives "" with probability 0.36, but "a" has three alignments `aa`, `a_`, `_a` with
# $0.16 + 0.24 + 0.24 = 0.64$.
#
# **Prefix beam search** keeps the $B$ best transcript *prefixes*; each carries the
# probability of its alignments ending in a blank, $p_b$, and not, $p_{nb}$, so that
# alignments collapsing to the same prefix are summed as the search goes:
# $p_b^t(\ell) = (p_b^{t-1}(\ell) + p_{nb}^{t-1}(\ell))\,\hat y^{\langle t\rangle}_\_$;
# appending $c$: $p_{nb}^t(\ell c) \mathrel{+}= \hat y^{\langle t\rangle}_c\,(p_b^{t-1}(\ell)
# + [c \ne \text{last}(\ell)]\,p_{nb}^{t-1}(\ell))$; repeating the last character without a
# blank keeps the prefix: $p_{nb}^t(\ell) \mathrel{+}= \hat y^{\langle t\rangle}_{\text{last}}
# \,p_{nb}^{t-1}(\ell)$.

# %%
two = np.log(np.array([[0.6, 0.6], [0.4, 0.4]]))     # (n_y, T): blank, a
res = ctc_prefix_beam_search(two, beam_width=4)
print("greedy:", ctc_greedy_decode(two[:, None, :])[0], " beam:",
      [(list(lab), round(float(np.exp(p)), 2)) for lab, p in zip(res.labels, res.log_probs)])
assert ctc_greedy_decode(two[:, None, :])[0] == [] and res.best == (1,)

# %% [markdown]
# On the trained model (beam 8, symbols below probability $10^{-3}$ skipped):

# %%
lp_test = log_softmax(logits.astype(np.float64), axis=0)
beam = [list(ctc_prefix_beam_search(lp_test[:, b, :test.lengths[b]], 8,
                                    prune=np.log(1e-3)).best) for b in range(200)]
cer_beam = character_error_rate(beam, test.targets)
differ = sum(g != b for g, b in zip(greedy, beam))
print(f"CER greedy {cer_greedy:.1%}, prefix beam search {cer_beam:.1%}; the two outputs "
      f"differ on {differ} of 200 utterances")
assert cer_beam <= cer_greedy + 0.005

# %% [markdown]
# A confident model leaves little for the search to fix. Where it helps more is with a
# **language model**: each appended character adds $\alpha \log P_{LM}(c \mid \ell) + \beta$
# to the score. Suppose our speakers only say the digits in *ascending* runs ("1234",
# "3456"...): a character bigram model counted from such strings knows that "2" follows "1".
# On noisier utterances (noise 0.9 instead of 0.35) the LM repairs some errors.

# %%
ascending = ["".join(str((s + i) % 10) for i in range(n)) for s in range(10) for n in (3, 4, 5)]
lm = CharNGramLM(ascending * 5, list("0123456789"), n=2, k=0.1)
starts, sizes = rng.integers(0, 10, size=60), rng.integers(3, 6, size=60)
truths = ["".join(str((s0 + i) % 10) for i in range(n)) for s0, n in zip(starts, sizes)]
noisy = make_utterances(60, 7, noise=0.9, texts=truths)    # ascending digits, more noise
lz, _ = net.forward(noisy.x, lengths=noisy.lengths)
lpn = log_softmax(lz.astype(np.float64), axis=0)
lm_score = lm.scorer(LABELS)
results = {}
for name, kw in [("greedy", None), ("beam 8", {}), ("beam 8 + LM", dict(lm_score=lm_score,
                                                                         alpha=1.0, beta=1.0))]:
    if kw is None:
        hyps = ctc_greedy_decode(lz, noisy.lengths)
    else:
        hyps = [list(ctc_prefix_beam_search(lpn[:, b, :noisy.lengths[b]], 8, **kw).best)
                for b in range(60)]
    results[name] = character_error_rate(hyps, noisy.targets)
    print(f"{name:>12}: CER {results[name]:.1%}")
assert results["beam 8 + LM"] < results["greedy"]

# %% [markdown]
# ## Summary
# - CTC trains a frame-by-frame network on unaligned transcripts by summing over all
#   alignments; the blank separates repeated characters and fills silences.
# - The sum is the forward-backward recursion on the extended label sequence, in log space;
#   its gradient is "softmax output minus node posteriors".
# - Greedy decoding finds the best alignment; prefix beam search approximates the best
#   transcript and can add a language model.
#
# Notebook 21 trains a deep bidirectional GRU with this loss on synthesized speech.

# %%
progress()
