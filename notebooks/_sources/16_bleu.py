# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 16 · The BLEU score
#
# *Sequence Models*, week 3: "Bleu score (optional)". A French sentence has many good English
# translations:
#
# > *Le chat est sur le tapis.* — reference 1: "The cat is on the mat." — reference 2: "There
# > is a cat on the mat."
#
# Accuracy (is the output equal to *the* answer?) would call every other good translation
# wrong, and human judges are too slow and too expensive to consult after every change to a
# model. **BLEU** (*bilingual evaluation understudy*, Papineni et al. 2002) stands in for them:
# a single number that is high when the output shares many words and word sequences
# (*n-grams*) with one or more human references. A single real-number metric is what lets a
# team compare two systems and iterate quickly, so BLEU drove machine translation (and image
# captioning) for twenty years, despite its flaws.
#
# This notebook builds it up piece by piece: clipped n-gram precision, combining orders,
# the brevity penalty, corpus vs sentence BLEU, smoothing, several references, and then scores
# real systems.

# %%
import math
import re
from collections import Counter
from pathlib import Path

import numpy as np

import seqlab
from seqlab import backend
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.data.g2p import load_g2p
from seqlab.data.text import load_wiki
from seqlab.exercises import check_brevity_penalty, check_modified_precision, hint, reveal
from seqlab.seq2seq import beam_search, corpus_bleu, load_seq2seq, sentence_bleu
from seqlab.seq2seq.bleu import bleu_explain
from seqlab.seq2seq.bleu import brevity_penalty as library_brevity_penalty
from seqlab.seq2seq.bleu import modified_precision as library_modified_precision
from seqlab.seq2seq.metrics import phoneme_error_rate
from seqlab.viz import show_source
from seqlab.viz.bleu import bleu_explainer
from seqlab.viz.music import compare_histograms

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))
rng = host_rng(16)

# %% [markdown]
# ## 1. Precision, and why it must be clipped
# A machine translation (MT) output is a list of tokens; so is each reference. The plain
# precision counts the output's words that appear in some reference. The lecture's
# degenerate output "the the the the the the the" has precision $7/7$: every word is "the",
# and "the" is in the references. The **modified precision** credits each word at most as
# many times as it appears in the single reference that has it most often (*clipping*):
# "the" appears twice in reference 1, so $p_1 = 2/7$. For n-grams of any order $n$, over the
# output's n-grams $g$:
#
# $$p_n = \frac{\sum_{g} \min\bigl(\mathrm{Count}_{\hat y}(g),\ \max_{r}
#   \mathrm{Count}_{r}(g)\bigr)}{\sum_{g} \mathrm{Count}_{\hat y}(g)}.$$

# %%
refs = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
the7 = ["the"] * 7
plain = sum(w in {t for r in refs for t in r} for w in the7) / len(the7)
p1 = library_modified_precision(the7, refs, 1)
print(f"'the the the the the the the': precision {plain:.3f} (7/7), "
      f"modified precision p_1 = {p1:.3f} (2/7)")
assert plain == 1.0 and p1 == 2 / 7

# %% [markdown]
# The same for bigrams, with the lecture's second output "the cat the cat on the mat": each
# bigram's count in the output, its largest count in one reference, and the clipped count.

# %%
hyp = "the cat the cat on the mat".split()
ex = bleu_explain(hyp, refs, max_n=2)
print(f"{'bigram':<10} {'count':>5} {'max in a ref':>13} {'clipped':>8}")
for g, (k, r, c) in ex.orders[1].clip.items():
    print(f"{' '.join(g):<10} {k:>5} {r:>13} {c:>8}")
p2 = ex.orders[1].matched / ex.orders[1].total
print(f"p_2 = {ex.orders[1].matched}/{ex.orders[1].total} = {p2:.3f}")
assert (ex.orders[1].matched, ex.orders[1].total) == (4, 6)

# %% [markdown]
# ### Exercise: modified precision
# Write `modified_precision(hypothesis, references, n)`: the hypothesis is a list of tokens,
# `references` a list of token lists, and the result $p_n$ as a float (0.0 when the
# hypothesis has no n-gram of order $n$). `collections.Counter` counts n-grams (tuples).

# %%
def modified_precision(hypothesis, references, n):
    """p_n: the hypothesis's n-grams, each clipped by its max count in one reference."""
    ### BEGIN SOLUTION
    def ngrams(tokens):
        return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))

    counts = ngrams(hypothesis)
    total = sum(counts.values())
    if total == 0:
        return 0.0
    ref_counts = [ngrams(r) for r in references]
    clipped = sum(min(k, max(rc[g] for rc in ref_counts)) for g, k in counts.items())
    return clipped / total
    ### END SOLUTION


# %%
check_modified_precision(modified_precision)

# %% [markdown]
# `hint("modified_precision")` for a hint, `reveal("modified_precision")` for the library's
# answer.
#
# ## 2. Combining the orders, and the brevity penalty
# Unigram precision rewards the right words, higher orders the right *order* of words (a
# fluent output). BLEU combines $p_1, \dots, p_4$ by their **geometric mean**: the exponential
# of the average of their logarithms (the course's slide writes $\exp(\frac14 \sum_n p_n)$,
# where $p_n$ stands for $\log p_n$). One order without any match makes BLEU zero.
#
# Precision alone rewards saying little: the output "the cat" has $p_1 = p_2 = 1$. Short outputs
# are penalized by the **brevity penalty**, with $c$ the output's length and $r$ the length of
# the reference closest to it (the shorter one on a tie):
#
# $$BP = \begin{cases} 1 & c > r \\ e^{\,1 - r/c} & c \le r \end{cases}, \qquad
#   \mathrm{BLEU} = BP \cdot \exp\Bigl(\frac{1}{4} \sum_{n=1}^{4} \log p_n\Bigr).$$
#
# Outputs longer than the reference need no penalty: precision already punishes their extra
# words.

# %%
short = ["the", "cat"]
print(f"'the cat': p_1 = {library_modified_precision(short, refs, 1):.2f}, "
      f"p_2 = {library_modified_precision(short, refs, 2):.2f}, "
      f"BP = {library_brevity_penalty(short, refs):.4f} (c = 2, r = 6: e^(1 - 6/2) = e^-2)")
assert np.isclose(library_brevity_penalty(short, refs), np.exp(-2))

# %% [markdown]
# ### Exercise: brevity penalty
# Write `brevity_penalty(hypothesis, references)` for one sentence, as above.

# %%
def brevity_penalty(hypothesis, references):
    """BP: 1 if the hypothesis is longer than its closest reference, else e^(1 - r/c)."""
    ### BEGIN SOLUTION
    c = len(hypothesis)
    r = min((len(x) for x in references), key=lambda x: (abs(c - x), x))
    if c > r:
        return 1.0
    return math.exp(1 - r / c) if c > 0 else 0.0
    ### END SOLUTION


# %%
check_brevity_penalty(brevity_penalty)

# %% [markdown]
# The library puts the pieces together. `corpus_bleu` is tested to equal
# `sacrebleu.corpus_bleu(..., tokenize="none") / 100` to $10^{-12}$ (tests/test_bleu.py) on
# real text with several references and with every smoothing method:

# %%
show_source(corpus_bleu)

# %% [markdown]
# ## 3. The BLEU explainer
# The output and its references, with the output's n-grams that match green (within the
# clip) or orange (in a reference, but more often in the output than in any one reference:
# clipped), the clip table, the four precisions and the brevity penalty; below, the same
# numbers as bars. The slider chooses the n-gram order to highlight, in the text and among
# the bars.

# %%
# NBVAL_IGNORE_OUTPUT
box = bleu_explainer("the cat the cat on the mat".split(), refs, max_n=4, n=2)
assert "p<sub>2</sub> = 4/6 ◀" in box.html.value
box.update(n=1)
assert "p<sub>1</sub> = 5/7 ◀" in box.html.value and "#ffd8a8" in box.html.value  # clipped
box.update(n=2)
bars = box.figure.data[0]
assert list(bars.x) == ["p_1", "p_2", "p_3", "p_4", "BP", "BLEU"] and list(bars.text[:2]) == [
    "5/7", "4/6"]
assert bars.marker.color[1] != bars.marker.color[0]       # order 2 highlighted
box

# %% [markdown]
# ## 4. Corpus BLEU is not the mean of sentence BLEUs
# A test set is scored as a whole: `corpus_bleu` adds up the clipped matches, the n-gram
# counts and the lengths of *all* sentences first, then computes $p_n$, $BP$ and BLEU once.
# A long sentence weighs more, and one sentence without a 4-gram match does not zero the
# score. Real text for the rest of the notebook: the first sentences of Wikipedia summaries
# (the corpus the language model of notebook 03 was trained on) as references, and four
# made-up "systems" that damage them in different ways.

# %%
def tokenize(text):
    return re.findall(r"[a-z0-9]+|[^\sa-z0-9]", text.lower())


first = [re.split(r"(?<=\.)\s", s)[0] for s in load_wiki()]
sents = [tokenize(s) for s in first]
sents = [s for s in sents if 8 <= len(s) <= 30]
pick = rng.choice(len(sents), size=150, replace=False)
references = [sents[i] for i in pick]
common = [w for w, _ in Counter(t for s in sents for t in s).most_common(50)]


def drop_words(s, r, rate=0.2):          # forgets some words
    return [t for t in s if r.random() > rate] or s[:1]


def swap_neighbours(s, r, rate=0.3):     # right words, worse order
    s = list(s)
    for i in range(len(s) - 1):
        if r.random() < rate:
            s[i], s[i + 1] = s[i + 1], s[i]
    return s


def first_half(s, r):                    # a correct but truncated output
    return s[:len(s) // 2]


def replace_words(s, r, rate=0.3):       # wrong word choices, right length
    return [common[r.integers(len(common))] if r.random() < rate else t for t in s]


systems = {name: [f(s, rng) for s in references] for name, f in
           [("drop 20% of words", drop_words), ("swap neighbours", swap_neighbours),
            ("first half only", first_half), ("replace 30% of words", replace_words)]}
one_ref = [[r] for r in references]
print(f"{len(references)} reference sentences, e.g.\n  {' '.join(references[0])}")
print(f"{'system':<22} {'corpus BLEU':>11} {'mean sentence BLEU':>19}  p_1..p_4"
      f"{'':>17} BP")
scores = {}
for name, hyps in systems.items():
    res = corpus_bleu(hyps, one_ref)
    mean_sent = np.mean([sentence_bleu(h, r, smooth="none", effective_order=False).score
                         for h, r in zip(hyps, one_ref, strict=True)])
    scores[name] = res
    print(f"{name:<22} {res.score:>11.3f} {mean_sent:>19.3f}  "
          f"{' '.join(f'{p:.3f}' for p in res.precisions)}  {res.brevity_penalty:.3f}")
    assert not np.isclose(res.score, mean_sent)

# %%
# NBVAL_IGNORE_OUTPUT
fig = compare_histograms(["p_1", "p_2", "p_3", "p_4", "BP", "BLEU"],
                         {name: [*r.precisions, r.brevity_penalty, r.score]
                          for name, r in scores.items()},
                         title="What each kind of damage costs", y_title="value")
assert len(fig.data) == 4 and np.isclose(fig.data[2].y[4], scores["first half only"].
                                         brevity_penalty)
fig

# %% [markdown]
# Read the bars. Swapping neighbours keeps every word ($p_1 = 1$, $BP = 1$) but breaks
# n-grams, so $p_4$ falls most. The truncated output is *precise* (every n-gram is right)
# and loses only through the brevity penalty. Replacing words lowers every order.

# %%
swap, half = scores["swap neighbours"], scores["first half only"]
assert swap.precisions[0] == 1.0 and swap.brevity_penalty == 1.0 and swap.precisions[3] < 0.5
assert half.precisions == [1.0] * 4 and half.brevity_penalty < 0.5
print(f"swap neighbours: p_1 = {swap.precisions[0]:.2f}, p_4 = {swap.precisions[3]:.3f}; "
      f"first half only: all p_n = 1, BP = {half.brevity_penalty:.3f}")

# %% [markdown]
# ## 5. Smoothing short sentences
# A single short sentence often has no 4-gram match at all, and its BLEU is 0 however good its
# words are: the geometric mean is zero. Sentence-level BLEU (to rank outputs, or as a reward)
# therefore **smooths** the zero precisions (Chen & Cherry 2014, sacrebleu's definitions):
# `"floor"` replaces a zero count by ε = 0.1, `"add-k"` adds 1 to the counts and totals of
# orders $n > 1$, `"exp"` gives the $k$-th order without a match $p_n = 1/(2^k \cdot
# \text{total}_n)$. `sentence_bleu` uses `"exp"` by default, and the *effective order* (only
# the orders the sentence has n-grams of).

# %%
h = "a cat sat on the mat".split()
print(f"output: {' '.join(h)}\nreferences: {' | '.join(map(' '.join, refs))}")
smoothed = {}
for smooth in ("none", "floor", "add-k", "exp"):
    res = sentence_bleu(h, refs, smooth=smooth, effective_order=False)
    smoothed[smooth] = res.score
    print(f"  smooth={smooth!r:<8} BLEU = {res.score:.4f}   p_n = "
          f"{' '.join(f'{p:.3f}' for p in res.precisions)}   (matches {res.counts}, "
          f"of {res.totals})")
assert smoothed["none"] == 0.0 and all(v > 0 for k, v in smoothed.items() if k != "none")

# %% [markdown]
# ## 6. Several references
# More references mean more ways to be right: an n-gram is matched if *any* reference has it
# (clipped by the one that has it most often), and the brevity penalty uses the reference
# closest in length. For "a cat sat on the mat", reference 2 has every n-gram reference 1
# adds (so the precisions with both equal reference 2's, and beat reference 1's: "a", "a
# cat"), while reference 1 has the output's length (6 tokens, so BP = 1 instead of
# $e^{1 - 7/6}$ with reference 2's 7): together they score higher than either.

# %%
for rs, label in ((refs[:1], "reference 1 only"), (refs[1:], "reference 2 only"),
                  (refs, "both references")):
    r = sentence_bleu(h, rs)
    print(f"{label:<18} BLEU = {r.score:.4f}  p_1..p_4 = "
          f"{' '.join(f'{p:.3f}' for p in r.precisions)}  BP = {r.brevity_penalty:.3f}")
both, one, two = sentence_bleu(h, refs), sentence_bleu(h, refs[:1]), sentence_bleu(h, refs[1:])
assert both.score > max(one.score, two.score) and both.precisions == two.precisions
assert both.brevity_penalty == one.brevity_penalty == 1.0 > two.brevity_penalty

# %% [markdown]
# ## 7. Real systems: grapheme-to-phoneme
# The shipped grapheme-to-phoneme model (notebooks 14 and 15) spells words as phonemes; the
# CMU dictionary gives some words several pronunciations, which are natural multiple
# references. Three decoders of the same model on 300 held-out (test) words: greedy search,
# beam search ($B = 3$, $\alpha = 0.7$), and greedy search cut after 4 phonemes (a system that
# "says too little"). BLEU on phoneme sequences is not the task's usual metric (the phoneme
# error rate, PER, is, and lower is better): compare how the two rank the systems.

# %%
model = load_seq2seq(Path(seqlab.__file__).parent / "seq2seq" / "pretrained" / "g2p_encdec.npz")
test = load_g2p("test")
idx = np.sort(rng.choice(len(test.words), size=300, replace=False))
words = [test.words[i] for i in idx]
prons = [test.all_prons[i] for i in idx]
V = model.tgt_vocab
greedy = model.translate(words, max_len=25)
beam3 = []
for w in words:
    init = model.init_state(np.array(model.src_vocab.encode(w)))
    r = beam_search(model.decoder_step, init, model.bos_id, model.eos_id, beam_width=3,
                    max_len=25, alpha=0.7)
    beam3.append(V.decode(r.best))
g2p_systems = {"greedy": greedy, "beam 3, α = 0.7": beam3, "greedy, cut at 4": [
    g[:4] for g in greedy]}
print(f"{'system':<18} {'BLEU':>6} {'BLEU, 1st pron. only':>21} {'PER':>6}   p_1..p_4, BP")
g2p_scores = {}
for name, hyps in g2p_systems.items():
    all_refs = corpus_bleu(hyps, prons)
    first_ref = corpus_bleu(hyps, [p[:1] for p in prons])
    per = phoneme_error_rate(hyps, prons)
    g2p_scores[name] = (all_refs.score, per)
    print(f"{name:<18} {all_refs.score:>6.3f} {first_ref.score:>21.3f} {per:>6.3f}   "
          f"{' '.join(f'{p:.3f}' for p in all_refs.precisions)}, "
          f"{all_refs.brevity_penalty:.3f}")
    assert all_refs.score >= first_ref.score    # this data: all references help a little
for w, g, b, p in list(zip(words, greedy, beam3, prons, strict=True))[:3]:
    print(f"  {w:<12} greedy {' '.join(g):<20} beam {' '.join(b):<20} "
          f"dictionary {' | '.join(map(' '.join, p))}")

# %%
bleu_rank = sorted(g2p_scores, key=lambda k: -g2p_scores[k][0])
per_rank = sorted(g2p_scores, key=lambda k: g2p_scores[k][1])
print(f"ranked by BLEU: {bleu_rank}\nranked by PER:  {per_rank}")
assert bleu_rank == per_rank and bleu_rank[-1] == "greedy, cut at 4"
cut = corpus_bleu(g2p_systems["greedy, cut at 4"], prons)
for other in ("greedy", "beam 3, α = 0.7"):   # truncation: the highest p_n of every order
    assert all(c > o for c, o in zip(cut.precisions, corpus_bleu(g2p_systems[other], prons)
                                     .precisions, strict=True))

# %% [markdown]
# Both metrics rank the three systems the same way and put the truncated one last, by far:
# its precision of every order is the *highest* (its 4 phonemes are the easy ones), but
# BLEU's brevity penalty and PER's deletions catch it. Here the extra pronunciations raise BLEU a little.
# Extra references can never lower the precisions; they can lower the brevity penalty,
# when the new reference is closer in length but longer than the output.
#
# **Summary.** BLEU = brevity penalty × geometric mean of the clipped n-gram precisions
# $p_1..p_4$, over a whole corpus; several references help; single sentences need smoothing.
# It rewards overlap with the references, not meaning: a paraphrase with other words scores
# low. Use it to compare systems on the same test set, not as an absolute measure of quality.
