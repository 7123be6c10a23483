# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 21 · Speech recognition with CTC: a deep bidirectional GRU on spoken digits
#
# *Sequence Models*, week 3, "Speech recognition": audio clip $x$ → transcript $y$. The input
# has far more steps than the output has characters ("10 seconds of audio at 100 Hz is 1,000
# inputs"), so the network emits one symbol **per input step**, including a special **blank**
# "_", and **CTC** (connectionist temporal classification) sums over all the alignments that
# collapse to the transcript, by the rule *collapse repeated characters not separated by
# blank*: "ttt_h_eee___ ___qqq" → "the q". Notebook 20 builds the CTC loss and decoders; here
# they train a real model. In this notebook you
# 1. load a 2-layer **bidirectional GRU** trained with CTC on synthesized spoken digit strings,
#    and measure its **character error rate (CER) on voices it never heard**;
# 2. compare **greedy** (best path) and **prefix beam search** decoding;
# 3. look at what it does: audio, features, per-frame posteriors, the CTC lattice;
# 4. train a small one yourself for a few seconds.
#
# Run it top to bottom (**Run ▸ Run All Cells**); it takes about 20 seconds (the clips are
# synthesized by `espeak-ng` on the first run and cached).

# %%
import numpy as np

from seqlab import backend
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.data.speech import ALPHABET, digit_utterances, mix, noise, synthesize_batch
from seqlab.exercises import check_character_error_rate, progress
from seqlab.seq2seq.metrics import edit_distance
from seqlab.speech import ctc_lattice
from seqlab.speech.recognition import (
    SpeechRecognizer,
    ctc_targets,
    load_pretrained,
    train_recognizer,
    utterance_features,
)
from seqlab.audio import batch_features
from seqlab.viz.speech import audio_player, log_mel_figure, loss_curve, posteriors_figure
from seqlab.viz.ctc import lattice_figure
from seqlab.viz.source import show_source
from seqlab.speech.recognition import character_error_rate as cer   # the library's (eq. 4)

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(21)            # one seeded generator: Run All gives the same numbers every time
LABELS = ["_"] + list(ALPHABET)   # symbol k of the output layer: 0 is the blank

# %% [markdown]
# ## 1. The model
# Each utterance becomes normalized log-mel features (notebook 19), 40 bands every 10 ms;
# three consecutive frames are stacked into one input step (30 ms), which shortens the
# sequence three times:
#
# $$x^{\langle t \rangle} = [F^{\langle 3t \rangle}; F^{\langle 3t+1 \rangle};
# F^{\langle 3t+2 \rangle}] \in \mathbb R^{120} \quad (1)$$
#
# A 2-layer bidirectional GRU reads them; a dense layer gives 29 logits per step (blank, space,
# a-z, apostrophe):
#
# $$z^{\langle t \rangle} = W_{ya} [\overrightarrow a^{[2]\langle t \rangle};
# \overleftarrow a^{[2]\langle t \rangle}] + b_y, \qquad \hat y^{\langle t \rangle} =
# \text{softmax}(z^{\langle t \rangle}) \quad (2)$$
#
# and the loss is CTC's negative log-likelihood, averaged over the batch:
#
# $$J = -\frac1m \sum_{i=1}^m \log \sum_{\pi \in \mathcal B^{-1}(y_i)} \prod_t
# \hat y^{\langle t \rangle}_{\pi_t} \quad (3)$$
#
# The shipped weights were trained by `python tools/train_speech.py` (3,000 digit strings and
# 600 short words, 18 voice variants × 8 accents, random speed and pitch; a few minutes on one
# CPU core).

# %%
model, meta = load_pretrained()     # seqlab/speech/pretrained/digits_ctc.npz
print(model)
print(f"trained {meta['epochs']} epochs ({meta['steps']} Adam steps) on {meta['data']}")

# %%
show_source(SpeechRecognizer.loss)

# %% [markdown]
# ## 2. Character error rate on held-out voices
# The speakers are split by **voice variant**: the test voices (`+m6`, `+f4`, `+klatt4`,
# `+edward`, ...) never occur in training, so the model must generalize to new timbres, not
# recall them. The CER is the edit distance between the decoded and the true transcript,
# summed over utterances, divided by the total number of true characters (spaces count):
#
# $$\text{CER} = \frac{\sum_i \text{edit}(\hat y_i, y_i)}{\sum_i |y_i|} \quad (4)$$
#
# ### Exercise: `character_error_rate`
# Write `character_error_rate(hyps, refs)` for two lists of strings (decoded, true). The edit
# (Levenshtein) distance counts the insertions, deletions and substitutions of characters that
# turn one string into the other; `edit_distance(h, r)` from `seqlab.seq2seq.metrics` (week 3,
# part 1) is imported above, or write your own.

# %%
def character_error_rate(hyps, refs):
    """Eq. (4): total character edits over total reference length."""
    ### BEGIN SOLUTION
    return sum(edit_distance(h, r) for h, r in zip(hyps, refs)) / sum(len(r) for r in refs)
    ### END SOLUTION


# %%
check_character_error_rate(character_error_rate)

# %% [markdown]
# A classic slip: averaging the per-utterance rates, which lets a two-letter mistake on a short
# word weigh as much as one on a long digit string.

# %%
def mean_of_rates(hyps, refs):
    return float(np.mean([edit_distance(h, r) / len(r) for h, r in zip(hyps, refs)]))


result = check_character_error_rate(mean_of_rates)
assert result.status == "failed" and result.mistake == "mean of rates"
print(result.message)

# %% [markdown]
# The rest of the notebook uses the library's version, `cer`.

# %%
test = digit_utterances(meta["n_test"], "test", seed=meta["test_seed"])[:100]
texts = [u.text for u in test]
waves = synthesize_batch(texts, [u.speaker for u in test], progress=False)
feats = [utterance_features(w) for w in waves]
x, lengths = batch_features(feats)
print(f"{len(test)} held-out utterances, e.g. {texts[0]!r} by {test[0].speaker}")
print(f"batch x: {x.shape} = (n_x, m, T_x), lengths {int(lengths.min())}..{int(lengths.max())}")

# %%
greedy = model.transcribe(x=x, lengths=lengths, method="greedy")
beam = model.transcribe(x=x, lengths=lengths, method="beam", beam_width=8)
cer_greedy = cer(greedy, texts)
cer_beam = cer(beam, texts)
print(f"CER on held-out voices: greedy {cer_greedy:.2%}, prefix beam search (B=8) "
      f"{cer_beam:.2%}")
print(f"(the shipped file's claim, on {meta['n_test']} utterances: greedy "
      f"{meta['cer_greedy']:.2%}, beam {meta['cer_beam']:.2%})")
assert cer_greedy <= 0.10 and cer_beam <= 0.10
differ = [i for i in range(len(texts)) if greedy[i] != beam[i]]
print(f"greedy and beam differ on {len(differ)} of {len(texts)} utterances")

# %% [markdown]
# Greedy decoding takes the most probable symbol at every step and collapses: it finds the most
# probable *alignment*. Prefix beam search keeps the 8 best *transcripts* and sums the
# probabilities of all their alignments, so it can prefer a transcript whose probability is
# spread over many alignments. With a confident model the two mostly agree; they part where the
# posteriors are uncertain.

# %%
errors = [i for i in range(len(texts)) if greedy[i] != texts[i]]
for i in (errors + [j for j in range(len(texts)) if j not in errors])[:6]:
    print(f"{test[i].speaker.voice:24s} true {texts[i]!r:30s} greedy {greedy[i]!r:30s} "
          f"beam {beam[i]!r}")

# %% [markdown]
# ## 3. Looking inside: features, posteriors and the CTC lattice
# One held-out utterance: its audio, the features the model reads, and the posteriors
# $\hat y^{\langle t \rangle}$: sharp spikes, close to probability 1, for the characters and the
# blank. CTC models learn to *spike*: a frame or two per character, blanks between the words
# and between repeated letters ("thr-e-_-e").

# %%
k = 0
print(f"{test[k].speaker}: true {texts[k]!r}, decoded {greedy[k]!r}")

# %%
# NBVAL_IGNORE_OUTPUT
play = audio_player(waves[k])
assert play.data[:4] == b"RIFF"                     # a WAV file the browser plays
play

# %%
# NBVAL_IGNORE_OUTPUT
fig = log_mel_figure(feats[k][:40], hop_s=0.03, title=f"features of {texts[k]!r} "
                     "(every third 10 ms frame)")
assert fig.data[0].z.shape == (40, int(lengths[k]))
fig

# %%
log_probs = backend.to_numpy(model.log_probs(x[:, k:k + 1, :int(lengths[k])]))[:, 0]
blank_share = float(np.mean(log_probs.argmax(axis=0) == 0))
print(f"{log_probs.shape[1]} steps; the blank is the most probable symbol at "
      f"{blank_share:.0%} of them")

# %%
# NBVAL_IGNORE_OUTPUT
fig = posteriors_figure(log_probs, LABELS, hop_s=0.03, top=14,
                        title=f"posteriors ŷ<t>: greedy → {greedy[k]!r}")
assert fig.data[0].z.shape[1] == log_probs.shape[1]
fig

# %% [markdown]
# The CTC lattice of the same utterance (notebook 20): $\log \alpha_t(s)$ sums all alignment
# prefixes that reach node $s$ of the extended label sequence "_t_h_r_e_e_..." at step $t$,
# $\log \beta_t(s)$ all suffixes; the red line is the single most likely alignment.

# %%
logits, _ = model.forward(x[:, k:k + 1, :int(lengths[k])])
targets, target_lengths = ctc_targets([texts[k]])
lattice = ctc_lattice(logits.astype(np.float64), targets, np.array([int(lengths[k])]),
                      target_lengths)
print(f"-log p(y|x) = {-float(lattice.log_likelihood[0]):.3f}")

# %%
# NBVAL_IGNORE_OUTPUT
fig = lattice_figure(lattice, 0, LABELS)
assert len(fig.data) >= 5
fig

# %% [markdown]
# ## 4. Robustness: the same held-out voices in noise
# The model was trained on clean speech only. Mixing pink noise at a given SNR (notebook 19)
# shows how quickly that breaks down: a reason real systems train with noise added.

# %%
for snr in (30, 20, 10):
    noisy = [mix(w, noise("pink", w.shape[0], rng), snr) for w in waves[:50]]
    hyp = model.transcribe(noisy, method="greedy")
    print(f"SNR {snr:2d} dB: CER {cer(hyp, texts[:50]):.2%} "
          f"(clean: {cer(greedy[:50], texts[:50]):.2%})")

# %% [markdown]
# ## 5. Train one yourself (a few seconds)
# A small model (one bidirectional GRU layer of 32 units) on 96 digit strings of 1-2 digits,
# Adam with gradient clipping (norm 5). The loss falls from about the length of the
# transcripts times $\log 29$ towards zero; a few seconds are far too few to transcribe, but
# the curve shows the beginning of learning. (The full run is `python tools/train_speech.py`.)

# %%
train = digit_utterances(96, "train", min_digits=1, max_digits=2, seed=7)
train_feats = [utterance_features(w) for w in
               synthesize_batch([u.text for u in train], [u.speaker for u in train])]
small = SpeechRecognizer(n_a=32, n_layers=1, rng=0)
history = train_recognizer(small, train_feats, [u.text for u in train], epochs=6,
                           batch_size=16, lr=5e-3, seed=0)
print(f"{len(history)} steps: loss {history[0]:.1f} -> {np.mean(history[-3:]):.1f}")
assert np.mean(history[-3:]) < history[0]

# %%
# NBVAL_IGNORE_OUTPUT
fig = loss_curve(history, title="CTC loss of a small BiGRU, first steps")
assert len(fig.data[0].y) == len(history)
fig

# %% [markdown]
# %%
print(progress())

# %% [markdown]
# ## Summary
# - A speech recognizer is a sequence model from features $x^{\langle 1..T_x \rangle}$ to one
#   softmax per step over characters **and the blank**; CTC sums over every alignment that
#   collapses to the transcript, so no frame-level labels are needed.
# - A 2-layer bidirectional GRU trained on a few thousand synthesized utterances reads digit
#   strings spoken by voices it never heard with the CER printed above.
# - Greedy decoding finds the best alignment, prefix beam search the best transcript; with
#   peaky CTC posteriors they usually agree.
# - Notebook 22 uses the same features for trigger-word detection.
