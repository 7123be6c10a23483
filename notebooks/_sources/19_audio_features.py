# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 19 · Audio as numbers: waveforms, the STFT, spectrograms and log-mel features
#
# *Sequence Models*, week 3, "Speech recognition": "a common pre-processing step is to run the
# raw audio through a spectrogram". Before a recurrent network can transcribe speech or spot a
# trigger word, sound has to become a sequence of feature vectors $x^{\langle t \rangle}$. In
# this notebook you
# 1. synthesize speech (no package ships recordings, so the speech is made by the `espeak-ng`
#    synthesizer, with many voices), look at it and play it;
# 2. cut it into overlapping frames, window them and take their Fourier transform: the
#    **short-time Fourier transform** (STFT), then its power, the **spectrogram**;
# 3. pool the frequencies with a **mel filterbank** and take the log: the features the speech
#    models of notebooks 21 and 22 read;
# 4. write the spectrogram yourself (exercise).
#
# Run it top to bottom (**Run ▸ Run All Cells**); it takes about 10 seconds.

# %%
import numpy as np

from seqlab import backend
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.data.speech import mix, noise, snr_db, synthesize, trim_silence
from seqlab.exercises import check_stft_spectrogram, hint, progress
from seqlab.audio import (
    frame,
    hann_window,
    hz_to_mel,
    log_mel,
    mel_filterbank,
    normalize,
    spectrogram,
    stft,
)
from seqlab.viz.speech import (
    audio_player,
    log_mel_figure,
    log_mel_grid,
    mel_filterbank_figure,
    spectrogram_figure,
    waveform_figure,
)
from seqlab.viz.source import show_source

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(19)            # one seeded generator: Run All gives the same numbers every time
RATE = 16000                  # samples per second

# %% [markdown]
# ## 1. Audio is a sequence of numbers
# A microphone measures air pressure many times a second; a recording is that list of numbers,
# the **waveform** $x[n]$, $n = 0, 1, \dots, N-1$, here 16,000 samples per second scaled to
# $[-1, 1]$. `synthesize` runs `espeak-ng` (install it with `apt-get install espeak-ng`) and
# caches the result, so a second run is instant.

# %%
wav = synthesize("seven three", voice="en-us", speed=150, pitch=50)
print(f"{wav.shape[0]} samples at {RATE} Hz = {wav.shape[0] / RATE:.2f} s, dtype {wav.dtype}, "
      f"range [{wav.min():.2f}, {wav.max():.2f}]")

# %%
# NBVAL_IGNORE_OUTPUT
fig = waveform_figure(wav, RATE, title="'seven three': the waveform")
assert fig.data[0].x[-1] <= wav.shape[0] / RATE
fig

# %%
# NBVAL_IGNORE_OUTPUT
play = audio_player(wav, RATE)
assert play.data[:4] == b"RIFF"                     # a WAV file the browser plays
play

# %% [markdown]
# The waveform shows *when* something is loud, not *which* sound it is: "s" is a burst of
# fast wiggles (high frequencies), the vowels slow regular waves. The frequencies present at
# each moment are what distinguish sounds, and the spectrogram measures exactly that.
#
# ## 2. Frames, windows and the short-time Fourier transform
# Speech changes every few tens of milliseconds, so we look at it through a short sliding
# frame: $n_{fft} = 400$ samples (25 ms), moved by a hop of 160 samples (10 ms):
#
# $$\text{frame}_t[n] = x[t \cdot hop + n], \quad n = 0..n_{fft}-1 \quad (1)$$
#
# Cutting a frame out abruptly creates false high frequencies at its edges, so each frame is
# multiplied by a **window** that fades in and out (the Hann window):
#
# $$w[n] = \tfrac12 - \tfrac12\cos(2\pi n / n_{fft}) \quad (2)$$
#
# and the discrete Fourier transform of each windowed frame gives the amplitude and phase of
# each frequency $f_k = k \cdot rate / n_{fft}$. For a real signal the negative frequencies
# mirror the positive ones, so `np.fft.rfft` returns only $k = 0..n_{fft}/2$:
#
# $$X[k, t] = \sum_{n=0}^{n_{fft}-1} w[n]\, \text{frame}_t[n]\, e^{-2\pi i k n / n_{fft}}
# \quad (3) \qquad S[k, t] = |X[k, t]|^2 \quad (4)$$
#
# $S$, the **power spectrogram**, has one column per frame, like every sequence in this course.

# %%
frames = frame(wav[:RATE // 2].astype(np.float64), 400, 160)
print(f"half a second: {RATE // 2} samples -> frames {frames.shape} "
      f"(1 + (8000 - 400) // 160 = {1 + (8000 - 400) // 160} columns)")
w = hann_window(400)
print(f"Hann window: w[0] = {w[0]:.2f}, w[200] = {w[200]:.2f}, w[399] = {w[399]:.4f}")

# %%
show_source(stft)

# %% [markdown]
# `center=True` pads 200 samples on each side (by reflection, as `torch.stft` does) so that
# frame $t$ is *centred* on sample $t \cdot hop$; the tests compare this function with
# `torch.stft` to $10^{-10}$.

# %%
S = spectrogram(wav.astype(np.float64), n_fft=400, hop_length=160)
X = stft(wav.astype(np.float64), n_fft=400, hop_length=160)
print(f"STFT X: {X.shape} complex; spectrogram S = |X|^2: {S.shape}; "
      f"frequency resolution {RATE / 400:.0f} Hz per bin, time resolution 10 ms")

# %%
# NBVAL_IGNORE_OUTPUT
fig = spectrogram_figure(S, RATE, 160, title="power spectrogram of 'seven three' (dB)")
assert fig.data[0].z.shape[1] == S.shape[1]
fig

# %% [markdown]
# Horizontal stripes in the vowels are the **harmonics** of the voice's pitch; the dark bands
# that move are the **formants**, resonances of the vocal tract that make "e" sound unlike
# "ee"; the "s" of *seven* is a haze at high frequencies.
#
# ## 3. Mel filterbank and log-mel features
# Hearing resolves low frequencies finely and high ones coarsely. The **mel scale** is roughly
# linear below 1 kHz and logarithmic above:
#
# $$\text{mel}(f) = 2595 \log_{10}(1 + f / 700) \quad (5)$$
#
# A **mel filterbank** is a set of $n_{mels}$ triangles equally spaced in mel: triangle $j$
# rises from 0 at $f_{j-1}$ to 1 at its centre $f_j$ and falls back to 0 at $f_{j+1}$ (6).
# Applying it to $S$ pools the 201 frequency bins into 40 bands; the log compresses the huge
# range of energies (as loudness does):
#
# $$F = \log(M S + \varepsilon) \quad (7)$$

# %%
for f in (100, 500, 1000, 4000, 8000):
    print(f"{f:5d} Hz -> {float(hz_to_mel(f)):7.1f} mel")
M = mel_filterbank(40, 400, RATE, fmin=20.0)
print(f"filterbank M: {M.shape}; peak of each triangle: {M.max(axis=1).min():.2f} to "
      f"{M.max(axis=1).max():.2f}")

# %%
# NBVAL_IGNORE_OUTPUT
fig = mel_filterbank_figure(M[:, :120], RATE * 120 / 201, every=2,
                            title="every other mel triangle, 0-4.8 kHz: narrow low, wide high")
assert len(fig.data) == 20
fig

# %%
show_source(log_mel)

# %%
F = normalize(log_mel(wav.astype(np.float64), RATE, n_mels=40))
assert abs(F.mean(axis=1)).max() < 1e-12
print(f"log-mel features: {F.shape} = (n_mels, T_frames); after normalization each band has "
      f"mean 0 (below 1e-12) and std {F.std(axis=1).mean():.3f} over time")

# %%
# NBVAL_IGNORE_OUTPUT
fig = log_mel_figure(F, title="normalized log-mel features: what the speech models read")
assert fig.data[0].z.shape == F.shape
fig

# %% [markdown]
# `normalize` subtracts each band's mean over the utterance and divides by its standard
# deviation (per-utterance normalization): a louder speaker or a different microphone shifts
# every log-energy by a constant, which this removes.
#
# ## 4. One word, several voices
# The same word in four synthetic voices (accent, voice variant, speed, pitch): the durations
# and pitch harmonics differ, the sequence of formant patterns is what stays. A recognizer must
# learn exactly that invariance, so the speech notebooks train on some voices and test on
# **voices never heard in training**.

# %%
voices = [("en-us", 150, 50), ("en-gb+f3", 130, 70), ("en-gb-scotland+m3", 175, 35),
          ("en-029+klatt", 160, 55)]
clips = [trim_silence(synthesize("seven", v, s, p)) for v, s, p in voices]
feats = [normalize(log_mel(c.astype(np.float64), RATE)) for c in clips]
for (v, s, p), c in zip(voices, clips, strict=True):
    print(f"{v:20s} speed {s} wpm, pitch {p}: {c.shape[0] / RATE:.2f} s")

# %%
# NBVAL_IGNORE_OUTPUT
fig = log_mel_grid(feats, [v for v, _, _ in voices])
assert len(fig.data) == 4
fig

# %%
# NBVAL_IGNORE_OUTPUT
play = audio_player(np.concatenate([np.concatenate([c, np.zeros(RATE // 8, np.float32)])
                                    for c in clips]), RATE)
assert play.data[:4] == b"RIFF"                     # a WAV file the browser plays
play

# %% [markdown]
# ## 5. Noise and the signal-to-noise ratio
# Real audio is never clean. Noise is made here in NumPy: **white** (equal power at every
# frequency), **pink** (power $\propto 1/f$) and **brown** ($\propto 1/f^2$). Mixing at a
# chosen signal-to-noise ratio scales the noise so that
#
# $$\text{SNR}_{dB} = 10 \log_{10} \frac{P_{signal}}{P_{noise}}, \qquad P = \overline{x^2}
# \quad (8)$$

# %%
pink = noise("pink", wav.shape[0], rng)
noisy = mix(wav, pink, snr_db=5.0)
print(f"requested 5 dB, measured {snr_db(wav, noisy - wav):.2f} dB")

# %%
# NBVAL_IGNORE_OUTPUT
fig = log_mel_figure(normalize(log_mel(noisy.astype(np.float64), RATE)),
                     title="'seven three' in pink noise at 5 dB SNR")
assert fig.data[0].z.shape[0] == 40
fig

# %%
# NBVAL_IGNORE_OUTPUT
play = audio_player(noisy, RATE)
assert play.data[:4] == b"RIFF"                     # a WAV file the browser plays
play

# %% [markdown]
# ## 6. Exercise: a spectrogram from the STFT
# Write `stft_spectrogram(x, window, hop_length)`: with `n_fft = len(window)` and **no
# padding**, frame $t$ is `x[t*hop_length : t*hop_length + n_fft]` for
# $t = 0 .. T-1$, $T = 1 + (N - n_{fft}) // hop$ (1); multiply each frame by the window (2),
# take `np.fft.rfft` of each frame (3) and return the power $|X|^2$ (4), shape
# `(n_fft // 2 + 1, T)`: one column per frame.

# %%
def stft_spectrogram(x, window, hop_length):
    """Power spectrogram (len(window)//2 + 1, T) of x (N,), frames without padding."""
    ### BEGIN SOLUTION
    n_fft = len(window)
    T = 1 + (len(x) - n_fft) // hop_length                              # (1) frame count
    frames = np.stack([x[t * hop_length:t * hop_length + n_fft] for t in range(T)], axis=1)
    X = np.fft.rfft(frames * window[:, None], axis=0)                   # (2)(3)
    return np.abs(X) ** 2                                               # (4)
    ### END SOLUTION


# %%
check_stft_spectrogram(stft_spectrogram)

# %% [markdown]
# Stuck? `hint("stft_spectrogram")` gives three hints, one more per call. A classic slip, and
# what the check says about it: the magnitude instead of the power.

# %%
def magnitude_spectrogram(x, window, hop_length):
    n_fft = len(window)
    T = 1 + (len(x) - n_fft) // hop_length
    frames = np.stack([x[t * hop_length:t * hop_length + n_fft] for t in range(T)], axis=1)
    return np.abs(np.fft.rfft(frames * window[:, None], axis=0))        # |X|, not |X|^2


result = check_stft_spectrogram(magnitude_spectrogram)
assert result.status == "failed" and result.mistake == "magnitude"
print(result.message)

# %%
hint("stft_spectrogram")

# %% [markdown]
# Once it passes, your function agrees with the library (with `center=False`):

# %%
try:
    mine = stft_spectrogram(wav.astype(np.float64), hann_window(400), 160)
    ref = spectrogram(wav.astype(np.float64), 400, 160, center=False)
    diff = np.abs(mine - ref).max()
    print(f"your spectrogram {mine.shape}, largest difference from the library: "
          f"{'below 1e-9' if diff < 1e-9 else f'{diff:.1e}'}")
except NotImplementedError:
    print("write stft_spectrogram above first")

# %%
print(progress())

# %% [markdown]
# ## Summary
# - A waveform is samples in time; a **spectrogram** is the power of each frequency in short,
#   overlapping, windowed frames: frame (1), window (2), `rfft` (3), $|\cdot|^2$ (4).
# - A **mel filterbank** pools the frequencies into bands spaced as hearing spaces them, and
#   the **log** compresses their energies: log-mel features $(n_{mels}, T)$, normalized per
#   utterance, are the $x^{\langle t \rangle}$ of the speech models.
# - Voices differ in pitch, speed and timbre; the pattern of formants over time is what a
#   recognizer must learn. Notebook 20 introduces CTC, notebook 21 trains a recognizer on
#   these features, notebook 22 spots a trigger word.
