# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 06 · Music and Shakespeare: an LSTM that composes and writes
#
# *Sequence Models*, week 1: "Sampling novel sequences", and the two assignments built on it,
# "Improvise a jazz solo with an LSTM network" and "Writing like Shakespeare". A language model
# is a **one-to-many** network when you sample from it: it receives only a start token
# $x^{\langle 1 \rangle}$, draws $y^{\langle 1 \rangle}$ from its softmax
# $\hat y^{\langle 1 \rangle}$, feeds that back as $x^{\langle 2 \rangle}$, and goes on. The
# same model writes melodies if its vocabulary holds notes, and verse if it holds characters.
#
# In this notebook you
# 1. meet the data: the soprano lines of Bach's chorales, as notes, a piano roll and sound;
# 2. train an LSTM on them, live, and compare its loss with the n-gram baselines;
# 3. let it improvise a melody, listen to it, and compare its statistics with Bach's;
# 4. write like Shakespeare with a character-level LSTM, at three temperatures.
#
# The course's jazz recordings cannot be shipped, so the music here is Bach (music21's
# corpus, pre-extracted into a 22 KB file). Run it top to bottom; it takes about 20 seconds,
# most of it training.

# %%
import time

import numpy as np

from seqlab import backend, lm
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.npz import load_arrays
from seqlab.data.music import (
    REST,
    decode_melody,
    encode_melody,
    interval_histogram,
    load_chorales,
    melody_statistics,
    midi_to_name,
    note_vocabulary,
    synthesize,
)
from seqlab.data.text import load_sonnets, train_val_split
from seqlab.viz.music import audio, compare_histograms, loss_curves, piano_roll

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(0)             # one seeded generator: Run All gives the same numbers every time
SAMPLE_RATE, BPM = 8000, 120  # audio: 8 kHz is enough for a soprano (A5 = 880 Hz) and small
started = time.perf_counter()

# %% [markdown]
# ## 1. Bach's chorale melodies
# Bach harmonised about 370 Lutheran hymn tunes for four voices. We keep the top voice, the
# soprano, which carries the tune. `tools/extract_chorales.py` parsed music21's corpus once
# (`pip install music21` and 20 seconds, so you don't need it) into arrays: for each note its
# **pitch** as a MIDI number (60 is middle C, 69 the A at 440 Hz; a rest is -1) and its
# **duration** in quarter notes (1 = a crotchet, 0.5 = a quaver). Printed, a note reads
# `G4:1`: the G above middle C, for one beat.

# %%
chorales = load_chorales()
first = chorales[0]
n_events = sum(len(c) for c in chorales)
print(f"{len(chorales)} chorales, {n_events:,} notes and rests, "
      f"{min(len(c) for c in chorales)} to {max(len(c) for c in chorales)} per chorale")
print(f"No. {first.number}, {first.bwv}: '{first.title}', {first.key}, {first.time_signature}")
print("first tokens:", encode_melody(first.pitch[:6], first.duration[:6]))

# %% [markdown]
# A **piano roll** draws each note as a bar: its height is the pitch, its length the
# duration. Hover over a bar to read the note. Chorale phrases end on a held note (a
# *fermata*); you can see the phrase structure in the long notes.

# %%
# NBVAL_IGNORE_OUTPUT
fig = piano_roll({f"{first.title} ({first.key})": (first.pitch, first.duration)},
                 title="The soprano line of chorale No. 1")
assert len(fig.data) == 1 and max(y for y in fig.data[0].y if y is not None) == first.pitch.max()
fig

# %% [markdown]
# And here it is as sound, its first two phrases (up to the second fermata). The synthesizer
# `synthesize` is twenty lines of NumPy: each note is a sum of four harmonics,
# $\sum_k h_k \sin(2\pi k f t)$ with $f = 440 \cdot 2^{(p - 69)/12}$ Hz, shaped by an envelope
# that rises in 10 ms and falls to zero at the note's end, so notes join without clicks.

# %%
# NBVAL_IGNORE_OUTPUT
end = int(np.flatnonzero(first.fermata)[1]) + 1           # up to the second fermata
wave = synthesize(first.pitch[:end], first.duration[:end], bpm=BPM, sample_rate=SAMPLE_RATE)
assert np.abs(wave).max() <= 1.0 and len(wave) == round(first.duration[:end].sum() * 60 / BPM
                                                           * SAMPLE_RATE)
print(f"{end} notes, {len(wave) / SAMPLE_RATE:.1f} s at {BPM} beats per minute")
audio(wave, SAMPLE_RATE)

# %% [markdown]
# ### From notes to tokens
# The jazz assignment's model predicts one *value* at a time (a note or chord with its
# length). Here a token is one note with its duration, written `"G4:1.5"` (a dotted crotchet
# G) or `"R:1"` (a crotchet rest), and a melody is the string of its tokens. The chorales are
# in many keys; the same tune in G and in A shares no tokens, so we transpose each chorale to C
# (major or minor) by the smallest shift: every melody then has the same tonic, and the model
# does not have to work out a melody's key before it can predict its next note. It does not
# make the vocabulary smaller: a soprano's range is fixed, so moving a tune in A up to C reaches
# notes no original line had.

# %%
as_text = [" ".join(encode_melody(c.pitch, c.duration)) for c in chorales]
in_c = [c.in_c() for c in chorales]
texts = [" ".join(encode_melody(c.pitch, c.duration)) for c in in_c]
print("chorale 1 in G:", as_text[0][:52], "...")
print("chorale 1 in C:", texts[0][:52], "...")
print(f"{len({c.key for c in chorales})} keys; distinct tokens: "
      f"{len(set(' '.join(as_text).split()))} in the original keys, "
      f"{len(set(' '.join(texts).split()))} in C")

# %% [markdown]
# The vocabulary is built on the training chorales only (a seeded 90/10 split): tokens seen at
# least twice, plus `<EOS>` (which ends every melody and also serves as the start token
# $x^{\langle 1 \rangle}$) and `<UNK>` for the rarest tokens. `note_vocabulary` builds the
# vocabulary of `seqlab.lm` at `level="space"` (tokens separated by spaces), so everything in `seqlab.lm`
# (training, evaluation, sampling) works on melodies unchanged.

# %%
train_texts, val_texts = train_val_split(texts, val_fraction=0.1, seed=0)
notes_vocab = note_vocabulary(train_texts, min_count=2)
n_unknown = sum(len(notes_vocab.unknown(t)) for t in val_texts)
n_val = sum(len(t.split()) for t in val_texts)
print(f"{len(train_texts)} training and {len(val_texts)} validation chorales; "
      f"{len(notes_vocab)} tokens in the vocabulary")
print(f"validation tokens outside it (scored as <UNK>): {n_unknown} of {n_val}")
print("most frequent:", notes_vocab.itos[2:10])   # a word vocabulary: by decreasing count

# %% [markdown]
# ## 2. Training the LSTM
# The model is the lecture's language model with an LSTM cell: at step $t$ it reads the
# previous note $x^{\langle t \rangle} = y^{\langle t-1 \rangle}$ (one-hot), updates
# $a^{\langle t \rangle}, c^{\langle t \rangle}$ and predicts
# $\hat y^{\langle t \rangle} = \mathrm{softmax}(W_{ya} a^{\langle t \rangle} + b_y)$. The loss
# is the cross-entropy of the real next note, $-\log \hat y^{\langle t \rangle}_{y^{\langle t
# \rangle}}$, averaged over notes. `lm.train` runs Adam with the gradient norm clipped at 5, on
# the training chorales laid end to end as one stream cut into windows of 25 notes (truncated
# backpropagation through time: the state crosses windows, the gradient does not).
#
# Is a loss good? Compare it with models that ignore the past: a **uniform** guess over the
# vocabulary ($\log V$), the **unigram** (note frequencies) and the **bigram** (the next note
# given only the previous one). Every 41 steps a callback measures the validation loss, each
# validation chorale read from its first note as it would be generated.

# %%
music_model = lm.LanguageModel(notes_vocab, n_a=64, kind="lstm", rng=0)
music_baselines = lm.ngram_baselines(notes_vocab, train_texts, val_texts)
n_params = sum(int(np.prod(W.shape)) for W in music_model.params.values())
print(f"LSTM with n_a = 64: {n_params:,} parameters")
print("validation loss of the baselines (nats per note):",
      ", ".join(f"{k} {v:.3f}" for k, v in music_baselines.items()))

# %%
# NBVAL_IGNORE_OUTPUT
val_curve = ([], [])                       # (steps, validation losses)


def track(history):
    """lm.train calls this every 41 steps and at the end."""
    if not val_curve[0] or val_curve[0][-1] != history.step[-1]:
        val_curve[0].append(history.step[-1])
        val_curve[1].append(lm.evaluate(music_model, val_texts))   # one sequence per chorale


music_history = lm.train(music_model, train_texts, None, epochs=10, batch_size=16, window=25,
                         lr=1e-2, callback=track, every=41, desc="chorale LSTM")
music_val = val_curve[1][-1]
print(f"{len(music_history.step)} steps in {music_history.seconds:.1f} s; "
      f"validation loss {music_val:.3f} nats per note (perplexity {lm.perplexity(music_val):.1f})")
assert music_val < music_baselines["bigram"] - 0.3 and 11 < lm.perplexity(music_val) < 13

# %%
# NBVAL_IGNORE_OUTPUT
fig = loss_curves(music_history, {f"bigram {music_baselines['bigram']:.2f}":
                                  music_baselines["bigram"],
                                  f"unigram {music_baselines['unigram']:.2f}":
                                  music_baselines["unigram"]},
                  title="Chorale LSTM: loss per note", val=val_curve)
assert fig.data[2].y[-1] < music_baselines["bigram"] < fig.data[2].y[0]
fig

# %% [markdown]
# The LSTM ends well below the bigram: remembering more than the last note helps. Its
# perplexity (printed above, about 12) means that at each step it is as unsure as a fair
# choice among about 12 tokens, out of 157. The training loss keeps falling after the
# validation loss has levelled off: with 315 short melodies, a bigger model or longer training
# would start to memorise them.
#
# ## 3. Improvise: sampling a melody
# Sampling is the one-to-many picture of the lecture: $x^{\langle 1 \rangle}$ = `<EOS>`,
# then draw $y^{\langle t \rangle} \sim \hat y^{\langle t \rangle}$ and feed it back as
# $x^{\langle t+1 \rangle}$, until the model draws `<EOS>` (the melody ends) or 64 notes. The
# temperature $\tau$ divides the logits before the softmax: $\tau < 1$ plays safe, $\tau > 1$
# takes risks.

# %%
# NBVAL_IGNORE_OUTPUT
improvised = lm.sample(music_model, 40, temperature=1.0, seed=1, max_length=64)
melodies = [decode_melody(text.split()) for text in improvised]
lengths = [len(p) for p, _ in melodies]
pick = next(i for i, n in enumerate(lengths) if 24 <= n <= 48)   # the first of typical length
pitch, duration = melodies[pick]
print(f"{len(melodies)} melodies of {min(lengths)} to {max(lengths)} notes "
      f"(mean {np.mean(lengths):.0f}; Bach's: {np.mean([len(c) for c in chorales]):.0f})")
print(f"melody {pick}: {len(pitch)} notes, {duration.sum():g} quarter notes")
print(improvised[pick])
assert len(melodies) == 40 and 24 <= len(pitch) <= 48

# %%
# NBVAL_IGNORE_OUTPUT
real = in_c[0]
fig = piano_roll({"improvised by the LSTM (in C)": (pitch, duration),
                  f"Bach, chorale No. 1 transposed to C ({real.mode})":
                  (real.pitch, real.duration)},
                 title="Generated and real soprano lines")
assert len(fig.data) == 2 and len([y for y in fig.data[0].y if y is not None]) == 2 * int(
    np.sum(pitch != REST))
fig

# %%
# NBVAL_IGNORE_OUTPUT
beats = np.cumsum(duration)
n_play = int(np.searchsorted(beats, 16, side="right")) or 1   # the first 16 beats or so
wave = synthesize(pitch[:n_play], duration[:n_play], bpm=BPM, sample_rate=SAMPLE_RATE)
assert np.abs(wave).max() <= 1.0
print(f"the first {n_play} notes, {len(wave) / SAMPLE_RATE:.1f} s")
audio(wave, SAMPLE_RATE)

# %% [markdown]
# ### Does it sound like Bach? Statistics
# Listening is one test; numbers are another. Chorale melodies move mostly by step (one or two
# semitones), rarely leap, and stay within about an octave. Below: the same
# statistics for the validation chorales (Bach, never seen in training) and for 40 melodies
# sampled at three temperatures.

# %%
# NBVAL_IGNORE_OUTPUT
real_melodies = [decode_melody(t.split()) for t in val_texts]
rows = {"Bach (validation)": real_melodies}
for tau in (0.7, 1.0, 1.5):
    sampled = lm.sample(music_model, 40, temperature=tau, seed=2, max_length=64)
    rows[f"LSTM, τ = {tau}"] = [m for m in (decode_melody(s.split()) for s in sampled)
                                if np.sum(m[0] != REST) >= 2]
print(f"{'':18s} {'notes':>6s} {'range':>9s} {'|interval|':>10s} {'steps':>6s} "
      f"{'leaps':>6s} {'repeats':>7s} {'length':>7s}")
stats = {}
for name, mels in rows.items():
    s = stats[name] = melody_statistics(mels)
    print(f"{name:18s} {s['notes']:6d} {midi_to_name(s['lowest']):>4s}-"
          f"{midi_to_name(s['highest']):<4s} {s['mean_abs_interval']:10.2f} {s['steps']:6.2f} "
          f"{s['leaps']:6.2f} {s['repeats']:7.2f} {s['mean_duration']:7.2f}")
assert abs(stats["LSTM, τ = 1.0"]["steps"] - stats["Bach (validation)"]["steps"]) < 0.15

# %%
# NBVAL_IGNORE_OUTPUT
intervals, p_real = interval_histogram(rows["Bach (validation)"], max_interval=9)
_, p_model = interval_histogram(rows["LSTM, τ = 1.0"], max_interval=9)
_, p_hot = interval_histogram(rows["LSTM, τ = 1.5"], max_interval=9)
fig = compare_histograms(intervals, {"Bach": p_real, "LSTM τ = 1": p_model,
                                     "LSTM τ = 1.5": p_hot},
                         title="Melodic intervals (semitones; ±9 includes larger leaps)",
                         x_title="interval to the next note (semitones)")
assert np.isclose(sum(fig.data[0].y), 1.0)
fig

# %% [markdown]
# At $\tau = 1$ the LSTM's intervals follow Bach's closely: mostly steps of 1-2 semitones
# down and up, repeated notes, few leaps. At $\tau = 0.7$ it plays it safe (more stepwise
# motion, a narrower range); at $\tau = 1.5$ the distribution flattens and leaps become
# common: less Bach, more random walk. These statistics are local, one note to the next. What
# you will hardly hear is long-range form (phrases of equal length that end on the tonic, a
# melody that returns home): nothing in this small model plans a phrase.
#
# ## 4. Writing like Shakespeare
# The same model over **characters**: the vocabulary is the 60-odd characters of the
# sonnets, and the training text is 139 of Shakespeare's 154 sonnets (a seeded random 10% is
# held out).
# First, a small LSTM trained live for a few seconds:

# %%
sonnets = load_sonnets(join=False)
train_sonnets, val_sonnets = train_val_split(sonnets, val_fraction=0.1, seed=0)
train_text = "\n\n".join(train_sonnets)            # one stream, read in windows
chars = lm.Vocabulary.build(train_sonnets, level="char")
char_baselines = lm.ngram_baselines(chars, train_sonnets, val_sonnets)
print(f"{len(train_sonnets)} training sonnets ({len(train_text):,} characters), "
      f"{len(val_sonnets)} for validation; {len(chars)} tokens")
print("validation loss of the baselines (nats per character):",
      ", ".join(f"{k} {v:.3f}" for k, v in char_baselines.items()))

# %%
# NBVAL_IGNORE_OUTPUT
quick = lm.LanguageModel(chars, n_a=64, kind="lstm", rng=0)
quick_history = lm.train(quick, train_text, None, epochs=2, batch_size=32, window=50,
                         lr=1e-2, desc="sonnet LSTM")
quick_val = lm.evaluate(quick, val_sonnets)
print(f"{quick_history.seconds:.1f} s of training: validation loss {quick_val:.3f} nats/char")
assert quick_val < char_baselines["bigram"]
print(lm.sample(quick, 1, temperature=0.7, seed=0, max_length=160)[0])

# %% [markdown]
# After a few seconds it has learnt the frequent short words and where spaces and line breaks
# go, but few real words. The model below is the same kind of LSTM with 160 units, trained for
# a few minutes by a script (its command is printed) and shipped with seqlab; we measure its
# validation loss here.

# %%
bard_path = lm.pretrained.FOLDER / "sonnets_char_lstm.npz"
bard = lm.LanguageModel.load(bard_path)
training = load_arrays(bard_path)[1]["training"]
bard_val = lm.evaluate(bard, val_sonnets)          # each held-out sonnet from its start
print(f"made by: {training['command']}  ({training['seconds']:.0f} s, best epoch "
      f"{training['best_epoch']})")
print(f"validation loss {bard_val:.3f} nats/char = {bard_val / np.log(2):.2f} bits/char "
      f"(perplexity {lm.perplexity(bard_val):.2f}); bigram {char_baselines['bigram']:.3f}")

# %% [markdown]
# Now the fun part. Each sample starts from the course's prompt and continues it, one drawn
# character at a time, at three temperatures (same seed each time):

# %%
for tau in (0.3, 0.7, 1.0):
    text = lm.sample(bard, 1, temperature=tau, seed=3, prefix="Shall I compare thee",
                     max_length=240)[0]
    print(f"--- τ = {tau} ---\n{text}\n")

# %% [markdown]
# At $\tau = 0.3$ the text is safe and repetitive (the likeliest words, "the", "thee",
# "love", "sweet", over and over); at $\tau = 1$ it is what the model really believes, with invented
# words and wilder punctuation; $\tau = 0.7$ is usually the most Shakespeare-like. Its loss of
# about 1.75 nats per character is well above the 1.4-1.5 that character models reach on a
# million characters of Shakespeare's plays: the sonnets are only 85,000.
#
# ## Summary
# - A language model becomes a **generator** by sampling: start token in, draw, feed back.
# - The vocabulary decides what it generates: notes with durations, or characters.
# - Judge it against **baselines** (the bigram), on held-out data, and look at **statistics**
#   of what it generates, not only at a few samples; the **temperature** trades safety for
#   variety.

# %%
# NBVAL_IGNORE_OUTPUT
print(f"notebook ran in {time.perf_counter() - started:.1f} s")
assert time.perf_counter() - started < 60                     # the notebook budget
