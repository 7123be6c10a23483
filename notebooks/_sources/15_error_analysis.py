# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 15 · Error analysis of beam search
#
# *Sequence Models*, week 3: "Error analysis in beam search". A translation system has two
# parts: the **model** computes $P(y \mid x)$, the **search** (beam search) looks for the $y$
# that maximizes it. When the output $\hat y$ is wrong, which part should we work on? A wider
# beam only helps if the search is at fault; more data, regularization or another
# architecture only help if the model is. The lecture's test compares, under the model, the
# human output $y^*$ with the algorithm's $\hat y$:
#
# 1. $P(y^* \mid x) > P(\hat y \mid x)$: the model prefers $y^*$, but beam search returned
#    $\hat y$. **The search is at fault.**
# 2. $P(y^* \mid x) \le P(\hat y \mid x)$: the model ranks the wrong $\hat y$ at least as
#    high as $y^*$. **The model is at fault.**
#
# Over a development set, the table of these comparisons tells what fraction of the errors
# each part is responsible for. With length normalization the search maximizes
# $\frac{1}{T_y^{\alpha}} \log P(y \mid x)$ instead, and the comparison must be made on that
# same objective.
#
# The model here is a real one: the shipped **grapheme-to-phoneme** encoder-decoder (a
# bidirectional LSTM encoder reads the letters of a word, an LSTM decoder writes its
# phonemes), trained on the CMU pronouncing dictionary by `tools/train_g2p.py`. Spelling to
# sound is noisy in English ("though", "through", "tough"), so the model makes plenty of errors
# to analyse.

# %%
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

import seqlab
from seqlab import backend
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.data.g2p import load_g2p
from seqlab.exercises import check_search_at_fault, hint, reveal
from seqlab.seq2seq import beam_search, error_analysis_from_scores, load_seq2seq
from seqlab.seq2seq.error_analysis import ErrorAnalysis
from seqlab.viz import show_source
from seqlab.viz.music import compare_histograms

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))
rng = host_rng(15)

# %% [markdown]
# ## 1. Exercise: who is at fault?
# Given, for $m$ errors, $\log P(y^* \mid x)$ (`log_p_ref`), $\log P(\hat y \mid x)$
# (`log_p_hat`), the lengths $T_{y^*}$, $T_{\hat y}$ (`T_ref`, `T_hat`, counting `<eos>`) and
# the exponent $\alpha$ the search used, return a boolean array $(m,)$: `True` where the
# **search** is at fault,
#
# $$\frac{\log P(y^* \mid x)}{T_{y^*}^{\alpha}} > \frac{\log P(\hat y \mid x)}
#   {T_{\hat y}^{\alpha}}.$$
#
# With $\alpha = 0$ this is the lecture's plain comparison of probabilities (logs preserve the
# order). A tie means the model does not prefer $y^*$: the model's fault.

# %%
def search_at_fault(log_p_ref, log_p_hat, T_ref, T_hat, alpha):
    """True where the model scores y* above ŷ on the search's objective (m,)."""
    ### BEGIN SOLUTION
    score_ref = np.asarray(log_p_ref) / np.asarray(T_ref, dtype=float) ** alpha
    score_hat = np.asarray(log_p_hat) / np.asarray(T_hat, dtype=float) ** alpha
    return score_ref > score_hat
    ### END SOLUTION


# %%
check_search_at_fault(search_at_fault)

# %% [markdown]
# Stuck? `hint("search_at_fault")` gives the next hint, `reveal("search_at_fault")` the
# library's version. The library's table-maker does the same comparison for every error, on
# $\log P$ (`fault`) and on the normalized score (`fault_normalized`):

# %%
show_source(error_analysis_from_scores)

# %% [markdown]
# ## 2. The model and a development set
# The dictionary is split by a hash of the word (`seqlab.data.g2p`); the model never saw the
# development (`val`) words. We analyse a fixed random sample of 200 of them. Some words have
# several pronunciations in the dictionary ("either": `IY DH ER` and `AY DH ER`); an output is
# correct when it equals one of them.

# %%
model = load_seq2seq(Path(seqlab.__file__).parent / "seq2seq" / "pretrained" / "g2p_encdec.npz")
print(model)
print(f"trained by: {model.meta['command']}\n"
      f"greedy phoneme error rate on the test split: {model.meta['test_per_greedy']:.1%}")
dev = load_g2p("val")
pick = np.sort(rng.choice(len(dev.words), size=200, replace=False))
words = [dev.words[i] for i in pick]
prons = [dev.all_prons[i] for i in pick]
P = model.tgt_vocab
print(f"{len(dev.words)} development words; sample: {', '.join(words[:8])}, ...")
print(f"{sum(len(p) > 1 for p in prons)} of the {len(words)} sampled words have several "
      "pronunciations")

# %% [markdown]
# ## 3. Decoding with beam widths 1, 3 and 10
# Each word is decoded once per width with `beam_search` (width 1 is greedy search). As in the
# lecture, $\alpha$ only ranks the finished candidates at the end, so
# `BeamResult.rerank(alpha)` gives the output for another $\alpha$ without decoding again.
# The search also returns $\log P(\hat y \mid x)$ of what it found (`best_log_prob`).

# %%
WIDTHS, ALPHAS = (1, 3, 10), (0.0, 0.7)
results = {B: [] for B in WIDTHS}
with tqdm(total=len(WIDTHS) * len(words), desc="beam search", mininterval=1) as bar:
    for B in WIDTHS:
        for w in words:
            init = model.init_state(np.array(model.src_vocab.encode(w)))   # encoder reads x
            results[B].append(beam_search(model.decoder_step, init, model.bos_id,
                                          model.eos_id, beam_width=B, max_len=25, alpha=0.0))
            bar.update(1)

# %%
assert all(r.hypotheses[0].finished for rs in results.values() for r in rs)  # all end in eos
for i in range(5):
    outs = "   ".join(f"B={B}: {' '.join(P.decode(results[B][i].best)):<16}" for B in WIDTHS)
    print(f"{words[i]:<12} {outs}  dictionary: {' | '.join(map(' '.join, prons[i]))}")

# %% [markdown]
# ## 4. Scoring the human output $y^*$
# $\log P(y^* \mid x)$ comes from the same model by **teacher forcing**: feed $y^*$'s tokens
# one by one and add up the log-probabilities the decoder gives them (`model.log_prob`, all
# references of all words in one batch). Check first that teacher forcing gives back what the
# search computed for its own output.

# %%
refs = [[P.encode(p, eos=True) for p in ps] for ps in prons]        # token ids, eos last
owner = [i for i, rs in enumerate(refs) for _ in rs]                 # which word each ref is
x_ids, x_len = model.batch(words)
ref_logp = model.log_prob(x_ids[owner], [r for rs in refs for r in rs], x_len[owner])
hat = [r.best for r in results[10]]
gap = np.abs(model.log_prob(x_ids, hat, x_len) - [r.best_log_prob for r in results[10]])
assert gap.max() < 1e-4
print("teacher forcing vs the search's own log P(ŷ|x): every difference below 1e-4 "
      "(float32 rounding)")

# %% [markdown]
# With several pronunciations, $y^*$ is the one the model likes best (on the search's
# objective): if the model prefers *any* correct output to $\hat y$, a better search could
# have found a correct answer.

# %%
def analyse(B, alpha):
    """The lecture's table for width B, the outputs ranked with α."""
    preds, log_p_hat, y_star, log_p_star = [], [], [], []
    for i, res in enumerate(results[B]):
        r = res.rerank(alpha)
        preds.append(r.best)
        log_p_hat.append(r.best_log_prob)
        mine = [(lp, y) for j, (lp, y) in enumerate(zip(ref_logp, sum(refs, []), strict=True))
                if owner[j] == i]
        if any(y == r.best for _, y in mine):        # correct: y* is the output itself
            y_star.append(r.best)
            log_p_star.append(r.best_log_prob)
        else:                                        # the reference the model prefers
            lp, y = max(mine, key=lambda c: c[0] / len(c[1]) ** alpha)
            y_star.append(y)
            log_p_star.append(lp)
    return error_analysis_from_scores(y_star, preds, log_p_star, log_p_hat, alpha=alpha)


def phonemes(ids):
    return " ".join(P.decode(ids))


tables = {(B, a): analyse(B, a) for B in WIDTHS for a in ALPHAS}
ea = tables[(1, 0.0)]
print("Greedy search (B = 1):\n")
print(ea.table(max_rows=12, fmt=phonemes))

# %% [markdown]
# Read a row as the lecture does: the human pronunciation $y^*$, the algorithm's $\hat y$,
# both log-probabilities under the model, and the verdict. Most rows have
# $\log P(y^* \mid x)$ far below $\log P(\hat y \mid x)$: the model is confident in a wrong
# pronunciation, and no search can fix that.

# %% [markdown]
# ## 5. The fractions, for each beam width, with and without length normalization
# For $\alpha = 0$ the comparison is on $\log P$; for $\alpha = 0.7$ on the normalized score
# the search used to rank its outputs. Once your `search_at_fault` passes its check, the cell
# also requires it to agree with the library on every real error.

# %%
yours_done = check_search_at_fault(search_at_fault).passed   # else only the library's verdict
print(f"{'B':>3} {'α':>4} {'errors':>7} {'search at fault':>16} {'model at fault':>15}")
share = {}
for (B, a), t in tables.items():
    rows = t.rows
    if yours_done:
        mine = search_at_fault([r.log_p_ref for r in rows], [r.log_p_hat for r in rows],
                               [len(r.reference) for r in rows],
                               [len(r.prediction) for r in rows], a)
        assert mine.tolist() == [r.fault_normalized == "search" for r in rows]
    share[(B, a)] = t.fraction("search", normalized=True)
    print(f"{B:>3} {a:>4} {t.n_errors:>4}/{t.n_examples} {share[(B, a)]:>16.1%} "
          f"{1 - share[(B, a)]:>15.1%}")

# %%
# NBVAL_IGNORE_OUTPUT
labels = [f"B={B}, α={a}" for B in WIDTHS for a in ALPHAS]
n_search = [round(share[k] * tables[k].n_errors) for k in tables]
n_model = [tables[k].n_errors - s for k, s in zip(tables, n_search, strict=True)]
fig = compare_histograms(labels, {"search at fault": n_search, "model at fault": n_model},
                         title="Errors on 200 development words, attributed",
                         y_title="number of errors")
fig.update_layout(barmode="stack")
assert [list(t.y) for t in fig.data] == [n_search, n_model]
fig

# %% [markdown]
# ## 6. What the table says
# Greedy search leaves a few errors to the search: the model preferred the reference, but
# greedy decoding committed to a wrong phoneme early. Does a wider beam fix exactly those?

# %%
greedy_search_errors = [r.index for r in tables[(1, 0.0)].rows if r.fault == "search"]
wide_errors = {r.index for r in tables[(10, 0.0)].rows}
greedy_errors = {r.index for r in tables[(1, 0.0)].rows}
fixed = [i for i in greedy_search_errors if i not in wide_errors]
broken = sorted(wide_errors - greedy_errors)
print(f"greedy search: {len(greedy_search_errors)} errors due to the search; beam 10 gets "
      f"{len(fixed)} of those words right")
for i in greedy_search_errors[:4]:
    print(f"  {words[i]:<12} greedy {phonemes(results[1][i].best):<20} "
          f"beam 10 {phonemes(results[10][i].best):<20} "
          f"{'✓' if i in fixed else '✗'} dictionary: {phonemes(refs[i][0])}")
print(f"but beam 10 gets {len(broken)} words wrong that greedy got right:")
for i in broken[:3]:
    r1, r10 = results[1][i], results[10][i]
    print(f"  {words[i]:<12} greedy {phonemes(r1.best):<20} log P {r1.best_log_prob:6.3f}   "
          f"beam 10 {phonemes(r10.best):<20} log P {r10.best_log_prob:6.3f}")
s1, s10 = share[(1, 0.0)], share[(10, 0.0)]
m1, m10 = tables[(1, 0.0)].n_errors, tables[(10, 0.0)].n_errors
print(f"search's share of the errors: {s1:.1%} with B = 1, {s10:.1%} with B = 10; "
      f"errors {m1} -> {m10}")
assert s10 <= s1 and m10 <= m1 and 1 - s10 > 0.9 and 2 * len(fixed) > len(greedy_search_errors)
assert all(results[10][i].best_log_prob >= results[1][i].best_log_prob for i in broken)
disagree = [(k, r.index) for k, t in tables.items() for r in t.rows
            if r.fault != r.fault_normalized]
print(f"errors whose verdict on log P differs from the verdict on the normalized score: "
      f"{len(disagree)} (B, α, word): {[(B, a, words[i]) for (B, a), i in disagree][:3]}")
assert disagree

# %% [markdown]
# **Conclusion, as the lecture would draw it.** With $B = 10$ more than 90% of the remaining
# errors are the model's: the beam already finds outputs the model likes at least as much as
# the dictionary's. A beam of 100 would waste time; the next step is a better model (attention,
# notebook 17; more training; stress-aware data), not a better search. With greedy search a
# small part of the errors is the search's, and a beam fixes most of those: that part of the
# table is what a wider beam can buy, and no more. A wider beam can even *lose* words greedy
# search got right: it finds an output the model scores higher (a larger $\log P$), which
# is then wrong. The search did its job better; the model was wrong all along, and greedy
# search was lucky.
#
# Two cautions. The comparison judges the search by the objective it optimized: with
# $\alpha = 0.7$ a reference can win on $\log P$ yet lose on the normalized score, so the two
# columns of the table can disagree. And the model is at fault only *relative to the
# reference*: several "model errors" in the table are plausible pronunciations the dictionary
# happens not to list.
