# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 26 · The Transformer on real tasks
#
# *Sequence Models*, week 4: "Transformer Network". Notebooks 23-25 built the pieces; here the
# whole encoder-decoder works on two tasks:
# 1. the **recipe** of *Attention Is All You Need*: Adam with a warm-up learning rate, and
#    label smoothing;
# 2. **date translation**, Week 3's task ("3 sep 1993" -> "1993-09-03"), with the Transformer
#    beside Week 3's RNN with attention: accuracy on the same held-out dates, and training
#    cost;
# 3. a harder task, **number words -> digits** ("two million and five" -> "2000005"), with
#    greedy decoding against Week 3's beam search, and the heads of the trained model for a
#    number you type.
#
# Both Transformers ship with seqlab (`tools/train_transformer_tasks.py` made them); here they
# are loaded and measured again on a few hundred test examples. Run it top to bottom
# (**Run ▸ Run All Cells**); it takes about 20 seconds.

# %%
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

import seqlab
from seqlab import backend
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.data.dates import load_dates
from seqlab.data.numbers import load_numbers, number_vocabs, tokenize_words
from seqlab.exercises import check_smooth_labels, check_transformer_lr, hint
from seqlab.seq2seq.encoder_decoder import load_seq2seq
from seqlab.transformer import label_smoothed_cross_entropy, schedule
from seqlab.transformer.tasks import TaskModel, score, train_task
from seqlab.viz.plots import activation_curves, probability_bars
from seqlab.viz.source import show_source
from seqlab.viz.transformer import attention_heads_view, attention_trace

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(26)            # one seeded generator: Run All gives the same numbers every time
ROOT = Path(seqlab.__file__).parent
dates_tf = TaskModel.load(ROOT / "transformer" / "pretrained" / "dates.npz")
numbers_tf = TaskModel.load(ROOT / "transformer" / "pretrained" / "numbers.npz")
dates_rnn = load_seq2seq(ROOT / "seq2seq" / "pretrained" / "dates_attention.npz")
print(dates_tf)

# %% [markdown]
# ## 1. The recipe
# ### Warm-up
# The paper trains with Adam ($\beta_1 = 0.9$, $\beta_2 = 0.98$, $\epsilon = 10^{-9}$) and a
# learning rate that first **grows** linearly for `warmup` steps and then **decays** as
# $1/\sqrt{\text{step}}$:
#
# $$\mathrm{lrate}(s) = f \cdot d_{model}^{-0.5} \cdot \min\!\big(s^{-0.5},\; s \cdot
# \mathrm{warmup}^{-1.5}\big) \quad (1)$$
#
# Why grow first? In the first steps Adam's second-moment estimate $s_{dW}$ rests on a handful
# of gradients, so its steps are erratic, and a post-norm Transformer (Add & Norm after each
# sub-layer) diverges easily with a large early step. The two branches meet at
# $s = \mathrm{warmup}$, where the rate peaks at $f / \sqrt{d_{model}\,\mathrm{warmup}}$.

# %% [markdown]
# ### Exercise: `transformer_lr`
# Write eq. (1) with $f = 1$: `transformer_lr(step, d_model, warmup_steps)` (the check tries
# the paper's $d_{model} = 512$, warmup 4000 and this notebook's 64 and 400; its first case is
# after the warm-up, its second at step 1). Stuck? `hint("transformer_lr")`.

# %%
def transformer_lr(step, d_model, warmup_steps):
    """The learning rate (1) at update number step >= 1, factor f = 1."""
    ### BEGIN SOLUTION
    return d_model ** -0.5 * min(step ** -0.5, step * warmup_steps ** -1.5)
    ### END SOLUTION

# %%
check_transformer_lr(transformer_lr)

# %% [markdown]
# The library's version (it also takes the factor $f$ and checks its arguments):

# %%
show_source(schedule.transformer_lr)

# %%
# NBVAL_IGNORE_OUTPUT
steps = np.arange(1, 8001, 20)
lr = schedule.transformer_lr                                  # the library's (1)
curves = {"paper: d_model 512, warmup 4000": [lr(int(s), 512, 4000) for s in steps],
          "here: d_model 64, warmup 400": [lr(int(s), 64, 400) for s in steps]}
fig = activation_curves(steps, curves, title="the warm-up schedule (1)")
fig.update_layout(xaxis_title="step s", yaxis_title="learning rate")
peak = np.asarray(curves["here: d_model 64, warmup 400"])
assert steps[peak.argmax()] in (381, 401) and abs(peak.max() - 1 / np.sqrt(64 * 400)) < 1e-5
fig

# %% [markdown]
# ### Label smoothing
# The one-hot target asks for probability 1 on the right token, which only infinite logits
# give: the model keeps growing its weights to be ever more confident. Label smoothing trains
# towards a softened target instead, $1 - \varepsilon$ on the right token and $\varepsilon$
# spread over the $V$ tokens:
#
# $$q = (1 - \varepsilon)\, \mathrm{onehot}(y) + \frac{\varepsilon}{V}, \qquad
# J = -\sum_v q_v \log \hat y_v, \qquad \frac{\partial J}{\partial z} = \hat y - q \quad (2)$$
#
# The gradient vanishes at $\hat y = q$: the best prediction puts
# $1 - \varepsilon + \varepsilon / V$ on the right token, not 1. Below, one position of a
# 13-token vocabulary: the logit of the right token is $z$, the others 0. Without smoothing the
# loss keeps falling as $z$ grows; with $\varepsilon = 0.1$ it has a minimum and rises again
# (over-confidence is punished). The paper notes it "hurts perplexity, as the model learns to
# be more unsure, but improves accuracy and BLEU score".

# %% [markdown]
# ### Exercise: `smooth_labels`
# Write the smoothed targets $q$ of eq. (2) for a batch of labels: `smooth_labels(y, V,
# epsilon)` takes int labels `y` $(m,)$ and returns $q$ $(m, V)$. Careful: there are two
# conventions in the wild; this one (the paper's and torch's) gives $\varepsilon / V$ to
# **every** token, the right one included. Stuck? `hint("smooth_labels")`.

# %%
def smooth_labels(y, V, epsilon):
    """q = (1 - ε) onehot(y) + ε / V, one row (V,) per label: (m, V)."""
    ### BEGIN SOLUTION
    return (1 - epsilon) * np.eye(V)[y] + epsilon / V
    ### END SOLUTION

# %%
check_smooth_labels(smooth_labels)

# %% [markdown]
# The library computes the loss and its gradient $(\hat y - q)/N$ directly, skipping the pad
# positions:

# %%
show_source(label_smoothed_cross_entropy)

# %%
# NBVAL_IGNORE_OUTPUT
V = 13
z = np.linspace(-2, 12, 141)
logits = np.zeros((1, len(z), V))
logits[0, :, 3] = z                                          # token 3 is the right one
y = np.full((1, len(z)), 3)
loss_curves = {}
for eps in (0.0, 0.1):
    per_z = [label_smoothed_cross_entropy(logits[:, i:i + 1], y[:, i:i + 1], eps)[0]
             for i in range(len(z))]
    loss_curves[f"ε = {eps}"] = per_z
fig = activation_curves(z, loss_curves, title="loss of one position vs the right logit z")
fig.update_layout(xaxis_title="logit z of the right token (others 0)", yaxis_title="loss J")
best = z[np.argmin(loss_curves["ε = 0.1"])]
p_best = np.exp(best) / (np.exp(best) + V - 1)
assert np.all(np.diff(loss_curves["ε = 0.0"]) < 0) and 4 < best < 6
assert abs(p_best - (0.9 + 0.1 / V)) < 0.01
fig

# %%
print(f"with ε = 0.1 the loss is smallest at z = {best:.1f}, where the right token gets "
      f"p = {p_best:.3f} ≈ 1 - ε + ε/V = {0.9 + 0.1 / V:.3f}")

# %% [markdown]
# Both come together in `train_task`: minibatches, teacher forcing (the decoder reads
# `bos y1 ... y(n-1)` and must predict `y1 ... yn eos`, every position at once under the
# look-ahead mask), label-smoothed loss, the model's hand-written backward pass, and Adam with
# schedule (1):

# %%
show_source(train_task)

# %% [markdown]
# A small Transformer (1 layer each side, $d_{model} = 32$) trained live for 300 steps on
# numbers of up to 3 digits (a couple of seconds), to see the loss fall. Note the floor: with
# label smoothing the loss cannot reach 0 (its minimum is the entropy of $q$).

# %%
# NBVAL_IGNORE_OUTPUT
src_vocab, tgt_vocab = number_vocabs("en")
tiny = TaskModel.create(src_vocab, tgt_vocab, "words", seed=0, d_model=32, n_heads=4,
                        d_ff=64, n_layers=1, max_len=32, dropout=0.0, label_smoothing=0.1)
words, digits = load_numbers("train", 2000, seed=0, max_digits=3)
bar = tqdm(total=300, desc="training", mininterval=0.5)
hist = train_task(tiny, words, digits, steps=300, batch_size=32, warmup_steps=100, factor=1.0,
                  seed=0, callback=lambda step, loss: bar.update(1))
bar.close()
assert len(hist["loss"]) == 300

# %%
floor = -(0.9 + 0.1 / V) * np.log(0.9 + 0.1 / V) - (V - 1) * (0.1 / V) * np.log(0.1 / V)
print(f"the floor of the loss with ε = 0.1, V = 13: {floor:.2f}")

# %% [markdown]
# Where the loss ends after 300 steps, and how many numbers the model then writes right,
# depends on your CPU: each floating-point path (BLAS kernels, SIMD loops, threads) rounds the
# last bit differently, and 300 steps of training turn that into a slightly different model.
# On the CPU paths seqlab is tested on, the last 10 steps averaged 0.55-0.60 and the exact
# match was 0.94-1.00; the cell checks what holds on all of them.

# %%
# NBVAL_IGNORE_OUTPUT
first, last = np.mean(hist["loss"][:10]), np.mean(hist["loss"][-10:])
print(f"loss {first:.2f} (first 10 steps) -> {last:.2f} (last 10)")
val_w, val_d = load_numbers("val", 200, seed=0, max_digits=3)
tiny_score = score(tiny.greedy(val_w, max_len=4), val_d)
print(f"exact match on 200 validation numbers below 1000: {tiny_score['exact_match']:.2f}")
assert last < 0.4 * first and floor < last < 0.7 and tiny_score["exact_match"] > 0.9

# %%
# NBVAL_IGNORE_OUTPUT
fig = activation_curves(np.arange(1, 301), {"loss": hist["loss"]},
                        title="the tiny model's training loss (label smoothing ε = 0.1)")
fig.add_hline(y=floor, line_dash="dot", annotation_text="floor: entropy of q")
fig.update_layout(xaxis_title="step", yaxis_title="loss")
assert len(fig.data[0].y) == 300
fig

# %% [markdown]
# ## 2. Dates: the Transformer beside the RNN with attention
# Week 3's model (notebook 17) reads the date with a bidirectional LSTM and decodes with an
# LSTM that attends to it one step at a time. The Transformer replaces both recurrences by
# attention: 2 encoder and 2 decoder layers, $d_{model} = 64$, 4 heads, ~172,000 parameters.
# Both were trained on the same 20,000 pairs (`load_dates('train', 20000, seed=0)`) and are
# tested here on the same 300 **held-out dates** (a test date never appears in training, in
# any format).

# %%
test_h, test_iso = load_dates("test", 300, seed=0)
pred_tf = dates_tf.greedy(test_h, max_len=11)
pred_rnn = ["".join(t) for t in dates_rnn.translate(test_h, max_len=12)]
acc_tf, acc_rnn = score(pred_tf, test_iso), score(pred_rnn, test_iso)
mt, mr = dates_tf.meta, dates_rnn.meta
n_tf = sum(v.size for v in dates_tf.model.params.values())
n_rnn = sum(v.size for v in dates_rnn.params.values())
print(f"{'':24}{'Transformer':>14}{'RNN + attention':>18}")
print(f"{'exact match (300 here)':24}{acc_tf['exact_match']:>14.3f}{acc_rnn['exact_match']:>18.3f}")
print(f"{'char error rate':24}{acc_tf['cer']:>14.4f}{acc_rnn['cer']:>18.4f}")
print(f"{'exact match (2000, file)':24}{mt['test_exact_match']:>14.3f}"
      f"{mr['test_accuracy']:>18.3f}")
print(f"{'parameters':24}{n_tf:>14,}{n_rnn:>18,}")
print(f"{'training steps (64/batch)':24}{mt['steps']:>14,}{mr['steps']:>18,}")
print(f"{'training time, s (wall)':24}{mt['train_seconds']:>14,}{mr['train_seconds']:>18,}")
cpu = mt["step_cpu_seconds"]
ratio = cpu["transformer"] / cpu["rnn_attention"]
print(f"{'CPU s per step (batch 64)':24}{cpu['transformer']:>14.3f}{cpu['rnn_attention']:>18.3f}")
print(f"a Transformer step costs {ratio:.1f}x an RNN step on one CPU core; it needed "
      f"{mt['steps'] / mr['steps']:.2f}x the steps")
assert acc_tf["exact_match"] > 0.9 and acc_rnn["exact_match"] > 0.9 and ratio > 1

# %% [markdown]
# Read the costs with care. The wall-clock times come from the files' metadata and were
# measured on a shared 2-core machine under other people's (different) load: they are rough.
# The CPU time per step was measured for both models in one process, back to back, on the same
# batches (`tools/train_transformer_tasks.py --task dates --time-steps`, 20 steps: still noisy).
# On one CPU core and at these small sizes, a Transformer step costs more than an RNN step: its
# 2 + 2 layers with 4 heads, feed-forward layers and a 44-token softmax per position do more
# arithmetic than a 32-unit Bi-LSTM and a 64-unit LSTM. The Transformer's advantage is
# elsewhere: every position of a sequence is computed at once (teacher forcing + the
# look-ahead mask), in a few large matrix products instead of a loop of ~25 + 11 small
# steps, which is what a GPU runs fast and what lets long sequences and big models train.
# The two reach about the same accuracy on held-out dates.

# %%
# NBVAL_IGNORE_OUTPUT
fig = probability_bars(["Transformer", "RNN + attention"],
                       [acc_tf["exact_match"], acc_rnn["exact_match"]],
                       title="dates: exact match on 300 held-out dates", y_title="exact match")
assert list(fig.data[0].y) == [acc_tf["exact_match"], acc_rnn["exact_match"]]
fig

# %% [markdown]
# Which inputs does the Transformer get wrong? (Often: formats of a locale with few training
# pairs, or two-digit years.)

# %%
wrong = [(h, p, t) for h, p, t in zip(test_h, pred_tf, test_iso) if p != t]
print(f"{len(wrong)} of {len(test_h)} wrong")
for h, p, t in wrong[:6]:
    print(f"  {h!r:40} -> {p}  (want {t})")

# %% [markdown]
# ## 3. Number words -> digits
# A harder task: "two million and five" must become `2000005`. The output length is not fixed,
# and the model must **count places**: "million" means 6 more digits, most of them zeros that
# no word mentions. The source is a sequence of words (`tokenize_words` splits hyphens and
# commas off), the target a sequence of digits. Numbers have 1 to 9 digits, each length equally
# likely; numbers from 1000 on are split by hash into train/val/test, so every test number
# of 4+ digits is new to the model (below 1000 the numbers are the building blocks and are
# shared: the table by length tells them apart).
#
# A trap in the data: random digits almost never give runs of zeros, so "ninety million and
# one" (90000001) would hardly ever be seen, and a test set drawn the same way would not notice
# a model that cannot write it. The training set therefore mixes in 30 % **zero-rich**
# numbers (each digit after the first kept with probability 1/4), and the model is tested on
# both kinds: 2000 uniform test numbers and 500 zero-rich ones.

# %%
words, digits = load_numbers("test", 2000, seed=0)
print(tokenize_words(words[4]), "->", digits[4])
pred_g = numbers_tf.greedy(words, max_len=10)
res_g = score(pred_g, digits)
lengths = np.array([len(d) for d in digits])
right = np.array([p == d for p, d in zip(pred_g, digits)])
print(f"greedy: exact match {res_g['exact_match']:.4f}, character error rate "
      f"{res_g['cer']:.4f} on all 2000 test numbers ({(~right).sum()} wrong)")
print("exact match by digit count:",
      {int(k): round(float(right[lengths == k].mean()), 3) for k in np.unique(lengths)})
assert res_g["exact_match"] == numbers_tf.meta["test_exact_match"] > 0.95

# %%
zr_words, zr_digits = load_numbers("test", 500, seed=0, zeros=1.0)
res_zr = score(numbers_tf.greedy(zr_words, max_len=10), zr_digits)
print(f"zero-rich test numbers, e.g. {zr_words[0]!r} -> {zr_digits[0]}:")
print(f"greedy: exact match {res_zr['exact_match']:.3f}, character error rate "
      f"{res_zr['cer']:.4f} on 500 (the file, on 1000: "
      f"{numbers_tf.meta['test_zero_rich_1000']['exact_match']:.3f})")
assert res_zr["exact_match"] > 0.9

# %% [markdown]
# ### Greedy vs beam search
# Decoding with Week 3's `beam_search` needs only a step function
# `step_fn(last_tokens, states) -> (log_probs, states)` over the $k$ live hypotheses. The
# Transformer's `decode_step` keeps the prefix of each hypothesis in its state and runs the
# decoder on it (masked self-attention over the prefix, cross-attention to the encoder output,
# which is computed once per source). `TaskModel.step` wraps it: an output never contains
# `<pad>` or a second `<bos>`, so their log-probabilities are set to $-\infty$ and the rest
# renormalized; greedy decoding and beam search both call it.

# %%
show_source(numbers_tf.model.decode_step)

# %%
show_source(TaskModel.step)

# %%
show_source(TaskModel.beam)

# %%
n_beam = 100
pred_b = [numbers_tf.beam(w, beam_width=4, max_len=10)[0] for w in words[:n_beam]]
res_b, res_g100 = score(pred_b, digits[:n_beam]), score(pred_g[:n_beam], digits[:n_beam])
print(f"first {n_beam} test numbers: greedy exact match {res_g100['exact_match']:.2f} "
      f"(CER {res_g100['cer']:.4f}), beam 4 {res_b['exact_match']:.2f} (CER {res_b['cer']:.4f})")
m = numbers_tf.meta
print(f"from the file, first 300: greedy {m['test300_greedy']['exact_match']:.3f}, "
      f"beam 4 {m['test300_beam4']['exact_match']:.3f}")
print(f"beam search changed {sum(g != b for g, b in zip(pred_g, pred_b))} of {n_beam} answers")

# %% [markdown]
# Here greedy and beam agree: for a well-trained model whose per-step distributions are sharp,
# the best next digit is rarely in doubt, and beam search can only help where greedy decoding
# goes wrong (an early digit that looked best locally but led to an unlikely continuation).
# The shipped model makes no such mistakes on these test sets, and the tiny model of section 1
# may already make none after 300 steps. So take the same recipe stopped after 120 steps
# (`python tools/train_transformer_tasks.py --task tiny` saved it; 0.1 MB), which still errs:
# greedy vs beam 4 on the 200 validation numbers.

# %%
tiny120 = TaskModel.load(ROOT / "transformer" / "pretrained" / "numbers_tiny.npz")
tiny_g = tiny120.greedy(val_w, max_len=4)
tiny_b = {i: tiny120.beam(w, beam_width=4, max_len=4) for i, w in enumerate(val_w)}
res_tg = score(tiny_g, val_d)
res_tb = score([tiny_b[i][0] for i in range(len(val_w))], val_d)
changed = [i for i, g in enumerate(tiny_g) if tiny_b[i][0] != g]
fixed = [i for i in changed if tiny_b[i][0] == val_d[i]]
broken = [i for i in changed if tiny_g[i] == val_d[i]]
print(f"after {tiny120.meta['steps']} steps, 200 numbers below 1000: greedy exact match "
      f"{res_tg['exact_match']:.3f} (CER {res_tg['cer']:.3f}), beam 4 "
      f"{res_tb['exact_match']:.3f} (CER {res_tb['cer']:.3f})")
print(f"beam search changed {len(changed)} answers: fixed {len(fixed)}, broke {len(broken)}")
assert res_tg == tiny120.meta["val200_greedy"] and res_tb == tiny120.meta["val200_beam4"]

# %% [markdown]
# The candidates beam search ends with, ranked as in Week 3: the finished ones (ended by
# `<eos>`) first, by the length-normalized score $\frac{1}{T_y^{\alpha}} \log P(y \mid x)$
# with $\alpha = 0.7$, then those cut off at `max_len`. The answers it fixed are of two kinds.
# **Greedy committed too early**: one digit looked best at its step, but the whole answer
# it led to is less likely than another that beam search kept alive:

# %%
def answer(h):
    return "".join(tiny120.tgt_vocab.decode(h.tokens))


def show_candidates(i):
    print(f"{val_w[i]!r} should be {val_d[i]}; greedy wrote {tiny_g[i]}")
    for h in tiny_b[i][1].hypotheses[:4]:
        print(f"  {answer(h):>6}  log P = {h.log_prob:6.2f}  score = {h.score:6.2f}"
              f"{'' if h.finished else '  (cut at max_len, no <eos>)'}"
              f"{'   <- right' if answer(h) == val_d[i] else ''}"
              f"{'   <- greedy' if answer(h) == tiny_g[i] else ''}")


greedy_h = {i: next((h for h in tiny_b[i][1].hypotheses if answer(h) == tiny_g[i]), None)
            for i in fixed}
too_early = [i for i in fixed if greedy_h[i] is not None and greedy_h[i].finished
             and greedy_h[i].log_prob < tiny_b[i][1].hypotheses[0].log_prob]
never_ended = [i for i in fixed if greedy_h[i] is not None and not greedy_h[i].finished]
print(f"of the {len(fixed)} fixes: {len(too_early)} where greedy's finished answer is less "
      f"likely, {len(never_ended)} where greedy's answer never ended")
if too_early:
    show_candidates(too_early[0])
else:
    print("(none of this kind for this model)")

# %% [markdown]
# **Greedy never ended**: it wrote `max_len` = 4 digits without an `<eos>`, so its answer is
# a prefix cut off, however likely its digits were; beam search answers with a finished
# candidate whenever it has one:

# %%
if never_ended:
    show_candidates(never_ended[0])
else:
    print("(none of this kind for this model)")

# %% [markdown]
# ### The heads, for a number you type
# Type number words (English, as num2words writes them: "two thousand, three hundred and
# forty-one"). The model decodes its answer greedily; the view shows every head's weights while
# it writes that answer (the decoder's input is `<bos>` and the digits written so far; the
# row of each input position attends to the words while choosing the NEXT digit). Pick the
# **cross-attention** and layer 1: each digit is written while looking at the words that
# decide it, the leading word for the first digit, a scale word ("million", "thousand") where
# zeros are due.

# %%
def prepare(text):
    """Number words -> (src, decoder input, source labels, decoder-input labels)."""
    tokens = tokenize_words(text)
    unknown = [t for t in tokens if t not in numbers_tf.src_vocab.stoi]
    if not tokens or unknown or len(tokens) > 30:
        raise ValueError(f"please type English number words (unknown: {unknown})")
    answer = numbers_tf.greedy([tokens], max_len=10)[0]                # the model's digits
    src = numbers_tf.encode_sources([tokens])                           # (1, T_x)
    tgt_in = np.array([[1] + numbers_tf.tgt_vocab.encode(answer)])      # bos + its digits
    return src, tgt_in, tokens, ["<bos>", *answer]


text = "four million, seventeen thousand and sixty-one"
src, tgt_in, tokens, labels = prepare(text)
print(text, "->", "".join(labels[1:]))
trace = attention_trace(numbers_tf.model, src, tgt_in)["cross-attention"]   # (L, h, T_y, T_x)
looks = trace[1].mean(axis=0).argmax(axis=-1)          # layer 1, mean of the heads, per row
for lab, j in zip(labels, looks):
    print(f"  after {lab:>5}: writes the next digit looking most at {tokens[j]!r}")
assert "".join(labels[1:]) == "4017061" and tokens[looks[0]] == "four"
before_zero = [k for k in range(len(labels) - 1) if labels[k + 1] == "0"]
assert all(tokens[looks[k]] in ("million", "thousand", "hundred") for k in before_zero)

# %%
# NBVAL_IGNORE_OUTPUT
heads = attention_heads_view(numbers_tf.model, prepare, text, kind="cross-attention")
heads.update(layer=1)
z = np.asarray(heads.figure.data[0].z)
assert len(heads.figure.data) == 4 and z.shape == (len(labels), len(tokens))
assert np.allclose(z.sum(axis=1), 1, atol=0.01)
heads.update(layer=0)                                  # shown at layer 0: move the slider
assert heads.controls[0].value == 0
heads

# %% [markdown]
# ## Summary
# - The recipe: Adam with a learning rate that warms up then decays as $1/\sqrt{s}$ (1), and
#   label smoothing (2), which stops the push towards infinite confidence.
# - On dates, the Transformer nearly matches Week 3's RNN with attention on held-out dates; on
#   one CPU core a step of this Transformer costs more than an RNN step, but it computes every
#   position of a sequence at once, which is what GPUs and long sequences reward.
# - On number words, exact match and the character error rate both count, and so does the
#   test distribution: numbers with runs of zeros need their own test set (and training data).
# - Beam search (Week 3) works unchanged through `decode_step`; on a well-trained model it
#   mostly agrees with greedy decoding and can only fix the few answers greedy gets wrong.
# - The trained heads show the alignment: output digits attend to the words that decide them.
#
# The shipped models: `python tools/train_transformer_tasks.py --task dates --steps 3000`
# (then `--task dates --time-steps` for the CPU time per step) and `--task numbers --steps
# 6000` (a few minutes of CPU each; the files record seed, data, steps, training time and
# test results).
