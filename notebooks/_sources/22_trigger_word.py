# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 22 · Trigger word detection: "activate"
#
# *Sequence Models*, week 3, "Trigger Word Detection". A device that wakes up when it hears
# its word ("Alexa", "Hey Siri", here **"activate"**) listens all the time and must answer,
# at every moment, *has the trigger word just ended?* The course's recipe:
# 1. **data**: paste recordings of "activate" and of other words ("negatives") at random,
#    non-overlapping places into 10-second background clips; label each output step 1 for a
#    short while right after every "activate" ends, 0 elsewhere;
# 2. **model**: a 1-D convolution over the spectrogram, two GRU layers, a sigmoid per step;
# 3. **use**: where the probability crosses a threshold, the device fires (here: it chimes).
#
# No package ships recorded speech, so the words are **synthesized by espeak-ng** with many
# voices, speeds and pitches, and the backgrounds are NumPy noise. In this notebook you write
# the three data functions of the course's assignment, `is_overlapping`, `insert_audio_clip`
# and `insert_ones`, read the model, and try the trained detector on clips spoken by voices it
# never heard. Run it top to bottom; it takes about 15 seconds (the first run synthesizes
# ~60 words, a few seconds; they are cached).

# %%
import numpy as np

from seqlab import backend
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.data import trigger as data
from seqlab.data.speech import HELD_OUT_VARIANTS, TRAIN_VARIANTS
from seqlab.exercises import (
    check_insert_audio_clip,
    check_insert_ones,
    check_is_overlapping,
    hint,
    progress,
)
from seqlab.speech import trigger as model
from seqlab.viz import show_source
from seqlab.viz.trigger import player, trigger_figure, trigger_timeline

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(22)            # one seeded generator: Run All gives the same clips every time

# %% [markdown]
# ## 1. The words and the clips
# A clip lasts 10 s at 16 kHz. Its features are 40 log-mel bands every 9 ms
# ($T_x = 1112$ frames); the model's output has $T_y = 275$ steps of 36 ms. The course uses a
# finer grid (5511 frames, 1375 steps of 7.3 ms); every time here is the same, only the grid
# is 5 times coarser, so the course's "50 ones" become 10 ones (364 ms either way).
#
# The word pools: "activate" and negatives such as "active", "activity", "cavity", "vacate"
# (near misses on purpose) and unrelated words. Training voices and held-out voices differ:

# %%
print("training voice variants:", ", ".join(v or "(default)" for v in TRAIN_VARIANTS))
print("held-out voice variants:", ", ".join(HELD_OUT_VARIANTS))
print("negative words:", ", ".join(data.NEGATIVE_WORDS))
print(f"T_x = {data.T_X}, T_y = {data.T_Y}, ones after each 'activate': {data.LABEL_STEPS}")
pool = data.word_pool("test", 16, 16, seed=11)   # held-out voices: the small set used below
print(len(pool.activates), "'activate's and", len(pool.negatives), "negatives synthesized")

# %% [markdown]
# ## 2. Exercise 1: `is_overlapping`
# A segment is `(start_ms, end_ms)` with the end **inclusive** (a 700 ms clip starting at
# 1000 ends at 1699). A new word may not share a single millisecond with a word already in
# the clip. Return `True` when `segment_time` overlaps any of `previous_segments`.

# %%
def is_overlapping(segment_time, previous_segments):
    """True when (start, end) overlaps any (previous_start, previous_end)."""
    ### BEGIN SOLUTION
    segment_start, segment_end = segment_time
    for previous_start, previous_end in previous_segments:
        if segment_start <= previous_end and segment_end >= previous_start:
            return True
    return False
    ### END SOLUTION


# %%
check_is_overlapping(is_overlapping)

# %% [markdown]
# A common slip: strict comparisons, so two words that touch count as separate.

# %%
def is_overlapping_strict(segment_time, previous_segments):
    s, e = segment_time
    return any(s < pe and e > ps for ps, pe in previous_segments)


check_is_overlapping(is_overlapping_strict)

# %% [markdown]
# ## 3. Exercise 2: `insert_audio_clip`
# Paste `audio_clip` into `background` at a random place that overlaps no earlier word:
# * `rng = np.random.default_rng(rng)` once (it accepts a seed or a Generator);
# * `segment_ms = data.clip_ms(audio_clip)` (its length in ms), then
#   `segment_time = data.get_random_time_segment(segment_ms, rng)`;
# * as the course: `retry = 5`, and while the segment overlaps and `retry >= 0`, draw again;
# * if it still overlaps, insert nothing: return `(background.copy(), (10000, 10000))`;
# * otherwise append `segment_time` to `previous_segments` and return
#   `(data.overlay(background, audio_clip, segment_time[0]), segment_time)`.

# %%
def insert_audio_clip(background, audio_clip, previous_segments, rng):
    """Returns (new_background, segment_time); appends segment_time to previous_segments."""
    ### BEGIN SOLUTION
    rng = np.random.default_rng(rng)
    segment_ms = data.clip_ms(audio_clip)
    segment_time = data.get_random_time_segment(segment_ms, rng)
    retry = 5
    while data.is_overlapping(segment_time, previous_segments) and retry >= 0:
        segment_time = data.get_random_time_segment(segment_ms, rng)
        retry -= 1
    if data.is_overlapping(segment_time, previous_segments):
        return background.copy(), (10000, 10000)
    previous_segments.append(segment_time)
    return data.overlay(background, audio_clip, segment_time[0]), segment_time
    ### END SOLUTION


# %%
check_insert_audio_clip(insert_audio_clip)

# %% [markdown]
# The check cannot see one mistake: forgetting `previous_segments.append(segment_time)`. The
# values returned are right, but the next word may land on top of this one. Three words into
# one background, with the library's function and with one that forgets:

# %%
def forgets_to_append(background, audio_clip, previous_segments, rng):
    return data.insert_audio_clip(background, audio_clip, list(previous_segments), rng)


for fn in (data.insert_audio_clip, forgets_to_append):
    segments, bg, r = [], np.zeros(data.N_SAMPLES, np.float32), np.random.default_rng(5)
    placed = [fn(bg, np.ones(16 * 3000, np.float32), segments, r)[1] for _ in range(3)]
    clash = any(data.is_overlapping(a, placed[:i]) for i, a in enumerate(placed))
    print(f"{fn.__name__:>18}: segments {placed} -> overlapping words: {clash}")

# %% [markdown]
# ## 4. Exercise 3: `insert_ones`
# The label of step $t$ is 1 for the `n_ones` steps right **after** an "activate" ends:
#
# $$t_{\text{end}} = \left\lfloor \frac{\text{segment\_end\_ms} \cdot T_y}{10000} \right\rfloor,
# \qquad y^{\langle t \rangle} = 1 \ \text{ for } t_{\text{end}} < t \le t_{\text{end}} +
# n_{\text{ones}},\ t < T_y$$
#
# Take $T_y$ from `y.shape[1]`, return a new array (leave `y` unchanged), and keep the ones of
# earlier "activate"s.

# %%
def insert_ones(y, segment_end_ms, n_ones):
    """y (1, T_y) -> a copy with ones on the n_ones steps after segment_end_ms."""
    ### BEGIN SOLUTION
    y = y.copy()
    T_y = y.shape[1]
    segment_end_y = int(segment_end_ms * T_y / 10000.0)
    for i in range(segment_end_y + 1, segment_end_y + n_ones + 1):
        if i < T_y:
            y[0, i] = 1
    return y
    ### END SOLUTION


# %%
check_insert_ones(insert_ones)

# %%
hint("insert_ones")

# %% [markdown]
# ## 5. A training example
# `create_training_example` puts it together (the library's versions of your three functions):
# a noise background, 0-4 "activate"s and 0-2 negatives, features and labels. Listen to it and
# compare the picture: each green block starts where an "activate" ends.

# %%
show_source(data.create_training_example)

# %%
example = data.create_training_example(data.make_background(rng), *pool, rng=rng)
print("activates (ms):", example.activates)
print("negatives (ms):", example.negatives)
expected = sum(min(data.LABEL_STEPS, data.T_Y - 1 - int(e * data.T_Y / 10000))
               for _, e in example.activates)     # 10 per "activate", cut at the clip's end
print(f"label ones: {int(example.y.sum())} = {data.LABEL_STEPS} after each of the "
      f"{len(example.activates)} 'activate's, cut at T_y = {data.T_Y}: {expected}")
assert example.y.sum() == expected

# %%
# NBVAL_IGNORE_OUTPUT
fig = trigger_figure(example.x, labels=example.y[0],
                     true_ends_ms=[e for _, e in example.activates],
                     title="a training example: log-mel features and labels")
assert fig.data[1].name == "label y<t>" and sum(fig.data[1].y) == example.y.sum()
fig

# %%
# NBVAL_IGNORE_OUTPUT
play = player(example.wave)
assert play.data[:4] == b"RIFF"                     # a WAV file the browser plays
play

# %% [markdown]
# ## 6. The model
# $$z_1 = \mathrm{Conv1D}(x;\ 64 \text{ filters}, k = 15, \text{stride } 4) \quad
# r_1 = \mathrm{dropout}(\max(z_1, 0)) \quad a_1 = \mathrm{GRU}(r_1) \quad
# a_2 = \mathrm{GRU}(\mathrm{dropout}(a_1))$$
# $$\hat y^{\langle t \rangle} = \sigma(W_y a_2^{\langle t \rangle} + b_y), \qquad
# J = -\frac{1}{m T_y} \sum_{i, t} \left[y^{\langle t \rangle} \log \hat y^{\langle t \rangle} +
# (1 - y^{\langle t \rangle}) \log (1 - \hat y^{\langle t \rangle})\right]$$
#
# The convolution (written in `seqlab.layers.conv1d`, im2col, checked against
# `torch.nn.functional.conv1d`) turns 1112 frames into $(1112 - 15)/4 + 1 = 275$ steps. The
# GRUs are unidirectional: a trigger-word detector must answer *now*, without the future. The
# course's model also has batch normalization; this one normalizes the features of each clip
# instead. The forward pass:

# %%
show_source(model.trigger_forward)

# %% [markdown]
# ## 7. The trained model on held-out voices
# The shipped model was trained by `python tools/train_trigger.py` (about 10 minutes on 2 CPU
# cores) on 1000 clips spoken by the training voices. A **detection** is a step where
# $\hat y^{\langle t \rangle} \ge 0.5$ with no detection in the 15 steps (545 ms) before; it is
# a true positive when it falls between 100 ms before and 500 ms after the end of a real
# "activate" not matched yet. Precision = TP / detections, recall = TP / "activate"s.
# Recomputed now on 24 clips whose words were spoken by **held-out voices**:

# %%
params, meta = model.load_trigger_model()
X, Y, examples = data.make_dataset(24, pool, seed=11, keep_waves=True)
probs = model.predict(X, params)                                   # (24, T_y)
ends = [[e for _, e in ex.activates] for ex in examples]
live = model.evaluate(probs, ends, threshold=0.5)
print(f"held-out clips now: F1 {live['f1']:.3f}  precision {live['precision']:.3f}  "
      f"recall {live['recall']:.3f}  ({live['tp']} TP, {live['fp']} FP, {live['fn']} FN)")
h = meta["held_out"]
print(f"the file's claim on {h['n_clips']} held-out clips: F1 {h['f1']:.3f}  "
      f"precision {h['precision']:.3f}  recall {h['recall']:.3f}")
assert live["f1"] == meta["small"]["f1"] and live["f1"] >= 0.9 and meta["f1"] >= 0.9

# %% [markdown]
# ## 8. The timeline: move the threshold
# Spectrogram on top; below, the probability $\hat y^{\langle t \rangle}$ (blue), the labels
# (green), the threshold (red dashes, the slider) and the detections (red triangles); dotted
# lines mark where each real "activate" ends. Lower the threshold until the near misses
# ("active", "activity"...) start to fire; raise it until real ones are missed. The buttons
# play the clip, plain or with a chime wherever the model fires.

# %%
# NBVAL_IGNORE_OUTPUT
i = max(range(len(examples)), key=lambda k: (len(examples[k].activates) > 0)
        + len(examples[k].negatives))  # a clip with "activate"s and negatives
timeline = trigger_timeline(X[:, i], examples[i].wave, probs[i], Y[0, i], threshold=0.5,
                            true_ends_ms=ends[i], title=f"held-out clip {i}")
timeline.update(threshold=0.3)
timeline.update(threshold=0.5)
assert max(timeline.timings) < 0.2
assert len(timeline.state["detections_s"]) == len(model.detect(probs[i], 0.5))
timeline

# %% [markdown]
# ## 9. Chimes
# The course's `chime_on_activate`: the clip with a chime mixed in at every detection.

# %%
chimed, times = model.chime_on_activate(examples[i].wave, probs[i], threshold=0.5)
print("chimes at (s):", [round(t / 1000, 2) for t in times])
print("'activate' ends at (s):", [round(e / 1000, 2) for e in ends[i]])
print("words in the clip:", len(examples[i].activates), "activate(s),",
      len(examples[i].negatives), "negative(s)")

# %%
# NBVAL_IGNORE_OUTPUT
play = player(chimed)
assert play.data[:4] == b"RIFF"                     # a WAV file the browser plays
play

# %%
progress()
