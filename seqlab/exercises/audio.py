"""Exercises of notebooks 19 (a power spectrogram from the STFT) and 21 (the character error
rate of a speech recognizer).

``stft_spectrogram(x, window, hop_length) -> S``: frame the waveform (no padding, frame t =
x[t·hop : t·hop + n_fft] with n_fft = len(window)), multiply each frame by the window, take the
rfft (the non-negative frequencies only) and the power |X|². The reference is the library's
:func:`seqlab.audio.spectrogram` with ``center=False``. Each known mistake is one
wrong line of the plain-NumPy version ``_spectrogram`` switched on by ``bug``.
"""

from __future__ import annotations

import numpy as np

from seqlab.audio import spectrogram
from seqlab.exercises.core import Case, Exercise, Mistake


def _reference(x, window, hop_length):
    return spectrogram(x, len(window), hop_length, window=window, center=False)


def _spectrogram(x, window, hop_length, bug=None):
    """Frame, window, rfft, |.|² in plain NumPy, with one known ``bug`` switched on."""
    n_fft = len(window)
    hop = n_fft if bug == "hop = n_fft" else hop_length
    T = (len(x) - n_fft) // hop + (0 if bug == "off by one" else 1)
    frames = np.stack([x[t * hop: t * hop + n_fft] for t in range(T)], axis=1)  # (n_fft, T)
    if bug != "no window":
        frames = frames * window[:, None]
    X = np.fft.fft(frames, axis=0) if bug == "full fft" else np.fft.rfft(frames, axis=0)
    S = {"magnitude": np.abs(X), "real part": X.real ** 2,
         "decibels": 10 * np.log10(np.abs(X) ** 2 + 1e-10)}.get(bug, np.abs(X) ** 2)
    return S.T if bug == "frames as rows" else S


def _mistake(bug):
    return lambda x, window, hop_length: _spectrogram(x, window, hop_length, bug)


def _hann(n):
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def _case(n, n_fft, hop, signal="noise"):
    def make(r):
        t = np.arange(n)
        x = (np.sin(2 * np.pi * 5 * t / n_fft) + 0.3 * r.normal(size=n) if signal == "tone"
             else r.normal(size=n))
        return {"x": x, "window": _hann(n_fft), "hop_length": hop}
    return make


STFT_SPECTROGRAM = Exercise(
    name="stft_spectrogram",
    signature="stft_spectrogram(x, window, hop_length) -> S (len(window)//2 + 1, T_frames)",
    reference=_reference,
    source=spectrogram,
    library_name="seqlab.audio.spectrogram",
    week="3",
    output_names=("S",),
    cases=[
        Case("a tone in noise, n_fft=16, hop=4, 64 samples", _case(64, 16, 4, "tone")),
        Case("noise, n_fft=32, hop=8, 203 samples (a partial last frame is dropped)",
             _case(203, 32, 8)),
        Case("n_fft=8, hop=3, 30 samples", _case(30, 8, 3)),
        Case("exactly one frame (N = n_fft)", _case(16, 16, 5)),
    ],
    mistakes=[
        Mistake("no window", _mistake("no window"),
                "the frames are not windowed: multiply each frame by the window before the FFT "
                "(frames * window[:, None]), otherwise the frame edges leak energy into every "
                "frequency (eq. 2-3)."),
        Mistake("magnitude", _mistake("magnitude"),
                "you returned the magnitude |X|; the power spectrogram is |X|² (eq. 4): "
                "np.abs(X) ** 2."),
        Mistake("real part", _mistake("real part"),
                "|X|² = Re(X)² + Im(X)²: you squared only the real part (X.real ** 2); use "
                "np.abs(X) ** 2."),
        Mistake("decibels", _mistake("decibels"),
                "return the power itself, not in decibels: the log (10 log10, or log-mel) is a "
                "later step (eq. 7)."),
        Mistake("hop = n_fft", _mistake("hop = n_fft"),
                "the frames advance by hop_length samples, not by a whole frame: frame t "
                "starts at t·hop_length, so consecutive frames overlap (eq. 1)."),
        Mistake("off by one", _mistake("off by one"),
                "one frame is missing: N samples give 1 + (N - n_fft) // hop_length frames (the "
                "first frame starts at sample 0)."),
        Mistake("full fft", _mistake("full fft"),
                "np.fft.fft returns all n_fft frequencies, half of them the mirror image of "
                "the others for a real signal; use np.fft.rfft, which keeps the n_fft//2 + 1 "
                "non-negative ones (eq. 3)."),
        Mistake("frames as rows", _mistake("frames as rows"),
                "S is (frequencies, frames): one COLUMN per frame, like the features (n_mels, "
                "T) that the RNN reads; you returned one row per frame."),
    ],
    hints=[
        "n_fft = len(window); the number of frames is T = 1 + (len(x) - n_fft) // hop_length. "
        "Frame t is x[t*hop_length : t*hop_length + n_fft].",
        "Put the frames in the columns of an (n_fft, T) array, multiply by window[:, None], "
        "and take np.fft.rfft(..., axis=0): (n_fft//2 + 1, T) complex numbers.",
        "frames = np.stack([x[t*hop_length:t*hop_length+n_fft] for t in range(T)], axis=1); "
        "X = np.fft.rfft(frames * window[:, None], axis=0); return np.abs(X) ** 2",
    ],
)

# ------------------------------------------------------------------ character_error_rate


def _edit(h, r):
    prev = list(range(len(r) + 1))
    for i, hi in enumerate(h, 1):
        cur = [i] + [0] * len(r)
        for j, rj in enumerate(r, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (hi != rj))
        prev = cur
    return prev[-1]


def _cer(hyps, refs, bug=None):
    """Σ edit(ŷ_i, y_i) / Σ |y_i| over characters, with one known ``bug`` switched on."""
    if bug == "no spaces":
        hyps, refs = [h.replace(" ", "") for h in hyps], [r.replace(" ", "") for r in refs]
    if bug == "words":
        hyps, refs = [h.split() for h in hyps], [r.split() for r in refs]
    edits = [_edit(h, r) for h, r in zip(hyps, refs, strict=True)]
    if bug == "mean of rates":
        return float(np.mean([e / len(r) for e, r in zip(edits, refs, strict=True)]))
    if bug == "hyp length":
        return sum(edits) / sum(len(h) for h in hyps)
    if bug == "count":
        return float(sum(edits))
    if bug == "mismatches":
        return sum(sum(a != b for a, b in zip(h, r, strict=False)) for h, r
                   in zip(hyps, refs, strict=True)) / sum(len(r) for r in refs)
    return sum(edits) / sum(len(r) for r in refs)


def _cer_mistake(bug):
    return lambda hyps, refs: _cer(hyps, refs, bug)


def _cer_case(pairs):
    def make(r):
        return {"hyps": [h for h, _ in pairs], "refs": [ref for _, ref in pairs]}
    return make


_DIGIT_WORDS = "zero one two three four five six seven eight nine".split()


def _random_cer_case(r):
    """Three spoken digit strings and hypotheses with random substitutions, deletions and
    insertions of characters (spaces included)."""
    refs = [" ".join(r.choice(_DIGIT_WORDS, size=int(r.integers(1, 5)))) for _ in range(3)]
    hyps = []
    for ref in refs:
        chars = list(ref)
        for _ in range(int(r.integers(0, 5))):
            op, i = int(r.integers(3)), int(r.integers(len(chars) + 1))
            letter = "abcdefghijklmnopqrstuvwxyz "[int(r.integers(27))]
            if op == 0 and i < len(chars):
                chars[i] = letter
            elif op == 1 and i < len(chars):
                del chars[i]
            else:
                chars.insert(i, letter)
        hyps.append("".join(chars))
    return {"hyps": hyps, "refs": refs}


CHARACTER_ERROR_RATE = Exercise(
    name="character_error_rate",
    signature="character_error_rate(hyps, refs) -> float",
    reference=lambda hyps, refs: _cer(hyps, refs),
    source=_cer,
    library_name="seqlab.speech.recognition.character_error_rate",
    week="3",
    output_names=("cer",),
    cases=[
        Case("one substitution and one deletion", _cer_case([("tree", "three"), ("one", "one")])),
        Case("insertions, a long and a short utterance",
             _cer_case([("four sevenn eight", "four seven eight"), ("twoo", "two")])),
        Case("a dropped space and a wrong word",
             _cer_case([("threeone", "three one"), ("six nine", "six five"), ("", "zero")])),
        Case("a shift: the same letters one position later",
             _cer_case([("aone two", "one two"), ("five", "five")])),
    ],
    hidden_cases=[Case("random digit strings with random character edits", _random_cer_case)],
    mistakes=[
        Mistake("mean of rates", _cer_mistake("mean of rates"),
                "you averaged the per-utterance rates; the CER is the TOTAL number of edits "
                "divided by the TOTAL reference length (eq. 4), so long utterances weigh more."),
        Mistake("hyp length", _cer_mistake("hyp length"),
                "divide by the length of the REFERENCES (the true transcripts), not of the "
                "hypotheses: an empty output would otherwise divide by zero."),
        Mistake("no spaces", _cer_mistake("no spaces"),
                "spaces are characters too: a missing space between two words is an error "
                "the CER must count."),
        Mistake("words", _cer_mistake("words"),
                "you computed the WORD error rate (split into words): the CER compares "
                "characters."),
        Mistake("count", _cer_mistake("count"),
                "you returned the number of edits; divide by the total reference length to get "
                "a rate."),
        Mistake("mismatches", _cer_mistake("mismatches"),
                "comparing position by position (zip) is not an edit distance: one inserted "
                "letter shifts everything after it. Use the Levenshtein distance (insertions, "
                "deletions and substitutions each cost 1)."),
    ],
    hints=[
        "CER = Σ_i edit(hyps[i], refs[i]) / Σ_i len(refs[i]), with edit the Levenshtein "
        "distance between two strings (characters, spaces included).",
        "The edit distance by dynamic programming: prev = list(range(len(r) + 1)); for each "
        "character of h build cur[j] = min(prev[j] + 1, cur[j-1] + 1, prev[j-1] + (h_i != r_j)).",
        "from seqlab.seq2seq.metrics import edit_distance; return sum(edit_distance(h, r) for "
        "h, r in zip(hyps, refs)) / sum(len(r) for r in refs)",
    ],
)

EXERCISES = {ex.name: ex for ex in (STFT_SPECTROGRAM, CHARACTER_ERROR_RATE)}
