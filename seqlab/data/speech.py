r"""Synthesized speech for weeks 3 (part 2): espeak-ng clips, a checksummed cache, noise, mixing.

No installed package ships recorded speech, so the course's speech data is *synthesized* by
Debian's ``espeak-ng`` (``apt-get install espeak-ng``), whose output is byte-identical across
runs. Speaker variety comes from espeak-ng's accents (en-us, en-gb, scotland, caribbean, ...),
its voice variants (``+m3``, ``+f2``, ``+klatt``...), speed (words per minute) and pitch.

Shapes
------
==========  ==================  =================================================================
name        shape               meaning
==========  ==================  =================================================================
waveform    (n_samples,) f32    samples in [-1, 1] at ``rate`` Hz (16 kHz by default)
noise       (n_samples,) f32    unit-RMS white / pink / brown noise
labels      (S,) int            character ids of a transcript, 1..len(ALPHABET) (0 is the blank)
==========  ==================  =================================================================

Equations
---------
(1) resampling 22,050 -> 16,000 Hz by the FFT: X = rfft(x) (N samples), keep the bins below the
    new Nyquist frequency, y = irfft(X[:M//2+1], M)·M/N with M = round(N·16000/22050): an ideal
    low-pass + resample of the periodic extension of x (clips start and end in silence, so the
    wrap-around is harmless).
(2) SNR_dB = 10 log10(P_signal / P_noise), P = mean(x²); :func:`mix` scales the noise by
    g = sqrt(P_s / (P_n 10^(SNR/10))) so the mixture has exactly that SNR.
(3) pink noise: |N(f)| ∝ f^(-1/2) (power 1/f); brown: |N(f)| ∝ 1/f (power 1/f²); white: flat.

Cache
-----
``$SEQLAB_CACHE/speech`` or ``~/.cache/seqlab/speech``: one ``<key>.npy`` per clip, key = the
SHA-256 of (text, voice, speed, pitch, rate, espeak-ng version, a format version), and
``manifest.json`` mapping each key to the SHA-256 of its file. A hit is verified against the
manifest and must be a float32 waveform; a missing, corrupted or wrong-shaped file is
synthesized again. Writes are atomic (a temp file unique to the process and thread, then a
rename), a key repeated in one batch is synthesized once, and the manifest is validated on read
(a damaged one is repaired, keeping every valid entry) and updated under a lock, so many
threads and processes can fill one cache (:mod:`seqlab.data._speech_cache`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import wave
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from seqlab._validate import (
    IdError,
    MissingKeyError,
    as_array,
    check_bool,
    check_choice,
    check_int,
    check_number,
    check_rng,
    check_sequence,
    check_str,
    got,
)
from seqlab.data import _speech_cache as store

__all__ = ["ALPHABET", "DIGIT_WORDS", "HELD_OUT_VARIANTS", "SHORT_WORDS", "Speaker",
           "TRAIN_VARIANTS", "ACCENTS", "Utterance", "cache_dir", "decode_labels",
           "digit_utterances", "encode_text", "espeak_version", "mix", "noise", "resample",
           "snr_db", "speakers", "synthesize", "synthesize_batch", "trim_silence",
           "word_utterances"]

_CACHE_VERSION = 1                                         # bump when the processing changes
ESPEAK_RATE = 22050                                        # espeak-ng's output rate (Hz)
ALPHABET = " abcdefghijklmnopqrstuvwxyz'"                  # label k+1 = ALPHABET[k]; 0 = blank
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
SHORT_WORDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go", "bed",
               "bird", "cat", "dog", "happy", "house", "tree", "wow", "learn", "follow")
ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan",
           "en-gb-x-gbcwmd", "en-029", "en-us-nyc")
TRAIN_VARIANTS = ("", "m1", "m2", "m3", "m4", "m5", "f1", "f2", "f3", "klatt", "klatt3",
                  "iven", "john", "max", "steph", "linda", "paul", "robert")
HELD_OUT_VARIANTS = ("m6", "m7", "f4", "f5", "klatt4", "edward", "anika", "quincy")


class Speaker(NamedTuple):
    """One synthetic speaker: an espeak-ng voice (accent+variant), speed (wpm) and pitch (0-99)."""

    voice: str
    speed: int
    pitch: int


class Utterance(NamedTuple):
    """A transcript spoken by a speaker."""

    text: str
    speaker: Speaker


# ----------------------------------------------------------------------------- espeak-ng
def _espeak() -> str:
    exe = os.environ.get("SEQLAB_ESPEAK") or shutil.which("espeak-ng")
    if not exe:
        raise RuntimeError("seqlab.data.speech needs the espeak-ng synthesizer, which was not "
                           "found on PATH. Install it: `sudo apt-get install espeak-ng` "
                           "(Debian/Ubuntu; on Binder it is listed in binder/apt.txt), or set "
                           "SEQLAB_ESPEAK to its path.")
    return exe


@lru_cache(maxsize=1)
def espeak_version() -> str:
    """espeak-ng's version line (part of every cache key)."""
    out = subprocess.run([_espeak(), "--version"], capture_output=True, text=True, check=True)
    return out.stdout.strip().split(" Data at")[0]


def _check_args(text, voice, speed, pitch, rate, f: str = "synthesize"):
    """synthesize's arguments; for synthesize_batch the text and speaker of one item."""
    t, v = ("texts", "speakers_") if f == "synthesize_batch" else ("text", "voice")
    if not check_str(text, f"{f}({t})", empty=True).strip():
        raise ValueError(f"{f}({t}): expected a non-empty string, got {text!r}")
    if not check_str(voice, f"{f}({v})") or voice.startswith("-"):
        raise ValueError(f"{f}({v}): expected an espeak-ng voice name such as 'en-us+f3', "
                         f"got {voice!r}")
    sp_ = f == "synthesize_batch"
    check_int(speed, f"{f}(speakers_) (speed, words/min)" if sp_ else f"{f}(speed) (words/min)",
              80, 450)
    check_int(pitch, f"{f}(speakers_) (pitch)" if sp_ else f"{f}(pitch)", 0, 99)
    check_int(rate, f"{f}(rate) (a sample rate, Hz)", 4000, 48000)


def _run_espeak(text: str, voice: str, speed: int, pitch: int, rate: int) -> np.ndarray:
    """One clip from espeak-ng (written with -w, read with ``wave``), resampled to ``rate``."""
    with tempfile.TemporaryDirectory(prefix="seqlab_espeak_") as tmp:
        path = os.path.join(tmp, "clip.wav")
        cmd = [_espeak(), "-v", voice, "-s", str(int(speed)), "-p", str(int(pitch)),
               "-w", path, "--", text]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0 or not os.path.exists(path):
            raise RuntimeError(f"espeak-ng failed ({' '.join(cmd)}): {res.stderr.strip()}")
        with wave.open(path, "rb") as w:
            if w.getsampwidth() != 2 or w.getnchannels() != 1:
                raise RuntimeError(f"espeak-ng wrote an unexpected format: "
                                   f"{w.getnchannels()} channels, {w.getsampwidth()} bytes")
            src_rate = w.getframerate()
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    x = pcm.astype(np.float64) / 32768.0                   # int16 -> [-1, 1)
    return np.clip(resample(x, src_rate, rate), -1.0, 1.0).astype(np.float32)


def resample(x, src_rate: int, rate: int) -> np.ndarray:
    """Band-limited resampling by the FFT (eq. 1): (N,) at src_rate -> (round(N·rate/src),)."""
    x = np.asarray(as_array(x, "resample(x)", ndim=1, symbols="(N,) waveform"), np.float64)
    src_rate = check_int(src_rate, "resample(src_rate)", 1)
    rate = check_int(rate, "resample(rate)", 1)
    if src_rate == rate or x.size == 0:
        return x.copy()
    n = x.size
    m = max(1, int(round(n * rate / src_rate)))
    spec = np.fft.rfft(x)                                  # (n//2+1,) complex
    k = min(m // 2 + 1, spec.size)
    out = np.zeros(m // 2 + 1, dtype=complex)
    out[:k] = spec[:k]
    even = min(m, n)                                       # the unpaired bin at even // 2
    if even % 2 == 0:                                      # (as scipy.signal.resample)
        out[even // 2] *= 2.0 if m < n else 0.5            # unite / split the ±f bin pair
    return np.fft.irfft(out, m) * (m / n)


# ----------------------------------------------------------------------------- the cache
def cache_dir() -> Path:
    """``$SEQLAB_CACHE/speech`` if set, else ``~/.cache/seqlab/speech`` (created)."""
    root = os.environ.get("SEQLAB_CACHE")
    path = Path(root) / "speech" if root else Path.home() / ".cache" / "seqlab" / "speech"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _key(text, voice, speed, pitch, rate) -> str:
    blob = json.dumps([text, voice, int(speed), int(pitch), int(rate), espeak_version(),
                       _CACHE_VERSION])
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def synthesize(text: str, voice: str = "en-us", speed: int = 150, pitch: int = 50,
               rate: int = 16000, cache: bool = True) -> np.ndarray:
    """``text`` spoken by espeak-ng, as a float32 waveform (n_samples,) in [-1, 1] at ``rate``.

    Cached (see the module docstring): a second call reads a verified ``.npy``.
    """
    _check_args(text, voice, speed, pitch, rate)
    return synthesize_batch([text], [Speaker(voice, speed, pitch)], rate, cache=cache)[0]


def synthesize_batch(texts, speakers_, rate: int = 16000, cache: bool = True,
                     workers: int = 2, progress: bool = False) -> list[np.ndarray]:
    """Many clips: ``texts[i]`` spoken by ``speakers_[i]`` (a :class:`Speaker` or (voice,
    speed, pitch)); the missing ones are synthesized by ``workers`` espeak-ng processes in
    parallel. Returns a list of float32 waveforms."""
    f = "synthesize_batch"
    texts = check_sequence(texts, f"{f}(texts)", "a list of texts")
    spk = []
    for s in check_sequence(speakers_, f"{f}(speakers_)", "a list of speakers"):
        if not isinstance(s, tuple | list) or len(s) != 3:
            raise TypeError(f"{f}(speakers_): expected a Speaker or (voice, speed, pitch) per "
                            f"text, got {got(s)}")
        spk.append(Speaker(*s))
    if len(spk) != len(texts):
        raise ValueError(f"{f}(speakers_): expected {len(texts)} speakers (one per text), got "
                         f"{len(spk)}")
    for t, s in zip(texts, spk, strict=True):
        _check_args(t, s.voice, s.speed, s.pitch, rate, f)
    workers = check_int(workers, f"{f}(workers)", 1)
    cache, progress = check_bool(cache, f"{f}(cache)"), check_bool(progress, f"{f}(progress)")
    if not cache:
        with ThreadPoolExecutor(max(1, workers)) as pool:
            return list(pool.map(lambda i: _run_espeak(texts[i], *spk[i], rate),
                                 range(len(texts))))
    folder = cache_dir()
    manifest = store.read_manifest(folder)
    keys = [_key(t, *s, rate) for t, s in zip(texts, spk, strict=True)]
    first: dict = {}                                  # key -> its first index in the batch
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    found = {key: store.load_clip(folder, key, manifest.get(key)) for key in first}
    todo = [i for key, i in first.items() if found[key] is None]   # each missing key once

    def make(i):
        wav = _run_espeak(texts[i], *spk[i], rate)
        return i, wav, store.save_clip(folder, keys[i], wav)

    new = {}
    bar = None
    if progress and todo:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(todo), desc="espeak-ng")
    with ThreadPoolExecutor(max(1, workers)) as pool:
        for i, wav, digest in pool.map(make, todo):
            found[keys[i]] = wav
            new[keys[i]] = digest
            if bar is not None:
                bar.update()
    if bar is not None:
        bar.close()
    store.update_manifest(folder, new)
    return [found[key] if first[key] == i else found[key].copy()    # repeats: own copies
            for i, key in enumerate(keys)]


def trim_silence(wav, threshold: float = 0.01, pad: int = 160) -> np.ndarray:
    """``wav`` without its leading/trailing samples below ``threshold`` (keeping ``pad``)."""
    wav = np.asarray(as_array(wav, "trim_silence(wav)", "real", ndim=1, symbols="(N,)"))
    threshold = check_number(threshold, "trim_silence(threshold)", 0)
    pad = check_int(pad, "trim_silence(pad)", 0)
    loud = np.flatnonzero(np.abs(wav) > threshold)
    if loud.size == 0:
        return wav[:0]
    return wav[max(0, loud[0] - pad): loud[-1] + 1 + pad]


# ----------------------------------------------------------------------------- noise, mixing
def noise(kind: str, n: int, rng=0) -> np.ndarray:
    """Unit-RMS noise (n,) float32 of ``kind`` "white", "pink" or "brown" (eq. 3), seeded."""
    check_choice(kind, ("white", "pink", "brown"), "noise(kind)")
    n = check_int(n, "noise(n)", 1)
    rng = check_rng(rng, "noise(rng)")
    w = rng.standard_normal(int(n))
    if kind != "white":
        spec = np.fft.rfft(w)
        f = np.arange(spec.size, dtype=np.float64)
        f[0] = 1.0                                         # no division by zero at DC
        spec *= f ** (-0.5 if kind == "pink" else -1.0)    # |N(f)| ∝ f^-1/2 or f^-1
        spec[0] = 0.0                                      # zero mean
        w = np.fft.irfft(spec, int(n))
    w = w - w.mean()
    return (w / max(np.sqrt(np.mean(w ** 2)), 1e-12)).astype(np.float32)


def snr_db(signal, noise_) -> float:
    """10 log10(P_signal / P_noise) with P = mean(x²) (eq. 2)."""
    ps = _power(signal, "snr_db(signal)")
    pn = _power(noise_, "snr_db(noise_)")
    return 10.0 * np.log10(ps / pn)


def _power(x, where: str) -> float:
    """P = mean(x²) > 0 of a 1-D waveform (a silent one has no SNR)."""
    x = np.asarray(as_array(x, where, ndim=1, symbols="(N,) waveform"), np.float64)
    if x.size == 0 or not float(np.mean(x ** 2)) > 0:
        raise ValueError(f"{where}: expected a waveform with nonzero power, got "
                         f"{'an empty one' if x.size == 0 else 'silence'}")
    return float(np.mean(x ** 2))


def mix(signal, noise_, snr_db: float) -> np.ndarray:
    """signal + g·noise with g chosen so the SNR is exactly ``snr_db`` (eq. 2); the noise is
    tiled or cut to the signal's length. Not clipped: the result may leave [-1, 1]."""
    snr_db = check_number(snr_db, "mix(snr_db)")
    s = np.asarray(as_array(signal, "mix(signal)", ndim=1, symbols="(N,)"), np.float64)
    _power(s, "mix(signal)")
    nz = np.asarray(as_array(noise_, "mix(noise_)", ndim=1, symbols="(N,)"), np.float64)
    _power(nz, "mix(noise_)")
    nz = np.resize(nz, s.size)                             # tile or cut to len(signal)
    ps, pn = np.mean(s ** 2), np.mean(nz ** 2)
    g = np.sqrt(ps / (pn * 10.0 ** (snr_db / 10.0)))       # (2)
    return (s + g * nz).astype(np.float32)


# ----------------------------------------------------------------------------- speakers, labels
def speakers(split: str = "train", n: int = 100, seed: int = 0) -> list[Speaker]:
    """``n`` deterministic speakers of ``split``: "train" uses the variants TRAIN_VARIANTS,
    "test" only HELD_OUT_VARIANTS (voices never heard in training); every accent in both.
    Speed uniform in [130, 190] wpm, pitch in [25, 75]."""
    return _speakers(split, n, seed, "speakers")


def _speakers(split, n, seed, f: str) -> list[Speaker]:
    check_choice(split, ("train", "test"), f"{f}(split)")
    n, seed = check_int(n, f"{f}(n)", 1), check_int(seed, f"{f}(seed)", 0)
    variants = TRAIN_VARIANTS if split == "train" else HELD_OUT_VARIANTS
    rng = np.random.default_rng([seed, 0 if split == "train" else 1])
    out = []
    for _ in range(int(n)):
        accent = ACCENTS[rng.integers(len(ACCENTS))]
        variant = variants[rng.integers(len(variants))]
        voice = accent + (f"+{variant}" if variant else "")
        out.append(Speaker(voice, int(rng.integers(130, 191)), int(rng.integers(25, 76))))
    return out


def encode_text(text: str) -> np.ndarray:
    """Character ids (S,) of ``text``: ALPHABET[k] -> k + 1 (0 is CTC's blank)."""
    bad = sorted(set(check_str(text, "encode_text(text)", empty=True)) - set(ALPHABET))
    if bad:
        raise MissingKeyError(f"encode_text(text): expected characters of the alphabet "
                              f"{ALPHABET!r}, got {bad}")
    return np.array([ALPHABET.index(c) + 1 for c in text], dtype=np.int64)


def decode_labels(ids) -> str:
    """The text of character ids (blanks, id 0, dropped)."""
    ids = as_array(ids, "decode_labels(ids)", "int", ndim=1, symbols="(S,) of character ids")
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) > len(ALPHABET)):
        raise IdError(f"decode_labels(ids): expected ids in [0, {len(ALPHABET)}], got "
                      f"{ids.tolist()[:10]}")
    return "".join(ALPHABET[int(i) - 1] for i in ids if int(i) > 0)


def digit_utterances(n: int, split: str = "train", min_digits: int = 2, max_digits: int = 5,
                     seed: int = 0) -> list[Utterance]:
    """``n`` spoken digit strings ("three one four"), each by a speaker of ``split``."""
    f = "digit_utterances"
    spk = _speakers(split, n, seed, f)
    min_digits = check_int(min_digits, f"{f}(min_digits)", 1)
    max_digits = check_int(max_digits, f"{f}(max_digits) (>= min_digits)", min_digits)
    rng = np.random.default_rng([seed, 7, 0 if split == "train" else 1])
    out = []
    for i in range(int(n)):
        k = int(rng.integers(min_digits, max_digits + 1))
        out.append(Utterance(" ".join(DIGIT_WORDS[d] for d in rng.integers(0, 10, k)), spk[i]))
    return out


def word_utterances(n: int, split: str = "train", words=SHORT_WORDS,
                    seed: int = 0) -> list[Utterance]:
    """``n`` single short words, each by a speaker of ``split``."""
    f = "word_utterances"
    words = check_sequence(words, f"{f}(words)", "a list of words", empty=False)
    spk = _speakers(split, n, check_int(seed, f"{f}(seed)", 0) + 1, f)
    rng = np.random.default_rng([seed, 11, 0 if split == "train" else 1])
    return [Utterance(words[int(rng.integers(len(words)))], spk[i]) for i in range(int(n))]
