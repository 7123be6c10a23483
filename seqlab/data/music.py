"""Bach chorale melodies: loading, note tokens, statistics and a small synthesizer.

Week 1, "Improvise a jazz solo with an LSTM": a one-to-many RNN generates music one *value*
(a note and its length) at a time. Here the music is the soprano line of Bach's four-part
chorales, which music21 ships; ``tools/extract_chorales.py`` parsed them once into the small
committed file ``chorales.npz`` (22 KB), so nothing here needs music21.

A melody is a pair of 1-D arrays of the same length ``n``::

    pitch      int (n,)    MIDI number (60 = C4 = middle C, 69 = A4 = 440 Hz), REST = -1
    duration   float (n,)  in quarter notes (1.0 = a crotchet, 0.5 = a quaver)

A *token* is one note with its length, written ``"G4:1.5"`` (a dotted crotchet G above middle
C) or ``"R:1"`` (a crotchet rest): the vocabulary of a language model over melodies.

Equations
---------
(1) f = 440 Hz · 2^((p - 69) / 12)                      equal temperament, MIDI pitch p
(2) s(t) = env(t) · Σ_k h_k sin(2π k f t) / Σ_k h_k      one note: harmonics k = 1, 2, ...
(3) env(t) = min(t / t_a, 1) · (s + (1 - s) e^{-t/τ}) · min((T - t) / t_r, 1)
    attack t_a, sustain level s, decay time τ, release t_r before the note's end T

References
----------
music21 corpus (BSD-3): https://www.music21.org; Riemenschneider, *371 Harmonized Chorales*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqlab._validate import (
    as_array,
    check_int,
    check_number,
    check_sequence,
    check_str,
    got,
    renamed,
)
from seqlab.vocab.language import Vocabulary

__all__ = ["REST", "Chorale", "as_melody", "decode_melody", "encode_melody",
           "interval_histogram", "load_chorales", "melody_statistics", "midi_to_hz",
           "midi_to_name", "name_to_midi", "note_vocabulary", "synthesize", "transpose"]

REST = -1
CHORALES_PATH = Path(__file__).with_name("chorales.npz")
NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_LETTER = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_NAME = re.compile(r"^([A-G])([#b]?)(-?\d+)$")


@dataclass(frozen=True)
class Chorale:
    """One chorale's soprano melody and its metadata (see ``tools/extract_chorales.py``)."""

    number: int              # Riemenschneider number, 1-371
    bwv: str                 # e.g. "bwv269"
    title: str               # e.g. "Aus meines Herzens Grunde"
    tonic: int               # pitch class of the key, C = 0
    mode: str                # "major" or "minor"
    time_signature: str      # e.g. "4/4"
    pitch: np.ndarray        # int (n,), MIDI number or REST
    duration: np.ndarray     # float (n,), quarter notes
    fermata: np.ndarray      # bool (n,), the note ends a phrase

    @property
    def key(self) -> str:
        return f"{NOTE_NAMES[self.tonic]} {self.mode}"

    def __len__(self) -> int:
        return len(self.pitch)

    def transposed(self, semitones: int) -> Chorale:
        """The same chorale ``semitones`` higher (negative: lower), key included."""
        semitones = check_int(semitones, "Chorale.transposed(semitones)")
        try:
            pitch = transpose(self.pitch, semitones)
        except ValueError as e:
            raise renamed(e, "transpose(", "Chorale.transposed(") from None
        return Chorale(self.number, self.bwv, self.title, (self.tonic + semitones) % 12,
                       self.mode, self.time_signature, pitch, self.duration, self.fermata)

    def in_c(self) -> Chorale:
        """Transposed by the smallest shift (-6..+5 semitones) that puts the tonic on C."""
        shift = -self.tonic if self.tonic <= 6 else 12 - self.tonic
        return self.transposed(shift)


def load_chorales(path: str | Path | None = None) -> list[Chorale]:
    """The 350 distinct chorales of music21's Riemenschneider set, in order.

    Returns
    -------
    chorales : list of :class:`Chorale`; 17,780 notes and rests in all (247 rests), 22 to 186
        per chorale, pitches from 57 (A3) to 81 (A5).
    """
    with np.load(CHORALES_PATH if path is None else path, allow_pickle=False) as f:
        d = {k: f[k] for k in f.files}
    start = d["start"]
    return [Chorale(int(d["number"][i]), str(d["bwv"][i]), str(d["title"][i]),
                    int(d["tonic"][i]), str(d["mode"][i]), str(d["time_signature"][i]),
                    d["pitch"][start[i]:start[i + 1]].astype(np.int64),
                    d["duration"][start[i]:start[i + 1]].astype(np.float64),
                    d["fermata"][start[i]:start[i + 1]].copy())
            for i in range(len(start) - 1)]


def as_melody(pitch, duration, fn: str = "as_melody") -> tuple[np.ndarray, np.ndarray]:
    """Validated (pitch int64 (n,), duration float64 (n,)); errors name the caller ``fn``."""
    p = np.asarray(as_array(pitch, f"{fn}(pitch)", "int", ndim=1, symbols="(n,) of MIDI "
                            "numbers"))
    d = np.asarray(as_array(duration, f"{fn}(duration)", ndim=1, symbols="(n,) of quarter "
                            "lengths"), dtype=np.float64)
    if p.shape != d.shape:
        raise ValueError(f"{fn}(duration): expected the shape of pitch {p.shape}, one length "
                         f"per note, got {d.shape}")
    if p.size and (p.min() < REST or p.max() > 127):
        raise ValueError(f"{fn}(pitch): expected integer MIDI numbers 0-127 or REST (-1), got "
                         f"dtype {p.dtype}, range [{p.min()}, {p.max()}]")
    if d.size and not (np.all(np.isfinite(d)) and d.min() > 0):
        raise ValueError(f"{fn}(duration): expected positive quarter lengths, got minimum "
                         f"{d.min()}")
    return p.astype(np.int64), d


def midi_to_name(midi: int) -> str:
    """Scientific pitch name: 60 -> "C4", 61 -> "C#4", 69 -> "A4"; REST -> "R"."""
    midi = check_int(midi, "midi_to_name(midi)")
    if midi == REST:
        return "R"
    if not 0 <= midi <= 127:
        raise ValueError(f"midi_to_name(midi): expected 0-127 or REST (-1), got {midi}")
    return f"{NOTE_NAMES[midi % 12]}{midi // 12 - 1}"


def name_to_midi(name: str) -> int:
    """Inverse of :func:`midi_to_name`; accepts flats too ("Bb3" = "A#3" = 58) and "R"."""
    if check_str(name, "name_to_midi(name)") == "R":
        return REST
    match = _NAME.match(name)
    if not match:
        raise ValueError(f"name_to_midi(name): expected a note like 'C4', 'F#5', 'Bb3' or 'R', "
                         f"got {name!r}")
    letter, accidental, octave = match.groups()
    midi = 12 * (int(octave) + 1) + _LETTER[letter] + {"": 0, "#": 1, "b": -1}[accidental]
    if not 0 <= midi <= 127:
        raise ValueError(f"name_to_midi(name): expected a note in MIDI 0-127, got {name!r} "
                         f"(MIDI {midi})")
    return midi


def midi_to_hz(midi) -> np.ndarray:
    """(1) Equal-tempered frequency in Hz of MIDI numbers (any shape): 69 -> 440.0."""
    midi = np.asarray(as_array(midi, "midi_to_hz(midi)", "real"), dtype=np.float64)
    if midi.size and not (float(midi.min()) >= 0 and float(midi.max()) <= 127):
        raise ValueError(f"midi_to_hz(midi): expected MIDI numbers in [0, 127], got values in "
                         f"[{float(midi.min())}, {float(midi.max())}]")
    return 440.0 * 2.0 ** ((midi - 69.0) / 12.0)


def transpose(pitch, semitones: int) -> np.ndarray:
    """``pitch`` moved by ``semitones``; rests stay rests. Raises if a note leaves 0-127."""
    p = np.asarray(as_array(pitch, "transpose(pitch)", "int", ndim=1)).astype(np.int64)
    semitones = check_int(semitones, "transpose(semitones)")
    out = np.where(p == REST, REST, p + int(semitones))
    if np.any((p != REST) & ((out < 0) | (out > 127))):
        raise ValueError(f"transpose(semitones): expected a shift that keeps every note in MIDI "
                         f"0-127, got {semitones}")
    return out


def encode_melody(pitch, duration) -> list[str]:
    """Note tokens of a melody: ``[69, -1], [1.5, 0.5]`` -> ``["A4:1.5", "R:0.5"]``."""
    p, d = as_melody(pitch, duration, "encode_melody")
    return [f"{midi_to_name(a)}:{float(b):g}" for a, b in zip(p, d, strict=True)]


def decode_melody(tokens) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`encode_melody`: (pitch int64 (n,), duration float64 (n,)).

    Special tokens written in angle brackets (``"<EOS>"``, ``"<UNK>"``) are skipped; anything
    else that is not ``"NOTE:LENGTH"`` raises a ValueError naming the token.
    """
    pitch, duration = [], []
    for tok in check_sequence(tokens, "decode_melody(tokens)", "a list of note tokens"):
        check_str(tok, "decode_melody(tokens)")
        if tok.startswith("<") and tok.endswith(">"):
            continue
        name, sep, length = tok.partition(":")
        try:
            value = float(length)
        except ValueError:
            value = float("nan")
        if not sep or not value > 0:
            raise ValueError(f"decode_melody(tokens): expected tokens like 'G4:1.5' or 'R:1', "
                             f"got {tok!r}")
        pitch.append(name_to_midi(name))
        duration.append(value)
    return np.array(pitch, dtype=np.int64), np.array(duration, dtype=np.float64)


def note_vocabulary(texts, min_count: int = 1, max_size: int | None = None) -> Vocabulary:
    """The :class:`~seqlab.lm.Vocabulary` of melodies written as space-separated note tokens
    (``" ".join(encode_melody(pitch, duration))``), so every ``seqlab.lm`` function that takes
    texts works on melodies; ``decode_melody(text.split())`` turns a sample back into notes."""
    texts = check_sequence(texts, "note_vocabulary(texts)", "a list of melody texts")
    min_count = check_int(min_count, "note_vocabulary(min_count)", 1)
    if max_size is not None:
        check_int(max_size, "note_vocabulary(max_size) (or None)", 1)
    return Vocabulary.build(texts, "space", min_count, max_size)


def interval_histogram(melodies, max_interval: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Distribution of melodic intervals between consecutive notes (rests skipped).

    Parameters
    ----------
    melodies : list of (pitch (n,), duration (n,)) pairs
    max_interval : int, larger leaps are counted at ±max_interval

    Returns
    -------
    intervals : int (2·max_interval + 1,), -max_interval..max_interval semitones
    probability : float (2·max_interval + 1,), sums to 1 (all zeros if there is no interval)
    """
    max_interval = check_int(max_interval, "interval_histogram(max_interval)", 1)
    counts = np.zeros(2 * max_interval + 1)
    for pitch, duration in _melodies(melodies, "interval_histogram(melodies)"):
        p, _ = as_melody(pitch, duration, "interval_histogram")
        steps = np.clip(np.diff(p[p != REST]), -max_interval, max_interval)
        counts += np.bincount(steps + max_interval, minlength=counts.size)
    total = counts.sum()
    return np.arange(-max_interval, max_interval + 1), counts / total if total else counts


def melody_statistics(melodies) -> dict[str, float]:
    """Summary numbers of a list of (pitch, duration) melodies, to compare real and generated.

    Returns
    -------
    dict with "notes" (count, rests excluded), "rests", "lowest" and "highest" MIDI numbers,
    "mean_pitch", "mean_abs_interval" (semitones), "steps" (share of intervals of at most 2
    semitones), "leaps" (share of at least 5), "repeats" (share of 0), "mean_duration"
    (quarter notes per note).
    """
    notes, durations, rests = [], [], 0
    melodies = _melodies(melodies, "melody_statistics(melodies)")
    if not melodies:
        raise ValueError("melody_statistics(melodies): expected at least one melody, got none")
    for pitch, duration in melodies:
        p, d = as_melody(pitch, duration, "melody_statistics")
        notes.append(p[p != REST])
        durations.append(d[p != REST])
        rests += int(np.sum(p == REST))
    all_notes = np.concatenate(notes) if notes else np.zeros(0, dtype=np.int64)
    if all_notes.size == 0:
        raise ValueError("melody_statistics(melodies): expected at least one note, got none")
    iv = np.abs(np.concatenate([np.diff(n) for n in notes]))
    share = (lambda mask: float(mask.mean())) if iv.size else (lambda mask: float("nan"))
    return {"notes": int(all_notes.size), "rests": rests, "lowest": int(all_notes.min()),
            "highest": int(all_notes.max()), "mean_pitch": float(all_notes.mean()),
            "mean_abs_interval": float(iv.mean()) if iv.size else float("nan"),
            "steps": share(iv <= 2), "leaps": share(iv >= 5), "repeats": share(iv == 0),
            "mean_duration": float(np.concatenate(durations).mean())}


def synthesize(pitch, duration, bpm: float = 90.0, sample_rate: int = 16000,
               harmonics=(1.0, 0.5, 0.25, 0.125), attack: float = 0.01, release: float = 0.04,
               sustain: float = 0.6, decay: float = 0.25, gain: float = 0.8) -> np.ndarray:
    """A melody as a waveform, for ``IPython.display.Audio(wave, rate=sample_rate)``.

    Each note is a sum of harmonics (2) shaped by an envelope (3) that rises in ``attack``
    seconds, decays towards ``sustain`` with time constant ``decay`` and falls to 0 in the last
    ``release`` seconds, so consecutive notes join without clicks. Rests are silence.

    Parameters
    ----------
    pitch, duration : (n,) MIDI numbers (REST = -1) and quarter-note lengths
    bpm : quarter notes per minute; a quarter note lasts 60 / bpm seconds
    sample_rate : samples per second (8000 is enough below C7 and keeps files small)
    harmonics : amplitudes h_1, h_2, ... of f, 2f, ...; those at or above the Nyquist
        frequency sample_rate / 2 are left out
    gain : peak amplitude, in (0, 1]

    Returns
    -------
    wave : float32 (N,), N = round(sum(duration) · 60 / bpm · sample_rate), |wave| <= gain
    """
    p, d = as_melody(pitch, duration, "synthesize")
    sample_rate = check_int(sample_rate, "synthesize(sample_rate)", 1)
    bpm = check_number(bpm, "synthesize(bpm)", 0, low_open=True)
    gain = check_number(gain, "synthesize(gain)", 0, 1, low_open=True)
    sustain = check_number(sustain, "synthesize(sustain)", 0, 1)
    decay = check_number(decay, "synthesize(decay)", 0, low_open=True)
    attack = check_number(attack, "synthesize(attack) (seconds)", 0)
    release = check_number(release, "synthesize(release) (seconds)", 0)
    h = np.asarray(harmonics, dtype=np.float64).ravel()
    if h.size == 0 or h.min() < 0 or h.sum() <= 0:
        raise ValueError(f"synthesize(harmonics): expected non-negative amplitudes with a "
                         f"positive sum, got {harmonics!r}")
    seconds_per_quarter = 60.0 / bpm
    edges = np.rint(np.concatenate([[0.0], np.cumsum(d)]) * seconds_per_quarter
                    * sample_rate).astype(np.int64)                 # (n+1,) note boundaries
    wave = np.zeros(edges[-1], dtype=np.float64)                    # (N,)
    k = np.arange(1, h.size + 1)                                    # (K,) harmonic numbers
    for midi, a, b in zip(p, edges[:-1], edges[1:], strict=True):
        if midi == REST or b <= a:
            continue
        f = float(midi_to_hz(midi))                                 # (1)
        t = np.arange(b - a) / sample_rate                          # (L,) seconds from onset
        length = (b - a) / sample_rate                              # T, the note's length
        audible = k * f < sample_rate / 2                           # (K,) below Nyquist
        tone = (h[audible, None] * np.sin(2 * np.pi * f * k[audible, None] * t)).sum(axis=0)
        tone /= h.sum()                                             # (2) |tone| <= 1
        t_a, t_r = min(attack, length / 2), min(release, length / 2)
        rise = np.minimum(t / t_a, 1.0) if t_a > 0 else 1.0        # attack
        fall = np.clip((length - t) / t_r, 0.0, 1.0) if t_r > 0 else 1.0  # release
        env = rise * (sustain + (1 - sustain) * np.exp(-t / decay)) * fall  # (3) in [0, 1]
        wave[a:b] = env * tone
    return (gain * wave).astype(np.float32)


def _melodies(melodies, where: str) -> list:
    """A list of (pitch, duration) pairs."""
    melodies = check_sequence(melodies, where, "a list of (pitch, duration) pairs")
    for m in melodies:
        if not (isinstance(m, tuple | list) and len(m) == 2):
            raise TypeError(f"{where}: expected a list of (pitch, duration) pairs, got an item "
                            f"{got(m)}")
    return melodies
