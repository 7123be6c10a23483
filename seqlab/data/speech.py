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
manifest; a missing or corrupted file is synthesized again. Writes are atomic (temp file +
rename) and the manifest is updated under a file lock, so parallel processes share the cache.
"""

from __future__ import annotations

import fcntl
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


def _check_args(text, voice, speed, pitch, rate):
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"synthesize(text): expected a non-empty string, got {text!r}")
    if not isinstance(voice, str) or not voice or voice.startswith("-"):
        raise ValueError(f"synthesize(voice): expected an espeak-ng voice name such as "
                         f"'en-us+f3', got {voice!r}")
    if not isinstance(speed, int | np.integer) or not 80 <= speed <= 450:
        raise ValueError(f"synthesize(speed): expected an int in [80, 450] words/min, "
                         f"got {speed!r}")
    if not isinstance(pitch, int | np.integer) or not 0 <= pitch <= 99:
        raise ValueError(f"synthesize(pitch): expected an int in [0, 99], got {pitch!r}")
    if not isinstance(rate, int | np.integer) or not 4000 <= rate <= 48000:
        raise ValueError(f"synthesize(rate): expected an int sample rate in [4000, 48000] Hz, "
                         f"got {rate!r}")


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
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"resample(x): expected a 1-D waveform, got shape {x.shape}")
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


def _sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _read_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}


def _update_manifest(folder: Path, entries: dict) -> None:
    """Merge ``entries`` into manifest.json under an exclusive lock, atomically."""
    if not entries:
        return
    with open(folder / "manifest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest = _read_manifest(folder)
        manifest.update(entries)
        tmp = folder / f"manifest.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(manifest, sort_keys=True))
        os.replace(tmp, folder / "manifest.json")


def _save_clip(folder: Path, key: str, wav: np.ndarray) -> str:
    tmp = folder / f"{key}.{os.getpid()}.tmp.npy"
    np.save(tmp, wav)
    os.replace(tmp, folder / f"{key}.npy")
    return _sha(folder / f"{key}.npy")


def synthesize(text: str, voice: str = "en-us", speed: int = 150, pitch: int = 50,
               rate: int = 16000, cache: bool = True) -> np.ndarray:
    """``text`` spoken by espeak-ng, as a float32 waveform (n_samples,) in [-1, 1] at ``rate``.

    Cached (see the module docstring): a second call reads a verified ``.npy``.
    """
    return synthesize_batch([text], [Speaker(voice, speed, pitch)], rate, cache=cache)[0]


def synthesize_batch(texts, speakers_, rate: int = 16000, cache: bool = True,
                     workers: int = 2, progress: bool = False) -> list[np.ndarray]:
    """Many clips: ``texts[i]`` spoken by ``speakers_[i]`` (a :class:`Speaker` or (voice,
    speed, pitch)); the missing ones are synthesized by ``workers`` espeak-ng processes in
    parallel. Returns a list of float32 waveforms."""
    texts = list(texts)
    spk = [Speaker(*s) for s in speakers_]
    if len(spk) != len(texts):
        raise ValueError(f"synthesize_batch(speakers_): expected {len(texts)} speakers (one "
                         f"per text), got {len(spk)}")
    for t, s in zip(texts, spk, strict=True):
        _check_args(t, s.voice, s.speed, s.pitch, rate)
    if not cache:
        with ThreadPoolExecutor(max(1, workers)) as pool:
            return list(pool.map(lambda i: _run_espeak(texts[i], *spk[i], rate),
                                 range(len(texts))))
    folder = cache_dir()
    manifest = _read_manifest(folder)
    keys = [_key(t, *s, rate) for t, s in zip(texts, spk, strict=True)]
    out: list = [None] * len(texts)
    todo = []
    for i, key in enumerate(keys):
        path = folder / f"{key}.npy"
        want = manifest.get(key)
        if want is not None and path.exists() and _sha(path) == want:
            try:
                out[i] = np.load(path)
                continue
            except (OSError, ValueError):
                pass
        todo.append(i)

    def make(i):
        wav = _run_espeak(texts[i], *spk[i], rate)
        return i, wav, _save_clip(folder, keys[i], wav)

    new = {}
    bar = None
    if progress and todo:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(todo), desc="espeak-ng")
    with ThreadPoolExecutor(max(1, workers)) as pool:
        for i, wav, digest in pool.map(make, todo):
            out[i] = wav
            new[keys[i]] = digest
            if bar is not None:
                bar.update()
    if bar is not None:
        bar.close()
    _update_manifest(folder, new)
    return out


def trim_silence(wav, threshold: float = 0.01, pad: int = 160) -> np.ndarray:
    """``wav`` without its leading/trailing samples below ``threshold`` (keeping ``pad``)."""
    wav = np.asarray(wav)
    loud = np.flatnonzero(np.abs(wav) > threshold)
    if loud.size == 0:
        return wav[:0]
    return wav[max(0, loud[0] - pad): loud[-1] + 1 + pad]


# ----------------------------------------------------------------------------- noise, mixing
def noise(kind: str, n: int, rng=0) -> np.ndarray:
    """Unit-RMS noise (n,) float32 of ``kind`` "white", "pink" or "brown" (eq. 3), seeded."""
    if kind not in ("white", "pink", "brown"):
        raise ValueError(f"noise(kind): expected 'white', 'pink' or 'brown', got {kind!r}")
    if not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"noise(n): expected an int >= 1, got {n!r}")
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
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
    ps = float(np.mean(np.asarray(signal, np.float64) ** 2))
    pn = float(np.mean(np.asarray(noise_, np.float64) ** 2))
    return 10.0 * np.log10(ps / pn)


def mix(signal, noise_, snr_db: float) -> np.ndarray:
    """signal + g·noise with g chosen so the SNR is exactly ``snr_db`` (eq. 2); the noise is
    tiled or cut to the signal's length. Not clipped: the result may leave [-1, 1]."""
    s = np.asarray(signal, np.float64)
    nz = np.asarray(noise_, np.float64)
    if s.ndim != 1 or nz.ndim != 1 or nz.size == 0:
        raise ValueError(f"mix(signal, noise_): expected 1-D waveforms, got shapes "
                         f"{s.shape} and {nz.shape}")
    nz = np.resize(nz, s.size)                             # tile or cut to len(signal)
    ps, pn = np.mean(s ** 2), np.mean(nz ** 2)
    if ps == 0 or pn == 0:
        raise ValueError("mix: the signal and the noise must both have nonzero power")
    g = np.sqrt(ps / (pn * 10.0 ** (snr_db / 10.0)))       # (2)
    return (s + g * nz).astype(np.float32)


# ----------------------------------------------------------------------------- speakers, labels
def speakers(split: str = "train", n: int = 100, seed: int = 0) -> list[Speaker]:
    """``n`` deterministic speakers of ``split``: "train" uses the variants TRAIN_VARIANTS,
    "test" only HELD_OUT_VARIANTS (voices never heard in training); every accent in both.
    Speed uniform in [130, 190] wpm, pitch in [25, 75]."""
    if split not in ("train", "test"):
        raise ValueError(f"speakers(split): expected 'train' or 'test', got {split!r}")
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
    bad = sorted(set(text) - set(ALPHABET))
    if bad:
        raise ValueError(f"encode_text(text): characters {bad} are not in the alphabet "
                         f"{ALPHABET!r}")
    return np.array([ALPHABET.index(c) + 1 for c in text], dtype=np.int64)


def decode_labels(ids) -> str:
    """The text of character ids (blanks, id 0, dropped)."""
    return "".join(ALPHABET[int(i) - 1] for i in ids if int(i) > 0)


def digit_utterances(n: int, split: str = "train", min_digits: int = 2, max_digits: int = 5,
                     seed: int = 0) -> list[Utterance]:
    """``n`` spoken digit strings ("three one four"), each by a speaker of ``split``."""
    rng = np.random.default_rng([seed, 7, 0 if split == "train" else 1])
    spk = speakers(split, n, seed)
    out = []
    for i in range(int(n)):
        k = int(rng.integers(min_digits, max_digits + 1))
        out.append(Utterance(" ".join(DIGIT_WORDS[d] for d in rng.integers(0, 10, k)), spk[i]))
    return out


def word_utterances(n: int, split: str = "train", words=SHORT_WORDS,
                    seed: int = 0) -> list[Utterance]:
    """``n`` single short words, each by a speaker of ``split``."""
    rng = np.random.default_rng([seed, 11, 0 if split == "train" else 1])
    spk = speakers(split, n, seed + 1)
    return [Utterance(words[int(rng.integers(len(words)))], spk[i]) for i in range(int(n))]
