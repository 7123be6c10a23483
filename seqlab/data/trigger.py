r"""Trigger-word data: 10-second clips of noise with "activate" and other words inserted.

*Sequence Models*, week 3, "Trigger Word Detection" (the "activate" assignment): a training
example is a 10 s background with 0-4 "activate"s and 0-2 other words ("negatives") pasted at
random, non-overlapping places; its label y<t> is 1 for the 50 output steps (of 1,375) right
after each "activate" ends, 0 elsewhere. No recorded speech ships with any package, so the
words are synthesized by espeak-ng (:mod:`seqlab.data.speech`, many voices, speeds and
pitches; the held-out clips use voices never heard in training) and the backgrounds are NumPy
white / pink / brown noise at random levels.

Shapes and sizes (everything scaled by 1/5 in time resolution from the course; the same times)
------
==============  ======================  ================================================
name            value / shape           meaning
==============  ======================  ================================================
RATE            16,000 Hz               sample rate (the course: 44.1 kHz)
CLIP_MS         10,000                  clip length; segment times are in ms, as pydub's
waveform        (160000,) float32       one 10 s clip
x               (N_MELS=40, T_X=1112)   log-mel frames, 25 ms windows, 9 ms hop, normalized
y               (1, T_Y=275)            labels; T_Y = (T_X - 15) // 4 + 1 (Conv1D k=15, s=4)
LABEL_STEPS     10                      ones after each end = 50 · 275/1375 (364 ms, as the
                                        course's 50 steps of 7.27 ms)
segment_time    (start_ms, end_ms)      inclusive, as in the course
==============  ======================  ================================================

Equations
---------
(1) segment_start ~ U{0, ..., CLIP_MS - segment_ms - 1}, segment_end = start + segment_ms - 1
(2) overlap ⇔ start ≤ previous_end and end ≥ previous_start (touching counts: ≤, not <)
(3) segment_end_y = ⌊segment_end_ms · T_y / CLIP_MS⌋;
    y<t> = 1 for segment_end_y < t ≤ segment_end_y + LABEL_STEPS, t < T_y
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from seqlab._validate import (
    as_array,
    check_bool,
    check_choice,
    check_instance,
    check_int,
    check_rng,
    check_sequence,
    got,
)
from seqlab.audio import log_mel, normalize
from seqlab.data.speech import noise, speakers, synthesize_batch, trim_silence

__all__ = ["ACTIVATE", "CLIP_MS", "HOP", "LABEL_STEPS", "NEGATIVE_WORDS", "N_FFT", "N_MELS",
           "RATE", "T_X", "T_Y", "TriggerExample", "WordPool", "clip_ms",
           "create_training_example", "features", "get_random_time_segment",
           "insert_audio_clip", "insert_ones", "is_overlapping", "make_background",
           "make_dataset", "overlay", "word_pool"]

RATE = 16000                      # Hz
CLIP_MS = 10_000                  # a clip is 10 s
N_SAMPLES = RATE * CLIP_MS // 1000
N_FFT, HOP, N_MELS = 400, 144, 40  # 25 ms windows, 9 ms hop (center=True: 1 + N // HOP frames)
T_X = 1 + N_SAMPLES // HOP        # 1112 frames
KERNEL, STRIDE = 15, 4            # the course's Conv1D(kernel_size=15, strides=4)
T_Y = (T_X - KERNEL) // STRIDE + 1  # 275 output steps (the course: 1375)
LABEL_STEPS = round(50 * T_Y / 1375)  # 10 ones after each "activate" (the course: 50)
ACTIVATE = "activate"
NEGATIVE_WORDS = ("active", "activity", "acting", "cavity", "action", "vacate", "seven",
                  "hello", "computer", "window", "music", "station", "native", "relative")
NOISE_KINDS = ("white", "pink", "brown")


class TriggerExample(NamedTuple):
    """One clip: waveform (N_SAMPLES,), features x (N_MELS, T_X), labels y (1, T_Y), the
    (start_ms, end_ms) of its "activate"s and of its negatives."""

    wave: np.ndarray
    x: np.ndarray
    y: np.ndarray
    activates: list
    negatives: list


class WordPool(NamedTuple):
    """Trimmed word clips at RATE: ``activates`` and ``negatives`` (lists of (n,) float32)."""

    activates: list
    negatives: list


# ----------------------------------------------------------------------------- the exercises
def clip_ms(audio_clip, rate: int = RATE) -> int:
    """The length of a clip in whole milliseconds (pydub's ``len(clip)``), rounded up."""
    audio_clip = _wave(audio_clip, "clip_ms(audio_clip)")
    return -(-len(audio_clip) * 1000 // check_int(rate, "clip_ms(rate)", 1))


def get_random_time_segment(segment_ms: int, rng=0) -> tuple[int, int]:
    """A random (start_ms, end_ms) of ``segment_ms`` inside the 10 s clip (eq. 1); end inclusive.

    ``rng``: a numpy Generator or an int seed (one draw: ``rng.integers(0, CLIP_MS - segment_ms)``).
    """
    segment_ms = check_int(segment_ms, f"get_random_time_segment(segment_ms) (< {CLIP_MS})", 1,
                           CLIP_MS - 1)
    rng = check_rng(rng, "get_random_time_segment(rng)")
    segment_start = int(rng.integers(0, CLIP_MS - segment_ms))  # (1) high end excluded
    segment_end = segment_start + segment_ms - 1                # (1) inclusive end
    return segment_start, segment_end


def is_overlapping(segment_time, previous_segments) -> bool:
    """True when (start, end) shares at least one millisecond with a previous segment (eq. 2)."""
    _segment(segment_time, "is_overlapping(segment_time)")
    for seg in check_sequence(previous_segments, "is_overlapping(previous_segments)",
                              "a list of (start_ms, end_ms)"):
        _segment(seg, "is_overlapping(previous_segments)")
    segment_start, segment_end = segment_time
    for previous_start, previous_end in previous_segments:
        if segment_start <= previous_end and segment_end >= previous_start:  # (2)
            return True
    return False


def overlay(background, audio_clip, position_ms: int, rate: int = RATE) -> np.ndarray:
    """A copy of ``background`` with ``audio_clip`` added from ``position_ms`` on (pydub's
    ``overlay``: what runs past the end of the background is dropped)."""
    background = _wave(background, "overlay(background)")
    audio_clip = _wave(audio_clip, "overlay(audio_clip)")
    position_ms = check_int(position_ms, "overlay(position_ms)", 0)
    rate = check_int(rate, "overlay(rate)", 1)
    out = np.array(background, dtype=np.float32, copy=True)
    start = position_ms * rate // 1000
    n = max(0, min(len(audio_clip), len(out) - start))
    out[start:start + n] += audio_clip[:n]
    return out


def insert_audio_clip(background, audio_clip, previous_segments, rng=0, rate: int = RATE):
    """Paste ``audio_clip`` at a random place of ``background`` that overlaps no previous
    segment: up to 1 + 6 draws (the course's ``retry = 5`` loop); when every draw overlaps,
    nothing is inserted and the segment is (10000, 10000).

    Parameters
    ----------
    background : (N_SAMPLES,) float32 waveform (left unchanged)
    audio_clip : (n,) float32 waveform, shorter than the background
    previous_segments : list of (start_ms, end_ms); the new segment is APPENDED to it
    rng : numpy Generator or int seed, passed to :func:`get_random_time_segment`

    Returns
    -------
    new_background : (N_SAMPLES,) float32, the background with the clip added
    segment_time : (start_ms, end_ms)
    """
    f = "insert_audio_clip"
    background, audio_clip = _wave(background, f"{f}(background)"), _wave(audio_clip,
                                                                          f"{f}(audio_clip)")
    if not isinstance(previous_segments, list):
        raise TypeError(f"{f}(previous_segments): expected a list (the new segment is appended "
                        f"to it), got {got(previous_segments)}")
    rng = check_rng(rng, f"{f}(rng)")
    segment_ms = clip_ms(audio_clip, rate)
    if segment_ms >= min(CLIP_MS, clip_ms(background, rate)):
        raise ValueError(f"{f}(audio_clip): expected a clip shorter than the background "
                         f"({clip_ms(background, rate)} ms), got {segment_ms} ms")
    segment_time = get_random_time_segment(segment_ms, rng)
    retry = 5
    while is_overlapping(segment_time, previous_segments) and retry >= 0:
        segment_time = get_random_time_segment(segment_ms, rng)
        retry -= 1
    if is_overlapping(segment_time, previous_segments):
        return np.array(background, dtype=np.float32, copy=True), (CLIP_MS, CLIP_MS)
    previous_segments.append(segment_time)
    return overlay(background, audio_clip, segment_time[0], rate), segment_time


def insert_ones(y, segment_end_ms: int, n_ones: int = LABEL_STEPS) -> np.ndarray:
    """Labels with ones for the ``n_ones`` steps strictly after ``segment_end_ms`` (eq. 3).

    Parameters
    ----------
    y : (1, T_y) labels (left unchanged: a new array is returned)
    segment_end_ms : int, the end of an "activate" in ms (CLIP_MS or more: nothing inserted)
    n_ones : int, the course's 50 at T_y = 1375 (LABEL_STEPS = 10 at T_Y = 275)

    Returns
    -------
    y : (1, T_y) copy with y[0, t] = 1 for segment_end_y < t ≤ segment_end_y + n_ones, t < T_y
    """
    y = np.array(as_array(y, "insert_ones(y)", "real", ndim=2, symbols="(1, T_y) of labels"),
                 copy=True)
    segment_end_ms = check_int(segment_end_ms, "insert_ones(segment_end_ms)", 0)
    n_ones = check_int(n_ones, "insert_ones(n_ones)", 1)
    T_y = y.shape[1]
    segment_end_y = int(segment_end_ms * T_y / CLIP_MS)    # (3) ms -> output step
    for i in range(segment_end_y + 1, segment_end_y + n_ones + 1):
        if i < T_y:                                         # never write past T_y
            y[0, i] = 1
    return y


# ----------------------------------------------------------------------------- the pipeline
def features(wave) -> np.ndarray:
    """Normalized log-mel features (N_MELS, T_X) of a waveform, float32."""
    wave = _wave(wave, "features(wave)")
    return normalize(log_mel(np.asarray(wave, np.float64), RATE, N_MELS, N_FFT, HOP)
                     ).astype(np.float32)


def make_background(rng=0, n: int = N_SAMPLES) -> np.ndarray:
    """Noise (n,) float32: one or two of white / pink / brown, RMS between -46 and -26 dBFS."""
    rng = check_rng(rng, "make_background(rng)")
    n = check_int(n, "make_background(n)", 1)
    kinds = rng.choice(len(NOISE_KINDS), size=int(rng.integers(1, 3)), replace=False)
    bg = sum(noise(NOISE_KINDS[k], n, rng) * rng.uniform(0.3, 1.0) for k in kinds)
    bg = bg / np.sqrt(np.mean(bg ** 2))
    return (bg * 10 ** (rng.uniform(-46, -26) / 20)).astype(np.float32)


def _prepare(wav, peak: float) -> np.ndarray:
    wav = trim_silence(wav, threshold=0.02, pad=80)
    return (wav * (peak / max(float(np.abs(wav).max()), 1e-6))).astype(np.float32)


def word_pool(split: str = "train", n_activates: int = 200, n_negatives: int = 400,
              seed: int = 0, progress: bool = False) -> WordPool:
    """Synthesized "activate"s and negatives by speakers of ``split`` ("train" or "test": the
    held-out voices), trimmed, each scaled to a random peak in [0.15, 0.6]."""
    f = "word_pool"
    check_choice(split, ("train", "test"), f"{f}(split)")
    n_activates, n_negatives = (check_int(v, f"{f}({k})", 0) for k, v in (
        ("n_activates", n_activates), ("n_negatives", n_negatives)))
    if n_activates + n_negatives == 0:
        raise ValueError(f"{f}(n_activates): expected at least one word in the pool, got 0 "
                         f"activates and 0 negatives")
    seed, progress = check_int(seed, f"{f}(seed)", 0), check_bool(progress, f"{f}(progress)")
    rng = np.random.default_rng([seed, 31, 0 if split == "train" else 1])
    spk = speakers(split, n_activates + n_negatives, seed + 101)
    negs = [NEGATIVE_WORDS[int(i)] for i in rng.integers(len(NEGATIVE_WORDS), size=n_negatives)]
    texts = [ACTIVATE] * n_activates + negs
    waves = synthesize_batch(texts, spk, RATE, progress=progress)
    clips = [_prepare(w, rng.uniform(0.15, 0.6)) for w in waves]
    return WordPool(clips[:n_activates], clips[n_activates:])


def create_training_example(background, activates, negatives, rng=0,
                            max_activates: int = 4, max_negatives: int = 2) -> TriggerExample:
    """The course's ``create_training_example``: 0..max_activates "activate"s and
    0..max_negatives negatives inserted without overlap, then features and labels.

    ``activates`` / ``negatives``: lists of waveforms to draw from (a :class:`WordPool`).
    """
    f = "create_training_example"
    background = _wave(background, f"{f}(background)")
    if background.shape != (N_SAMPLES,):
        raise ValueError(f"{f}(background): expected a 10 s clip ({N_SAMPLES},) at {RATE} Hz, "
                         f"got shape {background.shape}")
    for name, clips, most in (("activates", activates, max_activates),
                              ("negatives", negatives, max_negatives)):
        check_int(most, f"{f}(max_{name})", 0)
        if not check_sequence(clips, f"{f}({name})", "a list of waveforms") and most:
            raise ValueError(f"{f}({name}): expected at least one clip to draw from (or "
                             f"max_{name}=0), got none")
    rng = check_rng(rng, f"{f}(rng)")
    y = np.zeros((1, T_Y), dtype=np.float32)
    previous_segments: list = []
    n_act = int(rng.integers(0, max_activates + 1))
    n_neg = int(rng.integers(0, max_negatives + 1))
    wave = np.array(background, dtype=np.float32, copy=True)
    act_times, neg_times = [], []
    for i in rng.integers(len(activates), size=n_act):
        wave, segment_time = insert_audio_clip(wave, activates[int(i)], previous_segments, rng)
        if segment_time[1] < CLIP_MS:
            y = insert_ones(y, segment_time[1])
            act_times.append(segment_time)
    for i in rng.integers(len(negatives), size=n_neg):
        wave, segment_time = insert_audio_clip(wave, negatives[int(i)], previous_segments, rng)
        if segment_time[1] < CLIP_MS:
            neg_times.append(segment_time)
    wave = np.clip(wave, -1.0, 1.0)
    return TriggerExample(wave, features(wave), y, sorted(act_times), sorted(neg_times))


def make_dataset(n: int, pool: WordPool, seed: int = 0, keep_waves: bool = False,
                 progress: bool = False):
    """``n`` clips: X (N_MELS, n, T_X) float32, Y (1, n, T_Y) float32, and the list of
    TriggerExamples (waveforms dropped unless ``keep_waves``). Deterministic by ``seed``."""
    n = check_int(n, "make_dataset(n)", 1)
    check_instance(pool, WordPool, "make_dataset(pool)", "a WordPool (word_pool)")
    rng = np.random.default_rng([check_int(seed, "make_dataset(seed)", 0), 53])
    X = np.zeros((N_MELS, n, T_X), dtype=np.float32)
    Y = np.zeros((1, n, T_Y), dtype=np.float32)
    examples = []
    it = range(n)
    if progress:
        from tqdm.auto import tqdm
        it = tqdm(it, desc="clips")
    for i in it:
        ex = create_training_example(make_background(rng), pool.activates, pool.negatives, rng)
        X[:, i], Y[:, i] = ex.x, ex.y
        examples.append(ex if keep_waves else ex._replace(wave=None, x=None))
    return X, Y, examples


def _wave(x, where: str):
    """A 1-D waveform (float32 or float64 kept, ints promoted)."""
    return as_array(x, where, ndim=1, symbols="(n,) waveform")


def _segment(seg, where: str) -> None:
    """(start_ms, end_ms) ints with start <= end."""
    if not (isinstance(seg, tuple | list) and len(seg) == 2):
        raise TypeError(f"{where}: expected (start_ms, end_ms), got {got(seg)}")
    start, end = (check_int(v, where) for v in seg)
    if start > end:
        raise ValueError(f"{where}: expected start_ms <= end_ms, got {tuple(seg)}")
