# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 14 · Beam search and length normalization
#
# *Sequence Models*, week 3: "Beam search", "Refinements to beam search". Greedy search keeps
# one partial output; exhaustive search keeps all of them. **Beam search** keeps the $B$ most
# probable ones (the beam width): at each step every kept prefix is extended by every token,
#
# $$\log P(y^{\langle 1..t \rangle} \mid x) = \log P(y^{\langle 1..t-1 \rangle} \mid x)
#   + \log P(y^{\langle t \rangle} \mid x, y^{\langle 1..t-1 \rangle}),$$
#
# and the $B$ best of the $B \cdot V$ extensions survive. A prefix that emits `<eos>` is set
# aside as a finished candidate. Since every extra token multiplies the probability by a
# number below one, the raw objective favours short outputs; the lecture ranks the candidates
# by the **length-normalized** score
#
# $$\frac{1}{T_y^{\alpha}} \sum_{t=1}^{T_y} \log P(y^{\langle t \rangle} \mid x,
#   y^{\langle 1 \rangle}, \dots, y^{\langle t-1 \rangle}),$$
#
# $\alpha = 0$: no normalization, $\alpha = 1$: the mean log-probability per token,
# $\alpha = 0.7$ in practice. As in the lecture, the normalization only *ranks the finished
# candidates* at the end; the search itself keeps the most probable prefixes.

# %%
from pathlib import Path

import numpy as np
from IPython.display import display

import seqlab
from seqlab import backend, lm
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.data.g2p import load_g2p
from seqlab.exercises import check_beam_step, hint, reveal
from seqlab.functional import log_softmax
from seqlab.seq2seq import beam_search, exact_match, load_seq2seq, phoneme_error_rate
from seqlab.seq2seq.beam import beam_step as library_beam_step
from seqlab.viz import show_source
from seqlab.viz.beam import beam_explorer, beam_tree_figure
from seqlab.viz.music import compare_histograms

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))
rng = host_rng(14)

# %% [markdown]
# ## 1. Exercise: one beam-search step
# Given `log_probs` $(k, V)$, the next-token log-probabilities of $k$ hypotheses, and their
# cumulative log-probabilities `scores` $(k,)$, return the `beam_width` best extensions, best
# first, as three arrays: which hypothesis each extends (`hyp_idx`), the token it appends
# (`tokens`) and its new cumulative log-probability (`new_scores`).

# %%
def beam_step(log_probs, scores, beam_width):
    """The beam_width best (hypothesis, token) extensions by cumulative log-probability."""
    ### BEGIN SOLUTION
    V = log_probs.shape[1]
    total = (scores[:, None] + log_probs).reshape(-1)       # (k·V,) every extension
    best = np.argsort(-total, kind="stable")[:beam_width]   # the B largest, best first
    return best // V, best % V, total[best]
    ### END SOLUTION


# %%
check_beam_step(beam_step)

# %% [markdown]
# The library's version, used by `beam_search` for all $k$ hypotheses at once (one decoder
# call per time step):

# %%
show_source(library_beam_step)

# %% [markdown]
# ## 2. A trained decoder: completing a sentence
# The grapheme-to-phoneme and date models of the next notebooks are trained by another part of
# this course. Here the decoder is the character-level LSTM of notebook 03 (trained on
# Wikipedia summaries), *conditioned on a prompt* $x$: it reads the prompt, and its state is
# the decoder's initial state. The end token is the full stop, so a candidate is a sentence
# ending. `lm_decoder` wraps it as the `step_fn` every search uses; the LSTM keeps its batch
# on the last axis, the search wants it first, hence the transposes.

# %%
wiki = lm.load_pretrained("wiki-char")
DOT = wiki.vocab.stoi["."]


def lm_decoder(model, prompt):
    """(step_fn, init_state, bos) for completing ``prompt`` with a character LM."""
    ids = [model.vocab.eos_id] + model.vocab.encode(prompt, eos=False)
    _, _, (a, c) = model.forward(np.array([ids[:-1]]))               # read the prompt
    def step_fn(last_tokens, states):
        a, c = (s.transpose(1, 2, 0) for s in states)                 # (k, L, n_a) -> (L, n_a, k)
        logits, _, (a, c) = model.forward(np.asarray(last_tokens)[:, None], (a, c))
        return (log_softmax(logits[:, :, 0], axis=0).T,               # (k, V)
                (a.transpose(2, 0, 1), c.transpose(2, 0, 1)))
    return step_fn, (a.transpose(2, 0, 1), c.transpose(2, 0, 1)), ids[-1]


def complete(prompt, B, alpha, max_len=40):
    step_fn, state, bos = lm_decoder(wiki, prompt)
    return beam_search(step_fn, state, bos, DOT, beam_width=B, max_len=max_len, alpha=alpha)


res = complete("in 1066 the", B=3, alpha=0.7)
print(f"best: 'in 1066 the{wiki.vocab.decode(res.best)}'  log P = {res.best_log_prob:.2f}, "
      f"score = {res.best_score:.3f}")
print(f"{res.step_calls} decoder calls (one per step for the whole beam), "
      f"{len(res.tree)} nodes in the tree, {len(res.hypotheses)} candidates")

# %% [markdown]
# ## 3. The beam-tree explorer
# Every hypothesis the beam kept (blue circles, labelled with the character they add, a space
# as ␣), and at each step the $B$ best extensions that did *not* make it (grey crosses). Green
# squares are **finished** candidates: they ended with the end token, here the full stop.
# Brown diamonds are prefixes **cut** at `max_len` = 20 without finishing; they are candidates
# too, but rank after every finished one, and the title counts the two kinds apart. Hover over
# a node for its log-probability and score; the chosen output is red. Move the beam width:
# with $B = 1$ the tree is a single path (greedy search). Move $\alpha$: the tree does not
# change, only which candidate wins — each width is decoded once and $\alpha$ only re-ranks.
# At $B = 3$ nothing reaches a full stop within 20 characters, so the "best" output is a cut
# prefix; at $B = 10$ a candidate finishes.

# %%
# NBVAL_IGNORE_OUTPUT
step_fn, state, bos = lm_decoder(wiki, "in 1066 the")
labels = [t if t != "<EOS>" else "⏎" for t in wiki.vocab.itos]
box = beam_explorer(step_fn, state, bos, DOT, max_len=20, labels=labels, beam_width=3,
                    alpha=0.7)
n_nodes = len(box.figure.data[2].x)
box.update(beam_width=1)
assert len(box.figure.data[2].x) < n_nodes and not box.state["result"].hypotheses[1:]
box.update(beam_width=10)
assert any(h.finished for h in box.state["result"].hypotheses)         # B = 10: one finishes
box.update(beam_width=3)
assert len(box.figure.data[2].x) == n_nodes
assert not box.state["result"].hypotheses[0].finished                 # B = 3: a cut prefix
box

# %% [markdown]
# ## 4. Beam width and α
# Three prompts, three widths, three values of α. A wider beam never returns a less probable
# *search*; with $\alpha = 0$ a wide beam finds the shortest sentences (a full stop right
# away has a high probability), with $\alpha = 0.7$ or $1$ longer ones win.

# %%
prompts = ["in 1066 the", "the capital of france is", "water is"]
rows = []
for prompt in prompts:
    for B in (1, 3, 10):
        base = complete(prompt, B, alpha=0.0)
        for alpha in (0.0, 0.7, 1.0):
            r = base.rerank(alpha)
            rows.append((prompt, B, alpha, wiki.vocab.decode(r.best), r.best_log_prob,
                         len(r.best)))
            print(f"{prompt!r:>28} B={B:<2} α={alpha:<3} log P={r.best_log_prob:7.2f} "
                  f"T_y={len(r.best):>2}  …{wiki.vocab.decode(r.best)!r}")

# %%
by = {(p, B, a): (lp, T) for p, B, a, _, lp, T in rows}
short = [by[(p, 10, 0.0)][1] for p in prompts]
long = [by[(p, 10, 1.0)][1] for p in prompts]
print(f"B = 10: mean output length {np.mean(short):.1f} characters with α = 0, "
      f"{np.mean(long):.1f} with α = 1")
assert np.mean(short) < np.mean(long)
for p in prompts:   # α = 0: a wider beam finds a more probable output (never less)
    assert by[(p, 10, 0.0)][0] >= by[(p, 3, 0.0)][0] >= by[(p, 1, 0.0)][0] - 1e-9

# %% [markdown]
# Read the table honestly. With $B = 1$ or $3$ no hypothesis reached a full stop within 40
# characters, so the answer is a prefix cut at `max_len` (a cut prefix ranks after every
# finished candidate). With $B = 10$, for "in 1066 the", α decides: α = 0 picks the short
# " united states." and α = 1 a longer sentence, the lecture's point about length
# normalization. For the two other prompts the only finished candidate in the beam is the bare
# full stop, whatever α: the short output wins already inside the search, because the beam
# keeps the most probable *prefixes*. A character model trained for a few minutes also repeats
# itself ("the most populous city of the most populous city"); a bigger beam finds what the
# *model* prefers, and the search cannot fix the model (error analysis, next notebook).

# %% [markdown]
# ## 5. A real sequence-to-sequence task: grapheme-to-phoneme
# The shipped grapheme-to-phoneme model (`tools/train_g2p.py`: a bidirectional LSTM encoder
# reads a word's letters, an LSTM decoder writes its phonemes, trained on the CMU pronouncing
# dictionary) is a true conditional model $P(y \mid x)$ with an `<eos>` token. Its decoder
# exposes the same `step_fn`: `model.init_state(x_ids)` runs the encoder,
# `model.decoder_step(last_tokens, states)` is one step for $k$ hypotheses. We decode a fixed
# sample of 200 held-out (test) words with greedy search and beams of 3 and 10, rank each
# beam's candidates with $\alpha = 0$, $0.7$ and $1$ (one search per width, `rerank` for the
# others), and score the outputs by the **phoneme error rate** (PER): the edit distance to
# the closest dictionary pronunciation, summed over words, over the number of reference
# phonemes (lower is better).

# %%
g2p = load_seq2seq(Path(seqlab.__file__).parent / "seq2seq" / "pretrained" / "g2p_encdec.npz")
test = load_g2p("test")
pick = np.sort(host_rng(140).choice(len(test.words), size=200, replace=False))
words = [test.words[i] for i in pick]
prons = [test.all_prons[i] for i in pick]
PH = g2p.tgt_vocab
x_ids, x_len = g2p.batch(words)
greedy_ids = g2p.greedy(x_ids, x_len, max_len=25)               # batched greedy search


def g2p_beam(word, B):
    init = g2p.init_state(np.array(g2p.src_vocab.encode(word)))  # the encoder reads x
    return beam_search(g2p.decoder_step, init, g2p.bos_id, g2p.eos_id, beam_width=B,
                       max_len=25, alpha=0.0)


same = all(g2p_beam(w, 1).best == g for w, g in zip(words[:40], greedy_ids, strict=False))
print(f"beam width 1 == batched greedy search on 40 words: {same}")
assert same
beams = {B: [g2p_beam(w, B) for w in words] for B in (3, 10)}

# %%
outputs = {("greedy", 0.0): [PH.decode(y) for y in greedy_ids]}
for B, results in beams.items():
    for alpha in (0.0, 0.7, 1.0):
        outputs[(f"beam {B}", alpha)] = [PH.decode(r.rerank(alpha).best) for r in results]
per = {k: phoneme_error_rate(v, prons) for k, v in outputs.items()}
acc = {k: exact_match(v, prons) for k, v in outputs.items()}
length = {k: np.mean([len(y) for y in v]) for k, v in outputs.items()}
print(f"{'decoder':<8} {'α':>4} {'PER':>7} {'words right':>12} {'mean length':>12}")
for (name, alpha), v in per.items():
    a = "-" if name == "greedy" else f"{alpha:g}"
    print(f"{name:<8} {a:>4} {v:>7.2%} {acc[(name, alpha)]:>12.1%} "
          f"{length[(name, alpha)]:>12.2f}")
for w, g, b in list(zip(words, outputs[("greedy", 0.0)], outputs[("beam 10", 0.7)],
                        strict=True))[:4]:
    print(f"  {w:<12} greedy: {' '.join(g):<20} beam 10, α = 0.7: {' '.join(b)}")

# %% [markdown]
# The tree of one word, on the same model. A pronunciation is short and its vocabulary small,
# so the whole search fits on the page: move $B$ and watch other pronunciations enter the beam
# and finish with `<eos>` (green squares); move $\alpha$ and see which finished candidate wins.

# %%
# NBVAL_IGNORE_OUTPUT
word = "thoroughly"
g2p_box = beam_explorer(g2p.decoder_step, g2p.init_state(np.array(g2p.src_vocab.encode(word))),
                        g2p.bos_id, g2p.eos_id, max_len=15, labels=PH.itos, beam_width=3,
                        alpha=0.7)
assert g2p_box.state["result"].best[-1] == g2p.eos_id
g2p_box

# %%
# NBVAL_IGNORE_OUTPUT
fig = compare_histograms(
    ["greedy", "beam 3", "beam 10"],
    {f"α = {alpha:g}": [per[("greedy", 0.0)], per[("beam 3", alpha)], per[("beam 10", alpha)]]
     for alpha in (0.0, 0.7, 1.0)},
    title="Phoneme error rate on 200 test words (lower is better)", y_title="PER")
assert np.isclose(fig.data[1].y[2], per[("beam 10", 0.7)])
fig

# %%
best_beam = min(v for k, v in per.items() if k[0] != "greedy")
print(f"greedy PER {per[('greedy', 0.0)]:.2%}; best beam PER {best_beam:.2%}; beam 3 vs beam "
      f"10 (α = 0.7): {per[('beam 3', 0.7)]:.2%} vs {per[('beam 10', 0.7)]:.2%}")
assert best_beam < per[("greedy", 0.0)]
assert length[("beam 10", 0.0)] <= length[("beam 10", 1.0)]

# %% [markdown]
# On a real model the picture is calmer than on the sentence completions above. A beam of 3
# lowers the phoneme error rate of greedy search, and a beam of 10 adds little or nothing: the
# model's preferred output is already in a small beam. $\alpha$ changes a few words only,
# because the candidates for one word have similar lengths, and a larger $\alpha$ picks
# slightly longer outputs. Whether the remaining errors are the search's or the model's is the
# question of the next notebook.
#
# **Summary.** Beam search keeps the $B$ most probable prefixes ($B = 1$: greedy), costs about
# $B$ times greedy search, and needs length normalization to compare outputs of different
# lengths.
