# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 13 · Sequence to sequence: picking the most likely sentence
#
# *Sequence Models*, week 3: "Basic models", "Picking the most likely sentence". A
# sequence-to-sequence model reads an input $x$ (a French sentence, an image, a spelling) with
# an **encoder** and writes an output $y$ with a **decoder**. The decoder is a language model
# whose first state comes from the encoder: a **conditional language model**
#
# $$P(y^{\langle 1 \rangle}, \dots, y^{\langle T_y \rangle} \mid x) = \prod_{t=1}^{T_y}
#   P(y^{\langle t \rangle} \mid x, y^{\langle 1 \rangle}, \dots, y^{\langle t-1 \rangle}).$$
#
# A language model is *sampled* to generate varied text. A translator must instead output the
# single most likely sentence,
#
# $$\hat y = \arg\max_{y^{\langle 1 \rangle}, \dots, y^{\langle T_y \rangle}}
#   P(y^{\langle 1 \rangle}, \dots, y^{\langle T_y \rangle} \mid x),$$
#
# and this notebook shows why the obvious way, **greedy search**, can miss it.

# %%
import numpy as np

from seqlab import backend
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.exercises import check_sequence_log_probability, hint, progress
from seqlab.seq2seq import beam_search, exhaustive_search, greedy_decode, sequence_log_prob
from seqlab.viz import show_source

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))
rng = host_rng(13)

# %% [markdown]
# ## 1. A decoder as a function: `step_fn`
# Every decoding algorithm in seqlab talks to a model through one function,
#
# `step_fn(last_tokens, states) -> (log_probs, new_states)`:
#
# given the last token of each of $k$ partial outputs (`last_tokens`, shape $(k,)$) and their
# decoder states (arrays with a leading axis of size $k$), it returns
# $\log P(y^{\langle t \rangle} = v \mid x, y^{\langle 1..t-1 \rangle})$ for every token $v$
# (shape $(k, V)$) and the new states. The encoder has already read $x$: its summary is in the
# initial state. The trained models of the next notebooks (grapheme-to-phoneme, dates) expose
# exactly this.
#
# To see the search problem without training anything, here is a hand-made conditional
# model for the lecture's sentence *"Jane visite l'Afrique en septembre"*: a table of
# next-word probabilities given the words so far (a real decoder computes these with an RNN).

# %%
WORDS = ["<eos>", "jane", "is", "visiting", "going", "to", "africa"]
BOS, EOS, V = len(WORDS), 0, len(WORDS)      # bos: an id outside the output vocabulary
TABLE = {                                     # P(next word | words so far), for our x
    (): {"jane": 0.9},
    ("jane",): {"is": 0.9},
    ("jane", "is"): {"going": 0.5, "visiting": 0.4},
    ("jane", "is", "visiting"): {"africa": 0.9},
    ("jane", "is", "visiting", "africa"): {"<eos>": 0.9},
    ("jane", "is", "going"): {"to": 0.9},
    ("jane", "is", "going", "to"): {"africa": 0.6},
    ("jane", "is", "going", "to", "africa"): {"<eos>": 0.9},
}


def next_word_log_probs(prefix):
    """log P(v | x, prefix) for the V words: the table, the rest of the mass spread evenly."""
    given = TABLE.get(tuple(WORDS[t] for t in prefix), {"<eos>": 0.9})
    rest = (1 - sum(given.values())) / (V - len(given))
    return np.log([given.get(w, rest) for w in WORDS])


def step_fn(last_tokens, states):
    """states: the words so far, one row per hypothesis (k, t); bos is not stored."""
    if last_tokens[0] != BOS:
        states = np.concatenate([states, last_tokens[:, None]], axis=1)
    return np.stack([next_word_log_probs(row) for row in states]), states


init_state = np.zeros((1, 0), dtype=np.int64)    # k = 1 hypothesis, no words yet
log_probs, _ = step_fn(np.array([BOS]), init_state)
print("P(first word | x):", {w: round(float(p), 3) for w, p in zip(WORDS, np.exp(log_probs[0]))})

# %% [markdown]
# ## 2. Greedy search
# Greedy search picks the most likely first word, then the most likely second word *given
# it*, and so on until `<eos>`:

# %%
show_source(greedy_decode)

# %%
greedy = greedy_decode(step_fn, init_state, BOS, EOS, max_len=8)
print("greedy:", " ".join(WORDS[t] for t in greedy.tokens),
      f"  P(y|x) = {np.exp(greedy.log_prob):.4f}")

# %% [markdown]
# "Jane is **going**" looked better than "Jane is **visiting**" after three words
# (0.5 > 0.4), but "going" commits the sentence to two more words, each with a probability
# below one. The product over the whole sentence is what counts.

# %% [markdown]
# ## 3. Exhaustive search
# With 7 words and at most 6 positions we can afford to score every sentence: each one's
# $\log P(y \mid x) = \sum_t \log P(y^{\langle t \rangle} \mid x, y^{\langle <t \rangle})$.
# With a real vocabulary of 10,000 words and 20 positions there are $10{,}000^{20}$ of them:
# exhaustive search is only a reference for toy problems.

# %%
ranked = exhaustive_search(step_fn, init_state, BOS, EOS, max_len=6)
print(f"{len(ranked):,} candidate sentences; the five most likely:")
for d in ranked[:5]:
    print(f"  P = {np.exp(d.log_prob):.4f}  {' '.join(WORDS[t] for t in d.tokens)}")
best = ranked[0]
assert best.log_prob > greedy.log_prob and best.tokens != greedy.tokens
print(f"greedy found P = {np.exp(greedy.log_prob):.4f}, the best sentence has "
      f"P = {np.exp(best.log_prob):.4f}: {np.exp(best.log_prob - greedy.log_prob):.2f} times "
      "more likely")

# %% [markdown]
# ### Exercise: `sequence_log_probability`
# Score a given output $y$ (a list of token ids that ends with `<eos>`) under the model: feed
# `bos`, read $\log P(y^{\langle 1 \rangle} \mid x)$ from the $(1, V)$ log-probabilities, feed
# $y^{\langle 1 \rangle}$ back in (with the *new* state), read
# $\log P(y^{\langle 2 \rangle} \mid x, y^{\langle 1 \rangle})$, and so on, `<eos>` included
# (*teacher forcing*). Return
#
# $$\log P(y \mid x) = \sum_{t=1}^{T_y} \log P(y^{\langle t \rangle} \mid x,
#   y^{\langle 1 \rangle}, \dots, y^{\langle t-1 \rangle}) \quad (2)$$
#
# as a float. `step_fn` takes `last_tokens` as an array of shape $(1,)$.

# %%
def sequence_log_probability(step_fn, init_state, bos, tokens):
    """log P(tokens | x) by the chain rule (2), feeding each token back into step_fn."""
    ### BEGIN SOLUTION
    total, state, last = 0.0, init_state, bos
    for y in tokens:
        log_probs, state = step_fn(np.array([last]), state)   # (1, V), and the new state
        total += float(log_probs[0, y])                        # log P(y<t> | x, y<1..t-1>)
        last = y                                               # teacher forcing
    return total
    ### END SOLUTION


# %%
check_sequence_log_probability(sequence_log_probability)

# %%
hint("sequence_log_probability")

# %% [markdown]
# The library's `sequence_log_prob` does the same. The sum of log-probabilities is the same
# number as the product of probabilities, read on a log scale (a product of 30 probabilities
# underflows; a sum does not):

# %%
lp = sequence_log_prob(step_fn, init_state, BOS, best.tokens)
print(f"log P = {lp:.4f} = log of {np.exp(lp):.4f}")
assert abs(lp - best.log_prob) < 1e-12

# %% [markdown]
# ## 4. Beam search: in between
# Beam search (next notebook) keeps the $B$ most likely partial sentences at each step instead
# of one. With $B = 1$ it *is* greedy search; already $B = 2$ keeps "jane is visiting" alive
# next to "jane is going" and finds the best sentence here:

# %%
for B in (1, 2, 3):
    res = beam_search(step_fn, init_state, BOS, EOS, beam_width=B, max_len=6, alpha=0.0)
    print(f"B = {B}: {' '.join(WORDS[t] for t in res.best):<32} P = {np.exp(res.best_log_prob):.4f}")
assert beam_search(step_fn, init_state, BOS, EOS, 1, 6, 0.0).best == greedy.tokens
assert beam_search(step_fn, init_state, BOS, EOS, 2, 6, 0.0).best == best.tokens

# %% [markdown]
# **Summary.** Translation = a conditional language model + a search for its most likely
# output. Greedy search is fast but short-sighted; exhaustive search is exact but
# exponential; beam search trades between them with one knob, $B$.

# %%
print(progress())
