# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 03 · Language model and sampling
#
# *Sequence Models*, week 1: "Language model and sequence generation", "Sampling novel
# sequences", "Vanishing gradients with RNNs", and the programming assignment *Dinosaurus
# Island*, here on real data: the 5,163 distinct first names of the 1990 US Census. You will
# 1. ask a language model which of two sentences is more probable (the lecture's
#    "apple and pear salad");
# 2. write `clip`, the remedy for exploding gradients;
# 3. write `optimize`, one training step: forward, loss, backward, clip, update;
# 4. train a character-level RNN on names and beat the unigram and bigram baselines;
# 5. write `sample`, and generate new names with a temperature and top-k.

# %%
import numpy as np
from IPython.display import display

from seqlab import backend, lm
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.data import load_names, train_val_split
from seqlab.exercises import check_clip, check_optimize, check_sample, hint, progress, reveal
from seqlab.losses import temporal_cross_entropy
from seqlab.rnn import init_rnn_params, output_backward, rnn_backward, rnn_forward
from seqlab.rnn.network import one_hot
from seqlab.viz.lm import live_loss_curve, sampling_explorer, token_logprob_bars

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(3)             # one seeded generator: Run All gives the same numbers every time

# %% [markdown]
# ## 1. What a language model computes
# A speech recognizer hears "the apple and p**ea**r salad" and must choose between two
# spellings that sound the same. A language model gives every sentence a probability, one
# token at a time, the end-of-sentence token `<EOS>` included:
#
# $$P(y^{\langle 1 \rangle}, \dots, y^{\langle T_y \rangle}) = \prod_{t=1}^{T_y}
#   P(y^{\langle t \rangle} \mid y^{\langle 1 \rangle}, \dots, y^{\langle t-1 \rangle}),
#   \qquad \log P = \sum_t \log \hat y^{\langle t \rangle}_{y^{\langle t \rangle}}$$
#
# The RNN reads $x^{\langle t \rangle} = y^{\langle t-1 \rangle}$ and its softmax
# $\hat y^{\langle t \rangle}$ is the distribution of the next token. seqlab ships a small
# character-level LSTM (128 units) trained on the 10,033 English Wikipedia summaries of
# "vital articles" (4.9 million characters, lowercased), made by the command printed below.

# %%
wiki = lm.load_pretrained("wiki-char")
print(wiki)
print(f"made by: {wiki.info['command']}  ({wiki.info['steps']:,} steps of truncated BPTT, "
      f"{wiki.info['minutes']:.0f} minutes)")
print(f"held-out loss per character: {wiki.info['val_loss']:.3f} nats (perplexity "
      f"{lm.perplexity(wiki.info['val_loss']):.2f}); bigram baseline "
      f"{wiki.info['baselines']['bigram']:.3f}, unigram {wiki.info['baselines']['unigram']:.3f}")
counts = wiki.info["word_counts"]
print("words in its training text:", ", ".join(f"{w} {n}" for w, n in counts.items()))

# %%
pair, pear = "the apple and pair salad", "the apple and pear salad"
log_p = {s: lm.sequence_log_prob(wiki, s) for s in (pair, pear)}
for s, v in log_p.items():
    print(f"log P({s!r}) = {v:.2f} nats")
winner = max(log_p, key=log_p.get)
print(f"the model prefers {winner!r}, by {abs(log_p[pair] - log_p[pear]):.2f} nats "
      f"(a factor {np.exp(abs(log_p[pair] - log_p[pear])):.0f} in probability)")

# %% [markdown]
# Read the numbers above honestly: this model prefers **"pair"**, by about 4 nats. The bars
# show where: both sentences get the same probabilities up to "the apple and p", then each
# character its own. In its training text "pair" and "pairs" occur 77 times, "pear" and
# "pears" 8 (printed above); a 128-unit LSTM trained for about 12 minutes on one CPU core has
# learnt spelling and frequent words, not what goes into a fruit salad. The lecture's
# recognizer needs a language model trained on far more text.

# %%
# NBVAL_IGNORE_OUTPUT
lp = lm.token_log_probs(wiki, [pair, pear])
tokens = {s: list(s) + ["<EOS>"] for s in (pair, pear)}
fig = token_logprob_bars(tokens, dict(zip((pair, pear), lp, strict=True)),
                         title="log P(character | previous ones): pair vs pear")
assert np.allclose(fig.data[0].y[:15], fig.data[1].y[:15])   # identical up to "the apple and p"
assert np.isclose(fig.data[0].y.sum(), log_p[pair]) and np.isclose(fig.data[1].y.sum(), log_p[pear])
fig

# %% [markdown]
# What it gets right and wrong; the first sentence of each pair is the correct one:

# %%
right = 0
for good, bad in [("the apple and pear salad", "the appel and pear salad"),
                  ("they lost their lives", "they lost there lives"),
                  ("a pear tree", "a pair tree"),
                  ("a pair of shoes", "a pear of shoes"),
                  ("apples and pears", "apples and pairs")]:
    diff = lm.sequence_log_prob(wiki, good) - lm.sequence_log_prob(wiki, bad)
    right += diff > 0
    print(f"{good!r:>28} vs {bad!r:<28} {diff:+.2f} nats: {'right' if diff > 0 else 'WRONG'}")
print(f"{right} of 5 right")

# %% [markdown]
# Spelling and a grammatical choice ("their lives") come out right by 3 nats or more; the
# pair/pear choices, which need meaning, go either way.

# %% [markdown]
# ## 2. The data: first names, as characters
# The course trains on 1,536 dinosaur names; no package ships that list, so we use the 1990
# US Census first names (female and male lists, from the `names` package). The vocabulary is
# the 26 letters plus `<EOS>` (id 0, which ends every name and is also the start token
# $x^{\langle 1 \rangle}$) and `<UNK>` (id 1, unused by names). A seeded 90/10 split keeps
# 10 % of the names to measure how well the model generalises.

# %%
names = load_names("first")                     # lowercase, repeats removed
print(f"{len(load_names('first', unique=False)):,} names in the census lists, "
      f"{len(names):,} distinct; longest {max(map(len, names))} letters")
train_names, val_names = train_val_split(names, val_fraction=0.1, seed=0)
vocab = lm.Vocabulary.build(train_names)
print(f"{len(train_names):,} training and {len(val_names):,} validation names")
print(vocab)
ids = vocab.encode("mary")
print("'mary' ->", ids, "->", repr(vocab.decode(ids)))
x, y, mask = lm.pad_batch([vocab.encode(n) for n in ["mary", "ann"]])
print("inputs  x (x<1> = <EOS>):", x.tolist())
print("targets y (y<t> = x<t+1>):", y.tolist(), " mask:", mask.astype(int).tolist())

# %% [markdown]
# Two baselines that a recurrent model must beat, counted on the training names and scored
# on the validation names with the same targets (letters and `<EOS>`): a **unigram** model
# $P(w)$ that ignores the past, and a **bigram** model $P(w \mid v)$ that sees one letter
# back (both with add-one smoothing). A loss of $L$ nats per character is a perplexity of
# $e^L$: as unsure as a uniform choice among that many letters.

# %%
baselines = lm.ngram_baselines(vocab, train_names, val_names)
for name, loss in baselines.items():
    print(f"{name:>8}: {loss:.3f} nats per character (perplexity {lm.perplexity(loss):5.2f})")

# %% [markdown]
# ## 3. Exercise 1: `clip`
# Gradients of an RNN can explode: a product of many Jacobians through time grows
# geometrically, one huge step throws the weights far away, and the loss becomes NaN.
# Clipping by value caps every entry of every gradient:
# $dW := \min(\max(dW, -c), c)$.
#
# Write `clip(gradients, max_value)`: `gradients` is a dict with the keys of the params
# (`W_aa`, `W_ax`, `b_a`, `W_ya`, `b_y`); clip every array to $[-c, c]$ and return the dict
# (changing the arrays in place, as the course does, is fine).

# %%
def clip(gradients, max_value):
    """Clip every entry of every array in `gradients` to [-max_value, max_value]; return it."""
    ### BEGIN SOLUTION
    for key in gradients:
        np.clip(gradients[key], -max_value, max_value, out=gradients[key])
    return gradients
    ### END SOLUTION


# %%
check_clip(clip)

# %%
if not check_clip(clip).passed:   # carry on with the library's clip until yours passes
    clip = lm.course.clip

# %% [markdown]
# ## 4. Exercise 2: `optimize`, one training step
# The assignment's training step, for the course's RNN
# $a^{\langle t \rangle} = \tanh(W_{ax} x^{\langle t \rangle} + W_{aa} a^{\langle t-1 \rangle}
# + b_a)$, $\hat y^{\langle t \rangle} = \mathrm{softmax}(W_{ya} a^{\langle t \rangle} + b_y)$:
#
# 1. **forward**: `x = one_hot(X, n_x)` is $(n_x, m, T_x)$; `a, y_hat, cache = rnn_forward(x,
#    a_prev, params)`; `cache.logits` holds $W_{ya} a^{\langle t \rangle} + b_y$;
# 2. **loss**: the course's *sum* $\mathcal L = \sum_t -\log \hat y^{\langle t
#    \rangle}_{y^{\langle t \rangle}}$ with its gradient: `temporal_cross_entropy(cache.logits,
#    Y, reduction="sum")` returns `(loss, dlogits)`;
# 3. **backward**: `output_backward(dlogits, a, params)` gives $\partial J/\partial a$ and the
#    output layer's gradients; `rnn_backward(da, cache)` gives `(dx, (da0, dc0), gradients)`
#    by BPTT (`dc0` is None: the RNN has no memory cell): add the output layer's gradients to
#    them;
# 4. **clip** with your `clip`, then **update** $W := W - \alpha\, dW$.
#
# Return `loss, gradients, a_last, params` where `a_last` is $a^{\langle T_x \rangle}$ (the
# next call's `a_prev`) and `params` the updated params (a new dict, or the same one updated in
# place).

# %%
def optimize(X, Y, a_prev, params, learning_rate=0.01, max_value=5.0):
    """One step on ids X, Y (m, T_x) from a_prev (n_a, m): (loss, gradients, a_last, params)."""
    ### BEGIN SOLUTION
    x = one_hot(X, params["W_ax"].shape[1], params["W_ax"].dtype)       # (n_x, m, T_x)
    a, _, cache = rnn_forward(x, a_prev, params)                        # forward
    loss, dlogits = temporal_cross_entropy(cache.logits, Y, reduction="sum")
    da, out_grads = output_backward(dlogits, a, params)                 # output layer
    _, _, gradients = rnn_backward(da, cache)                           # BPTT
    gradients.update(out_grads)
    gradients = clip(gradients, max_value)
    new_params = {k: params[k] - learning_rate * gradients[k] for k in params}
    return loss, gradients, a[:, :, -1], new_params
    ### END SOLUTION


# %%
check_optimize(optimize)

# %% [markdown]
# The assignment's training loop: one name per step, the hidden state carried from one name
# to the next, plain gradient descent. Here 1,500 steps with your `optimize` (or the library's,
# while yours is open), the loss printed as nats per character over the last 500 names:

# %%
step_fn = optimize if check_optimize(optimize).passed else lm.course.optimize
params = init_rnn_params(n_x=len(vocab), n_a=50, n_y=len(vocab), rng=rng)
order = rng.permutation(len(train_names))
a_prev, losses, counts = np.zeros((50, 1)), [], []
for j in range(1500):
    seq = vocab.encode(train_names[order[j]])                 # letters + <EOS>
    X, Y = np.array([[vocab.eos_id] + seq[:-1]]), np.array([seq])  # (1, T_x) each
    loss, grads, a_prev, params = step_fn(X, Y, a_prev, params, learning_rate=0.01)
    losses.append(float(loss))
    counts.append(len(seq))
    if (j + 1) % 500 == 0:
        print(f"names {j - 498:>4}-{j + 1}: {sum(losses[-500:]) / sum(counts[-500:]):.3f} "
              "nats per character")

# %% [markdown]
# ## 5. Training the library's model
# `seqlab.lm` does the same job for any cell (RNN, GRU, LSTM), depth and batch: names are
# padded into batches of 64 with a mask (so padding costs no loss), the loss is the mean per
# character, Adam updates the weights, and the gradient is clipped by its global norm at 5.
# The plot updates while the model trains (every 20 steps), with the validation loss after
# each pass over the names and the baselines dashed. The model is the course's: a
# one-layer tanh RNN, here with 64 units.

# %%
# NBVAL_IGNORE_OUTPUT
model = lm.LanguageModel(vocab, n_a=64, kind="rnn", rng=0)
curve = live_loss_curve({"unigram": baselines["unigram"], "bigram": baselines["bigram"]})
display(curve)
history = lm.train(model, train_names, val_names, epochs=10, batch_size=64, lr=0.01,
                   clip_norm=5.0, seed=0, callback=curve.update_history, every=20)
assert list(curve.figure.data[1].y) == history.val_loss and len(history.val_loss) == 10
print(f"{history.step[-1]} steps, {history.tokens:,} characters in {history.seconds:.1f} s")

# %%
val_loss = history.val_loss[-1]
print(f"validation loss per character: RNN {val_loss:.3f} (perplexity "
      f"{lm.perplexity(val_loss):.2f}), bigram {baselines['bigram']:.3f}, "
      f"unigram {baselines['unigram']:.3f}")
print(f"the RNN is {baselines['bigram'] - val_loss:.3f} nats per character below the bigram")
print("log P('mary') =", round(lm.sequence_log_prob(model, "mary"), 2),
      "  log P('mxzq') =", round(lm.sequence_log_prob(model, "mxzq"), 2))

# %% [markdown]
# The RNN ends about 0.3 nats per character below the bigram (a perplexity near 7.8 instead of
# 10.7): remembering more than one letter back pays. It is the same kind of number the course's
# assignment prints, and "mary" is about $e^{27}$ times more probable than "mxzq".

# %% [markdown]
# ## 6. Exercise 3: `sample`
# To generate a name, feed the start token, draw a letter from $\hat y^{\langle 1 \rangle}$,
# feed it back as $x^{\langle 2 \rangle}$, draw again, ... until `<EOS>` is drawn or
# `max_length` letters. The protocol, so that your draws equal the library's:
#
# - `rng = np.random.default_rng(seed)`, made **once**, before the loop;
# - $x^{\langle 1 \rangle}$ = one-hot of `eos_index` (shape $(n_x, 1)$), $a^{\langle 0
#   \rangle} = 0$ (shape $(n_a, 1)$);
# - each step: $a = \tanh(W_{ax} x + W_{aa} a_{prev} + b_a)$, $\hat y = \mathrm{softmax}(W_{ya}
#   a + b_y)$, `idx = rng.choice(n_y, p=y_hat.ravel())`; append `idx`; stop if it is
#   `eos_index` or once `max_length` indices were drawn; else $x$ = one-hot of `idx`,
#   $a_{prev} = a$;
# - return the indices as a NumPy array (`np.array(indices)`).

# %%
def sample(params, seed, eos_index=0, max_length=50):
    """Sample ids from the RNN `params` (W_aa, W_ax, b_a, W_ya, b_y); returns an int array."""
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    n_a, n_x = params["W_ax"].shape
    x = np.zeros((n_x, 1))
    x[eos_index] = 1                                   # x<1> = one-hot of <EOS>
    a_prev = np.zeros((n_a, 1))
    indices = []
    while len(indices) < max_length:
        a = np.tanh(params["W_ax"] @ x + params["W_aa"] @ a_prev + params["b_a"])
        z = params["W_ya"] @ a + params["b_y"]
        y_hat = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        idx = int(rng.choice(n_x, p=y_hat.ravel()))
        indices.append(idx)
        if idx == eos_index:
            break
        x = np.zeros((n_x, 1))
        x[idx] = 1
        a_prev = a
    return np.array(indices)
    ### END SOLUTION


# %%
check_sample(sample)

# %% [markdown]
# With the trained model's weights in the course's form, your sampler and the library's
# `lm.sample` draw exactly the same names from the same seeds:

# %%
sampler = sample if check_sample(sample).passed else lm.course.sample
course_form = {k: v.astype(np.float64) for k, v in lm.course.course_params(model).items()}
yours = [vocab.decode(sampler(course_form, seed)) for seed in range(8)]
library = [lm.sample(model, 1, seed=seed, resample_unk=False)[0] for seed in range(8)]
print("yours:  ", yours)
print("library:", library)
print("identical:", yours == library)

# %% [markdown]
# ## 7. Temperature and top-k
# Dividing the logits by a temperature $\tau$ before the softmax sharpens ($\tau < 1$) or
# flattens ($\tau > 1$) the distribution; $\tau \to 0$ always takes the most likely letter.
# Top-$k$ keeps only the $k$ most likely letters. Twelve names per temperature, seeded, and
# how many of them are real census names (a model that only copied its training names would
# score 12, one that never learnt spelling 0):

# %%
census = set(load_names("first"))
for tau in (0.0, 0.5, 1.0, 1.5):
    drawn = lm.sample(model, 12, temperature=tau, seed=1, max_length=20)
    real = sum(n in census for n in drawn)
    print(f"τ = {tau}: {', '.join(drawn)}  [{real}/12 real, "
          f"{sum(n in train_names for n in drawn)} in the training set]")
print("τ = 1, top-3:", ", ".join(lm.sample(model, 12, top_k=3, seed=1, max_length=20)))

# %% [markdown]
# Greedy decoding ($\tau = 0$) gives the single most likely name twelve times. Around
# $\tau = 0.5$ the names read like names and about half are real; at $\tau = 1$ (the model's
# own distribution) they are mostly new but plausible, with a few odd letter clusters; at
# $\tau = 1.5$ rare letters creep in. Top-3 at $\tau = 1$ keeps the variety and cuts the
# oddities.

# %% [markdown]
# Move the temperature: the bars are the distribution of the first letter after the prefix
# (the one each name below is drawn from), the names are sampled with the same seed at that
# temperature. Type a prefix (e.g. `jo`) to see what the model expects next; the top-k slider
# cuts the tail (0 keeps every letter).

# %%
# NBVAL_IGNORE_OUTPUT
explorer = sampling_explorer(model, prefix="", temperature=1.0, n=8, seed=0)
explorer.update(temperature=0.05)
assert max(explorer.figure.data[0].y) > 0.9             # τ → 0: all mass on one letter
sharp = list(explorer.samples)
explorer.update(temperature=2.0)
assert max(explorer.figure.data[0].y) < 0.2             # τ = 2: flatter
explorer.update(temperature=1.0)
assert np.allclose(explorer.figure.data[0].y, lm.next_token_probs(model, "", 1.0))
explorer

# %% [markdown]
# ## 8. A clear error instead of NaN
# Without clipping, with a learning rate far too large and a ReLU RNN whose states grow like
# $(\alpha n_a)^t$, training blows up within a step or two. `lm.train` stops with an error that
# says where and what to try, instead of carrying on with NaN weights:

# %%
unstable = lm.LanguageModel(vocab, n_a=64, kind="rnn", rng=0, activation="relu")
try:
    lm.train(unstable, " ".join(train_names[:400]), window=50, batch_size=4, lr=10.0,
             clip_norm=None, progress=False)
except lm.NonFiniteLossError as err:
    print(type(err).__name__ + ":", err)

# %% [markdown]
# ## Hints, the library's answers, and your progress
# `hint("sample")` gives the next of three hints; `reveal("optimize")` shows the library's
# code, folded.

# %%
hint("sample")

# %%
reveal("optimize")

# %%
print(progress())
